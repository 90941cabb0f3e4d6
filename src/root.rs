//! Finding the app root: the directory an app's config and processes hang from.

use std::fmt;
use std::os::fd::{AsFd, OwnedFd};

use camino::{Utf8Path, Utf8PathBuf};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{Mode, fstatat};

use crate::input::{Listing, Opened};
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
///
/// Nearest first, each directory is asked only what can still matter: all
/// the names until a `Procfile`, `.env` or marker is found (one listing of
/// the directory, where a look per name would be twelve), then three names,
/// and past a `Procfile` or `.env` only `appenv.toml` (one look each).
pub fn find(start: &Utf8Path) -> Result<Root, NotFound> {
    find_opened(start).map(|(root, _)| root)
}

/// [`find`], with the root as it was opened and listed when that was how it
/// was found, so that reading its files opens and lists it no second time.
pub fn find_opened(start: &Utf8Path) -> Result<(Root, Option<Opened>), NotFound> {
    let dirs = Dirs::new(start);
    let mut second: Option<(Root, Option<Opened>)> = None;
    let mut marker: Option<(Root, Option<Opened>)> = None;
    let root = |dir: &Utf8Path, reason| Root {
        dir: dir.to_owned(),
        reason,
    };
    for (i, dir) in start.ancestors().enumerate() {
        if second.is_none() && marker.is_none() {
            if let Some(opened) = dirs.list(i) {
                let has = |name: &str| opened.listing.contains(name.as_ref());
                if has(CONFIG) {
                    return Ok((root(dir, Reason::Config), Some(opened)));
                }
                let found = tier_two(&has).or_else(|| {
                    ROOT_MARKERS
                        .iter()
                        .find(|name| has(name))
                        .map(|name| Reason::Marker(name))
                });
                match found {
                    Some(reason @ Reason::Marker(_)) => {
                        marker = Some((root(dir, reason), Some(opened)))
                    }
                    Some(reason) => second = Some((root(dir, reason), Some(opened))),
                    None => {}
                }
                continue;
            }
        }
        let has = |name: &str| dirs.has(i, name);
        if has(CONFIG) {
            return Ok((root(dir, Reason::Config), None));
        }
        if second.is_some() {
            continue;
        }
        second = tier_two(&has).map(|reason| (root(dir, reason), None));
        if marker.is_none() {
            marker = ROOT_MARKERS
                .iter()
                .find(|name| has(name))
                .map(|name| (root(dir, Reason::Marker(name)), None));
        }
    }
    // Markers only matter when nothing above holds a Procfile or `.env`.
    second.or(marker).ok_or_else(|| NotFound {
        start: start.to_owned(),
    })
}

const CONFIG: &str = "appenv.toml";

/// The `Procfile` or `.env` tier, in that order within a directory.
fn tier_two(has: &dyn Fn(&str) -> bool) -> Option<Reason> {
    if has("Procfile") {
        Some(Reason::Procfile)
    } else if has(".env") {
        Some(Reason::DotEnv)
    } else {
        None
    }
}

/// How many directory levels each anchor spans.
const SPAN: usize = 8;

/// `start` and the directories above it, nearest first, each reachable by a
/// short path: from `/` for the first levels, below that from an anchor, a
/// directory opened every [`SPAN`] levels down. A full path for each look
/// would walk all of its components again each time, which makes a deep
/// directory quadratic (and one past `PATH_MAX` unreachable); an `openat`
/// per level would cost two system calls a level for nothing in the usual
/// shallow tree.
struct Dirs<'a> {
    /// Nearest first, as `start.ancestors()`.
    levels: Vec<&'a Utf8Path>,
    /// `anchors[k]`: the directory at depth `SPAN * (k + 1)`, when it could
    /// be opened (search permission all the way down).
    anchors: Vec<Option<OwnedFd>>,
}

impl<'a> Dirs<'a> {
    fn new(start: &'a Utf8Path) -> Self {
        let levels: Vec<&Utf8Path> = start.ancestors().collect();
        let deepest = levels.len().saturating_sub(1);
        let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut anchors: Vec<Option<OwnedFd>> = Vec::new();
        for depth in (SPAN..=deepest).step_by(SPAN) {
            let above = anchors.last().map(Option::as_ref);
            let path = relative(&levels, depth, depth - SPAN);
            let fd = match above {
                None => {
                    nix::fcntl::open(levels[deepest - depth].as_std_path(), flags, Mode::empty())
                }
                Some(Some(fd)) => nix::fcntl::openat(fd, path.as_std_path(), flags, Mode::empty()),
                Some(None) => Err(nix::errno::Errno::EACCES),
            };
            anchors.push(fd.ok());
        }
        Dirs { levels, anchors }
    }

    /// The directory at level `i` (0: `start`) as a descriptor to look from
    /// and a path relative to it: `None` for the working directory's
    /// namesake, an absolute path.
    fn at(&self, i: usize) -> (Option<&OwnedFd>, Utf8PathBuf) {
        let depth = self.levels.len() - 1 - i;
        let k = depth / SPAN;
        match k.checked_sub(1).map(|k| &self.anchors[k]) {
            Some(Some(fd)) => (Some(fd), relative(&self.levels, depth, k * SPAN)),
            _ => (None, self.levels[i].to_owned()),
        }
    }

