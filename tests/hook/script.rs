//! The hook scripts themselves: linted, installed once however often they
//! are sourced, safe under strict options and a user's aliases, and never
//! a broken prompt.

use std::process::Output;

use super::harness::{HookApp, appenv_bin, have, shells};
use crate::common::{self, Sandbox};
use appenv::shell::Shell;

fn hook(shell: &str) -> String {
    let out = Sandbox::bare()
        .command(appenv_bin())
        .args(["hook", shell])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    String::from_utf8(out.stdout).unwrap()
}

fn assert_clean(what: &str, out: &Output) {
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{what}: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bash_hook_passes_shellcheck() {
    if !have("shellcheck") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = common::fed(
        Sandbox::new(home.path())
            .command("shellcheck")
            .args(["--enable=all", "--shell=bash", "-"]),
        hook("bash").as_bytes(),
    );
    assert_clean("shellcheck", &out);
}

#[test]
fn zsh_hook_parses() {
    if !have("zsh") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = common::fed(
        Sandbox::new(home.path()).shell(Shell::Zsh).arg("-n"),
        hook("zsh").as_bytes(),
    );
    assert_clean("zsh -n", &out);
}

#[test]
fn fish_hook_parses_and_is_formatted() {
    if !have("fish") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = common::fed(
        Sandbox::new(home.path())
            .shell(Shell::Fish)
            .arg("--no-execute"),
        hook("fish").as_bytes(),
    );
    assert_clean("fish --no-execute", &out);
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/shell/appenv.fish");
    let out = Sandbox::new(home.path())
        .command("fish_indent")
        .args(["--check", file])
        .output()
        .unwrap();
    assert_clean("fish_indent --check", &out);
}

/// A shell started in a sandbox holding `apps/app`, with code run before
/// the hook is sourced (twice, as by a user's rc) and after; returns stdout
/// and stderr.
fn session(shell: Shell, rc: &str, after: &str, env: &[(&str, &str)]) -> (String, String) {
    let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
    let source = match shell {
        Shell::Fish => format!("'{}' hook fish | source", appenv_bin().display()),
        _ => format!(
            "builtin eval \"$('{}' hook {shell})\"",
            appenv_bin().display()
        ),
    };
    let script = format!("{rc}\n{source}\n{source}\n{after}\n");
    let mut cmd = sandbox.shell(shell);
    if shell == Shell::Fish {
        cmd.arg("-i");
    }
    let out = cmd
        .args(["-c", &script])
        .envs(env.iter().copied())
        .env("TERM", "dumb")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{shell}: {stdout}{stderr}");
    (stdout, stderr)
}

#[test]
fn bash_hook_runs_clean_under_strict_mode() {
    if !have("bash") {
        return;
    }
    let (out, err) = session(
        Shell::Bash,
        "set -euo pipefail",
        r#"cd apps/app; eval "$PROMPT_COMMAND"; eval "$PROMPT_COMMAND"; printf '%s' "$DB""#,
        &[("APPENV_QUIET", "1")],
    );
    assert_eq!((out.as_str(), err.as_str()), ("dev", ""));
}

#[test]
fn zsh_hook_ignores_the_users_options() {
    if !have("zsh") {
        return;
    }
    let (out, err) = session(
        Shell::Zsh,
        "setopt ksh_arrays sh_word_split no_clobber warn_create_global warn_nested_var no_unset err_exit",
        r#"cd apps/app; for f in $precmd_functions; do $f; done; print -r -- "$DB""#,
        &[("APPENV_QUIET", "1")],
    );
    assert_eq!((out.as_str(), err.as_str()), ("dev\n", ""));
}

#[test]
fn sourcing_twice_installs_once() {
    for shell in shells() {
        let (out, _) = match shell {
            Shell::Bash => session(shell, "", r#"printf '%s\n' "$PROMPT_COMMAND""#, &[]),
            Shell::Zsh => session(
                shell,
                "",
                r#"print -r -- "$precmd_functions|$chpwd_functions|$zshexit_functions""#,
                &[],
            ),
            Shell::Fish => session(shell, "", "functions --handlers | string join ,", &[]),
            _ => unreachable!("bash, zsh and fish only"),
        };
        let expected = match shell {
            Shell::Bash => "__appenv_hook && \\builtin :;__appenv_tidy && \\builtin :\n",
            Shell::Zsh => "__appenv_hook __appenv_tidy|__appenv_hook __appenv_tidy|__appenv_exit\n",
            Shell::Fish => {
                "Event variable,PATH __appenv_tidy,PWD __appenv_hook,,Event generic,fish_exit __appenv_exit,fish_preexec __appenv_forget,fish_prompt __appenv_hook\n"
            }
            _ => unreachable!("bash, zsh and fish only"),
        };
        assert_eq!(out, expected, "{shell}");
    }
    if have("bash") {
        // bash 5.1+: PROMPT_COMMAND may be an array; the hook goes first.
        let (out, _) = session(
            Shell::Bash,
            "PROMPT_COMMAND=(first second)",
            r#"printf '%s,' "${PROMPT_COMMAND[@]}""#,
            &[],
        );
        assert_eq!(
            out,
            "__appenv_hook && \\builtin :,first,second,__appenv_tidy && \\builtin :,"
        );
        let (out, _) = session(
            Shell::Bash,
            "PROMPT_COMMAND='history -a'",
            r#"printf '%s' "$PROMPT_COMMAND""#,
            &[],
        );
        assert_eq!(
            out,
            "__appenv_hook && \\builtin :;history -a;__appenv_tidy && \\builtin :"
        );
    }
}

#[test]
fn the_last_status_is_kept_for_the_prompt() {
    for shell in shells() {
        let code = match shell {
            Shell::Fish => {
                "cd apps/app; false; __appenv_hook; echo $status; cd /; false; __appenv_hook; echo $status"
            }
            _ => {
                "cd apps/app; false; __appenv_hook; echo $?; cd /; (exit 3); __appenv_hook; echo $?"
            }
        };
        let (out, _) = session(shell, "", code, &[("APPENV_QUIET", "1")]);
        let expected = match shell {
            Shell::Fish => "1\n1\n",
            _ => "1\n3\n",
        };
        assert_eq!(out, expected, "{shell}");
    }
}

/// Aliases and functions named after every builtin and keyword the hook
/// and the code it evaluates use, defined before the hook as in a user's
/// rc: loading and unloading still work, and say so.
#[test]
fn aliases_and_functions_named_like_builtins_cannot_break_it() {
    const BASH: &[&str] = &[
        "export", "unset", "local", "return", "printf", "eval", "shopt", "compgen", "exec", "trap",
        "true", ":", "mkdir", "rm", "break",
    ];
    const ZSH: &[&str] = &[
        "export", "unset", "local", "return", "print", "eval", "emulate", "setopt", "unsetopt",
        "typeset", "zmodload", "zf_rm", "true", ":", "mkdir", "rm", "break",
    ];
    // Not `echo`: fish's own `cd` uses it.
    const FISH: &[&str] = &["printf", "true", "contains", "mkdir", "rm", "id", "emit"];
    const KEYWORDS: &[&str] = &["if", "then", "for", "while", "do", "[[", "elif", "else"];
    for shell in shells() {
        let mut rc = String::new();
        match shell {
            Shell::Bash => {
                rc += "shopt -s expand_aliases\n";
                for name in BASH.iter().filter(|n| **n != ":") {
                    rc += &format!("function {name} {{ echo broken; }}\n");
                }
                for name in BASH.iter().chain(KEYWORDS) {
                    rc += &format!("alias '{name}'='echo broken'\n");
                }
            }
            Shell::Zsh => {
                for name in ZSH.iter().filter(|n| **n != ":") {
                    rc += &format!("function {name} {{ echo broken; }}\n");
                }
                for name in ZSH.iter().chain(KEYWORDS) {
                    rc += &format!("alias -- '{name}'='echo broken'\n");
                }
                rc += "alias -g aliases='broken' eval='broken' export='broken'\n";
            }
            Shell::Fish => {
                for name in FISH {
                    rc += &format!("function {name}; command printf 'broken\\n'; end\n");
                }
            }
            _ => unreachable!("bash, zsh and fish only"),
        }
        let prompt = match shell {
            Shell::Bash => r#"builtin eval "$PROMPT_COMMAND""#,
            Shell::Zsh => "for f in $precmd_functions; do $f; done",
            Shell::Fish => "builtin emit fish_prompt",
            _ => unreachable!("bash, zsh and fish only"),
        };
        let after = format!(
            "cd apps/app; {prompt}; command printenv DB; cd /; {prompt}; command printenv DB; command echo end"
        );
        let (out, err) = session(shell, &rc, &after, &[]);
        assert_eq!(out, "dev\nend\n", "{shell}: {err}");
        assert_eq!(
            err, "appenv: loaded app (.env)\nappenv: unloaded app\n",
            "{shell}"
        );
    }
}

#[test]
fn a_failure_is_one_line_and_the_prompt_survives() {
    for shell in shells() {
        let set_bin = |bin: &str| match shell {
            Shell::Fish => format!("set -g __appenv_bin {bin}"),
            _ => format!("__appenv_bin={bin}"),
        };
        let prompt = match shell {
            Shell::Bash => r#"eval "$PROMPT_COMMAND""#,
            Shell::Zsh => "for f in $precmd_functions; do $f; done",
            Shell::Fish => "emit fish_prompt",
            _ => unreachable!("bash, zsh and fish only"),
        };
        // zsh and fish ask at `cd` already, bash at the prompt; either
        // way each failure is said once.
        let after = format!(
            "{}; cd apps/app; {prompt}; {}; cd /; {prompt}; echo survived",
            set_bin("/nonexistent/appenv"),
            set_bin("/bin/false"),
        );
        let (out, err) = session(shell, "", &after, &[]);
        assert_eq!(out, "survived\n", "{shell}");
        assert_eq!(
            err,
            format!(
                "appenv: /nonexistent/appenv is missing; the shell hook does nothing until it is back\n\
                 appenv: 'appenv export {shell}' failed (status 1); the environment is unchanged\n"
            ),
            "{shell}"
        );
    }
}
