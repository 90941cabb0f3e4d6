//! The root's `.envrc` as a layer: its directives (see [`crate::envrc`])
//! applied after the env files, or, when any line of it or of a file it
//! sources cannot be followed, nothing at all and a note naming that line.
//!
//! An env file its `dotenv` names that the env-file layer already read is
//! not read again: `.env` loads once, where appenv's own order puts it.

use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};

use super::layers::Layers;
use super::{Env, Error, FileStatus, FileUse, Note, NoteKind, Skipped, Source};
use crate::env_vars::EnvVars;
use crate::envrc::{self, Directive, Part, Word};
use crate::input::{self, Inputs};
use crate::text::sanitize;

/// What the `.envrc` layer adds besides variables.
#[derive(Debug, Default)]
pub(super) struct Envrc {
    /// Directories for the front of PATH, first first.
    pub path: Vec<Utf8PathBuf>,
    /// `env_vars_required` names.
    pub required: Vec<String>,
    /// The line that made appenv ignore the file, as a note.
    pub ignored: Option<Note>,
    /// What `watch_file` names (absolute): the hook reloads when one
    /// changes, as direnv's does. Only watched, never read: nothing appenv
    /// loads comes from them, so trust does not cover them (direnv's allow
    /// does not either).
    pub watched: Vec<Utf8PathBuf>,
    /// Whether a `strict_env` line was applied: from there on, a variable
    /// that is not set is an error, as bash's `set -u` makes it in direnv.
    strict: bool,
}

/// One `.envrc` read: its name relative to the root and its directives.
struct Read {
    name: String,
    lines: Vec<envrc::Line>,
}

/// Reads the root's `.envrc` and what it sources, then applies them;
/// `files` are the env files already layered, to which its `dotenv`s are
/// added.
pub(super) fn add(
    layers: &mut Layers,
    inputs: &mut Inputs,
    root: &Utf8Path,
    base: &Env,
    files: &mut Vec<FileUse>,
) -> Result<Envrc, Error> {
    let Some(bytes) = inputs
        .read(envrc::FILE_NAME, input::Kind::Envrc)
        .map_err(Error::Input)?
    else {
        return Ok(Envrc::default());
    };
    // direnv names the file by the path it was found at: the logical one,
    // or the canonical one when the user was there.
    let canonical = Some(inputs.canonical()).filter(|c| *c != root);
    if std::iter::once(root)
        .chain(canonical)
        .any(|dir| direnv_allowed(base, dir, &bytes))
    {
        files.push(FileUse {
            name: envrc::FILE_NAME.into(),
            status: FileStatus::Skipped(Skipped::LeftToDirenv),
        });
        return Ok(Envrc::default());
    }
    let mut reads = Vec::new();
    let mut stack = Vec::new();
    if let Err((file, line, why)) = follow(inputs, envrc::FILE_NAME, &bytes, &mut stack, &mut reads)
    {
        files.push(FileUse {
            name: envrc::FILE_NAME.into(),
            status: FileStatus::Skipped(Skipped::NotFollowed),
        });
        let source = Source::File {
            name: Arc::from(file.as_str()),
            line,
        };
        let ignored = Note {
            source,
            name: String::new(),
            kind: NoteKind::EnvrcIgnored(why),
        };
        return Ok(Envrc {
            ignored: Some(ignored),
            ..Envrc::default()
        });
    }
    let mut out = Envrc::default();
    for read in &reads {
        let at = files.len();
        let count = apply(layers, inputs, root, read, files, &mut out)?;
        // A file read in parts (around what it sources) is one entry.
        match files.iter_mut().find(|f| f.name == read.name) {
            Some(FileUse {
                status: FileStatus::Loaded { vars },
                ..
            }) => *vars += count,
            _ => files.insert(
                at,
                FileUse {
                    name: read.name.clone(),
                    status: FileStatus::Loaded { vars: count },
                },
            ),
        }
    }
    Ok(out)
}

