//! The hook through a developer's day, in an interactive shell in a
//! terminal: switching branches, allowing, leaving and coming back.

use std::process::Command;

use super::harness::{HookApp, appenv_bin};
use super::interactive::{start, tty_shells};
use crate::tmux::Tmux;

/// The screen from the last line holding `marker` on.
fn since(screen: &str, marker: &str) -> String {
    let at = screen.rfind(marker).unwrap_or(0);
    screen[at..].to_owned()
}

/// Runs `line`, then a line that echoes `A` and `B`, so that what the
/// prompt after `line` did is on the screen; returns what was said from
/// `line` on.
fn step(term: &Tmux, line: &str, marker: &str) -> String {
    term.line(&format!(": {marker}; {line}"));
    let screen = term.run("echo \"A=$A B=$B\"", marker);
    since(&screen, &format!(": {marker};"))
}

fn git(sandbox: &HookApp, dir: &str, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=dev", "-c", "user.email=dev@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(sandbox.path(dir))
        .env("HOME", sandbox.path("home"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Allow on `main`, switch to a branch that adds `.env.local`, allow it,
/// switch back and forth: each content allowed once loads without a new
/// allow; an edit in place still asks.
#[test]
fn switching_back_to_an_allowed_branch_needs_no_new_allow() {
    for shell in tty_shells() {
        let mut sandbox = HookApp::new(&[("apps/app/.env", "A=1\n")]);
        sandbox.trusted = false;
        git(&sandbox, "apps/app", &["init", "-q"]);
        git(&sandbox, "apps/app", &["add", ".env"]);
        git(&sandbox, "apps/app", &["commit", "-qm", "main"]);
        git(&sandbox, "apps/app", &["checkout", "-qb", "feature"]);
        sandbox.write("apps/app/.env.local", "B=2\n");
        git(&sandbox, "apps/app", &["add", ".env.local"]);
        git(&sandbox, "apps/app", &["commit", "-qm", "feature"]);
        git(&sandbox, "apps/app", &["checkout", "-q", "main"]);
        let appenv = appenv_bin().display().to_string();
        let term = start(&sandbox, shell, "");

        let said = step(&term, "cd apps/app", "M1");
        assert!(
            said.contains("is not allowed; run 'appenv allow'"),
            "{shell}: {said}"
        );
        let said = step(&term, &format!("'{appenv}' allow"), "M2");
        assert!(said.contains("A=1 B=\n"), "{shell}: {said}");
        let said = step(&term, "git checkout -q feature", "M3");
        assert!(
            said.contains("changed since it was allowed"),
            "{shell}: {said}"
        );
        assert!(said.contains("A= B=\n"), "{shell}: {said}");
        let said = step(&term, &format!("'{appenv}' allow"), "M4");
        assert!(said.contains("A=1 B=2\n"), "{shell}: {said}");
        for (branch, values, marker) in [("main", "A=1 B=\n", "M5"), ("feature", "A=1 B=2\n", "M6")]
        {
            let said = step(&term, &format!("git checkout -q {branch}"), marker);
            assert!(said.contains(values), "{shell} on {branch}: {said}");
            assert!(!said.contains("allow"), "{shell} on {branch}: {said}");
        }
        let said = step(&term, "echo A=3 > .env", "M7");
        assert!(
            said.contains("changed since it was allowed"),
            "{shell}: {said}"
        );
        assert!(said.contains("A= B=\n"), "{shell}: {said}");
        let out = sandbox.appenv().args(["allow", "--list"]).output().unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        assert!(list.trim_end().ends_with("\t2 contents"), "{list}");
        // Deny forgets both branches.
        let said = step(
            &term,
            &format!("'{appenv}' deny; git checkout -q -f main"),
            "M8",
        );
        assert!(said.contains("is not allowed"), "{shell}: {said}");
        assert!(said.contains("A= B=\n"), "{shell}: {said}");
        let said = step(&term, "git checkout -q feature", "M9");
        assert!(said.contains("A= B=\n"), "{shell}: {said}");
    }
}
