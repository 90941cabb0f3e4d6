//! The `appenv` binary: parse, run, print `appenv: ` errors, exit. Started
//! under any other name, it is a shim (see `appenv::shim`).
//!
//! `no_main`: Rust's start-up code sets SIGPIPE to "ignore", and an ignored
//! signal stays ignored across execve. Skipping it leaves every signal
//! disposition as the caller set it, so the program appenv execs starts
//! exactly as if the caller had exec'd it directly.
#![no_main]

use std::ffi::{c_char, c_int};
use std::io::Write;

use clap::Parser;

use appenv::cli::Cli;
use appenv::cmd;
use appenv::plan::Env;
use appenv::shim;

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let inherited: Env = std::env::vars_os().collect();
    let argv: Vec<_> = std::env::args_os().collect();
    if argv.first().is_some_and(|a| shim::invoked_as(a).is_some()) {
        let e = shim::run(argv, inherited);
        eprintln!("appenv: {e}");
        return e.status;
    }
    let cli = match Cli::parse_program(&argv) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(argv),
    };
    let status = match cli {
        Ok(cli) => match cmd::run(cli, inherited) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("appenv: {e}");
                e.status
            }
        },
        Err(e) => {
            let _ = e.print();
            e.exit_code()
        }
    };
    let _ = std::io::stdout().flush();
    status
}
