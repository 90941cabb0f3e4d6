//! The layers of variables an app's files add over the base environment:
//! `[env.vars]`, then each env file, a later layer replacing an earlier
//! one, with what substitution sees at each step, and the names an app's
//! files may not set.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt;
use std::sync::Arc;

use super::{
    DEFAULT_FILES, Env, Error, FileStatus, FileUse, Note, NoteKind, Secret, Skipped, Source,
};
use crate::config::{self, Config};
use crate::dotenv::{self};
use crate::env_vars::EnvVars;
use crate::input::{self, Inputs};
use crate::secrets::{self, KeyFrom, KeyUse};
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
            .get(OsStr::new(EnvVars::XDG_DATA_HOME))
            .is_some_and(|v| std::path::Path::new(v).is_absolute());
        Self { xdg_inherited }
    }

    /// Why an app's file may not set `name`, if it may not.
    pub(super) fn why(&self, name: &str) -> Option<&'static str> {
        if name.starts_with(EnvVars::APPENV_PREFIX) {
            Some("names starting with APPENV_ are appenv's own, and an app's files cannot set them")
        } else if name.starts_with(EnvVars::DOTENV_PRIVATE_KEY) {
            Some(
                "a private key decrypts the app's values, so it belongs in the caller's environment or .env.keys, never in an app's file",
            )
        } else if name == EnvVars::XDG_DATA_HOME {
            Some("it decides where appenv keeps trust, so an app's files cannot set it")
        } else if name == EnvVars::HOME && !self.xdg_inherited {
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
    /// Whether encrypted values are decrypted (the app is trusted), or
    /// only their keys looked up.
    decrypt: bool,
    /// The key of the file being read, while its values are decrypted.
    file_key: Option<FileKey>,
    /// The root's `.env.keys`, read at the first file that needs it.
    keys_file: Option<HashMap<String, String>>,
    /// Every value written encrypted, with its key.
    secrets: Vec<Secret>,
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
    pub(super) fn new(base: &'a Env, override_inherited: bool, decrypt: bool) -> Self {
        Layers {
            base,
            reserved: Reserved::new(base),
            override_inherited,
            vars: Vec::new(),
            notes: Vec::new(),
            decrypt,
            file_key: None,
            keys_file: None,
            secrets: Vec::new(),
            index: RefCell::default(),
        }
    }

    /// Every variable set, in order (of a name set twice, the later wins),
    /// the notes, and the values written encrypted.
    pub(super) fn into_parts(self) -> Parts {
        Parts {
            vars: self.vars,
            notes: self.notes,
            secrets: self.secrets,
        }
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

    /// Why an app's file may not set `name`, if it may not.
    pub(super) fn reserved(&self, name: &str) -> Option<&'static str> {
        self.reserved.why(name)
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
            let home = || self.lookup(EnvVars::HOME);
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
                        status: FileStatus::Skipped(Skipped::NoEnvironment),
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
                    status: FileStatus::Skipped(Skipped::TestEnvironment),
                });
                continue;
            }
            if name.rsplit('/').next() == Some(secrets::KEYS_FILE) {
                uses.push(FileUse {
                    name,
                    status: FileStatus::Skipped(Skipped::PrivateKeys),
                });
                continue;
            }
            let status = self.add_file(inputs, &name)?;
            uses.push(FileUse { name, status });
        }
        Ok(uses)
    }

    /// Reads the env file `name` (relative to the root) as the next layer.
    pub(super) fn add_file(
        &mut self,
        inputs: &mut Inputs,
        name: &str,
    ) -> Result<FileStatus, Error> {
        let bytes = inputs
            .read(name, input::Kind::EnvFile)
            .map_err(Error::Input)?;
        Ok(match bytes {
            None => FileStatus::Missing,
            Some(bytes) => {
                let mut read = dotenv::read(name, &bytes, self).map_err(Error::Dotenv)?;
                // Only a file with encrypted values costs more: its key
                // is looked up, and it is read again to decrypt them
                // before later lines substitute them.
                let mut key = None;
                if read.entries.iter().any(|e| e.encrypted) {
                    let mut keys = read.entries.iter().map(|e| e.key);
                    let public = keys.find(|k| k.starts_with(EnvVars::DOTENV_PUBLIC_KEY));
                    let found = self.find_key(inputs, name, public)?;
                    if self.decrypt {
                        self.file_key = Some(found.clone());
                        let again = dotenv::read(name, &bytes, self);
                        self.file_key = None;
                        read = again.map_err(Error::Dotenv)?;
                    }
                    key = Some(found.key);
                }
                let dotenv::Read { entries, notes } = read;
                let count = entries.len();
                self.vars.reserve(count);
                let reserved = &self.reserved;
                if let Some((e, why)) = entries.iter().find_map(|e| Some((e, reserved.why(e.key)?)))
                {
                    return Err(Error::Reserved {
                        file: name.to_owned(),
                        line: e.line,
                        name: e.key.to_owned(),
                        why,
                    });
                }
                let shared: Arc<str> = Arc::from(name);
                self.notes.extend(notes.into_iter().map(|note| Note {
                    source: Source::File {
                        name: Arc::clone(&shared),
                        line: note.line,
                    },
                    name: note.key,
                    kind: NoteKind::Substitution(note.kind),
                }));
                if let Some(key) = &key {
                    for e in entries.iter().filter(|e| e.encrypted) {
                        self.secrets.push(Secret {
                            name: e.key.to_owned(),
                            source: Source::File {
                                name: Arc::clone(&shared),
                                line: e.line,
                            },
                            key: key.clone(),
                        });
                    }
                }
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
        })
    }
}

