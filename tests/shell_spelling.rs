//! Everything `appenv::shell` writes for a shell besides single variables
//! (`shell_quoting/` tests those): a whole
//! `appenv export` with the hook's own lists, the line `appenv hook` puts
//! before the script, and the PATH line `appenv shim` shows. Each is run by
//! the real shell the way its hook (or the user) runs it, and every value,
//! list entry and path must come out as exactly its bytes, with nothing run.
//!
//! A shell that is not installed is skipped, except under CI (`CI=true`),
//! where it is a failure.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use appenv::shell::{Export, Shell};
use common::Sandbox;
use proptest::prelude::*;

fn program(shell: Shell) -> Option<PathBuf> {
    common::have(shell.name()).then(|| common::which(shell.name()).unwrap())
}

/// The lists each shell's hook keeps, by the name the export gives them.
fn lists(shell: Shell) -> &'static [&'static str] {
    match shell {
        Shell::Bash | Shell::Zsh | Shell::Fish => &[
            "__appenv_left",
            "__appenv_names",
            "__appenv_watch",
            "__appenv_absent",
        ],
        Shell::Tcsh | Shell::Xonsh => &["__appenv_watch"],
        Shell::Elvish | Shell::Nu => &[],
    }
}

/// The script: loads `bin` (the line `appenv hook` prints first, also in
/// the file `bin`) as the rc line loads the hook, evaluates `code`
/// as the hook evaluates an export, then writes the environment a child
/// sees to `exported`, `__appenv_bin` to `bin_out`, and each list to
/// `list.NAME`, every entry followed by NUL.
fn script(shell: Shell, bin: &[u8], env: &Path, printf: &Path) -> Vec<u8> {
    let env = env.display();
    let printf = printf.display();
    let mut s = String::new();
    let mut out = Vec::new();
    match shell {
        Shell::Bash | Shell::Zsh => {
            s.push_str("eval \"$(<bin)\"\n");
            s.push_str("__appenv_load() { eval -- \"$(<code)\"; }\n__appenv_load\n");
            s.push_str("printf %s \"$__appenv_bin\" > bin_out\n");
            for list in lists(shell) {
                s.push_str(&format!(
                    "for x in \"${{{list}[@]}}\"; do printf '%s\\0' \"$x\"; done > list.{list}\n"
                ));
            }
            s.push_str(&format!("'{env}' -0 > exported\n"));
        }
        Shell::Fish => {
            s.push_str("source bin\n");
            s.push_str("function __appenv_load; source code; end\n__appenv_load\n");
            s.push_str("printf %s $__appenv_bin > bin_out\n");
            for list in lists(shell) {
                s.push_str(&format!(
                    "for x in ${list}; printf '%s\\0' $x; end > list.{list}\n"
                ));
            }
            s.push_str(&format!("'{env}' -0 > exported\n"));
        }
        Shell::Tcsh => {
            s.push_str("source bin\nsource code\n");
            s.push_str(&format!("'{printf}' '%s' $__appenv_bin:q > bin_out\n"));
            s.push_str(&format!(
                "touch list.__appenv_watch\n@ i = 1\nwhile ( $i <= $#__appenv_watch )\n\
                 '{printf}' '%s\\0' $__appenv_watch[$i]:q >> list.__appenv_watch\n@ i++\nend\n"
            ));
            s.push_str(&format!("'{env}' -0 > exported\nexit 0\n"));
        }
        Shell::Elvish => {
            // The rc line: `eval (appenv hook elvish | slurp)`; the hook
            // evaluates an export in a namespace of its own.
            s.push_str("eval &on-end={|ns| print $ns[__appenv_bin] > bin_out } (slurp < bin)\n");
            s.push_str("eval &ns=(ns [&]) (slurp < code)\n");
            s.push_str(&format!("'{env}' -0 > exported\n"));
        }
        Shell::Xonsh => {
            // The rc line: `execx($(appenv hook xonsh))`; the hook runs an
            // export with Python's `exec`.
            s.push_str("import os\n__rc = {}\n");
            s.push_str("execx(open('bin', 'rb').read().decode('utf-8', 'surrogateescape'), 'exec', __rc)\n");
            s.push_str("open('bin_out', 'wb').write(os.fsencode(__rc['__appenv_bin']))\n");
            s.push_str(
                "__scope = {'__xonsh__': __xonsh__, '__appenv_watch': []}\n\
                 exec(open('code', 'rb').read().decode('utf-8', 'surrogateescape'), __scope)\n\
                 open('list.__appenv_watch', 'wb').write(b''.join(os.fsencode(x) + b'\\0' for x in __scope['__appenv_watch']))\n",
            );
            s.push_str(&format!("@('{env}') -0 > exported\n"));
        }
        Shell::Nu => {
            // `source`d by the rc file, so the line is part of the script;
            // the export is a record read as data.
            out.extend_from_slice(bin);
            s.push_str("$__appenv_bin | save --raw bin_out\n");
            s.push_str(
                "let change = (open --raw code | from nuon)\n\
                 load-env $change.set\n\
                 for name in $change.unset { hide-env --ignore-errors $name }\n\
                 $change.watch | each {|p| $p + (char nul) } | str join | save --raw list.__appenv_watch\n",
            );
            s.push_str(&format!("^'{env}' -0 o> exported\n"));
        }
    }
    out.extend_from_slice(s.as_bytes());
    out
}

