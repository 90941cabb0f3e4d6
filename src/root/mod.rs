//! Finding the app root: the directory an app's config and processes hang from.

pub mod workspace;

use std::fmt;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use camino::{Utf8Path, Utf8PathBuf};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{Mode, fstatat};

use crate::input::{Listing, Opened};
use crate::markers::ROOT as ROOT_MARKERS;
use workspace::{TOOLS, Tool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The logical path (symlinks as the user walked them), never canonicalised.
    pub dir: Utf8PathBuf,
    pub reason: Reason,
    /// The workspace whose top declares this root a member, if any.
    pub workspace: Option<Workspace>,
}

/// A workspace an app root is a member of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace top (a logical path, above the root).
    pub top: Utf8PathBuf,
    /// Who declared the member, in which file at the top.
    pub tool: Tool,
}

impl Workspace {
    /// The declaration, as its users know it: `package.json workspaces`.
    pub fn declared_by(&self) -> String {
        format!("{} {}", self.tool.file(), self.tool.key())
    }
}

/// Why a directory was taken as the root: the name found in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Config,
    Procfile,
    DotEnv,
    /// A `.envrc`, read as its declarative lines (see `crate::envrc`).
    Envrc,
    Marker(&'static str),
}

impl Reason {
    pub fn file_name(self) -> &'static str {
        match self {
            Reason::Config => "appenv.toml",
            Reason::Procfile => "Procfile",
            Reason::DotEnv => ".env",
            Reason::Envrc => ".envrc",
            Reason::Marker(name) => name,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tier = match self {
            Reason::Config => "the nearest appenv.toml",
            Reason::Procfile | Reason::DotEnv | Reason::Envrc => {
                "no appenv.toml above; nearest Procfile, .env or .envrc"
            }
            Reason::Marker(_) => {
                "no appenv.toml, Procfile, .env or .envrc above; nearest project marker"
            }
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
            "no app root found above {} (looked for appenv.toml, Procfile, .env, .envrc, {})",
            crate::text::sanitize(self.start.as_str()),
            ROOT_MARKERS.join(", ")
        )
    }
}

/// Walks up from `start` (absolute, logical) to `/`. The nearest `appenv.toml`
/// wins at any distance, then the nearest `Procfile` or `.env`, then the
/// nearest project marker: an explicit config is the strongest statement of
/// where an app begins, and a marker the weakest. Before them all: when the
/// nearest directory holding any of those names is one that a directory
/// above declares a workspace member (see [`workspace`]), below the top of
/// its repository (the nearest directory holding `.git`), it is the root.
///
/// Nearest first, each directory is asked only what can still matter: all
/// the names until one is found (one listing of the directory, where a look
/// per name would be a dozen); above it, while a package manager could
/// declare it a member (it holds `package.json`, `pyproject.toml` or
/// `Cargo.toml`) and the repository's top is not passed, all the names
/// again; otherwise three names, and past a `Procfile` or `.env` only
/// `appenv.toml` (one look each), whose `[workspace]` may declare it too.
pub fn find(start: &Utf8Path) -> Result<Root, NotFound> {
    find_opened(start).map(|(root, _)| root)
}

