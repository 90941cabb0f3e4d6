//! `--same-as PID`: a one-off in the environment, working directory, user
//! and namespaces of a running process, and `appenv diff --same-as PID`.
//!
//! These need root (to start a process as another user and to enter
//! namespaces), `setpriv` and `unshare`. They skip on a laptop without them
//! and fail in CI (`CI=true`), like every test that needs a tool.
#![cfg(target_os = "linux")]

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{App, appenv_bin, have, stderr, stdout};

pub(crate) const NOBODY: &str = "65534";
const WAIT: Duration = Duration::from_secs(60);

/// Root and the tools, or a skip (a failure in CI).
pub(crate) fn ready(tools: &[&str]) -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = nix::unistd::geteuid().is_root();
    common::require_that(root, "these tests need root") && tools.iter().all(|tool| have(tool))
}

/// An app whose directories another user can enter, as a deployed app's
/// are: `.env`, a Procfile with a web process and a task.
pub(crate) fn app() -> App {
    let app = App::new(&[
        (".env", "FROM_FILE=from-env-file\n"),
        (
            "Procfile",
            "web: sleep 1000\nshow: id -u; pwd; echo \"$WEB_SECRET/$FROM_FILE/${CALLER_ONLY:-none}\"\nconsole: echo \"console as $(id -u) in $PWD\"\n",
        ),
        ("sub/", ""),
    ]);
    fs::set_permissions(app.tmp.path(), fs::Permissions::from_mode(0o755)).unwrap();
    app
}

/// A running process, killed and reaped when dropped.
pub(crate) struct Web {
    pub(crate) child: Child,
    /// The process the tests name (the child itself, or the process it
    /// started in a new PID namespace).
    pub(crate) pid: u32,
}

impl Web {
    /// Starts `cmd` and waits until the process that ends up as `sleep` is
    /// there: the child itself after its exec chain (setpriv, env…), or,
    /// when `forks` (unshare --fork), the child's child.
    pub(crate) fn start(mut cmd: Command, forks: bool) -> Web {
        let mut child = cmd.stdin(Stdio::null()).spawn().unwrap();
        let parent = child.id();
        let pid = poll(|| {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{cmd:?} exited: {status}");
            }
            let pid = if forks { child_of(parent)? } else { parent };
            let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
            (comm.trim() == "sleep").then_some(pid)
        });
        Web { child, pid }
    }

    /// Starts `cmd` and waits for the process named `wanted` it ends as:
    /// the child itself, or a descendant when a launcher stays around it
    /// (`uv run` waits for its program).
    pub(crate) fn start_any(mut cmd: Command, wanted: &str) -> Web {
        let mut child = cmd.stdin(Stdio::null()).spawn().unwrap();
        let parent = child.id();
        let pid = poll(|| {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{cmd:?} exited: {status}");
            }
            let mut pid = parent;
            loop {
                let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
                if comm.trim() == wanted {
                    return Some(pid);
                }
                pid = child_of(pid)?;
            }
        });
        Web { child, pid }
    }

    pub(crate) fn arg(&self) -> String {
        self.pid.to_string()
    }
}

impl Drop for Web {
    fn drop(&mut self) {
        if self.pid != self.child.id() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn poll<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < WAIT, "timed out waiting");
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn child_of(parent: u32) -> Option<u32> {
    fs::read_dir("/proc").ok()?.find_map(|entry| {
        let name = entry.ok()?.file_name();
        let pid: u32 = name.to_str()?.parse().ok()?;
        let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let ppid = status.lines().find_map(|l| l.strip_prefix("PPid:"))?;
        (ppid.trim() == parent.to_string()).then_some(pid)
    })
}

/// `setpriv` to nobody (with groups 4 and 27), then `env -i` with `vars`,
/// then `sleep`, in `dir`: a web process as its service manager starts it.
pub(crate) fn web_as_nobody(dir: &Path, vars: &[&str]) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--groups=4,27",
        "env",
        "-i",
    ])
    .args(vars)
    .args(["sleep", "1000"])
    .current_dir(dir);
    cmd
}

