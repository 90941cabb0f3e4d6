//! End-to-end tests of the shell hook, in the real shells.

mod cost;
mod harness;
mod scenarios;
mod script;
mod values;
