//! Reading a process from `/proc/PID`, through one directory descriptor: once
//! the process is gone, every read through it fails, even if its pid has been
//! given to a new process meanwhile.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, openat, readlinkat};
use nix::sched::CloneFlags;
use nix::sys::stat::{Mode, fstat, stat};
use nix::unistd::geteuid;

use super::{ADDRESSED_TO_THE_PROCESS, Error, Target};
use crate::plan::Env;
use crate::text::sanitize_bytes;

/// A namespace appenv enters when the process's differs from its own, in
/// the order nsenter uses: the mount namespace last, since entering it
/// changes what every path means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    Cgroup,
    Ipc,
    Uts,
    Net,
    Pid,
    Mount,
}

impl Namespace {
    pub const ALL: [Namespace; 6] = [
        Namespace::Cgroup,
        Namespace::Ipc,
        Namespace::Uts,
        Namespace::Net,
        Namespace::Pid,
        Namespace::Mount,
    ];

    /// The name under `/proc/PID/ns/`.
    pub fn file(self) -> &'static str {
        match self {
            Namespace::Cgroup => "cgroup",
            Namespace::Ipc => "ipc",
            Namespace::Uts => "uts",
            Namespace::Net => "net",
            Namespace::Pid => "pid",
            Namespace::Mount => "mnt",
        }
    }

    pub fn flag(self) -> CloneFlags {
        match self {
            Namespace::Cgroup => CloneFlags::CLONE_NEWCGROUP,
            Namespace::Ipc => CloneFlags::CLONE_NEWIPC,
            Namespace::Uts => CloneFlags::CLONE_NEWUTS,
            Namespace::Net => CloneFlags::CLONE_NEWNET,
            Namespace::Pid => CloneFlags::CLONE_NEWPID,
            Namespace::Mount => CloneFlags::CLONE_NEWNS,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Namespace::Cgroup => "cgroup",
            Namespace::Ipc => "IPC",
            Namespace::Uts => "UTS (hostname)",
            Namespace::Net => "network",
            Namespace::Pid => "PID",
            Namespace::Mount => "mount",
        }
    }
}

/// Everything appenv needs from the process, read before anything changes.
#[derive(Debug)]
pub struct Process {
    pub target: Target,
    /// Its environment, without what its service manager addressed to it alone.
    pub env: Env,
    /// Its working directory, open, and the path it has there.
    pub cwd: OwnedFd,
    pub cwd_path: PathBuf,
    /// Its root directory (not `/` when chrooted), open, and its path.
    pub root: OwnedFd,
    pub root_path: PathBuf,
    /// Effective uid and gid, and supplementary groups.
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    /// The namespaces that differ from appenv's, open.
    pub namespaces: Vec<(Namespace, OwnedFd)>,
}

impl Process {
    pub fn read(target: Target) -> Result<Process, Error> {
        let who = target.describe();
        let dir = match open(None, &format!("/proc/{}", target.pid), dir_flags()) {
            Ok(dir) => dir,
            Err(Errno::ENOENT | Errno::ESRCH) => {
                return Err(Error(format!("{who}: no such process")));
            }
            Err(e) => return Err(Error(format!("{who}: cannot read /proc: {}", e.desc()))),
        };
        let reader = Reader { dir, who: &who };
        let status = reader.status()?;
        let fail = |e: Errno| reader.fail(e, Some(&status));
        if status.kernel_thread {
            return Err(Error(format!(
                "{who} is a kernel thread: it has no environment"
            )));
        }
        let env = parse_environ(&reader.read("environ").map_err(fail)?);
        let cwd = reader
            .open("cwd", dir_flags() | OFlag::O_PATH)
            .map_err(fail)?;
        let cwd_path = reader.link("cwd").map_err(fail)?;
        let root = reader
            .open("root", dir_flags() | OFlag::O_PATH)
            .map_err(fail)?;
        let root_path = reader.link("root").map_err(fail)?;
        let namespaces = reader.namespaces(&status)?;
        // The process may have exited (or become a zombie, whose environment
        // reads as empty) while this was read: check it is still there.
        reader.status()?;
        if cwd_path.as_os_str().as_bytes().ends_with(b" (deleted)") {
            return Err(Error(format!(
                "{who}: its working directory {} was deleted",
                show(cwd_path.as_os_str())
            )));
        }
        Ok(Process {
            target,
            env,
            cwd,
            cwd_path,
            root,
            root_path,
            uid: status.uid,
            gid: status.gid,
            groups: status.groups,
            namespaces,
        })
    }

    pub fn enters(&self, namespace: Namespace) -> bool {
        self.namespaces.iter().any(|(ns, _)| *ns == namespace)
    }
}

