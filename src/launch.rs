//! What running a program in an app needs, shared by typed commands and
//! shims: the required names, the environment the program gets, and the
//! exec itself. Whether the app may load at all is `crate::trust`'s answer.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exec::{self, Skip};
use crate::exit::ExitCode;
use crate::plan::{Env, Plan};
use crate::text::sanitize;

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
/// Returns only on failure.
pub fn exec_plan(plan: &Plan, argv: Vec<OsString>, cwd: Option<&Path>) -> Error {
    let Some(program) = argv.first() else {
        return Error::new(ExitCode::Failed, "nothing to run");
    };
    // Values as written (`encrypted:…`) are never handed to a program.
    if !plan.unlocked {
        return Error::new(
            ExitCode::Failed,
            "the app's encrypted values were not decrypted",
        );
    }
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
