//! The resolver: a root, its layers and a base environment in, a [`Plan`]
//! out. It reads files and nothing else: no printing, no exec, no writes and
//! no use of the process environment (the base env is a parameter).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{self, Config, ConfigError};
use crate::dotenv::DotenvError;
use crate::env_vars::EnvVars;
use crate::input::{self, InputError, Inputs, Owners};
use crate::isolation::{self, Isolation};
use crate::markers::{self};
use crate::procfile::{self, Procfile, ProcfileError};
use crate::root::{self, Root};
use crate::text::sanitize;
use crate::trusted_dirs;

mod environment;
mod envrc;
mod layers;
mod note;
mod versions;
pub mod workspace;

pub use environment::spelling;
use layers::Layers;

pub use envrc::{
    directives as envrc_directives, dotenv_file as envrc_dotenv_file,
    read_inputs as read_envrc_inputs,
};
pub use note::{Note, NoteKind, Shadowed};
pub use versions::{Outcome as PinOutcome, Pinned};

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
    /// What to tell the user about the values the program gets.
    pub notes: Vec<Note>,
    /// What the app's files set and the caller's environment shadows.
    pub shadowed: Vec<Shadowed>,
    /// `[env] required` names that are unset or empty.
    pub missing: Vec<String>,
    /// The files of the workspace top, when the root is a member of one.
    pub shared: Option<workspace::Shared>,
    /// The variables the program gets that were written encrypted, with
    /// their key.
    pub secrets: Vec<Secret>,
    /// Whether their values are decrypted: only once the app is trusted
    /// (see [`unlock`]).
    pub unlocked: bool,
    /// The interpreters the app's version files pin, and what was found.
    pub interpreters: Vec<Pinned>,
    /// The files the `.envrc` names with `watch_file` (absolute): watched
    /// by the hook and editors, never read.
    pub watched: Vec<Utf8PathBuf>,
}

/// A variable written encrypted (`encrypted:…`, dotenvx's format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub name: String,
    /// The file line that sets it.
    pub source: Source,
    /// The key its file needs, and where it was found.
    pub key: crate::secrets::KeyUse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenEnv {
    pub name: String,
    pub source: NamedBy,
}

/// What named the environment, first that speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    /// `--env NAME`.
    Flag,
    /// `APPENV_ENV`.
    Variable,
    /// `environment` in appenv.toml.
    Config,
}

impl NamedBy {
    /// As `explain`, the notes and the errors say it.
    pub fn as_str(self) -> &'static str {
        match self {
            NamedBy::Flag => "--env",
            NamedBy::Variable => EnvVars::APPENV_ENV,
            NamedBy::Config => "appenv.toml environment",
        }
    }
}

impl fmt::Display for NamedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    Skipped(Skipped),
}

/// Why a file that is there, or would be, is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Its name holds `{env}`, and no environment is named.
    NoEnvironment,
    /// `.env.local` in the test environment, as dotenv-rails does.
    TestEnvironment,
    /// `.env.keys`: dotenvx's private keys.
    PrivateKeys,
    /// A `.envrc` that direnv is allowed to run.
    LeftToDirenv,
    /// A `.envrc` with a line appenv cannot follow without running it.
    NotFollowed,
}

