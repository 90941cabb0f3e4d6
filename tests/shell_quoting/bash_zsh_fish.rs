//! The code from `appenv::shell`, run by the real bash, zsh and fish: every
//! value must come out of the shell, and out of its exported environment,
//! as exactly the bytes that went in, and nothing in it may run.
//!
//! A shell that is not installed is skipped with a message, except under CI
//! (`CI=true`), where it is a failure.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::{env, fs};

use appenv::shell::Shell;
use proptest::prelude::*;

/// The shells tested here; `tcsh_elvish_xonsh_nu.rs` tests the others.
const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// A variable to set, and what the environment must then hold.
struct Var<'a> {
    name: &'a str,
    value: &'a [u8],
    exported: &'a [u8],
}

impl<'a> Var<'a> {
    fn new(name: &'a str, value: &'a [u8]) -> Self {
        Var {
            name,
            value,
            exported: value,
        }
    }
}

/// Renders `set` for every variable, has the shell eval it, checks what the
/// shell holds and exports, then renders `unset` and checks that they are
/// gone. `setup` is shell code run first, as a user's rc file would.
/// `locale` is given to the shell as LC_ALL.
///
/// The shell runs in a directory of its own: a value that managed to run
/// something (the values below try `touch pwned` and `>pwned`) would leave a
/// file there.
fn round_trip(shell: Shell, setup: &str, locale: &str, vars: &[Var]) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let work = dir.path().join("work");
    let home = dir.path().join("home");
    fs::create_dir(&work).unwrap();
    fs::create_dir(&home).unwrap();

    let mut set = Vec::new();
    let mut unset = Vec::new();
    for var in vars {
        shell.set(var.name, var.value, &mut set);
        shell.unset(var.name, &mut unset);
    }
    fs::write(work.join("set"), &set).unwrap();
    fs::write(work.join("unset"), &unset).unwrap();

    let output = shell_command(shell, &home)
        .arg(script(shell, setup, vars))
        .args(["set", "unset"])
        .arg(env_program())
        .current_dir(&work)
        .env("LC_ALL", locale)
        .output()
        .map_err(|e| format!("could not run {shell}: {e}"))?;

    let code = String::from_utf8_lossy(&set);
    if !output.status.success() || !output.stderr.is_empty() {
        return Err(format!(
            "{shell} failed ({}): {}\ncode:\n{code}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }

    let mut expected_files: BTreeSet<String> = ["set", "unset", "exported", "left"]
        .map(String::from)
        .into();
    let exported = read_env(&work.join("exported"));
    let left = read_env(&work.join("left"));
    for (i, var) in vars.iter().enumerate() {
        let name = var.name.as_bytes();
        match exported.iter().find(|(n, _)| *n == name) {
            Some((_, value)) if value == var.exported => {}
            found => {
                return Err(format!(
                    "{shell} exported {} as {:?}, expected {:?}\ncode:\n{code}",
                    var.name,
                    found.map(|(_, value)| String::from_utf8_lossy(value)),
                    String::from_utf8_lossy(var.exported),
                ));
            }
        }
        if left.iter().any(|(n, _)| *n == name) {
            return Err(format!("{shell} still exports {} after unset", var.name));
        }

        if let Ok(held) = fs::read(work.join(format!("held_{i}"))) {
            if held != var.value {
                return Err(format!(
                    "{shell} holds {} as {:?}, expected {:?}\ncode:\n{code}",
                    var.name,
                    String::from_utf8_lossy(&held),
                    String::from_utf8_lossy(var.value),
                ));
            }
            expected_files.insert(format!("held_{i}"));
        }
    }

    let files: BTreeSet<String> = fs::read_dir(&work)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if files != expected_files {
        return Err(format!(
            "{shell} ran something: files {:?}\ncode:\n{code}",
            files.difference(&expected_files).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// Reads the output of `env -0`: `NAME=value` entries, each ended by NUL
/// (which no value can hold).
fn read_env(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let dump = fs::read(path).unwrap();
    dump.split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=').unwrap();
            (entry[..eq].to_vec(), entry[eq + 1..].to_vec())
        })
        .collect()
}

/// The shell, started without any rc file, ready for `-c SCRIPT ARGS...`.
/// `shell -c`, without rc files, in a sandbox whose HOME is `home`.
fn shell_command(shell: Shell, home: &Path) -> Command {
    let mut command = common::Sandbox::new(home).shell(shell);
    command.arg("-c");
    command
}

/// The test script: eval the `set` code the way the hook does, write what
/// the shell holds (`held_N`) and what a child sees (`exported`, from
/// `env -0` called by absolute path since PATH may be among the variables),
/// eval the `unset` code, write what a child still sees (`left`), and
/// complain on stderr about a variable the shell still holds.
fn script(shell: Shell, setup: &str, vars: &[Var]) -> String {
    // The code is evaluated inside a function, as the hook does; `setup` may
    // define the function another way. `$(<file)` reads without starting
    // `cat`, which PATH may no longer find; fish's `source` reads the code
    // with the same parser as the hook's `appenv export fish | source`.
    let mut script = match shell {
        Shell::Bash | Shell::Zsh => "__appenv_test_load() { eval \"$(<\"$1\")\"; }\n",
        Shell::Fish => "function __appenv_test_load; source $argv[1]; end\n",
        _ => unreachable!("tcsh, elvish, xonsh and nushell: tcsh_elvish_xonsh_nu.rs"),
    }
    .to_owned();
    script.push_str(setup);
    script.push('\n');
    match shell {
        // $0 = set, $1 = unset, $2 = env.
        Shell::Bash | Shell::Zsh => {
            script.push_str("__appenv_test_load \"$0\"\n");
            for (i, var) in vars.iter().enumerate() {
                let name = var.name;
                script.push_str(&format!("printf %s \"${name}\" > held_{i}\n"));
            }
            script.push_str("\"$2\" -0 > exported\n");
            script.push_str("__appenv_test_load \"$1\"\n");
            for var in vars {
                let name = var.name;
                script.push_str(&format!(
                    "[ -z \"${{{name}+set}}\" ] || echo '{name} still set' >&2\n"
                ));
            }
            script.push_str("\"$2\" -0 > left\n");
        }
        // $argv = set unset env.
        Shell::Fish => {
            script.push_str("__appenv_test_load $argv[1]\n");
            for (i, var) in vars.iter().enumerate() {
                let name = var.name;
                // A path variable is a list in fish; what it holds is checked
                // through the environment only.
                if !name.ends_with("PATH") {
                    script.push_str(&format!("printf %s \"${name}\" > held_{i}\n"));
                }
            }
            script.push_str("$argv[3] -0 > exported\n");
            script.push_str("__appenv_test_load $argv[2]\n");
            for var in vars {
                let name = var.name;
                script.push_str(&format!("set -q {name}; and echo '{name} still set' >&2\n"));
            }
            script.push_str("$argv[3] -0 > left\n");
        }
        _ => unreachable!("tcsh, elvish, xonsh and nushell: tcsh_elvish_xonsh_nu.rs"),
    }
    script.push_str("exit 0\n");
    script
}

/// Whether the shell can be run; when it cannot, says so once, and fails
/// under CI.
fn available(shell: Shell) -> bool {
    static AVAILABLE: [OnceLock<bool>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = SHELLS.iter().position(|&s| s == shell).unwrap();
    *AVAILABLE[index].get_or_init(|| {
        let home = tempfile::tempdir().unwrap();
        let found = shell_command(shell, home.path())
            .arg("exit 0")
            .output()
            .is_ok_and(|output| output.status.success());
        common::require_that(found, &format!("{shell} is not installed"))
    })
}

/// `env`, by absolute path, for `env -0` (GNU and BSD).
fn env_program() -> &'static Path {
    static ENV: OnceLock<PathBuf> = OnceLock::new();
    ENV.get_or_init(|| {
        env::split_paths(&env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("env"))
            .find(|path| path.is_file())
            .expect("env is needed to read the exported environment")
    })
}

/// A UTF-8 locale the shells accept (bash warns about one it lacks), if any.
fn utf8_locale() -> Option<&'static str> {
    static LOCALE: OnceLock<Option<&str>> = OnceLock::new();
    *LOCALE.get_or_init(|| {
        ["C.UTF-8", "en_US.UTF-8"].into_iter().find(|locale| {
            let home = tempfile::tempdir().unwrap();
            common::Sandbox::new(home.path())
                .shell(Shell::Bash)
                .args(["-c", "exit 0"])
                .env("LC_ALL", locale)
                .output()
                .is_ok_and(|output| output.status.success() && output.stderr.is_empty())
        })
    })
}

/// Every locale the tests run under: C, and UTF-8 where there is one.
fn locales() -> Vec<&'static str> {
    std::iter::once("C").chain(utf8_locale()).collect()
}

/// The hard cases, each as a variable of its own.
const HARD_CASES: &[&[u8]] = &[
    b"",
    b"plain",
    b"with space",
    b"back\\slash",
    b"trailing backslash\\",
    b"\\",
    b"\\\\",
    b"'",
    b"''",
    b"\"",
    b"it's \"both\"",
    b"'\\''",
    b"\\'",
    b"$HOME ${HOME} $0 $1 $argv $status",
    b"$(touch pwned) $(>pwned)",
    b"(touch pwned)",
    b"`touch pwned`",
    b"; touch pwned; >pwned &",
    b"'; touch pwned; '",
    b"\"; touch pwned; \"",
    b"| touch pwned && >pwned || echo",
    b"* ? [a-z] ** ~ ~root {a,b} %self !! !$",
    b"a=b:~/x",
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
    "\u{f600}\u{f6ff}".as_bytes(),
    b"\\x41\\X41\\u0041\\n\\e",
    b"$'\\x41'",
    b"-e",
    b"--erase",
    b"%s%n%d",
];

fn names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("APPENV_TEST_{i}")).collect()
}

