//! End-to-end: dependency isolation from config, Procfile and markers, with
//! fake launchers and interpreters that print their argv.

use crate::common;

use common::{App, have, stderr, stdout};

/// An app whose `tools/` directory (on PATH) holds fake `bundle`, `poetry`,
/// `pipenv`, `rake` and `python` that print who they are and their argv.
fn app_with_tools(files: &[(&str, &str)]) -> App {
    let app = App::new(files);
    for tool in ["bundle", "poetry", "pipenv", "rake", "python"] {
        app.script(&format!("../tools/{tool}"), &format!("echo {tool} \"$@\""));
    }
    app
}

fn run(app: &App, args: &[&str]) -> (Option<i32>, String, String) {
    let tools = app.tmp.path().join("tools");
    let out = app
        .appenv()
        .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), stdout(&out), stderr(&out))
}

#[test]
fn gemfile_means_bundle_exec_except_for_bundle_itself() {
    let app = app_with_tools(&[("Gemfile", "")]);
    assert_eq!(
        run(&app, &["rake", "db:migrate"]).1,
        "bundle exec rake db:migrate\n"
    );
    assert_eq!(run(&app, &["bundle", "install"]).1, "bundle install\n");
    assert_eq!(run(&app, &["--no-prefix", "rake", "x"]).1, "rake x\n");
}

#[test]
fn procfile_launcher_is_inferred() {
    let app = app_with_tools(&[(
        "Procfile",
        "web: poetry run gunicorn app\nworker: poetry run celery\n",
    )]);
    assert_eq!(run(&app, &["python", "-V"]).1, "poetry run python -V\n");
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(
        explain.contains("every Procfile process (web, worker) starts with `poetry run`"),
        "{explain}"
    );
    let (_, which, _) = run(&app, &["which", "python"]);
    assert!(which.ends_with("/tools/poetry run python\n"), "{which}");
}

#[test]
fn procfile_beats_markers_and_mixed_procfile_infers_nothing() {
    let app = app_with_tools(&[("Gemfile", ""), ("Procfile", "web: pipenv run x\n")]);
    assert_eq!(run(&app, &["rake"]).1, "pipenv run rake\n");

    let app = app_with_tools(&[(
        "Procfile",
        "web: bundle exec puma\nworker: poetry run celery\n",
    )]);
    assert_eq!(run(&app, &["rake"]).1, "rake\n");
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(
        explain.contains("different launchers (web: bundle exec, worker: poetry run)"),
        "{explain}"
    );
}

#[test]
fn procfile_interpreter_directory_goes_first_on_path() {
    let app = app_with_tools(&[(
        "Procfile",
        "web: bin/python app.py\nrelease: bin/python manage.py migrate\n",
    )]);
    app.script("bin/python", "echo app-python \"$@\"");
    assert_eq!(
        run(&app, &["python", "manage.py"]).1,
        "app-python manage.py\n"
    );
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(
        explain.contains("runs an interpreter from bin/"),
        "{explain}"
    );
}

#[test]
fn virtualenv_marker_sets_path_and_virtual_env() {
    let app = app_with_tools(&[
        (".venv/pyvenv.cfg", "home = /usr/bin\n"),
        ("requirements.txt", ""),
    ]);
    app.script(
        ".venv/bin/python",
        "echo venv-python \"$VIRTUAL_ENV\" \"${PYTHONHOME:-unset}\"",
    );
    let tools = app.tmp.path().join("tools");
    let out = app
        .appenv()
        .env("PATH", format!("{}:/usr/bin:/bin", tools.display()))
        .env("VIRTUAL_ENV", "/elsewhere")
        .env("PYTHONHOME", "/bad")
        .arg("python")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("venv-python {} unset\n", app.root.join(".venv").display())
    );

    let out = app.appenv().args(["env", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["vars"]["VIRTUAL_ENV"]["source"]["kind"], "isolation");
    assert_eq!(json["vars"]["PATH"]["source"]["kind"], "isolation");
}

#[test]
fn node_and_composer_bins_go_on_path() {
    let app = app_with_tools(&[("package.json", "{}"), ("composer.json", "{}")]);
    app.script("node_modules/.bin/eslint", "echo eslint");
    app.script("vendor/bin/phpunit", "echo phpunit");
    assert_eq!(run(&app, &["eslint"]).1, "eslint\n");
    assert_eq!(run(&app, &["phpunit"]).1, "phpunit\n");
}