/// `shell` from `bin` running the file `script`, without rc files, in the
/// sandbox of `home` with `bin` first on PATH.
fn command(shell: Shell, bin: &Path, home: &Path) -> Command {
    let mut cmd = Sandbox::new(home)
        .path([bin, Path::new("/usr/bin"), Path::new("/bin")])
        .set("APPENV_TEST_GONE", "still here")
        .set("LC_ALL", "C.UTF-8")
        .command(bin.join(shell.name()));
    cmd.args(common::no_rc(shell)).arg("script");
    cmd
}

fn nul_separated(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut items: Vec<Vec<u8>> = bytes.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    // Every entry is followed by a NUL: the last split is empty.
    assert_eq!(items.pop(), Some(Vec::new()), "{bytes:?}");
    items
}

/// What goes in, as owned bytes.
#[derive(Debug, Clone)]
struct Case {
    vars: Vec<(String, Vec<u8>)>,
    list: Vec<Vec<u8>>,
    bin: Vec<u8>,
}

/// What the shell can hold: nushell's strings are UTF-8.
fn holds(shell: Shell, value: &[u8]) -> bool {
    shell.holds_bytes() || std::str::from_utf8(value).is_ok()
}

/// Renders `case` for `shell`, runs it, and says what differs.
fn run(shell: Shell, case: &Case) -> Result<(), String> {
    let Some(program) = program(shell) else {
        return Ok(());
    };
    let dirs = common::ShellDirs::new(&program, shell.name());
    let (work, home, bin) = (&dirs.work, &dirs.home, &dirs.bin);
    let vars: Vec<(String, Vec<u8>)> = case
        .vars
        .iter()
        .filter(|(_, v)| holds(shell, v))
        .cloned()
        .collect();
    let list: Vec<&[u8]> = case
        .list
        .iter()
        .filter(|v| holds(shell, v))
        .map(Vec::as_slice)
        .collect();
    let export = Export {
        vars: vars
            .iter()
            .map(|(n, v)| (n.as_str(), Some(v.as_slice())))
            .chain([("APPENV_TEST_GONE", None)])
            .collect(),
        left: list.clone(),
        names: list.clone(),
        present: list.clone(),
        absent: list.clone(),
        watched: list.clone(),
    };
    let code = shell.export(&export);
    fs::write(work.join("code"), &code).unwrap();
    let bin_value: Vec<u8> = if holds(shell, &case.bin) {
        case.bin.clone()
    } else {
        String::from_utf8_lossy(&case.bin).into_owned().into_bytes()
    };
    let mut line = Vec::new();
    shell.set_own("__appenv_bin", &bin_value, &mut line);
    fs::write(work.join("bin"), &line).unwrap();
    let text = script(
        shell,
        &line,
        &common::which("env").unwrap(),
        &common::which("printf").unwrap(),
    );
    fs::write(work.join("script"), text).unwrap();
    let out = command(shell, bin, home)
        .current_dir(work)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&code);
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(format!(
            "{shell} failed ({}): {}\ncode:\n{shown}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let exported = fs::read(work.join("exported")).unwrap();
    let exported = nul_separated(&exported);
    for (name, value) in &vars {
        let mut entry = format!("{name}=").into_bytes();
        entry.extend_from_slice(value);
        if !exported.contains(&entry) {
            return Err(format!(
                "{shell} did not export {name} exactly\ncode:\n{shown}"
            ));
        }
    }
    if exported.iter().any(|e| e.starts_with(b"APPENV_TEST_GONE=")) {
        return Err(format!(
            "{shell} did not unset APPENV_TEST_GONE\ncode:\n{shown}"
        ));
    }
    let got_bin = fs::read(work.join("bin_out")).unwrap();
    // elvish's `print` adds no newline; the others print the bytes alone.
    if got_bin != bin_value {
        return Err(format!(
            "{shell} holds __appenv_bin as {:?}, expected {:?}",
            String::from_utf8_lossy(&got_bin),
            String::from_utf8_lossy(&bin_value)
        ));
    }
    for name in lists(shell) {
        let got = nul_separated(&fs::read(work.join(format!("list.{name}"))).unwrap());
        let expected: Vec<Vec<u8>> = list.iter().map(|v| v.to_vec()).collect();
        if got != expected {
            return Err(format!(
                "{shell} holds {name} as {:?}, expected {:?}\ncode:\n{shown}",
                got.iter()
                    .map(|v| String::from_utf8_lossy(v))
                    .collect::<Vec<_>>(),
                expected
                    .iter()
                    .map(|v| String::from_utf8_lossy(v))
                    .collect::<Vec<_>>()
            ));
        }
    }
    if shell == Shell::Nu {
        let got = nul_separated(&fs::read(work.join("list.__appenv_watch")).unwrap());
        if got != list {
            return Err(format!("nu read the watch list as {got:?}"));
        }
    }
    let files: BTreeSet<String> = fs::read_dir(work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| {
            !f.starts_with("list.")
                && !["code", "bin", "script", "exported", "bin_out"].contains(&f.as_str())
        })
        .collect();
    if !files.is_empty() {
        return Err(format!("{shell} ran something: {files:?}\ncode:\n{shown}"));
    }
    Ok(())
}

const HARD_CASES: &[&[u8]] = &[
    b"",
    b"plain",
    b"with space",
    b"trailing backslash\\",
    b"'",
    b"''",
    b"\"",
    b"it's \"both\"",
    b"$HOME ${HOME} $E:HOME $env.HOME $0 $argv $status",
    b"$(touch pwned) `touch pwned` (touch pwned) @(touch pwned)",
    b"; touch pwned; >pwned &",
    b"* ? [a-z] ~ {a,b} %self !! !$ ^x^y",
    b"!",
    b"\\!",
    b"{x} %s%n",
    b"line\nline",
    b"\n",
    b"\\\n",
    b"tab\there\r",
    b"\x1b[31mred\x1b]0;title\x07",
    b"\x01\x7f",
    b"\xff\xfe invalid",
    b"\xc3",
    "grüße €  日本 😀 \u{85}\u{9b}".as_bytes(),
    b"-e",
    b"--erase",
    b"a,b",
];

fn hard_case() -> Case {
    Case {
        vars: HARD_CASES
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("APPENV_TEST_{i}"), v.to_vec()))
            .collect(),
        list: HARD_CASES.iter().map(|v| v.to_vec()).collect(),
        bin: b"/opt/it's $(here)/\\!x\n/appenv".to_vec(),
    }
}

