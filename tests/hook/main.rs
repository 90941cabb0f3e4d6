//! End-to-end tests of the shell hook, in the real shells.

#[path = "../common/mod.rs"]
mod common;
mod cost;
mod export;
mod harness;
mod scenarios;
mod script;
mod values;
