//! End-to-end: a declarative `.envrc` read side by side with the real
//! direnv, lines appenv cannot follow never run and are named, trust covers
//! the file, and `init --from-envrc`.

use std::collections::BTreeMap;

use crate::common;

use common::{App, have, stderr, stdout};

/// The variables `env -0` printed.
fn vars(out: &std::process::Output) -> BTreeMap<String, String> {
    assert!(out.status.success(), "{out:?}");
    out.stdout
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = String::from_utf8_lossy(e);
            let (k, v) = e.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Runs `direnv ARGS` at the app's root in its sandbox.
fn run_direnv(app: &App, args: &[&str]) -> std::process::Output {
    app.sandbox()
        .command("direnv")
        .args(args)
        .current_dir(&app.root)
        .output()
        .unwrap()
}

/// Runs `direnv allow` then `direnv exec . env -0` in the app's sandbox.
fn direnv_env(app: &App) -> BTreeMap<String, String> {
    let run = |args: &[&str]| run_direnv(app, args);
    let allowed = run(&["allow", "."]);
    assert!(allowed.status.success(), "{allowed:?}");
    let env = vars(&run(&["exec", ".", "env", "-0"]));
    // While direnv is allowed to run the file, appenv leaves it to direnv.
    assert!(run(&["deny", "."]).status.success());
    env
}

fn appenv_env(app: &App) -> BTreeMap<String, String> {
    vars(&app.appenv().args(["exec", "env", "-0"]).output().unwrap())
}

const SIDE_BY_SIDE: &str = r#"# a direnv user's .envrc
dotenv
dotenv_if_exists .env.dev
dotenv_if_exists .env.missing
PATH_add bin
PATH_add "tools dir" ./scripts/../more
path_add MANPATH share/man
export PLAIN=word
export SINGLE='a $DB "b" \ c'
export DOUBLE="x\"y\$z\\ ${DB}:$DEV_ONLY/$UNSET_ANYWHERE end"
export MIXED=a\ b'c d'"$DB"
export EMPTY=
export HASH=x#y # a comment
export HERE="$PWD"
export SEE_EARLIER="${PLAIN}-$SINGLE"
source_env sub
source_env_if_exists .envrc.private
watch_file Gemfile.lock
env_vars_required DB
layout node
strict_env
"#;

/// The same `.envrc` under direnv and appenv: every variable direnv exports
/// (its own `DIRENV_*` state aside) appenv gives the program too, with the
/// same value, PATH included.
#[test]
fn a_declarative_envrc_gives_what_direnv_gives() {
    if !have("direnv") {
        return;
    }
    let app = App::new(&[
        (".envrc", SIDE_BY_SIDE),
        (".env", "DB=postgres://dev\nSHARED='from .env'\n"),
        (".env.dev", "DEV_ONLY=yes\n"),
        (
            "sub/.envrc",
            "export FROM_SUB=\"sub $PLAIN\"\nPATH_add subbin\n",
        ),
        ("bin/", ""),
        ("tools dir/", ""),
    ]);
    let direnv = direnv_env(&app);
    let appenv = appenv_env(&app);
    let theirs: BTreeMap<_, _> = direnv
        .iter()
        // direnv's own state, and what bash sets in any process it runs.
        .filter(|(k, _)| !k.starts_with("DIRENV_"))
        .filter(|(k, _)| !["PWD", "OLDPWD", "SHLVL", "_"].contains(&k.as_str()))
        .collect();
    let ours: BTreeMap<_, _> = appenv
        .iter()
        .filter(|(k, _)| theirs.contains_key(k))
        .collect();
    assert_eq!(ours, theirs);
    // Not merely the same empty map: what the file says is there.
    let root = app.root.display().to_string();
    assert_eq!(direnv["DOUBLE"], "x\"y$z\\ postgres://dev:yes/ end");
    assert_eq!(direnv["HERE"], root);
    assert!(
        direnv["PATH"].starts_with(&format!("{root}/node_modules/.bin:{root}/sub/subbin:")),
        "{}",
        direnv["PATH"]
    );
    for name in [
        "PLAIN",
        "SINGLE",
        "MIXED",
        "EMPTY",
        "HASH",
        "SEE_EARLIER",
        "FROM_SUB",
        "MANPATH",
        "SHARED",
    ] {
        assert_eq!(appenv.get(name), direnv.get(name), "{name}");
    }
    // Names appenv sets that direnv does not are appenv's own.
    let extra: Vec<_> = appenv
        .keys()
        .filter(|k| !direnv.contains_key(*k))
        .filter(|k| !k.starts_with("APPENV_"))
        .collect();
    assert!(extra.is_empty(), "{extra:?}");
}

/// Each line appenv cannot follow: under appenv nothing of it runs (the
/// `touch` leaves no file), nothing of the file loads, and the line is
/// named in `explain` and by the hook's export; direnv, for contrast, does
/// run it.
#[test]
fn lines_appenv_cannot_follow_never_run_and_are_named() {
    let lines = [
        "touch ran",
        "use nix; touch ran",
        "eval \"$(touch ran)\"",
        "export A=$(touch ran)",
        "export A=\"$(touch ran)\"",
        "export A=`touch ran`",
        "export A=\"`touch ran`\"",
        "export A=1 && touch ran",
        "layout python && touch ran",
        "f() { touch ran; }; f",
        "source_up; touch ran",
        "dotenv $(touch ran)",
        "PATH_add bin; touch ran",
        "export A=$((1)) B=$(touch ran)",
        "touch ran # export A=1",
    ];
    for line in lines {
        let app = App::new(&[
            (".env", "FROM_ENV=1\n"),
            (".envrc", &format!("export OK=1\n{line}\n")),
        ]);
        let ran = app.root.join("ran");
        let out = app.appenv().args(["exec", "env", "-0"]).output().unwrap();
        let got = vars(&out);
        assert_eq!(got.get("OK"), None, "{line}");
        assert_eq!(got.get("FROM_ENV").map(String::as_str), Some("1"), "{line}");
        let explain = app.appenv().arg("explain").output().unwrap();
        let explain = format!("{}{}", stdout(&explain), stderr(&explain));
        assert!(
            explain.contains(".envrc:2: appenv cannot follow this line"),
            "{line}: {explain}"
        );
        let export = app.appenv().args(["export", "bash"]).output().unwrap();
        assert_eq!(
            stderr(&export).matches(".envrc:2:").count(),
            1,
            "{line}: {}",
            stderr(&export)
        );
        assert!(!ran.exists(), "{line} ran");
        assert!(!explain.contains("touch"), "{explain}");
    }
    // The same file does run under direnv: the test would see it.
    if have("direnv") {
        let app = App::new(&[(".envrc", "touch ran\n")]);
        let _ = direnv_env(&app);
        assert!(app.root.join("ran").exists());
    }
}

/// A line a sourced file holds is named by that file and line, and a
/// file that sources itself back is refused at the line that does.
#[test]
fn a_sourced_file_is_named_at_its_own_line_and_cycles_stop() {
    let app = App::new(&[
        (".envrc", "export A=1\nsource_env sub/.envrc\n"),
        ("sub/.envrc", "export B=2\n\nuse nix\n"),
    ]);
    let explain = app.appenv().arg("explain").output().unwrap();
    assert!(
        stdout(&explain).contains("sub/.envrc:3: appenv cannot follow"),
        "{explain:?}"
    );
    let app = App::new(&[
        (".envrc", "export A=1\nsource_env sub\n"),
        ("sub/.envrc", "source_env ../.envrc\n"),
    ]);
    let explain = app.appenv().arg("explain").output().unwrap();
    assert!(
        stdout(&explain).contains("sub/.envrc:1: appenv cannot follow"),
        "{explain:?}"
    );
    let app = App::new(&[(".envrc", "source_env ../outside\ndotenv /etc/passwd\n")]);
    let explain = app.appenv().arg("explain").output().unwrap();
    assert!(
        stdout(&explain).contains(".envrc:1: appenv cannot follow"),
        "{explain:?}"
    );
}

/// A `.envrc` alone makes a root; a reserved name in it is an error naming
/// its line, never its value.
#[test]
fn an_envrc_marks_a_root_and_cannot_set_appenv_names() {
    let app = App::new(&[("sub/.envrc", "export X=1\n"), ("sub/deep/", "")]);
    let (root, _) = root_from(&app, "sub/deep");
    assert_eq!(root, format!("{}\n", app.root.join("sub").display()));
    let app = App::new(&[(".envrc", "export APPENV_TRUSTED_DIRS=/secret-value\n")]);
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    let err = stderr(&out);
    assert!(err.contains(".envrc:1: APPENV_TRUSTED_DIRS"), "{err}");
    assert!(!err.contains("secret-value"), "{err}");
}

/// What `appenv root` prints from `dir` under the app, and its stderr.
fn root_from(app: &App, dir: &str) -> (String, String) {
    let out = app
        .appenv_in(&app.root.join(dir))
        .arg("root")
        .output()
        .unwrap();
    (stdout(&out), stderr(&out))
}

/// Every `.envrc` the plan follows marks a root, however long (within the
/// plan's own cap): a 2 MiB declarative file is found from below.
#[test]
fn a_long_declarative_envrc_marks_a_root() {
    let long = format!("export X=1\n{}", "# a comment line\n".repeat(2 << 16));
    assert!(long.len() > 2 << 20);
    let app = App::new(&[("sub/.envrc", &long), ("sub/deep/", "")]);
    let (root, err) = root_from(&app, "sub/deep");
    assert_eq!(
        root,
        format!("{}\n", app.root.join("sub").display()),
        "{err}"
    );
}

/// Only a `.envrc` appenv can read marks a root: a direnv user's parent
/// `.envrc` that runs code (`use nix`, `source_up`) never becomes the root
/// of the apps below it, which keep their own markers and isolation.
#[test]
fn an_envrc_of_code_above_an_app_is_no_root() {
    let app = App::new(&[
        ("code/.envrc", "use nix\n"),
        ("code/shop/package.json", "{}\n"),
        ("code/shop/node_modules/.bin/", ""),
        ("code/shop/src/", ""),
        ("other/.envrc", "source_up\nexport X=1\n"),
        ("other/deep/", ""),
    ]);
    let out = app
        .appenv_in(&app.root.join("code/shop/src"))
        .arg("root")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!("{}\n", app.root.join("code/shop").display()),
        "{}",
        stderr(&out)
    );
    // Nothing else above: no root at all, rather than the `.envrc`'s.
    let out = app
        .appenv_in(&app.root.join("other/deep"))
        .arg("root")
        .output()
        .unwrap();
    assert_ne!(
        stdout(&out),
        format!("{}\n", app.root.join("other").display()),
        "{}",
        stderr(&out)
    );
}

