//! The layers of variables an app's files add over the base environment:
//! `[env.vars]`, then each env file, a later layer replacing an earlier
//! one, with what substitution sees at each step, and the names an app's
//! files may not set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt;
use std::sync::Arc;

use super::{DEFAULT_FILES, Env, Error, FileStatus, FileUse, Note, NoteKind, Source};
use crate::config::{self, Config};
use crate::dotenv::{self};
use crate::input::{self, Inputs};
use crate::text::{line_of, sanitize};

/// The names an app's files may not set. appenv's own variables and where
/// it keeps trust belong to the user: an allowed app setting
/// `APPENV_TRUSTED_DIRS=/` or moving the trust store would make every
/// appenv started under it trust apps that were never allowed. The base env
/// is looked at once, for every name.
pub(super) struct Reserved {
    xdg_inherited: bool,
}

impl Reserved {
    pub(super) fn new(base: &Env) -> Self {
        let xdg_inherited = base
            .get(OsStr::new("XDG_DATA_HOME"))
            .is_some_and(|v| std::path::Path::new(v).is_absolute());
        Self { xdg_inherited }
    }

    /// Why an app's file may not set `name`, if it may not.
    pub(super) fn why(&self, name: &str) -> Option<&'static str> {
        if name.starts_with("APPENV_") {
            Some("names starting with APPENV_ are appenv's own, and an app's files cannot set them")
        } else if name == "XDG_DATA_HOME" {
            Some("it decides where appenv keeps trust, so an app's files cannot set it")
        } else if name == "HOME" && !self.xdg_inherited {
            Some(
                "without XDG_DATA_HOME it decides where appenv keeps trust, so an app's files cannot set it",
            )
        } else {
            None
        }
    }
}

/// The variables from config and files, a later layer replacing an earlier
/// one, with what substitution sees at each step.
pub(super) struct Layers<'a> {
    base: &'a Env,
    reserved: Reserved,
    override_inherited: bool,
    /// Every variable set, in order: of a name set twice, the later wins.
    vars: Vec<(String, String, Source)>,
    /// What substitution in the files noted.
    notes: Vec<Note>,
    /// Where the last of each name is in `vars`, built and brought up to
    /// date only when substitution looks a name up: most apps never do.
    index: RefCell<Index>,
}

#[derive(Default)]
pub(super) struct Index {
    last: HashMap<String, usize>,
    /// How many of `vars` are in `last`.
    len: usize,
}

impl<'a> Layers<'a> {
    pub(super) fn new(base: &'a Env, override_inherited: bool) -> Self {
        Layers {
            base,
            reserved: Reserved::new(base),
            override_inherited,
            vars: Vec::new(),
            notes: Vec::new(),
            index: RefCell::default(),
        }
    }

    /// Every variable set, in order (of a name set twice, the later wins),
    /// and the notes.
    pub(super) fn into_parts(self) -> (Vec<(String, String, Source)>, Vec<Note>) {
        (self.vars, self.notes)
    }

    pub(super) fn set(&mut self, key: String, value: String, source: Source) {
        self.vars.push((key, value, source));
    }

    /// The value a layer gives `name`, the last one set.
    pub(super) fn layered(&self, name: &str) -> Option<&str> {
        let mut index = self.index.borrow_mut();
        let index = &mut *index;
        for (at, (key, _, _)) in self.vars.iter().enumerate().skip(index.len) {
            index.last.insert(key.clone(), at);
        }
        index.len = self.vars.len();
        let at = *index.last.get(name)?;
        Some(self.vars[at].1.as_str())
    }

    /// The value a name has at this point, by the final precedence rule.
    pub(super) fn lookup(&self, name: &str) -> Option<&str> {
        let layered = || self.layered(name);
        let inherited = || self.base.get(OsStr::new(name)).and_then(|v| v.to_str());
        if self.override_inherited {
            layered().or_else(inherited)
        } else {
            inherited().or_else(layered)
        }
    }

