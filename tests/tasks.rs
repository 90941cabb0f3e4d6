//! End-to-end: `appenv run`, `appenv console` and `appenv tasks` against
//! fake framework layouts whose programs print what they were given.

use crate::common;

use std::process::Stdio;

use common::{App, stderr, stdout, write_executable};

/// A script body that prints its name, working directory and arguments,
/// one bracketed word each, so that spaces inside an argument show.
const SHOW: &str = r#"printf '%s cwd=%s' "${0##*/}" "$(pwd)"
for a in "$@"; do printf ' [%s]' "$a"; done
echo"#;

fn show(prog: &str, cwd: &std::path::Path, args: &[&str]) -> String {
    let mut line = format!("{prog} cwd={}", cwd.display());
    for a in args {
        line.push_str(&format!(" [{a}]"));
    }
    line + "\n"
}

/// PATH with the app's fake tools (in `tools/`, outside the root's own
/// isolation) before the system's.
fn with_tools(app: &App) -> String {
    format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        app.tmp.path().join("tools").display()
    )
}

fn tool(app: &App, name: &str) {
    let path = app.tmp.path().join("tools").join(name);
    write_executable(&path, &format!("#!/bin/sh\n{SHOW}\n"));
}

#[test]
fn django_builtins_use_the_virtualenv_python_in_the_root() {
    let app = App::new(&[("manage.py", ""), (".venv/pyvenv.cfg", "home = /usr/bin\n")]);
    app.script(
        ".venv/bin/python",
        &format!("echo \"VIRTUAL_ENV=$VIRTUAL_ENV\"\n{SHOW}"),
    );
    let sub = app.write("polls/templates/", "");
    let venv = app.root.join(".venv");
    app.appenv_in(&sub)
        .args(["run", "migrate", "--plan"])
        .assert()
        .success()
        .stdout(format!(
            "VIRTUAL_ENV={}\n{}",
            venv.display(),
            show("python", &app.root, &["manage.py", "migrate", "--plan"])
        ));
    app.appenv_in(&sub)
        .arg("console")
        .assert()
        .success()
        .stdout(format!(
            "VIRTUAL_ENV={}\n{}",
            venv.display(),
            show("python", &app.root, &["manage.py", "shell"])
        ));
}

#[test]
fn rails_builtins_run_the_binstub() {
    // A `.env` makes the root without a Gemfile, so no `bundle exec` (see
    // the prefix test for that).
    let app = App::new(&[(".env", "")]);
    app.script("bin/rails", SHOW);
    app.appenv()
        .args(["run", "migrate"])
        .assert()
        .success()
        .stdout(show("rails", &app.root, &["db:migrate"]));
    app.appenv()
        .args(["console", "--sandbox"])
        .assert()
        .success()
        .stdout(show("rails", &app.root, &["console", "--sandbox"]));
}

#[test]
fn laravel_builtins_run_php_artisan() {
    let app = App::new(&[("artisan", "<?php\n"), ("composer.json", "{}")]);
    tool(&app, "php");
    for (task, word) in [("migrate", "migrate"), ("console", "tinker")] {
        app.appenv()
            .env("PATH", with_tools(&app))
            .args(["run", task])
            .assert()
            .success()
            .stdout(show("php", &app.root, &["artisan", word]));
    }
}

