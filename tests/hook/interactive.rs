//! The hook in each shell as a user has it: an interactive shell in a
//! terminal (tmux), the hook in its rc file, commands typed at its prompt.

use std::fs;
use std::path::PathBuf;

use appenv::shell::Shell;

use super::harness::{HookApp, appenv_bin, have, shells};
use crate::tmux::Tmux;

/// The shells that are here, when tmux is too.
pub(super) fn tty_shells() -> Vec<Shell> {
    if !have("tmux") {
        return Vec::new();
    }
    shells()
}

/// Starts `shell` interactively in the sandbox, with `rc` (the user's own
/// lines) and then the hook in its rc file, and waits for its first prompt.
pub(super) fn start(sandbox: &HookApp, shell: Shell, rc: &str) -> Tmux {
    start_with(sandbox, shell, rc, &appenv_bin())
}

/// [`start`] with the hook of the appenv binary at `bin`.
pub(super) fn start_with(sandbox: &HookApp, shell: Shell, rc: &str, bin: &std::path::Path) -> Tmux {
    let (env, argv) = command_with(sandbox, shell, rc, bin);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let dir = sandbox.path(&format!("tty-{shell}"));
    let term = Tmux::start(&dir, &sandbox.path(""), &env, &argv);
    term.wait_for("READY>");
    term
}

/// The environment and argv of an interactive `shell` with `rc` and then
/// the hook in its rc file.
pub(super) fn command(
    sandbox: &HookApp,
    shell: Shell,
    rc: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    command_with(sandbox, shell, rc, &appenv_bin())
}

fn command_with(
    sandbox: &HookApp,
    shell: Shell,
    rc: &str,
    bin: &std::path::Path,
) -> (Vec<(String, String)>, Vec<String>) {
    let appenv = bin.display().to_string();
    let mut env = sandbox.env();
    let dir = sandbox.path(&format!("tty-{shell}"));
    fs::create_dir_all(&dir).unwrap();
    let argv: Vec<String> = match shell {
        Shell::Bash => {
            let file = dir.join("bashrc");
            let hook = format!("eval \"$('{appenv}' hook bash)\"");
            fs::write(&file, format!("PS1='READY> '\n{rc}\n{hook}\n")).unwrap();
            vec![
                "bash".into(),
                "--noprofile".into(),
                "--rcfile".into(),
                file.display().to_string(),
                "-i".into(),
            ]
        }
        Shell::Zsh => {
            let hook = format!("eval \"$('{appenv}' hook zsh)\"");
            fs::write(dir.join(".zshrc"), format!("PS1='READY> '\n{rc}\n{hook}\n")).unwrap();
            env.push(("ZDOTDIR".into(), dir.display().to_string()));
            vec!["zsh".into(), "-i".into()]
        }
        Shell::Fish => {
            let config = dir.join("fish");
            fs::create_dir_all(&config).unwrap();
            let hook = format!("status is-interactive; and '{appenv}' hook fish | source");
            fs::write(
                config.join("config.fish"),
                format!("function fish_prompt; echo -n 'READY> '; end\nfunction fish_greeting; end\n{rc}\n{hook}\n"),
            )
            .unwrap();
            env.push(("XDG_CONFIG_HOME".into(), dir.display().to_string()));
            vec!["fish".into(), "-i".into()]
        }
        _ => unreachable!("bash, zsh and fish only"),
    };
    (env, argv)
}

/// Where a shell writes what a test reads back.
fn out(sandbox: &HookApp, name: &str) -> PathBuf {
    sandbox.path(&format!("out-{name}"))
}

