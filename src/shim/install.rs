//! `appenv shim install|list|remove`: the symlinks in the shim directory,
//! and whether that directory is on PATH.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::exec;
use crate::exit::ExitCode;
use crate::text::sanitize_bytes;

/// A shim's name is a plain, printable file name, and never `appenv` (that
/// shim would be appenv itself).
pub fn check_name(name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        "is empty"
    } else if name.contains('/') {
        "contains '/'"
    } else if name == "." || name == ".." {
        "is not a file name"
    } else if name == "appenv" {
        "is appenv itself"
    } else if sanitize_bytes(name.as_bytes()) != name {
        // A name is printed by `shim list` and shown in a terminal.
        "holds a character that is not printable"
    } else {
        return Ok(());
    };
    Err(Error::new(
        ExitCode::GeneralError,
        format!(
            "shim name '{}' {problem}: give the plain name of a program, like python or irb",
            sanitize_bytes(name.as_bytes())
        ),
    ))
}

/// What is at a shim's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occupant {
    Missing,
    /// A symlink that leads to this appenv binary.
    Shim,
    /// A symlink to a binary named `appenv` that is not this one (moved,
    /// deleted, or another build): still a shim, to be re-pointed.
    OtherAppenv(PathBuf),
    /// Anything else: never touched.
    Foreign(String),
}

pub fn occupant(path: &Path, exe: &Path) -> Occupant {
    let meta = match path.symlink_metadata() {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Occupant::Missing,
        Err(e) => return Occupant::Foreign(format!("cannot be read: {e}")),
    };
    if !meta.is_symlink() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "a regular file"
        };
        return Occupant::Foreign(what.into());
    }
    let target = std::fs::read_link(path).unwrap_or_default();
    if path.canonicalize().is_ok_and(|c| c == exe) {
        Occupant::Shim
    } else if target.file_name() == Some(OsStr::new("appenv")) {
        Occupant::OtherAppenv(target)
    } else {
        Occupant::Foreign(format!("a symlink to {}", show(&target)))
    }
}

/// What `install` and `remove` did to one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Installed,
    AlreadyInstalled,
    /// Re-pointed from another appenv binary to this one.
    Updated,
    Removed,
    NotInstalled,
}

/// Makes `dir/NAME` a symlink to `exe` for each name. Nothing is written
/// when a name is invalid or its path holds something that is not a shim.
pub fn install(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Outcome>, Error> {
    let entries = check_all(dir, names, exe)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            ExitCode::GeneralError,
            format!("cannot create the shim directory {}: {e}", show(dir)),
        )
    })?;
    let mut changes = Vec::with_capacity(names.len());
    for (name, entry) in names.iter().zip(entries) {
        let path = dir.join(name);
        let change = match entry {
            Occupant::Shim => Outcome::AlreadyInstalled,
            Occupant::Missing => {
                std::os::unix::fs::symlink(exe, &path).map_err(|e| cannot(&path, "create", e))?;
                Outcome::Installed
            }
            Occupant::OtherAppenv(_) => {
                // A new link renamed over the old one: the shim never
                // disappears, even for a moment.
                let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
                let _ = std::fs::remove_file(&tmp);
                std::os::unix::fs::symlink(exe, &tmp)
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| {
                        let _ = std::fs::remove_file(&tmp);
                        cannot(&path, "update", e)
                    })?;
                Outcome::Updated
            }
            Occupant::Foreign(_) => unreachable!("check_all refuses foreign entries"),
        };
        changes.push(change);
    }
    Ok(changes)
}

/// Removes the shims named; a name with no shim is not an error.
pub fn remove(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Outcome>, Error> {
    let entries = check_all(dir, names, exe)?;
    let mut changes = Vec::with_capacity(names.len());
    for (name, entry) in names.iter().zip(entries) {
        let path = dir.join(name);
        changes.push(match entry {
            Occupant::Missing => Outcome::NotInstalled,
            _ => match std::fs::remove_file(&path) {
                Ok(()) => Outcome::Removed,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Outcome::NotInstalled,
                Err(e) => return Err(cannot(&path, "remove", e)),
            },
        });
    }
    Ok(changes)
}

fn check_all(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Occupant>, Error> {
    names.iter().try_for_each(|name| check_name(name))?;
    names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            match occupant(&path, exe) {
                Occupant::Foreign(what) => Err(Error::new(
                    ExitCode::GeneralError,
                    format!(
                        "{} is not an appenv shim ({what}); it is left alone: remove it yourself or pick another name",
                        show(&path)
                    ),
                )),
                entry => Ok(entry),
            }
        })
        .collect()
}

/// Every entry of the shim directory, by name, with where it points.
pub fn list(dir: &Path, exe: &Path) -> Result<Vec<(OsString, Occupant, Option<PathBuf>)>, Error> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot(dir, "read", e)),
    };
    let mut shims = Vec::new();
    for item in read {
        let item = item.map_err(|e| cannot(dir, "read", e))?;
        let path = item.path();
        shims.push((
            item.file_name(),
            occupant(&path, exe),
            std::fs::read_link(&path).ok(),
        ));
    }
    shims.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(shims)
}

