//! The resolver: a root, its layers and a base environment in, a [`Plan`]
//! out. It reads files and nothing else: no printing, no exec, no writes and
//! no use of the process environment (the base env is a parameter).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{self, Config, ConfigError};
use crate::dotenv::{self, DotenvError};
use crate::input::{self, InputError, Inputs};
use crate::isolation::{self, Isolation};
use crate::markers::{self, Look};
use crate::procfile::{self, Procfile, ProcfileError};
use crate::root::{self, Root};
use crate::text::{line_of, sanitize};
use crate::trusted_dirs;

pub type Env = BTreeMap<OsString, OsString>;

/// The env files read when `appenv.toml` names none, lowest first.
pub const DEFAULT_FILES: [&str; 4] = [".env", ".env.{env}", ".env.local", ".env.{env}.local"];

/// What the caller asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Absolute, logical start directory.
    pub start: Utf8PathBuf,
    /// `--env`.
    pub env_name: Option<String>,
    /// `--override`.
    pub override_inherited: bool,
    /// Where `APPENV_TRUSTED_DIRS` is read from.
    pub trusted_dirs: TrustedDirs,
}

/// Trust is the caller's decision. Usually the caller's environment is the
/// base env; with `--same-as` the base is another process's, and the caller's
/// `APPENV_TRUSTED_DIRS` (or its absence) is given here instead, so the
/// process's own value can never widen trust.
#[derive(Debug, Clone, Default)]
pub enum TrustedDirs {
    #[default]
    FromBase,
    Given(Option<OsString>),
}

