//! The clean environment every end-to-end test starts its commands in,
//! shells without rc files, and the one rule for what a test needs from
//! the machine: fail in CI, skip elsewhere.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use appenv::shell::Shell;
use assert_cmd::Command;

/// PATH when a test does not choose one: the system's directories only.
pub const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// A clean environment: HOME and the XDG base dirs under one directory,
/// PATH, and whatever variables a test adds. Nothing is inherited: every
/// command built from it starts with `env_clear`.
#[derive(Clone, Debug)]
pub struct Sandbox {
    vars: Vec<(String, String)>,
}

impl Sandbox {
    /// HOME is `home`; XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME and
    /// XDG_STATE_HOME are `config`, `data`, `cache` and `state` in it; PATH
    /// is [`SYSTEM_PATH`]. The directories are not made.
    pub fn new(home: &Path) -> Sandbox {
        let dir = |name: &str| home.join(name).display().to_string();
        Sandbox {
            vars: vec![
                ("PATH".into(), SYSTEM_PATH.into()),
                ("HOME".into(), home.display().to_string()),
                ("XDG_CONFIG_HOME".into(), dir("config")),
                ("XDG_DATA_HOME".into(), dir("data")),
                ("XDG_CACHE_HOME".into(), dir("cache")),
                ("XDG_STATE_HOME".into(), dir("state")),
            ],
        }
    }

    /// An environment with no variable at all, for a command whose output
    /// must not depend on any (usage, generated scripts).
    pub fn bare() -> Sandbox {
        Sandbox { vars: Vec::new() }
    }

    /// Sets `name` (replacing what it held).
    pub fn set(mut self, name: &str, value: impl AsRef<OsStr>) -> Sandbox {
        let value = value.as_ref().to_str().expect("UTF-8 value").to_owned();
        match self.vars.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.vars.push((name.into(), value)),
        }
        self
    }

    /// PATH made of `dirs`, in order.
    pub fn path<P: AsRef<Path>>(self, dirs: impl IntoIterator<Item = P>) -> Sandbox {
        let dirs: Vec<String> = dirs
            .into_iter()
            .map(|d| d.as_ref().display().to_string())
            .collect();
        self.set("PATH", dirs.join(":"))
    }

    /// PATH with `dir` in front of what it holds.
    pub fn path_first(self, dir: impl AsRef<Path>) -> Sandbox {
        let path = match self.get("PATH") {
            Some(rest) if !rest.is_empty() => format!("{}:{rest}", dir.as_ref().display()),
            _ => dir.as_ref().display().to_string(),
        };
        self.set("PATH", path)
    }

    /// A sandbox holding exactly `vars`, as a test's own list gives them.
    pub fn from_env(vars: &[(String, String)]) -> Sandbox {
        vars.iter().fold(Sandbox::bare(), |sandbox, (name, value)| {
            sandbox.set(name, value)
        })
    }

    /// Leaves `name` out.
    pub fn unset(mut self, name: &str) -> Sandbox {
        self.vars.retain(|(n, _)| n != name);
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every variable, as a test passes them to `envs`.
    pub fn env(&self) -> Vec<(String, String)> {
        self.vars.clone()
    }

    /// `program` (a path, or a name looked up on the test's own PATH) with
    /// this environment and nothing else.
    pub fn command(&self, program: impl AsRef<OsStr>) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear().envs(self.vars.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// The built `appenv` in this environment.
    pub fn appenv(&self) -> Command {
        Command::from_std(self.command(appenv_bin()))
    }

    /// `shell` in this environment, reading no rc or profile file; the
    /// caller adds `-c CODE`, a script or `-i`.
    pub fn shell(&self, shell: Shell) -> std::process::Command {
        let mut cmd = self.command(shell.name());
        cmd.args(no_rc(shell));
        cmd
    }
}

/// The options that start `shell` without any rc or profile file.
pub fn no_rc(shell: Shell) -> &'static [&'static str] {
    match shell {
        Shell::Bash => &["--norc", "--noprofile"],
        Shell::Zsh | Shell::Tcsh => &["-f"],
        Shell::Fish => &["--no-config"],
        Shell::Elvish => &["-norc"],
        Shell::Xonsh => &["--no-rc"],
        Shell::Nu => &["--no-config-file", "--no-history"],
    }
}

/// The built appenv binary.
pub fn appenv_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("appenv")
}

/// Whether the tests run in CI (`CI=true`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The one rule for what a test needs from the machine: `ok`, or, when
/// not, a failure in CI and a skip (false, saying `what` is missing)
/// elsewhere.
pub fn require_that(ok: bool, what: &str) -> bool {
    if !ok {
        if in_ci() {
            panic!("{what}, and CI=true: nothing may be skipped in CI");
        }
        // Straight to stderr: the harness hides what a passing test prints.
        let _ = writeln!(std::io::stderr(), "skipping: {what}");
    }
    ok
}

/// Where the test's own PATH (the runner's) finds `tool`: what a test
/// links into the bin dir of its sandbox.
pub fn which(tool: &str) -> Option<PathBuf> {
    let out = std::process::Command::new("sh")
        .args(["-c", "command -v \"$1\"", "sh", tool])
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    let path = path.trim();
    (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// The program a test links into its sandbox for `tool`: Debian's own
/// first (a version manager's shim in front of it would be a wrapper process
/// of its own, and may need the host's environment), else what the runner's
/// PATH finds. A tool that is nowhere fails the test, naming it: the caller
/// has checked with [`require`] when the tool may be missing.
pub fn real_tool(tool: &str) -> PathBuf {
    ["/usr/bin", "/bin"]
        .into_iter()
        .map(|dir| Path::new(dir).join(tool))
        .find(|path| path.exists())
        .or_else(|| which(tool))
        .unwrap_or_else(|| panic!("{tool} is needed here and was not found"))
}

/// True when `tool` runs here; in CI a missing tool fails the test.
pub fn require(tool: &str) -> bool {
    require_that(
        which(tool).is_some(),
        &format!("{tool} is required but was not found"),
    )
}
