//! End-to-end tests of the shell hook, in the real shells.

mod cost;
mod export;
mod harness;
mod scenarios;
mod script;
mod values;
