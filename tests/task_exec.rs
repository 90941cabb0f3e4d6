//! End-to-end: a task is the program itself, with appenv's pid, under
//! whichever shell /bin/sh is (dash, bash, busybox), as a container
//! entrypoint too (PID 1 in a PID namespace). Checked by pid, command name
//! and SIGTERM delivery, against a real Python program that handles SIGTERM.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{App, have, stderr, stdout};

/// Prints `ready PID`, then on SIGTERM prints `TERM` and exits 0. It
/// sleeps in short steps rather than in `signal.pause()`: a signal that
/// lands between Python's check for pending handlers and the `pause(2)` it
/// then calls would leave it paused for good (seen on a loaded machine).
const PROGRAM: &str = "import os, signal, time\n\
signal.signal(signal.SIGTERM, lambda *_: (os.write(1, b'TERM\\n'), os._exit(0)))\n\
print('ready', os.getpid(), flush=True)\n\
while True:\n    time.sleep(0.2)\n";

const WAIT: Duration = Duration::from_secs(60);

fn app() -> App {
    let app = App::new(&[
        (
            "Procfile",
            "web: python3 bin/app.py --port ${PORT:-5000}\n\
             setup-then-web: true && python3 bin/app.py\n\
             globbed: python3 bin/app.py *.none\n",
        ),
        ("bin/app.py", PROGRAM),
    ]);
    // A PATH of links the test makes: python3 and what the shells need.
    let bin = app.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["python3", "true"] {
        let real = which(tool);
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    app
}

fn which(tool: &str) -> String {
    common::real_tool(tool).display().to_string()
}

/// The first line of `child`'s stdout, waited for in a thread.
fn first_line(child: &mut Child) -> mpsc::Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(out).lines();
        while let Some(Ok(line)) = lines.next() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn term(pid: u32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
}

/// Runs `appenv run TASK` through `wrap` (words before appenv), checks
/// that the program holds the pid `pid_of` gives and gets SIGTERM.
fn check(app: &App, wrap: &[&str], task: &str, in_namespace: bool) {
    let appenv = assert_cmd::cargo::cargo_bin("appenv");
    let program = wrap
        .first()
        .map_or(appenv.to_str().unwrap().to_owned(), |w| which(w));
    let mut cmd = app
        .sandbox()
        .set("PATH", app.tmp.path().join("bin"))
        .command(program);
    if !wrap.is_empty() {
        cmd.args(&wrap[1..]).arg(&appenv);
    }
    let mut child = cmd
        .args(["run", task])
        .current_dir(&app.root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = first_line(&mut child);
    let Ok(ready) = lines.recv_timeout(WAIT) else {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!("{task} never became ready: {}", stderr(&out));
    };
    // Inside a PID namespace the program is PID 1 there; from here it is
    // unshare's child.
    let pid = if in_namespace {
        assert_eq!(ready, "ready 1", "{task} is not PID 1 in its namespace");
        let children = format!("/proc/{0}/task/{0}/children", child.id());
        let text = std::fs::read_to_string(children).unwrap();
        text.trim().parse().unwrap()
    } else {
        assert_eq!(
            ready,
            format!("ready {}", child.id()),
            "{task}: not appenv's pid"
        );
        child.id()
    };
    assert_eq!(comm(pid), "python3", "{task}: {pid} is not the program");
    term(pid);
    let got = lines.recv_timeout(WAIT);
    if got.as_deref() != Ok("TERM") {
        // Fail rather than wait forever for a program that holds the pipes.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        got.as_deref(),
        Ok("TERM"),
        "{task}: {:?} {}",
        out.status,
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{task}");
}

#[test]
fn tasks_are_the_program_under_dash() {
    if !have("python3") || !have("dash") {
        return;
    }
    // The shell Debian and Ubuntu install as /bin/sh: the one that does not
    // exec a last command by itself.
    let sh = std::fs::canonicalize("/bin/sh").unwrap();
    if !common::require_that(
        sh.file_name().is_some_and(|n| n == "dash"),
        &format!("/bin/sh is {sh:?}, not dash"),
    ) {
        return;
    }
    let app = app();
    for task in ["web", "setup-then-web", "globbed"] {
        check(&app, &[], task, false);
    }
}

/// `unshare` with `rest`; as a user other than root, in a user namespace
/// of its own where it is root.
pub(crate) fn unshare(rest: &[&str]) -> Vec<String> {
    let mut words = vec!["unshare".to_string()];
    // /proc/self belongs to the process's effective user.
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap());
    if uid != 0 {
        words.push("--map-root-user".into());
    }
    words.extend(rest.iter().map(|w| w.to_string()));
    words
}

/// Whether this process may make mount and PID namespaces.
pub(crate) fn can_unshare() -> bool {
    if !have("unshare") {
        return false;
    }
    let words = unshare(&["--mount", "--pid", "--fork", "true"]);
    let ok = Command::new(which(&words[0]))
        .args(&words[1..])
        .output()
        .is_ok_and(|o| o.status.success());
    common::require_that(
        ok,
        "unshare --mount --pid does not work here (as root, or with user namespaces)",
    )
}

#[test]
fn tasks_are_the_program_when_sh_is_bash_or_busybox() {
    if !have("python3") || !have("bash") || !have("busybox") || !can_unshare() {
        return;
    }
    let app = app();
    for shell in ["bash", "busybox"] {
        let shell = which(shell);
        // In a private mount namespace, /bin/sh (the file it leads to) is
        // the other shell; busybox runs as `sh` because of the name it is
        // started by.
        let wrap = unshare(&[
            "--mount",
            "--propagation",
            "private",
            "/bin/dash",
            "-c",
            "/bin/mount --bind \"$0\" /bin/sh && exec \"$@\"",
            shell.as_str(),
        ]);
        let wrap: Vec<&str> = wrap.iter().map(String::as_str).collect();
        let probe = Command::new(which(wrap[0]))
            .args(&wrap[1..])
            .args([
                "/bin/sh",
                "-c",
                "echo ${BASH_VERSION:+bash}; readlink /proc/$$/exe",
            ])
            .output()
            .unwrap();
        assert!(probe.status.success(), "{}", stderr(&probe));
        assert_ne!(
            stdout(&probe),
            "\n/usr/bin/dash\n",
            "the bind mount did not take"
        );
        for task in ["web", "setup-then-web", "globbed"] {
            check(&app, &wrap, task, false);
        }
    }
}

#[test]
fn a_task_is_pid_1_of_a_container_and_gets_sigterm() {
    if !have("python3") || !can_unshare() {
        return;
    }
    let app = app();
    for task in ["web", "setup-then-web"] {
        let wrap = unshare(&["--pid", "--fork", "--mount-proc"]);
        let wrap: Vec<&str> = wrap.iter().map(String::as_str).collect();
        check(&app, &wrap, task, true);
    }
}