struct Reader<'a> {
    dir: OwnedFd,
    who: &'a str,
}

impl Reader<'_> {
    fn open(&self, name: &str, flags: OFlag) -> Result<OwnedFd, Errno> {
        open(Some(&self.dir), name, flags)
    }

    fn read(&self, name: &str) -> Result<Vec<u8>, Errno> {
        let fd = self.open(name, OFlag::O_RDONLY | OFlag::O_CLOEXEC)?;
        let mut bytes = Vec::new();
        std::fs::File::from(fd)
            .read_to_end(&mut bytes)
            .map_err(|e| Errno::from_raw(e.raw_os_error().unwrap_or(Errno::EIO as i32)))?;
        Ok(bytes)
    }

    fn link(&self, name: &str) -> Result<PathBuf, Errno> {
        readlinkat(&self.dir, name).map(PathBuf::from)
    }

    /// The process's state, refusing one that is no longer running.
    fn status(&self) -> Result<Status, Error> {
        let who = self.who;
        let gone = || Error(format!("{who} exited while appenv was reading it"));
        let status = self.read("status").map_err(|e| match e {
            Errno::ENOENT | Errno::ESRCH => gone(),
            e => self.fail(e, None),
        })?;
        let stat = self.read("stat").map_err(|_| gone())?;
        let status = Status::parse(&status, &stat).ok_or_else(gone)?;
        match status.state {
            'Z' => Err(Error(format!(
                "{who} is a zombie: it has exited and its parent has not reaped it yet"
            ))),
            'X' => Err(gone()),
            _ => Ok(status),
        }
    }

    /// The namespaces that differ from appenv's. A user namespace that
    /// differs is refused: the ids in it mean other users, and entering it
    /// gives up the privileges the other namespaces need.
    fn namespaces(&self, status: &Status) -> Result<Vec<(Namespace, OwnedFd)>, Error> {
        let who = self.who;
        let differs = |file: &str| -> Result<Option<OwnedFd>, Error> {
            let path = format!("ns/{file}");
            let fd = match self.open(&path, OFlag::O_RDONLY | OFlag::O_CLOEXEC) {
                Ok(fd) => fd,
                // A kernel without this kind of namespace.
                Err(Errno::ENOENT) => return Ok(None),
                Err(e) => return Err(self.fail(e, Some(status))),
            };
            let theirs = fstat(fd.as_fd()).map_err(|e| self.fail(e, Some(status)))?;
            let Ok(ours) = stat(format!("/proc/self/ns/{file}").as_str()) else {
                return Ok(None);
            };
            let same = (theirs.st_dev, theirs.st_ino) == (ours.st_dev, ours.st_ino);
            Ok((!same).then_some(fd))
        };
        if differs("user")?.is_some() {
            return Err(Error(format!(
                "{who} runs in another user namespace (a rootless container?), which appenv \
                 does not enter; run appenv inside the container instead (podman exec, docker exec)"
            )));
        }
        let mut out = Vec::new();
        for ns in Namespace::ALL {
            if let Some(fd) = differs(ns.file())? {
                out.push((ns, fd));
            }
        }
        Ok(out)
    }

    /// A failure to read the process, said the way the user can act on it.
    fn fail(&self, errno: Errno, status: Option<&Status>) -> Error {
        let who = self.who;
        match errno {
            Errno::ENOENT | Errno::ESRCH => {
                Error(format!("{who} exited while appenv was reading it"))
            }
            Errno::EACCES | Errno::EPERM => Error(denied(who, status)),
            e => Error(format!("{who}: cannot read it: {}", e.desc())),
        }
    }
}

/// Why the kernel refused: another user's process, or the ptrace access
/// check that guards `/proc/PID/environ` even for one's own processes.
fn denied(who: &str, status: Option<&Status>) -> String {
    let me = geteuid().as_raw();
    match status {
        Some(status) if me != 0 && status.uid != me => format!(
            "{who} runs as another user (uid {}; you are uid {me}): its environment is \
             readable only by that user and root; run appenv as one of them",
            status.uid
        ),
        _ => format!(
            "{who}: the kernel refused access to its environment (the ptrace access check: \
             the process is not dumpable, as setuid and setcap programs and those that call \
             prctl(PR_SET_DUMPABLE, 0) are, or a security module such as SELinux or AppArmor \
             forbids it; Yama's ptrace_scope only limits attaching); run appenv as root"
        ),
    }
}

/// What `/proc/PID/status` and `/proc/PID/stat` say.
#[derive(Debug, PartialEq, Eq)]
struct Status {
    state: char,
    uid: u32,
    gid: u32,
    groups: Vec<u32>,
    kernel_thread: bool,
}

