//! Which variables a load may set in each output format, and why one is
//! left out.

use std::collections::BTreeSet;
use std::ffi::OsStr;

use super::Format;
use crate::env_vars::EnvVars;
use crate::plan::Env;
use crate::shell::{NameCase, Shell};

/// Names no load may set in a shell or an editor: the hook's own state, and
/// what every shell keeps (the working directory the hook compares, the
/// nesting level, the last argument, how words are split).
const RESERVED: [&str; 7] = [
    EnvVars::APPENV_STATE,
    EnvVars::APPENV_SHELL_VARS,
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "IFS",
];

/// Why a load leaves a variable out, in the order the messages come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Left {
    /// Not a name the format can hold (or appenv's own).
    Invalid,
    /// A name the shell evaluates or keeps as its own state.
    Shells,
    /// A variable the user has in the shell without exporting it: the
    /// shell's value wins, as an inherited one does.
    Users,
}

/// What a load may set: the format's rules and the user's own variables.
pub(super) struct Settable {
    pub(super) format: Format,
    /// The shell's variables that are not in the environment.
    users: BTreeSet<String>,
}

impl Settable {
    pub(super) fn new(format: Format, inherited: &Env) -> Settable {
        let names = inherited
            .get(OsStr::new(EnvVars::APPENV_SHELL_VARS))
            .and_then(|v| v.to_str())
            .unwrap_or_default();
        let users = names
            .split_ascii_whitespace()
            .filter(|name| Shell::is_valid_name(name) && !inherited.contains_key(OsStr::new(name)))
            .map(str::to_owned)
            .collect();
        Settable { format, users }
    }

    /// Whether `name` can be set to `value` (`None`: unset).
    pub(super) fn can_set(&self, name: &OsStr, value: Option<&OsStr>) -> bool {
        self.why_not(name, value).is_none()
    }

    /// Why `name` cannot be set to `value` (`None`: unset), if it cannot.
    pub(super) fn why_not(&self, name: &OsStr, value: Option<&OsStr>) -> Option<Left> {
        let Some(name) = name.to_str() else {
            return Some(Left::Invalid);
        };
        // In nushell, `pwd` is `PWD` and `__APPENV` the hook's `__appenv`.
        let case = match self.format {
            Format::Shell(shell) => shell.name_case(),
            Format::Json | Format::Gha => NameCase::Exact,
        };
        if RESERVED.iter().any(|r| case.matches(name, r)) || case.matches(name, "__appenv*") {
            return Some(Left::Invalid);
        }
        match self.format {
            Format::Shell(_) if !Shell::is_valid_name(name) => Some(Left::Invalid),
            Format::Shell(shell) if shell.keeps(name) => Some(Left::Shells),
            // Nushell's strings are UTF-8: it cannot hold another value.
            Format::Shell(shell)
                if !shell.holds_bytes() && value.is_some_and(|v| v.to_str().is_none()) =>
            {
                Some(Left::Invalid)
            }
            Format::Shell(_) if self.users.contains(name) => Some(Left::Users),
            Format::Shell(_) => None,
            Format::Json => value
                .is_some_and(|v| v.to_str().is_none())
                .then_some(Left::Invalid),
            // The runner reads `$GITHUB_ENV` as UTF-8 and has no unset; a
            // name with `=` or `<<` would be read as another line.
            Format::Gha => {
                let value = value.and_then(OsStr::to_str);
                (!Shell::is_valid_name(name) || value.is_none()).then_some(Left::Invalid)
            }
        }
    }

