//! What the hooks of tcsh, elvish, xonsh and nushell get: the variables,
//! and what to watch, in each one's own form.
//!
//! These hooks do not look for the names that make a root themselves, as
//! bash's, zsh's and fish's do: they compare the times of paths only, so
//! they also watch the directories from the working directory up to the
//! root (to `/` when nothing is loaded), whose time changes when a file in
//! them appears or goes, and the directory of each path that does not
//! exist yet. A busy directory among them (/tmp) costs a call at a prompt
//! after it changed.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use camino::{Utf8Path, Utf8PathBuf};

use super::watch::Watch;
use super::{Context, Target};
use crate::shell::Shell;

/// The directories from the working directory up to the loaded root, or up
/// to `/`.
pub(super) fn dirs(ctx: &Context, target: &Target) -> Vec<Utf8PathBuf> {
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
pub(super) fn paths(watch: &Watch, dirs: &[Utf8PathBuf]) -> Vec<Utf8PathBuf> {
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

/// The code for tcsh, elvish and xonsh: the variables, then what to watch.
pub(super) fn shell(
    shell: Shell,
    updates: &BTreeMap<OsString, Option<OsString>>,
    watched: &[Utf8PathBuf],
) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in updates {
        // Every name here passed `can_set`, which holds only valid names.
        let name = name.to_str().unwrap_or_default();
        match value {
            Some(value) => shell.set(name, value.as_bytes(), &mut out),
            None => shell.unset(name, &mut out),
        }
    }
    watch(shell, watched, &mut out);
    out
}

/// The watched paths, for the shells whose hook compares them itself.
fn watch(shell: Shell, watched: &[Utf8PathBuf], out: &mut Vec<u8>) {
    let paths = || watched.iter().map(|path| path.as_str().as_bytes());
    match shell {
        // A list, and `__appenv_changed`, which compares each entry with the
        // stamp: tcsh cannot loop in an alias, so the export writes one test
        // per path. The alias holds indexes only, never a path: no quoting
        // inside quoting. `-M` gives whole seconds; as new as the stamp
        // counts as changed, so nothing is missed.
        Shell::Tcsh => {
            shell.set_own_list("__appenv_watch", paths(), out);
            out.extend_from_slice(b"alias __appenv_changed 'set __appenv_go = 0");
            for i in 1..=watched.len() {
                out.extend_from_slice(
                    format!(
                        "; if ( -M \"$__appenv_watch[{i}]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1"
                    )
                    .as_bytes(),
                );
            }
            out.extend_from_slice(b"';\n");
        }
        Shell::Xonsh => shell.set_own_list("__appenv_watch", paths(), out),
        // Elvish 0.19 has no builtin that reads a file's time: its hook asks
        // at every prompt and needs no list.
        _ => {}
    }
}

/// Nushell evaluates no code it did not parse with its config: its hook
/// gets a NUON record, which `from nuon` reads as data,
/// `{set: {NAME: "value"}, unset: [NAME], watch: [path]}`.
pub(super) fn nuon(
    updates: &BTreeMap<OsString, Option<OsString>>,
    watched: &[Utf8PathBuf],
) -> Vec<u8> {
    let nu = Shell::Nu;
    let mut out = b"{set: {".to_vec();
    let set = updates.iter().filter_map(|(n, v)| Some((n, v.as_ref()?)));
    for (i, (name, value)) in set.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        nu.quote(name.as_bytes(), &mut out);
        out.extend_from_slice(b": ");
        nu.quote(value.as_bytes(), &mut out);
    }
    out.extend_from_slice(b"}, unset: [");
    let unset = updates.iter().filter(|(_, v)| v.is_none());
    for (i, (name, _)) in unset.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        nu.quote(name.as_bytes(), &mut out);
    }
    out.extend_from_slice(b"], watch: [");
    for (i, path) in watched.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        nu.quote(path.as_str().as_bytes(), &mut out);
    }
    out.extend_from_slice(b"]}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watching(paths: &[&str]) -> Vec<Utf8PathBuf> {
        paths.iter().map(|p| (*p).into()).collect()
    }

    #[test]
    fn nuon_holds_what_to_set_unset_and_watch() {
        let mut updates = BTreeMap::new();
        updates.insert("DB".into(), Some("a\"b\n".into()));
        updates.insert("GONE".into(), None);
        let out = nuon(&updates, &watching(&["/app", "/app/.env"]));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{set: {\"DB\": \"a\\\"b\\u{a}\"}, unset: [\"GONE\"], watch: [\"/app\", \"/app/.env\"]}\n"
        );
        let out = nuon(&BTreeMap::new(), &watching(&[]));
        assert_eq!(out, b"{set: {}, unset: [], watch: []}\n");
    }

    #[test]
    fn tcsh_tests_each_path_by_index() {
        let mut out = Vec::new();
        watch(Shell::Tcsh, &watching(&["/a b", "/it's"]), &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "set __appenv_watch = ( '/a b' '/it'\\''s' );\n\
             alias __appenv_changed 'set __appenv_go = 0\
             ; if ( -M \"$__appenv_watch[1]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1\
             ; if ( -M \"$__appenv_watch[2]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1';\n"
        );
    }

    #[test]
    fn xonsh_gets_a_list() {
        let mut out = Vec::new();
        watch(Shell::Xonsh, &watching(&["/a", "/b'c"]), &mut out);
        assert_eq!(out, b"__appenv_watch = ['/a', '/b\\'c']\n");
    }
}
