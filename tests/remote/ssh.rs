//! `appenv @NAME` over ssh, to a real sshd on 127.0.0.1.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::sshd::{self, HOST, Sshd};
use super::{ARGS_SCRIPT, WAIT_SCRIPT, hostile_args, nul_joined};
use crate::common::{App, Sandbox, appenv_bin, stderr, stdout, write_executable};

/// A local app whose `[remote.production]` is an app on the test's sshd.
struct Ssh {
    app: App,
    /// The app there.
    remote: PathBuf,
    /// The session's HOME there.
    home: PathBuf,
    sshd: Sshd,
}

/// The remote app: its `.env`, tasks and a web process type.
fn remote_app(root: &Path) {
    fs::create_dir_all(root).unwrap();
    fs::write(
        root.join(".env"),
        "FROM_FILE=remote-file\nDATABASE_URL=from-the-file\n",
    )
    .unwrap();
    fs::write(
        root.join("appenv.toml"),
        "[tasks]\nshow = [\"bin/show\"]\nwait = [\"bin/wait\"]\nmark = \"touch MARKED\"\n",
    )
    .unwrap();
    fs::write(root.join("Procfile"), "web: sleep 1000\n").unwrap();
    write_executable(
        &root.join("bin/show"),
        "#!/bin/sh\necho \"FROM_FILE=$FROM_FILE DATABASE_URL=$DATABASE_URL WEB_SECRET=${WEB_SECRET:-none} PWD=$(pwd)\"\nprintf '[%s]' \"$@\"\necho\nexit 3\n",
    );
    write_executable(&root.join("bin/args"), ARGS_SCRIPT);
    write_executable(&root.join("bin/wait"), WAIT_SCRIPT);
}

/// `extra` goes into the remote table; `trusted_there`: the session has
/// `APPENV_TRUSTED_DIRS` covering the remote app.
fn setup(extra: &str, trusted_there: bool) -> Option<Ssh> {
    if !sshd::ready() {
        return None;
    }
    let app = App::new(&[(".env", "LOCAL_ONLY=here\n")]);
    let top = app.tmp.path();
    let remote = top.join("srv/shop");
    remote_app(&remote);
    let home = top.join("remote-home");
    let bin = top.join("remote-bin");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&bin).unwrap();
    // The default: `appenv` on the PATH of the login there.
    symlink(appenv_bin(), bin.join("appenv")).unwrap();
    let mut env = vec![
        ("HOME", home.display().to_string()),
        ("XDG_DATA_HOME", home.join("data").display().to_string()),
        ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
        ("DATABASE_URL", "from-the-platform".into()),
    ];
    if trusted_there {
        env.push(("APPENV_TRUSTED_DIRS", remote.display().to_string()));
    }
    let sshd = Sshd::start(&top.join("sshd"), &env);
    app.write(
        "appenv.toml",
        &format!(
            "[remote.production]\nssh = \"{HOST}\"\noptions = ['-F', '{}']\ndir = '{}'\n{extra}",
            sshd.client_config.display(),
            remote.display()
        ),
    );
    Some(Ssh {
        app,
        remote,
        home,
        sshd,
    })
}

#[test]
fn hostile_arguments_arrive_byte_exact() {
    let Some(t) = setup("", true) else { return };
    // The appenv there, at a path that needs quoting too.
    let odd = t.app.tmp.path().join("a dir 'of' $(appenv)");
    fs::create_dir_all(&odd).unwrap();
    symlink(appenv_bin(), odd.join("appenv")).unwrap();
    let table = fs::read_to_string(t.app.root.join("appenv.toml")).unwrap();
    t.app.write(
        "appenv.toml",
        &format!("{table}appenv = \"{}\"\n", odd.join("appenv").display()),
    );
    let args = hostile_args();
    let out = t
        .app
        .appenv()
        .args(["@production", "exec", "bin/args"])
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(out.stdout, nul_joined(&args), "{}", stdout(&out));
    for dir in [&t.remote, &t.home, &t.app.root] {
        assert!(!dir.join("PWNED").exists(), "an argument ran in {dir:?}");
    }
}

