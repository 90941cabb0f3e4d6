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

use clap::CommandFactory;
use clap::error::ErrorKind;

use appenv::cli::Cli;
use appenv::cmd;
use appenv::exit::ExitCode;
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
        eprint!("{}", message(&e.message));
        return e.status.code();
    }
    let cli = match Cli::parse_program(&argv).or_else(|| Cli::parse_export(&argv)) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_args(argv),
    };
    let status = match cli {
        Ok(cli) => match cmd::run(cli, inherited) {
            Ok(()) => ExitCode::Success.code(),
            Err(e) => {
                // A status without a message: the command said it all
                // (diff's "they differ").
                if !e.message.is_empty() {
                    eprint!("{}", message(&e.message));
                }
                e.status.code()
            }
        },
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", short_usage());
            e.exit_code()
        }
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            e.exit_code()
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let text = invalid_value(&e)
                .unwrap_or_else(|| rendered.strip_prefix("error: ").unwrap_or(&rendered).into());
            eprint!("{}", message(&text));
            e.exit_code()
        }
    };
    let _ = std::io::stdout().flush();
    status
}

/// A value that is not one of a list (`appenv hook csh`), said the way
/// appenv says everything, with the list: `appenv: invalid value 'csh'
/// for shell; use one of bash, zsh, …`.
fn invalid_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if e.kind() != ErrorKind::InvalidValue {
        return None;
    }
    let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
        e.get(ContextKind::InvalidArg),
        e.get(ContextKind::InvalidValue),
    ) else {
        return None;
    };
    let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) else {
        return None;
    };
    let arg = match arg.strip_prefix('<').and_then(|a| a.strip_suffix('>')) {
        Some(name) => name.to_lowercase(),
        None => arg.clone(),
    };
    Some(format!(
        "invalid value '{value}' for {arg}; use one of {}",
        valid.join(", ")
    ))
}

/// An error as appenv prints it: `appenv: ` first, and every line
/// sanitised, whatever made it. Messages sanitise what they quote already;
/// clap's do not (`appenv --bogus$'\e[2J'`), and this is the last line of
/// defence for any other.
fn message(text: &str) -> String {
    let mut out = String::from("appenv: ");
    for line in text.lines() {
        out.push_str(&appenv::text::sanitize(line));
        out.push('\n');
    }
    out
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
