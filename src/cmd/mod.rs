//! One module per subcommand; this file sends each command to its module and
//! holds what they share: the options, the environment and the start directory.

mod allow;
mod completions;
mod console;
mod deny;
mod diff;
mod env;
mod exec;
mod explain;
mod export;
mod hook;
mod init;
mod root;
mod run;
mod shim;
mod status;
mod tasks;
mod which;

use crate::launch::{Verdict, quiet_env};

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use camino::Utf8PathBuf;

use crate::cli::{Cli, Command, Global};
use crate::error::{ERROR, Error, FAILED};
use crate::plan::{self, Env, Plan, Request};
use crate::text::sanitize_bytes;
use crate::trust::TrustStore;
use crate::workdir::normalize;

pub fn run(cli: Cli, inherited: Env) -> Result<(), Error> {
    let ctx = match (&cli.global.same_as, &cli.command) {
        (_, Command::Diff(args)) => return diff::run(cli.global, inherited, args),
        // It makes its context itself: an unchanged answer needs no base env.
        (None, Command::Export(args)) => return export::run(cli.global, inherited, args.shell),
        (None, _) => Context::new(cli.global, inherited),
        (
            Some(_),
            Command::Exec(_) | Command::External(_) | Command::Run(_) | Command::Console(_),
        ) => Context::same_as(cli.global, inherited, Entering::Program)?,
        (Some(_), _) => {
            return Err(Error::new(
                2,
                "--same-as goes with a command, 'run', 'console' or 'diff'",
            ));
        }
    };
    match cli.command {
        Command::Exec(args) => exec::run(&ctx, &args.command),
        Command::External(command) => exec::run(&ctx, &command),
        Command::Run(args) => run::run(&ctx, &args.task, args.dry_run),
        Command::Console(args) => console::run(&ctx, &args.args),
        Command::Tasks(args) => tasks::run(&ctx, &args),
        Command::Env(args) => env::run(&ctx, &args),
        Command::Root => root::run(&ctx),
        Command::Which(args) => which::run(&ctx, &args.command),
        Command::Explain => explain::run(&ctx),
        Command::Export(_) => unreachable!("export makes its own context"),
        Command::Hook(args) => hook::run(args.shell),
        Command::Allow(args) => allow::run(&ctx, &args),
        Command::Deny(args) => deny::run(&ctx, &args),
        Command::Shim(args) => shim::run(&ctx, &args),
        Command::Status(args) => status::run(&ctx, &args),
        Command::Init => init::run(&ctx),
        Command::Completions(args) => completions::run(args.shell),
        Command::Diff(_) => unreachable!("diff makes its own contexts"),
    }
}

pub struct Context {
    pub global: Global,
    /// The environment appenv was started with.
    pub inherited: Env,
    /// The inherited environment with any load by the shell hook taken out.
    pub base: Env,
    /// With `--same-as`, the caller's base env: `inherited` and `base` are
    /// then the process's, but trust and messages stay the caller's.
    caller: Option<Env>,
}