#[test]
fn phoenix_builtins_need_a_phoenix_dependency() {
    let mix = "defmodule Shop.MixProject do\n  defp deps do\n    [\n      {:phoenix, \"~> 1.7.14\"},\n      {:ecto_sql, \"~> 3.10\"}\n    ]\n  end\nend\n";
    let app = App::new(&[("mix.exs", mix)]);
    tool(&app, "mix");
    tool(&app, "iex");
    app.appenv()
        .env("PATH", with_tools(&app))
        .args(["run", "migrate"])
        .assert()
        .success()
        .stdout(show("mix", &app.root, &["ecto.migrate"]));
    app.appenv()
        .env("PATH", with_tools(&app))
        .arg("console")
        .assert()
        .success()
        .stdout(show("iex", &app.root, &["-S", "mix"]));

    let plain = App::new(&[("mix.exs", "defp deps, do: [{:jason, \"~> 1.4\"}]\n")]);
    let out = plain.appenv().args(["run", "migrate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
}

#[test]
fn plain_language_consoles() {
    for (marker, program) in [
        ("Gemfile", "irb"),
        ("requirements.txt", "python"),
        ("package.json", "node"),
    ] {
        let app = App::new(&[(marker, "")]);
        tool(&app, program);
        // A Gemfile also means `bundle exec`; this test is about the REPL.
        app.appenv()
            .env("PATH", with_tools(&app))
            .args(["--no-prefix", "console", "-x"])
            .assert()
            .success()
            .stdout(show(program, &app.root, &["-x"]));
    }
}

#[test]
fn string_and_array_tasks_keep_arguments_with_spaces() {
    let app = App::new(&[(
        "appenv.toml",
        "[tasks]\nstring = \"bin/show 'one two' three\"\narray = [\"bin/show\", \"one two\", \"three\"]\n",
    )]);
    app.script("bin/show", SHOW);
    let args = ["a b", "", "$HOME", "it's", "*"];
    let expected = show(
        "show",
        &app.root,
        &["one two", "three", "a b", "", "$HOME", "it's", "*"],
    );
    for task in ["string", "array"] {
        app.appenv()
            .arg("run")
            .arg(task)
            .args(args)
            .assert()
            .success()
            .stdout(expected.clone());
    }
}

#[test]
fn tasks_run_in_the_root_from_a_subdirectory_and_with_minus_c() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]\nwhere = \"pwd\"\nwhere-argv = [\"pwd\"]\n",
        ),
        ("Procfile", "where-proc: pwd\n"),
    ]);
    let deep = app.write("a/b/c/", "");
    let root = format!("{}\n", app.root.display());
    for task in ["where", "where-argv", "where-proc"] {
        app.appenv_in(&deep)
            .args(["run", task])
            .assert()
            .success()
            .stdout(root.clone());
        app.appenv_in(app.tmp.path())
            .arg("-C")
            .arg(&deep)
            .args(["run", task])
            .assert()
            .success()
            .stdout(root.clone());
    }
}

#[test]
fn config_beats_procfile_beats_builtin() {
    let app = App::new(&[("Procfile", "console: echo procfile\n")]);
    app.script("bin/rails", "echo builtin \"$@\"");
    app.appenv()
        .args(["console", "x"])
        .assert()
        .success()
        .stdout("procfile x\n");
    app.appenv()
        .args(["run", "migrate"])
        .assert()
        .success()
        .stdout("builtin db:migrate\n");

    app.write("appenv.toml", "[tasks]\nconsole = [\"echo\", \"config\"]\n");
    app.appenv()
        .args(["console", "x"])
        .assert()
        .success()
        .stdout("config x\n");

    let out = app.appenv().arg("tasks").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "console  appenv.toml [tasks]  echo config\n\
         migrate  built-in (Rails)     bin/rails db:migrate\n"
    );
}

#[test]
fn the_task_replaces_appenv_same_pid() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]\nstring = \"echo $$\"\narray = [\"sh\", \"-c\", \"echo $$\"]\n",
        ),
        ("Procfile", "proc: echo $$\n"),
    ]);
    for task in ["string", "array", "proc"] {
        let child = app
            .std_command()
            .args(["run", task])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{task}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).trim(),
            pid.to_string(),
            "{task} must run with appenv's pid"
        );
    }
}

