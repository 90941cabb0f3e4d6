//! PATH lookup and `execve`: the one place appenv replaces itself.

use std::ffi::{CString, OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::stat::SFlag;

use crate::exit::ExitCode;
use crate::text::sanitize_bytes;

/// Why the program could not be started; the status follows env(1).
#[derive(Debug)]
pub enum ExecError {
    NotFound(OsString),
    NotExecutable(PathBuf, Errno),
    TooBig(PathBuf),
    BadWorkingDir(PathBuf, Errno),
    /// The credentials of `--same-as`'s process could not be taken on.
    Identity(u32, Errno),
}

impl ExecError {
    pub fn status(&self) -> ExitCode {
        match self {
            ExecError::NotFound(_) => ExitCode::NotFound,
            ExecError::NotExecutable(..) | ExecError::TooBig(_) => ExitCode::CannotExecute,
            ExecError::BadWorkingDir(..) | ExecError::Identity(..) => ExitCode::Failed,
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |p: &OsStr| sanitize_bytes(p.as_bytes());
        match self {
            ExecError::NotFound(name) => write!(f, "{}: command not found", show(name)),
            ExecError::NotExecutable(path, errno) => {
                write!(
                    f,
                    "{}: cannot execute: {}",
                    show(path.as_os_str()),
                    errno.desc()
                )
            }
            ExecError::TooBig(path) => write!(
                f,
                "{}: cannot execute: the argument list and environment are too large for execve (E2BIG)",
                show(path.as_os_str())
            ),
            ExecError::Identity(uid, errno) => {
                write!(f, "cannot run as uid {uid}: {}", errno.desc())
            }
            ExecError::BadWorkingDir(dir, errno) => {
                write!(
                    f,
                    "cannot change to {}: {}",
                    show(dir.as_os_str()),
                    errno.desc()
                )
            }
        }
    }
}

/// A file as the kernel knows it: paths that reach the same file through
/// symlinks, hard links or bind mounts have the same id. Comparing ids costs
/// one stat per path, where comparing canonical paths costs a readlink per
/// path component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The file `path` leads to (symlinks followed), if it exists.
    pub fn of(path: &Path) -> Option<FileId> {
        nix::sys::stat::stat(path)
            .ok()
            .map(|stat| FileId::from(&stat))
    }
}

impl From<&nix::sys::stat::FileStat> for FileId {
    #[allow(clippy::unnecessary_cast)] // the types differ between targets
    fn from(stat: &nix::sys::stat::FileStat) -> Self {
        FileId {
            dev: stat.st_dev as u64,
            ino: stat.st_ino as u64,
        }
    }
}

/// Finds `program` as execvp would, on `path` (the plan's PATH, not ours).
/// A name with a `/` is used as given. `skip` rejects candidates that must
/// not be run (the shim directory, appenv itself).
pub fn lookup(
    program: &OsStr,
    path: Option<&OsStr>,
    skip: &dyn Fn(&Path) -> bool,
) -> Result<PathBuf, ExecError> {
    search(program, path, &|p, _| skip(p), true)
}

fn search(
    program: &OsStr,
    path: Option<&OsStr>,
    skip: &dyn Fn(&Path, FileId) -> bool,
    empty_is_cwd: bool,
) -> Result<PathBuf, ExecError> {
    if program.as_bytes().contains(&b'/') {
        return Ok(PathBuf::from(program));
    }
    if program.is_empty() {
        return Err(ExecError::NotFound(program.to_owned()));
    }
    let mut denied = None;
    // Without PATH, execvp searches the system default path.
    let path = path.unwrap_or(OsStr::new("/usr/bin:/bin"));
    for dir in path.as_bytes().split(|&b| b == b':') {
        // An empty entry means the working directory, as in execvp.
        let dir = match dir {
            [] if !empty_is_cwd => continue,
            [] => Path::new("."),
            dir => Path::new(OsStr::from_bytes(dir)),
        };
        let candidate = dir.join(program);
        // `stat(2)` itself: std's first failing `statx` costs a second
        // call, to learn whether the kernel has `statx` at all.
        let Ok(stat) = nix::sys::stat::stat(&candidate) else {
            continue;
        };
        let kind = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT;
        if kind != SFlag::S_IFREG || skip(&candidate, FileId::from(&stat)) {
            continue;
        }
        if stat.st_mode & 0o111 != 0
            && nix::unistd::access(&candidate, nix::unistd::AccessFlags::X_OK).is_ok()
        {
            return Ok(candidate);
        }
        denied.get_or_insert(candidate);
    }
    match denied {
        Some(path) => Err(ExecError::NotExecutable(path, Errno::EACCES)),
        None => Err(ExecError::NotFound(program.to_owned())),
    }
}

/// What a PATH lookup for a real program must pass over: the shim
/// directories (compared as files, by device and inode, so a shim directory
/// on PATH twice or through a symlink is still seen) and anything that
/// resolves to the appenv binary.
pub struct Skip {
    dirs: Vec<FileId>,
}

impl Skip {
    /// `dirs`: the configured shim directory and any other directory a shim
    /// was started from.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>) -> Self {
        Skip {
            dirs: dirs.into_iter().filter_map(|d| FileId::of(&d)).collect(),
        }
    }

    /// The configured shim directory, as `var` locates it.
    pub fn for_env<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Self {
        Skip::new(crate::xdg::shim_dir(var))
    }

    /// [`lookup`] passing over what this skips, with the candidate's
    /// identity from the look the search made anyway.
    pub fn lookup(&self, program: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, ExecError> {
        search(program, path, &|p, id| self.skips_known(p, id), true)
    }

    /// [`Skip::lookup`] for a shim, which runs in whatever directory an
    /// editor or a cloned repository put it: only directories PATH names
    /// count, so an empty PATH, or an empty entry in it, never runs `./NAME`
    /// from the working directory. A `.` entry names it and is honoured.
    pub fn lookup_named(
        &self,
        program: &OsStr,
        path: Option<&OsStr>,
    ) -> Result<PathBuf, ExecError> {
        search(program, path, &|p, id| self.skips_known(p, id), false)
    }

    fn skips_known(&self, candidate: &Path, id: FileId) -> bool {
        own_id() == Some(id) || self.in_shim_dir(candidate)
    }

    fn in_shim_dir(&self, candidate: &Path) -> bool {
        // No shim directory exists (the usual case): nothing to look up.
        !self.dirs.is_empty()
            && candidate
                .parent()
                .and_then(FileId::of)
                .is_some_and(|d| self.dirs.contains(&d))
    }

    pub fn skips(&self, candidate: &Path) -> bool {
        is_appenv(candidate) || self.in_shim_dir(candidate)
    }
}

/// A PATH entry that is appenv itself (a shim, or the binary reached
/// through any chain of symlinks, or a hard link to it) would exec appenv
/// again instead of the program.
pub fn is_appenv(candidate: &Path) -> bool {
    own_id().is_some_and(|me| FileId::of(candidate) == Some(me))
}

/// The running binary's identity, asked once.
fn own_id() -> Option<FileId> {
    static SELF: std::sync::OnceLock<Option<FileId>> = std::sync::OnceLock::new();
    // On Linux the kernel's link to the running binary is looked at in one
    // `stat`, where `current_exe` reads it first.
    *SELF.get_or_init(|| {
        #[cfg(target_os = "linux")]
        if let Some(id) = FileId::of(Path::new("/proc/self/exe")) {
            return Some(id);
        }
        FileId::of(&std::env::current_exe().ok()?)
    })
}

/// Replaces this process with `program`. Returns only on failure.
pub fn exec<'a>(
    program: &Path,
    argv: &[OsString],
    env: impl Iterator<Item = (&'a OsStr, &'a OsStr)>,
    cwd: Option<&Path>,
) -> ExecError {
    let cstr = |b: &[u8]| CString::new(b).unwrap_or_default();
    let env: Vec<CString> = env
        .map(|(k, v)| {
            let mut kv = Vec::with_capacity(k.len() + v.len() + 1);
            kv.extend_from_slice(k.as_bytes());
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).unwrap_or_default()
        })
        .collect();
    let args: Vec<CString> = argv.iter().map(|a| cstr(a.as_bytes())).collect();
    let path = cstr(program.as_os_str().as_bytes());
    #[cfg(target_os = "linux")]
    if let Some(identity) = RUN_AS.get() {
        if let Err(errno) = identity.assume() {
            return ExecError::Identity(identity.uid, errno);
        }
    }
    if let Some(dir) = cwd {
        if let Err(errno) = nix::unistd::chdir(dir) {
            return ExecError::BadWorkingDir(dir.to_owned(), errno);
        }
    }
    let Err(errno) = nix::unistd::execve(&path, &args, &env);
    match errno {
        // Like execvp: a file the kernel cannot run is a shell script.
        Errno::ENOEXEC => {
            let mut sh_args = vec![cstr(b"sh"), path];
            sh_args.extend(args.into_iter().skip(1));
            let Err(errno) = nix::unistd::execve(c"/bin/sh", &sh_args, &env);
            fail(program, errno)
        }
        errno => fail(program, errno),
    }
}

