//! The config an app gets never silently differs from what its files say:
//! every `$` that yields nothing or stops short is noted (file, line,
//! variable, never the value) by every command that hands values on,
//! `[env] required` stops every command that would, `explain` shows what the
//! caller's environment shadows, and every command taking `-e` says when no
//! file or config knows the name.

use crate::common;

use common::{App, stderr, stdout};
use serde_json::Value;

/// Each `$` form a user writes, and what it reads as.
const DOLLARS: &str = "DB_PASSWORD=Pa$word1\nURL=postgres://$DB_USER2@h\nPORT_URL=${PORT:-3000}\n\
                       A=$(whoami)\nSAFE='Pa$word1'\nHOMED=$HOME_DIR\n";

fn notes(err: &str) -> Vec<&str> {
    err.lines()
        .filter_map(|l| l.strip_prefix("appenv: note: "))
        .collect()
}

#[test]
fn each_dollar_form_reads_as_documented_and_is_noted() {
    let app = App::new(&[(".env", DOLLARS)]);
    let home = app.tmp.path().join("home");
    let out = app.appenv().args(["env", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = |name: &str| json["vars"][name]["value"].as_str().unwrap().to_owned();
    assert_eq!(value("DB_PASSWORD"), "Pa");
    assert_eq!(value("URL"), "postgres://_USER2@h");
    assert_eq!(value("PORT_URL"), "3000", "POSIX default");
    assert_eq!(value("A"), "(whoami)", "nothing runs");
    assert_eq!(value("SAFE"), "Pa$word1", "single quotes keep `$`");
    assert_eq!(value("HOMED"), format!("{}_DIR", home.display()));
    let err = stderr(&out);
    assert_eq!(
        notes(&err),
        [
            ".env:1: DB_PASSWORD: the `$` at character 3 starts a name that nothing defines, so it reads as empty; write \\$ or single-quote the value to keep a `$`",
            ".env:2: URL: the `$` at character 12 starts a name that nothing defines, read up to a `_` (names end there in this dialect: write ${NAME_REST} for the longer one), so it reads as empty; write \\$ or single-quote the value to keep a `$`",
            ".env:3: PORT_URL: PORT is unset or empty, so the default in ${PORT:-…} is used (POSIX; dotenvy, mise and uv read it as empty)",
            ".env:4: A: `$(` at character 1 is not run: the `$` is dropped and the rest kept as text; write \\$ or single-quote the value to keep a `$`",
            ".env:6: HOMED: $HOME is read as the name and the `_` after it as text (names end at `_` in this dialect): write ${HOME_…} for a longer name",
        ],
        "{err}"
    );
    assert!(!err.contains("word1") && !err.contains("whoami"), "{err}");

    // The same notes before a program runs (exec, run, console), once.
    let app_toml =
        "[tasks]\nshow = [\"printenv\", \"PORT_URL\"]\nconsole = [\"printenv\", \"A\"]\n";
    app.write("appenv.toml", app_toml);
    for args in [
        &["printenv", "DB_PASSWORD"][..],
        &["exec", "printenv", "DB_PASSWORD"],
        &["run", "show"],
        &["console"],
    ] {
        let out = app.appenv().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(notes(&stderr(&out)).len(), 5, "{args:?}: {}", stderr(&out));
    }
    let out = app.appenv().args(["run", "show"]).output().unwrap();
    assert_eq!(stdout(&out), "3000\n");
    // -q silences them; explain shows them.
    let out = app.appenv().args(["-q", "printenv", "A"]).output().unwrap();
    assert_eq!(
        (stdout(&out).as_str(), stderr(&out).as_str()),
        ("(whoami)\n", "")
    );
    let out = app.appenv().arg("explain").output().unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("notes\n  .env:1: DB_PASSWORD: the `$` at character 3"),
        "{text}"
    );
    assert!(
        text.contains("  .env:3: PORT_URL: PORT is unset or empty"),
        "{text}"
    );
    assert!(!text.contains("word1"), "{text}");
    // A caller's value replaces the file's: nothing to say about the file's.
    let out = app
        .appenv()
        .env("DB_PASSWORD", "real")
        .args(["printenv", "DB_PASSWORD"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "real\n");
    assert!(!stderr(&out).contains("DB_PASSWORD"), "{}", stderr(&out));
}

#[test]
fn a_defined_prefix_and_a_caller_default_follow_posix() {
    let app = App::new(&[(
        ".env",
        "DB=db\nURL=postgres://$DB_USER2@h\nPORT_URL=${PORT:-3000}\nOPT=${NOPE-}\n",
    )]);
    let out = app
        .appenv()
        .env("PORT", "8080")
        .args(["env", "--json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["vars"]["URL"]["value"], "postgres://db_USER2@h");
    assert_eq!(json["vars"]["PORT_URL"]["value"], "8080");
    assert_eq!(json["vars"]["OPT"]["value"], "");
    assert_eq!(
        notes(&stderr(&out)),
        [
            ".env:2: URL: $DB is read as the name and the `_` after it as text (names end at `_` in this dialect): write ${DB_…} for a longer name"
        ]
    );
}

const REQUIRED: &str = "[env]\nrequired = [\"SECRET_KEY_BASE\", \"DATABASE_URL\", \"EMPTY\"]\n\
                        [tasks]\nmigrate = [\"touch\", \"ran\"]\nconsole = [\"touch\", \"ran\"]\n";

#[test]
fn required_variables_stop_every_command_that_runs_or_prints_values() {
    let app = App::new(&[
        ("appenv.toml", REQUIRED),
        (
            ".env",
            "DATABASE_URL=postgres://user:hunter2@h/shop\nEMPTY=\n",
        ),
    ]);
    let ran = app.root.join("ran");
    let missing = "appenv: required variables not set: SECRET_KEY_BASE, EMPTY ([env] required in appenv.toml; an empty value counts as not set)\n";
    for args in [
        &["touch", "ran"][..],
        &["exec", "touch", "ran"],
        &["run", "migrate"],
        &["console"],
        &["env"],
        &["env", "--json"],
        &["env", "--format", "dotenv"],
    ] {
        let out = app.appenv().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(stderr(&out), missing, "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert!(!ran.exists(), "{args:?} ran");
    }
    // Read-only commands show what is missing and succeed.
    let out = app.appenv().arg("explain").output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("required     missing: SECRET_KEY_BASE, EMPTY (exec, run, console and env refuse to start)\n"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("hunter2"));
    let out = app.appenv().args(["status", "--json"]).output().unwrap();
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["missing"],
        serde_json::json!(["SECRET_KEY_BASE", "EMPTY"])
    );
    assert_eq!(json["vars"], serde_json::json!({}), "nothing to load");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("SECRET_KEY_BASE")
    );
    // The hook's export: valid code that loads nothing, exit 0.
    let out = app.appenv().args(["export", "bash"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .contains("app is not loaded: required variables not set: SECRET_KEY_BASE, EMPTY")
    );
    assert!(!stdout(&out).contains("DATABASE_URL"));
    let check = app
        .sandbox()
        .command("bash")
        .args(["-n", "-c", &stdout(&out)])
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));

    // Given by the caller (the platform), they count; then it runs.
    let out = app
        .appenv()
        .env("SECRET_KEY_BASE", "x")
        .env("EMPTY", "y")
        .args(["run", "migrate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ran.exists());
}

#[test]
fn a_bad_required_or_name_map_is_named() {
    for (toml, says) in [
        (
            "[env]\nrequired = [\"A=B\"]\n",
            "appenv.toml:2: [env] required: invalid variable name",
        ),
        (
            "[env.name_map]\nMIX_ENV = { production = \"../x\" }\n",
            "appenv.toml:1: [env] name_map: invalid environment name",
        ),
    ] {
        let app = App::new(&[("appenv.toml", toml)]);
        let out = app.appenv().arg("true").output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{toml}");
        assert!(
            stderr(&out).starts_with(&format!("appenv: {says}")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn explain_shows_what_the_caller_shadows_without_the_value() {
    let app = App::new(&[(".env", "X=1\nEDITOR=nano-secret\n")]);
    let out = app
        .appenv()
        .env("EDITOR", "vim")
        .arg("explain")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("shadowed     (set by the app, but the caller's value wins)\n  EDITOR                 .env:2, value hidden: the caller's value wins\n"),
        "{text}"
    );
    assert!(
        !text.contains("nano-secret") && !text.contains("vim"),
        "{text}"
    );
    // With --override the file wins: nothing is shadowed.
    let out = app
        .appenv()
        .env("EDITOR", "vim")
        .args(["--override", "explain"])
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("shadowed"), "{}", stdout(&out));
}

#[test]
fn the_key_file_names_no_environment() {
    // `.env.keys` holds dotenvx's private keys: it fits `.env.{env}` but
    // is no environment `-e` could name.
    let app = App::new(&[
        (".env", "A=1\n"),
        (".env.production", "A=2\n"),
        (".env.keys", "DOTENV_PRIVATE_KEY=00\n"),
    ]);
    let out = app.appenv().args(["-e", "keys", "env"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "appenv: note: no env file or config of this app knows the environment 'keys' (from --env); known: production\n"
    );
}

#[test]
fn every_command_taking_an_environment_says_when_nothing_knows_it() {
    let app = App::new(&[
        (".env", "A=1\n"),
        (".env.production", "A=2\n"),
        ("appenv.toml", "[tasks]\nconsole = [\"true\"]\n"),
    ]);
    let note = "appenv: note: no env file or config of this app knows the environment 'prodution' (from --env); known: production\n";
    for args in [
        &["env"][..],
        &["console"],
        &["which", "true"],
        &["tasks"],
        &["exec", "true"],
        &["run", "console"],
    ] {
        let out = app
            .appenv()
            .args(["-e", "prodution"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), note, "{args:?}");
    }
    let out = app
        .appenv()
        .args(["-e", "prodution", "explain"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains(
            "notes\n  no env file or config of this app knows the environment 'prodution'"
        ),
        "{}",
        stdout(&out)
    );
    let out = app
        .appenv()
        .args(["-e", "prodution", "export", "bash"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains(&note["appenv: ".len()..]),
        "{}",
        stderr(&out)
    );
    let out = app
        .appenv()
        .args(["-e", "production", "env"])
        .output()
        .unwrap();
    assert_eq!(stderr(&out), "");
}

#[test]
fn the_name_beats_a_generic_file_for_the_framework_variable() {
    let app = App::new(&[
        ("package.json", "{}"),
        (".env", "NODE_ENV=development\nDB=dev\n"),
        (".env.production", "DB=prod\n"),
    ]);
    let out = app
        .appenv()
        .args(["-e", "production", "sh", "-c", "echo $NODE_ENV $DB"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "production prod\n");
    assert_eq!(
        stderr(&out),
        "appenv: note: .env:1: NODE_ENV: set here, but the environment is 'production', so NODE_ENV=production (the environment name wins over env files and [env.vars])\n"
    );
    // The caller's own value still wins, with its note.
    let out = app
        .appenv()
        .env("NODE_ENV", "test")
        .args(["-e", "production", "sh", "-c", "echo $NODE_ENV"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "test\n");
    assert_eq!(
        stderr(&out),
        "appenv: note: the caller's NODE_ENV=test differs from the environment 'production' and wins\n"
    );
}
