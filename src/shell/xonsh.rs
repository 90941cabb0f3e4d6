//! xonsh: Python string literals, run by the hook with Python's own `exec`
//! (xonsh's parser never sees them).
//!
//! Printable text goes between single quotes with `\` and `'` escaped;
//! an ASCII control character is `\xHH`. A byte from 0x80 that is not part
//! of printable UTF-8 is `\udcHH`: xonsh, like Python, holds an environment
//! byte it cannot decode as that lone surrogate and turns it back into the
//! byte when it exports (`surrogateescape`).

use super::Spec;
use super::{Piece, for_each_piece, push_hex_escape};

pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    out.push(b'\'');
    for_each_piece(value, |piece| match piece {
        Piece::Text(text) => {
            for b in text.bytes() {
                if b == b'\\' || b == b'\'' {
                    out.push(b'\\');
                }
                out.push(b);
            }
        }
        Piece::Byte(b) if b.is_ascii() => push_hex_escape(b'x', b, out),
        Piece::Byte(b) => out.extend_from_slice(format!("\\udc{b:02x}").as_bytes()),
    });
    out.push(b'\'');
}

/// `__xonsh__.env['NAME'] = '...'`: xonsh's environment, which it exports.
///
/// xonsh holds a name it takes for a path list (`*PATH`, `*DIRS` and any
/// pattern the user adds) as an `EnvPath`, which expands `~` and `$NAME`
/// in each entry whenever it is read or exported: `~` would leave as the
/// home directory. When the value has either character and xonsh made a
/// path list of it, the value is stored again as an `EnvPath` whose entries
/// read back as they are; xonsh still sees a list (its command lookup and
/// `.append` keep working).
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    let mut quoted = Vec::new();
    quote(value, &mut quoted);
    let entry = format!("__xonsh__.env['{name}']");
    out.extend_from_slice(entry.as_bytes());
    out.extend_from_slice(b" = ");
    out.extend_from_slice(&quoted);
    if value.iter().any(|&b| b == b'~' || b == b'$') {
        // Still one line: the hook's code is one statement a line.
        out.extend_from_slice(
            format!(
                "; isinstance({entry}, __import__('xonsh.environ').environ.EnvPath) \
                 and __xonsh__.env.__setitem__('{name}', type('ExactPath', (type({entry}),), \
                 {{'__getitem__': lambda s, i: s._l[i]}})("
            )
            .as_bytes(),
        );
        out.extend_from_slice(&quoted);
        out.extend_from_slice(b"))");
    }
    out.push(b'\n');
}

pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"__xonsh__.env.pop('");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"', None)\n");
}

/// What xonsh turns into another type on the way in (a bool, a number, a
/// list, a callable, a locale setting: the value would not come out as it
/// went in; `tests/shell_own_names.rs` asks the real xonsh which), its
/// prompt formats and run-control paths, from xonsh 0.25's registry, and
/// every `XONSH_*` name. Its path lists (PATH, CDPATH, `*_DIRS`) keep the
/// value exactly (see [`set`]) and are not here.
pub(super) const OWN: &[&str] = &[
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
    "PROMPT_TOKENS_FORMATTER",
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
    "XONSH_*",
    "XONTRIBS_AUTOLOAD_DISABLED",
];

/// xonsh's entry in [`super::SHELLS`].
pub(super) const SPEC: Spec = Spec {
    name: "xonsh",
    hook: include_str!("../../shell/appenv.xsh"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"", b" = ", b"\n"),
    own_list: (b"", b" = [", b", ", b"]\n"),
    push_script: super::plain_script,
    path_first_line: None,
    own_names: OWN,
    export: super::export::with_watched,
    unload: Some(super::export::unload_code),
    has_tidy: false,
    hook_sets_bin: true,
    export_help: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(value: &[u8]) -> String {
        let mut out = Vec::new();
        quote(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hard_cases() {
        assert_eq!(quoted(b""), "''");
        assert_eq!(quoted(b"it's"), r"'it\'s'");
        assert_eq!(quoted(b"trailing\\"), r"'trailing\\'");
        assert_eq!(quoted(b"\\x41"), r"'\\x41'");
        assert_eq!(
            quoted(b"$HOME @(x) $(id) `id` {x} \"q\""),
            "'$HOME @(x) $(id) `id` {x} \"q\"'"
        );
        assert_eq!(quoted(b"a\nb\x7f"), r"'a\x0ab\x7f'");
        assert_eq!(quoted(b"\xff\xc3"), r"'\udcff\udcc3'");
        assert_eq!(quoted("é\u{9b}".as_bytes()), r"'é\udcc2\udc9b'");
        assert_eq!(quoted(b"\x011"), r"'\x011'");
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("DB", b"it's", &mut out);
        unset("GONE", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "__xonsh__.env['DB'] = 'it\\'s'\n__xonsh__.env.pop('GONE', None)\n"
        );
    }

    #[test]
    fn a_value_xonsh_would_expand_is_stored_as_it_is() {
        let mut out = Vec::new();
        set("P", b"~", &mut out);
        let code = String::from_utf8(out).unwrap();
        assert!(
            code.starts_with("__xonsh__.env['P'] = '~'; isinstance("),
            "{code}"
        );
        assert!(
            code.ends_with("('~'))\n") && code.lines().count() == 1,
            "{code}"
        );
    }
}
