//! `--same-as NAME`: the running process of this app that appenv started as
//! process type NAME (`appenv run web` sets `APPENV_PROCESS=web` and
//! `APPENV_ROOT`).
//!
//! A candidate must hold `APPENV_PROCESS=NAME`, be owned by a user the
//! caller may act for (root: anyone; others: themselves), and its recorded
//! `APPENV_ROOT`, looked up inside the process's own root directory, must be
//! the same directory (device and inode) as the caller's app root: so a
//! container's paths work, and a path that merely reads the same does not.
//! Several match when a server forks workers (a puma master and its
//! workers): the oldest wins, which is the one that started the others.
//! Several users' processes matching is an error: the variables prove
//! nothing, any process can hold them.

use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::sys::stat::{FileStat, fstat, stat};
use nix::unistd::geteuid;

use super::Error;
use super::proc::dir_flags;
use super::target::{Target, Wanted};
use crate::env_vars::EnvVars;
use crate::text::sanitize_bytes;

/// The oldest process of the app at `app` started as `name`.
pub fn find(name: &str, app: &Path) -> Result<Target, Error> {
    let shown_app = sanitize_bytes(app.as_os_str().as_bytes());
    let wanted = stat(app).map_err(|e| {
        Error(format!(
            "{shown_app}: cannot read the app root: {}",
            e.desc()
        ))
    })?;
    let me = geteuid().as_raw();
    let entries = std::fs::read_dir("/proc")
        .map_err(|e| Error(format!("cannot list the running processes in /proc: {e}")))?;
    let mut found: Vec<(u64, i32, u32)> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let (started, uid) = candidate(pid, name, &wanted, me)?;
            Some((started, pid, uid))
        })
        .collect();
    found.sort_unstable();
    let Some(&(_, pid, uid)) = found.first() else {
        return Err(Error(format!(
            "no running process of the app at {shown_app} was started as '{name}' \
             ('appenv run {name}' sets APPENV_PROCESS={name}){}",
            if me == 0 {
                ""
            } else {
                " among your own processes"
            }
        )));
    };
    // A server and the workers it forked run as one user. Processes of
    // several users that all claim the name: anyone can put the variables
    // in a process's environment, so appenv does not guess which is the app's.
    if let Some(&(_, other, other_uid)) = found.iter().find(|(.., u)| *u != uid) {
        return Err(Error(format!(
            "processes of several users were started as '{name}' in the app at {shown_app} \
             (process {pid} as uid {uid}, process {other} as uid {other_uid}); name one by its pid"
        )));
    }
    Ok(Target {
        pid,
        named: Wanted::Name(name.to_owned()),
    })
}

/// The start time and user of `pid` when it is a process of the app
/// started as `name`; `None` for anything else, including what cannot be read.
fn candidate(pid: i32, name: &str, app: &FileStat, me: u32) -> Option<(u64, u32)> {
    let dir = open(None, &format!("/proc/{pid}"), dir_flags())?;
    let (uid, started) = owner_and_start(&dir)?;
    if me != 0 && uid != me {
        return None;
    }
    let environ = read(&dir, "environ")?;
    let (process, root) = recorded(&environ);
    if process? != name.as_bytes() {
        return None;
    }
    let theirs = open(Some(&dir), "root", dir_flags() | OFlag::O_PATH)?;
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT);
    let recorded = std::ffi::OsStr::from_bytes(root?);
    let found = openat2(&theirs, recorded, how).ok()?;
    let found = fstat(&found).ok()?;
    ((found.st_dev, found.st_ino) == (app.st_dev, app.st_ino)).then_some((started, uid))
}

/// `APPENV_PROCESS` and `APPENV_ROOT` from an environ block.
fn recorded(environ: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let value = |name: &str| {
        environ.split(|&b| b == 0).find_map(|entry| {
            entry
                .strip_prefix(name.as_bytes())
                .and_then(|rest| rest.strip_prefix(b"="))
        })
    };
    (value(EnvVars::APPENV_PROCESS), value(EnvVars::APPENV_ROOT))
}

/// The effective uid (from `status`) and the start time in clock ticks
/// since boot (field 22 of `stat`); `None` for a zombie.
fn owner_and_start(dir: &OwnedFd) -> Option<(u32, u64)> {
    let status = read(dir, "status")?;
    let status = std::str::from_utf8(&status).ok()?;
    let uid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let stat = read(dir, "stat")?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
    let mut fields = rest.split_whitespace();
    if fields.next()? == "Z" {
        return None;
    }
    // After the state (field 3), field 22 is the 19th.
    let started = fields.nth(18)?.parse().ok()?;
    Some((uid, started))
}

fn read(dir: &OwnedFd, name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let fd = open(Some(dir), name, OFlag::O_RDONLY | OFlag::O_CLOEXEC)?;
    let mut bytes = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn open(dir: Option<&OwnedFd>, path: &str, flags: OFlag) -> Option<OwnedFd> {
    super::proc::open(dir, path, flags).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_recorded_name_and_root() {
        let environ = b"A=1\0APPENV_PROCESSX=no\0APPENV_PROCESS=web\0APPENV_ROOT=/srv/shop\0";
        assert_eq!(
            recorded(environ),
            (Some(&b"web"[..]), Some(&b"/srv/shop"[..]))
        );
        assert_eq!(recorded(b"A=1\0"), (None, None));
    }

    #[test]
    fn finds_its_own_child_by_name_and_the_oldest_of_several() {
        let app = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let spawn = |name: &str, root: &Path| {
            std::process::Command::new("sleep")
                .arg("1000")
                .env_clear()
                .env(EnvVars::APPENV_PROCESS, name)
                .env("APPENV_ROOT", root)
                .spawn()
                .unwrap()
        };
        let mut first = spawn("web", app.path());
        std::thread::sleep(std::time::Duration::from_millis(30));
        let mut second = spawn("web", app.path());
        let mut elsewhere = spawn("worker", other.path());
        let found = find("web", app.path()).unwrap();
        assert_eq!(found.pid, first.id() as i32);
        assert_eq!(found.describe(), format!("process {} (web)", first.id()));
        let e = find("worker", app.path()).unwrap_err();
        assert!(e.0.contains("was started as 'worker'"), "{e}");
        for child in [&mut first, &mut second, &mut elsewhere] {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}
