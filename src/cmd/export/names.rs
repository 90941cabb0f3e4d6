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
                Shell::is_valid_name(name)
                    && !special_names(shell).contains(&name)
                    && !(shell == Shell::Xonsh && name.starts_with("XONSH_"))
                    && (shell.holds_bytes() || value.is_none_or(|v| v.to_str().is_some()))
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
        // tcsh and elvish keep their own variables apart from the
        // environment.
        Shell::Tcsh | Shell::Elvish => &[],
        // What xonsh turns into another type on the way in (a bool, a
        // number, a list, a locale setting: the value would not come out as
        // it went in) and its prompt formats, from xonsh 0.25's registry;
        // every XONSH_* name too. Its path lists (PATH, CDPATH, *_DIRS)
        // keep the value exactly and are not here.
        Shell::Xonsh => &[
            "ALIAS_COMPLETIONS_OPTIONS_BY_DEFAULT",
            "ALIAS_COMPLETIONS_OPTIONS_LONGEST",
            "ASYNC_INVALIDATE_INTERVAL",
            "ASYNC_PROMPT_THREAD_WORKERS",
            "AUTO_CD",
            "AUTO_CONTINUE",
            "AUTO_PUSHD",
            "AUTO_SUGGEST",
            "AUTO_SUGGEST_IN_COMPLETIONS",
            "BASH_COMPLETIONS",
            "BOTTOM_TOOLBAR",
            "CMD_COMPLETIONS_SHOW_DESC",
            "COLOR_INPUT",
            "COLOR_RESULTS",
            "COMMANDS_CACHE_SAVE_INTERMEDIATE",
            "COMPLETIONS_BRACKETS",
            "COMPLETIONS_CONFIRM",
            "COMPLETIONS_DISPLAY",
            "COMPLETIONS_MENU_ROWS",
            "COMPLETION_IN_THREAD",
            "COMPLETION_MODE",
            "COMPLETION_QUERY_LIMIT",
            "DIRSTACK_SIZE",
            "DOTGLOB",
            "DYNAMIC_CWD_WIDTH",
            "ENABLE_ASYNC_PROMPT",
            "EXPAND_ENV_VARS",
            "FORCE_POSIX_PATHS",
            "FOREIGN_ALIASES_OVERRIDE",
            "FOREIGN_ALIASES_SUPPRESS_SKIP_MESSAGE",
            "FUZZY_PATH_COMPLETION",
            "GLOB_SORTED",
            "HISTCONTROL",
            "IGNOREEOF",
            "INTENSIFY_COLORS_ON_WIN",
            "LAST_RETURN_CODE",
            "LC_COLLATE",
            "LC_CTYPE",
            "LC_MESSAGES",
            "LC_MONETARY",
            "LC_NUMERIC",
            "LC_TIME",
            "LS_COLORS",
            "MOUSE_SUPPORT",
            "MULTILINE_PROMPT",
            "PATHEXT",
            "PRETTY_PRINT_RESULTS",
            "PROMPT",
            "PROMPT_FIELDS",
            "PROMPT_REFRESH_INTERVAL",
            "PROMPT_TOOLKIT_COLOR_DEPTH",
            "PTK_STYLE_OVERRIDES",
            "PUSHD_MINUS",
            "PUSHD_SILENT",
            "RAISE_SUBPROC_ERROR",
            "RIGHT_PROMPT",
            "SUBSEQUENCE_PATH_COMPLETION",
            "SUGGEST_COMMANDS",
            "SUGGEST_MAX_NUM",
            "SUGGEST_THRESHOLD",
            "SUPPRESS_BRANCH_TIMEOUT_MESSAGE",
            "THREAD_SUBPROCS",
            "TITLE",
            "UPDATE_COMPLETIONS_ON_KEYPRESS",
            "UPDATE_OS_ENVIRON",
            "UPDATE_PROMPT_ON_KEYPRESS",
            "VC_BRANCH_TIMEOUT",
            "VC_GIT_INCLUDE_UNTRACKED",
            "VC_HG_SHOW_BRANCH",
            "VI_MODE",
            "XONSHRC",
            "XONSHRC_DIR",
        ],
        // What nushell keeps for itself: its config, conversions, prompt
        // commands and the state of the last command.
        Shell::Nu => &[
            "CMD_DURATION_MS",
            "CURRENT_FILE",
            "ENV_CONVERSIONS",
            "FILE_PWD",
            "LAST_EXIT_CODE",
            "NU_LIB_DIRS",
            "NU_PLUGIN_DIRS",
            "NU_VERSION",
            "PROMPT_COMMAND",
            "PROMPT_COMMAND_RIGHT",
            "PROMPT_INDICATOR",
            "PROMPT_INDICATOR_VI_INSERT",
            "PROMPT_INDICATOR_VI_NORMAL",
            "PROMPT_MULTILINE_INDICATOR",
            "TRANSIENT_PROMPT_COMMAND",
            "TRANSIENT_PROMPT_COMMAND_RIGHT",
            "TRANSIENT_PROMPT_INDICATOR",
            "TRANSIENT_PROMPT_INDICATOR_VI_INSERT",
            "TRANSIENT_PROMPT_INDICATOR_VI_NORMAL",
            "TRANSIENT_PROMPT_MULTILINE_INDICATOR",
            "config",
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
        let [bash, zsh, fish, tcsh, elvish, xonsh, nu] = Shell::ALL.map(Format::Shell);
        for format in [bash, zsh, fish, tcsh, elvish, xonsh, nu] {
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
        assert!(can(tcsh, "path") && can(elvish, "paths"));
        assert!(!can(xonsh, "AUTO_CD") && !can(xonsh, "XONSH_DEBUG") && can(xonsh, "CDPATH"));
        assert!(!can(nu, "config") && !can(nu, "PROMPT_COMMAND") && can(nu, "Path"));
    }

    #[test]
    fn nushell_holds_only_utf8() {
        let nu = Format::Shell(Shell::Nu);
        let invalid = OsString::from_vec(vec![0xff]);
        assert!(!nu.can_set(OsStr::new("A"), Some(&invalid)));
        assert!(nu.can_set(OsStr::new("A"), None));
        assert!(Format::Shell(Shell::Elvish).can_set(OsStr::new("A"), Some(&invalid)));
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
