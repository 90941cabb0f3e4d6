//! Entering a process: its namespaces, its root, its working directory, and
//! (only when its PID namespace differs) a fork.
//!
//! setns(2) into a PID namespace moves only the children made afterwards, so
//! a program that is to live in the container's PID namespace (where its
//! `/proc` is that namespace's, and `/proc/self` exists) must be a child.
//! There, and only there, appenv forks as nsenter and `docker exec` do: the
//! parent waits, passes on the signals other processes send it, and exits as
//! the child did. Everywhere else appenv execs in place and the program keeps
//! its pid.

use std::os::fd::{AsFd, IntoRawFd};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::Mode;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, chroot, fchdir, fork, getpid};

use super::{Error, Namespace, Process};
use crate::env_vars::EnvVars;
use crate::exec::Identity;
use crate::exit::ExitCode;
use crate::plan::Env;

/// Whether entering may fork to enter a PID namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// For a program that runs: it belongs in the container's PID namespace.
    Allowed,
    /// For a command that only reads (diff): the PID namespace is not entered.
    Never,
}

/// The signals the waiting parent passes on to the child. Signals from the
/// terminal (^C, ^\, a resize) reach the child through the process group
/// already and are not passed on twice.
const FORWARDED: [Signal; 8] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGALRM,
];

impl Process {
    /// Enters the process: setns into each namespace that differs, then its
    /// root and working directory. Everything was opened by
    /// [`Process::read`]; nothing here looks a path up before the mount
    /// namespace is entered. `identity` is who the program will run as: a
    /// waiting parent becomes it too, so nothing stays root.
    pub fn enter(&self, fork: Fork, identity: Option<&Identity>) -> Result<(), Error> {
        let who = self.target.describe();
        let mut pid_ns = false;
        for (ns, fd) in &self.namespaces {
            if *ns == Namespace::Pid && fork == Fork::Never {
                continue;
            }
            nix::sched::setns(fd.as_fd(), ns.flag()).map_err(|e| {
                Error(format!(
                    "cannot enter the {} namespace of {who}: {}{}",
                    ns.describe(),
                    e.desc(),
                    if e == Errno::EPERM {
                        " (entering a namespace needs root)"
                    } else {
                        ""
                    }
                ))
            })?;
            pid_ns |= *ns == Namespace::Pid;
        }
        let chrooted = self.root_path != Path::new("/");
        if chrooted || self.enters(Namespace::Mount) {
            fchdir(self.root.as_fd())
                .and_then(|()| chroot("."))
                .map_err(|e| {
                    Error(format!(
                        "cannot enter the root directory of {who}: {}{}",
                        e.desc(),
                        if e == Errno::EPERM {
                            " (it runs chrooted; entering needs root)"
                        } else {
                            ""
                        }
                    ))
                })?;
        }
        fchdir(self.cwd.as_fd()).map_err(|e| {
            Error(format!(
                "cannot enter the working directory of {who}: {}",
                e.desc()
            ))
        })?;
        if pid_ns {
            fork_into_pid_namespace(identity, &who)?;
        }
        Ok(())
    }
}

/// Returns in the child; the parent waits for it and exits as it did.
fn fork_into_pid_namespace(identity: Option<&Identity>, who: &str) -> Result<(), Error> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGCHLD);
    FORWARDED.iter().for_each(|&s| set.add(s));
    let mut caller_mask = SigSet::empty();
    let fail = |e: Errno| {
        Error(format!(
            "cannot enter the PID namespace of {who}: {}",
            e.desc()
        ))
    };
    // Blocked before the fork, so no signal is lost before the parent reads
    // them; the child puts the caller's mask back.
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut caller_mask)).map_err(fail)?;
    // SAFETY: appenv is single-threaded; the child goes on to exec.
    match unsafe { fork() }.map_err(fail)? {
        ForkResult::Child => {
            sigprocmask(SigmaskHow::SIG_SETMASK, Some(&caller_mask), None).map_err(fail)?;
            Ok(())
        }
        ForkResult::Parent { child } => {
            if let Some(identity) = identity {
                // Waiting needs no privilege; failing to drop it is not a
                // reason to leave the child unwatched.
                let _ = identity.assume();
            }
            supervise(child, &set)
        }
    }
}

