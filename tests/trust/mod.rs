//! End-to-end: nothing from an app runs until its owner allows it.
//!
//! `races` holds trust while files are swapped under it, `records` reads
//! allow records written by earlier versions, `rules` keeps an app from
//! widening its own trust and covers the tools that inspect records.

mod races;
mod records;
mod rules;

use crate::common;

use std::os::unix::fs::PermissionsExt;

use common::{App, stderr, stdout};

/// `appenv` for `app` with no trusted dirs: trust must come from `allow`.
pub(super) fn untrusted(app: &App) -> assert_cmd::Command {
    let mut cmd = app.appenv();
    cmd.env_remove("APPENV_TRUSTED_DIRS");
    cmd
}

fn runs(app: &App) -> bool {
    let out = untrusted(app)
        .args(["sh", "-c", "echo ran"])
        .output()
        .unwrap();
    if out.status.success() {
        assert_eq!(stdout(&out), "ran\n");
        true
    } else {
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
        assert_eq!(stdout(&out), "", "nothing may run");
        false
    }
}

#[test]
fn untrusted_exec_is_refused_and_allow_lets_it_run() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = untrusted(&app)
        .args(["sh", "-c", "echo ran"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: {} is not allowed; run 'appenv allow'\n",
            app.root.display()
        )
    );
    untrusted(&app).arg("allow").assert().success();
    assert!(runs(&app));
    untrusted(&app).arg("deny").assert().success();
    assert!(!runs(&app));
}

#[test]
fn editing_any_input_or_adding_an_env_file_revokes() {
    let app = App::new(&[
        (".env", "A=1\n"),
        ("Procfile", "web: x\n"),
        ("appenv.toml", ""),
    ]);
    for (name, content) in [
        (".env", "A=2\n"),
        ("Procfile", "web: y\n"),
        ("appenv.toml", "environment = \"x\"\n"),
        (".env.staging", "S=1\n"),
    ] {
        untrusted(&app).arg("allow").assert().success();
        assert!(runs(&app), "allowed before editing {name}");
        app.write(name, content);
        let out = untrusted(&app).arg("true").output().unwrap();
        assert_eq!(out.status.code(), Some(125), "editing {name} must revoke");
        let err = stderr(&out);
        assert!(
            err.contains("changed since it was allowed") && err.contains(name),
            "{err}"
        );
    }
}

#[test]
fn one_allow_covers_every_environment() {
    let app = App::new(&[(".env", "A=1\n"), (".env.test", "A=t\n")]);
    untrusted(&app).arg("allow").assert().success();
    untrusted(&app)
        .args(["-e", "test", "printenv", "A"])
        .assert()
        .success()
        .stdout("t\n");
}

#[test]
fn read_only_commands_work_and_show_the_state() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = untrusted(&app).arg("explain").output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("trust        ") && stdout(&out).contains("is not allowed"));
    // env prints values meant to be loaded: it follows the exec rule.
    let out = untrusted(&app).arg("env").output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("is not allowed"));
    untrusted(&app).arg("root").assert().success();
}

#[test]
fn trusted_dirs_match_whole_components() {
    let app = App::new(&[(".env", "")]);
    let parent = app.root.parent().unwrap();
    let mut cmd = untrusted(&app);
    cmd.env(
        "APPENV_TRUSTED_DIRS",
        format!("/nonexistent:{}", parent.display()),
    );
    cmd.arg("true").assert().success();
    let mut cmd = untrusted(&app);
    // "<tmp>/ap" is a prefix of "<tmp>/app" as a string, not as a path.
    cmd.env("APPENV_TRUSTED_DIRS", parent.join("ap"));
    cmd.arg("true").assert().code(125);
}

#[test]
fn allow_through_a_symlink_is_the_same_app_and_siblings_are_not_covered() {
    let app = App::new(&[(".env", "")]);
    let link = app.tmp.path().join("link");
    std::os::unix::fs::symlink(&app.root, &link).unwrap();
    untrusted(&app)
        .current_dir(&link)
        .env("PWD", &link)
        .arg("allow")
        .assert()
        .success();
    assert!(runs(&app));

    let sibling = app.tmp.path().join("app2");
    std::fs::create_dir_all(&sibling).unwrap();
    std::fs::write(sibling.join(".env"), "").unwrap();
    untrusted(&app)
        .current_dir(&sibling)
        .arg("true")
        .assert()
        .code(125);
}

#[test]
fn concurrent_allows_are_all_recorded() {
    let app = App::new(&[]);
    let roots: Vec<_> = (0..8)
        .map(|i| {
            let dir = app.root.join(format!("app{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(".env"), format!("I={i}\n")).unwrap();
            dir
        })
        .collect();
    let children: Vec<_> = roots
        .iter()
        .map(|dir| {
            let mut cmd = app.std_command();
            cmd.env_remove("APPENV_TRUSTED_DIRS")
                .current_dir(dir)
                .arg("allow")
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    for (i, dir) in roots.iter().enumerate() {
        untrusted(&app)
            .current_dir(dir)
            .args(["printenv", "I"])
            .assert()
            .success()
            .stdout(format!("{i}\n"));
    }
    let store = app.tmp.path().join("home/data/appenv/trust");
    let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the store is the user's only");
    for entry in std::fs::read_dir(&store).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn allow_refuses_a_directory_that_does_not_exist() {
    let app = App::new(&[(".env", "")]);
    let typo = app.root.join("typo");
    let out = untrusted(&app).arg("allow").arg(&typo).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("appenv: {}: not a directory\n", typo.display())
    );
    assert!(!runs(&app), "the app above the typo must not be allowed");
}

#[test]
fn allow_refuses_an_app_that_does_not_parse_and_records_nothing() {
    let app = App::new(&[(".env", "A=1\nB=\"oops\n")]);
    let out = untrusted(&app).arg("allow").output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "appenv: .env:2: unterminated double quote; not allowed: fix it, then run 'appenv allow' again\n"
    );
    let listed = untrusted(&app).args(["allow", "--list"]).output().unwrap();
    assert_eq!(stdout(&listed), "", "nothing was recorded");
    // Fixed, it is allowed and runs; broken again, it still is not run.
    app.write(".env", "A=1\nB=\"fixed\"\n");
    untrusted(&app).arg("allow").assert().success();
    assert!(runs(&app));
    app.write(".env", "A=1\nB=\"oops\n");
    assert!(!runs(&app));
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn an_app_with_many_variables_stays_allowed() {
        // The record keeps a digest per variable: an allow of a large app must
        // still be a record that the next run believes.
        let env: String = (0..50_000)
            .map(|i| format!("VAR_{i}=value_{i}\n"))
            .collect();
        let app = App::new(&[(".env", &env)]);
        untrusted(&app).arg("allow").assert().success();
        let out = untrusted(&app).args(["env", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("value_49999"));
    }
}
