//! appenv: run a program in exactly the environment of the app it belongs to.

pub mod config;
pub mod dotenv;
pub mod isolation;
pub mod plan;
pub mod procfile;
pub mod root;
pub mod text;