    /// What the message says after the names left out for `why`.
    pub(super) fn reason(&self, why: Left) -> String {
        match (self.format, why) {
            (Format::Json, _) => "not UTF-8".into(),
            (Format::Gha, _) => "$GITHUB_ENV holds names of letters, digits and _ and UTF-8 values, and cannot unset a variable".into(),
            (Format::Shell(shell), Left::Invalid) => format!("{shell} cannot set these variables"),
            (Format::Shell(shell), Left::Shells) => {
                format!("{shell} evaluates or keeps these itself; programs run by appenv get them")
            }
            (Format::Shell(_), Left::Users) => "already set in this shell, which wins".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    fn settable(format: Format) -> Settable {
        Settable::new(format, &Env::new())
    }

    fn can(format: Format, name: &str) -> bool {
        settable(format).can_set(OsStr::new(name), Some(OsStr::new("v")))
    }

    #[test]
    fn shells_set_valid_names_but_not_their_own() {
        let [bash, zsh, fish, tcsh, elvish, xonsh, nu] = Shell::ALL.map(Format::Shell);
        for format in Shell::ALL.map(Format::Shell) {
            assert!(can(format, "DATABASE_URL"));
            assert!(can(format, "PATH"));
            for name in [
                "A.B",
                "A-B",
                "1A",
                "",
                EnvVars::APPENV_STATE,
                EnvVars::APPENV_SHELL_VARS,
                "PWD",
                "__appenv_pwd",
            ] {
                assert!(!can(format, name), "{format:?} {name:?}");
            }
        }
        assert!(!can(bash, "PROMPT_COMMAND") && can(zsh, "PROMPT_COMMAND"));
        assert!(!can(bash, "OPTIND") && !can(bash, "PS0") && !can(zsh, "FPATH"));
        // zsh ties `path` to PATH; elsewhere it is an ordinary name.
        assert!(!can(zsh, "path") && can(bash, "path") && can(fish, "path"));
        assert!(!can(fish, "status") && can(bash, "status"));
        assert!(!can(fish, "fish_function_path") && can(bash, "fish_function_path"));
        let why = |format, name: &str| settable(format).why_not(OsStr::new(name), None);
        assert_eq!(why(bash, "A.B"), Some(Left::Invalid));
        assert_eq!(why(bash, "PS1"), Some(Left::Shells));
        assert_eq!(why(bash, "DB"), None);
        assert!(can(tcsh, "path") && can(elvish, "paths"));
        assert!(!can(xonsh, "AUTO_CD") && !can(xonsh, "XONSH_DEBUG") && can(xonsh, "CDPATH"));
        assert!(!can(nu, "config") && !can(nu, "PROMPT_COMMAND") && can(nu, "PATH"));
        // Nushell's `$env` is blind to case: `Path` is `PATH`, `pwd` `PWD`.
        for name in [
            "Path",
            "path",
            "pwd",
            "Config",
            "nu_lib_dirs",
            "__APPENV",
            "appenv_state",
        ] {
            assert!(!can(nu, name), "{name}");
        }
        assert!(can(bash, "pwd") && can(nu, "DB"));
    }

    #[test]
    fn nushell_holds_only_utf8() {
        let invalid = OsString::from_vec(vec![0xff]);
        let nu = settable(Format::Shell(Shell::Nu));
        assert_eq!(
            nu.why_not(OsStr::new("A"), Some(&invalid)),
            Some(Left::Invalid)
        );
        assert!(nu.can_set(OsStr::new("A"), None));
        let elvish = settable(Format::Shell(Shell::Elvish));
        assert!(elvish.can_set(OsStr::new("A"), Some(&invalid)));
    }

    #[test]
    fn the_users_own_shell_variables_win() {
        let inherited: Env = [
            (EnvVars::APPENV_SHELL_VARS, "HOST MYVAR\nEXPORTED BAD.NAME"),
            ("EXPORTED", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        let settable = Settable::new(Format::Shell(Shell::Bash), &inherited);
        let why = |name: &str| settable.why_not(OsStr::new(name), Some(OsStr::new("x")));
        assert_eq!(why("HOST"), Some(Left::Users));
        assert_eq!(why("MYVAR"), Some(Left::Users));
        // Exported: an inherited variable like any other.
        assert_eq!(why("EXPORTED"), None);
        assert_eq!(why("OTHER"), None);
        // The editors' format knows nothing of a shell.
        let json = Settable::new(Format::Json, &inherited);
        assert!(json.can_set(OsStr::new("HOST"), Some(OsStr::new("x"))));
    }

    #[test]
    fn json_sets_any_utf8_name_and_value() {
        assert!(can(Format::Json, "A.B"));
        let json = settable(Format::Json);
        assert!(json.can_set(OsStr::new("A"), None));
        let invalid = OsString::from_vec(vec![0xff]);
        assert!(!json.can_set(OsStr::new("A"), Some(&invalid)));
        assert!(!json.can_set(&invalid, None));
        assert!(!can(Format::Json, EnvVars::APPENV_STATE));
    }
}
