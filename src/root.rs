//! Finding the app root: the directory an app's config and processes hang from.

use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};

use crate::markers::ROOT as ROOT_MARKERS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The logical path (symlinks as the user walked them), never canonicalised.
    pub dir: Utf8PathBuf,
    pub reason: Reason,
}

/// Why a directory was taken as the root: the name found in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Config,
    Procfile,
    DotEnv,
    Marker(&'static str),
}

impl Reason {
    pub fn file_name(self) -> &'static str {
        match self {
            Reason::Config => "appenv.toml",
            Reason::Procfile => "Procfile",
            Reason::DotEnv => ".env",
            Reason::Marker(name) => name,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tier = match self {
            Reason::Config => "the nearest appenv.toml",
            Reason::Procfile | Reason::DotEnv => "no appenv.toml above; nearest Procfile or .env",
            Reason::Marker(_) => "no appenv.toml, Procfile or .env above; nearest project marker",
        };
        write!(f, "holds {} ({tier})", self.file_name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    pub start: Utf8PathBuf,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no app root found above {} (looked for appenv.toml, Procfile, .env, {})",
            crate::text::sanitize(self.start.as_str()),
            ROOT_MARKERS.join(", ")
        )
    }
}

/// Walks up from `start` (absolute, logical) to `/`. The nearest `appenv.toml`
/// wins at any distance, then the nearest `Procfile` or `.env`, then the
/// nearest project marker: an explicit config is the strongest statement of
/// where an app begins, and a marker the weakest.
pub fn find(start: &Utf8Path) -> Result<Root, NotFound> {
    let holds = holdings(start);
    let levels = || start.ancestors().zip(holds.iter().copied());
    let mut second: Option<Root> = None;
    for (dir, holds) in levels() {
        if holds.has(CONFIG) {
            return Ok(Root {
                dir: dir.to_owned(),
                reason: Reason::Config,
            });
        }
        if second.is_none() {
            let reason = if holds.has(PROCFILE) {
                Some(Reason::Procfile)
            } else if holds.has(DOTENV) {
                Some(Reason::DotEnv)
            } else {
                None
            };
            second = reason.map(|reason| Root {
                dir: dir.to_owned(),
                reason,
            });
        }
    }
    // Markers only matter when nothing above holds a Procfile or `.env`.
    let third = || {
        levels().find_map(|(dir, holds)| {
            let at = (0..ROOT_MARKERS.len()).find(|&i| holds.has(FIRST_MARKER + i))?;
            Some(Root {
                dir: dir.to_owned(),
                reason: Reason::Marker(ROOT_MARKERS[at]),
            })
        })
    };
    second.or_else(third).ok_or_else(|| NotFound {
        start: start.to_owned(),
    })
}

/// Every name that can make a root: `appenv.toml`, `Procfile`, `.env`, then
/// the markers, by index.
const CONFIG: usize = 0;
const PROCFILE: usize = 1;
const DOTENV: usize = 2;
const FIRST_MARKER: usize = 3;

fn root_name(i: usize) -> &'static str {
    match i {
        CONFIG => "appenv.toml",
        PROCFILE => "Procfile",
        DOTENV => ".env",
        _ => ROOT_MARKERS[i - FIRST_MARKER],
    }
}

/// Which of the names that can make a root a directory holds, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Holds(u16);

impl Holds {
    fn has(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
}

/// For `start` and each directory above it, nearest first, which names it
/// holds. The walk goes down from `/` one directory at a time, each looked
/// up in the one above (`openat`, `fstatat`), so that every lookup costs
/// the same however deep `start` is: a full path would walk all of its
/// components again each time, which makes a deep directory quadratic. A
/// directory that cannot be opened so (no search permission) and those
/// below it are looked up by path.
fn holdings(start: &Utf8Path) -> Vec<Holds> {
    use nix::fcntl::{OFlag, openat};
    use nix::sys::stat::{Mode, fstatat};

    let dirs: Vec<&Utf8Path> = start.ancestors().collect();
    let mut holds = Vec::with_capacity(dirs.len());
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let mut fd = nix::fcntl::open("/", flags, Mode::empty()).ok();
    // Top down: "/" is the last ancestor.
    for (depth, dir) in dirs.iter().rev().enumerate() {
        if depth > 0 {
            let name = dir.file_name().unwrap_or_default();
            fd = fd.and_then(|parent| openat(&parent, name, flags, Mode::empty()).ok());
        }
        let mut bits = 0u16;
        for i in 0..FIRST_MARKER + ROOT_MARKERS.len() {
            let found = match &fd {
                Some(fd) => {
                    fstatat(fd, root_name(i), nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).is_ok()
                }
                None => exists(dir, root_name(i)),
            };
            if found {
                bits |= 1 << i;
            }
        }
        holds.push(Holds(bits));
    }
    holds.reverse();
    holds
}

/// A name counts when it exists, whatever it is: a dangling symlink or a
/// directory named `.env` still marks the root (and then fails loudly when read).
fn exists(dir: &Utf8Path, name: &str) -> bool {
    dir.join(name).symlink_metadata().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree(paths: &[&str]) -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        for p in paths {
            let path = base.join(p);
            if p.ends_with('/') {
                fs::create_dir_all(&path).unwrap();
            } else {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, "").unwrap();
            }
        }
        (tmp, base)
    }

    #[test]
    fn config_beats_nearer_procfile_and_markers() {
        let (_t, base) = tree(&[
            "appenv.toml",
            "sub/Procfile",
            "sub/deep/Gemfile",
            "sub/deep/x/",
        ]);
        let root = find(&base.join("sub/deep/x")).unwrap();
        assert_eq!(root.dir, base);
        assert_eq!(root.reason, Reason::Config);
    }

    #[test]
    fn procfile_or_env_beats_nearer_marker() {
        let (_t, base) = tree(&[".env", "sub/package.json", "sub/x/"]);
        let root = find(&base.join("sub/x")).unwrap();
        assert_eq!((root.dir, root.reason), (base, Reason::DotEnv));
    }

    #[test]
    fn nearest_marker_last() {
        let (_t, base) = tree(&["Cargo.toml", "sub/Gemfile", "sub/x/"]);
        let root = find(&base.join("sub/x")).unwrap();
        assert_eq!(
            (root.dir, root.reason),
            (base.join("sub"), Reason::Marker("Gemfile"))
        );
    }

    #[test]
    fn nothing_found() {
        let (_t, base) = tree(&["x/"]);
        // The temp dir may sit below a directory holding a marker; only
        // assert the error names the start when nothing is found.
        if let Err(e) = find(&base.join("x")) {
            assert!(e.to_string().contains("no app root found above"));
        }
    }
}
