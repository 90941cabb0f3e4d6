//! Shims end to end: `appenv shim install|list|remove`, and the built binary
//! started under another name (a symlink named `python`).

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use common::{Sandbox, stderr, stdout, write_executable as executable};

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
        for dir in ["home", "data", "bin", "shims", "app/sub", "plain"] {
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

    /// PATH made of these directories under the world and nothing of the
    /// host's, so what the host has installed (an `irb` in /usr/bin) never
    /// changes what a test sees.
    fn path_var(&self, dirs: &[&str]) -> String {
        let entries: Vec<String> = dirs
            .iter()
            .map(|d| self.path(d).display().to_string())
            .collect();
        entries.join(":")
    }

    /// The world's clean environment, with PATH `path`.
    fn sandbox(&self, path: &str) -> Sandbox {
        Sandbox::new(&self.path("home"))
            .set("XDG_DATA_HOME", self.path("data"))
            .set("PATH", path)
    }

    /// `program` (a path, or a name looked up on `path`) with a clean
    /// environment.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, path: &str, cwd: &Path) -> Command {
        let mut cmd = Command::from_std(self.std_command(program, path, cwd));
        cmd.timeout(Duration::from_secs(60));
        cmd
    }

    /// The same as [`World::command`], as a plain std Command (to spawn it
    /// and know its pid).
    fn std_command(
        &self,
        program: impl AsRef<std::ffi::OsStr>,
        path: &str,
        cwd: &Path,
    ) -> std::process::Command {
        let mut cmd = self.sandbox(path).command(program);
        cmd.current_dir(cwd);
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
fn a_prefix_whose_launcher_is_missing_is_left_out() {
    let w = World::new();
    // A Gemfile makes the prefix `bundle exec`, which is not on PATH: the
    // shim runs the program with the rest of the app environment.
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
    // Exactly the sandbox's variables, and what the caller added.
    let mut expected: Vec<String> = w
        .sandbox(&w.path_var(&["shims", "bin"]))
        .env()
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    expected.extend(["APPENV_SHIM_DEPTH=1", "FOO=kept", "PWD=/somewhere/else"].map(String::from));
    expected.sort();
    assert_eq!(lines, expected);
    assert_eq!(stderr(out.get_output()), "");
}

#[test]
fn an_untrusted_app_is_passed_through_silently() {
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
    assert!(!loaded(&w));
    w.trust("allow");
    assert!(loaded(&w));
}

#[test]
fn a_changed_app_is_announced_once_per_change() {
    let w = World::new();
    let run = |w: &World| {
        let out = w.shim(&w.path("app/sub")).assert().success();
        let text = stdout(out.get_output());
        // The program runs, without the app environment.
        assert!(text.contains("FOO=unset ROOT=unset DEPTH=1"), "{text}");
        stderr(out.get_output())
    };
    fs::write(w.path("app/.env"), "FOO=edited\n").unwrap();
    assert_eq!(
        run(&w),
        "appenv: app changed since it was allowed (.env); python runs without the app environment; run 'appenv allow'\n"
    );
    assert_eq!(run(&w), "", "once");
    assert_eq!(run(&w), "", "once");

    // The next change is announced again, naming every changed file.
    fs::write(w.path("app/.env"), "FOO=edited-again\n").unwrap();
    fs::write(w.path("app/appenv.toml"), "").unwrap();
    let err = run(&w);
    assert!(
        err.contains("app changed since it was allowed (.env, appenv.toml);"),
        "{err}"
    );
    assert_eq!(run(&w), "");

    // Allowed again: loaded, and silent.
    w.trust("allow");
    let out = w.shim(&w.path("app")).assert().success();
    assert!(stdout(out.get_output()).contains("FOO=edited-again"));
    assert_eq!(stderr(out.get_output()), "");

    // APPENV_QUIET=1 silences the notice.
    fs::write(w.path("app/.env"), "FOO=third\n").unwrap();
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
    let out = w
        .shim(&w.path("plain"))
        .arg("../app/script.py")
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-dotenv"));

    // A debugger's or test adapter's own launcher first: every existing
    // file is looked at, in order. A file outside any app, or in an app
    // never allowed (an editor extension with its own package.json), is
    // passed over.
    fs::write(w.path("plain/launcher.py"), "").unwrap();
    fs::create_dir_all(w.path("ext")).unwrap();
    fs::write(w.path("ext/package.json"), "{}").unwrap();
    fs::write(w.path("ext/adapter.py"), "").unwrap();
    let out = w
        .shim(Path::new("/"))
        .arg(w.path("plain/launcher.py"))
        .arg(w.path("ext/adapter.py"))
        .args(["--", "missing.py"])
        .arg(&script)
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(text.contains("FOO=from-dotenv"), "{text}");
    assert_eq!(stderr(out.get_output()), "");

    // The first allowed app wins.
    fs::create_dir_all(w.path("other")).unwrap();
    fs::write(w.path("other/.env"), "FOO=from-other\n").unwrap();
    fs::write(w.path("other/main.py"), "").unwrap();
    w.command(appenv(), &w.path_var(&[]), &w.path("other"))
        .arg("allow")
        .assert()
        .success();
    let out = w
        .shim(&w.path("plain"))
        .args(["../other/main.py", "../app/script.py"])
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-other"));

    // No file in an app, or no file at all: nothing loaded.
    let out = w
        .shim(&w.path("plain"))
        .args(["launcher.py", "../ext/adapter.py"])
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
fn the_working_directory_wins_over_file_arguments() {
    let w = World::new();
    fs::create_dir_all(w.path("other")).unwrap();
    fs::write(w.path("other/.env"), "FOO=from-other\n").unwrap();
    fs::write(w.path("other/main.py"), "").unwrap();
    w.command(appenv(), &w.path_var(&[]), &w.path("other"))
        .arg("allow")
        .assert()
        .success();
    let out = w
        .shim(&w.path("app"))
        .arg(w.path("other/main.py"))
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-dotenv"));
    // Unless the working directory's app is not allowed.
    w.trust("deny");
    let out = w
        .shim(&w.path("app"))
        .arg(w.path("other/main.py"))
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-other"));
}

#[test]
fn an_empty_path_never_runs_a_program_from_the_working_directory() {
    let w = World::new();
    // A cloned repository that ships its own `python`.
    let trap = "#!/bin/sh\necho TRAP\n";
    executable(&w.path("app/python"), trap);
    executable(&w.path("plain/python"), trap);
    let dirs = w.path_var(&["bin"]);
    for cwd in ["app", "plain"] {
        for path in [
            String::new(),
            ":".into(),
            format!("{dirs}:"),
            format!(":{dirs}"),
        ] {
            let out = w
                .command(w.path("shims/python"), &path, &w.path(cwd))
                .output()
                .unwrap();
            let text = stdout(&out);
            assert!(!text.contains("TRAP"), "{cwd} PATH={path:?}: {text}");
            if path.is_empty() || path == ":" {
                assert_eq!(out.status.code(), Some(127), "{path:?}");
                assert!(stderr(&out).contains("python: command not found"));
            } else {
                assert!(text.contains("real pid="), "{path:?}: {text}");
            }
        }
        // Named explicitly, the working directory is searched.
        let out = w
            .command(w.path("shims/python"), ".", &w.path(cwd))
            .assert()
            .success();
        assert!(stdout(out.get_output()).contains("TRAP"));
    }
}

#[test]
fn the_program_keeps_the_shims_pid() {
    let w = World::new();
    let child = w
        .std_command(
            w.path("shims/python"),
            &w.path_var(&["shims", "bin"]),
            &w.path("app"),
        )
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
        // The command's timeout is what a loop the guard missed would hit.
        let out = w
            .command(w.path("shims/python"), &path, &cwd)
            .assert()
            .code(125);
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

/// A fake launcher (`poetry run`, `bundle exec`…): says who it is, then
/// looks the program up on PATH itself and execs it, as poetry, pipenv and
/// Bundler do. `EXTRA` is appended to PATH first (Bundler adds its own bin).
const LAUNCHER: &str = "#!/bin/sh\n\
    echo \"launcher ${0##*/} pid=$$ args=$* LAUNCHED=${APPENV_SHIM_LAUNCHED-unset}\"\n\
    shift\n\
    PATH=\"$PATH${EXTRA:+:$EXTRA}\"\n\
    exec \"$@\"\n";

/// `program` started directly (to know its pid) in the world's clean env.
fn spawn(
    w: &World,
    program: &Path,
    path: &str,
    cwd: &Path,
    args: &[&str],
) -> (u32, String, String, Option<i32>) {
    let child = w
        .std_command(program, path, cwd)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    (pid, stdout(&out), stderr(&out), out.status.code())
}

#[test]
fn every_launcher_runs_the_program_and_its_lookup_passes_through_the_shim() {
    let w = World::new();
    // Shims first, as users set PATH: each launcher's own lookup of
    // `python` finds the shim again.
    let path = w.path_var(&["shims", "launchers", "bin"]);
    for launcher in ["poetry", "pipenv", "uv", "pdm", "hatch"] {
        executable(&w.path(&format!("launchers/{launcher}")), LAUNCHER);
        fs::write(w.path("app/Procfile"), format!("web: {launcher} run web\n")).unwrap();
        w.trust("allow");
        let (pid, out, err, code) = spawn(
            &w,
            &w.path("shims/python"),
            &path,
            &w.path("app/sub"),
            &["-c", "x"],
        );
        assert_eq!(code, Some(0), "{launcher}: {err}");
        assert_eq!(err, "", "{launcher}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "launcher {launcher} pid={pid} args=run python -c x LAUNCHED={}",
                w.path("app").display()
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "real pid={pid} argv0={} args=-c x",
                w.path("bin/python").display()
            ),
            "{launcher}"
        );
        // shim, then the shim again through the launcher: the app was
        // loaded once, by the first.
        assert_eq!(
            lines[2],
            format!("FOO=from-dotenv ROOT={} DEPTH=2", w.path("app").display())
        );
    }
}

#[test]
fn no_loop_whatever_path_holds() {
    let w = World::new();
    fs::write(w.path("app/poetry.lock"), "").unwrap();
    executable(&w.path("launchers/poetry"), LAUNCHER);
    // The launcher shimmed too, and appenv on PATH as the launcher through
    // a symlink elsewhere.
    symlink(appenv(), w.path("shims/poetry")).unwrap();
    fs::create_dir_all(w.path("chain")).unwrap();
    symlink(appenv(), w.path("chain/poetry")).unwrap();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["shims", "launchers", "bin"], 0, "launcher poetry"),
        (&["launchers", "shims", "bin"], 0, "launcher poetry"),
        (&["shims", "bin", "launchers"], 0, "launcher poetry"),
        // No real python anywhere: the launcher's lookup ends at the shim,
        // which finds nothing and says so.
        (&["shims", "launchers"], 127, "launcher poetry"),
        // Only shims and appenv itself answer to `poetry`: no launcher.
        (&["shims", "chain", "bin"], 0, "real pid"),
        (&["chain", "shims"], 127, ""),
    ];
    for (dirs, status, first) in cases {
        let path = w.path_var(dirs);
        let out = w
            .command(w.path("shims/python"), &path, &w.path("app"))
            .output()
            .unwrap();
        let (text, err) = (stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(status), "{dirs:?}: {text}{err}");
        assert!(text.starts_with(first), "{dirs:?}: {text}");
        assert!(!err.contains("shim loop"), "{dirs:?}: {err}");
        if status == 127 {
            assert!(err.contains("python: command not found"), "{dirs:?}: {err}");
        }
    }
    // The launcher's own shim runs the real launcher, without a prefix,
    // and the launcher's lookup passes through the python shim.
    let path = w.path_var(&["shims", "launchers", "bin"]);
    let out = w
        .command(w.path("shims/poetry"), &path, &w.path("app"))
        .args(["run", "python"])
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(text.starts_with("launcher poetry pid="), "{text}");
    assert!(
        text.contains(&format!(
            "args=run python LAUNCHED={}\n",
            w.path("app").display()
        )),
        "{text}"
    );
    assert_eq!(text.matches("launcher").count(), 1, "{text}");
    assert!(text.contains("FOO=from-dotenv"), "{text}");
}

