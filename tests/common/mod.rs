//! Helpers shared by the end-to-end tests: temporary apps and an `appenv`
//! command with a known, minimal environment.
#![allow(dead_code)]

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

    /// `appenv` started in the root, with an environment holding only
    /// PATH, HOME and XDG dirs inside the temp dir, and the temp dir trusted.
    pub fn appenv(&self) -> Command {
        self.appenv_in(&self.root)
    }

    pub fn appenv_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("appenv").unwrap();
        cmd.current_dir(dir).env_clear().envs(self.env());
        cmd
    }

    /// The same as [`App::appenv`], as a plain std Command (to spawn it and
    /// know its pid).
    pub fn std_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("appenv"));
        cmd.current_dir(&self.root).env_clear().envs(self.env());
        cmd
    }

    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.tmp.path().join("home");
        vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), home.display().to_string()),
            (
                "XDG_DATA_HOME".into(),
                home.join("data").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".into(),
                home.join("cache").display().to_string(),
            ),
            (
                "APPENV_TRUSTED_DIRS".into(),
                self.tmp.path().display().to_string(),
            ),
        ]
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

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// True when `tool` runs here. In CI (`CI=true`) a missing tool fails the
/// test instead of skipping it.
pub fn have(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("{tool} is required in CI but was not found");
    }
    if !found {
        eprintln!("skipping: {tool} not found");
    }
    found
}
