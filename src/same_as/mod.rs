//! `--same-as PID|NAME|PIDFILE`: a one-off in the environment of a running
//! process.
//!
//! Everything about the process is read first, through one open `/proc/PID`
//! directory (so a pid reused half-way cannot mix two processes): its
//! environment, its working directory and root as file descriptors, its
//! credentials and its namespaces. Only then does appenv enter it
//! ([`Process::enter`]): setns into the namespaces that differ from ours,
//! the process's root and working directory. The plan is resolved after
//! that, with the container's paths, and the credentials are dropped last,
//! just before execve (see [`crate::exec::Identity`]).

mod enter;
mod find;
mod proc;
pub mod readable;
mod target;

pub use enter::Fork;
pub use proc::{Namespace, Process};
pub use target::{Target, Wanted, is_name};

use crate::env_vars::EnvVars;
use std::fmt;

/// Why the one-off cannot start; always exit 125, nothing runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<Error> for crate::error::Error {
    fn from(e: Error) -> Self {
        crate::error::Error::new(crate::exit::ExitCode::Failed, e)
    }
}

/// Variables addressed to the process itself by its service manager, not
/// part of the app's config: a one-off that kept `NOTIFY_SOCKET` could tell
/// systemd the service is ready or stopping, and `LISTEN_FDS` describes
/// descriptors the one-off does not have.
pub const ADDRESSED_TO_THE_PROCESS: [&str; 6] = [
    "NOTIFY_SOCKET",
    "LISTEN_PID",
    "LISTEN_FDS",
    "LISTEN_FDNAMES",
    "WATCHDOG_PID",
    "WATCHDOG_USEC",
];

/// What the one-off starts from once appenv is inside the process.
#[derive(Debug)]
pub struct Entered {
    /// The process's environment: the base instead of the caller's.
    pub env: crate::plan::Env,
    /// The caller's environment, for the trust check (see [`enter::trust_env`]).
    pub trust_env: crate::plan::Env,
    /// The app root appenv recorded when it started the process
    /// (`APPENV_ROOT`), when that is a directory there.
    pub recorded_root: Option<std::path::PathBuf>,
    /// The process's working directory, as the kernel has it (no symlinks).
    pub cwd: std::path::PathBuf,
    /// Who the program will run as, when that is not the caller.
    pub identity: Option<crate::exec::Identity>,
}

/// Finds the process `arg` names (a name: in the app at `app`, asked only
/// then), reads it, then enters it: after this, appenv's working directory,
/// root and namespaces are the process's, and the next exec runs as the
/// process's user. `caller` is the caller's base env.
pub fn enter(
    arg: &std::ffi::OsStr,
    app: impl FnOnce() -> Result<std::path::PathBuf, crate::error::Error>,
    caller: &crate::plan::Env,
    fork: Fork,
) -> Result<Entered, crate::error::Error> {
    let target = match Wanted::parse(arg)? {
        Wanted::Name(name) => find::find(&name, &app()?)?,
        Wanted::Pid(pid) => Target::pid(pid),
        Wanted::Pidfile(path) => Target::pidfile(path)?,
    };
    let process = Process::read(target)?;
    let who = process.target.describe();
    if let Wanted::Name(name) = &process.target.named {
        // The pid may have gone to another process since it was found.
        let named = process
            .env
            .get(std::ffi::OsStr::new(EnvVars::APPENV_PROCESS));
        if named.is_none_or(|n| n != name.as_str()) {
            return Err(Error(format!("{who} exited while appenv was reading it")).into());
        }
    }
    let identity = crate::exec::Identity::of(process.uid, process.gid, &process.groups)
        .map_err(|why| Error(format!("{who}: {why}")))?;
    let trust_env = enter::trust_env(caller, &process);
    process.enter(fork, identity.as_ref())?;
    if let Some(identity) = identity.clone() {
        crate::exec::run_as(identity);
    }
    // Looked at inside: the recorded path is one of the process's own.
    let recorded_root = process
        .env
        .get(std::ffi::OsStr::new(EnvVars::APPENV_ROOT))
        .map(std::path::PathBuf::from)
        .filter(|root| root.is_absolute() && root.is_dir());
    Ok(Entered {
        env: process.env,
        trust_env,
        recorded_root,
        // Inside, the kernel gives the path as the process sees it.
        cwd: std::env::current_dir().unwrap_or(process.cwd_path),
        identity,
    })
}
