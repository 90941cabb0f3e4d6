//! The working directory as the user sees it: typed commands and shims
//! start resolving from it.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use crate::env_vars::EnvVars;
use crate::exec::FileId;
use crate::plan::Env;

/// `$PWD` when it names the working directory (it keeps the symlinks the
/// user walked through), else the physical path.
pub fn logical(inherited: &Env) -> Result<PathBuf, NoWorkdir> {
    let physical = std::env::current_dir().map_err(NoWorkdir)?;
    let pwd = inherited.get(OsStr::new(EnvVars::PWD)).map(Path::new);
    let same = |p: &Path| FileId::of(p).is_some_and(|p| Some(p) == FileId::of(Path::new(".")));
    Ok(match pwd {
        Some(pwd) if pwd.is_absolute() && same(pwd) => normalize(pwd),
        _ => physical,
    })
}

/// The working directory cannot be had (deleted, or not searchable); the
/// command that needed it gives the exit status.
#[derive(Debug)]
pub struct NoWorkdir(std::io::Error);

impl std::fmt::Display for NoWorkdir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot get the working directory (was it deleted?): {}",
            self.0
        )
    }
}

/// Removes `.` and resolves `..` lexically, as `cd -L` does.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}