#[derive(Debug)]
pub struct Plan {
    pub root: Root,
    pub env_name: Option<ChosenEnv>,
    pub override_inherited: bool,
    pub files: Vec<FileUse>,
    /// The complete environment the program gets.
    pub vars: BTreeMap<OsString, Var>,
    /// Inherited variables that isolation takes away (PYTHONHOME).
    pub removed: Vec<OsString>,
    pub isolation: Isolation,
    pub config: Option<Config>,
    pub procfile: Option<Procfile>,
    /// The root as opened and every file read from it, with the digest of
    /// exactly the bytes parsed: what trust checks and the hook watches.
    pub inputs: Inputs,
    /// The `APPENV_TRUSTED_DIRS` entry the root is at or below, if any.
    pub trusted_dir: Option<Utf8PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenEnv {
    pub name: String,
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUse {
    pub name: String,
    pub status: FileStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    Loaded { vars: usize },
    Missing,
    Skipped(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub value: OsString,
    pub source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Inherited,
    /// `[env.vars]` in appenv.toml.
    Config,
    File {
        /// Shared by every variable of the file.
        name: Arc<str>,
        line: usize,
    },
    /// Set by dependency isolation (PATH, VIRTUAL_ENV).
    Isolation,
    /// APPENV_ROOT, APPENV_ENV.
    Appenv,
    /// The environment name, through the variable a framework reads it from.
    EnvName {
        framework: &'static str,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Inherited => f.write_str("inherited"),
            Source::Config => f.write_str("appenv.toml [env.vars]"),
            Source::File { name, line } => write!(f, "{}:{line}", sanitize(name)),
            Source::Isolation => f.write_str("isolation"),
            Source::Appenv => f.write_str("appenv"),
            Source::EnvName { framework } => {
                write!(f, "appenv, the environment name ({framework})")
            }
        }
    }
}

#[derive(Debug)]
pub enum Error {
    Root(root::NotFound),
    Config(ConfigError),
    Dotenv(DotenvError),
    Procfile(ProcfileError),
    Input(InputError),
    /// A line of an app's file sets a name only the user may set.
    Reserved {
        file: String,
        line: usize,
        name: String,
        why: &'static str,
    },
    /// A setting that is wrong where it was given (--env, APPENV_ENV, a `$VAR`).
    Invalid(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Root(e) => e.fmt(f),
            Error::Config(e) => e.fmt(f),
            Error::Dotenv(e) => e.fmt(f),
            Error::Procfile(e) => e.fmt(f),
            Error::Input(e) => e.fmt(f),
            Error::Reserved {
                file,
                line,
                name,
                why,
            } => write!(
                f,
                "{}:{line}: {}: {why}; set it outside the app",
                sanitize(file),
                sanitize(name)
            ),
            Error::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

impl Plan {
    pub fn value(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(|v| v.value.as_os_str())
    }

    /// The argv for a typed command: isolation prefix + command + args.
    pub fn argv(&self, command: &[OsString], use_prefix: bool) -> Vec<OsString> {
        let prefix = match command.first() {
            Some(first) if use_prefix => self.isolation.prefix_for(first),
            _ => &[],
        };
        prefix
            .iter()
            .map(OsString::from)
            .chain(command.iter().cloned())
            .collect()
    }

    /// Every file whose change can change this plan, for the hook to watch:
    /// the files the resolver read (or looked for), by their logical path.
    pub fn inputs(&self) -> Vec<Utf8PathBuf> {
        self.inputs
            .files()
            .iter()
            .map(|input| self.root.dir.join(&input.name))
            .collect()
    }
}

/// Finds the root above `request.start` and resolves its plan.
pub fn resolve(request: &Request, base: &Env) -> Result<Plan, Error> {
    let root = root::find(&request.start).map_err(Error::Root)?;
    resolve_at(root, request, base)
}

pub fn resolve_at(root: Root, request: &Request, base: &Env) -> Result<Plan, Error> {
    // Opened once: every file below is read relative to this directory.
    let mut inputs = Inputs::open(&root.dir).map_err(Error::Input)?;
    let trusted_value = match &request.trusted_dirs {
        TrustedDirs::FromBase => base.get(OsStr::new(trusted_dirs::VAR)),
        TrustedDirs::Given(value) => value.as_ref(),
    };
    let trusted_dir =
        trusted_dirs::covering(inputs.canonical(), trusted_value.map(|v| v.as_os_str()));
    inputs
        .check_owner(trusted_dir.is_none())
        .map_err(Error::Input)?;
    let config_bytes = inputs
        .read(config::FILE_NAME, input::MAX_CONFIG, "a config file")
        .map_err(Error::Input)?;
    let config = match &config_bytes {
        Some(bytes) => {
            Some(Config::parse(Utf8Path::new(config::FILE_NAME), bytes).map_err(Error::Config)?)
        }
        None => None,
    };
    let procfile = inputs
        .read(procfile::FILE_NAME, input::MAX_CONFIG, "a Procfile")
        .map_err(Error::Input)?
        .map(|bytes| Procfile::parse(&bytes))
        .transpose()
        .map_err(Error::Procfile)?;
    let env_name = env_name(request, base, config.as_ref())?;
    let override_inherited =
        request.override_inherited || config.as_ref().is_some_and(Config::override_inherited);

    let mut layers = Layers {
        base,
        override_inherited,
        vars: Vec::new(),
        index: RefCell::default(),
    };
    if let (Some(config), Some(bytes)) = (&config, &config_bytes) {
        layers.add_config_vars(config, bytes)?;
    }
    let files = layers.add_files(
        &mut inputs,
        config.as_ref(),
        env_name.as_ref().map(|d| d.name.as_str()),
    )?;

    let look = |name: &str, follow: bool| {
        use nix::sys::stat::SFlag;
        inputs.kind(name, follow).map(|kind| match kind {
            SFlag::S_IFREG => markers::Kind::File,
            SFlag::S_IFDIR => markers::Kind::Dir,
            _ => markers::Kind::Other,
        })
    };
    let isolation = isolation::detect_in(&root.dir, config.as_ref(), procfile.as_ref(), &look);
    let inherited = base.iter().map(|(k, v)| {
        let var = Var {
            value: v.clone(),
            source: Source::Inherited,
        };
        (k.clone(), var)
    });
    let layered = layers.vars.into_iter().map(|(key, value, source)| {
        let value = value.into();
        (key.into(), Var { value, source })
    });
    // Collecting sorts once and builds the tree in bulk, where inserting
    // each file variable would search the tree each time. Of equal keys the
    // last is kept, so what wins comes last: a later layer after an earlier
    // one (the sort is stable), and the inherited variable after the layered
    // one unless files override it. Layers keep the order of their files, so
    // a sorted file costs the sort next to nothing.
    let mut vars: BTreeMap<OsString, Var> = if override_inherited {
        inherited.chain(layered).collect()
    } else {
        layered.chain(inherited).collect()
    };
    let removed = apply_isolation(&isolation, &mut vars);
    let appenv = |value: &str| Var {
        value: value.into(),
        source: Source::Appenv,
    };
    vars.insert("APPENV_ROOT".into(), appenv(root.dir.as_str()));
    if let Some(name) = &env_name {
        vars.insert("APPENV_ENV".into(), appenv(&name.name));
    }
    apply_env_name(&look, config.as_ref(), env_name.as_ref(), &mut vars)?;
    Ok(Plan {
        root,
        env_name,
        override_inherited,
        files,
        vars,
        removed,
        isolation,
        config,
        procfile,
        inputs,
        trusted_dir,
    })
}

/// Why an app's file may not set `name`, if it may not. appenv's own
/// variables and where it keeps trust belong to the user: an allowed app
/// setting `APPENV_TRUSTED_DIRS=/` or moving the trust store would make every
/// appenv started under it trust apps that were never allowed.
fn reserved(name: &str, base: &Env) -> Option<&'static str> {
    Reserved::new(base).why(name)
}

/// [`reserved`] for many names: the base env is looked at once.
struct Reserved {
    xdg_inherited: bool,
}

impl Reserved {
    fn new(base: &Env) -> Self {
        let xdg_inherited = base
            .get(OsStr::new("XDG_DATA_HOME"))
            .is_some_and(|v| std::path::Path::new(v).is_absolute());
        Self { xdg_inherited }
    }

    fn why(&self, name: &str) -> Option<&'static str> {
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

fn env_name(
    request: &Request,
    base: &Env,
    config: Option<&Config>,
) -> Result<Option<ChosenEnv>, Error> {
    let decided = if let Some(name) = &request.env_name {
        Some(ChosenEnv {
            name: name.clone(),
            source: "--env",
        })
    } else if let Some(name) = base.get(OsStr::new("APPENV_ENV")).filter(|v| !v.is_empty()) {
        let name = name
            .to_str()
            .ok_or_else(|| Error::Invalid("APPENV_ENV is not valid UTF-8".into()))?;
        Some(ChosenEnv {
            name: name.to_owned(),
            source: "APPENV_ENV",
        })
    } else {
        config
            .and_then(|c| c.environment.as_ref())
            .map(|e| ChosenEnv {
                name: e.get_ref().clone(),
                source: "appenv.toml environment",
            })
    };
    if let Some(d) = &decided {
        if let Some(problem) = config::invalid_env_name(&d.name) {
            return Err(Error::Invalid(format!("{}: {problem}", d.source)));
        }
    }
    Ok(decided)
}

/// A named environment also reaches the framework through its own variable
/// (RAILS_ENV, NODE_ENV…, or `[env] name_vars`) when neither the files nor
/// the caller set it: frameworks pick their mode from it, not from which
/// env files were read. `[env] environments` makes an unlisted name an error.
fn apply_env_name(
    look: Look,
    config: Option<&Config>,
    env_name: Option<&ChosenEnv>,
    vars: &mut BTreeMap<OsString, Var>,
) -> Result<(), Error> {
    let Some(decided) = env_name else {
        return Ok(());
    };
    let env = config.map(|c| &c.env);
    if let Some(known) = env.and_then(|e| e.environments.as_ref()) {
        if !known.get_ref().contains(&decided.name) {
            return Err(Error::Invalid(format!(
                "the environment {:?} (from {}) is not one of this app's: {} ([env] environments in {})",
                sanitize(&decided.name),
                decided.source,
                sanitize(&known.get_ref().join(", ")),
                config::FILE_NAME,
            )));
        }
    }
    let names: Vec<(String, &'static str)> = match env.and_then(|e| e.name_vars.as_ref()) {
        Some(names) => names
            .get_ref()
            .iter()
            .map(|n| (n.clone(), "[env] name_vars"))
            .collect(),
        None => markers::name_vars(look)
            .into_iter()
            .map(|(n, framework)| (n.to_owned(), framework))
            .collect(),
    };
    for (name, framework) in names {
        vars.entry(name.into()).or_insert_with(|| Var {
            value: decided.name.clone().into(),
            source: Source::EnvName { framework },
        });
    }
    Ok(())
}

/// The variables from config and files, a later layer replacing an earlier
/// one, with what substitution sees at each step.
struct Layers<'a> {
    base: &'a Env,
    override_inherited: bool,
    /// Every variable set, in order: of a name set twice, the later wins.
    vars: Vec<(String, String, Source)>,
    /// Where the last of each name is in `vars`, built and brought up to
    /// date only when substitution looks a name up: most apps never do.
    index: RefCell<Index>,
}

#[derive(Default)]
struct Index {
    last: HashMap<String, usize>,
    /// How many of `vars` are in `last`.
    len: usize,
}

impl Layers<'_> {
    fn set(&mut self, key: String, value: String, source: Source) {
        self.vars.push((key, value, source));
    }

    /// The value a layer gives `name`, the last one set.
    fn layered(&self, name: &str) -> Option<&str> {
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
    fn lookup(&self, name: &str) -> Option<&str> {
        let layered = || self.layered(name);
        let inherited = || self.base.get(OsStr::new(name)).and_then(|v| v.to_str());
        if self.override_inherited {
            layered().or_else(inherited)
        } else {
            inherited().or_else(layered)
        }
    }

    fn add_config_vars(&mut self, config: &Config, bytes: &[u8]) -> Result<(), Error> {
        for (key, value) in &config.env.vars.0 {
            if let Some(why) = reserved(key, self.base) {
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

    fn add_files(
        &mut self,
        inputs: &mut Inputs,
        config: Option<&Config>,
        env: Option<&str>,
    ) -> Result<Vec<FileUse>, Error> {
        let templates: Vec<&str> = match config.and_then(|c| c.env.files.as_ref()) {
            Some(files) => files.get_ref().iter().map(String::as_str).collect(),
            None => DEFAULT_FILES.to_vec(),
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
            if template == ".env.local"
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
                    let entries = dotenv::parse(&name, &bytes, self).map_err(Error::Dotenv)?;
                    let count = entries.len();
                    self.vars.reserve(count);
                    let reserved = Reserved::new(self.base);
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
struct Undefined;

impl fmt::Display for Undefined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not defined")
    }
}

impl std::error::Error for Undefined {}

/// Isolation applies over everything, inherited values included: a
/// VIRTUAL_ENV inherited from another project would be wrong.
fn apply_isolation(isolation: &Isolation, vars: &mut BTreeMap<OsString, Var>) -> Vec<OsString> {
    let mut removed = Vec::new();
    if let Some(path) = &isolation.path {
        let old = vars
            .get(OsStr::new("PATH"))
            .map(|v| v.value.clone())
            .unwrap_or_default();
        let new = prepend_path(&path.value, &old);
        vars.insert(
            "PATH".into(),
            Var {
                value: new,
                source: Source::Isolation,
            },
        );
    }
    if let Some(venv) = &isolation.virtualenv {
        vars.insert(
            "VIRTUAL_ENV".into(),
            Var {
                value: venv.as_str().into(),
                source: Source::Isolation,
            },
        );
        if vars.remove(OsStr::new("PYTHONHOME")).is_some() {
            removed.push("PYTHONHOME".into());
        }
    }
    removed
}

/// `dirs` first, then the old entries.
pub fn prepend_path(dirs: &[Utf8PathBuf], old: &OsStr) -> OsString {
    let mut new = OsString::new();
    for dir in dirs {
        if !new.is_empty() {
            new.push(":");
        }
        new.push(dir.as_str());
    }
    if !old.is_empty() {
        if !new.is_empty() {
            new.push(":");
        }
        new.push(old);
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        for (name, content) in files {
            let p = root.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, content).unwrap();
        }
        (tmp, root)
    }

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    fn resolve_in(root: &Utf8Path, env_name: Option<&str>, base: &Env) -> Result<Plan, Error> {
        let request = Request {
            start: root.to_owned(),
            env_name: env_name.map(Into::into),
            ..Request::default()
        };
        resolve(&request, base)
    }

    fn value(plan: &Plan, name: &str) -> Option<String> {
        plan.value(name).map(|v| v.to_string_lossy().into_owned())
    }

    #[test]
    fn substitution_sees_the_base_then_earlier_lines_then_earlier_layers() {
        let (_t, root) = app(&[
            ("appenv.toml", "[env.vars]\nC = \"config\"\n"),
            (".env", "I=env\nE=env\nE2=env\n"),
            (
                ".env.local",
                "E2=local\nX=\"${I} ${E} ${E2} ${C} ${NONE}.\"\nY=${X}\n",
            ),
            (".env.development", "E=dev\nL=${E}\nL2=${E2}\n"),
        ]);
        let base = env(&[("I", "base")]);
        let plan = resolve_in(&root, Some("development"), &base).unwrap();
        // `.env.local` comes after `.env.development`; each asks earlier
        // layers once they have been indexed, and again after more are set.
        assert_eq!(value(&plan, "L").unwrap(), "dev");
        assert_eq!(value(&plan, "L2").unwrap(), "env");
        assert_eq!(value(&plan, "X").unwrap(), "base dev local config .");
        assert_eq!(value(&plan, "Y").unwrap(), "base dev local config .");
        assert_eq!(value(&plan, "I").unwrap(), "base");
    }

    #[test]
    fn substitution_reads_a_name_holding_equals_as_getenv_does() {
        let (_t, root) = app(&[(".env", "A=\"${K=v}|${K=w}|${=K=x}|${K}\"\n")]);
        let base = env(&[("K", "v=found"), ("=K", "x=odd")]);
        let plan = resolve_in(&root, None, &base).unwrap();
        assert_eq!(value(&plan, "A").unwrap(), "found||odd|v=found");
    }

    #[test]
    fn a_variable_set_twice_keeps_the_last_layer_and_the_override_rule() {
        let (_t, root) = app(&[(".env", "A=1\nA=2\nI=file\n"), (".env.local", "A=3\n")]);
        let base = env(&[("I", "base")]);
        let plan = resolve_in(&root, None, &base).unwrap();
        assert_eq!(value(&plan, "A").unwrap(), "3");
        assert_eq!(value(&plan, "I").unwrap(), "base");
        let request = Request {
            start: root.clone(),
            override_inherited: true,
            ..Request::default()
        };
        let plan = resolve(&request, &base).unwrap();
        assert_eq!(value(&plan, "I").unwrap(), "file");
        assert_eq!(
            plan.vars[OsStr::new("A")].source,
            Source::File {
                name: ".env.local".into(),
                line: 1
            }
        );
    }

    #[test]
    fn files_layer_in_order_and_inherited_wins() {
        let (_t, root) = app(&[
            (".env", "A=env\nB=env\nC=env\nD=env\nI=file\n"),
            (".env.development", "B=dev\nC=dev\n"),
            (".env.local", "C=local\nD=local\n"),
            (".env.development.local", "D=devlocal\n"),
            (
                "appenv.toml",
                "[env.vars]\nA = \"config\"\nZ = \"config\"\n",
            ),
        ]);
        let plan = resolve_in(&root, Some("development"), &env(&[("I", "inherited")])).unwrap();
        assert_eq!(value(&plan, "A").unwrap(), "env");
        assert_eq!(value(&plan, "B").unwrap(), "dev");
        assert_eq!(value(&plan, "C").unwrap(), "local");
        assert_eq!(value(&plan, "D").unwrap(), "devlocal");
        assert_eq!(value(&plan, "Z").unwrap(), "config");
        assert_eq!(value(&plan, "I").unwrap(), "inherited");
        assert_eq!(value(&plan, "APPENV_ENV").unwrap(), "development");
        assert_eq!(value(&plan, "APPENV_ROOT").unwrap(), root.as_str());
        assert_eq!(
            plan.vars[OsStr::new("D")].source,
            Source::File {
                name: ".env.development.local".into(),
                line: 1
            }
        );
    }

    #[test]
    fn trusted_dirs_given_by_the_caller_beat_the_base() {
        let (_t, root) = app(&[(".env", "A=1\n")]);
        let base = env(&[("APPENV_TRUSTED_DIRS", "/")]);
        let plan = resolve_in(&root, None, &base).unwrap();
        assert!(plan.trusted_dir.is_some());
        // --same-as: the base is the process's; only the caller's value counts.
        let request = Request {
            start: root.clone(),
            trusted_dirs: TrustedDirs::Given(None),
            ..Request::default()
        };
        assert_eq!(resolve(&request, &base).unwrap().trusted_dir, None);
    }

    #[test]
    fn override_makes_files_win() {
        let (_t, root) = app(&[
            (".env", "I=file\n"),
            ("appenv.toml", "[env]\noverride = true\n"),
        ]);
        let plan = resolve_in(&root, None, &env(&[("I", "inherited")])).unwrap();
        assert_eq!(value(&plan, "I").unwrap(), "file");
    }

    #[test]
    fn test_env_skips_local_and_no_env_skips_env_files() {
        let (_t, root) = app(&[
            (".env.local", "L=1\n"),
            (".env.test", "T=1\n"),
            (".env", "E=1\n"),
        ]);
        let plan = resolve_in(&root, Some("test"), &env(&[])).unwrap();
        assert_eq!(value(&plan, "L"), None);
        assert_eq!(value(&plan, "T").unwrap(), "1");
        let plan = resolve_in(&root, None, &env(&[])).unwrap();
        assert_eq!(value(&plan, "L").unwrap(), "1");
        assert_eq!(value(&plan, "T"), None);
        assert_eq!(
            plan.files[1].status,
            FileStatus::Skipped("no environment named")
        );
    }

    #[test]
    fn env_name_precedence() {
        let (_t, root) = app(&[("appenv.toml", "environment = \"staging\"\n")]);
        let plan = resolve_in(&root, None, &env(&[])).unwrap();
        assert_eq!(plan.env_name.unwrap().name, "staging");
        let plan = resolve_in(&root, None, &env(&[("APPENV_ENV", "qa")])).unwrap();
        assert_eq!(plan.env_name.unwrap().name, "qa");
        let plan = resolve_in(&root, Some("test"), &env(&[("APPENV_ENV", "qa")])).unwrap();
        assert_eq!(plan.env_name.unwrap().name, "test");
        assert!(resolve_in(&root, Some("../x"), &env(&[])).is_err());
    }

    #[test]
    fn substitution_sees_config_base_and_earlier_files() {
        let (_t, root) = app(&[
            (
                "appenv.toml",
                "[env.vars]\nHOST = \"${APPENV_T_HOST:-localhost}\"\nURL = \"http://$HOST/\"\nHOMEDIR = \"~/x\"\n",
            ),
            (".env", "DB=${URL}db\n"),
            (".env.local", "FULL=${DB}?u=${APPENV_T_USER}\n"),
        ]);
        let plan = resolve_in(
            &root,
            None,
            &env(&[("APPENV_T_USER", "me"), ("HOME", "/home/me")]),
        )
        .unwrap();
        assert_eq!(value(&plan, "URL").unwrap(), "http://localhost/");
        assert_eq!(value(&plan, "FULL").unwrap(), "http://localhost/db?u=me");
        assert_eq!(value(&plan, "HOMEDIR").unwrap(), "/home/me/x");
    }

    #[test]
    fn undefined_config_variable_is_an_error() {
        let (_t, root) = app(&[("appenv.toml", "[env.vars]\nX = \"$APPENV_T_NOPE\"\n")]);
        let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
        assert!(
            err.contains("[env.vars] X: $APPENV_T_NOPE is not defined"),
            "{err}"
        );
    }

    #[test]
    fn broken_env_file_names_file_and_line() {
        let (_t, root) = app(&[(".env", "A=1\nB=\"open\n")]);
        let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
        assert_eq!(err, ".env:2: unterminated double quote");
    }

    #[test]
    fn an_apps_files_cannot_set_appenvs_names_or_the_trust_stores_place() {
        let xdg = env(&[("XDG_DATA_HOME", "/data")]);
        for (name, base, refused) in [
            ("APPENV_TRUSTED_DIRS", &env(&[]), true),
            ("APPENV_ROOTX", &xdg, true),
            ("XDG_DATA_HOME", &xdg, true),
            ("HOME", &env(&[]), true),
            ("HOME", &env(&[("XDG_DATA_HOME", "relative")]), true),
            ("HOME", &xdg, false),
            ("APPENVX", &env(&[]), false),
        ] {
            assert_eq!(
                reserved(name, base).is_some(),
                refused,
                "{name} with {base:?}"
            );
        }
        let (_t, root) = app(&[(".env", "A=1\n\nAPPENV_QUIET=1\n")]);
        let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
        assert!(
            err.starts_with(".env:3: APPENV_QUIET: names starting with APPENV_"),
            "{err}"
        );
    }

    #[test]
    fn a_plan_records_every_file_it_read_with_the_digest_of_what_it_parsed() {
        let (_t, root) = app(&[(".env", "A=1\n"), ("Procfile", "web: x\n")]);
        let plan = resolve_in(&root, None, &env(&[])).unwrap();
        let read: Vec<(&str, bool)> = plan
            .inputs
            .files()
            .iter()
            .map(|i| (i.name.as_str(), i.digest.is_some()))
            .collect();
        assert_eq!(
            read,
            [
                ("appenv.toml", false),
                ("Procfile", true),
                (".env", true),
                (".env.local", false)
            ]
        );
        assert_eq!(plan.inputs.files()[2].digest, Some(input::sha256(b"A=1\n")));
        assert_eq!(
            plan.inputs(),
            read.iter().map(|(n, _)| root.join(n)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn isolation_path_and_virtualenv() {
        let (_t, root) = app(&[
            (".venv/pyvenv.cfg", ""),
            (".venv/bin/python", ""),
            (".env", ""),
        ]);
        let plan = resolve_in(
            &root,
            None,
            &env(&[
                ("PATH", "/usr/bin"),
                ("PYTHONHOME", "/x"),
                ("VIRTUAL_ENV", "/other"),
            ]),
        )
        .unwrap();
        assert_eq!(
            value(&plan, "PATH").unwrap(),
            format!("{root}/.venv/bin:/usr/bin")
        );
        assert_eq!(
            value(&plan, "VIRTUAL_ENV").unwrap(),
            format!("{root}/.venv")
        );
        assert_eq!(value(&plan, "PYTHONHOME"), None);
        assert_eq!(plan.removed, [OsString::from("PYTHONHOME")]);
    }
}