/// [`find`], with the root as it was opened and listed when that was how it
/// was found, so that reading its files opens and lists it no second time.
pub fn find_opened(start: &Utf8Path) -> Result<(Root, Option<Opened>), NotFound> {
    let not_found = || NotFound {
        start: start.to_owned(),
    };
    let dirs = Dirs::new(start);
    let mut found = Found::default();
    // The nearest directory holding a root's names: the one a workspace
    // may declare a member.
    let mut nearest: Option<(usize, Names)> = None;
    // Whether a workspace top may still be above: no `.git` passed yet.
    let mut searching = true;
    // The levels below this one have been looked at for `.git`.
    let mut looked = 0;
    for i in 0..dirs.levels.len() {
        let list = match nearest {
            None => true,
            Some((_, names)) => searching && MANIFESTS.iter().any(|m| names.has(m)),
        };
        if list {
            let (names, opened) = match dirs.list(i) {
                Some(opened) => (Names::of(&opened.listing), Some(opened)),
                None => (Names::looked_up(&|name| dirs.has(i, name)), None),
            };
            looked = i + 1;
            if let Some(member) = nearest {
                let has = |name: &str| names.has(name);
                if let Some(workspace) = declares(&dirs, i, opened.as_ref(), &has, member, &TOOLS) {
                    return Ok(found.member(&dirs, member.0, workspace));
                }
            }
            // Read only when the `.envrc` could decide: it is the weakest
            // name of its tier, below `appenv.toml` beside it, and a root
            // below decided already.
            let names = if names.has(ENVRC)
                && found.config.is_none()
                && found.second.is_none()
                && ![CONFIG, "Procfile", ".env"]
                    .into_iter()
                    .any(|name| names.has(name))
                && !declarative_envrc(&dirs, i)
            {
                names.without(ENVRC)
            } else {
                names
            };
            found.note(i, names, opened);
            if nearest.is_none() && self::names().any(|name| names.has(name)) {
                nearest = Some((i, names));
            }
            // No repository declares a member across its own top.
            searching &= !names.has(GIT);
            if found.config.is_some() && !searching {
                break;
            }
            continue;
        }
        let has = |name: &str| dirs.has(i, name);
        if has(CONFIG) {
            searching &= !(looked..i).any(|level| dirs.has(level, GIT));
            looked = i;
            if let (true, Some(member)) = (searching, nearest) {
                if let Some(workspace) = declares(&dirs, i, None, &has, member, &[Tool::Appenv]) {
                    return Ok(found.member(&dirs, member.0, workspace));
                }
            }
            found.config.get_or_insert((i, Reason::Config, None));
            if !searching {
                break;
            }
            continue;
        }
        if found.config.is_some() || found.second.is_some() {
            continue;
        }
        let has = |name: &str| has(name) && (name != ENVRC || declarative_envrc(&dirs, i));
        found.second = tier_two(&has).map(|reason| (i, reason, None));
    }
    found.decide(&dirs).ok_or_else(not_found)
}

/// What the members of npm, pnpm, uv and Cargo workspaces hold.
const MANIFESTS: [&str; 3] = ["package.json", "pyproject.toml", "Cargo.toml"];

const CONFIG: &str = "appenv.toml";
const GIT: &str = ".git";
const ENVRC: &str = ".envrc";

/// Every name whose appearance in a directory can make it a root, best
/// first: the shell hooks look for them at each prompt.
pub fn names() -> impl Iterator<Item = &'static str> {
    [CONFIG, "Procfile", ".env", ENVRC]
        .into_iter()
        .chain(ROOT_MARKERS)
}

/// Whether the `.envrc` at level `i` is one appenv reads, made only of
/// declarative lines (see `crate::envrc`). Only such a file marks a root: a
/// direnv user's `~/code/.envrc` holding `use nix` or `source_up` must not
/// become the root of every app below it. Read only when it decides (no
/// `appenv.toml`, `Procfile` or `.env` beside or below it).
fn declarative_envrc(dirs: &Dirs, i: usize) -> bool {
    use std::os::fd::AsFd;
    let (fd, dir) = dirs.at(i);
    // Capped as the plan reads it: every `.envrc` the plan follows marks a root.
    crate::input::peek_at(
        fd.map(|fd| fd.as_fd()),
        &dir.join(ENVRC),
        crate::input::Kind::Envrc,
    )
    .is_some_and(|bytes| crate::envrc::parse(&bytes).is_ok())
}

type Tier = Option<(usize, Reason, Option<Opened>)>;

/// The nearest directory of each tier found so far: its level, why, and the
/// directory as opened when it was listed.
#[derive(Default)]
struct Found {
    config: Tier,
    second: Tier,
    marker: Tier,
}

impl Found {
    /// Takes in what the directory at level `i` holds: past an
    /// `appenv.toml` nothing matters, and a marker only below a `Procfile`
    /// or `.env`.
    fn note(&mut self, i: usize, names: Names, opened: Option<Opened>) {
        let has = |name: &str| names.has(name);
        if self.config.is_some() {
            return;
        }
        if has(CONFIG) {
            self.config = Some((i, Reason::Config, opened));
            return;
        }
        if self.second.is_none() {
            if let Some(reason) = tier_two(&has) {
                self.second = Some((i, reason, opened));
                return;
            }
            if self.marker.is_none() {
                if let Some(name) = ROOT_MARKERS.iter().find(|name| has(name)) {
                    self.marker = Some((i, Reason::Marker(name), opened));
                }
            }
        }
    }

    /// The root by the three rules.
    fn decide(self, dirs: &Dirs) -> Option<(Root, Option<Opened>)> {
        let (level, reason, opened) = self.config.or(self.second).or(self.marker)?;
        Some((dirs.root(level, reason, None), opened))
    }