impl Status {
    fn parse(status: &[u8], stat: &[u8]) -> Option<Status> {
        let text = std::str::from_utf8(status).ok()?;
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .map(str::trim)
        };
        let ids = |name: &str| -> Option<Vec<u32>> {
            field(name)?
                .split_whitespace()
                .map(|id| id.parse().ok())
                .collect()
        };
        // Real, effective, saved, filesystem: the effective ids are the ones
        // the process acts as.
        let effective = |name: &str| ids(name)?.get(1).copied();
        // After the last ')': the command name may hold anything, ')' too.
        let close = stat.iter().rposition(|&b| b == b')')?;
        let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
        let flags: u64 = rest.split_whitespace().nth(6)?.parse().ok()?;
        const PF_KTHREAD: u64 = 0x0020_0000;
        Some(Status {
            state: field("State")?.chars().next()?,
            uid: effective("Uid")?,
            gid: effective("Gid")?,
            groups: ids("Groups").unwrap_or_default(),
            kernel_thread: flags & PF_KTHREAD != 0,
        })
    }
}

/// `KEY=VALUE\0` entries; anything without a name is dropped.
fn parse_environ(bytes: &[u8]) -> Env {
    bytes
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            (eq > 0).then(|| {
                let key = OsStr::from_bytes(&entry[..eq]).to_owned();
                let value = OsStr::from_bytes(&entry[eq + 1..]).to_owned();
                (key, value)
            })
        })
        .filter(|(key, _): &(OsString, OsString)| {
            !ADDRESSED_TO_THE_PROCESS.iter().any(|name| key == name)
        })
        .collect()
}

pub(super) fn dir_flags() -> OFlag {
    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC
}

pub(super) fn open(dir: Option<&OwnedFd>, path: &str, flags: OFlag) -> Result<OwnedFd, Errno> {
    match dir {
        Some(dir) => openat(dir, Path::new(path), flags, Mode::empty()),
        None => nix::fcntl::open(Path::new(path), flags, Mode::empty()),
    }
}

fn show(s: &OsStr) -> String {
    sanitize_bytes(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &[u8] = b"12 (we)ird) S 1 12 12 0 -1 4194560 100 0 0 0";

    #[test]
    fn parses_status_and_stat() {
        let status = b"Name:\tsleep\nState:\tS (sleeping)\nUid:\t1000\t65534\t65534\t65534\n\
                       Gid:\t1000\t65534\t65534\t65534\nGroups:\t4 27 \n";
        assert_eq!(
            Status::parse(status, STAT),
            Some(Status {
                state: 'S',
                uid: 65534,
                gid: 65534,
                groups: vec![4, 27],
                kernel_thread: false,
            })
        );
        let kthread = b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0";
        let status = b"State:\tS\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n";
        let parsed = Status::parse(status, kthread).unwrap();
        assert!(parsed.kernel_thread);
        assert!(parsed.groups.is_empty());
        assert_eq!(Status::parse(b"State:\tZ\n", STAT), None);
    }

    #[test]
    fn parses_environ() {
        let env = parse_environ(b"A=1\0B==x\0=nameless\0junk\0NOTIFY_SOCKET=/run/n\0\0C=\0");
        let pairs: Vec<(&str, &str)> = env
            .iter()
            .map(|(k, v)| (k.to_str().unwrap(), v.to_str().unwrap()))
            .collect();
        assert_eq!(pairs, [("A", "1"), ("B", "=x"), ("C", "")]);
    }

    fn child() -> std::process::Child {
        std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .unwrap()
    }

    #[test]
    fn reads_a_live_process() {
        let mut child = child();
        let target = Target::pid(child.id() as i32);
        let process = Process::read(target).unwrap();
        assert_eq!(process.uid, geteuid().as_raw());
        assert_eq!(process.cwd_path, std::env::current_dir().unwrap());
        assert!(process.namespaces.is_empty());
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn a_process_that_exits_while_being_read_is_refused() {
        let mut child = child();
        let dir = open(None, &format!("/proc/{}", child.id()), dir_flags()).unwrap();
        let reader = Reader {
            dir,
            who: "process",
        };
        assert!(reader.status().is_ok());
        child.kill().unwrap();
        // Not reaped yet: a zombie.
        let zombie = (0..10_000).find_map(|_| match reader.status() {
            Err(e) => Some(e),
            Ok(_) => {
                std::thread::sleep(std::time::Duration::from_millis(5));
                None
            }
        });
        assert!(zombie.unwrap().0.contains("zombie"));
        child.wait().unwrap();
        // Reaped: gone, even if the pid were reused now.
        let e = reader.status().unwrap_err();
        assert!(e.0.contains("exited while appenv was reading it"), "{e}");
        assert!(reader.read("environ").is_err());
    }
}
