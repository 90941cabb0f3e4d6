//! One module per subcommand; this file sends each command to its module and
//! holds what they share: the options, the environment and the start directory.

mod allow;
mod completions;
mod console;
mod decrypt;
mod deny;
mod diff;
mod edit;
mod encrypt;
mod env;
mod exec;
mod explain;
mod export;
mod hook;
mod init;
mod remote;
mod remotes;
mod root;
mod run;
mod shim;
mod status;
mod tasks;
mod which;

use crate::env_vars::EnvVars;
use crate::launch::{self, Checked, Loaded, Loading, Trusted, Values, quiet_env};
use crate::launcher::Taken;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;

use crate::cli::{Cli, Command, Global, Terminal};
use crate::config::ConfigError;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::plan::{self, Env, Plan, Request};
use crate::text::sanitize_bytes;
use crate::trust::TrustStore;
use crate::user_config::UserConfig;
use crate::workdir::{NoWorkdir, normalize};

pub fn run(cli: Cli, inherited: Env) -> Result<(), Error> {
    let given = Given {
        global: cli.global,
        terminal: cli.terminal,
        inherited,
    };
    match cli.command {
        Command::Exec(args) => exec::run(&given.program_context()?, &args.command),
        Command::External(command) => exec::run(&given.program_context()?, &command),
        Command::Run(args) => run::run(&given.program_context()?, &args.task, args.dry_run),
        Command::Console(args) => console::run(&given.program_context()?, &args.args),
        Command::Tasks(args) => tasks::run(&given.context()?, &args),
        Command::Env(args) => env::run(&given.context()?, &args),
        Command::Root => root::run(&given.context()?),
        Command::Which(args) => which::run(&given.context()?, &args.command, args.json),
        Command::Explain => explain::run(&given.context()?),
        Command::Allow(args) => allow::run(&given.context()?, &args),
        Command::Deny(args) => deny::run(&given.context()?, &args),
        Command::Edit(args) => edit::run(&given.context()?, &args),
        Command::Shim(args) => shim::run(&given.context()?, &args),
        Command::Status(args) => status::run(&given.context()?, &args),
        Command::Init(args) => init::run(&given.context()?, &args),
        Command::Encrypt(args) => encrypt::run(&given.context()?, &args),
        Command::Decrypt(args) => decrypt::run(&given.context()?, &args),
        Command::Remotes(args) => remotes::run(&given.context()?, &args),
        // They read no user config: a broken one does not fail them.
        Command::Hook(args) => {
            given.check_options(SameAsOption::Refused)?;
            hook::run(args.shell)
        }
        Command::Completions(args) => {
            given.check_options(SameAsOption::Refused)?;
            completions::run(args.shell)
        }
        // It makes its context itself: an unchanged answer needs no base env.
        Command::Export(args) => {
            given.check_options(SameAsOption::Refused)?;
            export::run(given.global, given.inherited, args.format)
        }
        // It makes its two contexts itself, here and in the process.
        Command::Diff(args) => {
            given.check_options(SameAsOption::Taken)?;
            diff::run(given.global, given.inherited, &args)
        }
        // Every option before @NAME is its own (see `remote/`).
        Command::Remote(args) => remote::run(given.global, given.terminal, given.inherited, &args),
    }
}

/// What the command line gave besides the command, and the environment
/// appenv was started with: what a command's context is made of.
struct Given {
    global: Global,
    terminal: Terminal,
    inherited: Env,
}

/// Whether a command takes `--same-as`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SameAsOption {
    Taken,
    Refused,
}

impl Given {
    /// Refuses the options the command does not take: `--tty`/`--no-tty`
    /// go with @NAME only; `--same-as` with a command, `run`, `console` or
    /// `diff`.
    fn check_options(&self, same_as: SameAsOption) -> Result<(), Error> {
        if self.terminal.forced().is_some() {
            return Err(Error::new(
                ExitCode::Usage,
                "--tty and --no-tty go with @NAME (appenv --tty @production console)",
            ));
        }
        if self.global.same_as.is_some() && same_as == SameAsOption::Refused {
            return Err(Error::new(
                ExitCode::Usage,
                "--same-as goes with a command, 'run', 'console' or 'diff'",
            ));
        }
        Ok(())
    }

