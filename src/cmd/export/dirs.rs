//! What the hooks of tcsh, elvish, xonsh and nushell watch besides the
//! files: the directories up to the root. (How it is written is
//! `crate::shell::Export`.)
//!
//! These hooks do not look for the names that make a root themselves, as
//! bash's, zsh's and fish's do: they compare the times of paths only, so
//! they also watch the directories from the working directory up to the
//! root (to `/` when nothing is loaded), whose time changes when a file in
//! them appears or goes, and the directory of each path that does not
//! exist yet. A busy directory among them (/tmp) costs a call at a prompt
//! after it changed.

use camino::{Utf8Path, Utf8PathBuf};

use super::watch::Watch;
use super::{Context, Target};

/// The directories from the working directory up to the loaded root, or up
/// to `/`.
pub(super) fn up_to_root(ctx: &Context, target: &Target) -> Vec<Utf8PathBuf> {
    let Ok(start) = ctx.start_dir() else {
        return Vec::new();
    };
    let top = match target {
        Target::Loaded { root, .. } => Some(Utf8Path::new(root)),
        _ => None,
    };
    let mut dirs = Vec::new();
    for dir in start.ancestors() {
        dirs.push(dir.to_owned());
        if Some(dir) == top {
            break;
        }
    }
    dirs
}

/// Every path whose time the hook compares with its stamp.
pub(super) fn every_path(watch: &Watch, dirs: &[Utf8PathBuf]) -> Vec<Utf8PathBuf> {
    let absent_dirs = watch.absent.iter().filter_map(|p| p.parent());
    let mut paths: Vec<Utf8PathBuf> = Vec::new();
    let all = watch.present.iter().map(Utf8PathBuf::as_path);
    for path in all
        .chain(absent_dirs)
        .chain(dirs.iter().map(Utf8PathBuf::as_path))
    {
        if !paths.iter().any(|p| p == path) {
            paths.push(path.to_owned());
        }
    }
    paths
}
