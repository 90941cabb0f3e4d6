//! What `--same-as` names: a process id, a process type of this app (`web`),
//! or a pidfile holding a process id.
//!
//! How an argument is read: all digits is a pid; letters, digits, `_` and
//! `-` (a Procfile process type) is a name; anything else (it has a `/` or
//! a `.`) is the path of a pidfile, so `./web` is a pidfile named `web`.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::{Mode, SFlag, fstat};

use super::Error;
use crate::text::sanitize_bytes;

/// A pidfile is a few digits; anything much longer is not one.
const PIDFILE_LIMIT: i64 = 64;

/// The argument, read by the rule above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Pid(i32),
    Name(String),
    Pidfile(OsString),
}

/// The process found, with how it was named, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub pid: i32,
    pub named: Wanted,
}

impl Wanted {
    pub fn parse(arg: &OsStr) -> Result<Wanted, Error> {
        let bytes = arg.as_bytes();
        if bytes.is_empty() {
            return Err(Error(
                "--same-as needs a process id, a process name or a pidfile".into(),
            ));
        }
        if bytes.iter().all(u8::is_ascii_digit) {
            return pid(bytes)
                .map(Wanted::Pid)
                .ok_or_else(|| Error(format!("{}: not a process id", show(arg))));
        }
        if is_name(bytes) {
            // ASCII, checked just above.
            return Ok(Wanted::Name(String::from_utf8_lossy(bytes).into_owned()));
        }
        Ok(Wanted::Pidfile(arg.to_owned()))
    }
}

/// A process type as a Procfile names it: letters, digits, `_` and `-`.
pub fn is_name(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Target {
    /// The process of a pid given as such.
    pub fn pid(pid: i32) -> Target {
        Target {
            pid,
            named: Wanted::Pid(pid),
        }
    }

    /// The process a pidfile names (a name is looked up by
    /// [`super::find`]).
    pub fn pidfile(path: OsString) -> Result<Target, Error> {
        let pid = read_pidfile(&path)?;
        Ok(Target {
            pid,
            named: Wanted::Pidfile(path),
        })
    }

    /// "process 1234", "process 1234 (from tmp/pids/server.pid)", or
    /// "process 1234 (web)".
    pub fn describe(&self) -> String {
        match &self.named {
            Wanted::Pid(_) => format!("process {}", self.pid),
            Wanted::Pidfile(file) => format!("process {} (from {})", self.pid, show(file)),
            Wanted::Name(name) => format!("process {} ({name})", self.pid),
        }
    }
}

/// The pid a pidfile holds. The file is opened without blocking (a FIFO
/// left where the pidfile should be must not hang the caller) and without
/// becoming a controlling terminal, and must be a small regular file.
/// Messages name the file and what is wrong with it, never what it holds:
/// a pidfile can be a symlink to a file only the caller may read.
fn read_pidfile(path: &OsStr) -> Result<i32, Error> {
    let shown = show(path);
    let fail = |e: Errno| Error(format!("{shown}: cannot read the pidfile: {}", e.desc()));
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    let fd: OwnedFd = nix::fcntl::open(path, flags, Mode::empty()).map_err(fail)?;
    let stat = fstat(&fd).map_err(fail)?;
    if SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT != SFlag::S_IFREG {
        return Err(Error(format!(
            "{shown}: not a pidfile (not a regular file)"
        )));
    }
    if stat.st_size > PIDFILE_LIMIT {
        return Err(Error(format!(
            "{shown}: not a pidfile (longer than {PIDFILE_LIMIT} bytes)"
        )));
    }
    let mut text = Vec::new();
    std::fs::File::from(fd)
        .take(PIDFILE_LIMIT as u64 + 1)
        .read_to_end(&mut text)
        .map_err(|e| {
            fail(Errno::from_raw(
                e.raw_os_error().unwrap_or(Errno::EIO as i32),
            ))
        })?;
    if text.len() as i64 > PIDFILE_LIMIT {
        return Err(Error(format!(
            "{shown}: not a pidfile (longer than {PIDFILE_LIMIT} bytes)"
        )));
    }
    pid(text.trim_ascii()).ok_or_else(|| {
        Error(format!(
            "{shown}: not a pidfile (it should hold one process id and nothing else)"
        ))
    })
}

/// A positive pid that fits the kernel's type; 0 and "-1" mean groups to
/// kill(2) and are never a process.
fn pid(digits: &[u8]) -> Option<i32> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse::<i32>()
        .ok()
        .filter(|&p| p > 0)
}

fn show(s: &OsStr) -> String {
    sanitize_bytes(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn parse(s: &str) -> Result<Wanted, Error> {
        Wanted::parse(OsStr::new(s))
    }

    fn read(path: &std::path::Path) -> Result<Target, Error> {
        Target::pidfile(path.as_os_str().to_owned())
    }

    #[test]
    fn digits_are_a_pid_names_a_name_the_rest_a_pidfile() {
        assert_eq!(parse("1234").unwrap(), Wanted::Pid(1234));
        assert!(parse("0").is_err());
        assert!(parse("99999999999999").is_err());
        assert!(parse("").is_err());
        for name in ["web", "worker-2", "sidekiq_low", "W3b"] {
            assert_eq!(parse(name).unwrap(), Wanted::Name(name.into()));
        }
        for file in ["./web", "server.pid", "tmp/pids/web", "web pid", "wéb"] {
            assert_eq!(parse(file).unwrap(), Wanted::Pidfile(file.into()));
        }
    }

    #[test]
    fn a_pidfile_holds_one_pid() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("server.pid");
        fs::write(&file, " 42\n").unwrap();
        let target = read(&file).unwrap();
        assert_eq!(target.pid, 42);
        assert!(target.describe().contains("server.pid"));

        for bad in ["", "42 43\n", "-1\n", "0\n", "\x1b[2J"] {
            fs::write(&file, bad).unwrap();
            let e = read(&file).unwrap_err();
            assert!(e.0.contains("not a pidfile"), "{bad:?}: {e}");
            assert!(!e.0.contains('\x1b'));
        }
        fs::write(&file, "1".repeat(100)).unwrap();
        assert!(read(&file).unwrap_err().0.contains("longer"));
        let e = read(&tmp.path().join("missing")).unwrap_err();
        assert!(e.0.contains("cannot read the pidfile"), "{e}");
    }

    #[test]
    fn never_blocks_and_never_quotes_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let token = tmp.path().join("token");
        fs::write(&token, "hunter2-token\n").unwrap();
        let link = tmp.path().join("server.pid");
        std::os::unix::fs::symlink(&token, &link).unwrap();
        let e = read(&link).unwrap_err();
        assert!(e.0.contains("server.pid: not a pidfile"), "{e}");
        assert!(!e.0.contains("hunter2"), "{e}");

        let fifo = tmp.path().join("fifo.pid");
        nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
        assert!(read(&fifo).unwrap_err().0.contains("not a regular file"));
        assert!(
            read(std::path::Path::new("/dev/zero"))
                .unwrap_err()
                .0
                .contains("not a regular file")
        );
        let huge = tmp.path().join("huge.pid");
        fs::File::create(&huge).unwrap().set_len(1 << 40).unwrap();
        assert!(read(&huge).unwrap_err().0.contains("longer than 64 bytes"));
    }
}
