//! `appenv console [ARGS]…`: the app's REPL, which is `appenv run console`.

use std::ffi::OsString;

use super::Context;
use crate::error::Error;

pub fn run(ctx: &Context, args: &[OsString]) -> Result<(), Error> {
    super::run::run_task(ctx, "console", args, false)
}
