//! Why an input could not be read, as the user is told it: the file's name
//! (sanitised) and what is wrong, never any of its content.

use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::{Kind, effective_uid};
use crate::text::sanitize;

/// Why a file could not be read; never holds any of its content.
#[derive(Debug)]
pub struct InputError {
    /// As the user knows it: relative to the root, or the root itself.
    pub file: String,
    pub problem: Problem,
}

#[derive(Debug)]
pub enum Problem {
    /// What it should have been.
    Directory(Kind),
    NotRegular,
    Dangling,
    Loop,
    TooLarge(u64),
    /// Owned by this uid, which is neither the user nor root.
    Foreign {
        uid: u32,
        dir: bool,
    },
    NotUtf8(PathBuf),
    Io(io::Error),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = sanitize(&self.file);
        match &self.problem {
            Problem::Directory(kind) => {
                write!(f, "{file}: is a directory, not {}", kind.noun())
            }
            Problem::NotRegular => write!(f, "{file}: is not a regular file"),
            Problem::Dangling => write!(f, "{file}: is a dangling symlink"),
            Problem::Loop => write!(f, "{file}: is a symlink loop"),
            Problem::TooLarge(limit) => write!(
                f,
                "{file}: is larger than {} MiB, more than appenv reads",
                limit >> 20
            ),
            Problem::Foreign { uid, dir } => {
                let what = if *dir { "directory" } else { "file" };
                let me = effective_uid();
                write!(
                    f,
                    "{file}: the {what} is owned by another user (uid {uid}, you are uid {me}), so it is not taken as part of an app of yours; \
                     if it is yours, 'chown' it, or trust the tree with APPENV_TRUSTED_DIRS"
                )
            }
            Problem::NotUtf8(path) => write!(
                f,
                "app root is not UTF-8: {}",
                crate::text::sanitize_bytes(path.as_os_str().as_bytes())
            ),
            Problem::Io(e) => write!(f, "{file}: cannot read: {e}"),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// What is wrong, without the file's name (for errors that name it themselves).
    pub fn problem_text(&self) -> String {
        let full = self.to_string();
        let file = format!("{}: ", sanitize(&self.file));
        full.strip_prefix(&file).map_or(full.clone(), str::to_owned)
    }
}
