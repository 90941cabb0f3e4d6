//! What `--same-as` names: a process id, or a pidfile holding one.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use super::Error;
use crate::text::sanitize_bytes;

/// A pidfile is a few digits; anything much longer is not one (and
/// `/dev/zero` given as a pidfile must not be read forever).
const PIDFILE_LIMIT: u64 = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub pid: i32,
    /// The pidfile the pid was read from, for messages.
    pub pidfile: Option<OsString>,
}

impl Target {
    /// `arg` is all digits: a pid. Anything else: a pidfile path (relative
    /// to the caller's working directory), whose content is a pid, with
    /// surrounding blanks and a final newline allowed.
    pub fn parse(arg: &OsStr) -> Result<Target, Error> {
        let bytes = arg.as_bytes();
        if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
            return Ok(Target {
                pid: pid(bytes).ok_or_else(|| Error(format!("{}: not a process id", show(arg))))?,
                pidfile: None,
            });
        }
        if bytes.is_empty() {
            return Err(Error("--same-as needs a process id or a pidfile".into()));
        }
        let text = read_pidfile(arg)?;
        let pid = pid(text.trim_ascii()).ok_or_else(|| {
            Error(format!(
                "{}: not a pidfile (it should hold one process id, it holds '{}')",
                show(arg),
                sanitize_bytes(&text[..text.len().min(20)])
            ))
        })?;
        Ok(Target {
            pid,
            pidfile: Some(arg.to_owned()),
        })
    }

    /// "process 1234", or "process 1234 (from tmp/pids/server.pid)".
    pub fn describe(&self) -> String {
        match &self.pidfile {
            Some(file) => format!("process {} (from {})", self.pid, show(file)),
            None => format!("process {}", self.pid),
        }
    }
}

fn read_pidfile(path: &OsStr) -> Result<Vec<u8>, Error> {
    let fail = |e: std::io::Error| Error(format!("{}: cannot read the pidfile: {e}", show(path)));
    let file = std::fs::File::open(path).map_err(fail)?;
    if !file.metadata().map_err(fail)?.is_file() {
        return Err(Error(format!(
            "{}: not a pidfile (not a regular file)",
            show(path)
        )));
    }
    let mut text = Vec::new();
    file.take(PIDFILE_LIMIT + 1)
        .read_to_end(&mut text)
        .map_err(fail)?;
    if text.len() as u64 > PIDFILE_LIMIT {
        return Err(Error(format!(
            "{}: not a pidfile (longer than {PIDFILE_LIMIT} bytes)",
            show(path)
        )));
    }
    Ok(text)
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

    fn parse(s: &str) -> Result<Target, Error> {
        Target::parse(OsStr::new(s))
    }

    #[test]
    fn digits_are_a_pid() {
        assert_eq!(parse("1234").unwrap().pid, 1234);
        assert!(parse("0").is_err());
        assert!(parse("99999999999999").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn anything_else_is_a_pidfile() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("server.pid");
        fs::write(&file, " 42\n").unwrap();
        let target = Target::parse(file.as_os_str()).unwrap();
        assert_eq!(target.pid, 42);
        assert!(target.describe().contains("server.pid"));

        for bad in ["", "42 43\n", "-1\n", "0\n", "\x1b[2J"] {
            fs::write(&file, bad).unwrap();
            let e = Target::parse(file.as_os_str()).unwrap_err();
            assert!(e.0.contains("not a pidfile"), "{bad:?}: {e}");
            assert!(!e.0.contains('\x1b'));
        }
        fs::write(&file, "1".repeat(100)).unwrap();
        assert!(
            Target::parse(file.as_os_str())
                .unwrap_err()
                .0
                .contains("longer")
        );
        assert!(
            parse("/dev/zero")
                .unwrap_err()
                .0
                .contains("not a regular file")
        );
        assert!(
            Target::parse(tmp.path().join("missing").as_os_str())
                .unwrap_err()
                .0
                .contains("cannot read the pidfile")
        );
    }
}
