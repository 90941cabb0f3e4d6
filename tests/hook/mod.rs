//! End-to-end tests of the shell hook, in the real shells.

mod app_shapes;
mod cost;
mod daily;
mod export;
pub mod harness;
mod interactive;
mod kept_times;
mod messages;
mod new_scripts;
mod new_shells;
mod notes;
mod scenarios;
mod script;
mod shell_vars;
mod values;