fn check_hard_cases(shell: Shell, setup: &str) {
    if !available(shell) {
        return;
    }
    let names = names(HARD_CASES.len());
    let vars: Vec<Var> = names
        .iter()
        .zip(HARD_CASES)
        .map(|(name, value)| Var::new(name, value))
        .collect();
    for locale in locales() {
        round_trip(shell, setup, locale, &vars).unwrap();
    }
}

#[test]
fn bash_hard_cases() {
    check_hard_cases(Shell::Bash, "");
}

#[test]
fn zsh_hard_cases() {
    check_hard_cases(Shell::Zsh, "");
}

#[test]
fn zsh_hard_cases_with_user_options() {
    // Options a .zshrc may set that change how quotes and bytes are read.
    check_hard_cases(Shell::Zsh, "setopt rc_quotes no_multibyte");
}

#[test]
fn fish_hard_cases() {
    check_hard_cases(Shell::Fish, "");
}

#[test]
fn fish_hard_cases_through_eval() {
    // The older idiom: the output split into lines, joined again by `eval`
    // with spaces. It works because a statement never spans two lines and
    // ends with `;`.
    check_hard_cases(
        Shell::Fish,
        "function __appenv_test_load; eval (cat $argv[1]); end",
    );
}

#[test]
fn every_byte_alone() {
    let values: Vec<[u8; 3]> = (1..=255u8).map(|b| [b'a', b, b'z']).collect();
    let names = names(values.len());
    let vars: Vec<Var> = names
        .iter()
        .zip(&values)
        .map(|(name, value)| Var::new(name, value))
        .collect();
    for shell in SHELLS {
        if available(shell) {
            for locale in locales() {
                round_trip(shell, "", locale, &vars).unwrap();
            }
        }
    }
}

