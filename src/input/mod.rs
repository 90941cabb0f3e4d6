//! Reading an app's inputs: the root is opened once, and each file in it is
//! read once, relative to that directory.
//!
//! Everything the resolver parses comes through [`Inputs::read`], which keeps
//! the digest of exactly the bytes it returned. Trust then compares those
//! digests with its record, so what was checked and what was used can never
//! differ, however the files are swapped in between; for a file it covers
//! that the plan did not read, it asks [`Inputs::peek`], which records
//! nothing. Opening files with `openat` on the root's descriptor means that
//! a root path repointed mid-run (`current -> releases/…`) cannot mix two
//! apps either.
//!
//! Each file is read as its [`Kind`] says (its size limit, its name in
//! errors), and [`Owners`] says whose files are taken. A file outside a plan
//! is read with [`read_file`], or looked at with [`peek_at`] while the root
//! is being found, with the same checks.
//!
//! The root is listed once, at the first read, and every reader asks that
//! listing: a name it does not hold costs no system call, and the files that
//! can feed a plan whatever its config says ([`ALWAYS`]) are taken from it by
//! trust, the hook's watch list and `explain` alike.

mod error;
mod listing;

pub use error::{InputError, Problem};

use std::cell::OnceCell;
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat, fstatat};
use sha2::{Digest as _, Sha256};

pub use listing::{EntryType, Listing};

/// What can feed a plan from the root whatever its config says: the config
/// itself, the Procfile, `.env`, and through the template every `.env.*`
/// (each environment's file, its `.local`, and any the user keeps there),
/// the `.envrc`, and the version files that pick the interpreter
/// (taken from [`crate::versions::FILES`], so the two lists cannot
/// disagree). An allow covers them all, so one allow
/// covers `--env test` too and a new `.env.staging` or `.python-version`
/// revokes it; the hook watches those that exist.
pub const ALWAYS: [&str; OWN.len() + crate::versions::FILES.len()] = {
    let mut always = [""; OWN.len() + crate::versions::FILES.len()];
    let mut at = 0;
    while at < always.len() {
        always[at] = match at.checked_sub(OWN.len()) {
            None => OWN[at],
            Some(version) => crate::versions::FILES[version],
        };
        at += 1;
    }
    always
};

/// The names of [`ALWAYS`] that are not version files.
const OWN: [&str; 5] = ["appenv.toml", "Procfile", ".env", ".env.{env}", ".envrc"];

/// What stands for an environment's name in a file name.
pub const TEMPLATE: &str = "{env}";

/// A SHA-256 of a file's content.
pub type Digest = [u8; 32];

/// The most appenv reads of `appenv.toml`, the Procfile or `mix.exs`: far more
/// than any real one holds, and a symlink to `/dev/zero` or a huge file cannot
/// take the memory (or the time) of a shell's `cd`.
pub const MAX_CONFIG: u64 = 1 << 20;
/// The most appenv reads of one env file.
pub const MAX_ENV_FILE: u64 = 16 << 20;

/// What kind of input a file is: how much of it appenv reads, and what an
/// error calls it ("is a directory, not an env file").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `appenv.toml`, the root's or a workspace top's.
    Config,
    Procfile,
    EnvFile,
    /// `.env.keys`, the private keys of encrypted values.
    KeyFile,
    /// The `.envrc`, and the files it sources.
    Envrc,
    /// A file of [`crate::versions::FILES`].
    VersionFile,
    /// Any other file, read with the same checks and at most `limit` bytes
    /// (the user's `config.toml`, a `package.json`, a workspace's
    /// declaration): errors call it "a file".
    Other {
        limit: u64,
    },
}

impl Kind {
    /// What a plan reads the root's `name` as, for a file trust covers that
    /// this plan did not read (see [`Inputs::peek`]).
    fn of_name(name: &str) -> Kind {
        match name {
            "appenv.toml" => Kind::Config,
            "Procfile" => Kind::Procfile,
            name if crate::versions::FILES.contains(&name) => Kind::VersionFile,
            _ => Kind::EnvFile,
        }
    }

    /// The most appenv reads of such a file.
    pub fn limit(self) -> u64 {
        match self {
            Kind::Config | Kind::Procfile => MAX_CONFIG,
            Kind::EnvFile | Kind::KeyFile | Kind::Envrc => MAX_ENV_FILE,
            Kind::VersionFile => crate::versions::MAX_FILE,
            Kind::Other { limit } => limit,
        }
    }