/// Whether a command hands the plan's values on (exec, run, env), so that
/// the notes on them are said, or only shows names (which, tasks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Said,
    NotShown,
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
        Context {
            global,
            inherited,
            base,
            caller: None,
        }
    }

    /// `--same-as PID`: appenv enters the process (namespaces, root, working
    /// directory, see `crate::same_as`), whose environment is then the base
    /// and whose working directory is the start; trust is the caller's.
    #[cfg(target_os = "linux")]
    pub fn same_as(global: Global, inherited: Env, entering: Entering) -> Result<Self, Error> {
        use crate::same_as::Fork;
        let arg = global.same_as.clone().unwrap_or_default();
        let caller = crate::hook_state::base_env(&inherited);
        let fork = match entering {
            Entering::Program => Fork::Allowed,
            Entering::Reading => Fork::Never,
        };
        let entered = crate::same_as::enter(&arg, &caller, fork)?;
        let base = crate::hook_state::base_env(&entered.env);
        Ok(Context {
            global,
            inherited: entered.env,
            base,
            caller: Some(entered.trust_env),
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn same_as(_: Global, _: Env, _: Entering) -> Result<Self, Error> {
        Err(Error::new(
            FAILED,
            "--same-as works on Linux only (it reads /proc and uses setns)",
        ))
    }

    /// The environment trust is decided from: always the caller's.
    fn trust_env(&self) -> &Env {
        self.caller.as_ref().unwrap_or(&self.base)
    }

    /// The directory resolution starts from: `-C DIR` or the working
    /// directory, as the logical path the user sees (symlinks kept).
    pub fn start_dir(&self) -> Result<Utf8PathBuf, Error> {
        self.dir_arg(self.global.dir.as_deref())
    }

    /// A directory given on the command line, made absolute and logical.
    pub fn dir_arg(&self, given: Option<&Path>) -> Result<Utf8PathBuf, Error> {
        let dir = match given {
            Some(dir) if dir.is_absolute() => normalize(dir),
            Some(dir) => normalize(&self.logical_cwd()?.join(dir)),
            None => self.logical_cwd()?,
        };
        if given.is_some() && !dir.is_dir() {
            return Err(Error::new(
                FAILED,
                format!("{}: not a directory", show(&dir)),
            ));
        }
        Utf8PathBuf::from_path_buf(dir).map_err(|dir| {
            Error::new(
                FAILED,
                format!("{}: the path is not valid UTF-8", show(&dir)),
            )
        })
    }

    fn logical_cwd(&self) -> Result<PathBuf, Error> {
        crate::workdir::logical(&self.inherited)
    }

    /// The root of the app a `[DIR]` argument (or -C, or the working
    /// directory) is in, and the trust store, for `allow` and `deny`.
    pub fn root_and_store(
        &self,
        dir: Option<&Path>,
    ) -> Result<(crate::root::Root, TrustStore), Error> {
        let fail = |e: &dyn std::fmt::Display| Error::new(ERROR, e);
        let start = self
            .dir_arg(dir.or(self.global.dir.as_deref()))
            .map_err(|e| e.with_status(ERROR))?;
        let root = crate::root::find(&start).map_err(|e| fail(&e))?;
        let store = TrustStore::from_env(self.trust_env()).map_err(|e| fail(&e))?;
        Ok((root, store))
    }

    pub fn request(&self) -> Result<Request, Error> {
        Ok(self.request_at(self.start_dir()?))
    }

    /// [`Context::request`] from a start directory already found.
    pub fn request_at(&self, start: Utf8PathBuf) -> Request {
        Request {
            start,
            env_name: self.global.env.clone(),
            override_inherited: self.global.override_inherited,
            trusted_dirs: match &self.caller {
                Some(caller) => plan::TrustedDirs::Given(
                    caller.get(OsStr::new(crate::trusted_dirs::VAR)).cloned(),
                ),
                None => plan::TrustedDirs::FromBase,
            },
        }
    }

    pub fn resolve(&self) -> Result<Plan, Error> {
        Ok(plan::resolve(&self.request()?, &self.base)?)
    }

    /// Whether the plan's root may be used: allowed with its files as they
    /// are now, or under `APPENV_TRUSTED_DIRS`.
    pub fn trust(&self, plan: &Plan) -> Verdict {
        self.warn_relative_trusted_dirs();
        crate::launch::verdict(plan, self.trust_env())
    }

    /// A relative `APPENV_TRUSTED_DIRS` entry trusts nothing (it would depend on
    /// the working directory): said once per run, not silently ignored.
    fn warn_relative_trusted_dirs(&self) {
        static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let value = self.trust_env().get(OsStr::new(crate::trusted_dirs::VAR));
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
        self.global.quiet || quiet_env(self.caller.as_ref().unwrap_or(&self.inherited))
    }

    /// Says on stderr, once, what may surprise in the plan: the environment
    /// name (a name nothing in the app knows, a caller's framework variable
    /// that differs) and, for commands that hand values on, the notes on
    /// those values (a `$` that yields nothing, a file's framework variable
    /// that gave way to the name).
    pub fn say_notes(&self, plan: &Plan, values: Values) {
        if self.quiet() {
            return;
        }
        for note in crate::env_name::notes(plan) {
            eprintln!("appenv: note: {note}");
        }
        if values == Values::Said {
            for note in &plan.notes {
                eprintln!("appenv: note: {note}");
            }
        }
    }

    /// Prints a note when a read-only command shows an untrusted app.
    pub fn note_trust(&self, plan: &Plan) {
        if let Verdict::Untrusted(why) = self.trust(plan) {
            if !self.quiet() {
                eprintln!("appenv: note: {why}");
            }
        }
    }
}

fn show(path: &Path) -> String {
    sanitize_bytes(path.as_os_str().as_bytes())
}