#[test]
fn a_launcher_left_behind_in_another_app_does_not_pass_through_this_one() {
    let w = World::new();
    fs::write(w.path("app/poetry.lock"), "").unwrap();
    let path = w.path_var(&["shims", "bin"]);
    // APPENV_SHIM_LAUNCHED names another root: this app loads as usual.
    let out = w
        .command(w.path("shims/python"), &path, &w.path("app"))
        .env("APPENV_SHIM_LAUNCHED", w.path("plain"))
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=from-dotenv"));
    // Naming this root: passed through untouched.
    let out = w
        .command(w.path("shims/python"), &path, &w.path("app/sub"))
        .env("APPENV_SHIM_LAUNCHED", w.path("app"))
        .assert()
        .success();
    assert!(stdout(out.get_output()).contains("FOO=unset ROOT=unset"));
}

/// A `ruby` that prints what Bundler's set-up leaves in the environment.
const REAL_RUBY: &str = "#!/bin/sh\n\
    echo \"ruby pid=$$ args=$*\"\n\
    echo \"GEMFILE=${BUNDLE_GEMFILE-unset} RUBYOPT=${RUBYOPT-unset} BIN=${BUNDLE_BIN_PATH-unset}\"\n\
    echo \"ORIG_PATH=${BUNDLER_ORIG_PATH-unset} ORIG_RUBYOPT=${BUNDLER_ORIG_RUBYOPT-unset}\"\n";

