//! An unchanged prompt starts no process: counted with strace around an
//! interactive shell fed by a pipe (fish, which reads no prompts from a
//! pipe, gets its prompt events from `-c`).

use std::path::Path;

use super::harness::{HookApp, appenv_bin, have};

/// The programs the session exec'd, in order, and its stderr.
fn execs(
    sandbox: &HookApp,
    env: &[(String, String)],
    shell: &[&str],
    input: &str,
) -> (Vec<String>, String) {
    let input_file = sandbox.path("input");
    std::fs::write(&input_file, input).unwrap();
    let trace = sandbox.path("trace");
    let out = crate::common::Sandbox::from_env(env)
        .set("TERM", "dumb")
        .command("strace")
        .args(["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o"])
        .arg(&trace)
        .args(shell)
        .stdin(std::fs::File::open(&input_file).unwrap())
        .current_dir(sandbox.path(""))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{shell:?}: {stderr}");
    let trace = std::fs::read_to_string(trace).unwrap();
    let execs = trace
        .lines()
        .filter(|line| line.contains("execve(") && !line.contains("= -1 "))
        .map(|line| {
            let start = line.find("execve(\"").unwrap() + 8;
            let end = start + line[start..].find('"').unwrap();
            let path = &line[start..end];
            let args = if line.contains("\"export\"") {
                " export"
            } else if line.contains("\"hook\"") {
                " hook"
            } else {
                ""
            };
            format!("{path}{args}")
        })
        .collect();
    (execs, stderr)
}

/// What a shell does at a prompt where nothing changed, `n` times, after
/// `cd`-ing into `dir`; each "command" also creates a file in HOME, so
/// that HOME's time changes at every prompt, as zsh's shared history does.
fn session(shell: &str, dir: &str, n: usize) -> (Vec<&'static str>, String) {
    let appenv = appenv_bin().display().to_string();
    let args: Vec<&'static str> = match shell {
        "bash" => vec!["bash", "--norc", "--noprofile", "-i"],
        "zsh" => vec!["zsh", "-f", "-i"],
        _ => vec!["fish", "--no-config", "-i", "-c"],
    };
    let touch = |i: usize| format!("echo >\"$HOME/.history-lock-{i}\"\n");
    let script = match shell {
        "fish" => {
            let mut s = format!("'{appenv}' hook fish | source\ncd {dir}\n");
            for i in 0..n {
                s += &touch(i);
                s += "emit fish_prompt\n";
            }
            s
        }
        _ => {
            let mut s = format!("eval \"$('{appenv}' hook {shell})\"\ncd {dir}\n");
            for i in 0..n {
                s += &touch(i);
            }
            s + "echo \"$DB\" >/dev/null\nexit\n"
        }
    };
    (args, script)
}

fn trace(
    sandbox: &HookApp,
    env: &[(String, String)],
    shell: &str,
    dir: &str,
    n: usize,
) -> (Vec<String>, String) {
    let (mut args, script) = session(shell, dir, n);
    if shell == "fish" {
        args.push(script.as_str());
        execs(sandbox, env, &args, "")
    } else {
        execs(sandbox, env, &args, &script)
    }
}

fn shells() -> Vec<&'static str> {
    if !have("strace") {
        return Vec::new();
    }
    ["bash", "zsh", "fish"]
        .into_iter()
        .filter(|s| have(s))
        .collect()
}

/// Counts a few prompts and many: the many must start exactly the same
/// programs. Returns the few, and stderr of the many. A first session makes
/// the stamp directory, as on a machine where the shell has run before.
fn same_with_more_prompts(
    sandbox: &HookApp,
    env: &[(String, String)],
    shell: &str,
    dir: &str,
) -> (Vec<String>, String) {
    trace(sandbox, env, shell, dir, 0);
    let (few, _) = trace(sandbox, env, shell, dir, 1);
    let (many, said) = trace(sandbox, env, shell, dir, 50);
    assert_eq!(many, few, "{shell} in {dir}: {said}");
    (few, said)
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn unchanged_prompts_start_no_process() {
        for shell in shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n"), ("apps/app/sub/", "")]);
            let appenv = appenv_bin().display().to_string();
            let (few, said) = same_with_more_prompts(&sandbox, &sandbox.env(), shell, "apps/app");
            assert!(said.contains("appenv: loaded app (.env)"), "{said}");
            // The shell, `appenv hook`, then `appenv export` at the first prompt
            // (nothing loaded; fish has none before `cd`) and after `cd` (the
            // load), and bash's `rm` of its stamp file at exit.
            let mut expected = vec![format!("{appenv} hook")];
            expected.extend(match shell {
                "fish" => vec![format!("{appenv} export")],
                _ => vec![format!("{appenv} export"), format!("{appenv} export")],
            });
            if shell != "zsh" {
                expected.push("rm".into());
            }
            let few: Vec<String> = few[1..]
                .iter()
                .map(|e| {
                    if e.ends_with("/rm") {
                        "rm".into()
                    } else {
                        e.clone()
                    }
                })
                .collect();
            assert_eq!(few, expected, "{shell}");
        }
    }

    #[test]
    fn a_home_whose_time_changes_at_every_prompt_starts_nothing() {
        for shell in shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
            same_with_more_prompts(&sandbox, &sandbox.env(), shell, "\"$HOME\"");
            same_with_more_prompts(&sandbox, &sandbox.env(), shell, "apps/app");
        }
    }

    /// No XDG dirs, and a HOME under which nothing can be made (a file, for
    /// root can write anywhere else) or no HOME at all: the stamp goes to
    /// TMPDIR, and no prompt starts anything. With TMPDIR unusable too, the
    /// hook says so once and still starts nothing.
    #[test]
    fn without_a_usable_stamp_directory_prompts_start_nothing() {
        for shell in shells() {
            let sandbox =
                HookApp::new(&[("apps/app/.env", "DB=dev\n"), ("file", ""), ("tmp/", "")]);
            let base: Vec<(String, String)> = sandbox
                .env()
                .into_iter()
                .filter(|(k, _)| k != "HOME" && k != "XDG_CACHE_HOME")
                .collect();
            let with = |extra: &[(&str, &Path)]| {
                let mut env = base.clone();
                env.extend(
                    extra
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.display().to_string())),
                );
                env
            };
            let file = sandbox.path("file");
            let tmp = sandbox.path("tmp");
            for env in [
                with(&[("HOME", &file), ("TMPDIR", &tmp)]),
                with(&[("TMPDIR", &tmp)]),
            ] {
                let (_, said) = same_with_more_prompts(&sandbox, &env, shell, "apps/app");
                assert!(
                    said.contains("appenv: loaded app (.env)"),
                    "{shell}: {said}"
                );
                assert!(!said.contains("stamp"), "{shell}: {said}");
                assert!(
                    sandbox.path("tmp").read_dir().unwrap().next().is_some(),
                    "{shell}"
                );
            }
            let env = with(&[("HOME", &file), ("TMPDIR", &file)]);
            // /tmp is the last resort when TMPDIR is unusable: here it is
            // `file/`, which is not, and then /tmp is not tried.
            let (_, said) = same_with_more_prompts(&sandbox, &env, shell, "apps/app");
            assert!(
                said.contains("appenv: loaded app (.env)"),
                "{shell}: {said}"
            );
            assert_eq!(said.matches("stamp file").count(), 1, "{shell}: {said}");
        }
    }
}
