//! End-to-end tests of the shell hook, in the real shells.

#[path = "../common/mod.rs"]
mod common;
mod cost;
mod export;
mod harness;
mod new_scripts;
mod new_shells;
mod scenarios;
mod script;
mod values;