    /// Whether the directory at level `i` holds `name`, whatever it is: a
    /// dangling symlink or a directory named `.env` still marks the root
    /// (and then fails loudly when read).
    fn has(&self, i: usize, name: &str) -> bool {
        let (fd, dir) = self.at(i);
        let path = dir.join(name);
        let flags = AtFlags::AT_SYMLINK_NOFOLLOW;
        match fd {
            Some(fd) => fstatat(fd, path.as_std_path(), flags).is_ok(),
            None => fstatat(nix::fcntl::AT_FDCWD, path.as_std_path(), flags).is_ok(),
        }
    }

    /// The directory at level `i`, opened and listed, if it can be read.
    fn list(&self, i: usize) -> Option<Opened> {
        let (fd, dir) = self.at(i);
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let dir = if dir.as_str().is_empty() {
            Utf8Path::new(".")
        } else {
            &dir
        };
        let opened = match fd {
            Some(fd) => nix::fcntl::openat(fd, dir.as_std_path(), flags, Mode::empty()),
            None => nix::fcntl::open(dir.as_std_path(), flags, Mode::empty()),
        };
        let dir = opened.ok()?;
        let listing = Listing::read(dir.as_fd()).ok()?;
        Some(Opened { dir, listing })
    }
}

/// The path of the level at `depth` from the one at `from` above it.
fn relative(levels: &[&Utf8Path], depth: usize, from: usize) -> Utf8PathBuf {
    let deepest = levels.len() - 1;
    let (dir, base) = (levels[deepest - depth], levels[deepest - from]);
    dir.strip_prefix(base)
        .map(Utf8Path::to_owned)
        .unwrap_or_else(|_| dir.to_owned())
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
    fn looks_past_each_anchor_in_a_deep_tree() {
        let levels: Vec<String> = (0..30).map(|i| format!("d{i}")).collect();
        let path = |n: usize| levels[..n].join("/");
        let (_t, base) = tree(&[
            ".env",
            &format!("{}/Gemfile", path(12)),
            &format!("{}/", path(30)),
        ]);
        let start = base.join(path(30));
        let root = find(&start).unwrap();
        assert_eq!((root.dir, root.reason), (base.clone(), Reason::DotEnv));
        // Every depth around an anchor (levels 8, 16, 24 below `/`, wherever
        // the temporary directory is).
        for n in 0..=30 {
            let config = base.join(path(n)).join("appenv.toml");
            fs::write(&config, "").unwrap();
            let root = find(&start).unwrap();
            assert_eq!(
                (root.dir, root.reason),
                (base.join(path(n)), Reason::Config),
                "{n}"
            );
            fs::remove_file(config).unwrap();
        }
        fs::write(base.join(path(29)).join("Procfile"), "").unwrap();
        fs::write(base.join(path(3)).join("appenv.toml"), "").unwrap();
        let root = find(&start).unwrap();
        assert_eq!(
            (root.dir, root.reason),
            (base.join(path(3)), Reason::Config)
        );
        fs::remove_file(base.join(path(3)).join("appenv.toml")).unwrap();
        let root = find(&start).unwrap();
        assert_eq!(
            (root.dir, root.reason),
            (base.join(path(29)), Reason::Procfile)
        );
    }

    #[test]
    fn finds_the_root_above_a_directory_deeper_than_path_max() {
        use nix::fcntl::{OFlag, open, openat};
        let (_t, base) = tree(&["Procfile"]);
        let name = "x".repeat(200);
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut fd = open(base.as_std_path(), flags, Mode::empty()).unwrap();
        let mut start = base.clone();
        // 30 levels of 201 bytes: 6,000 bytes, past Linux's 4,096.
        for _ in 0..30 {
            nix::sys::stat::mkdirat(&fd, name.as_str(), Mode::S_IRWXU).unwrap();
            fd = openat(&fd, name.as_str(), flags, Mode::empty()).unwrap();
            start.push(&name);
        }
        let root = find(&start).unwrap();
        assert_eq!((root.dir, root.reason), (base, Reason::Procfile));
    }

    #[test]
    fn a_marker_counts_only_without_a_procfile_or_env_above() {
        let (_t, base) = tree(&["sub/Gemfile", "sub/x/package.json", "sub/x/y/"]);
        let root = find(&base.join("sub/x/y")).unwrap();
        assert_eq!(
            (root.dir, root.reason),
            (base.join("sub/x"), Reason::Marker("package.json"))
        );
        // A dangling symlink still marks the root.
        std::os::unix::fs::symlink("nowhere", base.join(".env")).unwrap();
        let root = find(&base.join("sub/x/y")).unwrap();
        assert_eq!((root.dir, root.reason), (base, Reason::DotEnv));
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
