//! The code from `appenv::shell` for tcsh, elvish, xonsh and nushell, run by
//! the real shells the way their hooks run it: every value must come out of
//! the shell's exported environment as exactly the bytes that went in, and
//! nothing in it may run. (`bash_zsh_fish.rs` does the same for bash,
//! zsh and fish.)
//!
//! A shell that is not installed is skipped, except under CI (`CI=true`),
//! where it is a failure.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use appenv::shell::Shell;
use proptest::prelude::*;

const SHELLS: [Shell; 4] = [Shell::Tcsh, Shell::Elvish, Shell::Xonsh, Shell::Nu];

/// The shell's program, found once; `None` when it is not installed (a
/// failure under CI).
fn program(shell: Shell) -> Option<PathBuf> {
    static FOUND: [OnceLock<Option<PathBuf>>; 4] = [const { OnceLock::new() }; 4];
    let index = SHELLS.iter().position(|&s| s == shell).unwrap();
    FOUND[index]
        .get_or_init(|| common::have(shell.name()).then(|| common::which(shell.name()).unwrap()))
        .clone()
}

fn env_program() -> PathBuf {
    ["/usr/bin/env", "/bin/env"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("env is needed to read the exported environment")
}

/// How the hook of `shell` runs appenv's code: the script that loads
/// `set`, dumps the environment to `exported`, loads `unset` and dumps it
/// to `left`.
fn script(shell: Shell, set: &[u8], unset: &[u8], env: &Path) -> Vec<u8> {
    let env = env.display();
    match shell {
        // What `__appenv_call` does: the code in a file, `source`d.
        Shell::Tcsh => {
            format!("source set\n'{env}' -0 > exported\nsource unset\n'{env}' -0 > left\nexit 0\n")
                .into_bytes()
        }
        // `eval` in an empty namespace, as the hook does.
        Shell::Elvish => format!(
            "eval &ns=(ns [&]) (slurp < set)\n'{env}' -0 > exported\n\
             eval &ns=(ns [&]) (slurp < unset)\n'{env}' -0 > left\n"
        )
        .into_bytes(),
        // Python's `exec`, as the hook does; the child started by xonsh.
        Shell::Xonsh => format!(
            "for __f in ['set', 'exported', 'unset', 'left']:\n    \
                 if __f in ('set', 'unset'):\n        \
                     exec(open(__f, 'rb').read().decode('utf-8', 'surrogateescape'), \
                          {{'__xonsh__': __xonsh__, '__appenv_watch': []}})\n    \
                 else:\n        \
                     @('{env}') -0 > @(__f)\n"
        )
        .into_bytes(),
        // Nushell parses the statements with the script itself.
        Shell::Nu => {
            let mut script = set.to_vec();
            script.extend_from_slice(format!("^'{env}' -0 o> exported\n").as_bytes());
            script.extend_from_slice(unset);
            script.extend_from_slice(format!("^'{env}' -0 o> left\n").as_bytes());
            script
        }
        _ => unreachable!(),
    }
}

/// `shell script` without rc files, in a sandbox whose HOME is `home` and
/// whose PATH starts with `bin`, where the shell is linked.
fn command(shell: Shell, home: &Path, bin: &Path) -> Command {
    let mut cmd = common::Sandbox::new(home)
        .set("PATH", "/usr/bin:/bin")
        .path_first(bin)
        .shell(shell);
    cmd.arg("script");
    cmd
}

fn read_env(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    fs::read(path)
        .unwrap()
        .split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=').unwrap();
            (entry[..eq].to_vec(), entry[eq + 1..].to_vec())
        })
        .collect()
}

