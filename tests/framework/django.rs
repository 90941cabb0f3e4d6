//! End-to-end against a real framework: a Django project in a real
//! virtualenv, migrated with `appenv run migrate` and queried through
//! `appenv console`. Needs python3 with venv and access to PyPI; skipped on
//! a machine without them, a failure in CI.

use crate::common;

use std::process::{Command, Stdio};

use common::{App, have, stderr, stdout};

/// Skips (returns false) when a setup step cannot run here, unless in CI.
fn setup_ok(what: &str, output: &std::process::Output) -> bool {
    if output.status.success() {
        return true;
    }
    common::require_that(false, &format!("{what} failed: {}", stderr(output)))
}

#[test]
fn django_migrate_and_console_in_a_real_virtualenv() {
    if !have("python3") {
        return;
    }
    let app = App::new(&[("requirements.txt", "django\n")]);

    // Setup uses the runner's environment on purpose: proxies, certificates
    // and pip settings live there. Nothing is cached outside the temp dir.
    let venv = Command::new("python3")
        .args(["-m", "venv"])
        .arg(app.root.join(".venv"))
        .output()
        .unwrap();
    if !setup_ok("python3 -m venv", &venv) {
        return;
    }
    let pip = Command::new(app.root.join(".venv/bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--quiet",
            "django",
        ])
        .output()
        .unwrap();
    if !setup_ok("pip install django", &pip) {
        return;
    }

    // From here on, only appenv and the app's own environment: `python` and
    // `django-admin` are found through the virtualenv that appenv puts on PATH.
    app.appenv()
        .args(["django-admin", "startproject", "shop", "."])
        .assert()
        .success();
    assert!(app.root.join("manage.py").is_file());

    // Started in a subdirectory: the task still runs in the root, where
    // manage.py and the SQLite file are.
    let out = app
        .appenv_in(&app.root.join("shop"))
        .args(["run", "migrate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Applying auth.0001_initial... OK"),
        "{}",
        stdout(&out)
    );
    assert!(app.root.join("db.sqlite3").is_file());
    assert!(!app.root.join("shop/db.sqlite3").exists());

    // `manage.py shell` runs what it reads when stdin is not a terminal; a
    // file (unlike a pipe being written to) is readable at once.
    let script = app.tmp.path().join("console.py");
    std::fs::write(
        &script,
        "from django.db import connection\n\
         from django.contrib.auth.models import User\n\
         User.objects.create(username='ada')\n\
         print('tables', 'auth_user' in connection.introspection.table_names())\n\
         print('users', User.objects.count())\n",
    )
    .unwrap();
    let out = app
        .std_command()
        .arg("console")
        .stdin(std::fs::File::open(&script).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Django 5.2 and later first say which models the shell imported.
    assert!(
        stdout(&out).ends_with("\ntables True\nusers 1\n")
            || stdout(&out) == "tables True\nusers 1\n",
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}
