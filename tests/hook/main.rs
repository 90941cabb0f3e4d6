//! End-to-end tests of the shell hook, in the real shells.

mod harness;
mod scenarios;
