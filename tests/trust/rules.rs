//! End-to-end: the rules that keep an app from widening its own trust, and
//! the tools to inspect and clean trust records.

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{App, stderr, stdout};

use super::untrusted;

/// Runs `appenv touch MARKER`: refused with 125, nothing run; returns stderr.
fn refused(mut cmd: assert_cmd::Command, app: &App) -> String {
    let marker = app.tmp.path().join("ran");
    let out = cmd.arg("touch").arg(&marker).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(!marker.exists(), "the program must not run");
    stderr(&out)
}

/// Files owned by another user can only be made as root: the one rule of
/// the sandbox decides (a failure under CI, a skip elsewhere).
fn is_root() -> bool {
    common::require_that(
        nix::unistd::geteuid().is_root(),
        "files owned by another user can only be made as root",
    )
}

fn chown(path: &Path, uid: u32) {
    nix::unistd::chown(path, Some(nix::unistd::Uid::from_raw(uid)), None).unwrap();
}

#[test]
fn a_non_ascii_template_covers_what_it_names() {
    let app = App::new(&[
        ("appenv.toml", "[env]\nfiles = [\"cfgΣ{env}\"]\n"),
        ("cfgΣprod", "A=allowed\n"),
    ]);
    untrusted(&app).arg("allow").assert().success();
    untrusted(&app)
        .args(["-e", "prod", "printenv", "A"])
        .assert()
        .success()
        .stdout("allowed\n");
    app.write("cfgΣprod", "A=unallowed\n");
    let err = refused(
        {
            let mut cmd = untrusted(&app);
            cmd.args(["-e", "prod"]);
            cmd
        },
        &app,
    );
    assert!(
        err.contains("changed since it was allowed (cfgΣprod: ~A)"),
        "{err}"
    );
    // And a name that only Unicode case folding would match is not this file.
    app.write("cfgσprod", "A=x\n");
    untrusted(&app).arg("allow").assert().success();
    untrusted(&app)
        .args(["-e", "prod", "printenv", "A"])
        .assert()
        .success()
        .stdout("unallowed\n");
}

