//! End-to-end tests of the shell hook, in the real shells.

mod app_shapes;
mod cost;
mod daily;
mod export;
pub mod harness;
mod interactive;
mod interactive_tcsh_elvish_xonsh_nu;
mod kept_times;
mod messages;
mod notes;
mod scenarios;
mod script;
mod script_tcsh_elvish_xonsh_nu;
mod shell_vars;
mod values;