#[test]
fn a_long_value() {
    let value: Vec<u8> = (0..64 * 1024)
        .map(|i: u32| [b'\'', b'\\', b'\n', 0xff, b'x', 0x83, b'$'][(i % 7) as usize])
        .collect();
    for shell in SHELLS {
        if available(shell) {
            round_trip(shell, "", "C", &[Var::new("APPENV_TEST_LONG", &value)]).unwrap();
        }
    }
}

#[test]
fn path_in_bash_and_zsh_is_the_value() {
    for shell in [Shell::Bash, Shell::Zsh] {
        if available(shell) {
            for value in [
                &b"/app/bin:/usr/bin"[..],
                b"a::b:",
                b":",
                b"",
                b"/it's here:/$(touch pwned)",
            ] {
                round_trip(shell, "", "C", &[Var::new("PATH", value)]).unwrap();
            }
        }
    }
}

/// In fish a variable whose name ends in PATH is a list, split on `:` when
/// set and joined with `:` when exported (see `src/shell/fish.rs`).
#[test]
fn path_variables_in_fish_export_the_value() {
    if !available(Shell::Fish) {
        return;
    }
    for value in [
        &b"/app/bin:/usr/bin"[..],
        b"/app/bin",
        b"/it's here:/$(touch pwned):/a b\\",
        b"/new\nline:\xff",
    ] {
        let vars = [Var::new("PATH", value), Var::new("APPENV_TEST_PATH", value)];
        round_trip(Shell::Fish, "", "C", &vars).unwrap();
    }
    // Empty entries are kept, except in PATH and CDPATH, where fish itself
    // rewrites them as `.` (the same directory, spelled out).
    for (value, dotted) in [(&b""[..], &b""[..]), (b"a::b:", b"a:.:b:."), (b":", b".:.")] {
        let vars = [
            Var::new("APPENV_TEST_PATH", value),
            Var {
                name: "PATH",
                value,
                exported: dotted,
            },
            Var {
                name: "CDPATH",
                value,
                exported: dotted,
            },
        ];
        round_trip(Shell::Fish, "", "C", &vars).unwrap();
    }
}

