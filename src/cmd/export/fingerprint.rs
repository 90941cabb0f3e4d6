//! An answer without resolving: when nothing the last answer depended on
//! has changed, `appenv export` says so from the fingerprint in the hook's
//! state, for the cost of a root check and a `stat` of each path in it.
//!
//! The fingerprint is a digest of everything the answer was made from:
//! appenv's version and the effective user, the format and the options,
//! the whole inherited environment as the shell will hold it after this
//! answer (any variable can reach a value through `${NAME}`, and an
//! inherited one wins over the files; all but `_`, the path of the command
//! the shell runs, which a wrapper changes, and `PWD` and `OLDPWD` unless a
//! file that fed the answer names them), which of the names the load left
//! to the shell's own variables are still there (no other name of the
//! shell's changes the answer: a user's `x=1` or `for i` keeps the
//! fingerprint), the state itself, and the identity and
//! times (device, inode, mode, size, modification and change time to the
//! nanosecond) of every path the answer read or looked for: the files and
//! directories the hook watches, every name isolation looked for with the
//! directories up to it, `bin/`, the trust store and the root's trust
//! record. Besides the digest it keeps the root's reason, which the root
//! check must find again, and the paths, which it hands the shell again.
//!
//! It never stands for a change it did not see: one is kept only when every
//! time it holds is more than a tick older than the start of the answer
//! (a file changed later, or in the same tick of the clock that stamps file
//! times, could change again without its times moving), and not at all
//! when `[env] files` may name any file by a template or the app could not
//! be resolved. Then the next answer resolves, as every answer did before.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::SystemTime;

use camino::Utf8Path;

use super::{Context, Format, Left, Target, watch::Watch};
use crate::cli::Global;
use crate::env_vars::EnvVars;
use crate::hook_state::{self, Digest, Fingerprint, Stats};
use crate::plan::Env;
use crate::root;

/// What the shell asked with: appenv's options and the environment it
/// passed, all an unchanged answer depends on besides the files.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) global: &'a Global,
    pub(super) inherited: &'a Env,
}

/// What the shell gets when nothing changed, from the fingerprint alone.
pub(super) struct Unchanged {
    pub(super) root: root::Root,
    pub(super) seen: Fingerprint,
    /// Loaded, or refused (the hook's directories then go up to `/`).
    pub(super) loaded: bool,
}

/// The fingerprint in the inherited state, if it still holds.
/// Asked before any context is made: the base env, which takes the load
/// out of `inherited`, is not needed for it.
pub(super) fn unchanged(asked: Asked, format: Format) -> Option<Unchanged> {
    let Asked { global, inherited } = asked;
    let state = inherited.get(OsStr::new(EnvVars::APPENV_STATE))?;
    let quick = hook_state::quick(state)?;
    let start = crate::cmd::start_dir(global, inherited).ok()?;
    let found = super::same_app(Some(&quick.root), root::find(&start).ok()?);
    if found.dir.as_str() != quick.root || found.reason.file_name() != quick.seen.reason {
        return None;
    }
    let env = inherited
        .iter()
        .map(|(name, value)| (name.as_os_str(), value.as_os_str()));
    let mut stats = Stats::checking();
    let in_env = |name: &OsStr| inherited.contains_key(name);
    let digest = digest(
        asked,
        format,
        env,
        &in_env,
        quick.prefix,
        &quick.seen,
        &mut stats,
    );
    (digest == quick.seen.digest).then_some(Unchanged {
        root: found,
        seen: quick.seen,
        loaded: !quick.refused,
    })
}

