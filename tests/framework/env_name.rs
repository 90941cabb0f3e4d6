//! The environment name is the framework's, whatever a generic env file
//! says, in the real frameworks: knex reading NODE_ENV, a Laravel-style
//! `artisan` reading APP_ENV (php-cli), and Mix reading MIX_ENV (Debian's
//! elixir), spelt as each knows it. Rails is in `rails.rs`.

use crate::common;

use std::path::PathBuf;

use common::{App, have, stderr, stdout};

fn real(tool: &str) -> PathBuf {
    std::fs::canonicalize(common::which(tool).unwrap()).unwrap()
}

#[test]
fn knex_runs_in_the_named_environment_over_a_generic_env_file() {
    if !have("knex") || !have("node") {
        return;
    }
    let node_modules = real("knex").ancestors().nth(3).unwrap().to_owned();
    assert!(node_modules.ends_with("node_modules"), "{node_modules:?}");
    let app = App::new(&[
        (
            "package.json",
            r#"{"name": "shop", "scripts": {"migrate:make": "knex migrate:make"}}"#,
        ),
        (".env", "NODE_ENV=development\nDB_DIR=development\n"),
        (".env.production", "DB_DIR=production\n"),
        (
            "knexfile.js",
            "module.exports = {\n\
               production: { client: 'pg', migrations: { directory: './db/' + process.env.DB_DIR } },\n\
               development: { client: 'pg', migrations: { directory: './db/' + process.env.DB_DIR } },\n\
             };\n",
        ),
    ]);
    std::os::unix::fs::symlink(&node_modules, app.root.join("node_modules")).unwrap();
    let out = app
        .appenv()
        .args(["-e", "production", "run", "migrate:make", "add_users"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Using environment: production\n"),
        "{}",
        stdout(&out)
    );
    assert!(app.root.join("db/production").is_dir());
    assert_eq!(
        stderr(&out),
        "appenv: note: .env:1: NODE_ENV: set here, but the environment is 'production', so NODE_ENV=production (the environment name wins over env files and [env.vars])\n"
    );
    // Without a name, the file's own NODE_ENV, silently.
    let out = app
        .appenv()
        .args(["run", "migrate:make", "add_users"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("Using environment: development\n"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_laravel_style_artisan_gets_app_env_from_the_name() {
    if !have("php") {
        return;
    }
    // Laravel's stock `.env` says APP_ENV=local.
    let app = App::new(&[
        (".env", "APP_ENV=local\nAPP_KEY=\nDB_DATABASE=dev\n"),
        (".env.production", "DB_DATABASE=prod\n"),
        ("composer.json", "{}"),
        (
            "appenv.toml",
            "[env]\nrequired = [\"APP_KEY\"]\n[env.name_map]\nAPP_ENV = { development = \"local\" }\n",
        ),
        (
            "artisan",
            "#!/usr/bin/env php\n<?php\necho getenv('APP_ENV'), ' ', getenv('DB_DATABASE'), \"\\n\";\n",
        ),
    ]);
    let artisan = |env: &str, key: Option<&str>| {
        let mut cmd = app.appenv();
        if let Some(key) = key {
            cmd.env("APP_KEY", key);
        }
        cmd.args(["-e", env, "php", "artisan"]).output().unwrap()
    };
    // APP_KEY is empty in the file: nothing runs.
    let out = artisan("production", None);
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("required variables not set: APP_KEY"),
        "{}",
        stderr(&out)
    );
    let out = artisan("production", Some("base64:k"));
    assert_eq!(stdout(&out), "production prod\n", "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".env:1: APP_ENV: set here, but the environment is 'production'")
    );
    // `[env] name_map` spells development as Laravel's `local`: no note.
    let out = artisan("development", Some("base64:k"));
    assert_eq!(
        (stdout(&out).as_str(), stderr(&out).as_str()),
        ("local dev\n", "")
    );
}

#[test]
fn mix_gets_its_own_spelling_of_the_name() {
    if !have("mix") || !have("elixir") {
        return;
    }
    let app = App::new(&[
        (
            "mix.exs",
            "defmodule Shop.MixProject do\n  use Mix.Project\n  def project, do: [app: :shop, version: \"0.1.0\", deps: []]\nend\n",
        ),
        (".env", "MIX_ENV=dev\n"),
        (".env.production", "X=1\n"),
        (".env.development", "X=2\n"),
    ]);
    let mix_env = |args: &[&str]| {
        let out = app
            .appenv()
            .env("MIX_HOME", app.tmp.path().join("mix"))
            .env("HEX_HOME", app.tmp.path().join("hex"))
            .args(args)
            .args(["mix", "run", "--no-start", "-e", "IO.puts Mix.env()"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        // Mix may say it compiled the (empty) project first.
        let last = stdout(&out).lines().last().unwrap_or_default().to_owned() + "\n";
        (last, stderr(&out))
    };
    let (out, err) = mix_env(&["-e", "production"]);
    assert_eq!(out, "prod\n");
    assert_eq!(
        err,
        "appenv: note: .env:1: MIX_ENV: set here, but the environment is 'production', so MIX_ENV=prod (the environment name wins over env files and [env.vars])\n"
    );
    let (out, err) = mix_env(&["-e", "development"]);
    assert_eq!((out.as_str(), err.as_str()), ("dev\n", ""));
    let (out, _) = mix_env(&["-e", "test"]);
    assert_eq!(out, "test\n");
}
