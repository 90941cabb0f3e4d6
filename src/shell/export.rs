//! What `appenv export SHELL` prints, in each shell's own form: the
//! variables to set and unset, and what the hook checks at the next prompt.
//! `cmd/export` decides what goes in; every byte of how it is written is
//! here, so the quoting tests see all of it.

use super::Shell;

/// What a change of the shell's state holds, as data.
#[derive(Debug, Default)]
pub struct Export<'a> {
    /// Variables to set (`Some`) or unset (`None`), in order. Every name is
    /// [a valid name](Shell::is_valid_name).
    pub vars: Vec<(&'a str, Option<&'a [u8]>)>,
    /// PATH entries the last unload took out, that `__appenv_tidy` takes
    /// out again (bash, zsh, fish).
    pub left: Vec<&'a [u8]>,
    /// The names whose appearance could make another root (bash, zsh,
    /// fish: their hooks look for them).
    pub names: Vec<&'a [u8]>,
    /// Paths that exist (bash, zsh, fish).
    pub present: Vec<&'a [u8]>,
    /// Paths that do not exist yet (bash, zsh, fish).
    pub absent: Vec<&'a [u8]>,
    /// Every path whose time the hook compares with its stamp (tcsh, xonsh,
    /// nushell, whose hooks look for no names).
    pub watched: Vec<&'a [u8]>,
}

impl Shell {
    /// The code (for nushell the record) that the hook of this shell
    /// evaluates.
    pub fn export(self, export: &Export<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        (self.spec().export)(self, export, &mut out);
        out
    }

    /// What takes a load back out without appenv (bash, zsh and fish):
    /// `__appenv_unload` set to code that gives `vars` their values from
    /// before the load and has `__appenv_tidy` take the load's PATH entries
    /// (`left`) out. The hook runs it when it leaves the app and the binary
    /// is gone (removed or moved while the app was loaded). Empty `vars`:
    /// nothing is loaded, and the code is empty.
    /// A shell without a tidy step gets PATH among `vars` instead.
    pub fn unload(self, vars: &[(&str, Option<&[u8]>)], left: &[&[u8]], out: &mut Vec<u8>) {
        if let Some(unload) = self.spec().unload {
            unload(self, vars, left, out);
        }
    }

    /// Whether this shell's hook keeps [`Shell::unload`]'s code and runs it
    /// when the binary is gone.
    pub fn unloads_without_appenv(self) -> bool {
        self.spec().unload.is_some()
    }

    /// Whether the hook takes `__appenv_left`'s PATH entries out at the end
    /// of a prompt; the others' unload gives PATH its value from before.
    pub fn has_tidy(self) -> bool {
        self.spec().has_tidy
    }

    fn vars(self, vars: &[(&str, Option<&[u8]>)], out: &mut Vec<u8>) {
        for &(name, value) in vars {
            match value {
                Some(value) => self.set(name, value, out),
                None => self.unset(name, out),
            }
        }
    }
}

/// The export of a shell whose hook looks for names and paths itself and
/// tidies PATH (bash, zsh, fish).
pub(super) fn with_tidy(shell: Shell, export: &Export<'_>, out: &mut Vec<u8>) {
    // First: in fish, setting PATH below runs the hook's PATH handler,
    // which must not take out what a new load adds.
    shell.set_own_list("__appenv_left", export.left.iter().copied(), out);
    shell.vars(&export.vars, out);
    // The hook's own, unexported variables: what to check at each prompt.
    for (name, items) in [
        ("__appenv_names", &export.names),
        ("__appenv_watch", &export.present),
        ("__appenv_absent", &export.absent),
    ] {
        shell.set_own_list(name, items.iter().copied(), out);
    }
}

/// The export of a shell whose hook compares the times of a list of paths
/// with its stamp (xonsh; tcsh adds an alias to it).
pub(super) fn with_watched(shell: Shell, export: &Export<'_>, out: &mut Vec<u8>) {
    shell.vars(&export.vars, out);
    shell.set_own_list("__appenv_watch", export.watched.iter().copied(), out);
}

/// The export of a shell whose hook needs nothing but the variables.
pub(super) fn vars_only(shell: Shell, export: &Export<'_>, out: &mut Vec<u8>) {
    shell.vars(&export.vars, out);
}