#[test]
fn bundle_exec_is_applied_as_bundler_sets_it_up() {
    let w = World::new();
    fs::write(w.path("app/Gemfile"), "").unwrap();
    executable(&w.path("launchers/bundle"), LAUNCHER);
    executable(&w.path("bin/ruby"), REAL_RUBY);
    symlink(appenv(), w.path("shims/ruby")).unwrap();
    symlink(appenv(), w.path("shims/rspec")).unwrap();
    let path = w.path_var(&["shims", "launchers", "bin"]);
    let (pid, out, err, code) = spawn(
        &w,
        &w.path("shims/ruby"),
        &path,
        &w.path("app/sub"),
        &["-e", "1"],
    );
    assert_eq!((code, err.as_str()), (Some(0), ""));
    assert_eq!(
        out,
        format!(
            "ruby pid={pid} args=-e 1\n\
             GEMFILE={} RUBYOPT=-rbundler/setup BIN={}\n\
             ORIG_PATH={path} ORIG_RUBYOPT=BUNDLER_ENVIRONMENT_PRESERVER_INTENTIONALLY_NIL\n",
            w.path("app/Gemfile").display(),
            w.path("launchers/bundle").display(),
        ),
        "no `bundle` process: ruby has the shim's pid"
    );

    // A program found only inside the bundle goes through `bundle exec`,
    // whose lookup passes through the shim to the bundle's program.
    executable(&w.path("gems/bin/rspec"), REAL_RUBY);
    let (pid, out, err, code) = w_spawn_rspec(&w, &path);
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("launcher bundle pid={pid} args=exec rspec spec")),
        "{out}"
    );
    assert_eq!(lines[1], format!("ruby pid={pid} args=spec"));

    // `bundle` itself: never `bundle exec bundle`.
    symlink(appenv(), w.path("shims/bundle")).unwrap();
    let out = w
        .command(w.path("shims/bundle"), &path, &w.path("app"))
        .arg("install")
        .assert()
        .success();
    let text = stdout(out.get_output());
    assert!(text.starts_with("launcher bundle pid="), "{text}");
    assert!(
        text.contains(&format!(
            "args=install LAUNCHED={}",
            w.path("app").display()
        )),
        "{text}"
    );
}