fn supervise(child: Pid, set: &SigSet) -> ! {
    let signals = match SignalFd::with_flags(set, SfdFlags::SFD_CLOEXEC) {
        Ok(fd) => fd,
        Err(_) => loop {
            // No signalfd: still wait, and exit as the child does.
            if let Some(status) = reap(child, WaitPidFlag::WUNTRACED) {
                exit_as(status);
            }
        },
    };
    loop {
        match signals.read_signal() {
            Ok(Some(info)) => {
                let Ok(signal) = Signal::try_from(info.ssi_signo as i32) else {
                    continue;
                };
                if signal != Signal::SIGCHLD {
                    // SI_USER, SI_QUEUE, SI_TKILL are <= 0: sent by a process
                    // to appenv alone. The kernel's (a terminal's) reached
                    // the child's group already.
                    if info.ssi_code <= 0 {
                        let _ = kill(child, signal);
                    }
                    continue;
                }
                if let Some(status) = reap(child, WaitPidFlag::WNOHANG | WaitPidFlag::WUNTRACED) {
                    exit_as(status);
                }
            }
            Ok(None) | Err(Errno::EINTR) => {}
            Err(_) => {
                if let Some(status) = reap(child, WaitPidFlag::WUNTRACED) {
                    exit_as(status);
                }
            }
        }
    }
}

enum Ended {
    Exited(ExitCode),
    Killed(Signal),
}

/// The child's end, if it ended; a stop is passed on to appenv's own job
/// control (the shell sees the job stop) and the child is continued with it.
fn reap(child: Pid, flags: WaitPidFlag) -> Option<Ended> {
    match waitpid(child, Some(flags)) {
        Ok(WaitStatus::Exited(_, code)) => Some(Ended::Exited(ExitCode::Program(code))),
        Ok(WaitStatus::Signaled(_, signal, _)) => Some(Ended::Killed(signal)),
        Ok(WaitStatus::Stopped(..)) => {
            let _ = kill(getpid(), Signal::SIGSTOP);
            let _ = kill(child, Signal::SIGCONT);
            None
        }
        Ok(_) | Err(Errno::EINTR) => None,
        // No child left to wait for: nothing more will come.
        Err(_) => Some(Ended::Exited(ExitCode::Failed)),
    }
}

/// Exits with the child's status; killed by a signal, dies by the same one,
/// so the caller's `$?` and `WIFSIGNALED` are what they would have been.
fn exit_as(end: Ended) -> ! {
    match end {
        Ended::Exited(status) => std::process::exit(status.code()),
        Ended::Killed(signal) => {
            use nix::sys::signal::{SigHandler, signal as set_handler};
            // SAFETY: the default disposition runs no code of ours.
            let _ = unsafe { set_handler(signal, SigHandler::SigDfl) };
            let mut only = SigSet::empty();
            only.add(signal);
            let _ = sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&only), None);
            let _ = kill(getpid(), signal);
            // Still alive (a signal that does not kill): a shell's `$?` for it.
            std::process::exit(ExitCode::Program(128 + signal as i32).code())
        }
    }
}

/// The caller's trust store as the trust check will see it once appenv is
/// inside another mount namespace: the caller's data directory, opened
/// before entering, reached through `/proc/self/fd/N` (which leads to the
/// open directory whatever namespace the path is walked in). Without it, a
/// path like `/root/.local/share` would name the container's directory, a
/// store that is not the caller's. Outside a namespace or chroot, the
/// caller's own environment as it is.
pub fn trust_env(caller: &Env, process: &Process) -> Env {
    let mut env = caller.clone();
    if !process.enters(Namespace::Mount) && process.root_path == Path::new("/") {
        return env;
    }
    let home = crate::xdg::data_home(|name| {
        caller
            .get(std::ffi::OsStr::new(name))
            .map(|v| v.as_os_str())
    });
    let data = home.map(|home| home.dir("trust")).and_then(|store| {
        let data = store.parent()?.parent()?;
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        nix::fcntl::open(data, flags, Mode::empty()).ok()
    });
    env.remove(std::ffi::OsStr::new(EnvVars::HOME));
    env.remove(std::ffi::OsStr::new(EnvVars::XDG_DATA_HOME));
    if let Some(fd) = data {
        // Kept open until exec closes it (O_CLOEXEC): the trust check comes
        // after resolving, inside.
        let fd = fd.into_raw_fd();
        env.insert(
            EnvVars::XDG_DATA_HOME.into(),
            format!("/proc/self/fd/{fd}").into(),
        );
    }
    env
}
