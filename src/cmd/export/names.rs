//! Which variables a load may set in each output format.

use std::ffi::OsStr;

use super::Format;
use crate::hook_state;
use crate::shell::Shell;

impl Format {
    /// Whether this format can set `name` to `value` (`None`: unset it).
    pub(super) fn can_set(self, name: &OsStr, value: Option<&OsStr>) -> bool {
        let Some(name) = name.to_str() else {
            return false;
        };
        if RESERVED.contains(&name) || name.starts_with("__appenv") {
            return false;
        }
        match self {
            Format::Shell(shell) => {
                Shell::is_valid_name(name) && !special_names(shell).contains(&name)
            }
            Format::Json => value.is_none_or(|v| v.to_str().is_some()),
        }
    }

    pub(super) fn cannot_set(self) -> String {
        match self {
            Format::Shell(shell) => format!("{shell} cannot set these variables"),
            Format::Json => "not UTF-8".into(),
        }
    }
}

/// Names no load may set in a shell: the hook's own state, and what the
/// shell itself keeps (the working directory the hook compares, the
/// nesting level, the last argument).
const RESERVED: [&str; 6] = [hook_state::VAR, "PWD", "OLDPWD", "SHLVL", "_", "IFS"];

/// Variables that a shell keeps for itself: read-only, tied to its state,
/// or (PROMPT_COMMAND, precmd hooks) what runs the hook.
fn special_names(shell: Shell) -> &'static [&'static str] {
    match shell {
        Shell::Bash => &[
            "BASHOPTS",
            "BASH_VERSINFO",
            "EUID",
            "PPID",
            "PROMPT_COMMAND",
            "SHELLOPTS",
            "UID",
        ],
        Shell::Zsh => &[
            "ARGC",
            "EGID",
            "ERRNO",
            "EUID",
            "GID",
            "HISTCMD",
            "LINENO",
            "PPID",
            "TTYIDLE",
            "UID",
            "USERNAME",
            "argv",
            "cdpath",
            "chpwd_functions",
            "fignore",
            "fpath",
            "mailpath",
            "manpath",
            "module_path",
            "path",
            "pipestatus",
            "precmd_functions",
            "psvar",
            "status",
            "watch",
            "zshexit_functions",
        ],
        Shell::Fish => &[
            "CMD_DURATION",
            "COLUMNS",
            "FISH_VERSION",
            "LINES",
            "argv",
            "fish_kill_signal",
            "fish_pid",
            "history",
            "hostname",
            "last_pid",
            "pipestatus",
            "status",
            "status_generation",
            "umask",
            "version",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    fn can(format: Format, name: &str) -> bool {
        format.can_set(OsStr::new(name), Some(OsStr::new("v")))
    }

    #[test]
    fn shells_set_valid_names_but_not_their_own() {
        let [bash, zsh, fish] = Shell::ALL.map(Format::Shell);
        for format in [bash, zsh, fish] {
            assert!(can(format, "DATABASE_URL"));
            assert!(can(format, "PATH"));
            for name in [
                "A.B",
                "A-B",
                "1A",
                "",
                hook_state::VAR,
                "PWD",
                "__appenv_pwd",
            ] {
                assert!(!can(format, name), "{format:?} {name:?}");
            }
        }
        assert!(!can(bash, "PROMPT_COMMAND") && can(zsh, "PROMPT_COMMAND"));
        // zsh ties `path` to PATH; elsewhere it is an ordinary name.
        assert!(!can(zsh, "path") && can(bash, "path") && can(fish, "path"));
        assert!(!can(fish, "status") && can(bash, "status"));
    }

    #[test]
    fn json_sets_any_utf8_name_and_value() {
        assert!(can(Format::Json, "A.B"));
        assert!(Format::Json.can_set(OsStr::new("A"), None));
        let invalid = OsString::from_vec(vec![0xff]);
        assert!(!Format::Json.can_set(OsStr::new("A"), Some(&invalid)));
        assert!(!Format::Json.can_set(&invalid, None));
        assert!(!can(Format::Json, hook_state::VAR));
    }
}
