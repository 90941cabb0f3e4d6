//! `appenv run TASK [ARGS]…`: an admin process, in the root directory.

use std::ffi::OsString;

use super::exec::exec_plan;
use super::{Context, Trust};
use crate::error::{Error, FAILED};
use crate::plan::Plan;
use crate::tasks;
use crate::text::sanitize;

pub fn run(ctx: &Context, name: &str, args: &[OsString]) -> Result<(), Error> {
    let plan = ctx.resolve()?;
    if let Trust::Untrusted(why) = ctx.trust(&plan) {
        return Err(Error::new(FAILED, why));
    }
    let Some(task) = tasks::find(&plan, name) else {
        return Err(unknown(&plan, name));
    };
    let argv = task.argv(&plan, args, !ctx.global.no_prefix);
    Err(exec_plan(&plan, argv, Some(plan.root.dir.as_std_path())))
}

fn unknown(plan: &Plan, name: &str) -> Error {
    let names: Vec<String> = tasks::list(plan)
        .iter()
        .map(|t| sanitize(&t.name))
        .collect();
    let root = sanitize(plan.root.dir.as_str());
    let name = sanitize(name);
    let message = if names.is_empty() {
        format!(
            "no task named '{name}' in {root}, and no tasks at all: add one under [tasks] in appenv.toml"
        )
    } else {
        format!(
            "no task named '{name}' in {root}; the tasks are: {} (see 'appenv tasks', or add one under [tasks] in appenv.toml)",
            names.join(", ")
        )
    };
    Error::new(FAILED, message)
}