#[test]
fn the_prefix_applies_to_config_tasks_and_builtins_but_not_procfile_lines() {
    let app = App::new(&[
        ("Gemfile", ""),
        (
            "appenv.toml",
            "[tasks]\nseed = \"rake db:seed\"\nlint = [\"rubocop\", \"-a\"]\nown = \"bundle exec rake x\"\n",
        ),
        ("Procfile", "release: echo release\n"),
    ]);
    app.script("bin/rails", SHOW);
    tool(&app, "bundle");
    let run = |args: &[&str]| {
        let out = app
            .appenv()
            .env("PATH", with_tools(&app))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(
        run(&["run", "seed", "a b"]),
        show("bundle", &app.root, &["exec", "rake", "db:seed", "a b"])
    );
    assert_eq!(
        run(&["run", "lint", "a b"]),
        show("bundle", &app.root, &["exec", "rubocop", "-a", "a b"])
    );
    // The string already starts with the launcher: sh runs `bundle exec rake x`.
    assert_eq!(
        run(&["run", "own"]),
        show("bundle", &app.root, &["exec", "rake", "x"])
    );
    assert_eq!(
        run(&["console"]),
        show("bundle", &app.root, &["exec", "bin/rails", "console"])
    );
    assert_eq!(run(&["run", "release", "x"]), "release x\n");
    tool(&app, "rubocop");
    assert_eq!(
        run(&["--no-prefix", "run", "lint"]),
        show("rubocop", &app.root, &["-a"])
    );
    assert_eq!(
        run(&["--no-prefix", "console"]),
        show("rails", &app.root, &["console"])
    );
}

#[test]
fn an_unknown_task_is_125_and_lists_the_tasks() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]
seed = \"touch ran\"\n",
        ),
        ("Procfile", "web: touch ran\n"),
        ("manage.py", ""),
    ]);
    let out = app.appenv().args(["run", "deploy"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: no task named 'deploy' in {}; the tasks are: seed, web, console, migrate \
             (see 'appenv tasks', or add one under [tasks] in appenv.toml)\n",
            app.root.display()
        )
    );
    assert!(stdout(&out).is_empty());

    let bare = App::new(&[(".env", "")]);
    let out = bare.appenv().arg("console").output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("no task named 'console'"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("no tasks at all"), "{}", stderr(&out));
    let out = bare.appenv().arg("tasks").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no tasks in"), "{}", stderr(&out));
    bare.appenv()
        .args(["tasks", "--json"])
        .assert()
        .success()
        .stdout("[]\n");
}

#[test]
fn a_resolution_error_is_125_and_runs_nothing() {
    let app = App::new(&[
        ("appenv.toml", "[tasks]\nseed = \"touch ran\"\n"),
        (".env", "A=\"open\n"),
    ]);
    let out = app.appenv().args(["run", "seed"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).starts_with("appenv: .env:1:"),
        "{}",
        stderr(&out)
    );
    assert!(!app.root.join("ran").exists());
    // `tasks` is read-only: the same error is a plain failure there.
    app.appenv().arg("tasks").assert().code(1);
}

#[test]
fn tasks_lists_sources_and_commands_as_text_and_json() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]\nlint = [\"rubocop\", \"-a\", \"app dir\"]\n\"evil\\u001b[2J\" = \"echo \\u001b]0;x\"\n",
        ),
        ("Procfile", "web: bundle exec puma -p $PORT\n"),
        ("Gemfile", ""),
    ]);
    let out = app.appenv().arg("tasks").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert_eq!(
        text,
        "evil\\u{1b}[2J  appenv.toml [tasks]  bundle exec /bin/sh -c $'echo \\x1b]0;exec x'\n\
         lint           appenv.toml [tasks]  bundle exec rubocop -a 'app dir'\n\
         web            Procfile:1           bundle exec puma -p $PORT\n\
         console        built-in (Ruby)      bundle exec irb\n"
    );

    let out = app.appenv().args(["tasks", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            { "name": "evil\u{1b}[2J", "source": "config", "command": "echo \u{1b}]0;x",
              "runs": "bundle exec /bin/sh -c $'echo \\x1b]0;exec x'" },
            { "name": "lint", "source": "config", "argv": ["rubocop", "-a", "app dir"],
              "runs": "bundle exec rubocop -a 'app dir'" },
            { "name": "web", "source": "procfile", "line": 1, "command": "bundle exec puma -p $PORT",
              "runs": "bundle exec puma -p $PORT" },
            { "name": "console", "source": "builtin", "framework": "Ruby", "argv": ["irb"],
              "runs": "bundle exec irb" },
        ])
    );
}

