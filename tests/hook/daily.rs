//! The hook through a developer's day, in an interactive shell in a
//! terminal: switching branches, allowing, leaving and coming back.

use std::process::Command;

use super::harness::{HookApp, appenv_bin};
use super::interactive::{command, start, start_with, tty_shells};
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

/// Writes the user's config file where each shell's appenv looks for it
/// (the fish session has its own XDG_CONFIG_HOME).
fn user_config(sandbox: &HookApp, text: &str) {
    for dir in ["home/config", "tty-fish"] {
        sandbox.write(&format!("{dir}/appenv/config.toml"), text);
    }
}

/// [`Tmux::run`], then waits for the empty prompt after it: xonsh's line
/// editor drops what is typed before it reads again.
fn xrun(term: &Tmux, line: &str, marker: &str) -> String {
    term.run(line, marker);
    term.wait_screen("an empty prompt", |screen| {
        let last = screen.lines().rev().find(|l| !l.trim().is_empty());
        screen.contains(&format!("{marker}-DONE")) && last.is_some_and(|l| l.trim_end() == "READY>")
    })
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

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
            for (branch, values, marker) in
                [("main", "A=1 B=\n", "M5"), ("feature", "A=1 B=2\n", "M6")]
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

    /// `tmux new-window -c "$PWD"` from a shell where a virtualenv app is
    /// loaded: tmux hands the new shell the loaded PATH but not the hook's
    /// state. Leaving the app there takes the venv's `bin` out with
    /// `VIRTUAL_ENV`, and the PATH is the one the first shell had outside.
    #[test]
    fn a_new_tmux_window_in_a_loaded_app_leaves_nothing_of_it_on_path() {
        if !crate::common::require("python3") {
            return;
        }
        for shell in tty_shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "A=1\n")]);
            let venv = sandbox.path("apps/app/.venv");
            let made = Command::new("python3")
                .args(["-m", "venv", "--without-pip"])
                .arg(&venv)
                .status()
                .unwrap();
            assert!(made.success());
            let term = start(&sandbox, shell, "");
            let outside = term.run("echo \"P=$PATH\"", "O");
            let outside = outside
                .lines()
                .find(|l| l.starts_with("P="))
                .unwrap()
                .to_owned();
            step(&term, "cd apps/app", "N1");
            let (_, argv) = command(&sandbox, shell, "");
            let argv: Vec<String> = argv.iter().map(|w| format!("'{w}'")).collect();
            term.line(&format!(
                "tmux new-window -c \"$PWD\" \"{}\"",
                argv.join(" ")
            ));
            term.wait_screen("the new window", |s| {
                s.trim_end().ends_with("READY>") && !s.contains("N1")
            });
            let inside = term.run("echo \"P=$PATH\" \"V=$VIRTUAL_ENV\"", "N2");
            let bin = format!("P={}/bin:", venv.display());
            assert!(inside.contains(&bin), "{shell}: {inside}");
            term.run("cd /", "N3");
            let after = term.run("echo \"P=$PATH\" \"V=$VIRTUAL_ENV\"", "N4");
            let line = since(&after, "echo \"P=")
                .lines()
                .find(|l| l.starts_with("P="))
                .unwrap()
                .to_owned();
            assert_eq!(line, format!("{outside} V="), "{shell}: {after}");
        }
    }

    /// A stray `package.json` and `node_modules` in HOME (one `npm install`
    /// there): "not allowed" is said on the first visit, then never again in
    /// that shell, however often the user comes home; another app is still
    /// told about, once too.
    #[test]
    fn a_refusal_is_said_once_per_directory_per_shell() {
        for shell in tty_shells() {
            let mut sandbox = HookApp::new(&[
                ("home/package.json", "{}\n"),
                ("home/node_modules/.bin/", ""),
                ("home/notes/", ""),
                ("apps/app/.env", "A=1\n"),
            ]);
            sandbox.trusted = false;
            let term = start(&sandbox, shell, "");
            let said = step(&term, "cd ~", "H1");
            assert_eq!(said.matches("is not allowed").count(), 1, "{shell}: {said}");
            for (at, line) in ["cd /", "cd ~", "cd notes", "cd ~", "cd /; cd ~"]
                .iter()
                .enumerate()
            {
                let marker = format!("H{}", at + 2);
                let said = step(&term, line, &marker);
                assert!(!said.contains("appenv:"), "{shell} after {line}: {said}");
            }
            let app = sandbox.path("apps/app").display().to_string();
            let said = step(&term, &format!("cd '{app}'"), "H8");
            assert_eq!(said.matches("is not allowed").count(), 1, "{shell}: {said}");
            let said = step(&term, &format!("cd ~; cd '{app}'"), "H9");
            assert!(!said.contains("appenv:"), "{shell}: {said}");
        }
    }

    /// `ignore = ["~"]` silences a stray `package.json` in HOME entirely and
    /// keeps its `node_modules/.bin` off PATH; an app below HOME still loads,
    /// and `quiet` keeps the hook's messages to itself.
    #[test]
    fn the_user_config_ignores_home_and_quiets_the_hook() {
        for shell in tty_shells() {
            let mut sandbox = HookApp::new(&[
                ("home/package.json", "{}\n"),
                ("home/node_modules/.bin/", ""),
                ("home/src/app/.env", "A=1\n"),
            ]);
            sandbox.trusted = false;
            user_config(&sandbox, "# mine\nignore = [\"~\"]\n");
            let term = start(&sandbox, shell, "");
            let appenv = appenv_bin().display().to_string();
            let said = step(&term, "cd ~", "U1");
            assert!(!said.contains("appenv:"), "{shell}: {said}");
            let path = term.run("echo \"P=$PATH\"", "U2");
            assert!(
                !since(&path, "U2;").contains("node_modules"),
                "{shell}: {path}"
            );
            let said = step(&term, &format!("cd src/app; '{appenv}' allow"), "U3");
            assert!(said.contains("A=1 B=\n"), "{shell}: {said}");
            let said = step(&term, "cd ~", "U4");
            assert!(said.contains("unloaded app"), "{shell}: {said}");
            // quiet: the same visits, silently; the environment still follows.
            user_config(&sandbox, "ignore = [\"~\"]\nquiet = true\n");
            let said = step(&term, "cd src/app", "U5");
            assert!(!said.contains("appenv:"), "{shell}: {said}");
            assert!(said.contains("A=1 B=\n"), "{shell}: {said}");
            let said = step(&term, "cd ~", "U6");
            assert!(!said.contains("appenv:"), "{shell}: {said}");
            assert!(said.contains("A= B=\n"), "{shell}: {said}");
            // A config that does not parse: one message naming file:line.
            user_config(&sandbox, "ignore = [\"~\"]\nquiet = yes\n");
            let said = step(&term, "cd src/app", "U7");
            assert_eq!(
                said.matches("config.toml:2: ").count(),
                1,
                "{shell}: {said}"
            );
            assert!(said.contains("A= B=\n"), "{shell}: {said}");
            let said = step(&term, "cd ~; cd src/app", "U8");
            assert!(!said.contains("appenv:"), "{shell}: {said}");
        }
    }

    /// The appenv binary removed (or moved) while an app is loaded: leaving the
    /// app still unloads it, from what the hook holds, and the binary's absence
    /// is said once, not at every `cd`.
    #[test]
    fn a_missing_binary_still_unloads_on_leaving_and_says_so_once() {
        for shell in tty_shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "A=1\nB=2\n")]);
            let venv = sandbox.path("apps/app/.venv");
            sandbox.write("apps/app/.venv/pyvenv.cfg", "home = /usr/bin\n");
            sandbox.write("apps/app/.venv/bin/", "");
            let bin = sandbox.path("bin/appenv");
            std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
            std::fs::copy(appenv_bin(), &bin).unwrap();
            let term = start_with(&sandbox, shell, "", &bin);
            let outside = term.run("echo \"P=$PATH\"", "G0");
            let outside = outside
                .lines()
                .rfind(|l| l.starts_with("P="))
                .map(str::to_owned);
            let said = step(&term, "cd apps/app", "G1");
            assert!(said.contains("A=1 B=2\n"), "{shell}: {said}");
            let inside = term.run("echo \"P=$PATH\"", "G2");
            assert!(
                inside.contains(&format!("P={}/bin:", venv.display())),
                "{shell}: {inside}"
            );
            std::fs::remove_file(&bin).unwrap();
            let said = step(&term, "cd /", "G3");
            assert_eq!(said.matches("is missing").count(), 1, "{shell}: {said}");
            assert!(said.contains("appenv: unloaded app"), "{shell}: {said}");
            assert!(said.contains("A= B=\n"), "{shell}: {said}");
            let after = term.run(
                "echo \"P=$PATH\" \"S=$APPENV_STATE\" \"V=$VIRTUAL_ENV\"",
                "G4",
            );
            let line = after
                .lines()
                .rfind(|l| l.starts_with("P="))
                .unwrap()
                .to_owned();
            assert_eq!(
                Some(line),
                outside.map(|o| format!("{o} S= V=")),
                "{shell}: {after}"
            );
            for (at, line) in ["cd -", "cd /", "cd ~"].iter().enumerate() {
                let said = step(&term, line, &format!("G{}", at + 5));
                assert!(!said.contains("appenv:"), "{shell} after {line}: {said}");
            }
            // Back: the hook works again.
            std::fs::copy(appenv_bin(), &bin).unwrap();
            let app = sandbox.path("apps/app").display().to_string();
            let said = step(&term, &format!("cd '{app}'"), "G9");
            assert!(said.contains("loaded app"), "{shell}: {said}");
            assert!(said.contains("A=1 B=2\n"), "{shell}: {said}");
        }
    }

    /// The same in xonsh, elvish and nushell, whose hooks have no tidy step:
    /// leaving gives every variable, PATH too, its value from before the load.
    #[test]
    fn a_missing_binary_still_unloads_on_leaving_in_xonsh_elvish_and_nushell() {
        for shell in ["xonsh", "elvish", "nu"] {
            if !crate::common::require(shell) || !crate::common::require("tmux") {
                continue;
            }
            let sandbox = HookApp::new(&[
                ("apps/app/.env", "A=1\n"),
                ("apps/app/.venv/pyvenv.cfg", "home = /usr/bin\n"),
                ("apps/app/.venv/bin/", ""),
            ]);
            let bin = sandbox.path("bin/appenv");
            std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
            std::fs::copy(appenv_bin(), &bin).unwrap();
            let program = crate::common::real_tool(shell).display().to_string();
            let (argv, show): (Vec<&str>, &str) = match shell {
                "xonsh" => {
                    sandbox.write(
                        "home/.xonshrc",
                        &format!(
                            "execx($('{}' hook xonsh))\n$PROMPT = 'READY> '\n$RIGHT_PROMPT = ''\n$BOTTOM_TOOLBAR = ''\n",
                            bin.display()
                        ),
                    );
                    (
                        vec![&program, "--interactive"],
                        "print('P=' + ':'.join($PATH), 'A=' + ${...}.get('A', ''), 'S=' + ${...}.get('APPENV_STATE', ''))",
                    )
                }
                "nu" => {
                    // Once, as the README says; then `source` in config.nu.
                    sandbox.write("home/.cache/", "");
                    let out = sandbox
                        .clean()
                        .command(&program)
                        .args(["--no-config-file", "-c"])
                        .arg(format!(
                            "^'{}' hook nu | save -f ~/.cache/appenv.nu",
                            bin.display()
                        ))
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    sandbox.write(
                        "home/config/nushell/config.nu",
                        "source ~/.cache/appenv.nu\n$env.config.show_banner = false\n\
                         $env.PROMPT_COMMAND = {|| 'READY' }\n$env.PROMPT_INDICATOR = {|| '> ' }\n\
                         $env.PROMPT_COMMAND_RIGHT = {|| '' }\n",
                    );
                    sandbox.write("home/config/nushell/env.nu", "");
                    (
                        vec![&program],
                        "print $\"P=($env.PATH | str join ':') A=($env.A? | default '') S=($env.APPENV_STATE? | default '')\"",
                    )
                }
                _ => {
                    sandbox.write(
                        "home/config/elvish/rc.elv",
                        &format!(
                            "eval ('{}' hook elvish | slurp)\nset edit:prompt = {{ put 'READY> ' }}\nset edit:rprompt = {{ put '' }}\n",
                            bin.display()
                        ),
                    );
                    (
                        vec![&program],
                        "echo 'P='$E:PATH 'A='$E:A 'S='$E:APPENV_STATE",
                    )
                }
            };
            let dir = sandbox.path(&format!("tty-{shell}"));
            std::fs::create_dir_all(&dir).unwrap();
            let term = Tmux::start(&dir, &sandbox.path(""), &sandbox.env(), &argv);
            term.wait_for("READY>");
            let before = xrun(&term, show, "X0");
            let outside = before
                .lines()
                .rfind(|l| l.starts_with("P="))
                .unwrap()
                .to_owned();
            xrun(&term, "cd apps/app", "Xa");
            let loaded = xrun(&term, show, "X1");
            let venv = sandbox.path("apps/app/.venv/bin").display().to_string();
            assert!(loaded.contains(&format!("P={venv}:")), "{shell}: {loaded}");
            assert!(loaded.contains(" A=1 "), "{shell}: {loaded}");
            std::fs::remove_file(&bin).unwrap();
            xrun(&term, "cd /", "Xb");
            let left = xrun(&term, show, "X2");
            let last = left.lines().rfind(|l| l.starts_with("P="));
            assert_eq!(last, Some(outside.as_str()), "{shell}: {left}");
            assert_eq!(left.matches("is missing").count(), 1, "{shell}: {left}");
            assert_eq!(
                left.matches("appenv: unloaded app").count(),
                1,
                "{shell}: {left}"
            );
            xrun(&term, "cd /tmp", "Xc");
            xrun(&term, "cd /", "Xd");
            let again = xrun(&term, show, "X3");
            assert_eq!(
                again.matches("is missing").count(),
                1,
                "{shell}, said once: {again}"
            );
        }
    }
}
