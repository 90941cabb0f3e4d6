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

/// The directories from `start` up to `top` (the loaded root), or up to
/// `/`.
pub(super) fn up_to(start: &Utf8Path, top: Option<&Utf8Path>) -> Vec<Utf8PathBuf> {
    let mut dirs = Vec::new();
    for dir in start.ancestors() {
        dirs.push(dir.to_owned());
        if top.is_some_and(|top| top.as_str() == dir.as_str()) {
            break;
        }
    }
    dirs
}

/// Every path whose time the hook compares with its stamp: the watched
/// paths that exist, the directories of those that do not, and `dirs`.
pub(super) fn every_path<P: AsRef<Utf8Path>>(
    present: &[P],
    absent: &[P],
    dirs: &[Utf8PathBuf],
) -> Vec<Utf8PathBuf> {
    let absent_dirs = absent.iter().filter_map(|p| p.as_ref().parent());
    let mut paths: Vec<Utf8PathBuf> = Vec::new();
    let all = present.iter().map(AsRef::as_ref);
    for path in all
        .chain(absent_dirs)
        .chain(dirs.iter().map(Utf8PathBuf::as_path))
    {
        if !paths.iter().any(|p| p.as_str() == path.as_str()) {
            paths.push(path.to_owned());
        }
    }
    paths
}