impl Skipped {
    /// As `explain` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::NoEnvironment => "no environment named",
            Skipped::TestEnvironment => "skipped for the test environment",
            Skipped::PrivateKeys => "it holds private keys, never variables",
            Skipped::LeftToDirenv => "direnv is allowed to run it, so appenv leaves it to direnv",
            Skipped::NotFollowed => "it holds a line appenv does not follow",
        }
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
    pub fn argv(&self, command: &[OsString], prefix: isolation::Prefix) -> Vec<OsString> {
        let prefix = match command.first() {
            Some(first) => prefix.words(&self.isolation, first),
            None => &[],
        };
        prefix
            .iter()
            .map(OsString::from)
            .chain(command.iter().cloned())
            .collect()
    }

    /// Every file whose change can change this plan, for the hook to watch:
    /// the files the resolver read (or looked for), by their logical path.
    pub fn input_paths(&self) -> Vec<Utf8PathBuf> {
        self.inputs
            .files()
            .iter()
            .map(|input| self.path_of(&input.name))
            .collect()
    }

    /// The logical path of a file the plan names relative to its root: a
    /// workspace top's file by the top's path (the resolver checked that
    /// `..` from the root leads there).
    pub fn path_of(&self, name: &str) -> Utf8PathBuf {
        let at_top = self.shared.as_ref().and_then(|shared| {
            let rest = name.strip_prefix(&shared.prefix)?.strip_prefix('/')?;
            Some(shared.workspace.top.join(rest))
        });
        at_top.unwrap_or_else(|| self.root.dir.join(name))
    }
}

/// Finds the root above `request.start` and resolves its plan.
pub fn resolve(request: &Request, base: &Env) -> Result<Plan, Error> {
    let (root, opened) = root::find_opened(&request.start).map_err(Error::Root)?;
    // Opened once: every file below is read relative to this directory,
    // the one finding the root looked in when it did.
    let inputs = match opened {
        Some(opened) => Inputs::from_opened(&root.dir, opened),
        None => Inputs::open(&root.dir),
    };
    resolve_inputs(root, inputs.map_err(Error::Input)?, request, base, false)
}

pub fn resolve_at(root: Root, request: &Request, base: &Env) -> Result<Plan, Error> {
    // Opened once: every file below is read relative to this directory.
    let inputs = Inputs::open(&root.dir).map_err(Error::Input)?;
    resolve_inputs(root, inputs, request, base, false)
}

/// The plan with its encrypted values decrypted, for an app that is
/// trusted: decrypting is part of loading, so a plan holds the values as
/// written until then. Resolved again from the bytes it was resolved from
/// (never read twice), so what trust checked is what is decrypted; a plan
/// without encrypted values comes back as it is.
pub fn unlock(plan: Plan, request: &Request, base: &Env) -> Result<Plan, Error> {
    if plan.unlocked {
        return Ok(plan);
    }
    resolve_inputs(plan.root, plan.inputs, request, base, true)
}

/// Resolves the plan of `root` from its files, read through `inputs`;
/// `decrypt`: decrypt encrypted values. The steps read in the order a
/// plan's inputs are recorded: the root's owners first, then what says how
/// to read the rest (config, Procfile, a workspace's top), the layers of
/// values, the version files; then what isolation and the environment
/// name make of them.
fn resolve_inputs(
    root: Root,
    mut inputs: Inputs,
    request: &Request,
    base: &Env,
    decrypt: bool,
) -> Result<Plan, Error> {
    let reach = workspace::reach(&root, &inputs);
    let trusted_dir = trusted_dir(&inputs, reach.as_ref(), request, base);
    inputs
        .take_owners(Owners::trusting(trusted_dir.as_deref()))
        .map_err(Error::Input)?;
    let (config, config_bytes) = read_config(&mut inputs)?.unzip();
    let procfile = read_procfile(&mut inputs)?;
    let shared = match reach {
        Some((prefix, _)) => workspace::shared(&root, prefix, &mut inputs)?,
        None => None,
    };
    let env_name = environment::choose(request, base, config.as_ref())?;
    let override_inherited =
        request.override_inherited || config.as_ref().is_some_and(Config::override_inherited);

    let mut layers = Layers::new(base, override_inherited, decrypt);
    let config_vars = config.as_ref().zip(config_bytes.as_deref());
    let (files, envrc) = add_layers(
        &mut layers,
        &mut inputs,
        &root,
        base,
        config_vars,
        env_name.as_ref(),
        shared.as_ref(),
    )?;
    let interpreters = versions::find(&mut inputs, base)?;

    let look: markers::Look = &inputs;
    let (isolation, pinned_notes) = isolate(
        &root,
        config.as_ref(),
        procfile.as_ref(),
        shared.as_ref(),
        look,
        &interpreters,
        envrc.path,
    );

    let layers::Parts {
        vars: layered,
        mut notes,
        mut secrets,
    } = layers.into_parts();
    let shadowed = match override_inherited {
        true => Vec::new(),
        false => shadowed(&layered, base),
    };
    let mut vars = merge(base, layered, override_inherited);
    // Only what the program gets: a value that a later file or the caller
    // replaced changes nothing.
    notes.retain(|note| gets(&vars, &note.name, &note.source));
    notes.extend(envrc.ignored);
    notes.extend(pinned_notes);
    // Any value written encrypted may have fed a later line, even one that
    // a later file replaced: decrypting resolves it all again.
    let unlocked = decrypt || secrets.is_empty();
    let removed = apply_isolation(&isolation, &mut vars);
    add_appenv_vars(&mut vars, &root, env_name.as_ref());
    environment::apply(
        look,
        config.as_ref(),
        env_name.as_ref(),
        &mut vars,
        &mut notes,
    )?;
    let missing = missing(config.as_ref(), &vars, envrc.required);
    secrets.retain(|secret| gets(&vars, &secret.name, &secret.source));
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
        notes,
        shadowed,
        missing,
        shared,
        secrets,
        unlocked,
        interpreters,
        watched: envrc.watched,
    })
}