#[test]
fn an_app_cannot_set_appenvs_own_variables_or_move_the_trust_store() {
    let cases = [
        (
            ".env",
            "A=1\nAPPENV_TRUSTED_DIRS=/\n",
            ".env:2: APPENV_TRUSTED_DIRS: ",
        ),
        (".env", "APPENV_QUIET=1\n", ".env:1: APPENV_QUIET: "),
        (
            ".env.local",
            "\nAPPENV_SHIM_DEPTH=0\n",
            ".env.local:2: APPENV_SHIM_DEPTH: ",
        ),
        (
            ".env",
            "XDG_DATA_HOME=/tmp/forged\n",
            ".env:1: XDG_DATA_HOME: ",
        ),
        (
            "appenv.toml",
            "[env.vars]\nOK = \"1\"\nAPPENV_STATE = \"x\"\n",
            "appenv.toml:3: APPENV_STATE: ",
        ),
        (
            "appenv.toml",
            "[env.vars]\n\nXDG_DATA_HOME = \"/tmp/forged\"\n",
            "appenv.toml:3: XDG_DATA_HOME: ",
        ),
    ];
    for (file, content, expected) in cases {
        let app = App::new(&[(".env", ""), (file, content)]);
        let err = refused(app.appenv(), &app);
        assert!(
            err.starts_with(&format!("appenv: {expected}")),
            "{content:?}: {err}"
        );
        assert!(err.contains("set it outside the app"), "{err}");
        assert!(!err.contains("/tmp/forged"), "never the value: {err}");
        // The hook loads nothing and says the same.
        let out = app.appenv().args(["export", "bash"]).output().unwrap();
        assert!(out.status.success());
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(!stdout(&out).contains("forged"));
    }
    // HOME decides the store only when no XDG_DATA_HOME is inherited.
    let app = App::new(&[(".env", "HOME=/srv/home\n")]);
    app.appenv()
        .args(["printenv", "HOME"])
        .assert()
        .success()
        .stdout(format!("{}\n", app.tmp.path().join("home").display()));
    let app = App::new(&[
        ("appenv.toml", "[env]\noverride = true\n"),
        (".env", "HOME=/srv/home\n"),
    ]);
    app.appenv()
        .args(["printenv", "HOME"])
        .assert()
        .success()
        .stdout("/srv/home\n");
    let out = app
        .appenv()
        .env_remove("XDG_DATA_HOME")
        .arg("true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains(".env:1: HOME: without XDG_DATA_HOME"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn input_files_are_checked_before_they_are_read() {
    // A symlink to /dev/zero, a FIFO, a directory and a huge file, as each input.
    for name in ["Procfile", "appenv.toml"] {
        let app = App::new(&[(".env", "A=1\n")]);
        let path = app.root.join(name);
        let started = Instant::now();
        symlink("/dev/zero", &path).unwrap();
        let err = refused(app.appenv(), &app);
        assert_eq!(err, format!("appenv: {name}: is not a regular file\n"));
        fs::remove_file(&path).unwrap();
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).unwrap();
        let err = refused(app.appenv(), &app);
        assert_eq!(err, format!("appenv: {name}: is not a regular file\n"));
        // The hook's `cd`: a message, no load, exit 0, and no hang.
        let out = app.appenv().args(["export", "bash"]).output().unwrap();
        assert!(out.status.success());
        assert!(!stdout(&out).contains("export A="));
        assert!(stderr(&out).contains(&format!("{name}: is not a regular file")));
        fs::remove_file(&path).unwrap();
        fs::write(&path, vec![b'#'; (1 << 20) + 1]).unwrap();
        let err = refused(app.appenv(), &app);
        assert_eq!(
            err,
            format!("appenv: {name}: is larger than 1 MiB, more than appenv reads\n")
        );
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    // mix.exs is read for Phoenix detection: a FIFO there must not hang `tasks`.
    let app = App::new(&[(".env", "")]);
    nix::unistd::mkfifo(&app.root.join("mix.exs"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    let mut child = app.std_command().arg("tasks").spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("appenv tasks blocked on a FIFO named mix.exs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every command that reads `app` fails or works without printing `secret`.
fn check_quiet_about(app: &App, secret: &str, what: &str) {
    let commands: [&[&str]; 9] = [
        &["true"],
        &["env"],
        &["env", "--json"],
        &["explain"],
        &["export", "bash"],
        &["export", "json"],
        &["tasks"],
        &["which", "true"],
        &["allow"],
    ];
    for args in commands {
        for mut cmd in [app.appenv(), untrusted(app)] {
            let out = cmd.args(args).output().unwrap();
            let err = stderr(&out);
            assert!(
                !err.contains(&secret[..10]),
                "{what}: appenv {args:?} said {err}"
            );
            if !out.status.success() || args[0] != "env" {
                assert!(!stdout(&out).contains(&secret[..10]), "{what}: {args:?}");
            }
        }
    }
}

#[test]
fn env_in_every_format_refuses_an_app_that_is_not_allowed() {
    let app = App::new(&[(".env", "TOKEN=hunter2secret\n")]);
    for args in [
        &["env"][..],
        &["env", "--json"],
        &["env", "--format", "dotenv"],
        &["env", "--format", "env"],
    ] {
        let out = untrusted(&app).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "appenv: {} is not allowed; run 'appenv allow'\n",
                app.root.display()
            )
        );
    }
    // explain still shows names and sources, never values; export json loads nothing.
    let out = untrusted(&app).arg("explain").output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("TOKEN") && !stdout(&out).contains("hunter2"));
    let out = untrusted(&app).args(["export", "json"]).output().unwrap();
    assert!(out.status.success());
    assert!(!stdout(&out).contains("hunter2"));
    untrusted(&app).arg("allow").assert().success();
    let out = untrusted(&app).args(["env", "--json"]).output().unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("hunter2secret"));
}

#[test]
fn an_env_file_named_with_invalid_utf8_is_skipped_and_shown() {
    let app = App::new(&[(".env", "A=1\n")]);
    fs::write(
        app.root.join(OsStr::from_bytes(b".env.\xff\x1b[2J")),
        "B=2\n",
    )
    .unwrap();
    untrusted(&app).arg("allow").assert().success();
    untrusted(&app)
        .args(["printenv", "A"])
        .assert()
        .success()
        .stdout("1\n");
    let out = untrusted(&app).arg("explain").output().unwrap();
    let text = stdout(&out);
    assert!(
        text.contains(".env.\\xff\\u{1b}[2J") && text.contains("skipped: the name is not UTF-8"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn allow_through_a_symlink_says_both_paths() {
    let app = App::new(&[]);
    let release = app.tmp.path().join("shop/releases/20261201");
    fs::create_dir_all(&release).unwrap();
    fs::write(release.join(".env"), "A=1\n").unwrap();
    let current = app.tmp.path().join("shop/current");
    symlink("releases/20261201", &current).unwrap();
    let out = untrusted(&app).arg("allow").arg(&current).output().unwrap();
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: allowed {} (releases/20261201)\n",
            current.display()
        )
    );
    let out = untrusted(&app).arg("allow").arg(&release).output().unwrap();
    assert_eq!(
        stderr(&out),
        format!("appenv: allowed {}\n", release.display())
    );
    // Once the release is deleted, the dangling link still names its record.
    fs::remove_dir_all(&release).unwrap();
    let out = untrusted(&app).arg("deny").arg(&current).output().unwrap();
    assert_eq!(
        stderr(&out),
        format!("appenv: denied {}\n", release.display())
    );
}

#[test]
fn records_can_be_listed_and_gone_apps_denied() {
    let app = App::new(&[(".env", "A=1\n")]);
    let other = app.tmp.path().join("other");
    let gone = app.tmp.path().join("gone");
    for dir in [&other, &gone] {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join(".env"), "").unwrap();
        untrusted(&app).arg("allow").arg(dir).assert().success();
    }
    untrusted(&app).arg("allow").assert().success();
    fs::remove_dir_all(&gone).unwrap();
    let out = untrusted(&app).args(["allow", "--list"]).output().unwrap();
    let list = stdout(&out);
    assert_eq!(list.lines().count(), 3, "{list}");
    let line = |dir: &Path| {
        list.lines()
            .find(|l| l.starts_with(&format!("{}\t", dir.display())))
            .unwrap_or_else(|| panic!("{} not in {list}", dir.display()))
            .to_owned()
    };
    let mine = line(&app.root);
    assert!(
        mine.contains("\tallowed on 20") && mine.contains(" UTC\t.env"),
        "{mine}"
    );
    assert!(line(&gone).ends_with("(gone; 'appenv deny --gone' removes it)"));
    assert!(!line(&other).contains("gone"));

    // A gone app is denied by the path it was allowed at...
    let out = untrusted(&app).arg("deny").arg(&gone).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), format!("appenv: denied {}\n", gone.display()));
    // ...or with every other gone one.
    fs::remove_dir_all(&other).unwrap();
    let out = untrusted(&app).args(["deny", "--gone"]).output().unwrap();
    assert_eq!(
        stderr(&out),
        format!("appenv: denied {} (gone)\n", other.display())
    );
    let out = untrusted(&app).args(["allow", "--list"]).output().unwrap();
    assert_eq!(stdout(&out).lines().count(), 1);
    assert!(
        untrusted(&app)
            .arg("true")
            .output()
            .unwrap()
            .status
            .success()
    );
}