    pub(super) fn add_config_vars(&mut self, config: &Config, bytes: &[u8]) -> Result<(), Error> {
        for (key, value) in &config.env.vars.0 {
            if let Some(why) = self.reserved.why(key) {
                return Err(Error::Reserved {
                    file: config::FILE_NAME.into(),
                    line: line_of(bytes, value.span().start),
                    name: key.clone(),
                    why,
                });
            }
            let home = || self.lookup("HOME");
            let expanded = shellexpand::full_with_context(value.get_ref(), home, |name: &str| {
                self.lookup(name).map(Some).ok_or(Undefined)
            })
            .map_err(|e| {
                Error::Invalid(format!(
                    "appenv.toml [env.vars] {}: ${} is not defined (write ${{{}:-}} for an optional value)",
                    sanitize(key),
                    sanitize(&e.var_name),
                    sanitize(&e.var_name),
                ))
            })?;
            self.set(key.clone(), expanded.into_owned(), Source::Config);
        }
        Ok(())
    }

    /// Reads the env files: `[env] files`, else the default list after
    /// `shared` (a workspace top's files, beneath the member's own).
    pub(super) fn add_files(
        &mut self,
        inputs: &mut Inputs,
        config: Option<&Config>,
        env: Option<&str>,
        shared: &[String],
    ) -> Result<Vec<FileUse>, Error> {
        let templates: Vec<&str> = match config.and_then(|c| c.env.files.as_ref()) {
            Some(files) => files.get_ref().iter().map(String::as_str).collect(),
            None => shared
                .iter()
                .map(String::as_str)
                .chain(DEFAULT_FILES)
                .collect(),
        };
        let mut uses = Vec::with_capacity(templates.len());
        for template in templates {
            let name = match env {
                Some(env) => template.replace("{env}", env),
                None if template.contains("{env}") => {
                    uses.push(FileUse {
                        name: template.into(),
                        status: FileStatus::Skipped("no environment named"),
                    });
                    continue;
                }
                None => template.to_owned(),
            };
            if template.rsplit('/').next() == Some(".env.local")
                && env == Some("test")
                && config.is_none_or(|c| c.env.files.is_none())
            {
                uses.push(FileUse {
                    name,
                    status: FileStatus::Skipped("skipped for the test environment"),
                });
                continue;
            }
            let bytes = inputs
                .read(&name, input::MAX_ENV_FILE, "an env file")
                .map_err(Error::Input)?;
            let status = match bytes {
                None => FileStatus::Missing,
                Some(bytes) => {
                    let dotenv::Read { entries, notes } =
                        dotenv::read(&name, &bytes, self).map_err(Error::Dotenv)?;
                    let count = entries.len();
                    self.vars.reserve(count);
                    let reserved = &self.reserved;
                    if let Some((e, why)) =
                        entries.iter().find_map(|e| Some((e, reserved.why(e.key)?)))
                    {
                        return Err(Error::Reserved {
                            file: name,
                            line: e.line,
                            name: e.key.to_owned(),
                            why,
                        });
                    }
                    let shared: Arc<str> = Arc::from(name.as_str());
                    self.notes.extend(notes.into_iter().map(|note| Note {
                        source: Source::File {
                            name: Arc::clone(&shared),
                            line: note.line,
                        },
                        name: note.key,
                        kind: NoteKind::Substitution(note.kind),
                    }));
                    for e in entries {
                        self.set(
                            e.key.to_owned(),
                            e.value.into_owned(),
                            Source::File {
                                name: Arc::clone(&shared),
                                line: e.line,
                            },
                        );
                    }
                    FileStatus::Loaded { vars: count }
                }
            };
            uses.push(FileUse { name, status });
        }
        Ok(uses)
    }
}

/// What substitution in an env file sees besides its earlier lines.
impl dotenv::Seed for Layers<'_> {
    /// As dotenvy's `getenv`: a name holding `=` matches an entry by its
    /// start, as in C's environment (`A=B` finds `A=B=c`).
    fn inherited(&self, name: &str) -> Option<&str> {
        let value = |key: &str| self.base.get(OsStr::new(key)).and_then(|v| v.to_str());
        // `=` never falls inside a multi-byte character.
        match name.bytes().skip(1).position(|b| b == b'=') {
            None => value(name),
            Some(at) => {
                let (key, rest) = (&name[..at + 1], &name[at + 2..]);
                value(key)?.strip_prefix(rest)?.strip_prefix('=')
            }
        }
    }

    fn layered(&self, name: &str) -> Option<&str> {
        Layers::layered(self, name)
    }
}

#[derive(Debug)]
pub(super) struct Undefined;

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not defined")
    }
}

impl std::error::Error for Undefined {}
