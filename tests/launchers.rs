//! End-to-end against the real Python launchers (pipenv, Poetry, uv): the
//! environment appenv chose (`-e test`, a caller's value) is what the
//! program gets, though the launcher would load `.env` files itself; and
//! `appenv which python` says what an editor can use. Each launcher makes a
//! virtualenv from the Python on PATH; nothing is installed.

use crate::common;

use common::{App, have, stderr, stdout};

/// Prints the variables the test is about.
const SHOW: &str =
    "import os; print(os.environ['DB'], os.environ['CALLER'], os.environ.get('LOCAL'))";

/// An app with env files for the default and the test environment, and a
/// PATH of links to `tools` and python3 only.
fn app(files: &[(&str, &str)], tools: &[&str]) -> App {
    let mut all = vec![
        (".env", "DB=dev\nCALLER=file\n"),
        (".env.test", "DB=test\n"),
        (".env.local", "LOCAL=1\n"),
    ];
    all.extend_from_slice(files);
    let app = App::new(&all);
    let bin = app.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in tools.iter().chain(&["python3"]) {
        std::os::unix::fs::symlink(common::real_tool(tool), bin.join(tool)).unwrap();
    }
    app
}

fn appenv(app: &App) -> assert_cmd::Command {
    let mut cmd = app.appenv();
    cmd.env("PATH", app.tmp.path().join("bin"))
        .env("CALLER", "caller")
        .timeout(std::time::Duration::from_secs(240));
    cmd
}

fn run(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// The last line of the output (launchers talk about the virtualenv they
/// make on stderr, some versions on stdout).
fn last_line(out: &str) -> &str {
    out.lines().last().unwrap_or_default()
}

#[test]
fn uv_run_does_not_load_an_env_file_and_which_prints_the_project_python() {
    if !have("uv") || !have("python3") {
        return;
    }
    let app = app(
        &[
            (
                "pyproject.toml",
                "[project]\nname = \"shop\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n",
            ),
            ("Procfile", &format!("show: uv run python -c \"{SHOW}\"\n")),
        ],
        &["uv"],
    );
    // A caller who told uv to read .env.local, which `-e test` leaves out.
    let uv = |cmd: &mut assert_cmd::Command| {
        cmd.env("UV_ENV_FILE", ".env.local")
            .env("UV_OFFLINE", "1")
            .env("UV_PYTHON_DOWNLOADS", "never");
    };
    let mut task = appenv(&app);
    uv(&mut task);
    task.args(["-e", "test", "run", "show"]);
    assert_eq!(last_line(&run(&mut task)), "test caller None");
    let mut typed = appenv(&app);
    uv(&mut typed);
    typed.args(["-e", "test", "python", "-c", SHOW]);
    assert_eq!(last_line(&run(&mut typed)), "test caller None");

    // uv made the project's .venv: that is the interpreter an editor wants.
    let mut which = appenv(&app);
    uv(&mut which);
    let out = which.args(["which", "python"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}/.venv/bin/python\n", app.root.display())
    );
}

/// overmind is a Go program that needs tmux and is not installed here: a
/// program of that name that prints what it got stands in for it. What is
/// tested is appenv's side: the switch that makes overmind skip `.env`
/// reaches it, typed or from a task, and a caller's own setting wins.
#[test]
fn overmind_is_told_to_skip_env_files() {
    let app = app(
        &[("appenv.toml", "[tasks]\nprocs = \"overmind start\"\n")],
        &[],
    );
    let overmind = app.tmp.path().join("bin/overmind");
    std::fs::write(
        &overmind,
        "#!/bin/sh\necho \"${OVERMIND_SKIP_ENV-unset} $DB\"\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&overmind).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&overmind, perms).unwrap();
    let typed = run(appenv(&app).args(["-e", "test", "overmind", "start"]));
    assert_eq!(typed.trim(), "1 test");
    let task = run(appenv(&app).args(["run", "procs"]));
    assert_eq!(task.trim(), "1 dev");
    let caller = run(appenv(&app)
        .env("OVERMIND_SKIP_ENV", "")
        .args(["overmind", "start"]));
    assert_eq!(caller.trim_end(), " dev");
    // Any other program does not get it.
    let other = app.tmp.path().join("bin/other");
    std::fs::copy(&overmind, &other).unwrap();
    assert_eq!(run(appenv(&app).arg("other")).trim(), "unset dev");
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn pipenv_run_does_not_load_dot_env_over_appenv() {
        if !have("pipenv") || !have("python3") {
            return;
        }
        let app = app(
            &[
                ("Pipfile", "[packages]\n"),
                (
                    "Procfile",
                    &format!("show: pipenv run python -c \"{SHOW}\"\n"),
                ),
            ],
            &["pipenv"],
        );
        let venvs = app.tmp.path().join("venvs");
        let pipenv = |cmd: &mut assert_cmd::Command| {
            cmd.env("WORKON_HOME", &venvs)
                .env("PIPENV_YES", "1")
                .env("PIPENV_NOSPIN", "1");
        };
        // The typed command gets `pipenv run` from the Pipfile; the Procfile
        // line names pipenv itself.
        let mut typed = appenv(&app);
        pipenv(&mut typed);
        typed.args(["-e", "test", "python", "-c", SHOW]);
        assert_eq!(last_line(&run(&mut typed)), "test caller None");
        let mut task = appenv(&app);
        pipenv(&mut task);
        task.args(["-e", "test", "run", "show"]);
        assert_eq!(last_line(&run(&mut task)), "test caller None");
        // What pipenv does on its own, which appenv prevents.
        let out = app
            .sandbox()
            .set("PATH", app.tmp.path().join("bin"))
            .command(app.tmp.path().join("bin/pipenv"))
            .args(["run", "python", "-c", SHOW])
            .current_dir(&app.root)
            .env("WORKON_HOME", &venvs)
            .env("CALLER", "caller")
            .env("DB", "test")
            .output()
            .unwrap();
        assert_eq!(
            last_line(&stdout(&out)),
            "dev file None",
            "{}",
            stderr(&out)
        );
    }

    #[test]
    fn poetry_run_gets_appenv_s_environment_and_which_says_it_picks_python() {
        if !have("poetry") || !have("python3") {
            return;
        }
        let app = app(
            &[
                (
                    "pyproject.toml",
                    "[tool.poetry]\nname = \"shop\"\nversion = \"0.1.0\"\ndescription = \"\"\n\
                     authors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \">=3.8\"\n",
                ),
                ("poetry.lock", ""),
            ],
            &["poetry"],
        );
        let mut typed = appenv(&app);
        typed.args([
            "-e",
            "test",
            "python",
            "-c",
            &format!("{SHOW}; print(os.environ.get('POETRY_DONT_LOAD_ENV'))"),
        ]);
        let out = run(&mut typed);
        let lines: Vec<&str> = out.lines().rev().take(2).collect();
        assert_eq!(lines, ["1", "test caller None"], "{out}");

        // Poetry keeps the virtualenv outside the project: `which` prints the
        // launcher line and says that only Poetry knows the interpreter.
        let out = appenv(&app).args(["which", "python"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("{}/bin/poetry run python\n", app.tmp.path().display())
        );
        assert!(
            stderr(&out).contains("is reached through `poetry run`"),
            "{}",
            stderr(&out)
        );
    }
}
