//! `appenv deny [DIR]`: remove the trust record of the app DIR is in.

use std::path::Path;

use super::Context;
use crate::error::{ERROR, Error};
use crate::root;
use crate::text::sanitize;
use crate::trust::TrustStore;

pub fn run(ctx: &Context, dir: Option<&Path>) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| Error::new(ERROR, e);
    let start = ctx
        .dir_arg(dir.or(ctx.global.dir.as_deref()))
        .map_err(|e| e.with_status(ERROR))?;
    let root = root::find(&start).map_err(|e| fail(&e))?;
    let store = TrustStore::from_env(&ctx.base).map_err(|e| fail(&e))?;
    let existed = store.deny(&root.dir).map_err(|e| fail(&e))?;
    if !ctx.global.quiet {
        let root = sanitize(root.dir.as_str());
        match existed {
            true => eprintln!("appenv: denied {root}"),
            false => eprintln!("appenv: {root} was not allowed"),
        }
    }
    Ok(())
}
