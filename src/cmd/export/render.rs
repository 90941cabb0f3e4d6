//! What the hooks of tcsh, elvish, xonsh and nushell get beyond the
//! variables: what to watch, in each one's own form.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use super::watch::Watch;
use crate::shell::Shell;

/// The watched paths, for the shells whose hook compares them itself.
pub(super) fn watch(shell: Shell, watch: &Watch, out: &mut Vec<u8>) {
    let paths = || watch.0.iter().map(|path| path.as_str().as_bytes());
    match shell {
        // A list, and `__appenv_changed`, which compares each entry with the
        // stamp: tcsh cannot loop in an alias, so the export writes one test
        // per path. The alias holds indexes only, never a path: no quoting
        // inside quoting. `-M` gives whole seconds; as new as the stamp
        // counts as changed, so nothing is missed.
        Shell::Tcsh => {
            out.extend_from_slice(b"set __appenv_watch = (");
            for path in paths() {
                out.push(b' ');
                shell.quote(path, out);
            }
            out.extend_from_slice(b" );\nalias __appenv_changed 'set __appenv_go = 0");
            for i in 1..=watch.0.len() {
                out.extend_from_slice(
                    format!(
                        "; if ( -M \"$__appenv_watch[{i}]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1"
                    )
                    .as_bytes(),
                );
            }
            out.extend_from_slice(b"';\n");
        }
        Shell::Xonsh => {
            out.extend_from_slice(b"__appenv_watch = [");
            for (i, path) in paths().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                shell.quote(path, out);
            }
            out.extend_from_slice(b"]\n");
        }
        // Elvish 0.19 has no builtin that reads a file's time: its hook asks
        // at every prompt and needs no list.
        _ => {}
    }
}

/// Nushell evaluates no code it did not parse with its config: its hook
/// gets a NUON record, which `from nuon` reads as data,
/// `{set: {NAME: "value"}, unset: [NAME], watch: [path]}`.
pub(super) fn nuon(updates: &BTreeMap<OsString, Option<OsString>>, watch: &Watch) -> Vec<u8> {
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
    for (i, path) in watch.0.iter().enumerate() {
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

    fn watching(paths: &[&str]) -> Watch {
        Watch(paths.iter().map(|p| (*p).into()).collect())
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