fn w_spawn_rspec(w: &World, path: &str) -> (u32, String, String, Option<i32>) {
    let child = w
        .std_command(w.path("shims/rspec"), path, &w.path("app"))
        .arg("spec")
        .env("EXTRA", w.path("gems/bin"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    (pid, stdout(&out), stderr(&out), out.status.code())
}

#[test]
fn explain_and_shim_list_say_what_shims_do_with_the_prefix() {
    let w = World::new();
    fs::write(w.path("app/poetry.lock"), "").unwrap();
    let says = |path: &str, args: &[&str]| {
        let out = w
            .command(appenv(), path, &w.path("app"))
            .args(args)
            .assert()
            .success();
        stdout(out.get_output())
    };
    let missing = "do not apply `poetry run`: no poetry on PATH besides the shims; programs run with the rest of the app environment";
    let path = w.path_var(&["shims", "bin"]);
    assert!(says(&path, &["explain"]).contains(&format!("  shims      {missing}\n")));
    assert!(says(&path, &["shim", "list"]).contains(&format!(
        "in {}, shims {missing}\n",
        w.path("app").display()
    )));
    executable(&w.path("launchers/poetry"), LAUNCHER);
    let path = w.path_var(&["shims", "launchers", "bin"]);
    let text = says(&path, &["explain"]);
    assert!(
        text.contains(&format!(
            "  shims      run programs through `poetry run` ({}); a shim it runs again for this app passes straight through to the real program\n",
            w.path("launchers/poetry").display()
        )),
        "{text}"
    );
    fs::remove_file(w.path("app/poetry.lock")).unwrap();
    fs::write(w.path("app/Gemfile"), "").unwrap();
    executable(&w.path("launchers/bundle"), LAUNCHER);
    let text = says(&path, &["explain"]);
    assert!(
        text.contains("  shims      apply `bundle exec` as Bundler sets it up (BUNDLE_GEMFILE, RUBYOPT=-rbundler/setup, BUNDLE_BIN_PATH="),
        "{text}"
    );
    fs::remove_file(w.path("app/Gemfile")).unwrap();
    assert!(!says(&path, &["explain"]).contains("shims "));
}

#[test]
fn through_dash_and_bash_the_program_keeps_the_pid_and_the_status() {
    let w = World::new();
    executable(
        &w.path("bin/python"),
        &format!("{REAL_PYTHON}exit ${{EXIT_WITH:-0}}\n"),
    );
    fs::write(w.path("app/poetry.lock"), "").unwrap();
    executable(&w.path("launchers/poetry"), LAUNCHER);
    for shell in ["dash", "bash"] {
        if !common::have(shell) {
            continue;
        }
        let shell = format!("/bin/{shell}");
        // Plain, and through the launcher the shim runs.
        for dirs in [&["shims", "bin"][..], &["shims", "launchers", "bin"]] {
            let out = w
                .command(&shell, &w.path_var(dirs), &w.path("app"))
                .args(["-c", "echo \"shell pid=$$\"; EXIT_WITH=7 exec python"])
                .assert()
                .code(7);
            let text = stdout(out.get_output());
            let pid = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("shell pid="))
                .unwrap();
            assert!(
                text.contains(&format!("real pid={pid} ")),
                "{shell}: {text}"
            );
            assert!(text.contains("FOO=from-dotenv"), "{shell}: {text}");
        }
    }
}