/// The `APPENV_TRUSTED_DIRS` entry (the caller's, see [`TrustedDirs`]) the
/// root is at or below. A member is trusted by a tree only when the tree
/// holds its workspace's top too, whose files join it.
fn trusted_dir(
    inputs: &Inputs,
    reach: Option<&(String, Utf8PathBuf)>,
    request: &Request,
    base: &Env,
) -> Option<Utf8PathBuf> {
    let value = match &request.trusted_dirs {
        TrustedDirs::FromBase => base.get(OsStr::new(EnvVars::APPENV_TRUSTED_DIRS)),
        TrustedDirs::Given(value) => value.as_ref(),
    };
    let value = value.map(|v| v.as_os_str());
    trusted_dirs::covering(inputs.canonical(), value)
        .filter(|_| reach.is_none_or(|(_, top)| trusted_dirs::covering(top, value).is_some()))
}

/// A config and the bytes it was parsed from (`[env.vars]` takes its
/// values' positions from them).
type ParsedConfig = (Config, Arc<[u8]>);

/// The root's `appenv.toml`, parsed.
fn read_config(inputs: &mut Inputs) -> Result<Option<ParsedConfig>, Error> {
    let bytes = inputs
        .read(config::FILE_NAME, input::Kind::Config)
        .map_err(Error::Input)?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let config = Config::parse(Utf8Path::new(config::FILE_NAME), &bytes).map_err(Error::Config)?;
    Ok(Some((config, bytes)))
}

/// The root's Procfile, parsed.
fn read_procfile(inputs: &mut Inputs) -> Result<Option<Procfile>, Error> {
    inputs
        .read(procfile::FILE_NAME, input::Kind::Procfile)
        .map_err(Error::Input)?
        .map(|bytes| Procfile::parse(&bytes))
        .transpose()
        .map_err(Error::Procfile)
}

/// Markers, isolation and the environment name look at the root's files
/// through the root as opened, answered from its listing where it can.
impl markers::Names for Inputs {
    fn kind(&self, name: &str, follow: bool) -> Option<markers::Kind> {
        use nix::sys::stat::SFlag;
        self.file_type(name, follow).map(|kind| match kind {
            SFlag::S_IFREG => markers::Kind::File,
            SFlag::S_IFDIR => markers::Kind::Dir,
            _ => markers::Kind::Other,
        })
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let names = Inputs::list(self, dir).unwrap_or_default();
        names
            .into_iter()
            .filter_map(|n| n.into_string().ok())
            .collect()
    }
}