/// The binary shims point at: this one, by its canonical path.
pub fn current_exe() -> Result<PathBuf, Error> {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| {
            Error::new(
                ExitCode::GeneralError,
                format!("cannot locate the appenv binary: {e}"),
            )
        })
}

/// Whether `dir` is on `path`, compared by canonical path so a symlinked
/// directory or a trailing slash still counts.
pub fn on_path(dir: &Path, path: Option<&OsStr>) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    split_path(path).any(|entry| entry.canonicalize().is_ok_and(|e| e == dir))
}

fn split_path(path: Option<&OsStr>) -> impl Iterator<Item = &Path> {
    path.unwrap_or_default()
        .as_bytes()
        .split(|&b| b == b':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(OsStr::from_bytes(d)))
}

/// The first executable named `name` on `path`, whatever it is.
pub fn first_on_path(name: &OsStr, path: Option<&OsStr>) -> Option<PathBuf> {
    exec::lookup(name, path, &|_| false).ok()
}

fn cannot(path: &Path, what: &str, e: io::Error) -> Error {
    Error::new(
        ExitCode::GeneralError,
        format!("cannot {what} {}: {e}", show(path)),
    )
}

fn show(path: &Path) -> String {
    sanitize_bytes(path.as_os_str().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn names_are_plain_file_names() {
        assert!(check_name("python3.12").is_ok());
        assert!(check_name("rails").is_ok());
        for bad in ["", "a/b", "/python", ".", "..", "appenv"] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn install_is_idempotent_and_leaves_foreign_files_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("bin/appenv");
        fs::create_dir_all(exe.parent().unwrap()).unwrap();
        fs::write(&exe, "").unwrap();
        let exe = exe.canonicalize().unwrap();
        let dir = tmp.path().join("shims");
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();

        let changes = install(&dir, &names(&["python", "irb"]), &exe).unwrap();
        assert_eq!(changes, [Outcome::Installed, Outcome::Installed]);
        assert_eq!(fs::read_link(dir.join("python")).unwrap(), exe);
        let changes = install(&dir, &names(&["python"]), &exe).unwrap();
        assert_eq!(changes, [Outcome::AlreadyInstalled]);

        // A shim of an appenv that has moved is re-pointed.
        fs::remove_file(dir.join("irb")).unwrap();
        std::os::unix::fs::symlink("/old/place/appenv", dir.join("irb")).unwrap();
        assert_eq!(
            occupant(&dir.join("irb"), &exe),
            Occupant::OtherAppenv("/old/place/appenv".into())
        );
        assert_eq!(
            install(&dir, &names(&["irb"]), &exe).unwrap(),
            [Outcome::Updated]
        );
        assert_eq!(fs::read_link(dir.join("irb")).unwrap(), exe);

        // Foreign entries: nothing is written, not even the valid names.
        fs::write(dir.join("node"), "#!/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("/usr/bin/ruby", dir.join("ruby")).unwrap();
        let e = install(&dir, &names(&["rails", "node"]), &exe).unwrap_err();
        assert!(
            e.message
                .contains("node is not an appenv shim (a regular file)")
        );
        assert!(!dir.join("rails").exists());
        let e = install(&dir, &names(&["ruby"]), &exe).unwrap_err();
        assert!(e.message.contains("a symlink to /usr/bin/ruby"), "{e}");
        assert!(install(&dir, &names(&["a/b"]), &exe).is_err());

        let e = remove(&dir, &names(&["python", "node"]), &exe).unwrap_err();
        assert_eq!(e.status, ExitCode::GeneralError);
        assert!(dir.join("python").symlink_metadata().is_ok());
        let changes = remove(&dir, &names(&["python", "irb", "python"]), &exe).unwrap();
        assert_eq!(
            changes,
            [Outcome::Removed, Outcome::Removed, Outcome::NotInstalled]
        );
        assert_eq!(fs::read(dir.join("node")).unwrap(), b"#!/bin/sh\n");
    }

    #[test]
    fn skip_sees_the_shim_dir_through_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let shims = tmp.path().join("shims");
        fs::create_dir_all(&shims).unwrap();
        fs::write(shims.join("python"), "").unwrap();
        std::os::unix::fs::symlink(&shims, tmp.path().join("link")).unwrap();
        let skip = exec::Skip::new([shims.clone()]);
        assert!(skip.skips(&shims.join("python")));
        assert!(skip.skips(&tmp.path().join("link/python")));
        assert!(skip.skips(&tmp.path().join("link/./python")));
        assert!(!skip.skips(&tmp.path().join("python")));
        assert!(on_path(
            &shims,
            Some(OsStr::new(&format!(
                "/nowhere:{}/link/",
                tmp.path().display()
            )))
        ));
        assert!(!on_path(&shims, Some(OsStr::new("/usr/bin"))));
    }
}
