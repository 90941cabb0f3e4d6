//! End-to-end against Debian's perl and Carton: a Perl app (a `cpanfile`
//! with Carton's `local/`) gets `local/lib/perl5` on PERL5LIB and
//! `local/bin` on PATH as `carton exec` gives them, without its process,
//! and a Perl REPL as its console.

use crate::common;

use common::{App, have, real_tool, stderr, stdout};

const MODULE: &str = "package MyMod;\nsub hi { 'hi from local' }\n1;\n";

/// An app with an empty cpanfile that the real `carton install` set up
/// (offline: nothing to fetch), with a module of its own in `local/`.
fn carton_app() -> Option<App> {
    if !have("perl") || !have("carton") {
        return None;
    }
    let app = App::new(&[("cpanfile", "")]);
    let out = app
        .sandbox()
        .path_first(real_tool("carton").parent().unwrap())
        .command(real_tool("carton"))
        .arg("install")
        .current_dir(&app.root)
        .output()
        .unwrap();
    assert!(out.status.success(), "carton install: {}", stderr(&out));
    // What Carton's layout is: appenv reads it, never assumes it.
    assert!(app.root.join("cpanfile.snapshot").is_file());
    assert!(app.root.join("local/lib/perl5").is_dir());
    app.write("local/lib/perl5/MyMod.pm", MODULE);
    Some(app)
}

fn perl_env(app: &App, inherited: Option<&str>) -> (String, String) {
    let mut cmd = app.appenv();
    if let Some(value) = inherited {
        cmd.env("PERL5LIB", value);
    }
    let out = cmd
        .args([
            "perl",
            "-e",
            r#"print "$ENV{PERL5LIB}\n", (split /:/, $ENV{PATH})[0], "\n""#,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = stdout(&out);
    let (lib, path) = out.trim_end().split_once('\n').unwrap();
    (lib.to_owned(), path.to_owned())
}

#[test]
fn perl_finds_the_apps_modules_as_carton_exec_does() {
    let Some(app) = carton_app() else { return };
    let out = app
        .appenv_in(&app.root.join("local"))
        .args(["perl", "-MMyMod", "-e", "print MyMod::hi(), qq{\\n}"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "hi from local\n");

    // The same PERL5LIB and first PATH entry as `carton exec` (here without
    // an inherited PERL5LIB, which carton replaces and appenv keeps after
    // the app's own).
    let carton = app
        .sandbox()
        .command(real_tool("carton"))
        .args(["exec", "perl", "-e"])
        .arg(r#"print "$ENV{PERL5LIB}\n", (split /:/, $ENV{PATH})[0], "\n""#)
        .current_dir(&app.root)
        .output()
        .unwrap();
    assert!(carton.status.success(), "{}", stderr(&carton));
    let (lib, path) = perl_env(&app, None);
    assert_eq!(format!("{lib}\n{path}\n"), stdout(&carton));
    let root = app.root.display();
    assert_eq!(lib, format!("{root}/local/lib/perl5"));
    assert_eq!(path, format!("{root}/local/bin"));

    let (lib, _) = perl_env(&app, Some("/caller/lib"));
    assert_eq!(lib, format!("{root}/local/lib/perl5:/caller/lib"));

    let out = app.appenv().arg("explain").output().unwrap();
    let explain = stdout(&out);
    assert!(
        explain.contains(&format!("PERL5LIB   first: {root}/local/lib/perl5")),
        "{explain}"
    );
}

#[test]
fn a_module_outside_local_is_not_found_through_appenv() {
    // Attack the promise from the other side: the module is found because
    // of the app's local/, not because perl finds anything anywhere.
    let Some(app) = carton_app() else { return };
    std::fs::remove_file(app.root.join("local/lib/perl5/MyMod.pm")).unwrap();
    app.write("elsewhere/MyMod.pm", MODULE);
    let out = app
        .appenv()
        .args(["perl", "-MMyMod", "-e", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Can't locate MyMod.pm"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn console_is_the_debuggers_repl_or_the_apps_own_reply() {
    let Some(app) = carton_app() else { return };
    let out = app
        .appenv()
        .args(["run", "--dry-run", "console"])
        .output()
        .unwrap();
    assert!(stdout(&out).ends_with("/perl -de0\n"), "{}", stderr(&out));
    let out = app.appenv().arg("tasks").output().unwrap();
    assert!(
        stdout(&out).contains("console") && stdout(&out).contains("built-in (Perl)"),
        "{}",
        stdout(&out)
    );

    // The real REPL, fed from a pipe, sees the app's modules.
    let out = common::fed(
        app.std_command().arg("console"),
        b"use MyMod; print 'said: ', MyMod::hi(), qq{\\n}\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("said: hi from local"),
        "{}",
        stdout(&out)
    );

    // Devel::REPL's re.pl, then reply, once Carton installed them.
    app.script("local/bin/re.pl", "echo re.pl \"$@\"");
    let dry = |app: &App| {
        let out = app
            .appenv()
            .args(["run", "--dry-run", "console"])
            .output()
            .unwrap();
        stdout(&out)
    };
    assert_eq!(dry(&app), "local/bin/re.pl\n");
    app.script("local/bin/reply", "echo reply \"$@\"");
    assert_eq!(dry(&app), "local/bin/reply\n");
    let out = app.appenv().args(["console", "-x"]).output().unwrap();
    assert_eq!(stdout(&out), "reply -x\n", "{}", stderr(&out));
}

#[test]
fn a_cpanfile_marks_the_root_and_local_alone_does_not_isolate() {
    let app = App::new(&[("cpanfile", ""), ("lib/App/", "")]);
    let out = app
        .appenv_in(&app.root.join("lib/App"))
        .arg("root")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("{}\n", app.root.display()));
    // A bare cpanfile (a CPAN distribution's) is no app to give a REPL.
    let out = app.appenv().args(["run", "console"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));

    // `local/` without a cpanfile is nobody's Carton directory.
    let app = App::new(&[("Procfile", ""), ("local/lib/perl5/", "")]);
    let out = app.appenv().args(["env"]).output().unwrap();
    assert!(!stdout(&out).contains("PERL5LIB"), "{}", stdout(&out));
}