/// The layers of values, lowest first: `[env.vars]` (from the config and
/// the bytes it was parsed from), the env files (the environment's, and a
/// workspace top's that join the member), the `.envrc`.
fn add_layers(
    layers: &mut Layers,
    inputs: &mut Inputs,
    root: &Root,
    base: &Env,
    config: Option<(&Config, &[u8])>,
    env_name: Option<&ChosenEnv>,
    shared: Option<&workspace::Shared>,
) -> Result<(Vec<FileUse>, envrc::Envrc), Error> {
    if let Some((config, bytes)) = config {
        layers.add_config_vars(config, bytes)?;
    }
    let mut files = layers.add_files(
        inputs,
        config.map(|(config, _)| config),
        env_name.map(|d| d.name.as_str()),
        shared.map_or(&[], |s| s.files.as_slice()),
    )?;
    let envrc = envrc::add(layers, inputs, &root.dir, base, &mut files)?;
    Ok((files, envrc))
}

/// The app's dependency isolation (prefix, PATH), the interpreters its
/// version files pin after it, and the `.envrc`'s `PATH_add` directories in
/// front; with what to tell the user about the pins.
fn isolate(
    root: &Root,
    config: Option<&Config>,
    procfile: Option<&Procfile>,
    shared: Option<&workspace::Shared>,
    look: markers::Look,
    interpreters: &[Pinned],
    envrc_path: Vec<Utf8PathBuf>,
) -> (Isolation, Vec<Note>) {
    let top = shared.map(workspace::Shared::top);
    let mut isolation = isolation::detect_in(&root.dir, config, procfile, look, top);
    let mut notes = Vec::new();
    versions::apply(interpreters, &mut isolation, &mut notes);
    add_envrc_path(&mut isolation, envrc_path);
    (isolation, notes)
}

/// The inherited variables and the layered ones in one map: the layered win
/// unless files override the inherited ones.
fn merge(
    base: &Env,
    layered: Vec<(String, String, Source)>,
    override_inherited: bool,
) -> BTreeMap<OsString, Var> {
    let inherited = base.iter().map(|(k, v)| {
        let var = Var {
            value: v.clone(),
            source: Source::Inherited,
        };
        (k.clone(), var)
    });
    let layered = layered.into_iter().map(|(key, value, source)| {
        let value = value.into();
        (key.into(), Var { value, source })
    });
    // Collecting sorts once and builds the tree in bulk, where inserting
    // each file variable would search the tree each time. Of equal keys the
    // last is kept, so what wins comes last: a later layer after an earlier
    // one (the sort is stable), and the inherited variable after the layered
    // one unless files override it. Layers keep the order of their files, so
    // a sorted file costs the sort next to nothing.
    if override_inherited {
        inherited.chain(layered).collect()
    } else {
        layered.chain(inherited).collect()
    }
}

/// Whether the program gets `name` from `source`.
fn gets(vars: &BTreeMap<OsString, Var>, name: &str, source: &Source) -> bool {
    let var = vars.get(OsStr::new(name));
    var.is_some_and(|v| v.source == *source)
}

/// `APPENV_ROOT`, and `APPENV_ENV` when an environment is chosen.
fn add_appenv_vars(vars: &mut BTreeMap<OsString, Var>, root: &Root, env_name: Option<&ChosenEnv>) {
    let appenv = |value: &str| Var {
        value: value.into(),
        source: Source::Appenv,
    };
    vars.insert(EnvVars::APPENV_ROOT.into(), appenv(root.dir.as_str()));
    if let Some(name) = env_name {
        vars.insert(EnvVars::APPENV_ENV.into(), appenv(&name.name));
    }
}

/// The last layer of each name that the base env also has.
fn shadowed(layered: &[(String, String, Source)], base: &Env) -> Vec<Shadowed> {
    let mut last: BTreeMap<&str, &Source> = BTreeMap::new();
    for (key, _, source) in layered {
        if base.contains_key(OsStr::new(key)) {
            last.insert(key, source);
        }
    }
    last.into_iter()
        .map(|(name, source)| Shadowed {
            name: name.to_owned(),
            source: source.clone(),
        })
        .collect()
}