#[test]
fn run_and_console_refuse_an_untrusted_app_and_tasks_still_lists() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]\nconsole = \"touch ran\"\nseed = [\"touch\", \"ran\"]\n",
        ),
        ("Procfile", "release: touch ran\n"),
    ]);
    let untrusted = || {
        let mut cmd = app.appenv();
        cmd.env_remove("APPENV_TRUSTED_DIRS");
        cmd
    };
    let refused = format!(
        "appenv: {} is not allowed; run 'appenv allow'\n",
        app.root.display()
    );
    for args in [
        &["run", "seed"][..],
        &["run", "release"],
        &["console"],
        &["run", "nope"],
    ] {
        let out = untrusted().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(stderr(&out), refused, "{args:?}");
        assert!(!app.root.join("ran").exists(), "{args:?} ran something");
    }

    let out = untrusted().arg("tasks").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("console  appenv.toml [tasks]  touch ran\n"));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: note: {} is not allowed; run 'appenv allow'\n",
            app.root.display()
        )
    );

    untrusted().arg("allow").assert().success();
    untrusted().args(["run", "seed"]).assert().success();
    assert!(app.root.join("ran").exists());
}

#[test]
fn args_are_arguments_of_the_last_command_or_refused() {
    let app = App::new(&[(
        "Procfile",
        "semi: echo one;\ncomment: echo one # the rest is a note\n\
         both: true && echo one\nbg: touch ran &\nloop: for i in 1; do echo $i; done\n",
    )]);
    for task in ["semi", "comment", "both"] {
        app.appenv()
            .args(["run", task, "id", "; touch pwned"])
            .assert()
            .success()
            .stdout("one id ; touch pwned\n");
    }
    for task in ["bg", "loop"] {
        let out = app.appenv().args(["run", task, "x"]).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{task}");
        assert!(
            stderr(&out).starts_with(&format!("appenv: task '{task}' (Procfile:")),
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("cannot take arguments"),
            "{}",
            stderr(&out)
        );
    }
    assert!(!app.root.join("ran").exists());
    assert!(!app.root.join("pwned").exists());
    // Without ARGS such a line runs as written.
    app.appenv()
        .args(["run", "loop"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn a_simple_line_expands_like_sh_and_gets_the_process_name() {
    let app = App::new(&[
        (
            "Procfile",
            "web: MODE=\"$APPENV_PROCESS in $PWD\" bin/show ${PORT:-5000} \"$GREETING\" $SPLIT\n",
        ),
        (".env", "GREETING='hi there'\nSPLIT='a  b'\n"),
    ]);
    app.script("bin/show", &format!("echo \"MODE=$MODE\"\n{SHOW}"));
    let sub = app.write("sub/", "");
    app.appenv_in(&sub)
        .args(["run", "web", "--help", "-x"])
        .assert()
        .success()
        .stdout(format!(
            "MODE=web in {}\n{}",
            app.root.display(),
            show(
                "show",
                &app.root,
                &["5000", "hi there", "a", "b", "--help", "-x"]
            )
        ));
    // `--dry-run` prints that argv and runs nothing.
    let out = app
        .appenv()
        .args(["run", "--dry-run", "web", "it's"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "MODE='web in {}' bin/show 5000 'hi there' a b 'it'\\''s'\n",
            app.root.display(),
        )
    );
}

#[test]
fn console_arguments_are_the_repl_s() {
    let app = App::new(&[(".env", "")]);
    app.script("bin/rails", SHOW);
    for flag in ["-h", "--help", "-e"] {
        app.appenv()
            .args(["console", flag])
            .assert()
            .success()
            .stdout(show("rails", &app.root, &["console", flag]));
    }
    // Before the task name, options are appenv's.
    let out = app.appenv().args(["run", "--help"]).output().unwrap();
    assert!(stdout(&out).contains("--dry-run"), "{}", stdout(&out));
}

#[test]
fn a_mistyped_task_name_is_125_naming_the_task_meant_and_runs_nothing() {
    let app = App::new(&[
        ("appenv.toml", "[tasks]\nseed = \"touch ran\"\n"),
        ("Procfile", "web: touch ran\n"),
        ("manage.py", ""),
    ]);
    let out = app.appenv().args(["run", "migrat"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: no task named 'migrat' in {}; did you mean 'migrate'? \
             The tasks are: seed, web, console, migrate (see 'appenv tasks')\n",
            app.root.display()
        )
    );
    // A swap of two letters is one slip; the task is still not run.
    let out = app.appenv().args(["run", "sede"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("did you mean 'seed'?"),
        "{}",
        stderr(&out)
    );
    assert!(!app.root.join("ran").exists());
    // Nothing near: no guess.
    let out = app.appenv().args(["run", "db"]).output().unwrap();
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
}

#[test]
fn run_given_a_program_suggests_typing_it() {
    let app = App::new(&[("Procfile", "web: true\n")]);
    tool(&app, "rake");
    let out = app
        .appenv()
        .env("PATH", with_tools(&app))
        .args(["run", "rake", "db:version", "a b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).ends_with("; did you mean 'appenv rake db:version 'a b''?\n"),
        "{}",
        stderr(&out)
    );
    let out = app.appenv().args(["run", "nope"]).output().unwrap();
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
}

#[test]
fn python_builtins_fall_back_to_python3() {
    let app = App::new(&[("manage.py", "")]);
    tool(&app, "python3");
    let only_tools = app.tmp.path().join("tools");
    app.appenv()
        .env("PATH", &only_tools)
        .args(["run", "migrate"])
        .assert()
        .success()
        .stdout(show("python3", &app.root, &["manage.py", "migrate"]));
    let out = app
        .appenv()
        .env("PATH", &only_tools)
        .arg("tasks")
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("migrate  built-in (Django)  python3 manage.py migrate\n"),
        "{}",
        stdout(&out)
    );
    // A python on PATH wins.
    tool(&app, "python");
    app.appenv()
        .env("PATH", &only_tools)
        .args(["run", "migrate"])
        .assert()
        .success()
        .stdout(show("python", &app.root, &["manage.py", "migrate"]));
}

#[test]
fn the_environment_name_reaches_the_framework() {
    let app = App::new(&[
        ("config/environments/production.rb", ""),
        ("config/environments/development.rb", ""),
        (
            "Procfile",
            "env: sh -c 'echo \"$RAILS_ENV $RACK_ENV ${NODE_ENV:-none}\"'\n",
        ),
        (".env", ""),
    ]);
    app.script("bin/rails", "");
    let run = |args: &[&str], caller: Option<&str>| {
        let mut cmd = app.appenv();
        if let Some(value) = caller {
            cmd.env("RAILS_ENV", value);
        }
        let out = cmd.args(args).output().unwrap();
        (out.status.code(), stdout(&out), stderr(&out))
    };
    assert_eq!(
        run(&["-e", "production", "run", "env"], None),
        (
            Some(0),
            "production production none\n".into(),
            String::new()
        )
    );
    // The caller's value wins, and appenv says so once.
    let (code, out, err) = run(&["-e", "production", "run", "env"], Some("development"));
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "development production none\n")
    );
    assert_eq!(
        err,
        "appenv: note: the caller's RAILS_ENV=development differs from the environment 'production' and wins\n"
    );
    // A name nothing knows: a note with the known names.
    let (code, out, err) = run(&["-e", "prodution", "run", "env"], None);
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "prodution prodution none\n")
    );
    assert_eq!(
        err,
        "appenv: note: no env file or config of this app knows the environment 'prodution' (from --env); known: development, production\n"
    );
    assert_eq!(run(&["-q", "-e", "prodution", "run", "env"], None).2, "");
    // explain says where the variable comes from.
    let (_, out, _) = run(&["-e", "production", "explain"], None);
    assert!(
        out.contains("RAILS_ENV              appenv, the environment name (Rails)\n"),
        "{out}"
    );
    let out = app
        .appenv()
        .args(["-e", "production", "env", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["vars"]["RACK_ENV"],
        serde_json::json!({"value": "production", "source": {"kind": "environment", "framework": "Rails"}}),
        "{json}"
    );
    // An env file's own value gives way to the name, with a note naming
    // the file and line, never the value.
    app.write(".env.production", "RAILS_ENV=staging\n");
    let (code, out, err) = run(&["-e", "production", "run", "env"], None);
    assert_eq!(
        (code, out.as_str()),
        (Some(0), "production production none\n")
    );
    assert_eq!(
        err,
        "appenv: note: .env.production:1: RAILS_ENV: set here, but the environment is 'production', so RAILS_ENV=production (the environment name wins over env files and [env.vars])\n"
    );

    // [env] name_vars replaces the list; [env] environments closes it.
    app.write(
        "appenv.toml",
        "[env]\nname_vars = [\"NODE_ENV\"]\nenvironments = [\"production\", \"test\"]\n",
    );
    app.write(".env.production", "");
    assert_eq!(
        run(&["-e", "production", "run", "env"], None).1,
        "  production\n"
    );
    let (code, out, err) = run(&["-e", "prodution", "run", "env"], None);
    assert_eq!((code, out.as_str()), (Some(125), ""));
    assert_eq!(
        err,
        "appenv: the environment \"prodution\" (from --env) is not one of this app's: production, test ([env] environments in appenv.toml)\n"
    );
}

#[test]
fn values_are_never_evaluated_and_a_line_may_place_its_args() {
    let app = App::new(&[
        (
            "Procfile",
            "plain: bin/show $CMD\nglob: bin/show $CMD *.none\nplaced: bin/show \"$@\" --end\n",
        ),
        (".env", "CMD='$(touch pwned);`touch pwned`'\n"),
    ]);
    app.script("bin/show", SHOW);
    let expected = |extra: &[&str]| {
        let mut words = vec!["$(touch", "pwned);`touch", "pwned`"];
        words.extend_from_slice(extra);
        show("show", &app.root, &words)
    };
    app.appenv()
        .args(["run", "plain", "a b"])
        .assert()
        .success()
        .stdout(expected(&["a b"]));
    // A glob keeps the shell, which expands the value without evaluating it.
    app.appenv()
        .args(["run", "glob", "a b"])
        .assert()
        .success()
        .stdout(expected(&["*.none", "a b"]));
    assert!(!app.root.join("pwned").exists());
    app.appenv()
        .args(["run", "placed", "a b", "c"])
        .assert()
        .success()
        .stdout(show("show", &app.root, &["a b", "c", "--end"]));
}

/// A `[tasks]` entry with nothing to run is refused where it is written: it
/// is never left out of the list, which would let the Procfile's task of the
/// same name run in its place.
#[test]
fn an_empty_task_is_refused_and_no_task_of_its_name_runs_instead() {
    for empty in ["[]", "[\"\"]", "[\"\", \"x\"]", "\"  \""] {
        let app = App::new(&[
            ("appenv.toml", &format!("[tasks]\nseed = {empty}\n")),
            ("Procfile", "seed: touch ran\n"),
        ]);
        let refused = "appenv: appenv.toml:2: [tasks] seed: nothing to run\n";
        let out = app.appenv().args(["run", "seed"]).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{empty}: {}", stderr(&out));
        assert_eq!(stderr(&out), refused, "{empty}");
        assert!(!app.root.join("ran").exists(), "{empty}");
        let out = app.appenv().args(["tasks", "--json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{empty}");
        assert_eq!(stdout(&out), "", "{empty}");
        assert_eq!(stderr(&out), refused, "{empty}");
    }
}