#[test]
fn the_local_process_becomes_ssh() {
    let Some(t) = setup("", true) else { return };
    super::pid_becomes(&t.app, &t.app.sandbox(), "production", "ssh");
}

#[test]
fn same_as_runs_from_the_process_running_there() {
    let Some(t) = setup("same_as = \"web\"\n", true) else {
        return;
    };
    let mut web = Sandbox::new(&t.home)
        .set("APPENV_TRUSTED_DIRS", &t.remote)
        .set("WEB_SECRET", "only-in-the-web")
        .command(appenv_bin())
        .args(["run", "web"])
        .current_dir(&t.remote)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while fs::read_link(format!("/proc/{}/exe", web.id())).is_ok_and(|e| e == appenv_bin()) {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = t
        .app
        .appenv()
        .args(["@production", "run", "show"])
        .output()
        .unwrap();
    let _ = web.kill();
    let _ = web.wait();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("WEB_SECRET=only-in-the-web"),
        "{}",
        stdout(&out)
    );
    // `env` takes no --same-as: the session's own environment.
    let out = t
        .app
        .appenv()
        .args(["@production", "env"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("DATABASE_URL=from-the-platform\n"));
    assert!(!stdout(&out).contains("WEB_SECRET"));
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn tasks_and_commands_run_there_with_its_files_and_the_platforms_variables() {
        let Some(t) = setup("", true) else { return };
        let out = t
            .app
            .appenv()
            .args(["@production", "run", "show", "x", "y z"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!(
                "FROM_FILE=remote-file DATABASE_URL=from-the-platform WEB_SECRET=none PWD={}\n[x][y z]\n",
                t.remote.display()
            )
        );
        let out = t
            .app
            .appenv()
            .args(["@production", "sh", "-c", "echo \"$FROM_FILE\"; exit 7"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
        assert_eq!(stdout(&out), "remote-file\n");
        let out = t
            .app
            .appenv()
            .args(["@production", "env", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let env: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let vars = env.to_string();
        assert!(
            vars.contains(&format!("\"{}\"", t.remote.display())),
            "{vars}"
        );
        assert!(
            vars.contains("from-the-platform") && !vars.contains("LOCAL_ONLY"),
            "{vars}"
        );
    }

    #[test]
    fn a_terminal_exactly_when_the_caller_has_one() {
        let Some(t) = setup("", true) else { return };
        let dir = tempfile::tempdir().unwrap();
        super::super::terminal_exactly_when_the_caller_has_one(
            dir.path(),
            &t.app,
            &t.app.sandbox(),
            "production",
        );
    }

    #[test]
    fn trust_is_required_here_then_there() {
        let Some(t) = setup("", false) else { return };
        let untrusted = t.app.sandbox().unset("APPENV_TRUSTED_DIRS");
        let out = untrusted
            .appenv()
            .current_dir(&t.app.root)
            .args(["@production", "run", "mark"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert_eq!(
            stderr(&out),
            format!(
                "appenv: {} is not allowed; run 'appenv allow'\n",
                t.app.root.display()
            )
        );
        assert_eq!(t.sshd.logins(), 0, "ssh ran for an untrusted app");
        // Trusted here: the appenv there asks for its own trust.
        let run_mark = || {
            t.app
                .appenv()
                .args(["@production", "run", "mark"])
                .output()
                .unwrap()
        };
        let out = run_mark();
        assert_eq!(out.status.code(), Some(125));
        assert!(
            stderr(&out).contains(&format!("{} is not allowed", t.remote.display())),
            "{}",
            stderr(&out)
        );
        assert!(!t.remote.join("MARKED").exists());
        let out = t
            .app
            .appenv()
            .args(["@production", "allow"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let out = run_mark();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(t.remote.join("MARKED").exists());
    }
}
