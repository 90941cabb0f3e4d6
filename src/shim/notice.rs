//! "Once per change": the changed-app notice a shim prints is remembered by
//! a stamp file named after the app and the state of the changed files, so
//! an editor that starts `python` fifty times shows the line once, and the
//! next edit shows it again.

use std::ffi::OsStr;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use camino::Utf8Path;
use sha2::{Digest as _, Sha256};

use crate::env_vars::EnvVars;
use crate::input::{hex, sha256};
use crate::plan::Env;

/// Whether the notice for this state of `files` in `root` is new: true the
/// first time (and whenever the stamp cannot be kept, since a notice shown
/// twice beats one never shown).
pub fn first_time(env: &Env, root: &Utf8Path, files: &[String]) -> bool {
    let Some(dir) = stamp_dir(env) else {
        return true;
    };
    let app = &hex(&sha256(root.as_str().as_bytes()))[..32];
    let change = &hex(fingerprint(root, files).as_ref())[..32];
    let made = DirBuilder::new().recursive(true).mode(0o700).create(&dir);
    let created = made.and_then(|()| {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dir.join(format!("{app}-{change}")))
    });
    match created {
        Ok(_) => {
            forget_older(&dir, app, change);
            true
        }
        Err(e) => e.kind() != io::ErrorKind::AlreadyExists,
    }
}

/// The state of the changed files, by metadata: every edit changes it, and
/// nothing is read (an env file may be a FIFO or `/dev/zero`).
fn fingerprint(root: &Utf8Path, files: &[String]) -> impl AsRef<[u8]> {
    let mut hasher = Sha256::new();
    for name in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        if let Ok(meta) = root.join(name).symlink_metadata() {
            let fields = [
                meta.dev(),
                meta.ino(),
                meta.size(),
                meta.mtime() as u64,
                meta.mtime_nsec() as u64,
                meta.ctime() as u64,
                meta.ctime_nsec() as u64,
            ];
            for field in fields {
                hasher.update(field.to_le_bytes());
            }
        }
        hasher.update([0]);
    }
    hasher.finalize()
}

/// The stamps of earlier changes of the same app.
fn forget_older(dir: &Path, app: &str, change: &str) {
    let Ok(read) = fs::read_dir(dir) else {
        return;
    };
    for item in read.flatten() {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if let Some(rest) = name.strip_prefix(app).and_then(|r| r.strip_prefix('-')) {
            if rest != change {
                let _ = fs::remove_file(item.path());
            }
        }
    }
}

/// `$XDG_RUNTIME_DIR/appenv/notices`, else `$XDG_CACHE_HOME/appenv/notices`,
/// else `~/.cache/appenv/notices`, as the hook keeps its stamps; relative
/// values are ignored.
fn stamp_dir(env: &Env) -> Option<PathBuf> {
    let var = |name: &str| {
        env.get(OsStr::new(name))
            .map(Path::new)
            .filter(|p| p.is_absolute())
    };
    let base = var(EnvVars::XDG_RUNTIME_DIR)
        .or_else(|| var(EnvVars::XDG_CACHE_HOME))
        .map(|p| p.join("appenv"))
        .or_else(|| var(EnvVars::HOME).map(|h| h.join(".cache/appenv")))?;
    Some(base.join("notices"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_state_of_the_changed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(tmp.path()).unwrap().join("app");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join(".env"), "A=1\n").unwrap();
        let env: Env = [("XDG_CACHE_HOME".into(), tmp.path().join("cache").into())].into();
        let files = [".env".to_string()];
        assert!(first_time(&env, &root, &files));
        assert!(!first_time(&env, &root, &files));
        // Another edit (a new inode for sure: a rename over the old file).
        fs::write(root.join(".env.new"), "A=2\n").unwrap();
        fs::rename(root.join(".env.new"), root.join(".env")).unwrap();
        assert!(first_time(&env, &root, &files));
        assert!(!first_time(&env, &root, &files));
        // Another app is another notice; only the latest stamp per app stays.
        assert!(first_time(&env, &root.join("sub"), &files));
        let stamps = fs::read_dir(tmp.path().join("cache/appenv/notices"))
            .unwrap()
            .count();
        assert_eq!(stamps, 2);
        // No place for stamps: always shown.
        assert!(first_time(&Env::new(), &root, &files));
    }
}
