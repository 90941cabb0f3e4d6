//! Trust: nothing from an app root is used until its owner runs `appenv allow`.
//!
//! An env file or config is code (`PATH`, `LD_PRELOAD`, a prefix, a task), so a root is
//! trusted only while every file that can feed its plan hashes as it did when it was
//! allowed. The files the plan parsed are not read again: their digests come with the
//! plan ([`crate::input::Inputs`]), so what was checked is what is used.
//! `APPENV_TRUSTED_DIRS` trusts whole trees instead, for CI, containers and servers,
//! where nobody is there to run `appenv allow`.

mod change;
mod files;
mod record;

pub use change::FileChange;
pub use files::{AppFiles, Digest};
pub use record::KEPT;

use crate::env_vars::EnvVars;
use crate::input::InputError;
use crate::plan::Plan;
use crate::text::sanitize;
use crate::trusted_dirs;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs::{self, DirBuilder, Permissions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::{fmt, io};

use camino::{Utf8Path, Utf8PathBuf};

/// The base environment. This module reads only this map, never the process's own.
pub use crate::plan::Env;

/// The directory of allow records, one file per app root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustStore {
    dir: Utf8PathBuf,
}

/// Whether an app may load, and why: the one answer every command and shim
/// acts on. [`Trust::is_trusted`] decides; [`Trust::refusal`] is what a
/// command that refuses says.
#[derive(Debug)]
pub enum Trust {
    /// A record matches every file.
    Allowed,
    /// The root is at or below this (canonical) entry of `APPENV_TRUSTED_DIRS`.
    TrustedDir(Utf8PathBuf),
    /// No usable record: never allowed, denied, or the record is unreadable or corrupt.
    NotAllowed,
    /// Allowed once, but these files changed, appeared or disappeared since;
    /// `changes` says how, by variable name where the file is an env file.
    Changed {
        files: Vec<String>,
        changes: Vec<FileChange>,
    },
    /// The store could not be asked (no HOME, another user's store, an
    /// unreadable file): nothing is trusted, and the error says why.
    Unchecked(TrustError),
}