    /// The context of a command that takes no `--same-as`.
    fn context(self) -> Result<Context, Error> {
        self.check_options(SameAsOption::Refused)?;
        let ctx = Context::new(self.global, self.inherited);
        ctx.check_user_config()?;
        Ok(ctx)
    }

    /// The context of a command that runs a program: with `--same-as`, in
    /// the process it names.
    fn program_context(self) -> Result<Context, Error> {
        self.check_options(SameAsOption::Taken)?;
        let ctx = match self.global.same_as {
            Some(_) => Context::same_as(self.global, self.inherited, Entering::Program)?,
            None => Context::new(self.global, self.inherited),
        };
        ctx.check_user_config()?;
        Ok(ctx)
    }
}

pub struct Context {
    pub global: Global,
    /// The environment appenv was started with.
    pub inherited: Env,
    /// The inherited environment with any load by the shell hook taken out.
    pub base: Env,
    /// With `--same-as`: `inherited` and `base` are then the process's, but
    /// trust and messages stay the caller's.
    same_as: Option<SameAs>,
    /// The user's config file, read once; its error, if it does not parse.
    pub user: UserConfig,
    pub user_error: Option<ConfigError>,
    /// The environment trust is decided from: the base (or the caller's)
    /// with the config's `trusted_dirs` when no `APPENV_TRUSTED_DIRS` is set.
    pub(crate) trust_base: Option<Env>,
}

/// What a `--same-as` context knows besides the process's environment.
struct SameAs {
    /// The caller's base env, for trust and messages.
    caller: Env,
    /// Where resolving starts: the root appenv recorded in the process, or
    /// its working directory for a process appenv did not start.
    start: PathBuf,
    /// The process's working directory, as the kernel has it.
    cwd: PathBuf,
    /// Who the program runs as, when not the caller.
    #[cfg(target_os = "linux")]
    identity: Option<crate::exec::Identity>,
}

/// What a `--same-as` context is for: a program that runs (it belongs in
/// the process's PID namespace), or a comparison that only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entering {
    Program,
    Reading,
}

impl Context {
    pub fn new(global: Global, inherited: Env) -> Self {
        let base = crate::hook_state::base_env(&inherited);
        Context::with_base(global, inherited, base)
    }

    /// [`Context::new`] with the hook's state of `inherited` already
    /// decoded.
    pub fn with_state(
        global: Global,
        inherited: Env,
        state: Option<&crate::hook_state::HookState>,
    ) -> Self {
        let base = crate::hook_state::base_env_of(&inherited, state);
        Context::with_base(global, inherited, base)
    }

    fn with_base(global: Global, inherited: Env, base: Env) -> Self {
        Context {
            global,
            inherited,
            base,
            same_as: None,
            user: UserConfig::default(),
            user_error: None,
            trust_base: None,
        }
        .with_user_config()
    }

    /// Reads the user's config file (located from the caller's environment)
    /// and keeps what it says; the environment variables win over it.
    fn with_user_config(mut self) -> Self {
        match crate::user_config::read(self.caller_env()) {
            Ok(user) => self.user = user,
            Err(e) => self.user_error = Some(e),
        }
        let trust_env = self.same_as.as_ref().map_or(&self.base, |s| &s.caller);
        let var = OsStr::new(EnvVars::APPENV_TRUSTED_DIRS);
        if let (None, Some(dirs)) = (trust_env.get(var), self.user.trusted_dirs_value()) {
            let mut env = trust_env.clone();
            env.insert(var.into(), dirs.into());
            self.trust_base = Some(env);
        }
        self
    }

    /// A user config file that does not parse: exit 125 naming `file:line`.
    pub fn check_user_config(&self) -> Result<(), Error> {
        match &self.user_error {
            Some(e) => Err(Error::new(ExitCode::Failed, e)),
            None => Ok(()),
        }
    }

