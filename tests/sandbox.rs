//! The sandbox itself: what every other test relies on when it says its
//! commands see nothing of the host's and its shells read no rc file.

use std::fs;

use appenv::shell::Shell;

use crate::common::{Sandbox, in_ci, require, require_that, stderr, stdout};

#[test]
fn a_sandboxed_command_sees_exactly_the_sandbox_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(&tmp.path().join("home"))
        .set("ADDED", "a b")
        .set("HOME", tmp.path())
        .unset("XDG_STATE_HOME");
    let out = sandbox.command("env").arg("-0").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got: Vec<&[u8]> = out
        .stdout
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .collect();
    got.sort();
    let mut want: Vec<String> = sandbox
        .env()
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    want.sort();
    let want: Vec<&[u8]> = want.iter().map(|e| e.as_bytes()).collect();
    assert_eq!(got, want);
    // Set twice, held once, with the last value.
    assert_eq!(sandbox.get("HOME"), tmp.path().to_str());
    assert_eq!(sandbox.get("XDG_STATE_HOME"), None);
    assert_eq!(
        sandbox.get("XDG_DATA_HOME"),
        tmp.path().join("home/data").to_str()
    );
}

#[test]
fn path_first_puts_a_dir_in_front() {
    let sandbox = Sandbox::bare().path_first("/b");
    assert_eq!(sandbox.get("PATH"), Some("/b"));
    let sandbox = sandbox.path_first("/a");
    assert_eq!(sandbox.get("PATH"), Some("/a:/b"));
    let sandbox = Sandbox::bare().path(["/x", "/y"]);
    assert_eq!(sandbox.get("PATH"), Some("/x:/y"));
}

/// Each shell's rc files, each writing a marker when read.
fn rc_files(shell: Shell) -> Vec<(&'static str, &'static str)> {
    match shell {
        Shell::Bash => vec![
            (".bashrc", "echo RC\n"),
            (".bash_profile", "echo RC\n"),
            (".profile", "echo RC\n"),
        ],
        Shell::Zsh => vec![(".zshenv", "echo RC\n"), (".zshrc", "echo RC\n")],
        Shell::Fish => vec![("config/fish/config.fish", "echo RC\n")],
        Shell::Tcsh => vec![(".tcshrc", "echo RC\n"), (".cshrc", "echo RC\n")],
        Shell::Elvish => vec![("config/elvish/rc.elv", "echo RC\n")],
        Shell::Xonsh => vec![
            (".xonshrc", "print('RC')\n"),
            ("config/xonsh/rc.xsh", "print('RC')\n"),
        ],
        Shell::Nu => vec![
            ("config/nushell/config.nu", "print RC\n"),
            ("config/nushell/env.nu", "print RC\n"),
        ],
    }
}

#[test]
fn shells_start_without_their_rc_files() {
    for shell in Shell::ALL {
        if !require(shell.name()) {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        for (name, content) in rc_files(shell) {
            let path = home.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        let program = crate::common::which(shell.name()).unwrap();
        let ok = match shell {
            Shell::Nu => "print ok",
            Shell::Xonsh => "print('ok')",
            _ => "echo ok",
        };
        // The runner's PATH finds the shell (nushell and xonsh may live
        // outside the system's dirs).
        let mut cmd = Sandbox::new(&home)
            .path_first(program.parent().unwrap())
            .shell(shell);
        // zsh, fish, tcsh and xonsh read an rc file even for `-c`; bash
        // only when interactive (elvish and nushell only without `-c`).
        if shell == Shell::Bash {
            cmd.arg("-i");
        }
        let out = cmd
            .args(["-c", ok])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(stdout(&out), "ok\n", "{shell} read an rc file");
    }
}

#[test]
fn a_missing_requirement_fails_in_ci_and_skips_elsewhere() {
    assert!(require_that(true, "never said"));
    let missing = std::panic::catch_unwind(|| require_that(false, "a test of the rule"));
    match in_ci() {
        true => assert!(missing.is_err(), "CI=true must fail, not skip"),
        false => assert_eq!(missing.ok(), Some(false)),
    }
}
