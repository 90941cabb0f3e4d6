//! Any value an env file can hold reaches the shell exactly: `.env` →
//! `appenv export SHELL` → evaluated by the real shell → the bytes exported
//! to a child, compared with what was written.

use std::ffi::OsStr;
use std::sync::OnceLock;

use appenv::dotenv;
use appenv::shell::Shell;
use proptest::prelude::*;

use super::harness::{HookApp, appenv_bin, parse_env, shells};

fn available() -> &'static [Shell] {
    static SHELLS: OnceLock<Vec<Shell>> = OnceLock::new();
    SHELLS.get_or_init(shells)
}

/// What `dotenv::line` writes and dotenvy reads back: printable text of any
/// script, ASCII control characters, and the characters shells treat
/// specially, mixed.
fn value() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "'",
        "\"",
        "\\",
        "$",
        "`",
        "$(touch pwned)",
        "\n",
        "\r",
        "\t",
        "\x1b[2J",
        "\x7f",
        " ",
        "#",
        "!",
        "*",
        "~",
        "{a,b}",
        ";",
        "&",
        "|",
        "%",
        "é",
        "\u{202e}",
        "\u{f600}",
        "€",
    ]);
    prop_oneof![
        "\\PC{0,16}",
        "[\\x01-\\x7f]{0,16}",
        prop::collection::vec(
            prop_oneof![special.prop_map(String::from), "\\PC{0,3}"],
            0..8
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn values_come_out_of_each_shell_exactly(values in prop::collection::vec(value(), 6)) {
            let env_file: String = values
                .iter()
                .enumerate()
                .map(|(i, v)| dotenv::line(&format!("V{i}"), v) + "\n")
                .collect();
            let sandbox = HookApp::new(&[("apps/app/.env", &env_file)]);
            let bin = appenv_bin().display().to_string();
            for &shell in available() {
                let out = sandbox.path(&format!("env.{shell}"));
                let script = match shell {
                    Shell::Fish => format!("'{bin}' export fish | source; command env -0 > '{}'", out.display()),
                    _ => format!("eval \"$('{bin}' export {shell})\"; command env -0 > '{}'", out.display()),
                };
                let status = sandbox
                    .shell(shell)
                    .args(["-c", &script])
                    .current_dir(sandbox.path("apps/app"))
                    .env("APPENV_QUIET", "1")
                    .status()
                    .unwrap();
                prop_assert!(status.success(), "{}", shell);
                let env = parse_env(&std::fs::read(&out).unwrap());
                for (i, value) in values.iter().enumerate() {
                    let got = env.get(OsStr::new(&format!("V{i}")));
                    prop_assert_eq!(got.map(|v| v.as_encoded_bytes()), Some(value.as_bytes()), "{} V{}", shell, i);
                }
            }
        }
    }
}