/// Loads `vars` in `shell` and unloads them; an error says what differs.
fn round_trip(shell: Shell, locale: &str, vars: &[(String, Vec<u8>)]) -> Result<(), String> {
    let Some(program) = program(shell) else {
        return Ok(());
    };
    let dirs = common::ShellDirs::new(&program, shell.name());
    let (work, home, bin) = (&dirs.work, &dirs.home, &dirs.bin);
    let (mut set, mut unset) = (Vec::new(), Vec::new());
    for (name, value) in vars {
        shell.set(name, value, &mut set);
        shell.unset(name, &mut unset);
    }
    fs::write(work.join("set"), &set).unwrap();
    fs::write(work.join("unset"), &unset).unwrap();
    fs::write(
        work.join("script"),
        script(shell, &set, &unset, &env_program()),
    )
    .unwrap();
    let out = command(shell, home, bin)
        .current_dir(work)
        .env("LC_ALL", locale)
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&set);
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(format!(
            "{shell} failed ({}): {}\ncode:\n{code}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let exported = read_env(&work.join("exported"));
    let left = read_env(&work.join("left"));
    for (name, value) in vars {
        let got = exported.iter().find(|(n, _)| n == name.as_bytes());
        if got.map(|(_, v)| v) != Some(value) {
            return Err(format!(
                "{shell} exported {name} as {:?}, expected {:?}\ncode:\n{code}",
                got.map(|(_, v)| String::from_utf8_lossy(v)),
                String::from_utf8_lossy(value)
            ));
        }
        if left.iter().any(|(n, _)| n == name.as_bytes()) {
            return Err(format!("{shell} still exports {name} after unset"));
        }
    }
    let files: BTreeSet<String> = fs::read_dir(work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = ["set", "unset", "script", "exported", "left"]
        .map(String::from)
        .into();
    if files != expected {
        return Err(format!("{shell} ran something: {files:?}\ncode:\n{code}"));
    }
    Ok(())
}

const HARD_CASES: &[&[u8]] = &[
    b"",
    b"plain",
    b"with space",
    b"trailing backslash\\",
    b"\\",
    b"\\\\",
    b"'",
    b"''",
    b"\"",
    b"it's \"both\"",
    b"'\\''",
    b"\\'",
    b"$HOME ${HOME} $E:HOME $env.HOME $0 $1 $argv $status",
    b"$(touch pwned) $(>pwned)",
    b"(touch pwned)",
    b"`touch pwned`",
    b"@(touch pwned) @$(touch pwned) !(touch pwned)",
    b"; touch pwned; >pwned &",
    b"'; touch pwned; '",
    b"\"; touch pwned; \"",
    b"| touch pwned && >pwned || echo",
    b"* ? [a-z] ** ~ ~root {a,b} %self !! !$ !-1 ^x^y",
    b"!",
    b"\\!",
    b"a=b:~/x",
    b"{x} {{x}} f'{x}' %s%n%d",
    b"line\nline",
    b"\n",
    b"trailing newline\n\n",
    b"cr\r\nlf",
    b"tab\there",
    b"\x1b[31mred\x1b[0m \x1b]0;title\x07",
    b"\x01\x02\x7f\x1f",
    b"\\\n",
    b"\xff\xfe invalid",
    b"\xc3",
    b"\xe2\x82",
    b"\x80\x83\x84\x9f\xa0\xa1",
    "grüße €  日本 😀".as_bytes(),
    "\u{85}\u{9b}\u{2028}".as_bytes(),
    b"\\x41\\X41\\u0041\\u{41}\\n\\e",
    b"$'\\x41'",
    b"-e",
    b"--erase",
];

/// What the shell can hold: nushell's strings are UTF-8 (the export leaves
/// other values out).
fn holds(shell: Shell, value: &[u8]) -> bool {
    shell.holds_bytes() || std::str::from_utf8(value).is_ok()
}

fn named(shell: Shell, values: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
    values
        .iter()
        .filter(|v| holds(shell, v))
        .enumerate()
        .map(|(i, v)| (format!("APPENV_TEST_{i}"), v.to_vec()))
        .collect()
}

fn hard_cases(shell: Shell) {
    for locale in ["C", "C.UTF-8"] {
        round_trip(shell, locale, &named(shell, HARD_CASES)).unwrap();
    }
}

#[test]
fn tcsh_hard_cases() {
    hard_cases(Shell::Tcsh);
}

#[test]
fn elvish_hard_cases() {
    hard_cases(Shell::Elvish);
}

#[test]
fn nu_hard_cases() {
    hard_cases(Shell::Nu);
}

/// Names a shell takes for path lists (xonsh's `*PATH` and `*DIRS`, which
/// it would expand `~` and `$NAME` in) hold every value exactly too.
#[test]
fn path_lists_keep_every_value() {
    const PATHS: &[&[u8]] = &[
        b"~", b"~/x", b"~root", b"$HOME/~", b"$HOME", b"${HOME}", b"a:~:b", b"x=~:~/y", b"~x:a~",
        b"$",
    ];
    for shell in SHELLS {
        let mut vars = Vec::new();
        for (i, value) in PATHS.iter().chain(HARD_CASES).enumerate() {
            if holds(shell, value) {
                vars.push((format!("APPENV_TEST_{i}_PATH"), value.to_vec()));
                vars.push((format!("APPENV_TEST_{i}_DIRS"), value.to_vec()));
            }
        }
        round_trip(shell, "C.UTF-8", &vars).unwrap();
    }
}

#[test]
fn a_long_value() {
    let value: Vec<u8> = (0..64 * 1024)
        .map(|i: u32| "'\\\n!x$\"é".as_bytes()[(i % 9) as usize])
        .collect();
    for shell in SHELLS {
        let value = if holds(shell, &value) {
            value.clone()
        } else {
            String::from_utf8_lossy(&value).into_owned().into_bytes()
        };
        round_trip(shell, "C", &[("APPENV_TEST_LONG".into(), value)]).unwrap();
    }
}

/// The record `appenv export nu` prints, read by nushell's `from nuon` and
/// `load-env` as the hook does.
#[test]
fn nuon_records_load_exactly() {
    let Some(nu) = program(Shell::Nu) else {
        return;
    };
    let vars = named(Shell::Nu, HARD_CASES);
    let mut record = b"{".to_vec();
    for (name, value) in &vars {
        Shell::Nu.quote(name.as_bytes(), &mut record);
        record.extend_from_slice(b": ");
        Shell::Nu.quote(value, &mut record);
        record.extend_from_slice(b", ");
    }
    record.push(b'}');
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("record"), &record).unwrap();
    let script = format!(
        "open --raw record | from nuon | load-env; ^'{}' -0 o> exported",
        env_program().display()
    );
    let out = common::Sandbox::new(dir.path())
        .command(nu)
        .args(common::no_rc(Shell::Nu))
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = read_env(&dir.path().join("exported"));
    for (name, value) in &vars {
        let got = exported.iter().find(|(n, _)| n == name.as_bytes());
        assert_eq!(got.map(|(_, v)| v), Some(value), "{name}");
    }
}

fn env_value() -> impl Strategy<Value = Vec<u8>> {
    const BYTES: &[u8] =
        b"'\"\\$`;|&()<>{}[]*?~!#%^@ \t\n\r:=\x01\x1b\x7f\x80\x83\x9f\xa1\xc3\xe2\xff";
    const FRAGMENTS: &[&str] = &[
        "$(touch pwned)",
        "`touch pwned`",
        "@(touch pwned)",
        "(touch pwned)",
        "'\\''",
        "''",
        "\\!",
        "!!",
        "\\\n",
        "\\u{41}",
        "\\x41",
        "\u{85}",
        "€",
    ];
    let fragment = prop_oneof![
        3 => (1..=255u8).prop_map(|b| vec![b]),
        3 => prop::sample::select(BYTES).prop_map(|b| vec![b]),
        1 => prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
        1 => any::<char>()
            .prop_filter("no NUL", |&c| c != '\0')
            .prop_map(|c| c.to_string().into_bytes()),
    ];
    prop::collection::vec(fragment, 0..40).prop_map(|fragments| fragments.concat())
}

fn check_random(shell: Shell, value: Vec<u8>, utf8: bool) -> Result<(), TestCaseError> {
    let value = if holds(shell, &value) {
        value
    } else {
        String::from_utf8_lossy(&value).into_owned().into_bytes()
    };
    let locale = if utf8 { "C.UTF-8" } else { "C" };
    let vars = [
        ("APPENV_TEST_VALUE".to_owned(), value.clone()),
        ("APPENV_TEST_PATH".to_owned(), value),
    ];
    round_trip(shell, locale, &vars).map_err(TestCaseError::fail)
}

proptest! {
    // Each case starts a shell; xonsh takes most of a second.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn tcsh_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
        check_random(Shell::Tcsh, value, utf8)?;
    }

    #[test]
    fn elvish_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
        check_random(Shell::Elvish, value, utf8)?;
    }
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    proptest! {
        // Each case starts a shell; xonsh takes most of a second.
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn xonsh_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
            check_random(Shell::Xonsh, value, utf8)?;
        }

        #[test]
        fn nu_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
            check_random(Shell::Nu, value, utf8)?;
        }
    }

    #[test]
    fn xonsh_hard_cases() {
        hard_cases(Shell::Xonsh);
    }

    #[test]
    fn every_byte_alone() {
        let values: Vec<Vec<u8>> = (1..=255u8).map(|b| vec![b'a', b, b'z']).collect();
        let values: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        for shell in SHELLS {
            round_trip(shell, "C", &named(shell, &values)).unwrap();
        }
    }
}
