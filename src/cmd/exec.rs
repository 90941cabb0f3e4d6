//! `appenv COMMAND…`, `appenv -- COMMAND…`, `appenv exec COMMAND…`.

use std::ffi::OsString;

use super::Context;
use crate::error::{Error, FAILED};
use crate::launch::exec_plan;
use crate::plan;

pub fn run(ctx: &Context, command: &[OsString]) -> Result<(), Error> {
    let request = ctx.request()?;
    let plan = plan::resolve(&request, &ctx.base)?;
    if let super::Verdict::Untrusted(why) = ctx.trust(&plan) {
        return Err(Error::new(FAILED, why));
    }
    ctx.say_notes(&plan, super::Values::Said);
    crate::launch::require(&plan)?;
    let argv = plan.argv(command, !ctx.global.no_prefix);
    // With -C, the program runs in that directory, like git -C.
    let cwd = ctx.global.dir.as_ref().map(|_| request.start.as_std_path());
    Err(exec_plan(&plan, argv, cwd))
}
