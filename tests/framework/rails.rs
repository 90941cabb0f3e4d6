//! End-to-end against a real Rails 6.1 app (Debian's ruby-rails, made
//! offline by `rails new`): `-e NAME` is the environment Rails runs in, not
//! only the env files appenv reads.

use crate::common;

use common::{App, have, stderr, stdout};

fn rails_app() -> Option<App> {
    if !have("rails") || !have("bundle") || !have("ruby") {
        return None;
    }
    let app = App::new(&[]);
    let made = app
        .sandbox()
        .command("rails")
        .args([
            "new",
            "app",
            "--skip-bundle",
            "--skip-git",
            "--skip-active-record",
            "--skip-javascript",
            "--minimal",
        ])
        .current_dir(app.tmp.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "rails new: {}", stderr(&made));
    // Only the gems Debian installs with ruby-rails: no sqlite3, puma or
    // listen (the development file watcher).
    app.write("Gemfile", "source 'https://rubygems.org'\ngem 'rails'\n");
    let dev = app.root.join("config/environments/development.rb");
    let text = std::fs::read_to_string(&dev).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.contains("file_watcher"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&dev, text).unwrap();
    Some(app)
}

#[test]
fn the_environment_name_is_the_rails_env() {
    let Some(app) = rails_app() else {
        return;
    };
    let runner = ["rails", "runner", "puts Rails.env"];
    let rails_env = |args: &[&str], caller: Option<&str>| {
        let mut cmd = app.appenv();
        if let Some(value) = caller {
            cmd.env("RAILS_ENV", value);
        }
        let out = cmd.args(args).args(runner).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    assert_eq!(rails_env(&["-e", "production"], None).0, "production\n");
    assert_eq!(rails_env(&[], None).0, "development\n");
    // The caller's RAILS_ENV wins, and appenv says it differs.
    let (out, err) = rails_env(&["-e", "production"], Some("test"));
    assert_eq!(out, "test\n");
    assert!(
        err.contains("the caller's RAILS_ENV=test differs from the environment 'production'"),
        "{err}"
    );
    // A name config/environments knows gets no note.
    let (out, err) = rails_env(&["-e", "test"], None);
    assert_eq!((out.as_str(), err.as_str()), ("test\n", ""));

    // Tasks list what really runs: the built-ins through bundle exec.
    let out = app.appenv().arg("tasks").output().unwrap();
    assert_eq!(
        stdout(&out),
        "console  built-in (Rails)  bundle exec bin/rails console\n\
         migrate  built-in (Rails)  bundle exec bin/rails db:migrate\n"
    );
}

#[test]
fn a_generic_env_file_cannot_run_production_in_development() {
    let Some(app) = rails_app() else {
        return;
    };
    app.write(".env", "RAILS_ENV=development\n");
    app.write(".env.production", "");
    app.write("appenv.toml", "[env]\nrequired = [\"SECRET_KEY_BASE\"]\n");
    let runner = ["rails", "runner", "puts Rails.env"];
    // Nothing runs without the required secret.
    let out = app
        .appenv()
        .args(["-e", "production"])
        .args(runner)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    // The notes come first: a `$` that emptied a value may be the reason.
    assert!(
        stderr(&out).ends_with(
            "\nappenv: required variables not set: SECRET_KEY_BASE ([env] required in appenv.toml; an empty value counts as not set)\n"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // With it, Rails runs in production, and the file's line is named.
    let out = app
        .appenv()
        .env("SECRET_KEY_BASE", "k".repeat(64))
        .args(["-e", "production"])
        .args(runner)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "production\n");
    assert_eq!(
        stderr(&out),
        "appenv: note: .env:1: RAILS_ENV: set here, but the environment is 'production', so RAILS_ENV=production (the environment name wins over env files and [env.vars])\n"
    );
}