    /// What an error says the file should have been.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Config => "a config file",
            Kind::Procfile => "a Procfile",
            Kind::EnvFile => "an env file",
            Kind::KeyFile => "a key file",
            Kind::Envrc => "a .envrc",
            Kind::VersionFile => "a version file",
            Kind::Other { .. } => "a file",
        }
    }
}

/// Whose files and directories are taken as an app's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owners {
    /// The user's and root's only: another user's is refused (git's
    /// "dubious ownership" rule). What [`Inputs::open`] starts with.
    UserOrRoot,
    /// Anyone's: the owner of the machine said to trust the tree
    /// (`APPENV_TRUSTED_DIRS`), or one file is read outside a plan.
    Anyone,
}

impl Owners {
    /// Whose files an app's are: anyone's when `trusted_dir`, the
    /// `APPENV_TRUSTED_DIRS` entry that covers it, is there.
    pub fn trusting(trusted_dir: Option<&Utf8Path>) -> Owners {
        match trusted_dir {
            Some(_) => Owners::Anyone,
            None => Owners::UserOrRoot,
        }
    }
}

/// A file's bytes as appenv read them, and their digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub bytes: Arc<[u8]>,
    pub digest: Digest,
}

/// One file the resolver read: its name relative to the root and the digest
/// of the bytes it parsed (`None`: nothing was there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub name: String,
    pub digest: Option<Digest>,
    bytes: Option<Arc<[u8]>>,
}

/// An app root, opened once, and every file read from it so far.
#[derive(Debug)]
pub struct Inputs {
    dir: OwnedFd,
    canonical: Utf8PathBuf,
    /// Whose files are taken (see [`owned_by_other`]).
    owners: Owners,
    read: Vec<Input>,
    /// The root's names, listed at the first need (see [`Inputs::listing`]).
    listing: OnceCell<Result<Listing, Errno>>,
}

/// What the root's listing says of a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    /// The root does not hold it.
    Absent,
    /// The root holds it, as this.
    As(EntryType),
    /// A path below the root, a root not listed, or a directory not to
    /// list (see [`read_file`]): the file system says.
    Unlisted,
}

/// A directory opened for reading (`O_RDONLY | O_DIRECTORY`) and listed
/// from that descriptor: how finding a root hands the root over.
#[derive(Debug)]
pub struct Opened {
    pub dir: OwnedFd,
    pub listing: Listing,
}

impl Inputs {
    /// Opens the root `dir` (a logical path) and resolves its canonical path
    /// from the descriptor, so the two always name the same directory.
    /// Files another user owns are refused ([`Owners::UserOrRoot`]) until
    /// [`Inputs::take_owners`] says otherwise, which checks the root itself.
    pub fn open(dir: &Utf8Path) -> Result<Self, InputError> {
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let fd =
            nix::fcntl::open(dir.as_std_path(), flags, Mode::empty()).map_err(|e| InputError {
                file: dir.to_string(),
                problem: Problem::Io(e.into()),
            })?;
        Self::from_fd(dir, fd, OnceCell::new())
    }

    /// [`Inputs::open`] for the root `dir` that finding it already opened
    /// and listed.
    pub fn from_opened(dir: &Utf8Path, opened: Opened) -> Result<Self, InputError> {
        Self::from_fd(dir, opened.dir, OnceCell::from(Ok(opened.listing)))
    }

    fn from_fd(
        dir: &Utf8Path,
        fd: OwnedFd,
        listing: OnceCell<Result<Listing, Errno>>,
    ) -> Result<Self, InputError> {
        let fail = |problem| InputError {
            file: dir.to_string(),
            problem,
        };
        let canonical = canonical_of(&fd, dir).map_err(|e| fail(Problem::Io(e)))?;
        let canonical =
            Utf8PathBuf::from_path_buf(canonical).map_err(|p| fail(Problem::NotUtf8(p)))?;
        Ok(Inputs {
            dir: fd,
            canonical,
            owners: Owners::UserOrRoot,
            read: Vec::new(),
            listing,
        })
    }

