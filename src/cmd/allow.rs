//! `appenv allow [DIR]`: trust the app DIR is in, as its files are now.
//! `appenv allow --list`: the records, so that old ones can be cleaned.

use std::fmt::Write as _;

use camino::Utf8Path;

use super::Context;
use crate::cli::AllowArgs;
use crate::config::{self, Config};
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::input::{self, Inputs, Owners};
use crate::plan::workspace;
use crate::root::Root;
use crate::text::{sanitize, sanitize_bytes};
use crate::trust::{self, AppFiles, Listed, TrustStore};

pub fn run(ctx: &Context, args: &AllowArgs) -> Result<(), Error> {
    if args.list {
        return list(ctx);
    }
    let (root, store) = ctx.root_and_store(args.dir.as_deref())?;
    allow(ctx, &root, &store)
}

/// Allows the app at `root` as its files are now, when it resolves: an app
/// whose files do not parse is refused (exit 125, naming `file:line`) rather
/// than recorded, so that "allowed" always means "loads".
pub fn allow(ctx: &Context, root: &Root, store: &TrustStore) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| Error::new(ExitCode::GeneralError, e);
    resolves(ctx, root)?;
    let app = collect(root, ctx).map_err(|e| fail(&e))?;
    store.allow(&app).map_err(|e| fail(&e))?;
    if !ctx.quiet() {
        let shown = sanitize(root.dir.as_str());
        match reached_through(&root.dir, &app.root) {
            Some(target) => eprintln!("appenv: allowed {shown} ({})", sanitize(&target)),
            None => eprintln!("appenv: allowed {shown}"),
        }
        for name in &app.skipped {
            eprintln!(
                "appenv: note: {} skipped: its name is not UTF-8, so appenv never loads it",
                sanitize_bytes(name.as_encoded_bytes())
            );
        }
    }
    Ok(())
}

/// Refuses an app that would not load: the resolver's own error (an env file
/// that does not parse names `file:line`), with what to do.
fn resolves(ctx: &Context, root: &Root) -> Result<(), Error> {
    let request = ctx.request_at(root.dir.clone());
    match crate::plan::resolve(&request, &ctx.base) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::new(
            ExitCode::Failed,
            format!(
                "{}; not allowed: fix it, then run 'appenv allow' again",
                Error::from(e)
            ),
        )),
    }
}

/// What an allow records, read through the root opened once, like the
/// resolver reads it: the config (which names extra env files; a broken one
/// cannot be allowed) and every file an allow covers.
fn collect(root: &Root, ctx: &Context) -> Result<AppFiles, Box<dyn std::fmt::Display>> {
    let mut inputs = Inputs::open(&root.dir).map_err(boxed)?;
    let trusted = trust::trusted_dir(inputs.canonical(), &ctx.base);
    inputs
        .take_owners(Owners::trusting(trusted.as_deref()))
        .map_err(boxed)?;
    let bytes = inputs
        .read(config::FILE_NAME, input::Kind::Config)
        .map_err(boxed)?;
    let config = match bytes {
        Some(bytes) => {
            Some(Config::parse(Utf8Path::new(config::FILE_NAME), &bytes).map_err(boxed)?)
        }
        None => None,
    };
    let mut extra = trust::config_files(config.as_ref());
    crate::plan::read_envrc_inputs(&mut inputs);
    // A workspace member's allow covers the top's files that join it.
    if let Some((prefix, _)) = workspace::reach(root, &inputs) {
        if let Some(shared) = workspace::shared(root, prefix, &mut inputs).map_err(boxed)? {
            extra.extend(shared.covered);
        }
    }
    AppFiles::cover(&inputs, &extra).map_err(boxed)
}

fn boxed<E: std::fmt::Display + 'static>(e: E) -> Box<dyn std::fmt::Display> {
    Box::new(e)
}

/// Where a root reached through a symlink really is (`current ->
/// releases/20261201`): relative to the link's directory when below it.
fn reached_through(logical: &Utf8Path, canonical: &Utf8Path) -> Option<String> {
    if logical == canonical {
        return None;
    }
    let parent = logical.parent().and_then(|p| p.canonicalize_utf8().ok());
    let shown = match parent
        .as_deref()
        .and_then(|p| canonical.strip_prefix(p).ok())
    {
        Some(rel)
            if !rel.as_str().is_empty()
                && parent.as_deref().map(|p| p.join(rel)) != Some(logical.to_owned()) =>
        {
            rel.to_string()
        }
        _ => canonical.to_string(),
    };
    Some(shown)
}

fn list(ctx: &Context) -> Result<(), Error> {
    let store =
        TrustStore::from_env(&ctx.base).map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    let records = store
        .list()
        .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    let mut out = String::new();
    for Listed {
        root,
        allowed,
        files,
        contents,
        gone,
    } in &records
    {
        let when = allowed.map_or_else(
            || "at an unknown time".to_owned(),
            |t| format!("on {}", date(t)),
        );
        let files: Vec<String> = files.iter().map(|f| sanitize(f)).collect();
        let files = if files.is_empty() {
            "no files".to_owned()
        } else {
            files.join(", ")
        };
        let plural = if *contents == 1 { "" } else { "s" };
        let _ = write!(
            out,
            "{}\tallowed {when}\t{files}\t{contents} content{plural}",
            sanitize(root.as_str())
        );
        if *gone {
            out.push_str("\t(gone; 'appenv deny --gone' removes it)");
        }
        out.push('\n');
    }
    if records.is_empty() && !ctx.quiet() {
        eprintln!(
            "appenv: no app is allowed (records live in {})",
            sanitize(store.path().as_str())
        );
    }
    print(out.as_bytes())
}

/// `YYYY-MM-DD HH:MM UTC` for seconds since the epoch (the civil-from-days
/// algorithm: no time crate for one line of output).
fn date(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let (hour, minute) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date(0), "1970-01-01 00:00 UTC");
        assert_eq!(date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(date(1_796_083_200 + 3_723), "2026-12-01 01:02 UTC");
    }
}
