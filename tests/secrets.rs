//! Env files encrypted in dotenvx's format, against the real dotenvx (npm
//! `@dotenvx/dotenvx`): what it encrypts loads decrypted in every command
//! and the hook, what `appenv encrypt` writes it reads back, and a missing
//! or wrong key stops everything without showing a value, a ciphertext or
//! a key.

use std::fs;
use std::process::Output;

use serde_json::Value;

use crate::common::{App, real_tool, require, stderr, stdout};
use crate::hook::harness::{HookApp, Step::*, shells};

/// Runs the real dotenvx in the app's root, in its sandbox.
fn dotenvx(app: &App, args: &[&str]) -> Output {
    let mut cmd = app.sandbox().command(real_tool("dotenvx"));
    cmd.current_dir(&app.root).args(args);
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "dotenvx {args:?}: {}", stderr(&out));
    out
}

/// `dotenvx get` of `file`: every value, decrypted by dotenvx.
fn dotenvx_values(app: &App, file: &str) -> Value {
    serde_json::from_slice(&dotenvx(app, &["get", "-f", file]).stdout).unwrap()
}

/// A value that is hard to carry: two lines, both quotes, a backslash,
/// UTF-8.
const HARD: &str = "line one\nit's \"two\" \\ é";
/// A secret with a `$`: appenv takes a decrypted value as it is (dotenvx
/// substitutes inside it, and would read this one as `Pa`).
const DOLLAR: &str = "Pa$word1";

/// An app whose `.env` and `.env.production` dotenvx encrypted, with the
/// private keys in `.env.keys`.
fn dotenvx_app() -> Option<App> {
    if !require("dotenvx") {
        return None;
    }
    let app = App::new(&[(".env", "PLAIN=kept\n"), (".env.production", "")]);
    for (file, name, value) in [
        (".env", "GREETING", "hello"),
        (".env.production", "DB_PASSWORD", "s3cret"),
        (".env.production", "EMPTY", ""),
        (".env.production", "HARD", HARD),
        (".env.production", "DOLLAR", DOLLAR),
    ] {
        dotenvx(&app, &["set", "-f", file, name, value]);
    }
    Some(app)
}

/// `appenv -e production env --json`'s variables.
fn loaded(app: &App, extra: &[(&str, &str)]) -> Result<Value, (i32, String)> {
    let mut cmd = app.appenv();
    for (name, value) in extra {
        cmd.env(name, value);
    }
    let out = cmd
        .args(["-e", "production", "env", "--json"])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Ok(serde_json::from_slice::<Value>(&out.stdout).unwrap()["vars"].clone()),
        code => Err((code.unwrap_or(-1), stderr(&out))),
    }
}

fn private_key(app: &App, name: &str) -> String {
    let keys = fs::read_to_string(app.root.join(".env.keys")).unwrap();
    let line = keys.lines().find(|l| l.starts_with(&format!("{name}=")));
    line.unwrap()
        .split_once('=')
        .unwrap()
        .1
        .trim_matches('"')
        .to_owned()
}

#[test]
fn encrypt_warns_when_git_would_commit_the_key_file() {
    if !require("git") {
        return;
    }
    for (ignore, warned) in [
        (None, true),
        (Some(".env.keys\n"), false),
        (Some(".env*\n"), false),
    ] {
        let app = App::new(&[(".env", "A=1\n")]);
        let git = app
            .sandbox()
            .command("git")
            .current_dir(&app.root)
            .args(["init", "-q"])
            .status()
            .unwrap();
        assert!(git.success());
        if let Some(ignore) = ignore {
            app.write(".gitignore", ignore);
        }
        let out = app.appenv().arg("encrypt").output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let said = stderr(&out);
        assert_eq!(
            said.contains("git does not ignore .env.keys"),
            warned,
            "{ignore:?}: {said}"
        );
    }
}