/// One allow record, for `appenv allow --list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub root: Utf8PathBuf,
    /// Seconds since the epoch; `None` for records written before it was kept.
    pub allowed: Option<u64>,
    /// The files that were there when it was last allowed.
    pub files: Vec<String>,
    /// How many contents of the app are allowed (at most [`KEPT`]).
    pub contents: usize,
    /// The root no longer exists.
    pub gone: bool,
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
    /// The store or a record is another user's, or others can write it.
    NotYours {
        path: Utf8PathBuf,
        uid: u32,
        writable: bool,
    },
    Input(InputError),
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
        // made by hand is tightened too, but never through a symlink, whose
        // target may be anything (and is then only checked).
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(TrustError::io("create", &self.dir))?;
        let link = fs::symlink_metadata(&self.dir).map_err(TrustError::io("create", &self.dir))?;
        if !link.file_type().is_symlink() {
            owned_by_user(&self.dir, &link).or_else(|e| match e {
                // Only group/other write: tightening it is the fix.
                TrustError::NotYours {
                    writable: true,
                    uid,
                    ..
                } if uid == my_uid() => Ok(()),
                e => Err(e),
            })?;
            if link.mode() & 0o777 != 0o700 {
                fs::set_permissions(&self.dir, Permissions::from_mode(0o700))
                    .map_err(TrustError::io("create", &self.dir))?;
            }
        }
        self.check_dir()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        // One allow at a time per store: two shells allowing two branches at
        // once must both be remembered, not the last writer's alone.
        let _lock = self.lock()?;
        let path = self.record_path(&app.root);
        let current = record::Entry::of(app, now);
        let mut entries = Vec::new();
        // The contents allowed before stay, this one moving to the front. A
        // record that is not believed (another user's) contributes nothing.
        if let Ok(Some(recorded)) = record::read(&path, &app.root) {
            entries.extend(
                record::Entry::all(&recorded)
                    .into_iter()
                    .filter(|entry| !changed_files(&entry.files, &current.files).is_empty()),
            );
        }
        entries.insert(0, current);
        record::write(&path, &record::encode(&app.root, &entries))
    }

    /// An exclusive lock on the store directory itself (no lock file to
    /// leave behind), held while a record is read and rewritten.
    fn lock(&self) -> Result<nix::fcntl::Flock<fs::File>, TrustError> {
        let dir = fs::File::open(&self.dir).map_err(TrustError::io("lock", &self.dir))?;
        nix::fcntl::Flock::lock(dir, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| TrustError::io("lock", &self.dir)(errno.into()))
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

    /// Every record, by root.
    pub fn list(&self) -> Result<Vec<Listed>, TrustError> {
        let entries = match self.dir.read_dir_utf8() {
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            entries => entries.map_err(TrustError::io("list", &self.dir))?,
        };
        self.check_dir()?;
        let mut listed = Vec::new();
        for entry in entries {
            let entry = entry.map_err(TrustError::io("list", &self.dir))?;
            if !entry.file_name().ends_with(".json") || entry.file_name().starts_with('.') {
                continue;
            }
            let Some(bytes) = record::read_owned(entry.path())? else {
                continue;
            };
            let Some(record) = record::decode(bytes) else {
                continue;
            };
            let root = Utf8PathBuf::from(record.root);
            let contents = record.contents.len();
            let newest = record.contents.into_iter().next().expect("never empty");
            listed.push(Listed {
                gone: matches!(root.symlink_metadata(), Err(e) if e.kind() == io::ErrorKind::NotFound),
                files: newest
                    .files
                    .into_iter()
                    .filter_map(|(name, hash)| hash.map(|_| name))
                    .collect(),
                contents,
                allowed: newest.allowed,
                root,
            });
        }
        listed.sort_by(|a, b| a.root.cmp(&b.root));
        Ok(listed)
    }

    /// Removes the records whose root no longer exists; returns their roots.
    pub fn remove_gone(&self) -> Result<Vec<Utf8PathBuf>, TrustError> {
        let mut removed = Vec::new();
        for listed in self.list()?.into_iter().filter(|l| l.gone) {
            if self.deny(&listed.root)? {
                removed.push(listed.root);
            }
        }
        Ok(removed)
    }

    /// Whether `app` may be used. `env` is the base env, read for `APPENV_TRUSTED_DIRS`.
    pub fn check(&self, app: &AppFiles, env: &Env) -> Result<Trust, TrustError> {
        match trusted_dirs::covering(&app.root, trusted_dirs_value(env)) {
            Some(dir) => Ok(Trust::TrustedDir(dir)),
            None => self.check_record(app),
        }
    }

    /// Whether `app` is allowed, with its files as they are now.
    fn check_record(&self, app: &AppFiles) -> Result<Trust, TrustError> {
        let path = self.record_path(&app.root);
        let Some(recorded) = record::read(&path, &app.root)? else {
            return Ok(Trust::NotAllowed);
        };
        // Checked after the record is found: before the first allow there is
        // no store, and a store nobody wrote to grants nothing.
        self.check_dir()?;
        let current: record::Hashes = app.files.iter().cloned().collect();
        // Any content allowed before is allowed (a branch switched back to);
        // otherwise the change is told against the nearest one, the newest
        // of those that differ in the fewest files.
        let mut nearest: Option<(usize, Vec<String>)> = None;
        for (at, content) in recorded.contents.iter().enumerate() {
            let files = changed_files(&content.files, &current);
            if files.is_empty() {
                return Ok(Trust::Allowed);
            }
            if nearest
                .as_ref()
                .is_none_or(|(_, near)| files.len() < near.len())
            {
                nearest = Some((at, files));
            }
        }
        let (at, files) = nearest.expect("a record holds a content");
        let changes =
            change::describe(&files, &recorded.contents[at].files, recorded.vars(at), app);
        Ok(Trust::Changed { files, changes })
    }

    /// The store directory must be the user's and writable by nobody else: the
    /// store decides what runs. This is what refuses another user's store when
    /// running as root with their HOME (`sudo -E`, `su -m`).
    fn check_dir(&self) -> Result<(), TrustError> {
        let meta = fs::metadata(&self.dir).map_err(TrustError::io("read", &self.dir))?;
        owned_by_user(&self.dir, &meta)
    }

    /// Records are named by a hash of the canonical root: fixed length, no escaping,
    /// and `/srv/app` and `/srv/app/sub` never share one.
    pub fn record_path(&self, root: &Utf8Path) -> Utf8PathBuf {
        self.dir.join(format!(
            "{}.json",
            record::hex(&crate::input::sha256(root.as_str().as_bytes()))
        ))
    }
}

fn my_uid() -> u32 {
    crate::input::effective_uid()
}

/// Refuses a file or directory of the store that is not the effective user's,
/// or that group or others may write.
fn owned_by_user(path: &Utf8Path, meta: &fs::Metadata) -> Result<(), TrustError> {
    let uid = record::owner(meta);
    let writable = meta.mode() & 0o022 != 0;
    if uid != my_uid() || writable {
        return Err(TrustError::NotYours {
            path: path.to_owned(),
            uid,
            writable,
        });
    }
    Ok(())
}

fn trusted_dirs_value(env: &Env) -> Option<&OsStr> {
    env.get(OsStr::new(EnvVars::APPENV_TRUSTED_DIRS))
        .map(|v| v.as_os_str())
}

