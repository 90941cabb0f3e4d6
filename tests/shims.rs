//! Shims end to end: `appenv shim install|list|remove`, and the built binary
//! started under another name (a symlink named `python`).

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{stderr, stdout, write_executable as executable};

/// The real `python` every test finds on PATH: it says who it is, where it
/// runs, with which pid and which of the variables that matter.
const REAL_PYTHON: &str = "#!/bin/sh\n\
    echo \"real pid=$$ argv0=$0 args=$*\"\n\
    echo \"FOO=${FOO-unset} ROOT=${APPENV_ROOT-unset} DEPTH=${APPENV_SHIM_DEPTH-unset}\"\n";

/// A temporary home with a real `python` in `bin/`, a shim directory
/// `shims/` holding `python` -> the appenv binary, and an app in `app/`.
struct World {
    _tmp: tempfile::TempDir,
    base: PathBuf,
}

impl World {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().canonicalize().unwrap();
        for dir in ["home", "data", "bin", "shims", "app/sub"] {
            fs::create_dir_all(base.join(dir)).unwrap();
        }
        executable(&base.join("bin/python"), REAL_PYTHON);
        symlink(appenv(), base.join("shims/python")).unwrap();
        fs::write(base.join("app/.env"), "FOO=from-dotenv\n").unwrap();
        fs::write(base.join("app/script.py"), "print('hi')\n").unwrap();
        let world = World { _tmp: tmp, base };
        world.trust("allow");
        world
    }

    /// `appenv allow` or `appenv deny` for the app.
    fn trust(&self, verb: &str) {
        self.command(appenv(), &self.path_var(&[]), &self.path("app"))
            .arg(verb)
            .assert()
            .success();
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    /// PATH made of these directories under the world, then the system's.
    fn path_var(&self, dirs: &[&str]) -> String {
        let mut entries: Vec<String> = dirs
            .iter()
            .map(|d| self.path(d).display().to_string())
            .collect();
        entries.push("/usr/bin:/bin".into());
        entries.join(":")
    }

    /// `program` (a path, or a name looked up on `path`) with a clean
    /// environment.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, path: &str, cwd: &Path) -> Command {
        let mut cmd = Command::new(program.as_ref());
        cmd.env_clear()
            .env("HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("PATH", path)
            .current_dir(cwd)
            .timeout(Duration::from_secs(10));
        cmd
    }

    fn shim(&self, cwd: &Path) -> Command {
        self.command(
            self.path("shims/python"),
            &self.path_var(&["shims", "bin"]),
            cwd,
        )
    }

    fn appenv(&self, path: &str) -> Command {
        self.command(appenv(), path, &self.base)
    }
}

fn appenv() -> PathBuf {
    assert_cmd::cargo::cargo_bin("appenv")
}

/// A copy of the appenv binary, written by a child process for the reason
/// `write_executable` gives (ETXTBSY).
fn copy_appenv(to: &Path) {
    let status = std::process::Command::new("cp")
        .arg(appenv())
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success(), "cannot copy appenv to {to:?}");
}