    /// `--same-as PID|NAME|PIDFILE`: appenv enters the process (namespaces,
    /// root, working directory, see `crate::same_as`), whose environment is
    /// then the base, without what identifies that one process; resolving
    /// starts from the root appenv recorded in it (else its working
    /// directory), never from where the process moved since; trust is the
    /// caller's.
    #[cfg(target_os = "linux")]
    pub fn same_as(global: Global, inherited: Env, entering: Entering) -> Result<Self, Error> {
        use crate::same_as::Fork;
        let arg = global.same_as.clone().unwrap_or_default();
        let caller = crate::hook_state::base_env(&inherited);
        let fork = match entering {
            Entering::Program => Fork::Allowed,
            Entering::Reading => Fork::Never,
        };
        // A name is looked up in the caller's app: -C or the working directory.
        let here = Context::new(global.clone(), inherited.clone());
        let app = || -> Result<PathBuf, Error> {
            let root = crate::root::find(&here.start_dir(ExitCode::Failed)?)
                .map_err(|e| Error::new(ExitCode::Failed, e))?;
            Ok(root.dir.into_std_path_buf())
        };
        // A relative -C is the caller's: made absolute here, before the
        // working directory becomes the process's.
        let mut global = global;
        if let Some(dir) = global.dir.as_ref().filter(|dir| dir.is_relative()) {
            let cwd = crate::workdir::logical(&here.inherited)
                .map_err(|e| Error::new(ExitCode::Failed, e))?;
            global.dir = Some(normalize(&cwd.join(dir)));
        }
        let entered = crate::same_as::enter(&arg, app, &caller, fork)?;
        let mut base = crate::hook_state::base_env(&entered.env);
        base.remove(OsStr::new(EnvVars::APPENV_PROCESS));
        let logical =
            crate::workdir::logical(&entered.env).map_err(|e| Error::new(ExitCode::Failed, e))?;
        Ok(Context {
            global,
            inherited: entered.env,
            base,
            same_as: Some(SameAs {
                caller: entered.trust_env,
                start: entered.recorded_root.unwrap_or(logical),
                cwd: entered.cwd,
                identity: entered.identity,
            }),
            user: UserConfig::default(),
            user_error: None,
            trust_base: None,
        }
        .with_user_config())
    }

    #[cfg(not(target_os = "linux"))]
    pub fn same_as(_: Global, _: Env, _: Entering) -> Result<Self, Error> {
        Err(Error::new(
            ExitCode::Failed,
            "--same-as works on Linux only (it reads /proc and uses setns)",
        ))
    }

    /// The environment appenv was started with: with `--same-as`, the
    /// caller's, not the process's; messages and the user's config go by it.
    fn caller_env(&self) -> &Env {
        self.same_as.as_ref().map_or(&self.inherited, |s| &s.caller)
    }

    /// The environment trust is decided from: always the caller's.
    fn trust_env(&self) -> &Env {
        match &self.trust_base {
            Some(env) => env,
            None => self.same_as.as_ref().map_or(&self.base, |s| &s.caller),
        }
    }

    /// The directory resolution starts from: `-C DIR` or the working
    /// directory, as the logical path the user sees (symlinks kept).
    /// `fails`: the status of the command when there is none: 125, env(1)'s,
    /// for most (`which` and `root` too), 1 for those that fail with 1
    /// (`explain`, `tasks`, `remotes`, `init`, `allow`, `deny`, `edit`).
    pub fn start_dir(&self, fails: ExitCode) -> Result<Utf8PathBuf, Error> {
        self.dir_arg(self.global.dir.as_deref(), fails)
    }

    /// A directory given on the command line, made absolute and logical.
    pub fn dir_arg(&self, given: Option<&Path>, fails: ExitCode) -> Result<Utf8PathBuf, Error> {
        dir_arg(given, || self.origin(), fails)
    }

    /// Where resolving starts without -C, and what a relative -C is
    /// relative to: the working directory; for `--same-as`, the root
    /// recorded in the process, else its working directory (a relative -C
    /// was made absolute from the caller's before entering).
    fn origin(&self) -> Result<PathBuf, NoWorkdir> {
        match &self.same_as {
            Some(same_as) => Ok(same_as.start.clone()),
            None => crate::workdir::logical(&self.inherited),
        }
    }