/// Whether direnv holds an allow for exactly this `.envrc` at `dir`: its
/// record is named by the SHA-256 of the file's absolute path, a newline
/// and its content, under `$XDG_DATA_HOME/direnv/allow`. A user who runs
/// direnv on the file has it loaded by direnv; appenv applying the same
/// `PATH_add` too would leave an entry behind when both unload.
fn direnv_allowed(base: &Env, dir: &Utf8Path, bytes: &[u8]) -> bool {
    let get = |name: &str| {
        base.get(std::ffi::OsStr::new(name))
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let Some(data) =
        get(EnvVars::XDG_DATA_HOME).or_else(|| Some(get(EnvVars::HOME)?.join(".local/share")))
    else {
        return false;
    };
    let mut named = format!("{}\n", dir.join(envrc::FILE_NAME)).into_bytes();
    named.extend_from_slice(bytes);
    let record = input::hex(&input::sha256(&named));
    // By `stat(2)`, as the PATH lookup (see `crate::exec`).
    nix::sys::stat::stat(&data.join("direnv/allow").join(record)).is_ok()
}

/// Reads, through `inputs`, every file the root's `.envrc` would read (the
/// files it sources and the env files it names), so that an allow made
/// without a plan covers them as a plan's check will.
pub fn read_inputs(inputs: &mut Inputs) {
    let Ok(lines) = directives(inputs) else {
        return;
    };
    for (file, line) in lines {
        if let Directive::Dotenv { file: named, .. } = &line.directive {
            let name = dotenv_file(&file, named.as_ref());
            let _ = inputs.read(&name, input::Kind::EnvFile);
        }
    }
}

/// A line that cannot be followed: its file, line and why.
pub type Refusal = (String, usize, &'static str);

/// The directives of the root's `.envrc` and of what it sources, in the
/// order they apply, each with its file: what `appenv init --from-envrc`
/// translates. None without a `.envrc`.
pub fn directives(inputs: &mut Inputs) -> Result<Vec<(String, envrc::Line)>, Refusal> {
    let bytes = match inputs.read(envrc::FILE_NAME, input::Kind::Envrc) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(Vec::new()),
        Err(_) => return Err((envrc::FILE_NAME.into(), 0, "it cannot be read")),
    };
    let mut reads = Vec::new();
    follow(
        inputs,
        envrc::FILE_NAME,
        &bytes,
        &mut Vec::new(),
        &mut reads,
    )?;
    Ok(reads
        .into_iter()
        .flat_map(|read| {
            let name = read.name;
            read.lines.into_iter().map(move |line| (name.clone(), line))
        })
        .collect())
}

/// The root-relative file a `dotenv` line of `file` names.
pub fn dotenv_file(file: &str, named: Option<&Word>) -> String {
    dotenv_in(&parent(file), named)
}

/// The root-relative file a `dotenv` line names from `dir`: `.env` there
/// when it names none.
fn dotenv_in(dir: &str, named: Option<&Word>) -> String {
    match named {
        Some(named) => within(dir, named).unwrap_or_default(),
        None => join(dir, ".env"),
    }
}

/// Parses `name` and, depth first at the line that sources them, the files
/// it sources, checking every line before anything is applied.
fn follow(
    inputs: &mut Inputs,
    name: &str,
    bytes: &[u8],
    stack: &mut Vec<String>,
    reads: &mut Vec<Read>,
) -> Result<(), Refusal> {
    let lines = envrc::parse(bytes).map_err(|e| (name.to_owned(), e.line, e.why))?;
    stack.push(name.to_owned());
    let dir = parent(name);
    let mut own = Vec::new();
    for line in lines {
        let fail = |why| (name.to_owned(), line.line, why);
        match &line.directive {
            Directive::SourceEnv { file, if_exists } => {
                let file = within(&dir, file).ok_or_else(|| fail(OUTSIDE))?;
                let file = match inputs.file_type(&file, true) {
                    Some(nix::sys::stat::SFlag::S_IFDIR) => join(&file, envrc::FILE_NAME),
                    _ => file,
                };
                reads.push(Read {
                    name: name.to_owned(),
                    lines: std::mem::take(&mut own),
                });
                if stack.contains(&file) {
                    return Err(fail("it sources a file that sources it back"));
                }
                let bytes = match inputs.read(&file, input::Kind::Envrc) {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) if *if_exists => continue,
                    Ok(None) | Err(_) => return Err(fail("it sources a file that cannot be read")),
                };
                follow(inputs, &file, &bytes, stack, reads)?;
            }
            Directive::Dotenv {
                file: Some(file), ..
            } => {
                within(&dir, file).ok_or_else(|| fail(OUTSIDE))?;
                own.push(line);
            }
            _ => own.push(line),
        }
    }
    reads.push(Read {
        name: name.to_owned(),
        lines: own,
    });
    stack.pop();
    Ok(())
}

const OUTSIDE: &str = "it names a file by a variable or outside the root";