#[test]
fn a_relative_trusted_dirs_entry_is_warned_about_once() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = untrusted(&app)
        .env("APPENV_TRUSTED_DIRS", "relative/dir::.")
        .arg("true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    let warning =
        "appenv: warning: APPENV_TRUSTED_DIRS entries must be absolute; ignoring relative/dir, .\n";
    assert_eq!(
        stderr(&out),
        format!(
            "{warning}appenv: {} is not allowed; run 'appenv allow'\n",
            app.root.display()
        )
    );
    let out = untrusted(&app)
        .env("APPENV_TRUSTED_DIRS", "relative")
        .arg("explain")
        .output()
        .unwrap();
    assert_eq!(
        stderr(&out).matches("warning").count(),
        1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_changed_message_names_variables_and_files_never_values() {
    let app = App::new(&[(".env", "DATABASE_URL=postgres://old\nKEEP=1\nGONE=1\n")]);
    untrusted(&app).arg("allow").assert().success();
    app.write(
        ".env",
        "DATABASE_URL=postgres://s3cret\nKEEP=1\nNEW_FLAG=1\n",
    );
    let err = refused(untrusted(&app), &app);
    assert_eq!(
        err,
        format!(
            "appenv: {} changed since it was allowed (.env: +NEW_FLAG ~DATABASE_URL -GONE); review it and run 'appenv allow'\n",
            app.root.display()
        )
    );
    app.write(".env.staging", "S=hunter2\n");
    app.write("Procfile", "web: x\n");
    let err = refused(untrusted(&app), &app);
    assert!(
        err.contains(
            "(.env: +NEW_FLAG ~DATABASE_URL -GONE; .env.staging: new file, +S; Procfile: new file)"
        ),
        "{err}"
    );
    assert!(!err.contains("s3cret") && !err.contains("hunter2"));
}

#[test]
fn a_root_owned_by_another_user_is_not_an_app_of_yours() {
    if !is_root() {
        return;
    }
    // A shared sticky directory where another user left an appenv.toml above
    // your project: it would become your project's root.
    let app = App::new(&[]);
    let shared = app.tmp.path().join("shared");
    let mine = shared.join("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    fs::write(mine.join("Gemfile"), "").unwrap();
    let planted = shared.join("appenv.toml");
    fs::write(&planted, "[exec]\nprefix = [\"/bin/echo\", \"planted\"]\n").unwrap();
    chown(&planted, 4242);
    let err = refused(
        {
            let mut cmd = untrusted(&app);
            cmd.arg("-C").arg(&mine);
            cmd
        },
        &app,
    );
    assert!(
        err.starts_with("appenv: appenv.toml: the file is owned by another user (uid 4242"),
        "{err}"
    );
    assert!(
        err.contains("'chown' it, or trust the tree with APPENV_TRUSTED_DIRS"),
        "{err}"
    );
    // allow refuses it too, so a hurried 'appenv allow' cannot make it yours.
    let out = untrusted(&app).arg("allow").arg(&mine).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("owned by another user"));

    // The root directory itself, and an env file in it.
    let app = App::new(&[(".env", "A=1\n")]);
    chown(&app.root, 4243);
    let err = refused(untrusted(&app), &app);
    assert!(
        err.contains("the directory is owned by another user (uid 4243"),
        "{err}"
    );
    chown(&app.root, 0);
    chown(&app.root.join(".env"), 4243);
    let err = refused(untrusted(&app), &app);
    assert!(
        err.starts_with("appenv: .env: the file is owned by another user"),
        "{err}"
    );
    // Where the machine's owner trusts the tree, ownership is theirs to decide.
    app.appenv()
        .args(["printenv", "A"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn a_trust_store_that_is_not_yours_is_not_believed() {
    if !is_root() {
        return;
    }
    // Root with another user's HOME (sudo -E, su -m): that user's records.
    let app = App::new(&[(".env", "A=1\n")]);
    untrusted(&app).arg("allow").assert().success();
    let store = app.tmp.path().join("home/data/appenv/trust");
    for entry in fs::read_dir(&store).unwrap() {
        chown(&entry.unwrap().path(), 4242);
    }
    let err = refused(untrusted(&app), &app);
    assert!(
        err.contains("is owned by uid 4242, not by you (uid 0)"),
        "{err}"
    );
    chown(&store, 4242);
    for entry in fs::read_dir(&store).unwrap() {
        chown(&entry.unwrap().path(), 0);
    }
    let err = refused(untrusted(&app), &app);
    assert!(
        err.contains(&format!(
            "the trust store {} is owned by uid 4242",
            store.display()
        )),
        "{err}"
    );
    let out = untrusted(&app).arg("allow").output().unwrap();
    assert!(
        !out.status.success(),
        "allow must not write into another user's store"
    );
    assert!(fs::metadata(&store).unwrap().permissions().mode() & 0o777 == 0o700);
}

#[test]
fn a_symlinked_trust_store_is_used_but_never_chmodded() {
    let app = App::new(&[(".env", "A=1\n")]);
    let target = app.tmp.path().join("dotfiles/trust");
    fs::create_dir_all(&target).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).unwrap();
    let store = app.tmp.path().join("home/data/appenv/trust");
    fs::create_dir_all(store.parent().unwrap()).unwrap();
    symlink(&target, &store).unwrap();
    untrusted(&app).arg("allow").assert().success();
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o755
    );
    untrusted(&app)
        .args(["printenv", "A"])
        .assert()
        .success()
        .stdout("1\n");
    // A store others can write is refused, through the link or not.
    fs::set_permissions(&target, fs::Permissions::from_mode(0o777)).unwrap();
    let err = refused(untrusted(&app), &app);
    assert!(err.contains("can be written by other users"), "{err}");
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o777
    );
}

#[test]
fn a_file_open_in_vim_keeps_its_app_allowed() {
    if !common::require("vim") {
        return;
    }
    let app = App::new(&[(".env", "A=allowed\n"), (".env.test", "A=test\n")]);
    untrusted(&app).arg("allow").assert().success();
    // Vim keeps `.env.swp` beside the file while it is open: it fits
    // `.env.{env}`, yet it is no environment of the app's.
    let mut vim = app
        .sandbox()
        .command(common::real_tool("vim"))
        .args([
            "-Nu", "NONE", "-i", "NONE", "-es", "-c", "sleep 60", "-c", "qa!",
        ])
        .arg(".env")
        .current_dir(&app.root)
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let swap = app.root.join(".env.swp");
    let start = Instant::now();
    while !swap.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "vim made no swap file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = untrusted(&app).args(["printenv", "A"]).output().unwrap();
    let names = untrusted(&app).args(["env", "--names"]).output().unwrap();
    let _ = vim.kill();
    let _ = vim.wait();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "allowed\n");
    assert_eq!(stdout(&names), "test\n", "{}", stderr(&names));
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn errors_never_print_a_value() {
        const SECRET: &str = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t";
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n");
        let cases: Vec<(&str, String)> = vec![
            (".env", format!("A=1\n{SECRET}\n")),
            (".env", format!("A=1\n={SECRET}\n")),
            (".env", format!("KEY={SECRET} {SECRET}\n")),
            (".env", format!("KEY=\"{SECRET}\\q\"\n")),
            (".env", format!("KEY='{SECRET}\n")),
            (".env", format!("1{SECRET}=x\n")),
            (".env", format!("APPENV_TOKEN={SECRET}\n")),
            (".env", SECRET.to_string()),
            (".env", pem.clone()),
            ("appenv.toml", format!("[env]\noverride = \"{SECRET}\"\n")),
            ("appenv.toml", format!("[env.vars]\nA = [\"{SECRET}\"]\n")),
            ("appenv.toml", format!("environment = \"{SECRET}/x\"\n")),
            ("appenv.toml", format!("[exec]\nprefix = \"{SECRET}\"\n")),
        ];
        for (file, content) in &cases {
            let app = App::new(&[(file, content)]);
            check_quiet_about(&app, SECRET, content);
        }
        // Through a symlink to a token file, before any trust check.
        let app = App::new(&[]);
        fs::write(app.tmp.path().join("token"), format!("{SECRET}\n")).unwrap();
        symlink(app.tmp.path().join("token"), app.root.join(".env")).unwrap();
        check_quiet_about(&app, SECRET, "a .env symlinked to a token");
        let app = App::new(&[]);
        fs::write(app.tmp.path().join("key.pem"), &pem).unwrap();
        symlink(app.tmp.path().join("key.pem"), app.root.join(".env")).unwrap();
        check_quiet_about(&app, SECRET, "a .env symlinked to a PEM key");
    }
}
