//! End-to-end: monorepos. A directory its repository declares a workspace
//! member (npm's `workspaces`, uv's `[tool.uv.workspace]`, `[env] files`
//! naming a shared file above) is an app root of its own, with the
//! workspace top's env files beneath its own, under one trust. Real npm,
//! node and uv decide what a member is; a stray `.env` above joins nothing.

use crate::common;

use std::path::Path;

use common::{App, have, real_tool, stderr, stdout};

/// A bin directory of links to the real `tools`, for a PATH of them only.
fn bin(app: &App, tools: &[&str]) -> std::path::PathBuf {
    let bin = app.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        std::os::unix::fs::symlink(real_tool(tool), bin.join(tool)).unwrap();
    }
    bin
}

const SHOW_NODE: &str = "node -e \"console.log([process.env.DB, process.env.SHARED, process.env.STRAY, process.env.MID].join(' '))\"";

/// An npm-workspaces monorepo at the app's root: a shared `.env`, the
/// member `apps/api` overriding `DB`, an undeclared `apps/.env` and a stray
/// `.env` above the repository.
fn npm_monorepo() -> App {
    let app = App::new(&[
        (
            "package.json",
            r#"{"name": "mono", "private": true, "workspaces": ["apps/*"]}"#,
        ),
        (".env", "SHARED=top\nDB=shared\n"),
        (".git/", ""),
        (
            "apps/api/package.json",
            &format!(
                r#"{{"name": "api", "version": "1.0.0", "bin": {{"api-hello": "hello.js"}}, "scripts": {{"migrate": "{}"}}}}"#,
                SHOW_NODE.replace('"', "\\\"")
            ),
        ),
        (
            "apps/api/hello.js",
            "#!/usr/bin/env node\nconsole.log('hello', process.env.SHARED)\n",
        ),
        ("apps/api/.env", "DB=api\n"),
        ("apps/api/src/", ""),
        ("apps/.env", "MID=undeclared\n"),
    ]);
    std::fs::write(app.tmp.path().join(".env"), "STRAY=home\n").unwrap();
    app
}