pub(crate) fn nul_env(out: &[u8]) -> BTreeMap<String, String> {
    out.split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = String::from_utf8_lossy(e);
            let (k, v) = e.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The caller: the app's clean environment plus variables of its own that
/// must not leak into the one-off, started outside the app.
pub(crate) fn caller(app: &App) -> assert_cmd::Command {
    let elsewhere = app.tmp.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let mut cmd = app.appenv_in(&elsewhere);
    cmd.env("CALLER_ONLY", "leaked").env("TERM", "xterm");
    cmd
}

const SECRET: &str = "s3cret $(touch pwned) `touch pwned`\nsecond line";

#[test]
fn a_one_off_gets_exactly_the_process_environment_directory_and_user() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    let secret = format!("WEB_SECRET={SECRET}");
    let web = Web::start(
        web_as_nobody(&app.root, &[&secret, "PATH=/usr/bin:/bin"]),
        false,
    );
    let out = caller(&app)
        .args(["--same-as", &web.arg(), "--", "env", "-0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let root = app.root.to_str().unwrap();
    let expected: BTreeMap<String, String> = [
        ("APPENV_ROOT", root),
        ("FROM_FILE", "from-env-file"),
        ("PATH", "/usr/bin:/bin"),
        ("WEB_SECRET", SECRET),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(nul_env(&out.stdout), expected);

    let out = caller(&app)
        .args(["--same-as", &web.arg(), "sh", "-c"])
        .arg(
            "id -u; id -g; grep '^Groups' /proc/self/status; pwd -P; grep '^Uid' /proc/self/status",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(|l| l.trim().to_owned()).collect();
    let physical = app.root.canonicalize().unwrap();
    assert_eq!(lines[0], NOBODY);
    assert_eq!(lines[1], NOBODY);
    assert_eq!(lines[2], "Groups:\t4 27");
    assert_eq!(lines[3], physical.to_str().unwrap());
    // Real, effective, saved and filesystem uid: root is not kept anywhere.
    assert_eq!(lines[4], "Uid:\t65534\t65534\t65534\t65534");
    assert!(!app.root.join("pwned").exists());
}

#[test]
fn the_program_keeps_appenv_s_pid() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    let web = Web::start(web_as_nobody(&app.root, &["PATH=/usr/bin:/bin"]), false);
    for shell in ["/bin/sh", "bash"] {
        let mut cmd = app.sandbox().command(appenv_bin());
        cmd.current_dir(app.tmp.path())
            .args(["--same-as", &web.arg(), shell, "-c", "echo $$; exit 7"])
            .stdout(Stdio::piped());
        let child = cmd.spawn().unwrap();
        let pid = child.id();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(7));
        assert_eq!(stdout(&out).trim(), pid.to_string(), "{shell}");
    }
}

#[test]
fn run_and_console_run_in_the_root_as_the_process_user() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    // The web runs in a subdirectory: the task still runs in the root.
    let web = Web::start(
        web_as_nobody(
            &app.root.join("sub"),
            &["WEB_SECRET=w", "PATH=/usr/bin:/bin"],
        ),
        false,
    );
    let out = caller(&app)
        .args(["--same-as", &web.arg(), "run", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let physical = app.root.canonicalize().unwrap();
    assert_eq!(
        stdout(&out),
        format!("{NOBODY}\n{}\nw/from-env-file/none\n", physical.display())
    );

    let out = caller(&app)
        .args(["--same-as", &web.arg(), "console"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("console as {NOBODY} in {}\n", app.root.display())
    );

    // A typed command runs where the process runs.
    let out = caller(&app)
        .args(["--same-as", &web.arg(), "pwd"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), physical.join("sub").to_str().unwrap());
}

#[test]
fn a_pidfile_names_the_process() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    let web = Web::start(web_as_nobody(&app.root, &["WEB_SECRET=p"]), false);
    app.write("tmp/pids/server.pid", &format!("{}\n", web.pid));
    let out = app
        .appenv()
        .args(["--same-as", "tmp/pids/server.pid", "run", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("p/from-env-file/none\n"));
}

#[test]
fn trust_is_the_caller_s_never_the_process_s() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    // The process would trust everything; the caller trusts nothing yet.
    let web = Web::start(
        web_as_nobody(&app.root, &["APPENV_TRUSTED_DIRS=/", "PATH=/usr/bin:/bin"]),
        false,
    );
    let marker = app.tmp.path().join("ran");
    let one_off = || {
        let mut cmd = app.appenv_in(app.tmp.path());
        cmd.env_remove("APPENV_TRUSTED_DIRS")
            .args(["--same-as", &web.arg(), "sh", "-c", "echo > \"$1\"", "sh"])
            .arg(&marker);
        cmd.output().unwrap()
    };
    let out = one_off();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not allowed; run 'appenv allow'"));
    assert!(!marker.exists());

    let mut allow = app.appenv();
    allow.env_remove("APPENV_TRUSTED_DIRS").arg("allow");
    assert!(allow.output().unwrap().status.success());
    fs::set_permissions(app.tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let out = one_off();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(marker.exists());
}

#[test]
fn a_process_in_its_own_mount_namespace_shares_its_files() {
    if !ready(&["setpriv", "unshare"]) {
        return;
    }
    let app = app();
    fs::create_dir_all(app.root.join("secret")).unwrap();
    let home = app.tmp.path().join("home");
    // The caller allows the app; inside the namespace a tmpfs hides the
    // caller's home, trust store included, and another shows a file only
    // the process sees.
    let mut allow = app.appenv();
    allow.env_remove("APPENV_TRUSTED_DIRS").arg("allow");
    assert!(allow.output().unwrap().status.success());
    let script = "mount -t tmpfs none \"$1/secret\" && echo only-inside > \"$1/secret/file\" \
                  && mount -t tmpfs none \"$2\" && echo web-host > /proc/sys/kernel/hostname \
                  && exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i NS=mnt sleep 1000";
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--uts", "--ipc", "--net", "--cgroup"])
        .args(["--propagation", "private", "sh", "-c", script, "sh"])
        .arg(&app.root)
        .arg(&home)
        .current_dir(&app.root);
    let web = Web::start(cmd, false);
    assert!(!app.root.join("secret/file").exists());

    let mut cmd = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .command(appenv_bin());
    cmd.current_dir(app.tmp.path())
        .args(["--same-as", &web.arg(), "sh", "-c"])
        .arg(
            "cat secret/file; echo $NS; id -u; echo $$; cat /proc/sys/kernel/hostname; \
             grep -c : /proc/net/dev; cut -d: -f3 /proc/self/cgroup | sort -u",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Its hostname, its network (only a loopback device) and its cgroup
    // namespace (where its cgroup is the root) too.
    assert_eq!(
        stdout(&out),
        format!("only-inside\nmnt\n{NOBODY}\n{pid}\nweb-host\n1\n/\n")
    );
}

#[test]
fn a_process_in_its_own_pid_namespace_gets_a_child_there() {
    if !ready(&["unshare"]) {
        return;
    }
    let app = app();
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--fork", "--mount-proc", "--mount"])
        .args(["env", "-i", "NS=pid", "sleep", "1000"])
        .current_dir(&app.root);
    let web = Web::start(cmd, true);

    // Inside: /proc is the namespace's, where the web is 1 and the
    // one-off can find itself; the exit status comes back.
    let out = caller(&app)
        .args(["--same-as", &web.arg(), "sh", "-c"])
        .arg("cat /proc/1/comm; read -r stat < /proc/self/stat; test \"${stat%% *}\" = $$ && echo self-ok; echo $NS; exit 9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert_eq!(stdout(&out), "sleep\nself-ok\npid\n");

    // Killed by a signal: appenv dies by the same one.
    let out = caller(&app)
        .args(["--same-as", &web.arg(), "sh", "-c", "kill -KILL $$"])
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9));

    // A signal sent to appenv reaches the program, which handles it.
    let mut cmd = app.sandbox().command(appenv_bin());
    cmd.current_dir(app.tmp.path())
        .args(["--same-as", &web.arg(), "sh", "-c"])
        .arg("trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 1; done")
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "got-term");
    assert_eq!(child.wait().unwrap().code(), Some(3));
}

/// Runs `appenv --same-as TARGET sh -c 'touch MARKER'` (as nobody when
/// `as_nobody`) and checks it failed with 125, saying `why`, running nothing.
pub(crate) fn refused(app: &App, target: &str, as_nobody: bool, why: &str) {
    let marker = app.tmp.path().join("ran");
    let mut cmd = if as_nobody {
        let mut cmd = app.sandbox().command("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(appenv_bin());
        cmd
    } else {
        app.sandbox().command(appenv_bin())
    };
    cmd.current_dir(app.tmp.path())
        .args(["--same-as", target, "sh", "-c", "touch \"$1\"", "sh"])
        .arg(&marker);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{target}: {}", stderr(&out));
    assert!(
        stderr(&out).starts_with("appenv: ") && stderr(&out).contains(why),
        "{target}: {}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    assert!(!marker.exists(), "{target}: it ran");
}

#[test]
fn errors_exit_125_and_run_nothing() {
    if !ready(&["setpriv", "unshare", "python3"]) {
        return;
    }
    let app = app();
    refused(&app, &i32::MAX.to_string(), false, "no such process");
    refused(&app, "0", false, "not a process id");
    refused(&app, "missing.pid", false, "cannot read the pidfile");
    refused(&app, "/dev/zero", false, "not a regular file");
    let garbage = app.write("garbage.pid", "12 34\n\x1b[2J");
    refused(&app, garbage.to_str().unwrap(), false, "not a pidfile");

    // Another user's process, for a caller that is not root.
    let mut root_web = Command::new("env");
    root_web
        .args(["-i", "sleep", "1000"])
        .current_dir(&app.root);
    let root_web = Web::start(root_web, false);
    refused(
        &app,
        &root_web.arg(),
        true,
        "runs as another user (uid 0; you are uid 65534)",
    );

    // The caller's own process, made non-dumpable: the ptrace access check.
    let mut undumpable = Command::new("setpriv");
    undumpable
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c"])
        .arg("import ctypes, time; open('/proc/self/comm', 'w').write('sleep'); ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); time.sleep(1000)")
        .current_dir(&app.root);
    let undumpable = Web::start(undumpable, false);
    poll(|| {
        let status = fs::metadata(format!("/proc/{}/environ", undumpable.pid)).ok()?;
        // A non-dumpable process's /proc files belong to root.
        (std::os::unix::fs::MetadataExt::uid(&status) == 0).then_some(())
    });
    refused(&app, &undumpable.arg(), true, "the ptrace access check");

    // A zombie: its parent never reaps it (Python leaves SIGCHLD alone and
    // never waits; a shell may reap a background job on its own).
    let mut parent = Command::new("python3");
    parent
        .args([
            "-c",
            "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(1000)",
        ])
        .stdout(Stdio::piped());
    let mut parent = parent.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(parent.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let zombie = line.trim().to_owned();
    poll(|| {
        let status = fs::read_to_string(format!("/proc/{zombie}/status")).ok()?;
        status.contains("State:\tZ").then_some(())
    });
    refused(&app, &zombie, false, "is a zombie");
    let _ = parent.kill();
    let _ = parent.wait();

    // A kernel thread has no environment to take.
    if let Some(kthread) = kernel_thread() {
        refused(&app, &kthread, false, "is a kernel thread");
    }

    // Namespaces: another user namespace is not entered; another mount
    // namespace needs root to enter.
    let mut userns = Command::new("unshare");
    userns
        .args(["--user", "--map-root-user", "sleep", "1000"])
        .current_dir(&app.root);
    let userns = Web::start(userns, false);
    refused(&app, &userns.arg(), false, "runs in another user namespace");
    let mut mntns = Command::new("unshare");
    mntns
        .args([
            "--mount",
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .args(["sleep", "1000"])
        .current_dir(&app.root);
    let mntns = Web::start(mntns, false);
    refused(
        &app,
        &mntns.arg(),
        true,
        "cannot enter the mount namespace of process",
    );

    // --same-as is for what runs a program, and diff.
    let out = app
        .appenv()
        .args(["--same-as", &mntns.arg(), "tasks"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn kernel_thread() -> Option<String> {
    fs::read_dir("/proc").ok()?.find_map(|entry| {
        let name = entry.ok()?.file_name().into_string().ok()?;
        name.parse::<u32>().ok()?;
        let stat = fs::read_to_string(format!("/proc/{name}/stat")).ok()?;
        let flags: u64 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(6)?
            .parse()
            .ok()?;
        (flags & 0x0020_0000 != 0).then_some(name)
    })
}

#[test]
fn diff_is_quiet_and_0_for_a_web_started_through_appenv() {
    if !ready(&[]) {
        return;
    }
    let app = app();
    // An array task is exec'd as it is, without a shell around it.
    app.write("appenv.toml", "[tasks]\nweb = [\"sleep\", \"1000\"]\n");
    // The web as the platform starts it: `appenv run web`, exec'd in place.
    let mut web = app.std_command();
    web.args(["run", "web"]).stdout(Stdio::null());
    let web = Web::start(web, false);
    // The operator's shell has session variables of its own.
    let out = app
        .appenv()
        .env("TERM", "xterm")
        .env("SSH_CONNECTION", "10.0.0.1 22")
        .args(["diff", "--same-as", &web.arg()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // A task gets PWD (its root), as a shell would give it: a session
    // variable, so listed apart and not a difference.
    assert_eq!(
        stdout(&out),
        "process identity, not compared: APPENV_PROCESS (a one-off names itself)\n\
         session variables, expected to differ: PWD (only in the process), SSH_CONNECTION (only here), TERM (only here)\n"
    );

    // And the one-off from the web sees what the web sees.
    let out = app
        .appenv()
        .args(["--same-as", &web.arg(), "--", "env", "-0"])
        .output()
        .unwrap();
    // But for the process type, which a one-off never takes.
    let web_env = fs::read(format!("/proc/{}/environ", web.pid)).unwrap();
    let mut web_env = nul_env(&web_env);
    assert_eq!(web_env.remove("APPENV_PROCESS").as_deref(), Some("web"));
    assert_eq!(nul_env(&out.stdout), web_env);
}

#[test]
fn diff_compares_encrypted_values_as_they_load() {
    if !ready(&[]) {
        return;
    }
    let app = app();
    app.write("appenv.toml", "[tasks]\nweb = [\"sleep\", \"1000\"]\n");
    app.write(".env", "FROM_FILE=from-env-file\nDB_PASSWORD=s3cret\n");
    let out = app
        .appenv()
        .args(["encrypt", "DB_PASSWORD"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !fs::read_to_string(app.root.join(".env"))
            .unwrap()
            .contains("s3cret")
    );
    // The web holds the secret decrypted, as a one-off here would load it.
    let mut web = app.std_command();
    web.args(["run", "web"]).stdout(Stdio::null());
    let web = Web::start(web, false);
    let environ = fs::read(format!("/proc/{}/environ", web.pid)).unwrap();
    assert_eq!(nul_env(&environ)["DB_PASSWORD"], "s3cret");
    let out = app
        .appenv()
        .args(["diff", "--same-as", &web.arg()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(!stdout(&out).contains("DB_PASSWORD"), "{}", stdout(&out));

    // A key that is gone here: the one-off here cannot load, and diff says
    // so rather than calling the ciphertext a difference.
    fs::remove_file(app.root.join(".env.keys")).unwrap();
    let out = app
        .appenv()
        .args(["diff", "--same-as", &web.arg()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(125),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("DOTENV_PRIVATE_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("s3cret"), "{}", stderr(&out));
}

#[test]
fn diff_names_what_differs_and_shows_values_only_when_asked() {
    if !ready(&["setpriv"]) {
        return;
    }
    let app = app();
    let web = Web::start(
        web_as_nobody(&app.root, &["ONLY_WEB=web-value", "PATH=/srv/bin:/usr/bin"]),
        false,
    );
    let diff = |extra: &[&str]| {
        app.appenv()
            .env("ONLY_HERE", "here-value")
            .arg("diff")
            .args(extra)
            .args(["--same-as", &web.arg()])
            .output()
            .unwrap()
    };
    let out = diff(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "- ONLY_HERE  (only here)\n",
        "- HOME  (only here)\n",
        "+ ONLY_WEB  (only in the process)\n",
        "~ PATH  (differs)\n",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    assert!(
        !text.contains("value") && !text.contains("/srv/bin"),
        "{text}"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let out = diff(&["--values"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("    process: /srv/bin:/usr/bin\n"));

    // Not a process: an error, not "they differ".
    let out = app
        .appenv()
        .args(["diff", "--same-as", &i32::MAX.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    let out = app.appenv().arg("diff").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_program_starts_with_the_caller_s_signals_and_no_descriptor_of_appenv_s() {
    if !ready(&["unshare"]) {
        return;
    }
    let app = app();
    let plain = Web::start(
        {
            let mut cmd = Command::new("env");
            cmd.args(["-i", "sleep", "1000"]).current_dir(&app.root);
            cmd
        },
        false,
    );
    // In other mount and PID namespaces: the trust store is reached through
    // a descriptor, and appenv forks.
    let mut cmd = Command::new("unshare");
    cmd.args(["--pid", "--fork", "--mount-proc", "--mount"])
        .args(["env", "-i", "sleep", "1000"])
        .current_dir(&app.root);
    let inside = Web::start(cmd, true);
    let bin = assert_cmd::cargo::cargo_bin("appenv");
    let run = |script: &str| {
        let out = app
            .appenv()
            .args(["sh", "-c", script])
            .env("APPENV_BIN", &bin)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        stdout(&out)
    };
    for web in [&plain, &inside] {
        let through = |command: &str| {
            let pid = web.arg();
            run(&format!(
                "trap '' INT; exec \"$APPENV_BIN\" --same-as {pid} -- {command}"
            ))
        };
        let signals = "grep -E 'SigIgn|SigBlk' /proc/self/status";
        assert_eq!(
            through(signals),
            run(&format!("trap '' INT; exec {signals}"))
        );
        assert_eq!(through("ls /proc/self/fd"), run("exec ls /proc/self/fd"));
    }
}
