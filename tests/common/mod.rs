//! Helpers shared by the end-to-end tests: the sandbox (a clean
//! environment, shells without rc files, the rule for a missing tool),
//! temporary apps and an `appenv` command with a known, minimal environment.
#![allow(dead_code)]

mod sandbox;

pub use sandbox::*;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub struct App {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl App {
    /// A temporary app holding `files` (name, content); names ending in `/`
    /// are directories.
    pub fn new(files: &[(&str, &str)]) -> App {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("app");
        fs::create_dir_all(&root).unwrap();
        let app = App { tmp, root };
        for (name, content) in files {
            app.write(name, content);
        }
        app
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.root.join(name);
        if name.ends_with('/') {
            fs::create_dir_all(&path).unwrap();
        } else {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, content).unwrap();
        }
        path
    }

    /// An executable script.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.root.join(name);
        write_executable(&path, &format!("#!/bin/sh\n{body}\n"));
        path
    }

    /// The app's sandbox: HOME is `home` in the temp dir (with the XDG dirs
    /// in it), PATH the system's, and the temp dir trusted.
    pub fn sandbox(&self) -> Sandbox {
        Sandbox::new(&self.tmp.path().join("home")).set("APPENV_TRUSTED_DIRS", self.tmp.path())
    }

    /// `appenv` started in the root, in [`App::sandbox`].
    pub fn appenv(&self) -> Command {
        self.appenv_in(&self.root)
    }

    pub fn appenv_in(&self, dir: &Path) -> Command {
        let mut cmd = self.sandbox().appenv();
        cmd.current_dir(dir);
        cmd
    }

    /// The same as [`App::appenv`], as a plain std Command (to spawn it and
    /// know its pid).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = self.sandbox().command(appenv_bin());
        cmd.current_dir(&self.root);
        cmd
    }

    pub fn env(&self) -> Vec<(String, String)> {
        self.sandbox().env()
    }
}

/// Writes an executable file through a child process. Tests run in threads:
/// a file this process held open for writing would be inherited by a child
/// another test forks at that moment, and exec'ing the file would then fail
/// with "Text file busy" (ETXTBSY) until that child execs.
pub fn write_executable(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(content.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "cannot write {path:?}");
}

/// Runs `cmd` with `input` on its stdin (then closed), and its output.
pub fn fed(cmd: &mut std::process::Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// True when `tool` runs here. In CI (`CI=true`) a missing tool fails the
/// test instead of skipping it: [`require`], under the name the tests have
/// always used.
pub fn have(tool: &str) -> bool {
    require(tool)
}

/// A directory for running one shell by hand: `work/`, `home/`, and `bin/`
/// holding only that shell (under its own name), so that PATH can be `bin`.
pub struct ShellDirs {
    _dir: tempfile::TempDir,
    pub work: PathBuf,
    pub home: PathBuf,
    pub bin: PathBuf,
}

impl ShellDirs {
    pub fn new(program: &Path, name: &str) -> ShellDirs {
        let dir = tempfile::tempdir().unwrap();
        let [work, home, bin] = ["work", "home", "bin"].map(|d| dir.path().join(d));
        for d in [&work, &home, &bin] {
            fs::create_dir(d).unwrap();
        }
        std::os::unix::fs::symlink(program, bin.join(name)).unwrap();
        ShellDirs {
            _dir: dir,
            work,
            home,
            bin,
        }
    }
}