/// Whether the app of `plan` may load, decided on the digests of the files the plan
/// parsed (never read again) and of the other files an allow covers. `env` is the base
/// env. `APPENV_TRUSTED_DIRS` was looked at by the resolver: it needs no store (HOME
/// may be unset in a container) and no hashing.
pub fn check(plan: &Plan, env: &Env) -> Trust {
    if let Some(dir) = &plan.trusted_dir {
        return Trust::TrustedDir(dir.clone());
    }
    Trust::answer(
        TrustStore::from_env(env)
            .and_then(|store| store.check_record(&AppFiles::cover(&plan.inputs, &covered(plan))?)),
    )
}

/// Whether the app at `root`, whose plan could not be resolved, is allowed: its
/// files hashed as they are now, with the config's `[env] files` as far as the
/// config reads. Nothing from such an app is used; this only decides whether a
/// message is worth saying (a never-allowed app with a broken `.env` stays silent).
pub fn check_unresolved(root: &Utf8Path, env: &Env) -> Trust {
    let config = crate::config::Config::load(root).ok().flatten();
    let extra = config_files(config.as_ref());
    Trust::answer(
        TrustStore::from_env(env)
            .and_then(|store| store.check(&AppFiles::collect(root, &extra)?, env)),
    )
}

/// What an allow of `plan`'s app covers besides [`crate::input::ALWAYS`]:
/// the `[env] files` of its config and, for a workspace member, the files
/// of the workspace top that can join it.
pub fn covered(plan: &Plan) -> Vec<String> {
    let mut extra = config_files(plan.config.as_ref());
    if let Some(shared) = &plan.shared {
        extra.extend(shared.covered.iter().cloned());
    }
    extra
}

/// The `[env] files` templates of a config, which trust covers too.
pub fn config_files(config: Option<&crate::config::Config>) -> Vec<String> {
    config
        .and_then(|c| c.env.files.as_ref())
        .map(|f| f.get_ref().clone())
        .unwrap_or_default()
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

/// The `APPENV_TRUSTED_DIRS` entry that `root` is at or below (see
/// [`trusted_dirs::covering`]).
pub fn trusted_dir(root: &Utf8Path, env: &Env) -> Option<Utf8PathBuf> {
    trusted_dirs::covering(root, trusted_dirs_value(env))
}

impl Trust {
    /// A store that could not be asked trusts nothing.
    fn answer(asked: Result<Self, TrustError>) -> Self {
        asked.unwrap_or_else(Self::Unchecked)
    }

    pub fn is_trusted(&self) -> bool {
        matches!(self, Self::Allowed | Self::TrustedDir(_))
    }

    /// What a command that will not load the app at `root` says: which of not
    /// allowed, changed or unchecked, and what to do. `None` when trusted.
    pub fn refusal(&self, root: &Utf8Path) -> Option<String> {
        let root = sanitize(root.as_str());
        match self {
            Self::Allowed | Self::TrustedDir(_) => None,
            Self::Changed { files, changes } => Some(format!(
                "{root} changed since it was allowed ({}); review it and run 'appenv allow'",
                shown(files, changes)
            )),
            Self::NotAllowed => Some(format!("{root} is not allowed; run 'appenv allow'")),
            Self::Unchecked(e) => Some(format!("{root} cannot be checked for trust: {e}")),
        }
    }
}

/// The answers compare by what they say; an error equals no other answer
/// (its I/O error does not compare).
impl PartialEq for Trust {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Allowed, Self::Allowed) | (Self::NotAllowed, Self::NotAllowed) => true,
            (Self::TrustedDir(a), Self::TrustedDir(b)) => a == b,
            (
                Self::Changed { files, changes },
                Self::Changed {
                    files: other_files,
                    changes: other_changes,
                },
            ) => files == other_files && changes == other_changes,
            _ => false,
        }
    }
}

/// How the files changed: by variable name where the change is known, never
/// by value; else the file names, escaped.
fn shown(files: &[String], changes: &[FileChange]) -> String {
    let shown: Vec<String> = if changes.is_empty() {
        files.iter().map(|file| sanitize(file)).collect()
    } else {
        changes.iter().map(ToString::to_string).collect()
    };
    shown.join("; ")
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
            Self::Changed { files, changes } => {
                write!(f, "changed since allowed: {}", shown(files, changes))
            }
            Self::Unchecked(e) => write!(f, "cannot be checked: {e}"),
        }
    }
}

impl TrustError {
    pub(crate) fn input(e: InputError) -> Self {
        Self::Input(e)
    }

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
            Self::NotYours {
                path,
                uid,
                writable,
            } => {
                let path = sanitize(path.as_str());
                let me = my_uid();
                if *uid != me {
                    write!(
                        f,
                        "the trust store {path} is owned by uid {uid}, not by you (uid {me}), so its records are not believed; \
                         set XDG_DATA_HOME (or HOME) to a directory of your own"
                    )
                } else {
                    debug_assert!(*writable);
                    write!(
                        f,
                        "the trust store {path} can be written by other users, so its records are not believed; \
                         run 'chmod go-w {path}'"
                    )
                }
            }
            Self::Input(e) => e.fmt(f),
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
