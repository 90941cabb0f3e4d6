//! `appenv encrypt [-f FILE] [NAME…]`: an env file's plain values encrypted
//! in place, in dotenvx's format, so that either tool reads the file. Only
//! the public key is needed; with no key at all, a pair is made and the
//! private key added to the root's `.env.keys`.

use std::ffi::OsStr;
use std::fs::{self, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::process::{Command, Stdio};

use camino::{Utf8Path, Utf8PathBuf};

use super::Context;
use crate::cli::EncryptArgs;
use crate::dotenv::{self, NoSeed};
use crate::error::Error;
use crate::exit::ExitCode;
use crate::input;
use crate::secrets::file::{self, EncryptError, KEYS_HEADER};
use crate::secrets::{self, KEYS_FILE, KeyFrom};
use crate::text::sanitize;

pub fn run(ctx: &Context, args: &EncryptArgs) -> Result<(), Error> {
    let target = Target::of(ctx, args.file.as_deref())?;
    let text = target.text()?;
    let fail = |e: dotenv::DotenvError| Error::new(ExitCode::Failed, e);
    let public = file::public_key(&target.name, &text).map_err(fail)?;
    let key_name = secrets::key_name(&target.name, public.as_ref().map(|p| p.0.as_str()));
    // The public key: the file's own, else that of the private key the
    // caller or .env.keys holds, else a new pair's.
    let (public_hex, add_public, new_secret, from) = match public {
        Some((_, hex)) => (hex, None, None, "the file's public key".to_owned()),
        None => {
            let add = Some(secrets::public_name(&key_name));
            match target.private_key(ctx, &key_name)? {
                Some((keys, from)) => {
                    let hex = secrets::public_of(&keys).ok_or_else(|| {
                        Error::new(
                            ExitCode::Failed,
                            format!(
                                "{key_name} (from {}) is not a private key: 64 hex digits",
                                from.as_str()
                            ),
                        )
                    })?;
                    (hex, add, None, format!("{key_name} from {}", from.as_str()))
                }
                None => {
                    let (secret, hex) = secrets::generate();
                    let from = format!("a new {key_name}, added to {KEYS_FILE}");
                    (hex, add, Some(secret), from)
                }
            }
        }
    };
    let done = file::encrypt(
        &target.name,
        &text,
        &args.names,
        &public_hex,
        add_public.as_deref(),
    )
    .map_err(|e| match e {
        EncryptError::Dotenv(e) => fail(e),
        EncryptError::PublicKey => Error::new(
            ExitCode::Failed,
            format!(
                "{}: its DOTENV_PUBLIC_KEY line is not a public key",
                sanitize(&target.name)
            ),
        ),
    })?;
    if !done.absent.is_empty() {
        return Err(Error::new(
            ExitCode::Failed,
            format!(
                "{} does not set {}",
                sanitize(&target.name),
                sanitize(&done.absent.join(", "))
            ),
        ));
    }
    // The key first: a file encrypted for a key that was then lost could
    // never be read again.
    if let Some(secret) = &new_secret {
        target.add_key(&key_name, secret)?;
    }
    if done.done.is_empty() && add_public.is_none() {
        if !ctx.quiet() {
            eprintln!(
                "appenv: {}: no plain value to encrypt",
                sanitize(&target.name)
            );
        }
    } else {
        target.write(&done.text)?;
        if !ctx.quiet() {
            eprintln!(
                "appenv: {}: encrypted {} ({from}); review it and run 'appenv allow'",
                sanitize(&target.name),
                match done.done.is_empty() {
                    true => "nothing yet".to_owned(),
                    false => sanitize(&done.done.join(", ")),
                }
            );
        }
    }
    if !done.substituting.is_empty() && !ctx.quiet() {
        eprintln!(
            "appenv: note: {}: left plain, their values substitute a `$`, and a decrypted value is taken as it is: {} (encrypt the variables they use instead)",
            sanitize(&target.name),
            sanitize(&done.substituting.join(", "))
        );
    }
    if new_secret.is_some() && !ctx.quiet() {
        warn_unignored(&target.root);
    }
    Ok(())
}

/// The env file a command works on, and the app root it belongs to.
pub(super) struct Target {
    pub root: Utf8PathBuf,
    pub path: Utf8PathBuf,
    /// The file as the resolver names it: relative to the root.
    pub name: String,
}

impl Target {
    /// `file` from the working directory (or `-C`), else the root's `.env`.
    pub fn of(ctx: &Context, file: Option<&std::path::Path>) -> Result<Self, Error> {
        let start = ctx.start_dir(ExitCode::Failed)?;
        let path = match file {
            Some(file) => {
                let joined = crate::workdir::normalize(&start.as_std_path().join(file));
                Utf8PathBuf::from_path_buf(joined).map_err(|p| {
                    Error::new(
                        ExitCode::Failed,
                        format!(
                            "{}: the path is not valid UTF-8",
                            crate::text::sanitize_bytes(p.as_os_str().as_encoded_bytes())
                        ),
                    )
                })?
            }
            None => {
                let root =
                    crate::root::find(&start).map_err(|e| Error::new(ExitCode::Failed, e))?;
                root.dir.join(".env")
            }
        };
        let dir = path.parent().unwrap_or(Utf8Path::new("/"));
        let root = crate::root::find(dir)
            .map_err(|e| Error::new(ExitCode::Failed, e))?
            .dir;
        let name = match path.strip_prefix(&root) {
            Ok(rel) => rel.to_string(),
            Err(_) => path.file_name().unwrap_or_default().to_owned(),
        };
        Ok(Target { root, path, name })
    }

    /// The file's text, read with the checks every env file gets.
    pub fn text(&self) -> Result<String, Error> {
        let fail =
            |why: String| Error::new(ExitCode::Failed, format!("{}: {why}", sanitize(&self.name)));
        let bytes = read(&self.path)?.ok_or_else(|| fail("no such file".into()))?;
        String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into()))
    }

    /// The private keys (comma-separated) of `name`: the caller's, else the
    /// root's `.env.keys`.
    pub fn private_key(
        &self,
        ctx: &Context,
        name: &str,
    ) -> Result<Option<(String, KeyFrom)>, Error> {
        let given = ctx.base.get(OsStr::new(name)).and_then(|v| v.to_str());
        if let Some(keys) = given.filter(|v| !v.is_empty()) {
            return Ok(Some((keys.to_owned(), KeyFrom::Environment)));
        }
        let path = self.root.join(KEYS_FILE);
        let Some(bytes) = read(&path)? else {
            return Ok(None);
        };
        let entries = dotenv::parse(KEYS_FILE, &bytes, &NoSeed)
            .map_err(|e| Error::new(ExitCode::Failed, e))?;
        let last = entries.into_iter().rev().find(|e| e.key == name);
        Ok(last
            .filter(|e| !e.value.is_empty())
            .map(|e| (e.value.into_owned(), KeyFrom::KeysFile)))
    }

    /// Adds `name=secret` to the root's `.env.keys`, made readable by the
    /// user only when it is new.
    fn add_key(&self, name: &str, secret: &str) -> Result<(), Error> {
        let path = self.root.join(KEYS_FILE);
        let fail = |e: std::io::Error| Error::new(ExitCode::Failed, format!("{KEYS_FILE}: {e}"));
        let existing = read(&path)?;
        let entry = format!("# {}\n{name}={secret}\n", sanitize(&self.name));
        let (text, mut options) = match &existing {
            None => (format!("{KEYS_HEADER}\n{entry}"), OpenOptions::new()),
            Some(bytes) => {
                let gap = if bytes.is_empty() || bytes.ends_with(b"\n") {
                    "\n"
                } else {
                    "\n\n"
                };
                (format!("{gap}{entry}"), OpenOptions::new())
            }
        };
        match existing {
            None => options.write(true).create_new(true).mode(0o600),
            Some(_) => options.append(true),
        };
        let mut out = options.open(&path).map_err(fail)?;
        out.write_all(text.as_bytes()).map_err(fail)?;
        out.sync_all().map_err(fail)
    }

    /// Replaces the file with `text`: written beside it, then renamed over
    /// it, with its permissions, so a reader sees the old file or the new.
    fn write(&self, text: &str) -> Result<(), Error> {
        let fail = |e: std::io::Error| {
            Error::new(ExitCode::Failed, format!("{}: {e}", sanitize(&self.name)))
        };
        let mode = fs::metadata(&self.path).map_err(fail)?.permissions().mode();
        let name = self.path.file_name().unwrap_or(".env");
        let temp = self
            .path
            .with_file_name(format!(".{name}.appenv-{}", std::process::id()));
        let result = (|| {
            let mut out = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)?;
            out.write_all(text.as_bytes())?;
            out.set_permissions(Permissions::from_mode(mode & 0o7777))?;
            out.sync_all()?;
            fs::rename(&temp, &self.path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result.map_err(fail)
    }
}

/// The content of `path` (an env file, `.env.keys`), read with the checks
/// every input gets and an env file's limit.
fn read(path: &Utf8Path) -> Result<Option<Vec<u8>>, Error> {
    let kind = input::Kind::Other {
        limit: input::MAX_ENV_FILE,
    };
    input::read_file(path, kind).map_err(|e| Error::new(ExitCode::Failed, e))
}

/// Warns when git would commit the root's `.env.keys`. git itself is asked
/// (its rules reach past `.gitignore`: `info/exclude`, `core.excludesFile`),
/// only inside a repository, with the settings that could run a program
/// turned off; without git, the user is told to check.
fn warn_unignored(root: &Utf8Path) {
    if !root.ancestors().any(|dir| dir.join(".git").exists()) {
        return;
    }
    let asked = Command::new("git")
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "-q", "--", KEYS_FILE])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match asked.map(|status| status.code()) {
        Ok(Some(0)) => {}
        Ok(Some(1)) => eprintln!(
            "appenv: warning: git does not ignore {KEYS_FILE}, which holds the private key: add it to .gitignore"
        ),
        _ => eprintln!(
            "appenv: warning: could not ask git whether it ignores {KEYS_FILE}, which holds the private key: make sure .gitignore names it"
        ),
    }
}