    /// The member at `level`, the nearest directory holding a root's names:
    /// the first tier found is there.
    fn member(self, dirs: &Dirs, level: usize, workspace: Workspace) -> (Root, Option<Opened>) {
        let tiers = [self.config, self.second, self.marker];
        let here = tiers.into_iter().flatten().find(|(at, _, _)| *at == level);
        // Always there: the member was found by its names.
        let (reason, opened) = here.map_or((Reason::Config, None), |(_, reason, opened)| {
            (reason, opened)
        });
        (dirs.root(level, reason, Some(workspace)), opened)
    }
}

/// The `Procfile`, `.env` or `.envrc` tier, in that order within a
/// directory.
fn tier_two(has: &dyn Fn(&str) -> bool) -> Option<Reason> {
    if has("Procfile") {
        Some(Reason::Procfile)
    } else if has(".env") {
        Some(Reason::DotEnv)
    } else if has(".envrc") {
        Some(Reason::Envrc)
    } else {
        None
    }
}

/// Which of the names the walk asks about a directory holds.
#[derive(Debug, Clone, Copy, Default)]
struct Names(u32);

impl Names {
    /// Every name that can make a root, `.git`, and the files that
    /// declare a workspace (the others among them are root names).
    fn all() -> impl Iterator<Item = &'static str> {
        names().chain([GIT, Tool::Pnpm.file()])
    }

    fn of(listing: &Listing) -> Names {
        Self::looked_up(&|name| listing.contains(name.as_ref()))
    }

    fn looked_up(has: &dyn Fn(&str) -> bool) -> Names {
        let bits = Self::all()
            .enumerate()
            .filter(|(_, name)| has(name))
            .fold(0, |bits, (k, _)| bits | 1 << k);
        Names(bits)
    }

    fn without(self, name: &str) -> Names {
        let bit = Self::all().position(|n| n == name).map_or(0, |k| 1 << k);
        Names(self.0 & !bit)
    }

    fn has(self, name: &str) -> bool {
        Self::all()
            .position(|n| n == name)
            .is_some_and(|k| self.0 & 1 << k != 0)
    }
}

/// The workspace the directory at level `top` makes of `member` (its level
/// and names), declaring it through one of `tools`, if it does. `has`:
/// whether `top` holds a name.
fn declares(
    dirs: &Dirs,
    top: usize,
    opened: Option<&Opened>,
    has: &dyn Fn(&str) -> bool,
    member: (usize, Names),
    tools: &[Tool],
) -> Option<Workspace> {
    let (level, names) = member;
    let top_dir = dirs.levels[top];
    let path = dirs.levels[level].strip_prefix(top_dir).ok()?;
    for &tool in tools {
        let holds = match tool.member_file() {
            Some(file) => names.has(file),
            None => true,
        };
        if !holds || !has(tool.file()) {
            continue;
        }
        let bytes = match opened {
            Some(opened) => peek_in(Some(opened.dir.as_fd()), Utf8Path::new(tool.file())),
            None => {
                let (fd, dir) = dirs.at(top);
                peek_in(fd.map(AsFd::as_fd), &dir.join(tool.file()))
            }
        };
        let members = bytes.and_then(|bytes| workspace::members(tool, &bytes));
        if members.is_some_and(|members| members.declares(path.as_str())) {
            return Some(Workspace {
                top: top_dir.to_owned(),
                tool,
            });
        }
    }
    None
}

