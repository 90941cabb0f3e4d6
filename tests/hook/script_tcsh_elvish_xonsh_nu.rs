//! The tcsh, elvish, xonsh and nushell hook scripts themselves: checked by
//! each shell's own parser, installed once however often they are loaded,
//! and never a broken prompt.

use appenv::shell::Shell;

use super::harness::{HookApp, appenv_bin, have};
use crate::common::Sandbox;

fn hook(shell: Shell) -> String {
    let out = Sandbox::bare()
        .command(appenv_bin())
        .args(["hook", shell.name()])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty());
    String::from_utf8(out.stdout).unwrap()
}

/// The hook with another binary in its first line, where `appenv hook` puts
/// its own path.
fn hook_running(shell: Shell, bin: &str) -> String {
    let script = hook(shell);
    let (first, rest) = script.split_once('\n').unwrap();
    let (head, _) = first.split_once(" = ").unwrap();
    let mut line = format!("{head} = ").into_bytes();
    shell.quote(bin.as_bytes(), &mut line);
    if shell == Shell::Tcsh {
        line.push(b';');
    }
    format!("{}\n{rest}", String::from_utf8(line).unwrap())
}

/// Elvish outside a terminal has no `edit:` module; a stand-in for it.
const ELVISH_EDIT: &str = "var edit: = (ns [&before-readline=[]])\n";

