//! `appenv COMMAND…`, `appenv -- COMMAND…`, `appenv exec COMMAND…`.

use std::ffi::OsString;

use super::Context;
use crate::error::Error;
use crate::isolation::Prefix;
use crate::launch;

pub fn run(ctx: &Context, command: &[OsString]) -> Result<(), Error> {
    let plan = ctx.load()?;
    let argv = plan.argv(command, Prefix::unless(ctx.global.no_prefix));
    // With -C, the program runs in that directory, like git -C.
    let cwd = ctx.program_dir(&plan)?;
    Err(launch::exec(&plan, argv, cwd.as_deref()))
}
