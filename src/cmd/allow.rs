//! `appenv allow [DIR]`: trust the app DIR is in, as its files are now.

use std::path::Path;

use super::{Context, config_files};
use crate::config::Config;
use crate::error::{ERROR, Error};
use crate::text::sanitize;
use crate::trust::AppFiles;

pub fn run(ctx: &Context, dir: Option<&Path>) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| Error::new(ERROR, e);
    let (root, store) = ctx.root_and_store(dir)?;
    // The config names extra env files; a broken one cannot be allowed.
    let config = Config::load(&root.dir).map_err(|e| fail(&e))?;
    let app = AppFiles::collect(&root.dir, &config_files(config.as_ref())).map_err(|e| fail(&e))?;
    store.allow(&app).map_err(|e| fail(&e))?;
    if !ctx.quiet() {
        eprintln!("appenv: allowed {}", sanitize(root.dir.as_str()));
    }
    Ok(())
}