#[test]
fn bash_reads_an_export_exactly() {
    run(Shell::Bash, &hard_case()).unwrap();
}

#[test]
fn zsh_reads_an_export_exactly() {
    run(Shell::Zsh, &hard_case()).unwrap();
}

#[test]
fn fish_reads_an_export_exactly() {
    run(Shell::Fish, &hard_case()).unwrap();
}

#[test]
fn tcsh_reads_an_export_exactly() {
    run(Shell::Tcsh, &hard_case()).unwrap();
}

#[test]
fn elvish_reads_an_export_exactly() {
    run(Shell::Elvish, &hard_case()).unwrap();
}

#[test]
fn xonsh_reads_an_export_exactly() {
    run(Shell::Xonsh, &hard_case()).unwrap();
}

#[test]
fn nu_reads_an_export_exactly() {
    run(Shell::Nu, &hard_case()).unwrap();
}

/// The PATH line `appenv shim` shows, pasted into bash, zsh and fish, puts
/// the directory first on PATH, whatever printable name it has.
#[test]
fn the_path_line_puts_the_directory_first() {
    for name in [
        "shims",
        "it's a \"dir\"",
        "$(touch pwned)",
        "`x` \\ !x *",
        "a,b%c",
    ] {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let Some(program) = program(shell) else {
                continue;
            };
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join(name);
            fs::create_dir(&dir).unwrap();
            let dir = dir.to_str().unwrap();
            let line = shell.path_first_line(dir).unwrap();
            let check = match shell {
                Shell::Fish => "printf %s $PATH[1]",
                _ => "printf %s \"${PATH%%:*}\"",
            };
            let out = Sandbox::new(tmp.path())
                .path(["/usr/bin", "/bin"])
                .command(&program)
                .args(match shell {
                    Shell::Bash => &["--norc", "--noprofile", "-c"][..],
                    Shell::Zsh => &["-f", "-c"][..],
                    // With its own config (in the test's HOME): that is what
                    // makes `fish_add_path` reach PATH.
                    _ => &["-c"][..],
                })
                .arg(format!("{line}\n{check}"))
                .current_dir(tmp.path())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                dir,
                "{shell}: {line}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!tmp.path().join("pwned").exists());
        }
    }
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    const FRAGMENTS: &[&str] = &[
        "$(touch pwned)",
        "`touch pwned`",
        "@(touch pwned)",
        "'\\''",
        "\\!",
        "!!",
        "\\\n",
        "\\x41",
        ",",
        "€",
    ];
    let fragment = prop_oneof![
        3 => (1..=255u8).prop_map(|b| vec![b]),
        1 => prop::sample::select(FRAGMENTS).prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop::collection::vec(fragment, 0..16).prop_map(|f| f.concat())
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(value(), 0..4),
        prop::collection::vec(value(), 0..4),
        value(),
    )
        .prop_map(|(vars, list, bin)| Case {
            vars: vars
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("APPENV_TEST_{i}"), v))
                .collect(),
            list,
            bin,
        })
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    proptest! {
        // Each case starts a shell; xonsh takes most of a second.
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn any_export_reads_exactly_in_every_shell(case in case()) {
            for shell in Shell::ALL {
                run(shell, &case).map_err(TestCaseError::fail)?;
            }
        }
    }
}
