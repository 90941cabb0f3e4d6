//! Trust: nothing from an app root is used until its owner runs `appenv allow`.
//!
//! An env file or config is code (`PATH`, `LD_PRELOAD`, a prefix, a task), so a root is
//! trusted only while every file that can feed its plan hashes as it did when it was
//! allowed. `APPENV_TRUSTED_DIRS` trusts whole trees instead, for CI, containers and
//! servers, where nobody is there to run `appenv allow`.

mod files;
mod record;

pub use files::{AppFiles, Digest};

use crate::text::sanitize;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::{self, DirBuilder, Permissions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::{fmt, io};

use camino::{Utf8Path, Utf8PathBuf};
use sha2::{Digest as _, Sha256};

/// The base environment. This module reads only this map, never the process's own.
pub use crate::plan::Env;

/// The directory of allow records, one file per app root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustStore {
    dir: Utf8PathBuf,
}

/// Whether a root may be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A record matches every file.
    Allowed,
    /// The root is at or below this (canonical) entry of `APPENV_TRUSTED_DIRS`.
    TrustedDir(Utf8PathBuf),
    /// No usable record: never allowed, denied, or the record is unreadable or corrupt.
    NotAllowed,
    /// Allowed once, but these files changed, appeared or disappeared since.
    Changed { files: Vec<String> },
}

#[derive(Debug)]
pub enum TrustError {
    /// Neither `XDG_DATA_HOME` nor `HOME` gives an absolute path.
    NoStore,
    NotUtf8 {
        what: &'static str,
        path: PathBuf,
    },
    Io {
        action: &'static str,
        path: Utf8PathBuf,
        source: io::Error,
    },
}

impl TrustStore {
    /// `$XDG_DATA_HOME/appenv/trust`, else `$HOME/.local/share/appenv/trust`.
    pub fn from_env(env: &Env) -> Result<Self, TrustError> {
        let home = crate::xdg::data_home(|name| env.get(OsStr::new(name)).map(|v| v.as_os_str()))
            .ok_or(TrustError::NoStore)?;
        let dir =
            Utf8PathBuf::from_path_buf(home.dir("trust")).map_err(|_| TrustError::NotUtf8 {
                what: home.var,
                path: home.value.into(),
            })?;
        Ok(Self::at(dir))
    }

    pub fn at(dir: Utf8PathBuf) -> Self {
        Self { dir }
    }

    /// What the shell hook watches: every allow and deny adds, replaces or removes an
    /// entry here, which changes its mtime. It does not exist before the first allow.
    pub fn path(&self) -> &Utf8Path {
        &self.dir
    }

    /// Records `app` as trusted, replacing any earlier record for its root.
    pub fn allow(&self, app: &AppFiles) -> Result<(), TrustError> {
        // 0700: the records list every app the user trusts; an existing directory
        // made by hand is tightened too.
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .and_then(|()| fs::set_permissions(&self.dir, Permissions::from_mode(0o700)))
            .map_err(TrustError::io("create", &self.dir))?;
        record::write(&self.record_path(&app.root), &record::encode(app))
    }

    /// Removes the record for `root`; true if there was one.
    pub fn deny(&self, root: &Utf8Path) -> Result<bool, TrustError> {
        // A root that no longer exists can still be denied by the path it had.
        let root = root.canonicalize_utf8().unwrap_or_else(|_| root.to_owned());
        let path = self.record_path(&root);
        match fs::remove_file(&path) {
            Ok(()) => record::sync_dir(&self.dir).map(|()| true),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(TrustError::io("remove", &path)(err)),
        }
    }

    /// Whether `app` may be used. `env` is the base env, read for `APPENV_TRUSTED_DIRS`.
    pub fn check(&self, app: &AppFiles, env: &Env) -> Trust {
        match trusted_dir(&app.root, env) {
            Some(dir) => Trust::TrustedDir(dir),
            None => self.check_record(app),
        }
    }

