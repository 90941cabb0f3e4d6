//! The `appenv` binary: parse, run, print `appenv: ` errors, exit. Started
//! under any other name, it is a shim (see `appenv::shim`).
//!
//! `no_main`: Rust's start-up code sets SIGPIPE to "ignore", and an ignored
//! signal stays ignored across execve. Skipping it leaves every signal
//! disposition as the caller set it, so the program appenv execs starts
//! exactly as if the caller had exec'd it directly.
#![no_main]

use std::ffi::{CStr, OsString, c_char, c_int};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use appenv::cli::Cli;
use appenv::cmd;
use appenv::plan::Env;
use appenv::shim;

/// # Safety
///
/// Called by the C runtime only, with `argc` valid, NUL-terminated strings
/// in `argv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    let inherited: Env = std::env::vars_os().collect();
    // SAFETY: as promised by the caller.
    let argv = unsafe { args(argc, argv) };
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
                // A status without a message: the command said it all
                // (diff's "they differ").
                if !e.message.is_empty() {
                    eprintln!("appenv: {e}");
                }
                e.status
            }
        },
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", short_usage());
            e.exit_code()
        }
        Err(e) => {
            let _ = e.print();
            e.exit_code()
        }
    };
    let _ = std::io::stdout().flush();
    status
}

/// What `appenv` alone prints: the usage and the common commands, not the
/// whole help.
fn short_usage() -> String {
    let mut cli = Cli::command();
    let common = cli
        .get_after_help()
        .map(|h| format!("\n{h}\n"))
        .unwrap_or_default();
    let about = cli
        .get_about()
        .map(|a| format!("{a}\n\n"))
        .unwrap_or_default();
    format!(
        "{about}{}\n{common}\nSee 'appenv --help' for every command and option.\n",
        cli.render_usage()
    )
}

/// The arguments as the C runtime passed them. `std::env::args_os()` cannot
/// be used under `no_main`: glibc hands them to Rust's start-up code anyway,
/// but musl does not, and it would return none.
unsafe fn args(argc: c_int, argv: *const *const c_char) -> Vec<OsString> {
    (0..usize::try_from(argc).unwrap_or(0))
        .map(|i| {
            // SAFETY: the caller's promise, for i < argc.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsString::from_vec(arg.to_bytes().to_vec())
        })
        .collect()
}