fn read(sandbox: &HookApp, name: &str) -> String {
    fs::read_to_string(out(sandbox, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `set -e` in an interactive bash: a failing command that does not end
/// the shell (`false && true`) does not end it through the prompt hook
/// either, inside an app or not.
#[test]
fn bash_under_set_e_survives_a_failed_command() {
    if !tty_shells().contains(&Shell::Bash) {
        return;
    }
    let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
    let term = start(&sandbox, Shell::Bash, "set -e");
    term.line("false && true");
    term.run("cd apps/app", "IN");
    term.line("false && true");
    term.line("[ -n \"$NOTHING\" ] && echo never");
    let screen = term.run("echo \"DB=$DB\"", "ALIVE");
    assert!(screen.contains("DB=dev"), "{screen}");
    assert!(term.alive());
}

/// `$(cd dir && pwd)` and `( cd dir; … )` change the directory of a
/// subshell only: zsh's hook does nothing there.
#[test]
fn zsh_subshells_do_nothing() {
    if !tty_shells().contains(&Shell::Zsh) {
        return;
    }
    let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
    let term = start(&sandbox, Shell::Zsh, "");
    term.run("cd apps/app", "IN");
    let screen = term.run(
        "x=$(cd / && pwd); ( cd /; true ); print -r -- \"DB=$DB x=$x\"",
        "SUB",
    );
    assert!(screen.contains("DB=dev x=/"), "{screen}");
    assert!(!screen.contains("unloaded"), "{screen}");
}

/// config.fish runs for every `fish -c` and script too: there the hook
/// says nothing, starts nothing and makes no stamp file.
#[test]
fn fish_that_is_not_interactive_does_nothing() {
    if !shells().contains(&Shell::Fish) {
        return;
    }
    let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
    let config = sandbox.path("config/fish");
    fs::create_dir_all(&config).unwrap();
    // Without the `status is-interactive` guard of the README line.
    fs::write(
        config.join("config.fish"),
        format!("'{}' hook fish | source\n", appenv_bin().display()),
    )
    .unwrap();
    let out = sandbox
        .command("fish")
        .args(["-c", "cd apps/app; echo \"DB=$DB\"; cd /; echo done"])
        .env("XDG_CONFIG_HOME", sandbox.path("config"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "DB=\ndone\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let stamps = sandbox.path("home/cache/appenv");
    assert_eq!(fs::read_dir(stamps).unwrap().count(), 0);
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    /// Values a shell evaluates as code, and names it keeps for itself or the
    /// user set in the rc without exporting them: none may be set in the
    /// shell, and the user's values come back exactly after leaving.
    #[test]
    fn the_shells_own_names_and_the_users_variables_are_left_alone() {
        let code = "'a[$(touch PWN)]'";
        let env = format!(
            "DB=dev\nHOST=0.0.0.0\nHOSTNAME=evil\nMYVAR=app\nPS1='app> '\nHISTFILE=/nowhere\n\
             OPTIND={code}\nRANDOM={code}\nSRANDOM={code}\nHISTCMD={code}\nSECONDS={code}\n\
             LINENO={code}\nPS0='$(touch PWN)'\nPS4='$(touch PWN)'\nPROMPT_COMMAND='touch PWN'\n\
             RPROMPT='$(touch PWN)'\nFPATH=/evil\nfish_function_path=/evil\nfish_user_paths=/evil\n"
        );
        for shell in tty_shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", env.as_str())]);
            let (rc, show) = match shell {
                Shell::Bash => (
                    "MYVAR=mine\nHISTFILE=\"$HOME/my_history\"\nHOST=myhost",
                    "printf '%s|' \"$MYVAR\" \"$HOST\" \"$HOSTNAME\" \"$HISTFILE\" \"$PS1\" \"$PS0\" \"$OPTIND\"",
                ),
                Shell::Zsh => (
                    "MYVAR=mine\nHISTFILE=\"$HOME/my_history\"",
                    "printf '%s|' \"$MYVAR\" \"$HOST\" \"$HISTFILE\" \"$PS1\" \"$RPROMPT\" \"$FPATH\"",
                ),
                Shell::Fish => (
                    "set -g MYVAR mine\nset -g HOST myhost",
                    "printf '%s|' \"$MYVAR\" \"$HOST\" \"$fish_function_path\" \"$fish_user_paths\"",
                ),
                _ => unreachable!("bash, zsh and fish only"),
            };
            let term = start(&sandbox, shell, rc);
            let path = |name: &str| out(&sandbox, name).display().to_string();
            term.run(&format!("{show} > '{}'", path("before")), "A");
            // bash loads at the prompt after `cd`.
            term.run("cd apps/app", "IN");
            let screen = term.run(&format!("{show} > '{}'", path("inside")), "B");
            term.run(&format!("command printenv DB > '{}'", path("db")), "C");
            // What bash's PS4 would run, if it had been set.
            term.run("set -x; true; set +x", "D");
            term.run("cd ..; cd ..", "OUT");
            term.run(&format!("{show} > '{}'", path("after")), "E");
            term.run(
                &format!("command printenv DB > '{}' || true", path("db-after")),
                "F",
            );
            assert_eq!(read(&sandbox, "db"), "dev\n", "{shell}:\n{screen}");
            assert_eq!(
                read(&sandbox, "inside"),
                read(&sandbox, "before"),
                "{shell}:\n{screen}"
            );
            assert_eq!(read(&sandbox, "after"), read(&sandbox, "before"), "{shell}");
            assert_eq!(read(&sandbox, "db-after"), "", "{shell}");
            assert!(read(&sandbox, "before").starts_with("mine|"), "{shell}");
            assert!(screen.contains("appenv: left out "), "{shell}:\n{screen}");
            assert!(
                !sandbox.path("apps/app/PWN").exists() && !sandbox.path("PWN").exists(),
                "{shell} ran a value"
            );
        }
    }

    /// Each shell removes its stamp file when it exits.
    #[test]
    fn the_stamp_file_goes_with_the_shell() {
        for shell in tty_shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
            let term = start(&sandbox, shell, "");
            let file = out(&sandbox, "stamp");
            term.run(
                &format!(
                    "cd apps/app; printf '%s' \"$__appenv_stamp\" > '{}'",
                    file.display()
                ),
                "S",
            );
            let stamp = PathBuf::from(fs::read_to_string(&file).unwrap());
            assert!(stamp.is_file(), "{shell}: {stamp:?}");
            term.line("exit");
            let start = std::time::Instant::now();
            while term.alive() {
                assert!(start.elapsed().as_secs() < 60, "{shell} did not exit");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            assert!(!stamp.exists(), "{shell} left {stamp:?}");
        }
    }
}