/// Who the program runs as when `--same-as` names another user's process:
/// its effective uid and gid and its supplementary groups.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

/// Set once, by `--same-as`, and taken on by [`exec`] itself, just before
/// execve: every way to the program goes through it, so none can forget to
/// drop root.
#[cfg(target_os = "linux")]
static RUN_AS: std::sync::OnceLock<Identity> = std::sync::OnceLock::new();

/// Makes the next [`exec`] run as `identity`.
#[cfg(target_os = "linux")]
pub fn run_as(identity: Identity) {
    let _ = RUN_AS.set(identity);
}

#[cfg(target_os = "linux")]
impl Identity {
    /// The identity to take on to run as a process with these ids: `None`
    /// when appenv already is that user. Only root can become another user;
    /// anyone else gets the reason why not.
    pub fn of(uid: u32, gid: u32, groups: &[u32]) -> Result<Option<Identity>, String> {
        use nix::unistd::{getegid, geteuid, getgroups};
        let me = geteuid().as_raw();
        let mut ours: Vec<u32> = getgroups()
            .unwrap_or_default()
            .iter()
            .map(|g| g.as_raw())
            .collect();
        let mut theirs = groups.to_vec();
        ours.sort_unstable();
        theirs.sort_unstable();
        if me == uid && getegid().as_raw() == gid && ours == theirs {
            return Ok(None);
        }
        if me == 0 {
            return Ok(Some(Identity {
                uid,
                gid,
                groups: groups.to_vec(),
            }));
        }
        if me == uid {
            // The same user with other groups (a newgrp, a service's
            // SupplementaryGroups=): only root could set them.
            return Ok(None);
        }
        Err(format!(
            "it runs as uid {uid} and you are uid {me}: only root can run a one-off as another user"
        ))
    }