/// [`Shell::unload`] as code in `__appenv_unload`.
pub(super) fn unload_code(
    shell: Shell,
    vars: &[(&str, Option<&[u8]>)],
    left: &[&[u8]],
    out: &mut Vec<u8>,
) {
    let mut code = Vec::new();
    if !vars.is_empty() {
        if shell.has_tidy() {
            shell.set_own_list("__appenv_left", left.iter().copied(), &mut code);
        }
        shell.vars(vars, &mut code);
    }
    shell.set_own("__appenv_unload", &code, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(shell: Shell, export: &Export) -> String {
        String::from_utf8(shell.export(export)).unwrap()
    }

    #[test]
    fn the_unload_code_is_one_quoted_word_that_evaluates_to_the_values_before() {
        let vars: [(&str, Option<&[u8]>); 2] = [("A", Some(b"it's $(x)")), ("B", None)];
        let mut out = Vec::new();
        Shell::Bash.unload(&vars, &[b"/app/bin"], &mut out);
        let line = String::from_utf8(out).unwrap();
        assert!(line.starts_with("__appenv_unload="), "{line}");
        assert_eq!(line.lines().count(), 1, "{line}");
        let mut out = Vec::new();
        Shell::Tcsh.unload(&vars, &[], &mut out);
        assert!(out.is_empty());
        let mut out = Vec::new();
        Shell::Fish.unload(&[], &[], &mut out);
        assert_eq!(out, b"builtin set -g __appenv_unload ''\n");
    }

    #[test]
    fn bash_zsh_and_fish_get_the_lists_their_hooks_check() {
        let export = Export {
            vars: vec![("DB", Some(b"it's")), ("GONE", None)],
            left: vec![b"/app/bin"],
            names: vec![b"appenv.toml"],
            present: vec![b"/app/.env"],
            absent: vec![b"/app/.env.local"],
            watched: vec![b"/never"],
        };
        assert_eq!(
            text(Shell::Bash, &export),
            "__appenv_left=('/app/bin');\n\
             \\builtin export DB='it'\\''s';\n\
             \\builtin unset -v GONE;\n\
             __appenv_names=('appenv.toml');\n\
             __appenv_watch=('/app/.env');\n\
             __appenv_absent=('/app/.env.local');\n"
        );
        assert!(
            text(Shell::Fish, &export).starts_with("builtin set -g __appenv_left '/app/bin';\n")
        );
    }

    #[test]
    fn tcsh_tests_each_path_by_index() {
        let export = Export {
            watched: vec![b"/a b", b"/it's"],
            ..Export::default()
        };
        assert_eq!(
            text(Shell::Tcsh, &export),
            "set __appenv_watch = ( '/a b' '/it'\\''s' );\n\
             alias __appenv_changed 'set __appenv_go = 0\
             ; if ( -M \"$__appenv_watch[1]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1\
             ; if ( -M \"$__appenv_watch[2]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1';\n"
        );
    }

    #[test]
    fn xonsh_gets_a_list_and_elvish_none() {
        let export = Export {
            vars: vec![("A", Some(b"1"))],
            watched: vec![b"/a", b"/b'c"],
            ..Export::default()
        };
        assert_eq!(
            text(Shell::Xonsh, &export),
            "__xonsh__.env['A'] = '1'\n__appenv_watch = ['/a', '/b\\'c']\n"
        );
        assert_eq!(text(Shell::Elvish, &export), "set-env A '1'\n");
    }

    #[test]
    fn nuon_holds_what_to_set_unset_and_watch() {
        let export = Export {
            vars: vec![("DB", Some(b"a\"b\n")), ("GONE", None)],
            watched: vec![b"/app", b"/app/.env"],
            ..Export::default()
        };
        assert_eq!(
            text(Shell::Nu, &export),
            "{set: {\"DB\": \"a\\\"b\\u{a}\"}, unset: [\"GONE\"], watch: [\"/app\", \"/app/.env\"]}\n"
        );
        assert_eq!(
            text(Shell::Nu, &Export::default()),
            "{set: {}, unset: [], watch: []}\n"
        );
    }
}
