//! Shims: symlinks named like a program (`python`, `irb`, `rails`) that point
//! at appenv. Invoked under such a name, appenv loads the app around the
//! working directory and execs the real program in place.
//!
//! A shim stands in for one program, so the isolation *prefix* (`bundle
//! exec`, `poetry run`) is not applied: those launchers find the program on
//! PATH themselves, which would lead straight back to the shim. PATH
//! isolation (a virtualenv's `bin`, `node_modules/.bin`) applies as usual.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;

use crate::cli::Global;
use crate::cmd::{Context, Trust, is_appenv};
use crate::error::{ERROR, Error, FAILED};
use crate::exec;
use crate::exec::FileId;
use crate::plan::Env;
use crate::root;
use crate::text::sanitize_bytes;

/// The re-entry guard: how many shims the process chain has gone through.
pub const DEPTH_VAR: &str = "APPENV_SHIM_DEPTH";
/// Legitimate nesting (a REPL that starts `python` that starts `python`)
/// stays far below this; a loop reaches it in milliseconds.
pub const MAX_DEPTH: u32 = 8;

/// Whether appenv was started under a shim's name: any name but `appenv`.
pub fn invoked_as(argv0: &OsStr) -> Option<&OsStr> {
    let name = basename(argv0);
    (!name.is_empty() && name != "appenv").then_some(name)
}

fn basename(path: &OsStr) -> &OsStr {
    let bytes = path.as_bytes();
    let start = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    OsStr::from_bytes(&bytes[start..])
}

/// `$XDG_DATA_HOME/appenv/shims`, else `~/.local/share/appenv/shims`. As the
/// XDG spec says, a relative or empty `XDG_DATA_HOME` is ignored.
pub fn dir<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Result<PathBuf, Error> {
    crate::xdg::data_home(var)
        .map(|home| home.dir("shims"))
        .ok_or_else(|| {
            Error::new(
                ERROR,
                "cannot locate the shim directory: set HOME or XDG_DATA_HOME to an absolute path",
            )
        })
}

/// `var` over an environment map, for [`dir`].
pub fn env_var<'a>(env: &'a Env) -> impl Fn(&str) -> Option<&'a OsStr> + 'a {
    move |name: &str| env.get(OsStr::new(name)).map(OsString::as_os_str)
}

/// A shim's name is a plain, printable file name, and never `appenv` (that
/// shim would be appenv itself).
pub fn check_name(name: &str) -> Result<(), Error> {
    let problem = if name.is_empty() {
        "is empty"
    } else if name.contains('/') {
        "contains '/'"
    } else if name == "." || name == ".." {
        "is not a file name"
    } else if name == "appenv" {
        "is appenv itself"
    } else if sanitize_bytes(name.as_bytes()) != name {
        // A name is printed by `shim list` and shown in a terminal.
        "holds a character that is not printable"
    } else {
        return Ok(());
    };
    Err(Error::new(
        ERROR,
        format!(
            "shim name '{}' {problem}: give the plain name of a program, like python or irb",
            sanitize_bytes(name.as_bytes())
        ),
    ))
}

/// What is at a shim's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Missing,
    /// A symlink that leads to this appenv binary.
    Shim,
    /// A symlink to a binary named `appenv` that is not this one (moved,
    /// deleted, or another build): still a shim, to be re-pointed.
    OtherAppenv(PathBuf),
    /// Anything else: never touched.
    Foreign(String),
}

pub fn entry(path: &Path, exe: &Path) -> Entry {
    let meta = match path.symlink_metadata() {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Entry::Missing,
        Err(e) => return Entry::Foreign(format!("cannot be read: {e}")),
    };
    if !meta.is_symlink() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "a regular file"
        };
        return Entry::Foreign(what.into());
    }
    let target = std::fs::read_link(path).unwrap_or_default();
    if path.canonicalize().is_ok_and(|c| c == exe) {
        Entry::Shim
    } else if target.file_name() == Some(OsStr::new("appenv")) {
        Entry::OtherAppenv(target)
    } else {
        Entry::Foreign(format!("a symlink to {}", show(&target)))
    }
}

/// What `install` and `remove` did to one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Installed,
    AlreadyInstalled,
    /// Re-pointed from another appenv binary to this one.
    Updated,
    Removed,
    NotInstalled,
}