/// `[env] required` names, then the `.envrc`'s `env_vars_required` ones,
/// that the plan leaves unset or empty: an empty `SECRET_KEY_BASE` fails the
/// app as surely as a missing one.
fn missing(
    config: Option<&Config>,
    vars: &BTreeMap<OsString, Var>,
    envrc_required: Vec<String>,
) -> Vec<String> {
    let unset = |name: &String| {
        vars.get(OsStr::new(name))
            .is_none_or(|v| v.value.is_empty())
    };
    let required = config.and_then(|c| c.env.required.as_ref());
    let mut missing: Vec<String> = required
        .map(|required| {
            required
                .get_ref()
                .iter()
                .filter(|name| unset(name))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    missing.extend(envrc_required.into_iter().filter(unset));
    missing.dedup();
    missing
}

/// The `.envrc`'s `PATH_add` and `layout node` directories go in front of
/// the isolation's: direnv puts them first on PATH, and, like isolation
/// entries, they apply over the inherited PATH and leave with the app.
fn add_envrc_path(isolation: &mut Isolation, dirs: Vec<Utf8PathBuf>) {
    if dirs.is_empty() {
        return;
    }
    const WHY: &str = ".envrc PATH_add";
    match &mut isolation.path {
        Some(path) => {
            // `[env] path` may name them already (`appenv init` pins them).
            let dirs: Vec<_> = dirs
                .into_iter()
                .filter(|d| !path.value.contains(d))
                .collect();
            if dirs.is_empty() {
                return;
            }
            path.value.splice(0..0, dirs);
            path.reason = format!("{WHY}, then {}", path.reason);
        }
        None => {
            isolation.path = Some(isolation::Decided {
                value: dirs,
                reason: WHY.into(),
            })
        }
    }
}

/// Isolation applies over everything, inherited values included: a
/// VIRTUAL_ENV inherited from another project would be wrong.
fn apply_isolation(isolation: &Isolation, vars: &mut BTreeMap<OsString, Var>) -> Vec<OsString> {
    let mut removed = Vec::new();
    if let Some(path) = &isolation.path {
        let old = vars
            .get(OsStr::new(EnvVars::PATH))
            .map(|v| v.value.clone())
            .unwrap_or_default();
        // Once: entries already first, in this order (a process appenv
        // started, whose environment a `--same-as` one-off starts from), are
        // not added again. Only at the front: an entry further down may be
        // the user's own, and the hook takes out exactly what a load added.
        let new = match in_front(&path.value, &old) {
            true => old,
            false => prepend_path(&path.value, &old),
        };
        vars.insert(
            EnvVars::PATH.into(),
            Var {
                value: new,
                source: Source::Isolation,
            },
        );
    }
    if let Some(venv) = &isolation.virtualenv {
        vars.insert(
            EnvVars::VIRTUAL_ENV.into(),
            Var {
                value: venv.as_str().into(),
                source: Source::Isolation,
            },
        );
        if vars.remove(OsStr::new(EnvVars::PYTHONHOME)).is_some() {
            removed.push(EnvVars::PYTHONHOME.into());
        }
    }
    if let Some(lib) = &isolation.perl_lib {
        let old = vars
            .get(OsStr::new(EnvVars::PERL5LIB))
            .map(|v| v.value.clone());
        let value = prepend_path(std::slice::from_ref(lib), &old.unwrap_or_default());
        let source = Source::Isolation;
        vars.insert(EnvVars::PERL5LIB.into(), Var { value, source });
    }
    removed
}

/// Whether `path` starts with exactly `dirs`, in order.
fn in_front(dirs: &[Utf8PathBuf], path: &OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let mut entries = path.as_bytes().split(|&b| b == b':');
    !dirs.is_empty()
        && dirs
            .iter()
            .all(|dir| entries.next() == Some(dir.as_str().as_bytes()))
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
mod readers_never_panic;
#[cfg(test)]
mod tests;