/// Puts the fingerprint of this answer into the state it sets, when one
/// can be taken. `started`: when the answer began to read.
pub(super) fn take(
    ctx: &Context,
    format: Format,
    started: SystemTime,
    target: &Target,
    watch: &Watch,
    updates: &mut BTreeMap<OsString, Option<OsString>>,
) {
    // A job's steps never ask `unchanged` (each resolves), and a digest is
    // bound to its format: there a fingerprint would only make the state
    // of two identical steps differ, by whether the files were settled.
    if format == Format::Gha {
        return;
    }
    let var = OsStr::new(EnvVars::APPENV_STATE);
    let prefix = match updates.get(var) {
        Some(Some(prefix)) => prefix.clone(),
        // Unloaded to nothing: no state to keep one in.
        Some(None) => return,
        None => match ctx.inherited.get(var) {
            Some(prefix) => prefix.clone(),
            None => return,
        },
    };
    let Some(reason) = watch.reason else { return };
    if !watch.complete || matches!(target, Target::Nothing) {
        return;
    }
    let strings = |paths: &[camino::Utf8PathBuf]| -> Vec<String> {
        paths.iter().map(|p| p.as_str().to_owned()).collect()
    };
    let users = match target {
        Target::Loaded { skipped, .. } => skipped.get(&Left::Users).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut seen = Fingerprint {
        digest: 0,
        reason: reason.file_name().to_owned(),
        by_cwd: watch.by_cwd,
        watch: strings(&watch.present),
        absent: strings(&watch.absent),
        extra: strings(&watch.extra),
        users,
    };
    // The environment the shell passes next time: this one, updated.
    let mut env: BTreeMap<&OsStr, &OsStr> = ctx
        .inherited
        .iter()
        .map(|(name, value)| (name.as_os_str(), value.as_os_str()))
        .collect();
    for (name, value) in updates.iter() {
        match value {
            Some(value) => env.insert(name, value),
            None => env.remove(name.as_os_str()),
        };
    }
    let mut stats = Stats::since(started);
    let in_env = |name: &OsStr| env.contains_key(name);
    seen.digest = digest(
        Asked {
            global: &ctx.global,
            inherited: &ctx.inherited,
        },
        format,
        env.iter().map(|(k, v)| (*k, *v)),
        &in_env,
        prefix.as_bytes(),
        &seen,
        &mut stats,
    );
    if !stats.settled() {
        return;
    }
    let state = hook_state::with_fingerprint(&prefix, &seen);
    if var.len() + state.len() + 2 > super::MAX_VAR_BYTES {
        return;
    }
    if ctx.inherited.get(var) == Some(&state) {
        updates.remove(var);
    } else {
        updates.insert(var.into(), Some(state));
    }
}

/// The digest of an answer: `env` is the environment (sorted by name) the
/// shell has when it asks, `in_env` says whether a name is in it, `prefix`
/// is the state before its fingerprint.
fn digest<'a>(
    asked: Asked,
    format: Format,
    env: impl Iterator<Item = (&'a OsStr, &'a OsStr)>,
    in_env: &dyn Fn(&OsStr) -> bool,
    prefix: &[u8],
    seen: &Fingerprint,
    stats: &mut Stats,
) -> u64 {
    let mut d = Digest::default();
    // Another appenv may resolve by other rules; another user is refused
    // another user's store and roots.
    d.field(concat!("appenv2 ", env!("CARGO_PKG_VERSION")).as_bytes());
    d.field(&crate::input::effective_uid().to_le_bytes());
    d.field(match format {
        Format::Shell(shell) => shell.name().as_bytes(),
        Format::Json => b"json",
        Format::Gha => b"gha",
    });
    let Asked { global, inherited } = asked;
    d.field(global.env.as_deref().unwrap_or("\0").as_bytes());
    d.field(&[u8::from(global.override_inherited)]);
    d.field(
        global
            .dir
            .as_deref()
            .map_or(b"\0", |p| p.as_os_str().as_bytes()),
    );
    let shell_vars = OsStr::new(EnvVars::APPENV_SHELL_VARS);
    let var = OsStr::new(EnvVars::APPENV_STATE);
    d.field(b"env");
    for (name, value) in env {
        // `_` is the path of the command the shell runs last: appenv's own
        // when its hook asks, a wrapper's when one runs it.
        let cwd = name == "PWD" || name == "OLDPWD";
        if name != var && name != shell_vars && name != "_" && (seen.by_cwd || !cwd) {
            d.field(name.as_bytes());
            d.field(value.as_bytes());
        }
    }
    // The shell's own variables that are not in the environment win over
    // a load: of those, only the names the load left to them matter (a
    // name the load sets is exported, so a new one of the shell's can only
    // take it by leaving the environment, which the digest sees above).
    d.field(b"users");
    let listed = inherited.get(shell_vars).and_then(|v| v.to_str());
    let mut still = vec![false; seen.users.len()];
    for name in listed.unwrap_or_default().split_ascii_whitespace() {
        if let Some(at) = seen.users.iter().position(|user| user == name) {
            still[at] |= !in_env(OsStr::new(name));
        }
    }
    for (name, still) in seen.users.iter().zip(still) {
        d.field(name.as_bytes());
        d.field(&[u8::from(still)]);
    }
    d.field(b"state");
    d.field(prefix);
    d.field(seen.reason.as_bytes());
    for (list, paths) in [
        (&b"watch"[..], &seen.watch),
        (b"absent", &seen.absent),
        (b"extra", &seen.extra),
    ] {
        d.field(list);
        for path in paths {
            d.field(path.as_bytes());
            stats.add(&mut d, Path::new(path));
        }
    }
    d.finish()
}

/// The directories the hooks of tcsh, elvish, xonsh and nushell compare,
/// for an unchanged answer.
pub(super) fn dirs(asked: Asked, unchanged: &Unchanged) -> Vec<camino::Utf8PathBuf> {
    let top = unchanged
        .loaded
        .then_some(Utf8Path::new(unchanged.root.dir.as_str()));
    match crate::cmd::start_dir(asked.global, asked.inherited) {
        Ok(start) => super::dirs::up_to(&start, top),
        Err(_) => Vec::new(),
    }
}