/// Makes `dir/NAME` a symlink to `exe` for each name. Nothing is written
/// when a name is invalid or its path holds something that is not a shim.
pub fn install(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Change>, Error> {
    let entries = check_all(dir, names, exe)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::new(
            ERROR,
            format!("cannot create the shim directory {}: {e}", show(dir)),
        )
    })?;
    let mut changes = Vec::with_capacity(names.len());
    for (name, entry) in names.iter().zip(entries) {
        let path = dir.join(name);
        let change = match entry {
            Entry::Shim => Change::AlreadyInstalled,
            Entry::Missing => {
                std::os::unix::fs::symlink(exe, &path).map_err(|e| cannot(&path, "create", e))?;
                Change::Installed
            }
            Entry::OtherAppenv(_) => {
                // A new link renamed over the old one: the shim never
                // disappears, even for a moment.
                let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
                let _ = std::fs::remove_file(&tmp);
                std::os::unix::fs::symlink(exe, &tmp)
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| {
                        let _ = std::fs::remove_file(&tmp);
                        cannot(&path, "update", e)
                    })?;
                Change::Updated
            }
            Entry::Foreign(_) => unreachable!("check_all refuses foreign entries"),
        };
        changes.push(change);
    }
    Ok(changes)
}

/// Removes the shims named; a name with no shim is not an error.
pub fn remove(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Change>, Error> {
    let entries = check_all(dir, names, exe)?;
    let mut changes = Vec::with_capacity(names.len());
    for (name, entry) in names.iter().zip(entries) {
        let path = dir.join(name);
        changes.push(match entry {
            Entry::Missing => Change::NotInstalled,
            _ => match std::fs::remove_file(&path) {
                Ok(()) => Change::Removed,
                Err(e) if e.kind() == io::ErrorKind::NotFound => Change::NotInstalled,
                Err(e) => return Err(cannot(&path, "remove", e)),
            },
        });
    }
    Ok(changes)
}

fn check_all(dir: &Path, names: &[String], exe: &Path) -> Result<Vec<Entry>, Error> {
    names.iter().try_for_each(|name| check_name(name))?;
    names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            match entry(&path, exe) {
                Entry::Foreign(what) => Err(Error::new(
                    ERROR,
                    format!(
                        "{} is not an appenv shim ({what}); it is left alone: remove it yourself or pick another name",
                        show(&path)
                    ),
                )),
                entry => Ok(entry),
            }
        })
        .collect()
}

/// Every entry of the shim directory, by name, with where it points.
pub fn list(dir: &Path, exe: &Path) -> Result<Vec<(OsString, Entry, Option<PathBuf>)>, Error> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot(dir, "read", e)),
    };
    let mut shims = Vec::new();
    for item in read {
        let item = item.map_err(|e| cannot(dir, "read", e))?;
        let path = item.path();
        shims.push((
            item.file_name(),
            entry(&path, exe),
            std::fs::read_link(&path).ok(),
        ));
    }
    shims.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(shims)
}

/// The binary shims point at: this one, by its canonical path.
pub fn current_exe() -> Result<PathBuf, Error> {
    std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| Error::new(ERROR, format!("cannot locate the appenv binary: {e}")))
}

/// Whether `dir` is on `path`, compared by canonical path so a symlinked
/// directory or a trailing slash still counts.
pub fn on_path(dir: &Path, path: Option<&OsStr>) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    split_path(path).any(|entry| entry.canonicalize().is_ok_and(|e| e == dir))
}