    /// The root of the app a `[DIR]` argument (or -C, or the working
    /// directory) is in, and the trust store, for `allow` and `deny`.
    pub fn root_and_store(
        &self,
        dir: Option<&Path>,
    ) -> Result<(crate::root::Root, TrustStore), Error> {
        let fail = |e: &dyn std::fmt::Display| Error::new(ExitCode::GeneralError, e);
        let start = self.dir_arg(dir.or(self.global.dir.as_deref()), ExitCode::GeneralError)?;
        let root = crate::root::find(&start).map_err(|e| fail(&e))?;
        let store = TrustStore::from_env(self.trust_env()).map_err(|e| fail(&e))?;
        Ok((root, store))
    }

    /// What resolving is asked for; `fails` as for [`Context::start_dir`].
    pub fn request(&self, fails: ExitCode) -> Result<Request, Error> {
        Ok(self.request_at(self.start_dir(fails)?))
    }

    /// [`Context::request`] from a start directory already found.
    pub fn request_at(&self, start: Utf8PathBuf) -> Request {
        Request {
            start,
            env_name: self.global.env.clone(),
            override_inherited: self.global.override_inherited,
            // The caller's (with `--same-as`) or the config's decide,
            // else the base env's own.
            trusted_dirs: if self.trust_base.is_some() || self.same_as.is_some() {
                plan::TrustedDirs::Given(
                    self.trust_env()
                        .get(OsStr::new(EnvVars::APPENV_TRUSTED_DIRS))
                        .cloned(),
                )
            } else {
                plan::TrustedDirs::FromBase
            },
        }
    }

    /// The plan; its errors, and no start directory, exit with `fails`
    /// (see [`Context::start_dir`]).
    pub fn resolve(&self, fails: ExitCode) -> Result<Plan, Error> {
        Ok(self.resolve_noting(fails)?.0)
    }

    /// [`Context::resolve`], and with `--same-as`, what the app's launcher
    /// had put into the process's environment and was taken out of the base
    /// (the one-off's own prefix puts it back; see `crate::same_as::launcher`).
    /// The isolation depends on the app's files only, so the first plan
    /// says which launcher to look for.
    pub fn resolve_noting(&self, fails: ExitCode) -> Result<(Plan, Option<Taken>), Error> {
        self.resolve_for(&self.request(fails)?, fails)
    }

    /// [`Context::resolve_noting`] for a request already made.
    fn resolve_for(
        &self,
        request: &Request,
        fails: ExitCode,
    ) -> Result<(Plan, Option<Taken>), Error> {
        let failed = |e| Error::new(fails, e);
        let plan = plan::resolve(request, &self.base).map_err(failed)?;
        if let (Some(_), Some(prefix)) = (&self.same_as, &plan.isolation.prefix) {
            let mut base = self.base.clone();
            if let Some(taken) = crate::launcher::take_out(&prefix.value, &mut base) {
                let plan = plan::resolve(request, &base).map_err(failed)?;
                return Ok((plan, Some(taken)));
            }
        }
        Ok((plan, None))
    }

    /// Where a typed command runs when it is not the working directory
    /// appenv was started in: `-C DIR`; with `--same-as`, the process's
    /// working directory when it is inside the app, else the app root.
    pub fn program_dir(&self, plan: &Plan) -> Result<Option<PathBuf>, Error> {
        if self.global.dir.is_some() {
            return Ok(Some(self.start_dir(ExitCode::Failed)?.into_std_path_buf()));
        }
        Ok(match &self.same_as {
            // Already there: appenv entered it.
            Some(same_as) if same_as.cwd.starts_with(plan.inputs.canonical()) => None,
            Some(_) => Some(plan.root.dir.clone().into_std_path_buf()),
            None => None,
        })
    }

    /// With `--same-as`, the process's working directory.
    pub fn process_cwd(&self) -> Option<&Path> {
        self.same_as.as_ref().map(|s| s.cwd.as_path())
    }

    /// The plan of the app, loaded: what every command that hands the
    /// app's values on takes (a program, a task, `env`). Resolved here,
    /// with trust's answer ([`Context::check`]); the rest is
    /// [`Checked::load`].
    pub fn load(&self) -> Result<Loaded, Error> {
        let request = self.request(ExitCode::Failed)?;
        let (plan, _) = self.resolve_for(&request, ExitCode::Failed)?;
        self.check(plan).load(&Loading {
            request: &request,
            base: &self.base,
            quiet: self.quiet(),
            #[cfg(target_os = "linux")]
            reader: self.same_as.as_ref().and_then(|s| s.identity.as_ref()),
        })
    }

