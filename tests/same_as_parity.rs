//! `--same-as` keeps factor XII's promise: a one-off from a web started
//! through appenv gets the web's environment, byte for byte but for its
//! process type, with each launcher appenv knows, really run; `diff` says
//! identical exactly then. And the process never chooses what root reads:
//! the app it was started in, a name for it, pidfiles read as untrusted
//! input, another release shown apart.
#![cfg(target_os = "linux")]

use crate::common;
use crate::same_as::{NOBODY, Web, app, caller, ready, web_as_nobody};

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{App, Sandbox, stderr, stdout};

/// The entries of an environ block (or `env -0` output), sorted: the order
/// of a block says nothing, every entry is compared byte for byte.
fn entries(block: &[u8]) -> Vec<Vec<u8>> {
    let mut entries: Vec<Vec<u8>> = block
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    entries.sort();
    entries
}

fn environ(pid: u32) -> Vec<u8> {
    fs::read(format!("/proc/{pid}/environ")).unwrap()
}

/// The process `appenv run web` ends as: the first process named `sleep`
/// among the child and its descendants (a launcher may keep its own
/// process around the program, as `uv run` does).
fn start_web(cmd: Command) -> (Web, u32) {
    start_program(cmd, "sleep")
}

/// [`start_web`] for a program named `comm`.
fn start_program(cmd: Command, comm: &str) -> (Web, u32) {
    let web = Web::start_any(cmd, comm);
    let program = web.pid;
    (web, program)
}

