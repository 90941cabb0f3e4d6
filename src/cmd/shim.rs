//! `appenv shim install|list|remove`: manage the symlinks that run a program
//! in its app environment.

use std::ffi::OsStr;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::Context;
use crate::cli::{ShimAction, ShimArgs};
use crate::env_vars::EnvVars;
use crate::error::{Error, print};
use crate::exec::Skip;
use crate::shell::Shell;
use crate::shim::{self, Occupant, Outcome, prefix};
use crate::text::sanitize_bytes;

pub fn run(ctx: &Context, args: &ShimArgs) -> Result<(), Error> {
    let dir = shim::dir(shim::env_var(&ctx.inherited))?;
    let exe = shim::current_exe()?;
    let path = ctx
        .inherited
        .get(OsStr::new(EnvVars::PATH))
        .map(|p| p.as_os_str());
    let mut out = String::new();
    match &args.action {
        ShimAction::Install { names } => {
            let changes = shim::install(&dir, names, &exe)?;
            for (name, change) in names.iter().zip(changes) {
                let _ = match change {
                    Outcome::Installed => writeln!(out, "installed {name} -> {}", show(&exe)),
                    Outcome::Updated => writeln!(out, "updated {name} -> {}", show(&exe)),
                    _ => writeln!(out, "{name} already installed"),
                };
            }
            if !shim::on_path(&dir, path) {
                path_hint(&dir, &mut out);
            }
        }
        ShimAction::Remove { names } => {
            let changes = shim::remove(&dir, names, &exe)?;
            for (name, change) in names.iter().zip(changes) {
                let _ = match change {
                    Outcome::Removed => writeln!(out, "removed {name}"),
                    _ => writeln!(out, "{name} not installed"),
                };
            }
        }
        ShimAction::List => {
            list(&dir, &exe, path, &mut out)?;
            here(ctx, &dir, &mut out);
            return print(out.as_bytes());
        }
    }
    if ctx.quiet() {
        return Ok(());
    }
    print(out.as_bytes())
}

fn list(dir: &Path, exe: &Path, path: Option<&OsStr>, out: &mut String) -> Result<(), Error> {
    let on_path = shim::on_path(dir, path);
    let shims = shim::list(dir, exe)?;
    let state = if on_path { "on PATH" } else { "not on PATH" };
    let _ = writeln!(out, "shims in {} ({state})", show(dir));
    if shims.is_empty() {
        let _ = writeln!(
            out,
            "  none: add some with 'appenv shim install python irb…'"
        );
    }
    for (name, occupant, target) in shims {
        let name_shown = sanitize_bytes(name.as_bytes());
        let _ = write!(out, "  {name_shown}");
        if let Some(target) = target {
            let _ = write!(out, " -> {}", show(&target));
        }
        let _ = match occupant {
            Occupant::Shim => {
                let skip = Skip::new([dir.to_owned()]);
                let first = shim::first_on_path(&name, path);
                match first {
                    Some(first) if on_path && !skip.skips(&first) => {
                        writeln!(out, " (shadowed: {} comes first on PATH)", show(&first))
                    }
                    _ if skip.lookup_named(&name, path).is_err() => {
                        writeln!(out, " (no {name_shown} on PATH besides the shim)")
                    }
                    _ => writeln!(out),
                }
            }
            Occupant::OtherAppenv(_) => writeln!(
                out,
                " (another appenv binary; 'appenv shim install {name_shown}' points it at this one)"
            ),
            Occupant::Foreign(what) => writeln!(out, " (not a shim: {what})"),
            Occupant::Missing => writeln!(out),
        };
    }
    if !on_path {
        path_hint(dir, out);
    }
    Ok(())
}

/// What the shims do with the prefix of the app here, if it has one.
fn here(ctx: &Context, dir: &Path, out: &mut String) {
    let Ok(plan) = ctx.resolve(crate::exit::ExitCode::Failed) else {
        return;
    };
    let skip = Skip::new([dir.to_owned()]);
    if let Some(line) = prefix::describe(&prefix::decide(&plan, None, &skip)) {
        let root = sanitize_bytes(plan.root.dir.as_str().as_bytes());
        let _ = writeln!(out, "in {root}, shims {line}");
    }
}

/// The lines that put the shims on PATH, ahead of the programs they stand
/// in for.
fn path_hint(dir: &Path, out: &mut String) {
    let shown = show(dir);
    let line = |shell: Shell| shell.path_first_line(&shown).unwrap_or_default();
    let _ = writeln!(
        out,
        "{shown} is not on PATH; put it before the programs the shims stand in for:\n  \
         {}    # bash, zsh: in ~/.bashrc or ~/.zshrc\n  \
         {}    # fish",
        line(Shell::Bash),
        line(Shell::Fish),
    );
}

fn show(path: &Path) -> String {
    sanitize_bytes(path.as_os_str().as_bytes())
}
