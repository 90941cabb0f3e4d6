//! `appenv @NAME ARGS…` end to end: a real sshd on 127.0.0.1 and a real
//! podman container, each started by the test, and what needs neither
//! (unknown remotes, a missing transport, trust, `appenv remotes`).

mod cli;
mod container;
mod podman;
mod ssh;
mod sshd;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, App, Sandbox, appenv_bin};
use crate::tmux::Tmux;

/// A program for the remote side that prints each argument followed by
/// a NUL: what arrived, byte for byte.
const ARGS_SCRIPT: &str = "#!/bin/sh\nprintf '%s\\0' \"$@\"\n";

/// A task for the remote side that says it started, then exits with the
/// status it reads from stdin: stdin reaches it, and its status comes back.
const WAIT_SCRIPT: &str = "#!/bin/sh\necho started\nread status\nexit \"$status\"\n";

/// The shell line that says whether the program has a terminal.
const TTY_CHECK: &str = "if [ -t 0 ] && [ -t 1 ]; then echo TTY-YES; else echo TTY-NO; fi";

/// Arguments a shell would mangle, one of each kind, and bytes that are not UTF-8.
fn hostile_args() -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStringExt;
    [
        &b"a b"[..],
        b"",
        b"'",
        b"\"",
        b"$(touch PWNED)",
        b"`touch PWNED`",
        b"*",
        b"?",
        b"\\",
        b"back\\slash\\",
        b"new\nline",
        b"tab\there",
        b"~",
        b"$HOME",
        b";touch PWNED",
        b"a'\\''b",
        b"-e",
        b"--help",
        b"\xff\xfe",
        b"caf\xc3\xa9",
    ]
    .iter()
    .map(|a| std::ffi::OsString::from_vec(a.to_vec()))
    .collect()
}

/// The bytes [`ARGS_SCRIPT`] prints for `args`.
fn nul_joined(args: &[std::ffi::OsString]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = Vec::new();
    for arg in args {
        out.extend_from_slice(arg.as_bytes());
        out.push(0);
    }
    out
}

/// Whether `pid` is now the transport (`ssh`, `podman`): its own program,
/// not appenv's, and no appenv process below it.
fn assert_became(pid: u32, program: &str) {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert_eq!(
        exe.file_name().and_then(|n| n.to_str()),
        Some(program),
        "pid {pid} is {exe:?}"
    );
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children.split_whitespace() {
        let exe = std::fs::read_link(format!("/proc/{child}/exe")).unwrap_or_default();
        assert_ne!(
            exe,
            appenv_bin(),
            "an appenv process is left below {program}"
        );
    }
}

/// `appenv @NAME run wait` spawned from `app` in `sandbox`: once the remote
/// task says it started, the local pid is checked to be `program`'s; then
/// the status sent on stdin must come back.
fn pid_becomes(app: &App, sandbox: &Sandbox, remote: &str, program: &str) {
    let mut child: Child = sandbox
        .command(appenv_bin())
        .arg(format!("@{remote}"))
        .args(["run", "wait"])
        .current_dir(&app.root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "started");
    assert_became(pid, program);
    child.stdin.take().unwrap().write_all(b"42\n").unwrap();
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(42), "signal {:?}", status.signal());
}

fn wait(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `@NAME exec sh -c TTY_CHECK` piped, in a terminal (tmux), and in
/// each with the option that forces the other way.
fn terminal_exactly_when_the_caller_has_one(
    dir: &Path,
    app: &App,
    sandbox: &Sandbox,
    remote: &str,
) {
    let check = |options: &[&str]| {
        let out = sandbox
            .command(appenv_bin())
            .args(options)
            .arg(format!("@{remote}"))
            .args(["exec", "sh", "-c", TTY_CHECK])
            .current_dir(&app.root)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        common::stdout(&out)
    };
    assert_eq!(check(&[]).trim(), "TTY-NO");
    assert_eq!(check(&["--tty"]).trim(), "TTY-YES");
    let term = Tmux::start(
        dir,
        &app.root,
        &sandbox.clone().set("PS1", "$ ").env(),
        &["sh"],
    );
    // Typed before the prompt, a line's output would follow the prompt.
    term.wait_screen("the prompt", |s| !s.is_empty());
    let appenv = appenv_bin().display().to_string();
    let line = |options: &str| format!("{appenv} {options} @{remote} exec sh -c '{TTY_CHECK}'");
    // The lines the program printed: the typed line holds both answers.
    let said = |screen: &str, after: &str| -> Vec<String> {
        let rest = &screen[screen.rfind(after).unwrap()..];
        rest.lines()
            .skip(1)
            .map(|l| l.trim_start_matches(['#', '$', ' ']).to_owned())
            .collect()
    };
    let screen = term.run(&line(""), "ONE");
    assert!(said(&screen, "@").contains(&"TTY-YES".into()), "{screen}");
    let screen = term.run(&line("--no-tty"), "TWO");
    assert!(
        said(&screen, "--no-tty").contains(&"TTY-NO".into()),
        "{screen}"
    );
}
