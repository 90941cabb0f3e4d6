//! `appenv deny [DIR]`: remove the trust record of the app DIR is in.

use std::path::Path;

use super::Context;
use crate::error::{ERROR, Error};
use crate::text::sanitize;

pub fn run(ctx: &Context, dir: Option<&Path>) -> Result<(), Error> {
    let (root, store) = ctx.root_and_store(dir)?;
    let existed = store.deny(&root.dir).map_err(|e| Error::new(ERROR, e))?;
    if !ctx.quiet() {
        let root = sanitize(root.dir.as_str());
        match existed {
            true => eprintln!("appenv: denied {root}"),
            false => eprintln!("appenv: {root} was not allowed"),
        }
    }
    Ok(())
}