    /// Takes the files of `owners` from now on (see [`Owners::trusting`]),
    /// and refuses the root itself when it is not theirs.
    pub fn take_owners(&mut self, owners: Owners) -> Result<(), InputError> {
        self.owners = owners;
        let file = self.canonical.as_str();
        let stat = fstat(&self.dir).map_err(|e| InputError {
            file: file.to_owned(),
            problem: Problem::Io(e.into()),
        })?;
        self.refuse_foreign(file, &stat, true)
    }

    /// The identity (device, inode) of the directory `name` (relative to
    /// the root, or absolute) as the root's descriptor reaches it.
    pub fn dir_above(&self, name: &str) -> Option<(u64, u64)> {
        let stat = fstatat(&self.dir, name, AtFlags::empty()).ok()?;
        #[allow(clippy::unnecessary_cast)] // the types differ between targets
        Some((stat.st_dev as u64, stat.st_ino as u64))
    }

    /// Refuses the directory `name` (relative to the root, or absolute)
    /// when it is not of the [`Owners`] taken, as the root itself is (see
    /// [`Inputs::take_owners`]): a workspace top whose files join the app.
    pub fn check_dir_owner(&self, name: &str) -> Result<(), InputError> {
        let Ok(stat) = fstatat(&self.dir, name, AtFlags::empty()) else {
            return Ok(());
        };
        self.refuse_foreign(name, &stat, true)
    }

    /// The root with every symlink resolved, as it was when it was opened.
    pub fn canonical(&self) -> &Utf8Path {
        &self.canonical
    }

    /// Every file read so far, in the order read.
    pub fn files(&self) -> &[Input] {
        &self.read
    }

    /// The content of `name` (relative to the root), read once whatever the
    /// number of calls: `Ok(None)` when nothing is there. Anything there
    /// that is not a regular file of at most `kind`'s limit, owned by the
    /// user or root (see [`Owners`]), is an error, since the user asked for
    /// it by creating it; the error says what it should have been (`kind`).
    pub fn read(&mut self, name: &str, kind: Kind) -> Result<Option<Arc<[u8]>>, InputError> {
        if let Some(input) = self.recorded(name) {
            return Ok(input.bytes.clone());
        }
        let bytes = self
            .load(name, kind, self.listed(name))?
            .map(Arc::<[u8]>::from);
        self.read.push(Input {
            name: name.to_owned(),
            digest: bytes.as_deref().map(sha256),
            bytes: bytes.clone(),
        });
        Ok(bytes)
    }

    /// The content appenv could load from `name` and its digest, recording
    /// nothing: for a file that trust covers but this plan does not parse.
    /// `None` when that is nothing (absent, not a regular file, too large,
    /// unreadable, another user's): the resolver refuses such a file, and
    /// once it becomes loadable its digest is there, which is a change. A
    /// file already read is not read again: its bytes and digest are the
    /// ones parsed (not hashed again).
    pub fn peek(&self, name: &str) -> Option<Content> {
        if let Some(input) = self.recorded(name) {
            let (bytes, digest) = (input.bytes.clone()?, input.digest?);
            return Some(Content { bytes, digest });
        }
        let loaded = self.load(name, Kind::of_name(name), self.listed(name));
        let bytes = Arc::<[u8]>::from(loaded.ok().flatten()?);
        let digest = sha256(&bytes);
        Some(Content { bytes, digest })
    }

    /// What [`Inputs::read`] read of `name`, if it did.
    fn recorded(&self, name: &str) -> Option<&Input> {
        self.read.iter().find(|i| i.name == name)
    }

    /// The root's names, listed once, at the first call: every later
    /// question about a name in the root is answered from it.
    pub fn listing(&self) -> Result<&Listing, InputError> {
        self.listing
            .get_or_init(|| Listing::read(self.dir.as_fd()))
            .as_ref()
            .map_err(|&e| InputError {
                file: self.canonical.to_string(),
                problem: Problem::Io(e.into()),
            })
    }

