//! `appenv edit [FILE]`: open one of the app's files in the user's editor,
//! then allow the app as it was saved (as `direnv edit` does). Editing a
//! file in place otherwise revokes trust: this is the way to change a file
//! and keep the app loading, having seen what was allowed.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

use camino::{Utf8Path, Utf8PathBuf};

use super::Context;
use crate::cli::EditArgs;
use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::input::{ALWAYS, matches};
use crate::text::{sanitize, sanitize_bytes};

pub fn run(ctx: &Context, args: &EditArgs) -> Result<(), Error> {
    let (root, store) = ctx.root_and_store(None)?;
    let file = match &args.file {
        None => root.dir.join(".env"),
        Some(file) => {
            let file = ctx.dir_arg(None, ExitCode::Failed)?.join(utf8(file)?);
            crate::workdir::normalize(file.as_std_path())
                .try_into()
                .map_err(|_| Error::new(ExitCode::GeneralError, "the file's path is not UTF-8"))?
        }
    };
    // Only what the app reads: an allow after editing anything else would
    // allow whatever the app's files are now, unseen.
    let read = input_name(&root.dir, &file).is_some_and(|name| covered(&root.dir, &name));
    if !read {
        return Err(Error::new(
            ExitCode::GeneralError,
            format!(
                "{} is not a file the app at {} reads (appenv.toml, Procfile, .env, .env.*, or one [env] files names); nothing edited",
                sanitize(file.as_str()),
                sanitize(root.dir.as_str())
            ),
        ));
    }
    edit(ctx, &file)?;
    super::allow::allow(ctx, &root, &store)
}

fn utf8(path: &std::path::Path) -> Result<&Utf8Path, Error> {
    Utf8Path::from_path(path).ok_or_else(|| {
        Error::new(
            ExitCode::GeneralError,
            format!(
                "{}: the path is not valid UTF-8",
                sanitize_bytes(path.as_os_str().as_bytes())
            ),
        )
    })
}

/// `file` named from the root, if it is inside it.
fn input_name(root: &Utf8Path, file: &Utf8Path) -> Option<String> {
    let name = file.strip_prefix(root).ok()?;
    (!name.as_str().is_empty()).then(|| name.to_string())
}

/// Whether trust covers `name` in the app: a name every app reads
/// (`.env`, `.env.*`, `appenv.toml`, `Procfile`) or one its `[env] files`
/// names.
fn covered(root: &Utf8Path, name: &str) -> bool {
    let config = crate::config::Config::load(root).ok().flatten();
    let extra = crate::trust::config_files(config.as_ref());
    ALWAYS
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .any(|template| {
            let template = template.strip_prefix("./").unwrap_or(template);
            matches(template.as_bytes(), name.as_bytes())
        })
}

/// Runs `$VISUAL`, else `$EDITOR`, else `vi`, on `file` and waits for it.
/// As git does, the editor's value goes through `/bin/sh -c '$EDITOR "$@"'`,
/// so `code --wait` or `emacsclient -t` work and the file's path is one
/// word whatever it holds. The editor gets the environment appenv was
/// started with.
fn edit(ctx: &Context, file: &Utf8PathBuf) -> Result<(), Error> {
    let editor = [EnvVars::VISUAL, EnvVars::EDITOR]
        .into_iter()
        .find_map(|name| {
            ctx.inherited
                .get(OsStr::new(name))
                .filter(|v| !v.is_empty())
        })
        .cloned()
        .unwrap_or_else(|| OsString::from("vi"));
    let mut script = editor.clone();
    script.push(" \"$@\"");
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .arg(&editor)
        .arg(file.as_str())
        .env_clear()
        .envs(&ctx.inherited)
        .status()
        .map_err(|e| {
            Error::new(
                ExitCode::GeneralError,
                format!("could not start /bin/sh for the editor: {e}"),
            )
        })?;
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("status {code}"),
            None => "a signal".to_owned(),
        };
        return Err(Error::new(
            ExitCode::GeneralError,
            format!(
                "the editor ({}) exited with {how}; nothing allowed",
                sanitize_bytes(editor.as_bytes())
            ),
        ));
    }
    Ok(())
}
