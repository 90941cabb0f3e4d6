//! `appenv deny [DIR]`: remove the trust record of the app DIR is in, or of
//! the app that was at DIR when it no longer exists. `appenv deny --gone`:
//! remove every record whose app is gone.

use std::path::Path;

use camino::Utf8PathBuf;

use super::Context;
use crate::cli::DenyArgs;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::text::sanitize;
use crate::trust::TrustStore;

pub fn run(ctx: &Context, args: &DenyArgs) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| Error::new(ExitCode::GeneralError, e);
    if args.gone {
        let store = TrustStore::from_env(&ctx.base).map_err(|e| fail(&e))?;
        let removed = store.remove_gone().map_err(|e| fail(&e))?;
        if !ctx.quiet() {
            for root in &removed {
                eprintln!("appenv: denied {} (gone)", sanitize(root.as_str()));
            }
            if removed.is_empty() {
                eprintln!("appenv: no record of an app that is gone");
            }
        }
        return Ok(());
    }
    let root = match gone_path(args.dir.as_deref()) {
        // The app is gone: its record is found by the path it was allowed at.
        Some(path) => path,
        None => ctx.root_and_store(args.dir.as_deref())?.0.dir,
    };
    let store = TrustStore::from_env(&ctx.base).map_err(|e| fail(&e))?;
    let existed = store.deny(&root).map_err(|e| fail(&e))?;
    if !ctx.quiet() {
        let root = sanitize(root.as_str());
        match existed {
            true => eprintln!("appenv: denied {root}"),
            false => eprintln!("appenv: {root} was not allowed"),
        }
    }
    Ok(())
}

/// `DIR`, absolute, when no directory is there any more; a dangling symlink
/// (`current` after its release was deleted) stands for the path it points to.
fn gone_path(dir: Option<&Path>) -> Option<Utf8PathBuf> {
    let dir = dir?;
    if dir.is_dir() {
        return None;
    }
    let mut path = match dir.is_absolute() {
        true => dir.to_owned(),
        false => std::env::current_dir().ok()?.join(dir),
    };
    for _ in 0..40 {
        match std::fs::read_link(&path) {
            Ok(target) => path = path.parent()?.join(target),
            Err(_) => break,
        }
    }
    let mut normal = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                normal.pop();
            }
            c => normal.push(c),
        }
    }
    Utf8PathBuf::from_path_buf(normal).ok()
}
