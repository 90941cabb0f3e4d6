//! End-to-end: what `appenv` alone and `appenv --version` print.

use crate::common;

use common::{Sandbox, stderr, stdout};

fn appenv(args: &[&str]) -> std::process::Output {
    Sandbox::bare().appenv().args(args).output().unwrap()
}

#[test]
fn no_arguments_prints_a_short_usage_and_exits_2() {
    let out = appenv(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let usage = stderr(&out);
    assert!(
        usage.starts_with(
            "Run a program in exactly the environment of the app it belongs to\n\n\
             Usage: appenv [OPTIONS] <COMMAND>\n"
        ),
        "{usage}"
    );
    for common in ["appenv run migrate", "appenv console", "appenv explain"] {
        assert!(usage.contains(common), "{usage}");
    }
    assert!(usage.ends_with("See 'appenv --help' for every command and option.\n"));
    assert!(usage.lines().count() <= 15, "{usage}");
}

#[test]
fn help_lists_every_command() {
    let out = appenv(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    for command in ["init", "completions", "tasks", "explain"] {
        assert!(help.contains(&format!("\n  {command} ")), "{help}");
    }
}

#[test]
fn version() {
    for flag in ["--version", "-V"] {
        let out = appenv(&[flag]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            stdout(&out),
            format!("appenv {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}