/// The one-off's environment (`appenv --same-as TARGET -- env -0`), run by
/// `sandbox` in `dir`.
fn one_off_env(sandbox: &Sandbox, dir: &Path, target: &str) -> Vec<u8> {
    let out = sandbox
        .command(common::appenv_bin())
        .current_dir(dir)
        .args(["--same-as", target, "--", "env", "-0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out.stdout
}

/// The promise, for a web whose program is `program`: `diff --same-as web`
/// (by name) and `--same-as PID` exit 0 and list nothing that counts, and
/// the one-off's environment is the program's, entry for entry, but for
/// `APPENV_PROCESS=web`, which a one-off never takes.
fn assert_identical(sandbox: &Sandbox, root: &Path, program: u32) {
    for target in ["web".to_owned(), program.to_string()] {
        let out = sandbox
            .command(common::appenv_bin())
            .current_dir(root)
            .args(["diff", "--same-as", &target])
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: {text}{}",
            stderr(&out)
        );
        for line in text.lines() {
            assert!(
                line.starts_with("session variables")
                    || line.starts_with("process identity")
                    || line.starts_with("set by the process's launcher")
                    || line.starts_with("set per process by"),
                "{target}: {text}"
            );
        }
    }
    let web = environ(program);
    let mut expected = entries(&web);
    let identity = b"APPENV_PROCESS=web".to_vec();
    assert!(
        expected.contains(&identity),
        "{}",
        String::from_utf8_lossy(&web)
    );
    expected.retain(|e| *e != identity);
    for target in ["web".to_owned(), program.to_string()] {
        let got = entries(&one_off_env(sandbox, root, &target));
        assert_eq!(
            got.iter()
                .map(|e| String::from_utf8_lossy(e))
                .collect::<Vec<_>>(),
            expected
                .iter()
                .map(|e| String::from_utf8_lossy(e))
                .collect::<Vec<_>>(),
            "--same-as {target}"
        );
    }
}

/// `appenv run web` in `root`, in `sandbox`.
fn run_web(sandbox: &Sandbox, root: &Path) -> Command {
    let mut cmd = sandbox.command(common::appenv_bin());
    cmd.current_dir(root)
        .args(["run", "web"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// A bin directory of links to the real `tools`, first on PATH.
/// `appenv diff --same-as web` in `app` prints `line`.
fn diff_with_web_says(app: &App, line: &str) {
    let out = app
        .appenv()
        .args(["diff", "--same-as", "web"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains(line), "{}", stdout(&out));
}

fn with_tools(app: &App, tools: &[&str]) -> Sandbox {
    let bin = app.tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    for tool in tools {
        std::os::unix::fs::symlink(common::real_tool(tool), bin.join(tool)).unwrap();
    }
    app.sandbox().path_first(&bin)
}

#[test]
fn a_virtualenv() {
    if !ready(&["python3"]) {
        return;
    }
    let app = App::new(&[(".env", "A=1\n"), ("Procfile", "web: sleep 1000\n")]);
    let out = Command::new(common::real_tool("python3"))
        .args(["-m", "venv", "--without-pip"])
        .arg(app.root.join(".venv"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sandbox = app.sandbox();
    let (_web, program) = start_web(run_web(&sandbox, &app.root));
    let web = String::from_utf8_lossy(&environ(program)).into_owned();
    let bin = format!("PATH={}/.venv/bin:", app.root.display());
    assert!(web.contains(&bin), "{web}");
    assert_identical(&sandbox, &app.root, program);
}

#[test]
fn uv_run() {
    if !ready(&["uv", "python3"]) {
        return;
    }
    let app = App::new(&[
        (
            "pyproject.toml",
            "[project]\nname = \"shop\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n",
        ),
        (".env", "A=1\n"),
        ("Procfile", "web: uv run sleep 1000\n"),
    ]);
    let sandbox = with_tools(&app, &["uv", "python3"])
        .set("UV_OFFLINE", "1")
        .set("UV_PYTHON_DOWNLOADS", "never");
    // The project's virtualenv, as a deploy makes it before the web starts.
    let out = sandbox
        .command("uv")
        .arg("sync")
        .current_dir(&app.root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (web, program) = start_web(run_web(&sandbox, &app.root));
    // uv stays around its program: the web (found by name) is uv, the
    // program its child; a one-off from either ends as the program is.
    assert_ne!(web.child.id(), program);
    let got = String::from_utf8_lossy(&environ(program)).into_owned();
    assert!(got.contains("UV_RUN_RECURSION_DEPTH=1"), "{got}");
    assert_identical(&sandbox, &app.root, program);
}

#[test]
fn npm_scripts_and_node_modules_bin() {
    if !ready(&[]) {
        return;
    }
    let app = App::new(&[
        (
            "package.json",
            "{\"name\": \"shop\", \"version\": \"1.0.0\", \"scripts\": {\"web\": \"sleep 1000\"}}\n",
        ),
        ("node_modules/.bin/", ""),
        (".env", "A=1\n"),
    ]);
    let sandbox = app.sandbox();
    let (_web, program) = start_web(run_web(&sandbox, &app.root));
    let got = String::from_utf8_lossy(&environ(program)).into_owned();
    assert!(got.contains("npm_lifecycle_event=web"), "{got}");
    assert_identical(&sandbox, &app.root, program);
    diff_with_web_says(
        &app,
        "set per process by npm run, expected to differ: INIT_CWD (only in the process), npm_",
    );
}

#[test]
fn a_process_is_found_by_its_name_in_this_app_only() {
    if !ready(&["setpriv"]) {
        return;
    }
    let procfile = |web: &str| {
        format!(
            "web: KIND={web} sleep 1000\nworker: KIND=k sleep 1000\n\
             show: echo \"$APPENV_PROCESS/$KIND\"\nconsole: echo \"console $APPENV_PROCESS $KIND\"\n"
        )
    };
    let app = App::new(&[("Procfile", &procfile("w"))]);
    let other = App::new(&[("Procfile", &procfile("other"))]);
    let sandbox = app.sandbox();
    let (_web, _) = start_web(run_web(&sandbox, &app.root));
    let mut worker_cmd = sandbox.command(common::appenv_bin());
    worker_cmd
        .current_dir(&app.root)
        .args(["run", "worker"])
        .stdout(Stdio::null());
    let (_worker, _) = start_web(worker_cmd);
    let (_other_web, _) = start_web(run_web(&other.sandbox(), &other.root));

    let run = |app: &App, args: &[&str]| {
        let out = app.appenv().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(run(&app, &["--same-as", "web", "run", "show"]), "show/w\n");
    assert_eq!(
        run(&app, &["--same-as", "worker", "run", "show"]),
        "show/k\n"
    );
    assert_eq!(
        run(&app, &["--same-as", "web", "console"]),
        "console console w\n"
    );
    assert_eq!(
        run(
            &app,
            &[
                "--same-as",
                "worker",
                "sh",
                "-c",
                "echo ${APPENV_PROCESS:-none}/$KIND"
            ]
        ),
        "none/k\n"
    );
    // Another app's web is that app's.
    assert_eq!(
        run(&other, &["--same-as", "web", "run", "show"]),
        "show/other\n"
    );
    // -C says which app, as anywhere else.
    let elsewhere = app.tmp.path();
    let out = other
        .appenv_in(elsewhere)
        .arg("-C")
        .arg(&other.root)
        .args(["--same-as", "web", "run", "show"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "show/other\n", "{}", stderr(&out));

    // Not running: 125, saying so, nothing runs.
    let marker = app.tmp.path().join("ran");
    let out = app
        .appenv()
        .args(["--same-as", "clock", "sh", "-c", "touch \"$1\"", "sh"])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains(&format!(
            "appenv: no running process of the app at {} was started as 'clock'",
            app.root.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(!marker.exists());
    let out = app
        .appenv()
        .args(["diff", "--same-as", "clock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    // Another user's process claiming the name (anyone can set the
    // variables): appenv does not guess.
    {
        let root = format!("APPENV_ROOT={}", app.root.display());
        let _claim = Web::start(
            web_as_nobody(&app.root, &["APPENV_PROCESS=web", &root]),
            false,
        );
        let out = app
            .appenv()
            .args(["--same-as", "web", "run", "show"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert!(
            stderr(&out).contains("processes of several users were started as 'web'"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(run(&app, &["--same-as", "web", "run", "show"]), "show/w\n");
    // `./web` is a pidfile named web.
    app.write("web", &format!("{}\n", _web.pid));
    let out = app
        .appenv()
        .args(["--same-as", "./web", "run", "show"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "show/w\n", "{}", stderr(&out));
}

/// Two apps root allowed: `a`, and `b` whose `.env` only root may read.
fn two_apps() -> (App, PathBuf) {
    let a = app();
    let b = a.tmp.path().join("b");
    fs::create_dir_all(&b).unwrap();
    fs::set_permissions(&b, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(b.join(".env"), "B_SECRET=b-secret-value\n").unwrap();
    fs::set_permissions(b.join(".env"), fs::Permissions::from_mode(0o600)).unwrap();
    (a, b)
}

#[test]
fn a_service_that_moved_into_another_app_never_gets_its_secrets() {
    if !ready(&["setpriv"]) {
        return;
    }
    let (a, b) = two_apps();
    let show = "pwd -P; echo ${B_SECRET:-none}/${FROM_FILE:-none}";
    // Started through appenv in `a` (what appenv records), then moved to `b`.
    let mut moved = Command::new("setpriv");
    moved
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "env",
            "-i",
        ])
        .arg(format!("APPENV_ROOT={}", a.root.display()))
        .args(["APPENV_PROCESS=web", "PATH=/usr/bin:/bin"])
        .args(["sh", "-c", "cd \"$1\" && exec sleep 1000", "sh"])
        .arg(&b)
        .current_dir(&a.root);
    let web = Web::start(moved, false);
    for target in [web.arg(), "web".to_owned()] {
        let out = caller(&a)
            .current_dir(&a.root)
            .args(["--same-as", &target, "sh", "-c", show])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        // The app it was started in, where the typed command runs too.
        let physical = a.root.canonicalize().unwrap();
        assert_eq!(
            stdout(&out),
            format!("{}\nnone/from-env-file\n", physical.display())
        );
    }

    // Not started through appenv: its working directory is all there is,
    // and what the caller alone may read there does not reach it.
    let web = Web::start(web_as_nobody(&b, &["PATH=/usr/bin:/bin"]), false);
    let marker = a.tmp.path().join("ran");
    let out = caller(&a)
        .args([
            "--same-as",
            &web.arg(),
            "sh",
            "-c",
            "echo $B_SECRET > \"$1\"",
            "sh",
        ])
        .arg(&marker)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}/.env: uid {NOBODY}", b.display())),
        "{err}"
    );
    assert!(
        !err.contains("b-secret") && stdout(&out).is_empty(),
        "{err}"
    );
    assert!(!marker.exists());
    // Once the service user may read it, it is the app's config it runs.
    fs::set_permissions(b.join(".env"), fs::Permissions::from_mode(0o644)).unwrap();
    let out = caller(&a)
        .args(["--same-as", &web.arg(), "sh", "-c", "echo $B_SECRET"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "b-secret-value\n", "{}", stderr(&out));
}

#[test]
fn a_file_the_program_s_user_cannot_read_is_refused_by_name() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    app.write(".env.local", "LOCAL_SECRET=only-root\n");
    let local = app.root.join(".env.local");
    fs::set_permissions(&local, fs::Permissions::from_mode(0o600)).unwrap();
    let web = Web::start(web_as_nobody(&app.root, &["PATH=/usr/bin:/bin"]), false);
    for args in [vec!["--", "true"], vec!["run", "show"], vec!["console"]] {
        let out = caller(&app)
            .args(["--same-as", &web.arg()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(".env.local: uid 65534"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("only-root"));
    }
    // A process of root's own: no user to protect, no refusal.
    let mut root_web = Command::new("env");
    root_web
        .args(["-i", "PATH=/usr/bin:/bin", "sleep", "1000"])
        .current_dir(&app.root);
    let root_web = Web::start(root_web, false);
    let out = caller(&app)
        .args([
            "--same-as",
            &root_web.arg(),
            "sh",
            "-c",
            "echo $LOCAL_SECRET",
        ])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "only-root\n", "{}", stderr(&out));
}

/// A one-off's checks come in one order, each one's refusal before the next
/// is asked: trust, then what the program's user may read, then decrypting,
/// then the notes said, then `[env] required`.
#[test]
fn a_one_off_s_refusals_come_in_order() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    app.write("appenv.toml", "[env]\nrequired = [\"NEEDED\"]\n");
    app.write(".env", "UNSET_NOTE=$NOPE_UNSET\nSEALED=s3cret\n");
    let out = app.appenv().args(["encrypt", "SEALED"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let keys = app.root.join(".env.keys");
    let kept = app.tmp.path().join("keys");
    fs::rename(&keys, &kept).unwrap();
    let env = app.root.join(".env");
    fs::set_permissions(&env, fs::Permissions::from_mode(0o600)).unwrap();
    let web = Web::start(web_as_nobody(&app.root, &["PATH=/usr/bin:/bin"]), false);
    let marker = app.tmp.path().join("ran");
    let one_off = |trusted: bool| {
        let mut cmd = caller(&app);
        if !trusted {
            cmd.env_remove("APPENV_TRUSTED_DIRS");
        }
        cmd.args(["--same-as", &web.arg(), "sh", "-c", "echo > \"$1\"", "sh"])
            .arg(&marker);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
        assert!(!marker.exists());
        stderr(&out)
    };
    let err = one_off(false);
    assert!(err.contains("is not allowed; run 'appenv allow'"), "{err}");
    assert!(
        !err.contains("uid 65534") && !err.contains("note:"),
        "{err}"
    );
    let err = one_off(true);
    assert!(err.contains("/.env: uid 65534"), "{err}");
    assert!(
        !err.contains("DOTENV_PRIVATE_KEY") && !err.contains("note:"),
        "{err}"
    );
    fs::set_permissions(&env, fs::Permissions::from_mode(0o644)).unwrap();
    let err = one_off(true);
    assert!(err.contains("no key was found"), "{err}");
    assert!(!err.contains("note:"), "{err}");
    fs::rename(&kept, &keys).unwrap();
    fs::set_permissions(&keys, fs::Permissions::from_mode(0o644)).unwrap();
    let err = one_off(true);
    let note = err.find("appenv: note: .env:").expect(&err);
    assert!(err.contains("UNSET_NOTE: the `$`"), "{err}");
    let required = err.find("required variables not set: NEEDED").expect(&err);
    assert!(note < required, "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn pidfiles_are_read_without_blocking_and_never_quoted() {
    if !ready(&[]) {
        return;
    }
    let app = app();
    let fifo = app.root.join("fifo.pid");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let huge = app.root.join("huge.pid");
    fs::File::create(&huge).unwrap().set_len(1 << 40).unwrap();
    let token = app.tmp.path().join("token");
    fs::write(&token, "ghp_TOKEN1234567890\n").unwrap();
    let link = app.root.join("server.pid");
    std::os::unix::fs::symlink(&token, &link).unwrap();
    for (file, why) in [
        (
            fifo.as_path(),
            "fifo.pid: not a pidfile (not a regular file)",
        ),
        (
            Path::new("/dev/zero"),
            "/dev/zero: not a pidfile (not a regular file)",
        ),
        (
            huge.as_path(),
            "huge.pid: not a pidfile (longer than 64 bytes)",
        ),
        (
            link.as_path(),
            "server.pid: not a pidfile (it should hold one process id",
        ),
    ] {
        let start = Instant::now();
        let mut cmd = app.appenv();
        cmd.timeout(Duration::from_secs(20))
            .arg("--same-as")
            .arg(file)
            .args(["--", "true"]);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{file:?}: {}", stderr(&out));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{file:?} blocked"
        );
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
        assert!(!stderr(&out).contains("TOKEN"), "{}", stderr(&out));
    }
}

#[test]
fn diff_shows_another_release_on_a_line_of_its_own() {
    if !ready(&[]) {
        return;
    }
    let app = app();
    let srv = app.tmp.path().join("srv");
    for release in ["1", "2"] {
        let dir = srv.join("releases").join(release);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".env"), "A=1\n").unwrap();
        fs::write(dir.join("Procfile"), "web: sleep 1000\n").unwrap();
    }
    let current = srv.join("current");
    std::os::unix::fs::symlink("releases/1", &current).unwrap();
    let sandbox = app.sandbox();
    let mut cmd = sandbox.command(common::appenv_bin());
    cmd.arg("-C")
        .arg(&current)
        .args(["run", "web"])
        .stdout(Stdio::null());
    let (_web, _) = start_web(cmd);
    let diff = || {
        sandbox
            .command(common::appenv_bin())
            .current_dir(&current)
            .env("PWD", &current)
            .args(["diff", "--same-as", "web"])
            .output()
            .unwrap()
    };
    let out = diff();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // A deploy moves `current` to the next release under the running web.
    let next = srv.join("next");
    std::os::unix::fs::symlink("releases/2", &next).unwrap();
    fs::rename(&next, &current).unwrap();
    let out = diff();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let canonical = srv.canonicalize().unwrap();
    let text = stdout(&out);
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "release: the process runs in {}/releases/1, outside {}/releases/2 ({} leads there now), which a one-off from it would run",
            canonical.display(),
            canonical.display(),
            current.display()
        ),
        "{text}"
    );
    assert!(
        !text.contains("~ ") && !text.contains("+ ") && !text.contains("- "),
        "{text}"
    );

    // Another app altogether: the root, on its own line.
    let other = App::new(&[(".env", "A=1\n")]);
    let out = other
        .appenv()
        .args(["diff", "--same-as", &_web.arg()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with(&format!(
            "root: a one-off here runs the app at {}; the process's app is {}",
            other.root.display(),
            current.display()
        )),
        "{}",
        stdout(&out)
    );
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn bundle_exec() {
        if !ready(&["bundle", "ruby"]) {
            return;
        }
        // Gems Debian installs system-wide: no network. The web is a Ruby
        // program of the bundle, as puma is; the worker a program Bundler execs.
        let app = App::new(&[
            ("Gemfile", "gem \"rake\"\n"),
            ("Rakefile", "task(:serve) { sleep 1000 }\n"),
            (".env", "DATABASE_URL=postgres://shop\n"),
            (
                "Procfile",
                "web: bundle exec rake serve\nworker: bundle exec sleep 1000\n",
            ),
        ]);
        let sandbox = app.sandbox();
        let (_web, program) = start_program(run_web(&sandbox, &app.root), "rake");
        let web = String::from_utf8_lossy(&environ(program)).into_owned();
        assert!(
            web.contains("BUNDLER_ORIG_PATH=") && web.contains("RUBYOPT=-r"),
            "{web}"
        );
        assert_identical(&sandbox, &app.root, program);
        let mut worker = sandbox.command(common::appenv_bin());
        worker
            .current_dir(&app.root)
            .args(["run", "worker"])
            .stdout(Stdio::null());
        let (_worker, worker) = start_web(worker);
        let one_off = entries(&one_off_env(&sandbox, &app.root, "worker"));
        let mut expected = entries(&environ(worker));
        expected.retain(|e| *e != b"APPENV_PROCESS=worker");
        assert_eq!(one_off, expected);
        // diff names what Bundler set, apart.
        diff_with_web_says(
            &app,
            "set by the process's launcher, which a one-off runs again (bundle exec): BUNDLER_ORIG_",
        );
    }

    #[test]
    fn poetry_run() {
        if !ready(&["poetry", "python3"]) {
            return;
        }
        let app = App::new(&[
            (
                "pyproject.toml",
                "[tool.poetry]\nname = \"shop\"\nversion = \"0.1.0\"\ndescription = \"\"\n\
                 authors = []\npackage-mode = false\n\n[tool.poetry.dependencies]\npython = \">=3.8\"\n",
            ),
            ("poetry.lock", ""),
            (".env", "A=1\n"),
            ("Procfile", "web: poetry run sleep 1000\n"),
        ]);
        let sandbox = with_tools(&app, &["poetry", "python3"])
            .set("POETRY_VIRTUALENVS_PATH", app.tmp.path().join("venvs"));
        let (_web, program) = start_web(run_web(&sandbox, &app.root));
        let got = String::from_utf8_lossy(&environ(program)).into_owned();
        assert!(got.contains("VIRTUAL_ENV="), "{got}");
        assert_identical(&sandbox, &app.root, program);
    }

    #[test]
    fn pipenv_run() {
        if !ready(&["pipenv", "python3"]) {
            return;
        }
        let app = App::new(&[
            ("Pipfile", "[packages]\n"),
            (".env", "A=1\n"),
            ("Procfile", "web: pipenv run sleep 1000\n"),
        ]);
        let sandbox = with_tools(&app, &["pipenv", "python3"])
            .set("WORKON_HOME", app.tmp.path().join("venvs"))
            .set("PIPENV_YES", "1")
            .set("PIPENV_NOSPIN", "1");
        let (_web, program) = start_web(run_web(&sandbox, &app.root));
        let got = String::from_utf8_lossy(&environ(program)).into_owned();
        assert!(got.contains("PIPENV_ACTIVE=1"), "{got}");
        assert_identical(&sandbox, &app.root, program);
    }
}
