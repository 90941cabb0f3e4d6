//! Runs the hook in a real shell: a sandbox (apps, HOME, XDG dirs) and a
//! scenario of steps rendered as a script for bash, zsh or fish. The hook
//! runs appenv through a wrapper that counts the calls, and each `Snap`
//! records the exported environment, the count and what was said on stderr.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use appenv::shell::Shell;

use crate::common::write_executable;
pub use crate::common::{appenv_bin, have};

pub type Env = BTreeMap<OsString, OsString>;

/// The shells that are here; in CI (`CI=true`) a missing one fails.
pub fn shells() -> Vec<Shell> {
    // tcsh, elvish, xonsh and nushell have their own, interactive tests
    // (`interactive_tcsh_elvish_xonsh_nu.rs`).
    [Shell::Bash, Shell::Zsh, Shell::Fish]
        .into_iter()
        .filter(|s| have(s.name()))
        .collect()
}

pub enum Step<'a> {
    Cd(&'a str),
    /// What the shell does before it shows a prompt.
    Prompt,
    /// Writes a file from inside the shell, so that it lands right after
    /// what came before it (in the same clock tick as a call, if it can).
    Write(&'a str, &'a str),
    Remove(&'a str),
    /// `export NAME=value` as the user would type it.
    Set(&'a str, &'a str),
    Unset(&'a str),
    /// Shell code, the same in every shell; `{appenv}` is the binary.
    Run(&'a str),
    Snap,
}

pub struct Snap {
    pub env: Env,
    /// appenv calls so far.
    pub calls: usize,
    /// stderr since the previous snap.
    pub said: String,
}

impl Snap {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.env
            .get(OsStr::new(name))
            .map(|v| v.to_str().expect("UTF-8 value"))
    }
}

pub struct HookApp {
    pub tmp: tempfile::TempDir,
    /// Set APPENV_TRUSTED_DIRS to the sandbox.
    pub trusted: bool,
    /// Variables the shell starts with, beyond PATH, HOME and XDG dirs.
    pub start_env: Vec<(String, String)>,
    /// Shell code run before the hook is sourced, as in a user's rc.
    pub rc: String,
}

impl HookApp {
    pub fn new(files: &[(&str, &str)]) -> HookApp {
        let tmp = tempfile::tempdir().unwrap();
        let sandbox = HookApp {
            tmp,
            trusted: true,
            start_env: Vec::new(),
            rc: String::new(),
        };
        // As on a machine where the shells and appenv have run before: the
        // trust store's parent, fish's data and the stamp directory exist.
        fs::create_dir_all(sandbox.path("home/data/fish")).unwrap();
        fs::create_dir_all(sandbox.path("home/cache/appenv")).unwrap();
        for (name, content) in files {
            sandbox.write(name, content);
        }
        // File times tick every few milliseconds, and the hook takes a path
        // as new as its stamp for a changed one: without this, a shell that
        // starts in the tick the files were made in asks appenv once more.
        age(sandbox.tmp.path());
        sandbox
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        match rel {
            "" | "." => self.tmp.path().to_owned(),
            rel => self.tmp.path().join(rel),
        }
    }

    /// `name` ending in `/` is a directory.
    pub fn write(&self, name: &str, content: &str) {
        let path = self.path(name);
        if name.ends_with('/') {
            fs::create_dir_all(&path).unwrap();
        } else {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, content).unwrap();
        }
    }

    /// The clean environment the shells start with: HOME and the XDG dirs
    /// in `home`, PATH the system's, `apps` trusted, then `start_env`.
    pub fn clean(&self) -> crate::common::Sandbox {
        let mut env = crate::common::Sandbox::new(&self.path("home")).set("PATH", "/usr/bin:/bin");
        if self.trusted {
            env = env.set("APPENV_TRUSTED_DIRS", self.path("apps"));
        }
        self.start_env
            .iter()
            .fold(env, |env, (name, value)| env.set(name, value))
    }

    pub fn env(&self) -> Vec<(String, String)> {
        self.clean().env()
    }

    /// `program` in [`HookApp::clean`], started in the sandbox.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = self.clean().command(program);
        cmd.current_dir(self.path(""));
        cmd
    }

    /// appenv in [`HookApp::clean`], started in the sandbox.
    pub fn appenv(&self) -> Command {
        self.command(appenv_bin())
    }

    /// `shell` without rc files in [`HookApp::clean`], started in the
    /// sandbox.
    pub fn shell(&self, shell: Shell) -> Command {
        let mut cmd = self.clean().shell(shell);
        cmd.current_dir(self.path(""));
        cmd
    }

    /// Runs `steps` in `shell`, starting in the sandbox, and returns the
    /// snaps. Fails the test if the shell fails.
    pub fn run(&self, shell: Shell, steps: &[Step]) -> Vec<Snap> {
        let dir = self.path(&format!("run-{shell}"));
        fs::create_dir_all(&dir).unwrap();
        let log = dir.join("calls");
        fs::write(&log, "").unwrap();
        let wrapper = dir.join("appenv");
        write_executable(
            &wrapper,
            &format!(
                "#!/bin/sh\necho call >> '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                appenv_bin().display()
            ),
        );

        let hook = self.appenv().args(["hook", shell.name()]).output().unwrap();
        assert!(hook.status.success());
        let hook_file = dir.join("hook");
        fs::write(&hook_file, &hook.stdout).unwrap();

        let q = |bytes: &[u8]| {
            let mut out = Vec::new();
            shell.quote(bytes, &mut out);
            String::from_utf8(out).unwrap()
        };
        let qp = |p: &Path| q(p.as_os_str().as_bytes());
        let mut script = self.rc.clone() + "\n";
        script += &format!("source {}\n", qp(&hook_file));
        script += &match shell {
            Shell::Fish => format!("set -g __appenv_bin {}\n", qp(&wrapper)),
            _ => format!("__appenv_bin={}\n", qp(&wrapper)),
        };
        let mut snaps = 0;
        for step in steps {
            script += &match step {
                Step::Cd(rel) => format!("cd {}\n", qp(&self.path(rel))),
                Step::Prompt => match shell {
                    Shell::Bash => "eval \"$PROMPT_COMMAND\"\n".into(),
                    Shell::Zsh => "for f in $precmd_functions; do $f; done\n".into(),
                    Shell::Fish => "emit fish_prompt\n".into(),
                    _ => unreachable!("bash, zsh and fish only"),
                },
                Step::Write(rel, content) => format!(
                    "printf '%s' {} > {}\n",
                    q(content.as_bytes()),
                    qp(&self.path(rel))
                ),
                Step::Remove(rel) => format!("command rm -f -- {}\n", qp(&self.path(rel))),
                Step::Set(name, value) => {
                    let mut out = Vec::new();
                    shell.set(name, value.as_bytes(), &mut out);
                    String::from_utf8(out).unwrap()
                }
                Step::Unset(name) => {
                    let mut out = Vec::new();
                    shell.unset(name, &mut out);
                    String::from_utf8(out).unwrap()
                }
                Step::Run(code) => {
                    format!("{}\n", code.replace("{appenv}", &qp(&appenv_bin())))
                }
                Step::Snap => {
                    snaps += 1;
                    format!(
                        "command env -0 > {env}\ncommand cp {log} {calls}\necho '--- snap' >&2\n",
                        env = qp(&dir.join(format!("env.{snaps}"))),
                        log = qp(&log),
                        calls = qp(&dir.join(format!("calls.{snaps}"))),
                    )
                }
            };
        }
        let script_file = dir.join("script");
        fs::write(&script_file, &script).unwrap();

        let mut cmd = self.shell(shell);
        if shell == Shell::Fish {
            // Interactive: the hook does nothing in a fish that is not.
            cmd.arg("-i");
        }
        let out = cmd.arg(&script_file).env("TERM", "dumb").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{shell} failed:\n{stderr}\n{script}");
        let mut said = stderr.split("--- snap\n");
        (1..=snaps)
            .map(|n| Snap {
                env: parse_env(&fs::read(dir.join(format!("env.{n}"))).unwrap()),
                calls: fs::read_to_string(dir.join(format!("calls.{n}")))
                    .unwrap()
                    .lines()
                    .count(),
                said: said.next().unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

/// Sets the mtime of `dir` and everything under it ten seconds back.
fn age(dir: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            age(&path);
        } else {
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(past)
                .unwrap();
        }
    }
    fs::File::open(dir).unwrap().set_modified(past).unwrap();
}

pub fn parse_env(bytes: &[u8]) -> Env {
    bytes
        .split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let at = entry.iter().position(|&b| b == b'=').unwrap();
            (
                OsString::from_vec(entry[..at].to_vec()),
                OsString::from_vec(entry[at + 1..].to_vec()),
            )
        })
        .collect()
}