fn split_path(path: Option<&OsStr>) -> impl Iterator<Item = &Path> {
    path.unwrap_or_default()
        .as_bytes()
        .split(|&b| b == b':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(OsStr::from_bytes(d)))
}

/// The first executable named `name` on `path`, whatever it is.
pub fn first_on_path(name: &OsStr, path: Option<&OsStr>) -> Option<PathBuf> {
    exec::lookup(name, path, &|_| false).ok()
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

    /// The configured shim directory, as `env` locates it.
    pub fn for_env<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Self {
        Skip::new(dir(var).ok())
    }

    pub fn skips(&self, candidate: &Path) -> bool {
        let in_shim_dir = || {
            candidate
                .parent()
                .and_then(FileId::of)
                .is_some_and(|d| self.dirs.contains(&d))
        };
        is_appenv(candidate) || in_shim_dir()
    }
}

/// Runs appenv as the shim `argv[0]`: loads the app when there is a trusted
/// one, then execs the real program. Returns only on failure.
pub fn run(argv: Vec<OsString>, inherited: Env) -> Error {
    let argv0 = argv[0].clone();
    let name = basename(&argv0).to_owned();
    let depth = inherited
        .get(OsStr::new(DEPTH_VAR))
        .and_then(|v| v.to_str()?.parse::<u32>().ok())
        .unwrap_or(0);
    let started_from = argv0
        .as_bytes()
        .contains(&b'/')
        .then(|| Path::new(&argv0).parent().map(Path::to_owned))
        .flatten();
    let skip = Skip::new(
        dir(env_var(&inherited))
            .ok()
            .into_iter()
            .chain(started_from),
    );
    let lookup = |path: Option<&OsStr>| exec::lookup(&name, path, &|p| skip.skips(p));

    if depth >= MAX_DEPTH {
        let found = match lookup(inherited.get(OsStr::new("PATH")).map(OsString::as_os_str)) {
            Ok(program) => format!("the {} found on PATH, {},", show_os(&name), show(&program)),
            Err(_) => format!("a {} on PATH", show_os(&name)),
        };
        return Error::new(
            FAILED,
            format!(
                "shim loop: {} has gone through the appenv shim {depth} times ({DEPTH_VAR}={depth}); {found} leads back to the shim: take it off PATH or make it call the real {} by its full path",
                show_os(&name),
                show_os(&name),
            ),
        );
    }

    let mut env = match load(&argv, &inherited) {
        Ok(Some(env)) => env,
        Ok(None) => inherited,
        Err(e) => {
            if !crate::cmd::quiet_env(&inherited) {
                eprintln!(
                    "appenv: {}: app environment not loaded: {e}",
                    show_os(&name)
                );
            }
            inherited
        }
    };
    env.insert(DEPTH_VAR.into(), (depth + 1).to_string().into());
    let program = match lookup(env.get(OsStr::new("PATH")).map(OsString::as_os_str)) {
        Ok(program) => program,
        Err(e @ exec::ExecError::NotFound(_)) => {
            let name = show_os(&name);
            return Error::new(
                e.status(),
                format!("{name}: command not found (no {name} on PATH besides the appenv shims)"),
            );
        }
        Err(e) => return e.into(),
    };
    // The real program gets its own path as argv[0], as pyenv and rbenv
    // shims do: an interpreter that finds its home from argv[0] (Python and
    // a virtualenv's pyvenv.cfg) must not find the shim's.
    let mut argv = argv;
    argv[0] = program.clone().into_os_string();
    let pairs = env.iter().map(|(k, v)| (k.as_os_str(), v.as_os_str()));
    exec::exec(&program, &argv, pairs, None).into()
}

/// The app's environment, or `None` when there is no app or it is not
/// trusted.
fn load(argv: &[OsString], inherited: &Env) -> Result<Option<Env>, Error> {
    let ctx = Context::new(Global::default(), inherited.clone());
    let cwd = ctx.start_dir()?;
    let ctx = if root::find(&cwd).is_ok() {
        ctx
    } else {
        let Some(dir) = first_file_dir(&cwd, &argv[1..]) else {
            return Ok(None);
        };
        let global = Global {
            dir: Some(dir.into()),
            ..Global::default()
        };
        Context::new(global, ctx.inherited)
    };
    let plan = ctx.resolve()?;
    if let Trust::Untrusted(_) = ctx.trust(&plan) {
        return Ok(None);
    }
    Ok(Some(
        plan.vars.into_iter().map(|(k, v)| (k, v.value)).collect(),
    ))
}

/// The directory of the first argument that names an existing file, when it
/// lies in an app: how `python /srv/app/manage.py shell`, started by an
/// editor from `/`, still finds its app.
fn first_file_dir(cwd: &Utf8PathBuf, args: &[OsString]) -> Option<Utf8PathBuf> {
    let file = args
        .iter()
        .filter_map(|a| Utf8PathBuf::from_path_buf(PathBuf::from(a)).ok())
        .map(|a| cwd.join(a))
        .find(|a| a.is_file())?;
    let dir = file.parent()?.to_owned();
    root::find(&dir).is_ok().then_some(dir)
}

fn cannot(path: &Path, what: &str, e: io::Error) -> Error {
    Error::new(ERROR, format!("cannot {what} {}: {e}", show(path)))
}

fn show(path: &Path) -> String {
    sanitize_bytes(path.as_os_str().as_bytes())
}

fn show_os(s: &OsStr) -> String {
    sanitize_bytes(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn invoked_as_any_name_but_appenv() {
        assert_eq!(invoked_as("appenv".as_ref()), None);
        assert_eq!(invoked_as("/usr/local/bin/appenv".as_ref()), None);
        assert_eq!(invoked_as("".as_ref()), None);
        assert_eq!(
            invoked_as("/shims/python".as_ref()),
            Some(OsStr::new("python"))
        );
        assert_eq!(invoked_as("irb".as_ref()), Some(OsStr::new("irb")));
    }

    #[test]
    fn dir_follows_xdg() {
        let var = |pairs: &[(&str, &str)]| {
            let e = env(pairs);
            dir(env_var(&e)).map_err(|e| e.message)
        };
        assert_eq!(
            var(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/me")]).unwrap(),
            Path::new("/data/appenv/shims")
        );
        for data in ["", "relative"] {
            assert_eq!(
                var(&[("XDG_DATA_HOME", data), ("HOME", "/home/me")]).unwrap(),
                Path::new("/home/me/.local/share/appenv/shims")
            );
        }
        assert!(var(&[("HOME", "relative")]).is_err());
    }

    #[test]
    fn names_are_plain_file_names() {
        assert!(check_name("python3.12").is_ok());
        assert!(check_name("rails").is_ok());
        for bad in ["", "a/b", "/python", ".", "..", "appenv"] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn install_is_idempotent_and_leaves_foreign_files_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("bin/appenv");
        fs::create_dir_all(exe.parent().unwrap()).unwrap();
        fs::write(&exe, "").unwrap();
        let exe = exe.canonicalize().unwrap();
        let dir = tmp.path().join("shims");
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();

        let changes = install(&dir, &names(&["python", "irb"]), &exe).unwrap();
        assert_eq!(changes, [Change::Installed, Change::Installed]);
        assert_eq!(fs::read_link(dir.join("python")).unwrap(), exe);
        let changes = install(&dir, &names(&["python"]), &exe).unwrap();
        assert_eq!(changes, [Change::AlreadyInstalled]);

        // A shim of an appenv that has moved is re-pointed.
        fs::remove_file(dir.join("irb")).unwrap();
        std::os::unix::fs::symlink("/old/place/appenv", dir.join("irb")).unwrap();
        assert_eq!(
            entry(&dir.join("irb"), &exe),
            Entry::OtherAppenv("/old/place/appenv".into())
        );
        assert_eq!(
            install(&dir, &names(&["irb"]), &exe).unwrap(),
            [Change::Updated]
        );
        assert_eq!(fs::read_link(dir.join("irb")).unwrap(), exe);

        // Foreign entries: nothing is written, not even the valid names.
        fs::write(dir.join("node"), "#!/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("/usr/bin/ruby", dir.join("ruby")).unwrap();
        let e = install(&dir, &names(&["rails", "node"]), &exe).unwrap_err();
        assert!(
            e.message
                .contains("node is not an appenv shim (a regular file)")
        );
        assert!(!dir.join("rails").exists());
        let e = install(&dir, &names(&["ruby"]), &exe).unwrap_err();
        assert!(e.message.contains("a symlink to /usr/bin/ruby"), "{e}");
        assert!(install(&dir, &names(&["a/b"]), &exe).is_err());

        let e = remove(&dir, &names(&["python", "node"]), &exe).unwrap_err();
        assert_eq!(e.status, ERROR);
        assert!(dir.join("python").symlink_metadata().is_ok());
        let changes = remove(&dir, &names(&["python", "irb", "python"]), &exe).unwrap();
        assert_eq!(
            changes,
            [Change::Removed, Change::Removed, Change::NotInstalled]
        );
        assert_eq!(fs::read(dir.join("node")).unwrap(), b"#!/bin/sh\n");
    }

    #[test]
    fn skip_sees_the_shim_dir_through_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let shims = tmp.path().join("shims");
        fs::create_dir_all(&shims).unwrap();
        fs::write(shims.join("python"), "").unwrap();
        std::os::unix::fs::symlink(&shims, tmp.path().join("link")).unwrap();
        let skip = Skip::new([shims.clone()]);
        assert!(skip.skips(&shims.join("python")));
        assert!(skip.skips(&tmp.path().join("link/python")));
        assert!(skip.skips(&tmp.path().join("link/./python")));
        assert!(!skip.skips(&tmp.path().join("python")));
        assert!(on_path(
            &shims,
            Some(OsStr::new(&format!(
                "/nowhere:{}/link/",
                tmp.path().display()
            )))
        ));
        assert!(!on_path(&shims, Some(OsStr::new("/usr/bin"))));
    }

    #[test]
    fn first_file_argument_finds_the_app() {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().canonicalize().unwrap()).unwrap();
        fs::create_dir_all(base.join("app/sub")).unwrap();
        fs::write(base.join("app/appenv.toml"), "").unwrap();
        fs::write(base.join("app/sub/script.py"), "").unwrap();
        let args: Vec<OsString> = vec!["-u".into(), "app".into(), "app/sub/script.py".into()];
        assert_eq!(first_file_dir(&base, &args), Some(base.join("app/sub")));
        assert_eq!(first_file_dir(&base, &args[..2]), None);
    }
}