/// `env_vars_required` is `[env] required`: missing, nothing runs.
#[test]
fn env_vars_required_stops_the_program() {
    let app = App::new(&[(".envrc", "env_vars_required API_KEY\n")]);
    let out = app
        .appenv()
        .args(["exec", "touch", "ran"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{out:?}");
    assert!(stderr(&out).contains("API_KEY"), "{out:?}");
    assert!(!app.root.join("ran").exists());
    let out = app
        .appenv()
        .env("API_KEY", "k")
        .args(["exec", "true"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// Trust covers the `.envrc`: a changed or new one revokes an allow.
#[test]
fn a_changed_or_new_envrc_revokes_trust() {
    let app = App::new(&[(".env", "A=1\n")]);
    let untrusted = || app.sandbox().unset("APPENV_TRUSTED_DIRS");
    let run = |args: &[&str]| {
        let mut cmd = untrusted().appenv();
        cmd.current_dir(&app.root).args(args).output().unwrap()
    };
    assert!(run(&["allow"]).status.success());
    assert!(run(&["exec", "true"]).status.success());
    app.write(".envrc", "export B=1\n");
    let out = run(&["exec", "true"]);
    assert_eq!(out.status.code(), Some(125), "a new .envrc: {out:?}");
    assert!(run(&["allow"]).status.success());
    assert_eq!(
        vars(&run(&["exec", "env", "-0"]))
            .get("B")
            .map(String::as_str),
        Some("1")
    );
    app.write(".envrc", "export B=2\n");
    assert_eq!(
        run(&["exec", "true"]).status.code(),
        Some(125),
        "a changed .envrc"
    );
    // A file it sources is covered too.
    app.write(".envrc", "source_env .envrc.shared\n");
    app.write(".envrc.shared", "export B=3\n");
    assert!(run(&["allow"]).status.success());
    assert!(run(&["exec", "true"]).status.success());
    app.write(".envrc.shared", "export B=4\n");
    assert_eq!(
        run(&["exec", "true"]).status.code(),
        Some(125),
        "a changed sourced file"
    );
}

/// `init --from-envrc` writes an appenv.toml that gives the same
/// environment once the `.envrc` is gone, names by `file:line` what it
/// could not translate, and never overwrites.
#[test]
fn init_from_envrc_writes_the_equivalent_config() {
    let envrc = "dotenv\ndotenv_if_exists .env.shared\nPATH_add bin\n\
                 export API_URL=\"https://$HOST_PART/v1\"\nexport MODE='fast lane'\n\
                 path_add MANPATH man\nwatch_file Gemfile.lock\nexport COST='$5'\n\
                 env_vars_required MODE\nlayout node\nexport CACHE=\"$HOME/c\"\nstrict_env\n";
    let app = App::new(&[
        (".envrc", envrc),
        (".env", "HOST_PART=dev.example\n"),
        (".env.shared", "SHARED=1\n"),
        ("bin/", ""),
        ("node_modules/.bin/", ""),
    ]);
    let before = appenv_env(&app);
    let out = app
        .appenv()
        .args(["init", "--from-envrc"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr(&out);
    for named in [
        ".envrc:4: API_URL",
        ".envrc:6: path_add MANPATH",
        ".envrc:7: watch_file",
        ".envrc:8: COST",
        ".envrc:12: strict_env",
    ] {
        assert!(
            err.contains(&format!("appenv: not translated: {named}")),
            "{err}"
        );
    }
    assert!(!err.contains("$5"), "never a value: {err}");
    let config = std::fs::read_to_string(app.root.join("appenv.toml")).unwrap();
    assert!(config.contains("CACHE = \"${HOME:-}/c\""), "{config}");
    assert!(config.contains("required = [\"MODE\"]"), "{config}");
    assert!(config.contains(".env.shared\"]"), "{config}");

    std::fs::remove_file(app.root.join(".envrc")).unwrap();
    let after = appenv_env(&app);
    for name in ["CACHE", "MODE", "SHARED", "HOST_PART", "PATH"] {
        assert_eq!(after.get(name), before.get(name), "{name}\n{config}");
    }
    assert_eq!(before["API_URL"], "https://dev.example/v1");
    assert_eq!(after.get("API_URL"), None, "not translated");

    app.write(".envrc", "export A=1\n");
    let out = app
        .appenv()
        .args(["init", "--from-envrc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "an existing appenv.toml");
    assert_eq!(
        std::fs::read_to_string(app.root.join("appenv.toml")).unwrap(),
        config
    );
}

/// A `.envrc` appenv cannot follow is not translated: the line is named and
/// nothing is written.
#[test]
fn init_from_envrc_refuses_a_file_it_cannot_follow() {
    let app = App::new(&[(".envrc", "export A=1\nuse nix\n")]);
    let out = app
        .appenv()
        .args(["init", "--from-envrc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr(&out).contains(".envrc:2:"), "{out:?}");
    assert!(!app.root.join("appenv.toml").exists());
}

/// A `.envrc` that direnv is allowed to run is direnv's: appenv leaves it
/// alone (both applying one `PATH_add` would leave an entry behind on the
/// way out), says so in `explain`, and reads it again once direnv is denied.
#[test]
fn a_file_direnv_runs_is_left_to_direnv() {
    if !have("direnv") {
        return;
    }
    let app = App::new(&[(".envrc", "export FROM_RC=1\n"), (".env", "A=1\n")]);
    let direnv = |verb: &str| {
        let out = app
            .sandbox()
            .command("direnv")
            .args([verb, "."])
            .current_dir(&app.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    };
    direnv("allow");
    assert_eq!(appenv_env(&app).get("FROM_RC"), None);
    let explain = stdout(&app.appenv().arg("explain").output().unwrap());
    assert!(explain.contains("direnv is allowed to run it"), "{explain}");
    direnv("deny");
    assert_eq!(
        appenv_env(&app).get("FROM_RC").map(String::as_str),
        Some("1")
    );
}

/// `watch_file` as direnv's hook has it: a change to a watched file (or
/// its appearance) makes the hook ask appenv again; another file in the
/// same directory does not.
#[test]
fn the_hook_watches_what_watch_file_names() {
    use crate::hook::harness::{HookApp, Snap, Step::*, shells};
    for shell in shells() {
        let sandbox = HookApp::new(&[
            (
                "apps/app/.envrc",
                "watch_file lock/Gemfile.lock \"$PWD/lock/later.txt\"\nexport A=1\n",
            ),
            ("apps/app/lock/Gemfile.lock", "v1\n"),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/app"),
                Prompt,
                Snap,
                Write("apps/app/lock/unwatched", "x"),
                Prompt,
                Snap,
                Write("apps/app/lock/Gemfile.lock", "v2\n"),
                Prompt,
                Snap,
                Write("apps/app/lock/later.txt", "new"),
                Prompt,
                Snap,
            ],
        );
        let [loaded, other, changed, appeared]: [Snap; 4] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(loaded.get("A"), Some("1"), "{shell}: {}", loaded.said);
        assert_eq!(loaded.calls, 1, "{shell}");
        assert_eq!(other.calls, 1, "{shell}: a file nobody watches");
        assert_eq!(changed.calls, 2, "{shell}: the watched file changed");
        assert_eq!(appeared.calls, 3, "{shell}: the watched file appeared");
        assert_eq!(appeared.get("A"), Some("1"), "{shell}");
    }
    // Editors get them in `status --json`'s watch list.
    let app = App::new(&[(".envrc", "watch_file flake.lock\n")]);
    let out = app.appenv().args(["status", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lock = app.root.join("flake.lock").display().to_string();
    assert!(
        json["watch"].as_array().unwrap().iter().any(|p| *p == lock),
        "{json}"
    );
}

/// `strict_env` as under direnv: before it an unset `$NAME` is empty;
/// after it (and in what is sourced after it) one stops everything, at the
/// same line in both, naming the variable. Side by side with the real
/// direnv.
#[test]
fn strict_env_stops_at_an_unset_variable_as_direnv_does() {
    if !have("direnv") {
        return;
    }
    let envrc = "export BEFORE=\"a${UNSET_BEFORE}b\"\nstrict_env\nexport SET=\"x${HOME}y\"\nsource_env sub\n";
    let app = App::new(&[(".envrc", envrc), ("sub/.envrc", "export SUB=ok\n")]);
    let direnv = direnv_env(&app);
    let appenv = appenv_env(&app);
    for name in ["BEFORE", "SET", "SUB"] {
        assert_eq!(direnv.get(name), appenv.get(name), "{name}");
    }
    assert_eq!(appenv["BEFORE"], "ab");
    // An unset variable after strict_env, here in the sourced file.
    app.write("sub/.envrc", "export SUB=ok\nexport LATE=\"$UNSET_X\"\n");
    let run = |args: &[&str]| run_direnv(&app, args);
    assert!(run(&["allow", "."]).status.success());
    let theirs = run(&["exec", ".", "touch", "direnv-ran"]);
    assert!(run(&["deny", "."]).status.success());
    assert!(!theirs.status.success());
    // direnv names the file as it found it from the directory it ran it in.
    assert!(
        stderr(&theirs).contains(".envrc:2: UNSET_X: unbound variable"),
        "{theirs:?}"
    );
    assert!(!app.root.join("direnv-ran").exists());
    let ours = app
        .appenv()
        .args(["exec", "touch", "appenv-ran"])
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(125), "{ours:?}");
    assert!(
        stderr(&ours).contains("sub/.envrc:2: UNSET_X: unbound variable"),
        "{ours:?}"
    );
    assert!(!app.root.join("appenv-ran").exists());
    // Set, it is a value like any other.
    let ours = app
        .appenv()
        .env("UNSET_X", "now set")
        .args(["exec", "env", "-0"])
        .output()
        .unwrap();
    assert_eq!(vars(&ours)["LATE"], "now set");
    // Without strict_env the same line reads as empty, in both.
    app.write(".envrc", &envrc.replace("strict_env\n", ""));
    assert_eq!(appenv_env(&app)["LATE"], "");
    assert_eq!(direnv_env(&app)["LATE"], "");
}