    /// Whether `app` is allowed, with its files as they are now.
    fn check_record(&self, app: &AppFiles) -> Trust {
        let Some(recorded) = record::read(&self.record_path(&app.root), &app.root) else {
            return Trust::NotAllowed;
        };
        let current: record::Hashes = app.files.iter().cloned().collect();
        match changed_files(&recorded, &current) {
            files if files.is_empty() => Trust::Allowed,
            files => Trust::Changed { files },
        }
    }

    /// Records are named by a hash of the canonical root: fixed length, no escaping,
    /// and `/srv/app` and `/srv/app/sub` never share one.
    fn record_path(&self, root: &Utf8Path) -> Utf8PathBuf {
        self.dir.join(format!(
            "{}.json",
            record::hex(&Sha256::digest(root.as_str()).into())
        ))
    }
}

/// Whether the app at `root` may be used. `extra` holds its `[env] files`
/// entries; `env` is the base env. `APPENV_TRUSTED_DIRS` is looked at first:
/// it needs no store (HOME may be unset in a container) and no hashing.
pub fn check(root: &Utf8Path, extra: &[String], env: &Env) -> Result<Trust, TrustError> {
    let root = files::canonical_root(root)?;
    if let Some(dir) = trusted_dir(&root, env) {
        return Ok(Trust::TrustedDir(dir));
    }
    let store = TrustStore::from_env(env)?;
    Ok(store.check_record(&AppFiles::collect_canonical(root, extra)?))
}

/// The names whose hashes differ. A name missing on one side reads as an absent file,
/// so a recorded `None` and no entry at all agree.
fn changed_files(recorded: &record::Hashes, current: &record::Hashes) -> Vec<String> {
    let hash = |hashes: &record::Hashes, name: &str| hashes.get(name).copied().flatten();
    let names: BTreeSet<&String> = recorded.keys().chain(current.keys()).collect();
    names
        .into_iter()
        .filter(|name| hash(recorded, name) != hash(current, name))
        .cloned()
        .collect()
}

/// The `APPENV_TRUSTED_DIRS` entry that `root` is at or below. Entries are compared
/// canonically and by whole components (`Path::starts_with`); empty and relative
/// entries are ignored (relative ones would depend on the working directory), and so
/// are entries that do not exist, since no existing root can be below them.
pub fn trusted_dir(root: &Utf8Path, env: &Env) -> Option<Utf8PathBuf> {
    let dirs = env.get(OsStr::new("APPENV_TRUSTED_DIRS"))?;
    dirs.as_bytes()
        .split(|&byte| byte == b':')
        .map(|entry| Path::new(OsStr::from_bytes(entry)))
        .filter(|entry| entry.is_absolute())
        .filter_map(|entry| entry.canonicalize().ok())
        .find(|dir| root.as_std_path().starts_with(dir))
        .and_then(|dir| Utf8PathBuf::from_path_buf(dir).ok())
}

impl Trust {
    pub fn is_trusted(&self) -> bool {
        matches!(self, Self::Allowed | Self::TrustedDir(_))
    }
}

/// Short, safe to print: file names come from the app and are escaped.
impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allowed => f.write_str("allowed"),
            Self::TrustedDir(dir) => write!(
                f,
                "trusted by APPENV_TRUSTED_DIRS ({})",
                sanitize(dir.as_str())
            ),
            Self::NotAllowed => f.write_str("not allowed"),
            Self::Changed { files } => {
                let files: Vec<_> = files.iter().map(|file| sanitize(file)).collect();
                write!(f, "changed since allowed: {}", files.join(", "))
            }
        }
    }
}

impl TrustError {
    /// For `map_err`: `.map_err(TrustError::io("read", path))`.
    fn io(action: &'static str, path: &Utf8Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStore => f.write_str(
                "cannot locate the trust store: set HOME or XDG_DATA_HOME to an absolute path",
            ),
            Self::NotUtf8 { what, path } => {
                write!(
                    f,
                    "{what} is not UTF-8: {}",
                    sanitize(&path.to_string_lossy())
                )
            }
            Self::Io {
                action,
                path,
                source,
            } => {
                write!(
                    f,
                    "could not {action} {}: {source}",
                    sanitize(path.as_str())
                )
            }
        }
    }
}

impl std::error::Error for TrustError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