    /// The plan of an app trust allows, its values as written: `@NAME`,
    /// whose remotes are the app's word.
    pub fn trusted(&self) -> Result<Trusted, Error> {
        self.check(self.resolve(ExitCode::Failed)?).trusted()
    }

    /// The plan a read-only command shows (`which`, `tasks`, `remotes`):
    /// an app that is not trusted is shown too, with a note saying so.
    pub fn show(&self, fails: ExitCode) -> Result<Plan, Error> {
        let (plan, trust) = self.check(self.resolve(fails)?).into_parts();
        if let Some(why) = trust.refusal(&plan.root.dir) {
            if !self.quiet() {
                eprintln!("appenv: note: {why}");
            }
        }
        Ok(plan)
    }

    /// The plan and whether its app may load: allowed with its files as
    /// they are now, or under `APPENV_TRUSTED_DIRS`; asked with the
    /// caller's environment (see [`Checked`]).
    pub fn check(&self, plan: Plan) -> Checked {
        self.warn_relative_trusted_dirs();
        Checked::new(plan, self.trust_env())
    }

    /// A relative `APPENV_TRUSTED_DIRS` entry trusts nothing (it would depend on
    /// the working directory): said once per run, not silently ignored.
    fn warn_relative_trusted_dirs(&self) {
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let value = self
            .trust_env()
            .get(OsStr::new(EnvVars::APPENV_TRUSTED_DIRS));
        let relative = crate::trusted_dirs::relative(value.map(|v| v.as_os_str()));
        if relative.is_empty()
            || self.quiet()
            || WARNED.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let shown: Vec<String> = relative.iter().map(|p| show(p)).collect();
        eprintln!(
            "appenv: warning: APPENV_TRUSTED_DIRS entries must be absolute; ignoring {}",
            shown.join(", ")
        );
    }

    /// `-q`, or `APPENV_QUIET` set (not empty, not 0): no messages.
    pub fn quiet(&self) -> bool {
        let env = self.caller_env();
        let from_env = env.contains_key(OsStr::new(EnvVars::APPENV_QUIET));
        self.global.quiet || quiet_env(env) || (!from_env && self.user.quiet == Some(true))
    }

    /// Says on stderr, unless quiet, what may surprise in the plan (see
    /// [`launch::say_notes`]).
    pub fn say_notes(&self, plan: &Plan, values: Values) {
        if !self.quiet() {
            launch::say_notes(plan, values);
        }
    }
}

/// [`Context::start_dir`] before any context is made (no `--same-as`):
/// `-C DIR` or the working directory of `inherited`.
pub fn start_dir(global: &Global, inherited: &Env) -> Result<Utf8PathBuf, Error> {
    dir_arg(
        global.dir.as_deref(),
        || crate::workdir::logical(inherited),
        ExitCode::Failed,
    )
}

/// A directory given on the command line, made absolute from `origin` and
/// logical; `origin` itself without one. Its errors exit with `fails`.
fn dir_arg(
    given: Option<&Path>,
    origin: impl FnOnce() -> Result<PathBuf, NoWorkdir>,
    fails: ExitCode,
) -> Result<Utf8PathBuf, Error> {
    let origin = || origin().map_err(|e| Error::new(fails, e));
    let dir = match given {
        Some(dir) if dir.is_absolute() => normalize(dir),
        Some(dir) => normalize(&origin()?.join(dir)),
        None => origin()?,
    };
    if given.is_some() && !dir.is_dir() {
        return Err(Error::new(
            fails,
            format!("{}: not a directory", show(&dir)),
        ));
    }
    Utf8PathBuf::from_path_buf(dir).map_err(|dir| {
        Error::new(
            fails,
            format!("{}: the path is not valid UTF-8", show(&dir)),
        )
    })
}

fn show(path: &Path) -> String {
    sanitize_bytes(path.as_os_str().as_bytes())
}
