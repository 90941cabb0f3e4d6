//! Nothing only the caller may read reaches a program that runs as a less
//! privileged user. A process can steer what appenv reads for it (its
//! working directory; with write access to its own memory, even its
//! recorded `APPENV_ROOT`), so before root runs a one-off as the process's
//! user, every file the plan read must be one that user could open itself:
//! otherwise appenv would hand, say, another app's root-only `.env` to it.
//!
//! The kernel decides, not a reading of mode bits: appenv takes on the
//! user's filesystem ids and groups, opens each file by its path (so every
//! directory on the way must let that user through, and ACLs and security
//! modules count), then takes its own back.

use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use nix::unistd::{Gid, Uid, getegid, geteuid, getgroups, setfsgid, setfsuid, setgroups};

use super::Error;
use crate::exec::Identity;
use crate::text::sanitize_bytes;

/// Refuses when `identity` could not open one of `files`; names the file,
/// never what it holds.
pub fn check(identity: &Identity, files: &[PathBuf]) -> Result<(), Error> {
    let ours = getgroups().map_err(cannot)?;
    let theirs: Vec<Gid> = identity.groups.iter().map(|&g| Gid::from_raw(g)).collect();
    setgroups(&theirs).map_err(cannot)?;
    setfsgid(Gid::from_raw(identity.gid));
    setfsuid(Uid::from_raw(identity.uid));
    let unreadable = files.iter().find_map(|file| match open(file) {
        Ok(()) => None,
        Err(errno) => Some((file, errno)),
    });
    setfsuid(geteuid());
    setfsgid(getegid());
    setgroups(&ours).map_err(cannot)?;
    match unreadable {
        None => Ok(()),
        Some((file, errno)) => Err(Error(format!(
            "{}: uid {} (the user the one-off runs as) cannot read it ({}); appenv does not hand \
             it a file only you may read: make it readable by that user, or run the one-off \
             without --same-as",
            sanitize_bytes(std::os::unix::ffi::OsStrExt::as_bytes(file.as_os_str())),
            identity.uid,
            errno.desc()
        ))),
    }
}

fn open(file: &Path) -> Result<(), Errno> {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    nix::fcntl::open(file, flags, Mode::empty()).map(drop)
}

fn cannot(e: Errno) -> Error {
    Error(format!(
        "cannot check what the one-off's user may read: {}",
        e.desc()
    ))
}