#[test]
fn the_key_file_is_never_loaded_and_an_apps_file_may_not_set_a_private_key() {
    let app = App::new(&[(".env", "A=1\n"), (".env.keys", "DOTENV_PRIVATE_KEY=abc\n")]);
    let out = app.appenv().args(["-e", "keys", "env"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stdout(&out).contains("DOTENV_PRIVATE_KEY"),
        "{}",
        stdout(&out)
    );
    app.write(".env", "A=1\nDOTENV_PRIVATE_KEY_PRODUCTION=abc\n");
    let out = app.appenv().args(["env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains(".env:2: DOTENV_PRIVATE_KEY_PRODUCTION: "),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("abc"));
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn what_dotenvx_encrypts_loads_decrypted_with_keys_from_the_key_file_or_the_caller() {
        let Some(app) = dotenvx_app() else { return };
        let vars = loaded(&app, &[]).unwrap();
        assert_eq!(vars["DB_PASSWORD"]["value"], "s3cret");
        assert_eq!(vars["DB_PASSWORD"]["encrypted"], true);
        assert_eq!(vars["EMPTY"]["value"], "");
        assert_eq!(vars["HARD"]["value"], HARD);
        assert_eq!(vars["DOLLAR"]["value"], DOLLAR);
        assert_eq!(vars["GREETING"]["value"], "hello");
        assert_eq!(vars["PLAIN"].get("encrypted"), None);
        // As dotenvx loads them: the public keys are variables, the private
        // keys never are.
        let dx = dotenvx_values(&app, ".env.production");
        assert_eq!(
            vars["DOTENV_PUBLIC_KEY_PRODUCTION"]["value"],
            dx["DOTENV_PUBLIC_KEY_PRODUCTION"]
        );
        assert_eq!(dx["HARD"], HARD);
        let names: Vec<&String> = vars.as_object().unwrap().keys().collect();
        assert!(
            !names.iter().any(|n| n.starts_with("DOTENV_PRIVATE_KEY")),
            "{names:?}"
        );

        // The program itself gets the plain values.
        let out = app
            .appenv()
            .args([
                "-e",
                "production",
                "sh",
                "-c",
                "printf '%s|%s' \"$DB_PASSWORD\" \"$HARD\"",
            ])
            .output()
            .unwrap();
        assert_eq!(stdout(&out), format!("s3cret|{HARD}"), "{}", stderr(&out));

        // From the caller's environment, with no key file: several keys, the
        // right one second.
        let production = private_key(&app, "DOTENV_PRIVATE_KEY_PRODUCTION");
        let development = private_key(&app, "DOTENV_PRIVATE_KEY");
        fs::rename(app.root.join(".env.keys"), app.tmp.path().join("keys")).unwrap();
        let wrong = "1".repeat(64);
        let vars = loaded(
            &app,
            &[
                (
                    "DOTENV_PRIVATE_KEY_PRODUCTION",
                    &format!("{wrong},{production}"),
                ),
                ("DOTENV_PRIVATE_KEY", &development),
            ],
        )
        .unwrap();
        assert_eq!(vars["DB_PASSWORD"]["value"], "s3cret");
        assert_eq!(vars["GREETING"]["value"], "hello");
    }

    #[test]
    fn a_missing_or_wrong_key_stops_everything_and_names_file_line_variable_and_key() {
        let Some(app) = dotenvx_app() else { return };
        let file = fs::read_to_string(app.root.join(".env.production")).unwrap();
        let line = 1 + file
            .lines()
            .position(|l| l.starts_with("DB_PASSWORD="))
            .unwrap();
        let ciphertext = file
            .lines()
            .nth(line - 1)
            .unwrap()
            .split_once("encrypted:")
            .unwrap()
            .1;
        let production = private_key(&app, "DOTENV_PRIVATE_KEY_PRODUCTION");
        let development = private_key(&app, "DOTENV_PRIVATE_KEY");
        fs::rename(app.root.join(".env.keys"), app.tmp.path().join("keys")).unwrap();

        let (status, said) = loaded(&app, &[("DOTENV_PRIVATE_KEY", &development)]).unwrap_err();
        assert_eq!(status, 125);
        assert!(
            said.contains(&format!(".env.production:{line}: DB_PASSWORD: ")),
            "{said}"
        );
        assert!(said.contains("DOTENV_PRIVATE_KEY_PRODUCTION"), "{said}");
        // A wrong key: the production file opened with the development key.
        let (status, said) = loaded(
            &app,
            &[
                ("DOTENV_PRIVATE_KEY", &development),
                ("DOTENV_PRIVATE_KEY_PRODUCTION", &development),
            ],
        )
        .unwrap_err();
        assert_eq!(status, 125);
        assert!(said.contains("does not decrypt it"), "{said}");
        for said in [&said] {
            for secret in [&development, &production, "s3cret", &ciphertext[..20]] {
                assert!(!said.contains(secret), "{said}");
            }
        }
        // Nothing runs.
        let marker = app.tmp.path().join("ran");
        let out = app
            .appenv()
            .args(["-e", "production", "touch"])
            .arg(&marker)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert!(!marker.exists());
        // A value the caller sets needs no key.
        let vars = loaded(
            &app,
            &[
                ("DOTENV_PRIVATE_KEY", &development),
                ("DB_PASSWORD", "mine"),
                ("EMPTY", ""),
                ("HARD", "x"),
                ("DOLLAR", "y"),
            ],
        )
        .unwrap();
        assert_eq!(vars["DB_PASSWORD"]["value"], "mine");
    }

    #[test]
    fn what_appenv_encrypts_dotenvx_decrypts_and_appenv_loads() {
        if !require("dotenvx") {
            return;
        }
        let plain = format!(
            "# the app's\nexport NAME=shop # inline\nEMPTY=\nHARD={}\nURL=\"postgres://${{NAME}}@db\"\n",
            appenv::dotenv::line("X", HARD).trim_start_matches("X=")
        );
        let app = App::new(&[(".env", ""), (".env.production", &plain)]);
        let out = app
            .appenv()
            .args(["encrypt", "-f", ".env.production"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(
            said.contains("a new DOTENV_PRIVATE_KEY_PRODUCTION, added to .env.keys"),
            "{said}"
        );
        assert!(
            said.contains("URL"),
            "a value that substitutes stays plain: {said}"
        );
        let written = fs::read_to_string(app.root.join(".env.production")).unwrap();
        assert!(
            written.contains("DOTENV_PUBLIC_KEY_PRODUCTION=\""),
            "{written}"
        );
        assert!(written.contains("export NAME=encrypted:"), "{written}");
        assert!(written.contains("# inline\n"), "{written}");
        assert!(
            !written.contains("shop") && !written.contains("line one"),
            "{written}"
        );
        let keys = app.root.join(".env.keys");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&keys).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let dx = dotenvx_values(&app, ".env.production");
        assert_eq!(dx["NAME"], "shop");
        assert_eq!(dx["EMPTY"], "");
        assert_eq!(dx["HARD"], HARD);
        assert_eq!(dx["URL"], "postgres://shop@db");

        let vars = loaded(&app, &[]).unwrap();
        assert_eq!(vars["NAME"]["value"], "shop");
        assert_eq!(vars["HARD"]["value"], HARD);
        assert_eq!(
            vars["URL"]["value"], "postgres://shop@db",
            "substitution sees the plain text"
        );

        // decrypt prints, and changes nothing.
        let out = app
            .appenv()
            .args(["decrypt", "-f", ".env.production"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("export NAME=\"shop\" # inline\n"),
            "{}",
            stdout(&out)
        );
        assert_eq!(
            fs::read_to_string(app.root.join(".env.production")).unwrap(),
            written
        );

        // Again, with the key from the caller and a new value: the same key.
        let before = fs::read_to_string(&keys).unwrap();
        fs::write(
            app.root.join(".env.production"),
            format!("{written}LATER=added\n"),
        )
        .unwrap();
        let out = app
            .appenv()
            .args(["encrypt", "-f", ".env.production", "LATER"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(fs::read_to_string(&keys).unwrap(), before);
        assert_eq!(dotenvx_values(&app, ".env.production")["LATER"], "added");
        // A name the file does not set is an error, and nothing is written.
        let out = app
            .appenv()
            .args(["encrypt", "-f", ".env.production", "NOPE"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert!(
            stderr(&out).contains("does not set NOPE"),
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn explain_marks_encrypted_values_and_their_key_without_decrypting() {
        let Some(app) = dotenvx_app() else { return };
        let explain = |extra: &[(&str, &str)]| {
            let mut cmd = app.appenv();
            for (name, value) in extra {
                cmd.env(name, value);
            }
            let out = cmd.args(["-e", "production", "explain"]).output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            stdout(&out)
        };
        let text = explain(&[]);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("DB_PASSWORD"))
            .unwrap();
        assert!(
            line.ends_with("encrypted (key DOTENV_PRIVATE_KEY_PRODUCTION from .env.keys)"),
            "{line}"
        );
        let plain = text
            .lines()
            .find(|l| l.trim_start().starts_with("PLAIN"))
            .unwrap();
        assert!(!plain.contains("encrypted"), "{plain}");
        let production = private_key(&app, "DOTENV_PRIVATE_KEY_PRODUCTION");
        let text = explain(&[("DOTENV_PRIVATE_KEY_PRODUCTION", &production)]);
        assert!(
            text.contains("(key DOTENV_PRIVATE_KEY_PRODUCTION from the environment)"),
            "{text}"
        );
        fs::remove_file(app.root.join(".env.keys")).unwrap();
        let text = explain(&[]);
        assert!(
            text.contains(
                "no key: DOTENV_PRIVATE_KEY_PRODUCTION is neither in the environment nor in .env.keys"
            ),
            "{text}"
        );
        assert!(!text.contains("s3cret"));
    }

    #[test]
    fn an_untrusted_app_is_not_decrypted_and_status_says_what_was_encrypted() {
        let Some(app) = dotenvx_app() else { return };
        let status = |sandbox: crate::common::Sandbox| {
            let mut cmd = sandbox.appenv();
            cmd.current_dir(&app.root)
                .args(["-e", "production", "status", "--json"]);
            serde_json::from_slice::<Value>(&cmd.output().unwrap().stdout).unwrap()
        };
        let json = status(app.sandbox());
        assert_eq!(json["trust"], "allowed");
        assert_eq!(json["vars"]["DB_PASSWORD"], "s3cret");
        let encrypted = json["encrypted"].as_array().unwrap();
        assert!(encrypted.contains(&Value::from("DB_PASSWORD")), "{json}");
        assert!(!encrypted.contains(&Value::from("PLAIN")), "{json}");

        // Not allowed: no values, and a wrong key is not even tried.
        let development = private_key(&app, "DOTENV_PRIVATE_KEY");
        let wrong = format!(
            "DOTENV_PRIVATE_KEY={development}\nDOTENV_PRIVATE_KEY_PRODUCTION={}\n",
            "1".repeat(64)
        );
        fs::write(app.root.join(".env.keys"), wrong).unwrap();
        let untrusted = app.sandbox().unset("APPENV_TRUSTED_DIRS");
        let json = status(untrusted.clone());
        assert_eq!(json["trust"], "not_allowed", "{json}");
        assert_eq!(json["errors"], Value::Array(Vec::new()), "{json}");
        let mut cmd = untrusted.appenv();
        let out = cmd
            .current_dir(&app.root)
            .args(["-e", "production", "env"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert!(stderr(&out).contains("not allowed"), "{}", stderr(&out));
        // Trusted, the wrong key is an error the editor is told of.
        let json = status(app.sandbox());
        assert_eq!(json["trust"], "error", "{json}");
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains("does not decrypt"),
            "{json}"
        );
    }

    #[test]
    fn the_hook_loads_plain_values_and_says_once_when_the_key_is_missing() {
        let Some(source) = dotenvx_app() else { return };
        for shell in shells() {
            let sandbox = HookApp::new(&[]);
            for name in [".env", ".env.production", ".env.keys"] {
                let content = fs::read_to_string(source.root.join(name)).unwrap();
                sandbox.write(&format!("apps/shop/{name}"), &content);
            }
            let keys = fs::read_to_string(source.root.join(".env.keys")).unwrap();
            let snaps = sandbox.run(
                shell,
                &[
                    Set("APPENV_ENV", "production"),
                    Cd("apps/shop"),
                    Prompt,
                    Snap,
                    Remove("apps/shop/.env.keys"),
                    Prompt,
                    Prompt,
                    Snap,
                    Write("apps/shop/.env.keys", &keys),
                    Prompt,
                    Snap,
                ],
            );
            let [loaded, missing, back] =
                <[_; 3]>::try_from(snaps).unwrap_or_else(|_| panic!("{shell}"));
            assert_eq!(
                loaded.get("DB_PASSWORD"),
                Some("s3cret"),
                "{shell}: {}",
                loaded.said
            );
            assert_eq!(loaded.get("HARD"), Some(HARD), "{shell}");
            assert_eq!(loaded.get("EMPTY"), Some(""), "{shell}");
            // No key: nothing of the app stays loaded, and it is said once.
            assert_eq!(missing.get("DB_PASSWORD"), None, "{shell}");
            assert_eq!(missing.get("GREETING"), None, "{shell}");
            let said = &missing.said;
            assert_eq!(said.matches("is not loaded").count(), 1, "{shell}: {said}");
            assert!(
                missing.said.contains("DOTENV_PRIVATE_KEY"),
                "{shell}: {}",
                missing.said
            );
            assert!(!missing.said.contains("s3cret"), "{shell}");
            assert_eq!(
                back.get("DB_PASSWORD"),
                Some("s3cret"),
                "{shell}: {}",
                back.said
            );
        }
    }

    #[test]
    fn a_shim_gives_the_plain_value_and_without_the_key_runs_untouched() {
        let Some(app) = dotenvx_app() else { return };
        let install = app
            .appenv()
            .args(["shim", "install", "printenv"])
            .output()
            .unwrap();
        assert!(install.status.success(), "{}", stderr(&install));
        let shims = app.tmp.path().join("home/data/appenv/shims");
        assert!(shims.join("printenv").exists());
        let printenv = |name: &str| {
            let sandbox = app.sandbox().set("APPENV_ENV", "production");
            let path = format!("{}:{}", shims.display(), crate::common::SYSTEM_PATH);
            let mut cmd = sandbox.set("PATH", path).command("printenv");
            cmd.current_dir(&app.root).arg(name);
            cmd.output().unwrap()
        };
        let out = printenv("DB_PASSWORD");
        assert_eq!(stdout(&out), "s3cret\n", "{}", stderr(&out));
        fs::remove_file(app.root.join(".env.keys")).unwrap();
        let out = printenv("DB_PASSWORD");
        assert_eq!(
            stdout(&out),
            "",
            "the program runs without the app's environment"
        );
        assert!(
            stderr(&out).contains("DOTENV_PRIVATE_KEY"),
            "{}",
            stderr(&out)
        );
    }
}
