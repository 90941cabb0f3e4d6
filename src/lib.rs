//! appenv: run a program in exactly the environment of the app it belongs to.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod dotenv;
pub mod env_name;
pub mod error;
pub mod exec;
pub mod framework;
pub mod hook_state;
pub mod input;
pub mod isolation;
pub mod launch;
pub mod plan;
pub mod procfile;
pub mod root;
#[cfg(target_os = "linux")]
pub mod same_as;
pub mod script;
pub mod shell;
pub mod shim;
pub mod tasks;
pub mod text;
pub mod trust;
pub mod trusted_dirs;
pub mod workdir;
pub mod xdg;
