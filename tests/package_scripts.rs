//! End-to-end: `package.json` and `composer.json` scripts are tasks, run as
//! npm and Composer would run them (their bin directory on PATH, the
//! variables scripts rely on) but with no package manager process around
//! them: the script's program has appenv's pid. Against real knex (from the
//! npm registry, installed by `.ci/run`), node and php.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{App, have, stderr, stdout};

/// The directory of links the test's PATH holds.
fn bin(app: &App, tools: &[&str]) -> PathBuf {
    let bin = app.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        std::os::unix::fs::symlink(real(tool), bin.join(tool)).unwrap();
    }
    bin
}

fn real(tool: &str) -> PathBuf {
    std::fs::canonicalize(common::which(tool).unwrap()).unwrap()
}

/// Spawns appenv with `args` and returns its pid and output.
fn spawn(app: &App, path: &Path, args: &[&str]) -> (u32, std::process::Output) {
    let child = app
        .std_command()
        .env("PATH", path)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (pid, child.wait_with_output().unwrap())
}

#[test]
fn composer_scripts_run_php_with_appenv_s_pid() {
    if !have("php") {
        return;
    }
    let app = App::new(&[
        (
            "composer.json",
            r#"{"scripts": {
                "hello": "php bin/hello.php",
                "both": ["@php bin/hello.php one", "greet"],
                "nested": "@hello",
                "callback": "App\\Installer::postInstall"
            }}"#,
        ),
        (
            "bin/hello.php",
            "<?php echo 'hello ', getmypid(), ' ', getenv('COMPOSER_DEV_MODE'), ' ', implode(',', array_slice($argv, 1)), \"\\n\";\n",
        ),
    ]);
    app.script("vendor/bin/greet", "echo \"greet from vendor/bin $*\"");
    let path = bin(&app, &["php"]);

    let (pid, out) = spawn(&app, &path, &["run", "hello", "a b"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("hello {pid} 1 a b\n"));

    let (_, out) = spawn(&app, &path, &["run", "both", "x"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).ends_with(" 1 one\ngreet from vendor/bin x\n"),
        "{}",
        stdout(&out)
    );

    // What only Composer can run is not a task.
    let out = app
        .appenv()
        .env("PATH", &path)
        .arg("tasks")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("hello  composer.json scripts  php bin/hello.php\n"),
        "{text}"
    );
    assert!(
        !text.contains("nested") && !text.contains("callback"),
        "{text}"
    );
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn npm_scripts_run_knex_with_appenv_s_pid() {
        if !have("knex") || !have("node") {
            return;
        }
        // knex's own node_modules (.ci/run installs it under target/ci-tools).
        let cli = real("knex");
        let node_modules = cli.ancestors().nth(3).unwrap().to_owned();
        assert!(node_modules.ends_with("node_modules"), "{node_modules:?}");
        let app = App::new(&[
            (
                "package.json",
                r#"{"name": "shop", "version": "1.2.3", "scripts": {
                "migrate:make": "knex migrate:make",
                "env": "node -e \"console.log(process.env.npm_lifecycle_event, process.env.npm_package_name, process.env.npm_package_version, process.env.INIT_CWD)\""
            }}"#,
            ),
            (
                "knexfile.js",
                "console.log('knexfile', process.pid, process.env.NODE_ENV, process.env.npm_lifecycle_event);\n\
                 module.exports = {\n\
                   production: { client: 'pg', migrations: { directory: './db/production' } },\n\
                   development: { client: 'pg', migrations: { directory: './db/development' } },\n\
                 };\n",
            ),
        ]);
        std::os::unix::fs::symlink(&node_modules, app.root.join("node_modules")).unwrap();
        // Only node on PATH: knex comes from the app's node_modules/.bin.
        let path = bin(&app, &["node"]);

        let (pid, out) = spawn(
            &app,
            &path,
            &["-e", "production", "run", "migrate:make", "add_users"],
        );
        assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!("knexfile {pid} production migrate:make\n")),
            "{}",
            stdout(&out)
        );
        let made: Vec<_> = std::fs::read_dir(app.root.join("db/production"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(
            made.len() == 1 && made[0].ends_with("_add_users.js"),
            "{made:?}"
        );

        // INIT_CWD is where appenv was started, as npm sets it.
        let sub = app.write("src/", "");
        let expected = format!("env shop 1.2.3 {}\n", app.root.join("src").display());
        app.appenv_in(&sub)
            .env("PATH", &path)
            .args(["run", "env"])
            .assert()
            .success()
            .stdout(expected.clone())
            .stderr("");
        // npm would run pre- and post- scripts around it; appenv says it does not.
        let json = std::fs::read_to_string(app.root.join("package.json")).unwrap();
        app.write(
            "package.json",
            &json.replace(
                "\"scripts\": {",
                "\"scripts\": {\"preenv\": \"true\", \"postenv\": \"true\",",
            ),
        );
        app.appenv_in(&sub)
            .env("PATH", &path)
            .args(["run", "env"])
            .assert()
            .success()
            .stdout(expected)
            .stderr("appenv: note: preenv and postenv not run ('npm run env' runs them; appenv replaces itself with the script's program)\n");
        let out = app
            .appenv()
            .env("PATH", &path)
            .arg("tasks")
            .output()
            .unwrap();
        assert!(
            stdout(&out).contains("migrate:make  package.json scripts  knex migrate:make\n"),
            "{}",
            stdout(&out)
        );
    }
}
