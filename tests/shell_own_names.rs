//! Every name a shell defines or treats specially by itself, asked of the
//! real shell in a clean environment (for xonsh: each variable whose value
//! it converts), is left out of a load in that shell:
//! an app whose `.env` sets each of them loads none (but the few that are
//! the environment's rather than the shell's, which a load may set). And in
//! nushell, whose `$env` is blind to case, in any case: `pwd=/elsewhere`
//! does not move the shell.

use std::collections::BTreeSet;

use crate::common::{self, App, Sandbox, have};

/// Names in a shell's list that are the environment's, not the shell's:
/// programs read them, and a load may set them (`PATH` is how an app puts
/// its `bin/` first, `MANPATH` its man pages).
const SETTABLE: [&str; 6] = ["PATH", "MANPATH", "HOME", "USER", "SHELL", "TERM"];

/// What `argv` prints, one name a word, in an empty environment.
fn ask(argv: &[&str]) -> Vec<String> {
    let out = Sandbox::bare()
        .command(argv[0])
        .args(&argv[1..])
        .output()
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    assert!(out.status.success(), "{argv:?}: {}", common::stderr(&out));
    common::stdout(&out)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The names a clean `shell` holds by itself that a `.env` can name.
fn specials(shell: &str) -> Vec<String> {
    let path = |tool: &str| which(tool).unwrap_or_else(|| panic!("{tool} is not on PATH"));
    let names = match shell {
        "bash" => ask(&[&path("bash"), "--norc", "--noprofile", "-c", "compgen -v"]),
        // Parameters zsh itself defines: its specials.
        "zsh" => ask(&[
            &path("zsh"),
            "-f",
            "-c",
            "print -r -- ${(k)parameters[(R)*special*]}",
        ]),
        "fish" => ask(&[&path("fish"), "--no-config", "-c", "set -n"]),
        "nu" => ask(&[&path("nu"), "-n", "-c", "$env | columns | str join ' '"]),
        // The variables xonsh converts: what it hands a program is not the
        // string it was given (a bool, a number, a list, a callable).
        "xonsh" => {
            let script = "env = __xonsh__.env\n\
                 def same(name):\n    \
                     try:\n        \
                         with env.swap({name: 'x-1'}):\n            \
                             return env.detype().get(name) == 'x-1'\n    \
                     except Exception:\n        \
                         return False\n\
                 print('NAMES:' + ' '.join(n for n in sorted(env.keys()) if not same(n)))\n";
            let names = ask(&[&path("xonsh"), "--no-rc", "-c", script]);
            names
                .into_iter()
                .skip_while(|word| !word.starts_with("NAMES:"))
                .map(|word| word.trim_start_matches("NAMES:").to_owned())
                .collect()
        }
        _ => unreachable!(),
    };
    names
        .into_iter()
        .filter(|name| appenv::shell::Shell::is_valid_name(name))
        .collect()
}

fn which(tool: &str) -> Option<String> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|path| path.is_file())
        .map(|path| path.display().to_string())
}

/// What `appenv export SHELL` sets, of `names`, in an app whose `.env`
/// sets each of them; and what it said.
fn set_by_a_load(shell: &str, names: &[String]) -> (BTreeSet<String>, String) {
    let env: String = names.iter().map(|name| format!("{name}=x\n")).collect();
    let app = App::new(&[(".env", &env)]);
    let out = app
        .appenv()
        .args(["export", shell])
        .env("APPENV_SHELL_VARS", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let stdout = common::stdout(&out);
    let set = names
        .iter()
        .filter(|name| {
            let line = match shell {
                "fish" => format!("set -gx {name} "),
                "nu" => format!("\"{name}\": "),
                "xonsh" => format!("__xonsh__.env['{name}'] = "),
                _ => format!("export {name}="),
            };
            stdout.contains(&line)
        })
        .cloned()
        .collect();
    (set, common::stderr(&out))
}

#[test]
fn every_shells_own_names_are_left_out_of_a_load() {
    for shell in ["bash", "zsh", "fish", "nu", "xonsh"] {
        if !have(shell) {
            continue;
        }
        let names = specials(shell);
        assert!(names.len() > 3, "{shell}: {names:?}");
        let (set, said) = set_by_a_load(shell, &names);
        let wrong: Vec<&String> = set
            .iter()
            .filter(|name| !SETTABLE.contains(&name.as_str()))
            .collect();
        assert!(wrong.is_empty(), "{shell} would get {wrong:?}\n{said}");
        assert!(said.contains("appenv: loaded app"), "{shell}: {said}");
        assert!(said.contains("appenv: left out "), "{shell}: {said}");
    }
}

/// Nushell's `$env` is blind to case: each of its names in another case
/// is left out too, with the note, and the real nu, applying what the
/// hook applies, stays where it is.
#[test]
fn nushell_names_in_any_case_are_left_out() {
    if !have("nu") {
        return;
    }
    let names: Vec<String> = [
        "pwd",
        "Pwd",
        "oldpwd",
        "path",
        "Path",
        "file_pwd",
        "current_file",
        "env_conversions",
        "Config",
        "nu_lib_dirs",
        "Nu_Version",
        "nu_anything",
        "last_exit_code",
        "shlvl",
        "__APPENV",
        "appenv_state",
    ]
    .iter()
    .map(|name| (*name).to_owned())
    .collect();
    let (set, said) = set_by_a_load("nu", &names);
    assert_eq!(set, BTreeSet::new(), "{said}");
    assert!(said.contains("appenv: left out "), "{said}");
    assert!(said.contains("pwd"), "{said}");

    // The hook's own steps: `from nuon`, then `load-env` of what to set.
    let app = App::new(&[(".env", "pwd=/\nPath=/nowhere\nDB=dev\n")]);
    let code = format!(
        "let change = (^'{}' export nu | from nuon); load-env $change.set; \
         print $env.PWD; print ($env.PATH | str join ':'); print $env.DB",
        common::appenv_bin().display()
    );
    let out = app
        .sandbox()
        .command(which("nu").unwrap())
        .args(["-n", "-c", &code])
        .env("PWD", &app.root)
        .current_dir(&app.root)
        .output()
        .unwrap();
    let stdout = common::stdout(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&app.root.to_str().unwrap()),
        "{stdout}{}",
        common::stderr(&out)
    );
    assert!(!stdout.contains("/nowhere"), "{stdout}");
    assert_eq!(lines.last(), Some(&"dev"), "{stdout}");
}