/// Applies one file's directives; returns how many variables it set.
fn apply(
    layers: &mut Layers,
    inputs: &mut Inputs,
    root: &Utf8Path,
    read: &Read,
    files: &mut Vec<FileUse>,
    out: &mut Envrc,
) -> Result<usize, Error> {
    let dir = parent(&read.name);
    let abs_dir = match dir.as_str() {
        "" => root.to_owned(),
        dir => root.join(dir),
    };
    let shared: Arc<str> = Arc::from(read.name.as_str());
    let mut count = 0;
    for line in &read.lines {
        // Under `strict_env`, where an unset variable stops the file.
        let strict = |out: &Envrc| out.strict.then_some((read.name.as_str(), line.line));
        let source = || Source::File {
            name: Arc::clone(&shared),
            line: line.line,
        };
        match &line.directive {
            Directive::Export { name, value } => {
                if let Some(why) = layers.reserved(name) {
                    return Err(Error::Reserved {
                        file: read.name.clone(),
                        line: line.line,
                        name: name.clone(),
                        why,
                    });
                }
                let value = expand(layers, &abs_dir, value, strict(out))?;
                layers.set(name.clone(), value, source());
                count += 1;
            }
            Directive::Dotenv { file, if_exists: _ } => {
                let name = dotenv_in(&dir, file.as_ref());
                let loaded = files
                    .iter()
                    .any(|f| f.name == name && matches!(f.status, FileStatus::Loaded { .. }));
                if !loaded {
                    let status = layers.add_file(inputs, &name)?;
                    files.push(FileUse { name, status });
                }
            }
            Directive::PathAdd { var, dirs } => {
                let dirs = dirs
                    .iter()
                    .map(|d| {
                        Ok(normal(&abs_dir.join(expand(
                            layers,
                            &abs_dir,
                            d,
                            strict(out),
                        )?)))
                    })
                    .collect::<Result<Vec<Utf8PathBuf>, Error>>()?;
                if var == EnvVars::PATH {
                    out.path.splice(0..0, dirs);
                } else {
                    let mut value: Vec<String> = dirs.into_iter().map(String::from).collect();
                    if let Some(old) = layers.lookup(var).filter(|v| !v.is_empty()) {
                        value.push(old.to_owned());
                    }
                    layers.set(var.clone(), value.join(":"), source());
                    count += 1;
                }
            }
            Directive::LayoutNode => {
                out.path.insert(0, abs_dir.join("node_modules/.bin"));
            }
            Directive::Required(names) => out.required.extend(names.iter().cloned()),
            Directive::WatchFile(files) => {
                for file in files {
                    let file = expand(layers, &abs_dir, file, strict(out))?;
                    out.watched.push(normal(&abs_dir.join(file)));
                }
            }
            Directive::StrictEnv => out.strict = true,
            // The venv is an isolation marker of its own; the rest change
            // nothing appenv's environment would hold.
            Directive::LayoutPython | Directive::SourceEnv { .. } | Directive::Exported(_) => {}
        }
    }
    Ok(count)
}

/// A word's value: each `$NAME` as loaded so far (empty when unset, as the
/// shell has it); `$PWD` is the `.envrc`'s directory, where direnv runs it.
/// Under `strict_env` (`strict` is the file and line), an unset variable is
/// an error naming it, as bash's `set -u` stops direnv there.
fn expand(
    layers: &Layers,
    dir: &Utf8Path,
    word: &Word,
    strict: Option<(&str, usize)>,
) -> Result<String, Error> {
    word.iter()
        .map(|part| match part {
            Part::Text(text) => Ok(text.clone()),
            Part::Var(name) if name == EnvVars::PWD => Ok(dir.to_string()),
            Part::Var(name) => match (layers.lookup(name), strict) {
                (Some(value), _) => Ok(value.to_owned()),
                (None, None) => Ok(String::new()),
                (None, Some((file, line))) => Err(Error::Invalid(format!(
                    "{}:{line}: {}: unbound variable (under strict_env, which stops direnv \
                     here too); set it, or take strict_env out",
                    sanitize(file),
                    sanitize(name),
                ))),
            },
        })
        .collect()
}

/// The directory of a root-relative file name (`""` for the root).
fn parent(name: &str) -> String {
    name.rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
}

fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_owned(),
        dir => format!("{dir}/{name}"),
    }
}

/// A file a word names from `dir`, relative to the root, when the word
/// holds no variable and the file is inside the root.
fn within(dir: &str, word: &Word) -> Option<String> {
    let [Part::Text(file)] = word.as_slice() else {
        return None;
    };
    if file.starts_with('/') || file.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in file.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// `path` with `.` and `..` taken out as direnv's `expand_path` does,
/// without looking at the file system.
fn normal(path: &Utf8Path) -> Utf8PathBuf {
    let mut out = Utf8PathBuf::from("/");
    for part in path.components() {
        match part {
            camino::Utf8Component::ParentDir => {
                out.pop();
            }
            camino::Utf8Component::Normal(p) => out.push(p),
            _ => {}
        }
    }
    out
}
