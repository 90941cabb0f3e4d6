//! What running a program in an app needs, shared by typed commands and
//! shims: a plan with trust's answer on it ([`Checked`]), the plan of an app
//! that may load ([`Trusted`]) and with its values decrypted ([`Loaded`]),
//! the required names, the environment the program gets, and the exec
//! itself. The answer itself is `crate::trust`'s.

use std::ffi::{OsStr, OsString};
use std::ops::Deref;
use std::path::Path;

use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exec::{self, Skip};
use crate::exit::ExitCode;
use crate::plan::{self, Env, Plan, Request};
use crate::text::sanitize;
use crate::trust::{self, Trust};

/// A resolved plan and trust's answer about it, asked once: where every
/// command that may load the app starts, and where those that show the
/// answer (`status`, `explain`, the hook) take it from. Only
/// [`Checked::new`] makes one: the answer is trust's, never one written in.
#[derive(Debug)]
pub struct Checked {
    plan: Plan,
    trust: Trust,
}

impl Checked {
    /// Asks trust about the plan's inputs (see [`trust::check`]);
    /// `trust_env` is the caller's environment.
    pub fn new(plan: Plan, trust_env: &Env) -> Self {
        let trust = trust::check(&plan, trust_env);
        Checked { plan, trust }
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// The plan, its values as written, and trust's answer: to show, not
    /// to load ([`Checked::trusted`], [`Checked::load`]).
    pub fn into_parts(self) -> (Plan, Trust) {
        (self.plan, self.trust)
    }

    /// The plan, when trust allows its app; trust's refusal (125) when not.
    pub fn trusted(self) -> Result<Trusted, Error> {
        // Asked first: the refusal is text, made only for a refusal.
        if self.trust.is_trusted() {
            return Ok(Trusted(self.plan));
        }
        let why = self.trust.refusal(&self.plan.root.dir).unwrap_or_default();
        Err(Error::new(ExitCode::Failed, why))
    }

    /// The one step from a resolved plan to one a program gets, in order:
    /// refused (125) unless trust allows it; refused when it read a file
    /// the program's user could not (`--same-as`); its values decrypted;
    /// its notes said; refused when `[env] required` names are not set.
    pub fn load(self, how: &Loading<'_>) -> Result<Loaded, Error> {
        let plan = self.trusted()?;
        how.check_reads(&plan)?;
        let plan = plan.unlock(how.request, how.base)?;
        if !how.quiet {
            say_notes(&plan, Values::Said);
        }
        require(&plan)?;
        Ok(plan)
    }
}

/// What loading takes from the command besides the plan.
pub struct Loading<'a> {
    /// What the plan was resolved for, and `base` what from: decrypting
    /// resolves the plan again from the same bytes.
    pub request: &'a Request,
    pub base: &'a Env,
    /// No notes said (`-q`, `APPENV_QUIET`, the user's config).
    pub quiet: bool,
    /// With `--same-as`, who the program runs as, when not the caller.
    #[cfg(target_os = "linux")]
    pub reader: Option<&'a crate::exec::Identity>,
}

impl Loading<'_> {
    /// Refuses a plan that read a file the program's user could not read
    /// itself (see `crate::same_as::readable`).
    fn check_reads(&self, plan: &Plan) -> Result<(), Error> {
        #[cfg(target_os = "linux")]
        if let Some(identity) = self.reader {
            let files: Vec<std::path::PathBuf> = plan
                .inputs
                .files()
                .iter()
                .filter(|input| input.digest.is_some())
                .map(|input| plan.root.dir.join(&input.name).into_std_path_buf())
                .collect();
            crate::same_as::readable::check(identity, &files)?;
        }
        let _ = plan;
        Ok(())
    }
}

/// Whether a command hands the plan's values on (exec, run, env), so that
/// the notes on them are said, or only shows names (which, tasks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Said,
    NotShown,
}

/// What may surprise in the plan, in the order it is said: the environment
/// name (a name nothing in the app knows, a caller's framework variable
/// that differs) and, for commands that hand values on, the notes on those
/// values (a `$` that yields nothing, a file's framework variable that gave
/// way to the name). The hook, `status` and `explain` show the same list.
pub fn notes(plan: &Plan, values: Values) -> Vec<String> {
    let mut notes = crate::env_name::notes(plan);
    if values == Values::Said {
        notes.extend(plan.notes.iter().map(ToString::to_string));
    }
    notes
}

/// Says [`notes`] on stderr.
pub fn say_notes(plan: &Plan, values: Values) {
    for note in notes(plan, values) {
        eprintln!("appenv: note: {note}");
    }
}

/// The plan of an app trust allows: only [`Checked::trusted`] makes one.
/// Its values are still as written (`encrypted:…`).
#[derive(Debug)]
pub struct Trusted(Plan);

impl Trusted {
    /// The plan with its encrypted values decrypted (see [`plan::unlock`]):
    /// resolved again for `request` from `base`, as it was.
    pub fn unlock(self, request: &Request, base: &Env) -> Result<Loaded, plan::Error> {
        plan::unlock(self.0, request, base).map(Loaded)
    }
}

impl Deref for Trusted {
    type Target = Plan;
    fn deref(&self) -> &Plan {
        &self.0
    }
}

/// The plan of an app trust allows, its values decrypted: what a program
/// is given, and the only plan [`exec`] runs.
#[derive(Debug)]
pub struct Loaded(Plan);

impl Loaded {
    pub fn into_plan(self) -> Plan {
        self.0
    }
}

impl Deref for Loaded {
    type Target = Plan;
    fn deref(&self) -> &Plan {
        &self.0
    }
}

/// Refuses a plan that leaves `[env] required` names unset or empty: the
/// app would fail later, inside itself, with a less clear message. Names
/// only, never values.
pub fn require(plan: &Plan) -> Result<(), Error> {
    if plan.missing.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = plan.missing.iter().map(|n| sanitize(n)).collect();
    Err(Error::new(
        ExitCode::Failed,
        format!(
            "required variables not set: {} ([env] required in appenv.toml; an empty value counts as not set)",
            names.join(", ")
        ),
    ))
}

/// `APPENV_QUIET` set to anything but empty or `0`.
pub fn quiet_env(env: &Env) -> bool {
    env.get(OsStr::new(EnvVars::APPENV_QUIET))
        .is_some_and(|v| !v.is_empty() && v != "0")
}

/// The environment the program gets from a plan.
pub fn env_of(plan: &Plan) -> Env {
    plan.vars
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect()
}

/// Looks the program up on the plan's PATH and replaces appenv with it.
/// Returns only on failure. A [`Loaded`] plan: values as written
/// (`encrypted:…`) are never handed to a program.
pub fn exec(plan: &Loaded, argv: Vec<OsString>, cwd: Option<&Path>) -> Error {
    let Some(program) = argv.first() else {
        return Error::new(ExitCode::Failed, "nothing to run");
    };
    let skip = Skip::for_env(|name| plan.value(name));
    let path = match skip.lookup(program, plan.value(EnvVars::PATH)) {
        Ok(path) => path,
        Err(e) => return e.into(),
    };
    // A launcher that would load .env again over appenv's choice is told not to.
    let launcher = crate::isolation::launcher_env(program)
        .iter()
        .filter(|(name, _)| plan.value(name).is_none())
        .map(|(k, v)| (OsStr::new(k), OsStr::new(v)));
    let env = plan
        .vars
        .iter()
        .map(|(k, v)| (k.as_os_str(), v.value.as_os_str()))
        .chain(launcher);
    exec::exec(&path, &argv, env, cwd).into()
}
