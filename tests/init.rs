//! End-to-end: `appenv init` writes an appenv.toml that appenv reads back to
//! the same plan, escapes what it writes, and never overwrites a file.

use crate::common;

use std::fs;

use common::{App, stderr, stdout};

/// What appenv makes of the app, through the commands that show a plan.
fn snapshot(app: &App, commands: &[&[&str]]) -> Vec<String> {
    let tools = app.tmp.path().join("tools");
    commands
        .iter()
        .map(|args| {
            let out = app
                .appenv()
                .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
                .args(*args)
                .output()
                .unwrap();
            assert!(out.status.success(), "appenv {args:?}: {}", stderr(&out));
            stdout(&out)
        })
        .collect()
}

/// Runs `appenv init` and returns the file it wrote.
fn init(app: &App) -> String {
    let out = app.appenv().arg("init").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let path = app.root.join("appenv.toml");
    assert_eq!(
        stderr(&out),
        format!("appenv: wrote {}\n", path.display()),
        "the app is trusted through APPENV_TRUSTED_DIRS, so no hint"
    );
    fs::read_to_string(path).unwrap()
}

/// `init` changes how appenv finds the root and why it isolates, not what
/// a program gets: every command that shows the plan prints the same.
fn assert_same_plan_after_init(app: &App, commands: &[&[&str]]) -> String {
    let before = snapshot(app, commands);
    let written = init(app);
    assert_eq!(before, snapshot(app, commands), "{written}");
    let explain = snapshot(app, &[&["explain"]]).remove(0);
    assert!(
        explain.contains("holds appenv.toml (the nearest appenv.toml)"),
        "{explain}"
    );
    written
}

fn tools(app: &App, names: &[&str]) {
    for name in names {
        app.script(&format!("../tools/{name}"), &format!("echo {name} \"$@\""));
    }
}

#[test]
fn rails_like_app_reads_back_to_the_same_plan() {
    let app = App::new(&[
        ("Gemfile", "source 'https://rubygems.org'\n"),
        (
            "Procfile",
            "web: bundle exec puma -p $PORT\nworker: bundle exec sidekiq\n",
        ),
        (".env", "DATABASE_URL=postgres:///shop\n"),
        (".env.test", "DATABASE_URL=postgres:///shop_test\n"),
    ]);
    app.script("bin/rails", "echo rails \"$@\"");
    tools(&app, &["bundle", "rake"]);
    let written = assert_same_plan_after_init(
        &app,
        &[
            &["env", "--json"],
            &["-e", "test", "env", "--json"],
            &["which", "rake", "db:migrate"],
            &["which", "bundle", "install"],
            &["rake", "db:migrate"],
            &["tasks"],
            &["run", "migrate"],
        ],
    );
    assert!(
        written.contains(
            "# Detected: every Procfile process (web, worker) starts with `bundle exec`.\n\
             prefix = [\"bundle\", \"exec\"]\n"
        ),
        "{written}"
    );
    assert!(
        written.contains("# Present now: .env, .env.test.\n"),
        "{written}"
    );
    for task in [
        "#   web      Procfile:1        bundle exec puma -p $PORT\n",
        "#   migrate  built-in (Rails)  bin/rails db:migrate\n",
    ] {
        assert!(written.contains(task), "{written}");
    }
    let explain = snapshot(&app, &[&["explain"]]).remove(0);
    assert!(
        explain.contains("bundle exec ([exec] prefix in appenv.toml)"),
        "{explain}"
    );
}

#[test]
fn django_like_app_reads_back_to_the_same_plan() {
    let app = App::new(&[
        ("manage.py", "import sys\n"),
        (".venv/pyvenv.cfg", "home = /usr/bin\n"),
        (".env", "DJANGO_SETTINGS_MODULE=blog.settings\n"),
    ]);
    app.script(".venv/bin/python", "echo venv python \"$@\"");
    app.script(".venv/bin/activate", "");
    let written = assert_same_plan_after_init(
        &app,
        &[
            &["env", "--json"],
            &["-e", "test", "env", "--json"],
            &["which", "python", "manage.py", "migrate"],
            &["python", "manage.py", "migrate"],
            &["tasks", "--json"],
            &["run", "migrate"],
        ],
    );
    assert!(
        written.contains(
            "# Detected: found virtualenv .venv/.\n\
             # .venv is a virtualenv: VIRTUAL_ENV is set, PYTHONHOME removed.\n\
             path = [\".venv/bin\"]\n"
        ),
        "{written}"
    );
    assert!(written.contains("#prefix = []\n"), "{written}");
}

