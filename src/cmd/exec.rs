//! `appenv COMMAND…`, `appenv -- COMMAND…`, `appenv exec COMMAND…`.

use std::ffi::OsString;

use super::Context;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::isolation::Prefix;
use crate::launch::exec_plan;

pub fn run(ctx: &Context, command: &[OsString]) -> Result<(), Error> {
    let plan = ctx.resolve(ExitCode::Failed)?;
    if let Some(why) = ctx.trust(&plan).refusal(&plan.root.dir) {
        return Err(Error::new(ExitCode::Failed, why));
    }
    ctx.check_program_reads(&plan)?;
    let plan = ctx.unlock(plan)?;
    ctx.say_notes(&plan, super::Values::Said);
    crate::launch::require(&plan)?;
    let argv = plan.argv(command, Prefix::unless(ctx.global.no_prefix));
    // With -C, the program runs in that directory, like git -C.
    let cwd = ctx.program_dir(&plan)?;
    Err(exec_plan(&plan, argv, cwd.as_deref()))
}