/// A workspace's declaration, looked at as every input is (a regular file,
/// without blocking, capped), or nothing.
fn peek_in(dir: Option<BorrowedFd<'_>>, path: &Utf8Path) -> Option<Vec<u8>> {
    let kind = crate::input::Kind::Other {
        limit: crate::input::MAX_CONFIG,
    };
    crate::input::peek_at(dir, path, kind)
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

    /// The root at level `i`.
    fn root(&self, i: usize, reason: Reason, workspace: Option<Workspace>) -> Root {
        Root {
            dir: self.levels[i].to_owned(),
            reason,
            workspace,
        }
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

    fn member(base: &Utf8Path, start: &str) -> (Utf8PathBuf, Reason, Option<(Utf8PathBuf, Tool)>) {
        let root = find(&base.join(start)).unwrap();
        let workspace = root.workspace.map(|w| (w.top, w.tool));
        (root.dir, root.reason, workspace)
    }

    #[test]
    fn a_declared_member_is_a_root_below_the_tops_env_and_config() {
        let npm = r#"{"workspaces": ["apps/*"]}"#;
        let (_t, base) = tree(&[
            ".env",
            "apps/api/package.json",
            "apps/api/src/",
            "apps/.env",
        ]);
        fs::write(base.join("package.json"), npm).unwrap();
        let top = Some((base.clone(), Tool::Npm));
        assert_eq!(
            member(&base, "apps/api/src"),
            (
                base.join("apps/api"),
                Reason::Marker("package.json"),
                top.clone()
            )
        );
        // An appenv.toml at the top, or in the member, changes nothing.
        fs::write(base.join("appenv.toml"), "").unwrap();
        assert_eq!(member(&base, "apps/api").0, base.join("apps/api"));
        fs::write(base.join("apps/api/appenv.toml"), "").unwrap();
        assert_eq!(
            member(&base, "apps/api/src"),
            (base.join("apps/api"), Reason::Config, top.clone())
        );
        // Only the nearest directory holding a root's names can be the
        // member: from below a `.env` inside it, the rules are as before.
        fs::write(base.join("apps/api/src/.env"), "").unwrap();
        assert_eq!(
            member(&base, "apps/api/src"),
            (base.join("apps/api"), Reason::Config, None)
        );
        fs::remove_file(base.join("apps/api/appenv.toml")).unwrap();
        assert_eq!(
            member(&base, "apps/api/src"),
            (base.clone(), Reason::Config, None)
        );
        // Outside any member the rules are as before: the top's
        // appenv.toml beats `apps/.env`, which joins no member either.
        assert_eq!(member(&base, "apps").0, base);
        fs::create_dir_all(base.join("docs/x")).unwrap();
        assert_eq!(
            member(&base, "docs/x"),
            (base.clone(), Reason::Config, None)
        );
    }

    #[test]
    fn a_matched_directory_without_the_tools_file_is_no_member() {
        let (_t, base) = tree(&[".env", "apps/api/requirements.txt"]);
        fs::write(base.join("package.json"), r#"{"workspaces": ["apps/*"]}"#).unwrap();
        assert_eq!(member(&base, "apps/api").0, base);
        // appenv's own statement takes any name that makes a root.
        fs::write(
            base.join("appenv.toml"),
            "[workspace]\nmembers = [\"apps/*\"]\n",
        )
        .unwrap();
        assert_eq!(
            member(&base, "apps/api"),
            (
                base.join("apps/api"),
                Reason::Marker("requirements.txt"),
                Some((base.clone(), Tool::Appenv))
            )
        );
    }

    #[test]
    fn every_tool_declares_members() {
        for (tool, file, text, member_file) in [
            (
                Tool::Pnpm,
                "pnpm-workspace.yaml",
                "packages:\n  - 'apps/*'\n",
                "package.json",
            ),
            (
                Tool::Uv,
                "pyproject.toml",
                "[tool.uv.workspace]\nmembers = [\"apps/*\"]\n",
                "pyproject.toml",
            ),
            (
                Tool::Cargo,
                "Cargo.toml",
                "[workspace]\nmembers = [\"apps/**\"]\n",
                "Cargo.toml",
            ),
        ] {
            let (_t, base) = tree(&[".env", &format!("apps/api/{member_file}"), "apps/api/src/"]);
            fs::write(base.join(file), text).unwrap();
            assert_eq!(
                member(&base, "apps/api/src"),
                (
                    base.join("apps/api"),
                    Reason::Marker(member_file),
                    Some((base.clone(), tool))
                ),
                "{file}"
            );
        }
    }

    #[test]
    fn no_workspace_reaches_across_a_repository_top() {
        let npm = r#"{"workspaces": ["sub/apps/*", "apps/*"]}"#;
        let (_t, base) = tree(&[".env", "sub/.git/", "sub/apps/api/package.json"]);
        fs::write(base.join("package.json"), npm).unwrap();
        // `sub` is a repository of its own: its directories are not the
        // outer repository's members.
        assert_eq!(
            member(&base, "sub/apps/api"),
            (base.clone(), Reason::DotEnv, None)
        );
        // A repository's top can itself be the workspace top.
        let (_t, base) = tree(&[".git/", ".env", "apps/api/package.json"]);
        fs::write(base.join("package.json"), npm).unwrap();
        assert_eq!(member(&base, "apps/api").0, base.join("apps/api"));
        // And the member its own repository (a submodule): not a member.
        fs::create_dir(base.join("apps/api/.git")).unwrap();
        assert_eq!(member(&base, "apps/api").0, base);
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