    /// Groups first, then gid, then uid (after which nothing else can be
    /// changed); all three uids are set, so root cannot be taken back.
    pub fn assume(&self) -> Result<(), Errno> {
        use nix::unistd::{Gid, Uid, getresuid, setgroups, setresgid, setresuid};
        let groups: Vec<Gid> = self.groups.iter().map(|&g| Gid::from_raw(g)).collect();
        let (uid, gid) = (Uid::from_raw(self.uid), Gid::from_raw(self.gid));
        setgroups(&groups)?;
        setresgid(gid, gid, gid)?;
        setresuid(uid, uid, uid)?;
        let now = getresuid()?;
        if [now.real, now.effective, now.saved] != [uid; 3] {
            return Err(Errno::EPERM);
        }
        Ok(())
    }
}

fn fail(program: &Path, errno: Errno) -> ExecError {
    match errno {
        Errno::ENOENT => ExecError::NotFound(program.as_os_str().to_owned()),
        Errno::E2BIG => ExecError::TooBig(program.to_owned()),
        errno => ExecError::NotExecutable(program.to_owned(), errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn file_ids_see_through_symlinks_and_hard_links() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, "").unwrap();
        fs::write(tmp.path().join("other"), "").unwrap();
        std::os::unix::fs::symlink(&file, tmp.path().join("symlink")).unwrap();
        fs::hard_link(&file, tmp.path().join("hard")).unwrap();
        let id = FileId::of(&file).unwrap();
        assert_eq!(FileId::of(&tmp.path().join("symlink")), Some(id));
        assert_eq!(FileId::of(&tmp.path().join("hard")), Some(id));
        assert_eq!(FileId::of(&tmp.path().join("./file")), Some(id));
        assert_ne!(FileId::of(&tmp.path().join("other")), Some(id));
        assert_eq!(FileId::of(&tmp.path().join("missing")), None);
    }

    #[test]
    fn lookup_follows_path_and_skips() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        for dir in [&a, &b] {
            fs::write(dir.join("prog"), "#!/bin/sh\n").unwrap();
            fs::set_permissions(dir.join("prog"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::write(a.join("plain"), "").unwrap();
        let path = OsString::from(format!("{}:{}", a.display(), b.display()));
        let no_skip = |_: &Path| false;
        assert_eq!(
            lookup("prog".as_ref(), Some(&path), &no_skip).unwrap(),
            a.join("prog")
        );
        let skip_a = |p: &Path| p.starts_with(&a);
        assert_eq!(
            lookup("prog".as_ref(), Some(&path), &skip_a).unwrap(),
            b.join("prog")
        );
        assert_eq!(
            lookup("plain".as_ref(), Some(&path), &no_skip)
                .unwrap_err()
                .status()
                .code(),
            126
        );
        assert_eq!(
            lookup("nope".as_ref(), Some(&path), &no_skip)
                .unwrap_err()
                .status()
                .code(),
            127
        );
        assert_eq!(
            lookup("nope".as_ref(), None, &no_skip)
                .unwrap_err()
                .status()
                .code(),
            127
        );
        assert_eq!(
            lookup("./x/y".as_ref(), None, &no_skip).unwrap(),
            PathBuf::from("./x/y")
        );
    }

    #[test]
    fn a_skip_lookup_passes_over_appenv_itself_and_the_shim_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = ["me", "shims", "real"]
            .iter()
            .map(|d| tmp.path().join(d))
            .collect();
        for dir in &dirs {
            fs::create_dir_all(dir).unwrap();
        }
        // The running binary (this test's) under the program's name.
        let me = std::env::current_exe().unwrap();
        std::os::unix::fs::symlink(&me, dirs[0].join("prog")).unwrap();
        for dir in &dirs[1..] {
            fs::write(dir.join("prog"), "#!/bin/sh\n").unwrap();
            fs::set_permissions(dir.join("prog"), fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = std::env::join_paths(&dirs).unwrap();
        let skip = Skip::new([dirs[1].clone()]);
        assert_eq!(
            skip.lookup("prog".as_ref(), Some(&path)).unwrap(),
            dirs[2].join("prog")
        );
        assert_eq!(
            lookup("prog".as_ref(), Some(&path), &|p| skip.skips(p)).unwrap(),
            dirs[2].join("prog"),
            "the same answer as skips()"
        );
        assert!(skip.skips(&dirs[0].join("prog")) && skip.skips(&dirs[1].join("prog")));
    }

    /// Only `lookup_named` is checked against the working directory here,
    /// through a relative PATH entry (tests must not chdir): an empty entry
    /// is skipped, a named one is searched.
    #[test]
    fn lookup_named_never_takes_an_empty_entry_for_the_working_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("bin");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("prog"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(dir.join("prog"), fs::Permissions::from_mode(0o755)).unwrap();
        for path in ["", ":", "::"] {
            let found = Skip::new([]).lookup_named("prog".as_ref(), Some(OsStr::new(path)));
            assert_eq!(found.unwrap_err().status().code(), 127, "{path:?}");
        }
        let named = OsString::from(format!(":{}:", dir.display()));
        assert_eq!(
            Skip::new([])
                .lookup_named("prog".as_ref(), Some(&named))
                .unwrap(),
            dir.join("prog")
        );
    }
}