#[test]
fn install_list_remove() {
    let w = World::new();
    let dir = w.path("data/appenv/shims");
    let path = w.path_var(&["bin"]);
    let exe = appenv().canonicalize().unwrap();

    let out = w
        .appenv(&path)
        .args(["shim", "install", "python", "irb"])
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(
        text.contains(&format!("installed python -> {}", exe.display())),
        "{text}"
    );
    assert!(text.contains("installed irb"), "{text}");
    assert!(text.contains("is not on PATH"), "{text}");
    assert!(
        text.contains(&format!("export PATH=\"{}:$PATH\"", dir.display())),
        "{text}"
    );
    assert_eq!(fs::read_link(dir.join("python")).unwrap(), exe);

    // Idempotent.
    let out = w
        .appenv(&path)
        .args(["shim", "install", "python"])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("python already installed"));
    assert_eq!(fs::read_link(dir.join("python")).unwrap(), exe);

    // Never overwrites what is not a shim, and writes nothing then.
    executable(&dir.join("node"), "#!/bin/sh\n");
    symlink("/bin/sh", dir.join("ruby")).unwrap();
    let out = w
        .appenv(&path)
        .args(["shim", "install", "rails", "node"])
        .assert()
        .code(1);
    let err = stderr(out.get_output());
    assert!(err.starts_with("appenv: "), "{err}");
    assert!(
        err.contains(&format!(
            "{} is not an appenv shim (a regular file)",
            dir.join("node").display()
        )),
        "{err}"
    );
    assert!(!dir.join("rails").exists());
    assert_eq!(fs::read(dir.join("node")).unwrap(), b"#!/bin/sh\n");
    let out = w
        .appenv(&path)
        .args(["shim", "install", "ruby"])
        .assert()
        .code(1);
    assert!(stderr(out.get_output()).contains("a symlink to /bin/sh"));
    assert_eq!(
        fs::read_link(dir.join("ruby")).unwrap(),
        Path::new("/bin/sh")
    );

    for bad in ["a/b", "appenv", "..", "."] {
        let out = w
            .appenv(&path)
            .args(["shim", "install", bad])
            .assert()
            .code(1);
        assert!(stderr(out.get_output()).contains("plain name"), "{bad}");
    }

    // Listed with targets; on PATH or not.
    let out = w.appenv(&path).args(["shim", "list"]).assert().success();
    let text = stdout(out.get_output());
    assert!(text.contains("(not on PATH)"), "{text}");
    assert!(
        text.contains(&format!("  python -> {}\n", exe.display())),
        "{text}"
    );
    assert!(text.contains("  irb -> "), "{text}");
    assert!(
        text.contains("  node (not a shim: a regular file)"),
        "{text}"
    );
    assert!(text.contains("  ruby -> /bin/sh (not a shim"), "{text}");
    assert!(text.contains("export PATH="), "{text}");
    let on_path = format!("{}:{path}", dir.display());
    let out = w.appenv(&on_path).args(["shim", "list"]).assert().success();
    let text = stdout(out.get_output());
    assert!(text.contains("(on PATH)"), "{text}");
    assert!(!text.contains("export PATH="), "{text}");
    assert!(
        text.contains("irb -> ") && text.contains("(no irb on PATH besides the shim)"),
        "{text}"
    );
    let behind = format!("{}:{}", w.path("bin").display(), dir.display());
    let out = w.appenv(&behind).args(["shim", "list"]).assert().success();
    let text = stdout(out.get_output());
    assert!(
        text.contains(&format!(
            "(shadowed: {} comes first on PATH)",
            w.path("bin/python").display()
        )),
        "{text}"
    );

    // Removal: idempotent, and never of a foreign file.
    let out = w
        .appenv(&path)
        .args(["shim", "remove", "python", "node"])
        .assert()
        .code(1);
    assert!(stderr(out.get_output()).contains("node is not an appenv shim"));
    assert!(dir.join("python").symlink_metadata().is_ok());
    let out = w
        .appenv(&path)
        .args(["shim", "remove", "python", "irb"])
        .assert()
        .success();
    assert_eq!(stdout(out.get_output()), "removed python\nremoved irb\n");
    assert!(dir.join("python").symlink_metadata().is_err());
    let out = w
        .appenv(&path)
        .args(["shim", "remove", "python"])
        .assert()
        .success();
    assert_eq!(stdout(out.get_output()), "python not installed\n");
    assert!(dir.join("node").exists() && dir.join("ruby").symlink_metadata().is_ok());

    // -q: nothing on stdout.
    w.appenv(&path)
        .args(["-q", "shim", "install", "python"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn installed_shim_loads_the_app() {
    let w = World::new();
    let path = w.path_var(&["bin"]);
    w.appenv(&path)
        .args(["shim", "install", "python"])
        .assert()
        .success();
    let shim = w.path("data/appenv/shims/python");
    let path = w.path_var(&["data/appenv/shims", "bin"]);
    let out = w
        .command("python", &path, &w.path("app/sub"))
        .arg("x")
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(
        text.contains(&format!("argv0={} args=x", w.path("bin/python").display())),
        "{text}"
    );
    assert!(text.contains("FOO=from-dotenv"), "{text}");
    assert!(
        text.contains(&format!("ROOT={}", w.path("app").display())),
        "{text}"
    );
    assert!(text.contains("DEPTH=1"), "{text}");
    assert!(shim.is_symlink());
}

#[test]
fn shim_in_an_app_loads_its_env_without_the_prefix() {
    let w = World::new();
    // A Gemfile makes the prefix `bundle exec`, which is not on PATH: the
    // shim must not use it.
    fs::write(w.path("app/Gemfile"), "").unwrap();
    let out = w
        .shim(&w.path("app/sub"))
        .args(["-c", "x"])
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(text.contains("FOO=from-dotenv"), "{text}");
    assert!(
        text.contains(&format!("ROOT={}", w.path("app").display())),
        "{text}"
    );
    assert_eq!(stderr(out.get_output()), "");
}

#[test]
fn shim_uses_the_app_virtualenv() {
    let w = World::new();
    fs::create_dir_all(w.path("app/.venv/bin")).unwrap();
    fs::write(w.path("app/.venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    executable(&w.path("app/.venv/bin/python"), REAL_PYTHON);
    let out = w.shim(&w.path("app")).assert().success();
    let text = stdout(out.get_output());
    // The interpreter gets its own path as argv[0], so Python finds the
    // virtualenv's pyvenv.cfg next to it.
    assert!(
        text.contains(&format!(
            "argv0={}",
            w.path("app/.venv/bin/python").display()
        )),
        "{text}"
    );
}

#[test]
fn outside_any_app_the_env_is_untouched() {
    let w = World::new();
    let env = ["/usr/bin/env", "/bin/env"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("env(1)");
    fs::create_dir_all(w.path("plain")).unwrap();
    fs::remove_file(w.path("bin/python")).unwrap();
    symlink(env, w.path("bin/python")).unwrap();
    let out = w
        .shim(&w.path("plain"))
        .env("FOO", "kept")
        .env("PWD", "/somewhere/else")
        .assert()
        .success();
    let mut lines: Vec<String> = stdout(out.get_output()).lines().map(String::from).collect();
    lines.sort();
    let mut expected = vec![
        "APPENV_SHIM_DEPTH=1".to_string(),
        "FOO=kept".into(),
        format!("HOME={}", w.path("home").display()),
        format!("PATH={}", w.path_var(&["shims", "bin"])),
        "PWD=/somewhere/else".into(),
        format!("XDG_DATA_HOME={}", w.path("data").display()),
    ];
    expected.sort();
    assert_eq!(lines, expected);
    assert_eq!(stderr(out.get_output()), "");
}

#[test]
fn an_untrusted_app_is_passed_through() {
    let w = World::new();
    let loaded = |w: &World| {
        let out = w.shim(&w.path("app")).assert().success();
        assert_eq!(stderr(out.get_output()), "", "no message, every time");
        let text = stdout(out.get_output());
        assert!(text.contains("DEPTH=1"), "{text}");
        text.contains("FOO=from-dotenv")
    };
    assert!(loaded(&w));
    w.trust("deny");
    assert!(!loaded(&w));
    w.trust("allow");
    assert!(loaded(&w));
    // Changed since allowed.
    fs::write(w.path("app/.env"), "FOO=edited\n").unwrap();
    assert!(!loaded(&w));
    let out = w.shim(&w.path("app")).assert().success();
    assert!(stdout(out.get_output()).contains("FOO=unset ROOT=unset"));
}

#[test]
fn a_broken_env_file_warns_once_and_runs_the_program() {
    let w = World::new();
    fs::write(w.path("app/.env"), "FOO=\"unterminated\n").unwrap();
    w.trust("allow");
    let out = w.shim(&w.path("app")).assert().success();
    let text = stdout(out.get_output());
    assert!(text.contains("FOO=unset ROOT=unset DEPTH=1"), "{text}");
    let err = stderr(out.get_output());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("appenv: python: app environment not loaded: .env:1"),
        "{err}"
    );

    // APPENV_QUIET=1 silences it.
    let out = w
        .shim(&w.path("app"))
        .env("APPENV_QUIET", "1")
        .assert()
        .success();
    assert_eq!(stderr(out.get_output()), "");
}

#[test]
fn the_first_file_argument_finds_the_app_from_slash() {
    let w = World::new();
    let script = w.path("app/script.py");
    let out = w
        .shim(Path::new("/"))
        .arg("-u")
        .arg(&script)
        .arg("shell")
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(text.contains("FOO=from-dotenv"), "{text}");
    assert!(
        text.contains(&format!("ROOT={}", w.path("app").display())),
        "{text}"
    );

    // A relative path, from a directory that is no app.
    fs::create_dir_all(w.path("plain")).unwrap();
    let out = w
        .shim(&w.path("plain"))
        .arg("../app/script.py")
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-dotenv"));

    // A file outside any app, or no file at all: nothing loaded.
    fs::write(w.path("plain/x.py"), "").unwrap();
    let out = w
        .shim(&w.path("plain"))
        .args(["x.py", "../app/script.py"])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=unset ROOT=unset"));
    let out = w
        .shim(&w.path("plain"))
        .args(["-c", "pass"])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=unset ROOT=unset"));
}

#[test]
fn the_program_keeps_the_shims_pid() {
    let w = World::new();
    let child = std::process::Command::new(w.path("shims/python"))
        .env_clear()
        .env("HOME", w.path("home"))
        .env("XDG_DATA_HOME", w.path("data"))
        .env("PATH", w.path_var(&["shims", "bin"]))
        .current_dir(w.path("app"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains(&format!("real pid={pid} ")),
        "pid {pid}: {text}"
    );
}

#[test]
fn a_loop_back_to_the_shim_is_stopped() {
    let w = World::new();
    fs::create_dir_all(w.path("wrap")).unwrap();
    // A wrapper that calls `python` again, found first on PATH: without the
    // guard, shim -> wrapper -> shim -> … forever.
    executable(&w.path("wrap/python"), "#!/bin/sh\npython \"$@\"\n");
    let path = w.path_var(&["shims", "wrap", "bin"]);
    for cwd in [w.path("app"), w.path("home")] {
        let start = Instant::now();
        let out = w
            .command(w.path("shims/python"), &path, &cwd)
            .timeout(Duration::from_secs(5))
            .assert()
            .code(125);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        let err = stderr(out.get_output());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("appenv: shim loop: python"), "{err}");
        assert!(
            err.contains(&w.path("wrap/python").display().to_string()),
            "{err}"
        );
        assert!(err.contains("APPENV_SHIM_DEPTH=8"), "{err}");
        assert_eq!(stdout(out.get_output()), "");
    }
}

#[test]
fn a_symlink_chain_back_to_appenv_is_not_the_real_program() {
    let w = World::new();
    fs::create_dir_all(w.path("chain")).unwrap();
    symlink(appenv(), w.path("chain/appenv-link")).unwrap();
    symlink(w.path("chain/appenv-link"), w.path("chain/python")).unwrap();
    let path = w.path_var(&["shims", "chain", "bin"]);
    let out = w
        .command(w.path("shims/python"), &path, &w.path("app"))
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(
        text.contains(&format!("argv0={}", w.path("bin/python").display())),
        "{text}"
    );
    assert!(text.contains("DEPTH=1"), "{text}");
}

#[test]
fn the_shim_never_finds_itself() {
    let w = World::new();
    symlink(w.path("shims"), w.path("shimlink")).unwrap();
    // A copy of the binary, rather than a symlink to it.
    fs::create_dir_all(w.path("copies")).unwrap();
    copy_appenv(&w.path("copies/python"));
    symlink(w.path("copies"), w.path("copylink")).unwrap();

    let layouts = [
        ["shims", "shimlink", "shims"],
        ["shimlink", "shims", "shimlink"],
        ["copies", "copylink", "copies"],
        ["copylink", "copies", "copylink"],
    ];
    for dirs in layouts {
        let mut dirs = dirs.to_vec();
        dirs.push("bin");
        let path = w.path_var(&dirs);
        // By bare name, as an editor or a shell starts it: argv[0] says
        // nothing of where the shim is.
        let out = w
            .command("python", &path, &w.path("app"))
            .assert()
            .success();
        let text = stdout(out.get_output());
        assert!(
            text.contains(&format!("argv0={}", w.path("bin/python").display())),
            "{dirs:?}: {text}"
        );
        assert!(
            text.contains("FOO=from-dotenv") && text.contains("DEPTH=1"),
            "{text}"
        );
    }
}

#[test]
fn which_prints_the_real_interpreter() {
    let w = World::new();
    let path = w.path_var(&["bin"]);
    w.appenv(&path)
        .args(["shim", "install", "python"])
        .assert()
        .success();
    // A copy of appenv in the shim directory is skipped too.
    copy_appenv(&w.path("data/appenv/shims/irb"));
    executable(&w.path("bin/irb"), "#!/bin/sh\n");
    let path = w.path_var(&["data/appenv/shims", "shims", "bin"]);
    for (name, real) in [("python", "bin/python"), ("irb", "bin/irb")] {
        w.command(appenv(), &path, &w.path("app"))
            .args(["which", name])
            .assert()
            .success()
            .stdout(format!("{}\n", w.path(real).display()));
    }
}

#[test]
fn no_real_program_is_127() {
    let w = World::new();
    fs::remove_file(w.path("bin/python")).unwrap();
    let out = w.shim(&w.path("app")).assert().code(127);
    assert_eq!(
        stderr(out.get_output()),
        "appenv: python: command not found (no python on PATH besides the appenv shims)\n"
    );
}