    /// What the listing says of `name` when it is one name in the root.
    fn listed(&self, name: &str) -> Listed {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Listed::Unlisted;
        }
        match self.listing().map(|listing| listing.get(OsStr::new(name))) {
            Ok(Some(entry)) => Listed::As(entry),
            Ok(None) => Listed::Absent,
            Err(_) => Listed::Unlisted,
        }
    }

    /// The files in the root that [`ALWAYS`] names, as they are there now
    /// (with those of its literal names that are absent: their appearing is
    /// a change), sorted; names that are not UTF-8 match no template that a
    /// resolver could fill in and are left out.
    pub fn always(&self) -> Result<Vec<String>, InputError> {
        let listing = self.listing()?;
        let mut names: Vec<String> = ALWAYS
            .iter()
            .filter(|entry| !entry.contains(TEMPLATE))
            .map(|&entry| entry.to_owned())
            .collect();
        let templates: Vec<Pattern> = ALWAYS
            .into_iter()
            .filter(|e| e.contains(TEMPLATE))
            .map(|e| Pattern::new(e.as_bytes()))
            .collect();
        for name in listing.names() {
            let bytes = name.as_bytes();
            if !templates.iter().any(|t| t.matches(bytes)) || is_editor_file(bytes) {
                continue;
            }
            if let Some(name) = name.to_str() {
                names.push(name.to_owned());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The names in the directory `dir` of the root (`""` for the root
    /// itself); none when it does not exist.
    pub fn list(&self, dir: &str) -> Result<Vec<OsString>, InputError> {
        if dir.is_empty() {
            return Ok(self.listing()?.names().map(OsStr::to_owned).collect());
        }
        let path = dir;
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let fail = |e: Errno| InputError {
            file: dir.to_owned(),
            problem: Problem::Io(e.into()),
        };
        let listing = match nix::dir::Dir::openat(&self.dir, path, flags, Mode::empty()) {
            Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(Vec::new()),
            listing => listing.map_err(fail)?,
        };
        let mut names = Vec::new();
        let mut listing = listing;
        for entry in listing.iter() {
            let name = entry.map_err(fail)?.file_name().to_bytes().to_vec();
            if name != b"." && name != b".." {
                names.push(OsString::from_vec(name));
            }
        }
        Ok(names)
    }

    /// What `name` (relative to the root; `""` for the root) is, looked at
    /// through the open root, following a final symlink or not.
    pub fn file_type(&self, name: &str, follow: bool) -> Option<SFlag> {
        let (first, below) = match name.split_once('/') {
            Some((first, _)) => (first, true),
            None => (name, false),
        };
        // The listing's type answers without a `stat` for a name in the
        // root, and for a path below a name that cannot hold one; a
        // symlink, a directory to look into, or a type the file system did
        // not give is looked at.
        match (self.listed(first), below) {
            (Listed::Absent, _) => return None,
            (Listed::As(EntryType::File | EntryType::Other), true) => return None,
            (Listed::As(EntryType::File), false) => return Some(SFlag::S_IFREG),
            (Listed::As(EntryType::Dir), false) => return Some(SFlag::S_IFDIR),
            (Listed::As(EntryType::Symlink), false) if !follow => return Some(SFlag::S_IFLNK),
            _ => {}
        }
        self.stat(name, follow)
    }

    fn stat(&self, name: &str, follow: bool) -> Option<SFlag> {
        let name = if name.is_empty() { "." } else { name };
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::AT_SYMLINK_NOFOLLOW
        };
        fstatat(&self.dir, name, flags)
            .ok()
            .map(|stat| type_of(&stat))
    }

    /// Opens and reads `name` with the checks of [`Inputs::read`], where
    /// `listed` is what the root's listing says of it.
    fn load(&self, name: &str, kind: Kind, listed: Listed) -> Result<Option<Vec<u8>>, InputError> {
        let fail = |problem| InputError {
            file: name.to_owned(),
            problem,
        };
        let c_name = CString::new(name).map_err(|_| fail(Problem::NotRegular))?;
        // Looking first spares opening a device (a symlink to one); the link
        // itself must be the user's too. The root's listing already says
        // what is absent and what is a regular file; what it opens is
        // checked below all the same.
        let mut link = false;
        match listed {
            Listed::Absent => return Ok(None),
            Listed::As(EntryType::File) => {}
            Listed::As(_) | Listed::Unlisted => {
                let stat = match fstatat(&self.dir, c_name.as_c_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                {
                    Ok(stat) => stat,
                    Err(Errno::ENOENT | Errno::ENOTDIR) => return Ok(None),
                    Err(e) => return Err(fail(Problem::Io(e.into()))),
                };
                self.refuse_foreign(name, &stat, false)?;
                match type_of(&stat) {
                    SFlag::S_IFREG => {}
                    SFlag::S_IFLNK => link = true,
                    SFlag::S_IFDIR => return Err(fail(Problem::Directory(kind))),
                    _ => return Err(fail(Problem::NotRegular)),
                }
            }
        }
        // O_NONBLOCK: a FIFO swapped in after the look cannot hang the prompt;
        // fstat then decides on what was opened.
        let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
        let fd = match openat(self.dir.as_fd(), c_name.as_c_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::ENOENT) if link => return Err(fail(Problem::Dangling)),
            Err(Errno::ELOOP) => return Err(fail(Problem::Loop)),
            Err(Errno::ENOENT) => return Ok(None),
            Err(e) => return Err(fail(Problem::Io(e.into()))),
        };
        let stat = fstat(&fd).map_err(|e| fail(Problem::Io(e.into())))?;
        self.refuse_foreign(name, &stat, false)?;
        read_regular(fd, &stat, kind).map(Some).map_err(fail)
    }

    /// Refuses the file or directory `name` when `stat` says it is not of
    /// the [`Owners`] taken.
    fn refuse_foreign(&self, name: &str, stat: &FileStat, dir: bool) -> Result<(), InputError> {
        match owned_by_other(stat) {
            Some(uid) if self.owners == Owners::UserOrRoot => Err(InputError {
                file: name.to_owned(),
                problem: Problem::Foreign { uid, dir },
            }),
            _ => Ok(()),
        }
    }
}

/// The content of `fd`, opened on what `stat` says, when that is a regular
/// file of at most `kind`'s limit.
fn read_regular(fd: OwnedFd, stat: &FileStat, kind: Kind) -> Result<Vec<u8>, Problem> {
    match type_of(stat) {
        SFlag::S_IFREG => {}
        SFlag::S_IFDIR => return Err(Problem::Directory(kind)),
        _ => return Err(Problem::NotRegular),
    }
    let limit = kind.limit();
    let size = u64::try_from(stat.st_size).unwrap_or(0);
    if size > limit {
        return Err(Problem::TooLarge(limit));
    }
    let bytes = read_all(File::from(fd), size, limit).map_err(Problem::Io)?;
    if bytes.len() as u64 > limit {
        return Err(Problem::TooLarge(limit));
    }
    Ok(bytes)
}

/// Reads `file`, a regular file of `size` bytes when it was looked at, to its
/// end but never past `limit + 1` bytes (it may grow while being read). One
/// `read` asking for a byte more than `size` is enough when it returns
/// exactly `size`: a regular file returns less than asked only at its end.
/// Otherwise (it grew or shrank meanwhile) it reads on until the end, as
/// `read_to_end` would.
pub(crate) fn read_all(mut file: File, size: u64, limit: u64) -> io::Result<Vec<u8>> {
    let first = size.min(limit) as usize + 1;
    let mut bytes = vec![0; first];
    let n = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            got => break got?,
        }
    };
    bytes.truncate(n);
    if n as u64 != size {
        file.take(limit + 1 - n as u64).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// Whether `name` is a file an editor keeps beside the one being edited:
/// Vim's swap files (`.env.swp`, `.env.production.swo`, the `.swx` it tries
/// first) and backups ending in `~`. They fit `.env.{env}`, but no app names
/// an environment after them; counting them would revoke trust, and add an
/// environment, whenever `.env` is open in Vim. A file the resolver reads
/// is covered by its digest whatever its name, so leaving these out of the
/// listing can never let an unread file load.
pub fn is_editor_file(name: &[u8]) -> bool {
    if name.ends_with(b"~") {
        return true;
    }
    match name {
        [.., b'.', b's', b'w', last] => matches!(last, b'a'..=b'p' | b'x'),
        _ => false,
    }
}

/// Whether `name` fits `pattern`, each `{env}` standing for any run of bytes.
/// Byte for byte: folding case would need the file system's own rule (Unicode
/// case folding depends on position, `Σ`), and a file the resolver opened is
/// covered by its own digest anyway.
pub fn matches(pattern: &[u8], name: &[u8]) -> bool {
    Pattern::new(pattern).matches(name)
}

/// A pattern of [`matches`], taken apart once to be asked of every name in a
/// root: it allocates nothing, and checks the literal head first, so a name
/// that does not start with `.env.` costs a compare of a few bytes.
#[derive(Debug, Clone, Copy)]
pub struct Pattern<'a> {
    /// What comes before the first `{env}`, or the whole pattern.
    head: &'a [u8],
    /// What comes after the first `{env}`; none without one.
    rest: Option<&'a [u8]>,
}

impl<'a> Pattern<'a> {
    pub fn new(pattern: &'a [u8]) -> Self {
        let template = TEMPLATE.as_bytes();
        match find(pattern, template) {
            Some(at) => Pattern {
                head: &pattern[..at],
                rest: Some(&pattern[at + template.len()..]),
            },
            None => Pattern {
                head: pattern,
                rest: None,
            },
        }
    }

    pub fn matches(&self, name: &[u8]) -> bool {
        let Some(mut pattern) = self.rest else {
            return self.head == name;
        };
        // Most names differ from `.env.` at the first byte.
        if self.head.first().is_some_and(|b| name.first() != Some(b)) {
            return false;
        }
        let Some(mut rest) = name.strip_prefix(self.head) else {
            return false;
        };
        let template = TEMPLATE.as_bytes();
        // Each literal between two `{env}` at its first place left: the
        // leftmost leaves the most for what follows.
        while let Some(at) = find(pattern, template) {
            let part = &pattern[..at];
            match find(rest, part) {
                Some(found) => rest = &rest[found + part.len()..],
                None => return false,
            }
            pattern = &pattern[at + template.len()..];
        }
        rest.ends_with(pattern)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn sha256(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// Bytes as lowercase hex, as digests are written in records and names.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// The owner of `stat` when it is neither the effective user nor root: such
/// a file or directory is not taken as part of an app of the user's.
pub fn owned_by_other(stat: &FileStat) -> Option<u32> {
    let uid = stat.st_uid;
    (uid != 0 && uid != effective_uid()).then_some(uid)
}

/// The effective uid, asked of the kernel once.
pub fn effective_uid() -> u32 {
    static UID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UID.get_or_init(|| nix::unistd::geteuid().as_raw())
}

fn type_of(stat: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT
}

/// The path of the open directory `fd`: from `/proc` in one call, else by
/// resolving `dir` and checking that it is still the directory opened.
fn canonical_of(fd: &OwnedFd, dir: &Utf8Path) -> io::Result<PathBuf> {
    let proc = format!("/proc/self/fd/{}", fd.as_raw_fd());
    if let Ok(path) = std::fs::read_link(&proc) {
        if path.is_absolute() && !path.as_os_str().as_bytes().ends_with(b" (deleted)") {
            return Ok(path);
        }
    }
    let path = dir.as_std_path().canonicalize()?;
    let (opened, named) = (fstat(fd)?, nix::sys::stat::stat(&path)?);
    if (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino) {
        return Err(io::Error::other(
            "the directory was moved while being opened",
        ));
    }
    Ok(path)
}

/// Looks at `path`, relative to `dir` (or as given without one), as
/// [`Inputs::peek`] looks at an input (a regular file, opened without
/// blocking, at most `kind`'s limit, whoever owns it), for a file that
/// decides something else than a plan's values while the root is being
/// found (a workspace's members): nothing when it cannot be read so.
pub fn peek_at(dir: Option<BorrowedFd<'_>>, path: &Utf8Path, kind: Kind) -> Option<Vec<u8>> {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | OFlag::O_NOCTTY;
    let fd = match dir {
        Some(dir) => openat(dir, path.as_std_path(), flags, Mode::empty()),
        None => nix::fcntl::open(path.as_std_path(), flags, Mode::empty()),
    }
    .ok()?;
    let stat = fstat(&fd).ok()?;
    read_regular(fd, &stat, kind).ok()
}

/// Reads `path` as [`Inputs::read`] reads an input (a regular file, opened
/// without blocking, at most `kind`'s limit), whoever owns it, for a file
/// read outside a plan: no digest is kept.
pub fn read_file(path: &Utf8Path, kind: Kind) -> Result<Option<Vec<u8>>, InputError> {
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => (dir, name),
        _ => {
            return Err(InputError {
                file: path.to_string(),
                problem: Problem::NotRegular,
            });
        }
    };
    let mut inputs = Inputs::open(if dir.as_str().is_empty() {
        Utf8Path::new(".")
    } else {
        dir
    })?;
    inputs.owners = Owners::Anyone;
    // Listing the directory of one file would cost more than the one look
    // it saves.
    inputs.load(name, kind, Listed::Unlisted)
}

#[cfg(test)]
mod tests;
