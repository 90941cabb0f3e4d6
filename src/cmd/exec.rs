//! `appenv COMMAND…`, `appenv -- COMMAND…`, `appenv exec COMMAND…`.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use super::Context;
use crate::error::{Error, FAILED};
use crate::exec::{self, FileId};
use crate::plan::{self, Plan};
use crate::shim::Skip;

pub fn run(ctx: &Context, command: &[OsString]) -> Result<(), Error> {
    let request = ctx.request()?;
    let plan = plan::resolve(&request, &ctx.base)?;
    if let super::Trust::Untrusted(why) = ctx.trust(&plan) {
        return Err(Error::new(FAILED, why));
    }
    super::run::note_env_name(ctx, &plan);
    let argv = plan.argv(command, !ctx.global.no_prefix);
    // With -C, the program runs in that directory, like git -C.
    let cwd = ctx.global.dir.as_ref().map(|_| request.start.as_std_path());
    Err(exec_plan(&plan, argv, cwd))
}

/// Looks the program up on the plan's PATH and replaces appenv with it.
/// Returns only on failure.
pub fn exec_plan(plan: &Plan, argv: Vec<OsString>, cwd: Option<&Path>) -> Error {
    let Some(program) = argv.first() else {
        return Error::new(FAILED, "nothing to run");
    };
    let skip = Skip::for_env(|name| plan.value(name));
    let path = match exec::lookup(program, plan.value("PATH"), &|p| skip.skips(p)) {
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

/// A PATH entry that is appenv itself (a shim, or the binary reached
/// through any chain of symlinks, or a hard link to it) would exec appenv
/// again instead of the program.
pub fn is_appenv(candidate: &Path) -> bool {
    static SELF: std::sync::OnceLock<Option<FileId>> = std::sync::OnceLock::new();
    let me = SELF.get_or_init(|| FileId::of(&std::env::current_exe().ok()?));
    me.is_some_and(|me| FileId::of(candidate) == Some(me))
}