/// What the layers found, for the plan.
pub(super) struct Parts {
    pub vars: Vec<(String, String, Source)>,
    pub notes: Vec<Note>,
    pub secrets: Vec<Secret>,
}

/// The key a file's encrypted values need, and the key itself when found.
#[derive(Clone)]
pub(super) struct FileKey {
    key: KeyUse,
    secret: Option<String>,
}

impl Layers<'_> {
    /// The key `file`'s values need: the caller's variable of its name, else
    /// the root's `.env.keys` (read once, through `inputs`, so trust and the
    /// hook see it as they see every file the resolver read).
    fn find_key(
        &mut self,
        inputs: &mut Inputs,
        file: &str,
        public: Option<&str>,
    ) -> Result<FileKey, Error> {
        let name = secrets::key_name(file, public);
        let given = self.base.get(OsStr::new(&name)).and_then(|v| v.to_str());
        if let Some(secret) = given.filter(|v| !v.is_empty()) {
            let key = KeyUse {
                name,
                from: Some(KeyFrom::Environment),
            };
            let secret = Some(secret.to_owned());
            return Ok(FileKey { key, secret });
        }
        if self.keys_file.is_none() {
            let bytes = inputs
                .read(secrets::KEYS_FILE, input::Kind::KeyFile)
                .map_err(Error::Input)?;
            let mut keys = HashMap::new();
            if let Some(bytes) = bytes {
                let entries = dotenv::parse(secrets::KEYS_FILE, &bytes, &dotenv::NoSeed)
                    .map_err(Error::Dotenv)?;
                // Of a name set twice, the last, as dotenvx reads it.
                keys.extend(
                    entries
                        .into_iter()
                        .map(|e| (e.key.to_owned(), e.value.into_owned())),
                );
            }
            self.keys_file = Some(keys);
        }
        let secret = self.keys_file.as_ref().and_then(|keys| keys.get(&name));
        let secret = secret.filter(|v| !v.is_empty()).cloned();
        let from = secret.as_ref().map(|_| KeyFrom::KeysFile);
        Ok(FileKey {
            key: KeyUse { name, from },
            secret,
        })
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

    fn decrypt(&self, key: &str, value: &str) -> Result<Option<String>, String> {
        let Some(file) = &self.file_key else {
            return Ok(None);
        };
        // The caller's value wins and no line sees this one (substitution
        // looks at the inherited environment first): no key is needed.
        if !self.override_inherited && self.base.contains_key(OsStr::new(key)) {
            return Ok(None);
        }
        let secret = file.secret.as_deref().unwrap_or_default();
        secrets::decrypt(value, secret, &file.key)
            .map(Some)
            .map_err(|failure| failure.to_string())
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