/// Names from the app's files reach the file as TOML values (escaped by the
/// toml crate) or comments (sanitised), never as settings of their own.
#[test]
fn odd_names_are_escaped_and_read_back() {
    let dir = "we\"ird\\$dir'x";
    let app = App::new(&[(
        "Procfile",
        &format!("web: ./{dir}/bin/python app.py\nworker: {dir}/bin/python w.py\n"),
    )]);
    app.script(&format!("{dir}/bin/python"), "echo odd python \"$@\"");
    app.write(".env.x\n[exec]\nprefix = [\"evil\"]", "");
    let written = assert_same_plan_after_init(
        &app,
        &[&["env", "--json"], &["which", "python"], &["python", "-V"]],
    );
    let table: toml::Table = toml::from_str(&written).unwrap();
    assert_eq!(
        table["env"]["path"],
        toml::Value::Array(vec![format!("{dir}/bin").into()]),
        "{written}"
    );
    assert!(
        written.contains("Present now: .env.x\\n[exec]"),
        "{written}"
    );
    assert!(!written.contains("\nprefix"), "{written}");
}

#[test]
fn no_root_makes_the_working_directory_one() {
    let app = App::new(&[]);
    let before = app.appenv().arg("root").output().unwrap();
    assert_eq!(before.status.code(), Some(1), "{}", stdout(&before));
    let written = init(&app);
    assert!(
        written.contains("No app root was found above this directory; this file makes it one."),
        "{written}"
    );
    assert!(
        written.contains("# No env file is present yet.\n"),
        "{written}"
    );
    let root = snapshot(&app, &[&["root"]]).remove(0);
    assert_eq!(root, format!("{}\n", app.root.display()));
}

#[test]
fn init_from_a_subdirectory_writes_at_the_root() {
    let app = App::new(&[("Gemfile", ""), ("app/models/", "")]);
    let out = app
        .appenv_in(&app.root.join("app/models"))
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(app.root.join("appenv.toml").is_file());
    assert!(!app.root.join("app/models/appenv.toml").exists());
}

#[test]
fn refuses_to_overwrite() {
    let original = "environment = \"staging\"\n# mine\n";
    let app = App::new(&[("appenv.toml", original), ("sub/", "")]);
    for dir in [app.root.clone(), app.root.join("sub")] {
        let out = app.appenv_in(&dir).arg("init").output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stderr(&out),
            format!(
                "appenv: {}/appenv.toml already exists; edit it, or move it away and run 'appenv init' again\n",
                app.root.display()
            )
        );
        assert!(out.stdout.is_empty());
        assert_eq!(
            fs::read_to_string(app.root.join("appenv.toml")).unwrap(),
            original
        );
    }

    // A broken file is not read, and not replaced either.
    let app = App::new(&[("appenv.toml", "[env\n")]);
    let out = app.appenv().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        fs::read_to_string(app.root.join("appenv.toml")).unwrap(),
        "[env\n"
    );
}

#[test]
fn refuses_a_dangling_symlink_and_leaves_it() {
    let app = App::new(&[("Gemfile", "")]);
    let link = app.root.join("appenv.toml");
    std::os::unix::fs::symlink(app.tmp.path().join("elsewhere.toml"), &link).unwrap();
    let out = app.appenv().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(!app.tmp.path().join("elsewhere.toml").exists());
}

#[test]
fn untrusted_app_gets_the_allow_hint() {
    let app = App::new(&[("Gemfile", "")]);
    let out = app
        .appenv()
        .env_remove("APPENV_TRUSTED_DIRS")
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: wrote {}/appenv.toml; review it, then run 'appenv allow'\n",
            app.root.display()
        )
    );
}
