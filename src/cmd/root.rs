//! `appenv root`: print the app root.

use super::Context;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::root;

pub fn run(ctx: &Context) -> Result<(), Error> {
    let start = ctx.start_dir(ExitCode::Failed)?;
    let root = root::find(&start).map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    print(format!("{}\n", root.dir).as_bytes())
}