#[test]
fn pipfile_and_poetry_lock_without_virtualenv() {
    let app = app_with_tools(&[("Pipfile", ""), (".env", "")]);
    assert_eq!(run(&app, &["python"]).1, "pipenv run python\n");
    let app = app_with_tools(&[("poetry.lock", ""), ("pyproject.toml", "")]);
    assert_eq!(run(&app, &["python"]).1, "poetry run python\n");
    let app = app_with_tools(&[
        ("poetry.lock", ""),
        ("pyproject.toml", ""),
        (".venv/pyvenv.cfg", ""),
    ]);
    app.script(".venv/bin/python", "echo venv-python");
    assert_eq!(run(&app, &["python"]).1, "venv-python\n");
}

#[test]
fn explicit_config_beats_detection() {
    let app = app_with_tools(&[
        ("Gemfile", ""),
        (
            "appenv.toml",
            "[exec]\nprefix = [\"pipenv\", \"run\"]\n[env]\npath = [\"scripts\"]\n",
        ),
    ]);
    app.script("scripts/rake", "echo scripts-rake");
    assert_eq!(run(&app, &["rake"]).1, "pipenv run rake\n");
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(
        explain.contains("[exec] prefix in appenv.toml")
            && explain.contains("[env] path in appenv.toml")
    );

    let app = app_with_tools(&[("Gemfile", ""), ("appenv.toml", "[exec]\nprefix = []\n")]);
    assert_eq!(run(&app, &["rake"]).1, "rake\n");
}

#[test]
fn procfile_with_a_duplicate_name_is_an_error_and_runs_nothing() {
    let app = app_with_tools(&[("Procfile", "web: a\nworker: b\nweb: c\n")]);
    let (code, out, err) = run(&app, &["rake"]);
    assert_eq!(code, Some(125));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "appenv: Procfile:3: process \"web\" is defined twice, on lines 1 and 3\n"
    );
}

#[test]
fn procfile_junk_is_ignored_and_reported() {
    let app = app_with_tools(&[("Procfile", "web: bundle exec puma\nthis is junk\n")]);
    assert_eq!(run(&app, &["rake"]).1, "bundle exec rake\n");
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(explain.contains("Procfile:2 ignored"), "{explain}");
}

#[test]
fn real_virtualenv_python() {
    if !have("python3") {
        return;
    }
    let app = App::new(&[("requirements.txt", "")]);
    let status = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(app.root.join(".venv"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = app
        .appenv()
        .args(["python", "-c", "import sys; print(sys.prefix)"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out).trim(),
        app.root.join(".venv").display().to_string(),
        "{}",
        stderr(&out)
    );
}

/// A `.direnv` holding only what is not a virtualenv (direnv's other
/// layouts keep their state there too) isolates nothing.
#[test]
fn a_direnv_dir_without_a_python_venv_is_no_virtualenv() {
    let app = app_with_tools(&[
        ("requirements.txt", ""),
        (".direnv/python-3.12/", ""),
        (".direnv/ruby/bin/", ""),
    ]);
    let (_, explain, _) = run(&app, &["explain"]);
    assert!(!explain.contains(".direnv"), "{explain}");
    assert_eq!(run(&app, &["python"]).1, "python\n");
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    /// The venv direnv's `layout python3` made at `.direnv/python-X.Y` is the
    /// app's virtualenv, the `.envrc` that asked for it gone or not: real
    /// direnv builds it, appenv's python is its python.
    #[test]
    fn direnv_python_layout_is_a_virtualenv_without_an_envrc() {
        if !(have("direnv") && have("python3")) {
            return;
        }
        let app = App::new(&[("requirements.txt", ""), (".envrc", "layout python3\n")]);
        let sandbox = app.sandbox();
        let direnv = |args: &[&str]| {
            let out = sandbox
                .command("direnv")
                .args(args)
                .current_dir(&app.root)
                .output()
                .unwrap();
            assert!(out.status.success(), "direnv {args:?}: {out:?}");
            stdout(&out)
        };
        direnv(&["allow", "."]);
        let made = direnv(&["exec", ".", "sh", "-c", "echo \"$VIRTUAL_ENV\""]);
        let made = made.trim();
        let venv = std::path::Path::new(made);
        assert!(
            venv.starts_with(app.root.join(".direnv"))
                && venv
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("python-3."),
            "{made}"
        );
        std::fs::remove_file(app.root.join(".envrc")).unwrap();

        let out = app
            .appenv()
            .args([
                "python",
                "-c",
                "import sys, os; print(sys.prefix, os.environ['VIRTUAL_ENV'])",
            ])
            .output()
            .unwrap();
        assert_eq!(stdout(&out), format!("{made} {made}\n"), "{}", stderr(&out));
        let (_, explain, _) = run(&app, &["explain"]);
        let shown = venv.strip_prefix(&app.root).unwrap().display().to_string();
        assert!(
            explain.contains(&format!("virtualenv {shown}/")),
            "{explain}"
        );
    }
}