/// Random byte strings without NUL, weighted towards what breaks quoting.
fn env_value() -> impl Strategy<Value = Vec<u8>> {
    const BYTES: &[u8] =
        b"'\"\\$`;|&()<>{}[]*?~!#% \t\n\r:=\x01\x1b\x7f\x80\x83\x84\x9f\xa1\xc3\xe2\xff";
    const FRAGMENTS: &[&str] = &[
        "$(touch pwned)",
        "`touch pwned`",
        ";touch pwned;",
        "'; >pwned; '",
        "\"$(>pwned)\"",
        "(touch pwned)",
        "'\\''",
        "$'",
        "\\x41",
        "\\X41",
        "::",
        "\u{85}",
        "\u{f600}",
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
    prop::collection::vec(fragment, 0..48).prop_map(|fragments| fragments.concat())
}

fn check_random(shell: Shell, value: &[u8], utf8: bool) -> Result<(), TestCaseError> {
    if !available(shell) {
        return Ok(());
    }
    let locale = if utf8 { utf8_locale() } else { None };
    // The same value as an ordinary variable and as a name that fish treats
    // as a path list; neither is PATH itself, so empty entries stay empty.
    let vars = [
        Var::new("APPENV_TEST_VALUE", value),
        Var::new("APPENV_TEST_PATH", value),
    ];
    round_trip(shell, "", locale.unwrap_or("C"), &vars).map_err(TestCaseError::fail)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bash_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
        check_random(Shell::Bash, &value, utf8)?;
    }

    #[test]
    fn zsh_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
        check_random(Shell::Zsh, &value, utf8)?;
    }

    #[test]
    fn fish_round_trips_any_value(value in env_value(), utf8 in any::<bool>()) {
        check_random(Shell::Fish, &value, utf8)?;
    }
}