/// Runs `script` in `shell` in a sandbox holding `apps/app`, from a file;
/// returns stdout and stderr.
fn run(shell: Shell, sandbox: &HookApp, script: &str) -> (String, String) {
    let file = sandbox.path(&format!("script.{shell}"));
    std::fs::write(&file, script).unwrap();
    let out = sandbox
        .command(which(shell.name()))
        .args(crate::common::no_rc(shell))
        .arg(&file)
        .env("XDG_CONFIG_HOME", sandbox.path("home/config"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{shell}: {stdout}{stderr}\n{script}");
    (stdout, stderr)
}

/// The shell's code for: load the hook as the rc does (`hook` is the
/// script's text, in a file `hook.SHELL` next to the script).
fn load(shell: Shell, sandbox: &HookApp, hook: &str) -> String {
    let file = sandbox.path(&format!("hook.{shell}"));
    std::fs::write(&file, hook).unwrap();
    let path = file.display();
    match shell {
        Shell::Tcsh => format!("eval \"`cat '{path}'`\"\n"),
        Shell::Elvish => format!("eval (slurp < '{path}')\n"),
        Shell::Xonsh => format!("execx(open('{path}').read())\n"),
        Shell::Nu => format!("source '{path}'\n"),
        _ => unreachable!(),
    }
}

/// What runs before a prompt.
fn prompt(shell: Shell) -> &'static str {
    match shell {
        Shell::Tcsh => "precmd\n",
        Shell::Elvish => "for f $edit:before-readline { $f }\n",
        Shell::Xonsh => "events.on_pre_prompt.fire()\n",
        Shell::Nu => "__appenv_hook\n",
        _ => unreachable!(),
    }
}

fn which(tool: &str) -> String {
    crate::common::real_tool(tool).display().to_string()
}

fn shells() -> Vec<Shell> {
    [Shell::Tcsh, Shell::Elvish, Shell::Xonsh, Shell::Nu]
        .into_iter()
        .filter(|s| have(s.name()))
        .collect()
}

#[test]
fn an_unknown_shell_is_an_appenv_error_with_the_list() {
    for command in ["hook", "export"] {
        let out = Sandbox::bare()
            .command(appenv_bin())
            .args([command, "csh"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let json = if command == "export" {
            ", json, gha"
        } else {
            ""
        };
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "appenv: invalid value 'csh' for shell; use one of bash, zsh, fish, tcsh, elvish, xonsh, nu{json}\n"
            )
        );
    }
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn each_shell_parses_its_hook_and_its_export() {
        for shell in shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=\"it's\\n$x\"\n")]);
            let export = sandbox
                .appenv()
                .args(["export", shell.name()])
                .current_dir(sandbox.path("apps/app"))
                .env("APPENV_QUIET", "1")
                .output()
                .unwrap();
            assert!(export.status.success());
            let export = String::from_utf8(export.stdout).unwrap();
            assert!(export.contains("APPENV_STATE"), "{shell}: {export}");
            for (what, code) in [("hook", hook(shell)), ("export", export)] {
                let file = sandbox.path(&format!("{what}.{shell}"));
                let code = match shell {
                    Shell::Elvish if what == "hook" => format!("{ELVISH_EDIT}{code}"),
                    _ => code,
                };
                std::fs::write(&file, &code).unwrap();
                let file = file.display().to_string();
                let check = match shell {
                    Shell::Tcsh => vec!["tcsh", "-f", "-n", &file],
                    Shell::Elvish => vec!["elvish", "-norc", "-compileonly", &file],
                    Shell::Xonsh => vec![
                        "xonsh",
                        "--no-rc",
                        "-c",
                        "import os; __xonsh__.execer.compile(open(os.environ['FILE']).read(), mode='exec', glbs={}, locs={})",
                    ],
                    // NUON is data: `from nuon` is its parser.
                    Shell::Nu if what == "export" => {
                        vec![
                            "nu",
                            "--no-config-file",
                            "-c",
                            "open --raw $env.FILE | from nuon | ignore",
                        ]
                    }
                    Shell::Nu => vec!["nu", "--no-config-file", "-c", "nu-check $env.FILE"],
                    _ => unreachable!(),
                };
                let out = sandbox
                    .command(which(check[0]))
                    .args(&check[1..])
                    .env("FILE", &file)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success() && out.stderr.is_empty(),
                    "{shell} {what}: {}\n{code}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }

    #[test]
    fn loading_twice_installs_once() {
        for shell in shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
            let hook = hook(shell);
            let before = match shell {
                Shell::Tcsh => "alias precmd 'echo mine'\n",
                Shell::Elvish => "var edit: = (ns [&before-readline=[{ echo mine }]])\n",
                _ => "",
            };
            let show = match shell {
                Shell::Tcsh => "alias precmd\nalias cwdcmd\n",
                Shell::Elvish => "echo (count $edit:before-readline) (count $after-chdir)\n",
                Shell::Xonsh => {
                    "print(len(events.on_pre_prompt), len(events.on_chdir), len(events.on_exit))\n"
                }
                Shell::Nu => "print ($env.config.hooks.pre_prompt | length)\n",
                _ => unreachable!(),
            };
            let script = format!(
                "{before}{}{}{show}",
                load(shell, &sandbox, &hook),
                load(shell, &sandbox, &hook)
            );
            let (out, err) = run(shell, &sandbox, &script);
            let expected = match shell {
                // The user's own precmd stays, after the hook.
                Shell::Tcsh => "__appenv_hook; echo mine\n__appenv_hook; \n",
                Shell::Elvish => "2 1\n",
                Shell::Xonsh => "1 1 1\n",
                Shell::Nu => "1\n",
                _ => unreachable!(),
            };
            assert_eq!((out.as_str(), err.as_str()), (expected, ""), "{shell}");
        }
    }

    #[test]
    fn a_failure_is_one_line_and_the_prompt_survives() {
        for shell in shells() {
            for (bin, said) in [
                (
                    "/nonexistent/appenv",
                    "appenv: /nonexistent/appenv is missing; the shell hook does nothing until it is back\n".to_owned(),
                ),
                (
                    "/bin/false",
                    format!(
                        "appenv: 'appenv export {shell}' failed (status 1); the environment is unchanged\n"
                    ),
                ),
            ] {
                let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
                let edit = if shell == Shell::Elvish {
                    ELVISH_EDIT
                } else {
                    ""
                };
                let script = format!(
                    "{edit}{}cd apps/app\n{}print survived\n",
                    load(shell, &sandbox, &hook_running(shell, bin)),
                    prompt(shell),
                );
                let script = match shell {
                    Shell::Nu => script,
                    _ => script.replace("print survived", "echo survived"),
                };
                let (out, err) = run(shell, &sandbox, &script);
                assert_eq!(
                    (out.as_str(), err.as_str()),
                    ("survived\n", said.as_str()),
                    "{shell}"
                );
            }
        }
    }

    #[test]
    fn the_hook_loads_and_unloads_from_a_script_too() {
        for shell in shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
            let edit = if shell == Shell::Elvish {
                ELVISH_EDIT
            } else {
                ""
            };
            let show = match shell {
                Shell::Tcsh => "printenv DB\n",
                Shell::Elvish => "echo $E:DB\n",
                Shell::Xonsh => "print($DB)\n",
                Shell::Nu => "print $env.DB\n",
                _ => unreachable!(),
            };
            let gone = match shell {
                Shell::Tcsh => "if ( ! $?DB ) echo gone\n",
                Shell::Elvish => "if (not (has-env DB)) { echo gone }\n",
                Shell::Xonsh => "print('gone' if 'DB' not in ${...} else 'still')\n",
                Shell::Nu => "if not ('DB' in $env) { print gone }\n",
                _ => unreachable!(),
            };
            let script = format!(
                "{edit}{}cd apps/app\n{p}{show}cd ..\n{p}{gone}",
                load(shell, &sandbox, &hook(shell)),
                p = prompt(shell),
            );
            let (out, err) = run(shell, &sandbox, &script);
            assert_eq!(out, "dev\ngone\n", "{shell}");
            assert_eq!(
                err, "appenv: loaded app (.env)\nappenv: unloaded app\n",
                "{shell}"
            );
        }
    }
}