#[test]
fn the_shared_file_is_under_the_members_trust() {
    if !have("node") {
        return;
    }
    let app = npm_monorepo();
    let bin = bin(&app, &["node"]);
    let member = app.root.join("apps/api");
    let appenv = |args: &[&str]| {
        app.sandbox()
            .unset("APPENV_TRUSTED_DIRS")
            .set("PATH", bin.display().to_string())
            .appenv()
            .current_dir(&member)
            .args(args)
            .output()
            .unwrap()
    };
    let out = appenv(&["run", "migrate"]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    let out = appenv(&["allow"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = appenv(&["run", "migrate"]);
    assert_eq!(stdout(&out), "api top  \n", "{}", stderr(&out));

    // An edit to the shared file revokes the member: it is code too.
    std::fs::write(
        app.root.join(".env"),
        "SHARED=top\nDB=shared\nLD_PRELOAD=/x.so\n",
    )
    .unwrap();
    let out = appenv(&["run", "migrate"]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed since it was allowed (../../.env: +LD_PRELOAD)"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("/x.so"));
    let out = appenv(&["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let watched: Vec<&str> = status["watch"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    for file in [".env", "package.json"] {
        let path = app.root.join(file).display().to_string();
        assert!(
            watched.contains(&path.as_str()),
            "{path} not in {watched:?}"
        );
    }
    assert!(appenv(&["allow"]).status.success());
    assert!(appenv(&["run", "migrate"]).status.success());

    // So does a new env file at the top, and a config there (which could
    // name other files).
    for new in [".env.staging", "appenv.toml"] {
        std::fs::write(app.root.join(new), "").unwrap();
        let out = appenv(&["run", "migrate"]);
        assert_eq!(out.status.code(), Some(125), "{new}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("../../{new}")),
            "{}",
            stderr(&out)
        );
        assert!(appenv(&["allow"]).status.success());
    }
    // The stray `.env` above is no part of it.
    std::fs::write(app.tmp.path().join(".env"), "STRAY=changed\n").unwrap();
    assert!(appenv(&["run", "migrate"]).status.success());
}

#[test]
fn a_uv_workspace_member_runs_its_own_virtualenv() {
    if !have("uv") || !have("python3") {
        return;
    }
    let project = |name: &str| {
        format!(
            "[project]\nname = \"{name}\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n"
        )
    };
    let top = format!(
        "{}\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n",
        project("mono")
    );
    let app = App::new(&[
        ("pyproject.toml", &top),
        (".env", "SHARED=top\nDB=shared\n"),
        ("packages/worker/pyproject.toml", &project("worker")),
        ("packages/worker/.env", "DB=worker\n"),
        ("packages/worker/jobs/", ""),
    ]);
    std::fs::write(app.tmp.path().join(".env"), "STRAY=home\n").unwrap();
    let bin = bin(&app, &["uv", "python3"]);
    let uv = |dir: &Path, args: &[&str]| {
        let out = app
            .sandbox()
            .path([&bin])
            .set("UV_OFFLINE", "1")
            .set("UV_PYTHON_DOWNLOADS", "never")
            .set("UV_CACHE_DIR", app.tmp.path().join("uv-cache"))
            .command(bin.join("uv"))
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "uv {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // uv takes packages/worker for a member of the workspace.
    assert!(
        uv(&app.root, &["workspace", "list"])
            .lines()
            .any(|l| l == "worker")
    );
    let worker = app.root.join("packages/worker");
    let python = || {
        let out = app
            .appenv_in(&worker.join("jobs"))
            .env("PATH", &bin)
            .args([
                "python",
                "-c",
                "import os, sys; print(sys.prefix, os.environ['VIRTUAL_ENV'], os.environ['DB'], os.environ['SHARED'], os.environ.get('STRAY'))",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    // uv's own layout: one virtualenv for the workspace, at its top (made
    // by `uv sync` in a member).
    uv(&worker, &["sync"]);
    assert!(app.root.join(".venv/pyvenv.cfg").is_file());
    assert!(!worker.join(".venv").exists());
    let top = format!("{}/.venv", app.root.display());
    assert_eq!(python(), format!("{top} {top} worker top None\n"));
    // A member's own virtualenv comes first.
    uv(&worker, &["venv", ".venv"]);
    let own = format!("{}/.venv", worker.display());
    assert_eq!(python(), format!("{own} {own} worker top None\n"));
}

#[test]
fn env_files_may_name_a_file_above_the_root_under_its_trust() {
    let app = App::new(&[
        (".env.shared", "SHARED=1\n"),
        (
            "apps/api/appenv.toml",
            "[env]\nfiles = [\"../../.env.shared\", \".env\"]\n",
        ),
        ("apps/api/.env", "OWN=1\n"),
    ]);
    let member = app.root.join("apps/api");
    let appenv = |args: &[&str]| {
        app.sandbox()
            .unset("APPENV_TRUSTED_DIRS")
            .appenv()
            .current_dir(&member)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(appenv(&["allow"]).status.success());
    let out = appenv(&["env"]);
    assert!(stdout(&out).contains("SHARED=1\n"), "{}", stderr(&out));
    assert!(stdout(&out).contains("OWN=1\n"));
    std::fs::write(app.root.join(".env.shared"), "SHARED=2\n").unwrap();
    let out = appenv(&["env"]);
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("../../.env.shared"),
        "{}",
        stderr(&out)
    );
    // Still no absolute path, and `[env] path` stays inside the root.
    std::fs::write(
        member.join("appenv.toml"),
        "[env]\nfiles = [\"/etc/environment\"]\n",
    )
    .unwrap();
    let out = appenv(&["env"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(stderr(&out).contains("is absolute"), "{}", stderr(&out));
}

#[test]
fn a_workspace_top_owned_by_another_user_is_refused() {
    if !common::require_that(
        nix::unistd::geteuid().is_root(),
        "changing a directory's owner needs root",
    ) {
        return;
    }
    let app = App::new(&[
        ("package.json", r#"{"workspaces": ["apps/*"]}"#),
        (".env", "SHARED=top\n"),
        ("apps/api/package.json", "{}"),
        ("apps/api/.env", "OWN=1\n"),
    ]);
    nix::unistd::chown(
        app.root.as_path(),
        Some(nix::unistd::Uid::from_raw(4244)),
        None,
    )
    .unwrap();
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .appenv()
        .current_dir(app.root.join("apps/api"))
        .arg("env")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("the directory is owned by another user (uid 4244"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains("SHARED"));
}

#[test]
fn a_member_reached_through_a_symlink_reads_the_top_it_is_declared_by() {
    // `apps` is a link to a directory elsewhere: `..` from the member is
    // not the top, so the shared file is named by the top's own path.
    let app = App::new(&[
        ("package.json", r#"{"workspaces": ["apps/*"]}"#),
        (".env", "SHARED=top\n"),
    ]);
    let elsewhere = app.tmp.path().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("api")).unwrap();
    std::fs::write(elsewhere.join("api/package.json"), "{}").unwrap();
    std::fs::write(elsewhere.join(".env"), "SHARED=wrong\n").unwrap();
    std::os::unix::fs::symlink(&elsewhere, app.root.join("apps")).unwrap();
    let member = app.root.join("apps/api");
    let out = app
        .appenv_in(&member)
        .env("PWD", &member)
        .arg("explain")
        .output()
        .unwrap();
    let explain = stdout(&out);
    let shared = format!("  SHARED                 {}/.env:1", app.root.display());
    assert!(explain.contains(&shared), "{}{explain}", stderr(&out));
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn an_npm_workspace_member_runs_its_own_script_over_the_shared_env() {
        if !have("node") || !have("npm") {
            return;
        }
        let app = npm_monorepo();
        let bin = bin(&app, &["node", "npm"]);
        // npm itself takes apps/api for a workspace of the repository.
        let out = app
            .sandbox()
            .path([&bin])
            .set("NPM_CONFIG_UPDATE_NOTIFIER", "false")
            .set("NPM_CONFIG_OFFLINE", "true")
            .command(bin.join("npm"))
            .args(["pkg", "get", "name", "--workspaces"])
            .current_dir(&app.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("\"api\": \"api\""),
            "{}",
            stdout(&out)
        );
        // Installed, npm puts the member's program in the top's
        // node_modules/.bin (the member has no node_modules of its own).
        let out = app
            .sandbox()
            .path([&bin])
            .set("NPM_CONFIG_UPDATE_NOTIFIER", "false")
            .command(bin.join("npm"))
            .args(["install", "--offline", "--no-audit", "--no-fund"])
            .current_dir(&app.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(app.root.join("node_modules/.bin/api-hello").exists());
        assert!(!app.root.join("apps/api/node_modules").exists());

        // From deep in the member: its own script, its own DB over the shared
        // one, the shared SHARED; neither the stray `.env` above the repository
        // nor the undeclared `apps/.env`.
        let run = |args: &[&str]| {
            app.appenv_in(&app.root.join("apps/api/src"))
                .env("PATH", &bin)
                .args(args)
                .output()
                .unwrap()
        };
        let out = run(&["run", "migrate"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "api top  \n");

        // The workspace's binaries are the member's too, after its own.
        let out = run(&["api-hello"]);
        assert_eq!(stdout(&out), "hello top\n", "{}", stderr(&out));
        let out = run(&["explain"]);
        assert!(
            stdout(&out).contains("node_modules/.bin at the workspace top"),
            "{}",
            stdout(&out)
        );

        let out = run(&["root"]);
        assert_eq!(
            stdout(&out),
            format!("{}\n", app.root.join("apps/api").display())
        );
        let out = run(&["explain"]);
        let explain = stdout(&out);
        for line in [
            format!(
                "a member of the workspace at {} (package.json workspaces)",
                app.root.display()
            ),
            "  ../../.env             loaded, 2 variable(s)".into(),
            "  .env                   loaded, 1 variable(s)".into(),
            "  SHARED                 ../../.env:1".into(),
            "  DB                     .env:1".into(),
        ] {
            assert!(explain.contains(&line), "{line}\n{explain}");
        }
        // The shared file comes first: lowest.
        assert!(explain.find("../../.env ").unwrap() < explain.find("  .env ").unwrap());

        // An environment whose file is the top's is known to the member.
        std::fs::write(app.root.join(".env.production"), "SHARED=prod\n").unwrap();
        let out = run(&["-e", "production", "run", "migrate"]);
        assert_eq!(stdout(&out), "api prod  \n", "{}", stderr(&out));
        assert!(
            !stderr(&out).contains("knows the environment"),
            "{}",
            stderr(&out)
        );

        // At the top itself, the top is the app, as before.
        let out = app
            .appenv()
            .env("PATH", &bin)
            .args(["env"])
            .output()
            .unwrap();
        let env = stdout(&out);
        assert!(
            env.contains("DB=shared\n") && !env.contains("STRAY"),
            "{env}"
        );
    }
}
