//! Bash: POSIX single quotes, or ANSI-C `$'...'` quotes when a value holds
//! control characters or bytes that are not UTF-8.
//!
//! Single quotes carry every byte but NUL literally, and tests through bash
//! 5.2 and zsh 5.9 (every byte 0x01..=0xff, alone and in random strings,
//! under the C and C.UTF-8 locales) found none that does not come out of
//! `eval "$(...)"` exactly, including 0x01 and 0x7f, which bash uses
//! internally as quoting markers. So single quotes would be enough for
//! correctness. `$'...'` is used for the remaining values so that the code
//! stays one printable line: a newline, a CR or an ESC in a value would
//! otherwise be printed raw to whoever reads `appenv export bash`.
//!
//! Inside `$'...'` every byte outside printable ASCII is written as `\xHH`,
//! valid UTF-8 included. In a locale such as Shift_JIS or Big5, a byte >= 0x80
//! followed by `\` can be read as one character, swallowing the backslash of
//! the next escape; with nothing but ASCII inside the quotes there is nothing
//! to misread. (Single quotes do not have this problem: their only special
//! byte, `'`, is never the second byte of a character in those encodings.)
//!
//! This module is also zsh's: see `zsh.rs` for what was checked there.

use super::Spec;
use super::{Piece, as_printable_text, for_each_piece, push_hex_escape};

/// What bash evaluates as code or keeps as its own state, so that the hook
/// never sets it in the shell (programs started through appenv still get
/// it). A name ending in `*` stands for every name with that prefix.
///
/// * Evaluated: the integer specials, whose assignment is arithmetic and so
///   runs `a[$(cmd)]` (OPTIND, OPTERR, RANDOM, SRANDOM, SECONDS, LINENO,
///   HISTCMD…), the prompts and what runs at a prompt or before a command
///   (PS0–PS4, PROMPT_COMMAND, PROMPT_DIRTRIM, TIMEFORMAT), the fd `set -x`
///   writes to (BASH_XTRACEFD) and POSIXLY_CORRECT, which turns on POSIX mode.
/// * Its own state: read-only or dynamic variables (BASHPID, EUID, UID,
///   PPID, SHELLOPTS, BASHOPTS, BASH_*, COMP_*, READLINE_*, FUNCNAME,
///   GROUPS, DIRSTACK, PIPESTATUS…), history (HISTFILE, HISTSIZE…), mail,
///   the terminal size (COLUMNS, LINES) and completion (FIGNORE, HOSTFILE).
pub(super) const OWN: &[&str] = &[
    "auto_resume",
    "BASH",
    "BASH_*",
    "BASHOPTS",
    "BASHPID",
    "CHILD_MAX",
    "COLUMNS",
    "COMP_*",
    "COMPREPLY",
    "COPROC",
    "DIRSTACK",
    "EMACS",
    "ENV",
    "EPOCHREALTIME",
    "EPOCHSECONDS",
    "EUID",
    "EXECIGNORE",
    "FCEDIT",
    "FIGNORE",
    "FUNCNAME",
    "FUNCNEST",
    "GLOBIGNORE",
    "GLOBSORT",
    "GROUPS",
    "histchars",
    "HISTCMD",
    "HISTCONTROL",
    "HISTFILE",
    "HISTFILESIZE",
    "HISTIGNORE",
    "HISTSIZE",
    "HISTTIMEFORMAT",
    "HOSTFILE",
    "HOSTNAME",
    "HOSTTYPE",
    "IGNOREEOF",
    "INPUTRC",
    "LINENO",
    "LINES",
    "MACHTYPE",
    "MAIL",
    "MAILCHECK",
    "MAILPATH",
    "MAPFILE",
    "OPTARG",
    "OPTERR",
    "OPTIND",
    "OSTYPE",
    "PIPESTATUS",
    "POSIXLY_CORRECT",
    "PPID",
    "PROMPT_COMMAND",
    "PROMPT_COMMANDS",
    "PROMPT_DIRTRIM",
    "PS0",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "RANDOM",
    "READLINE_*",
    "REPLY",
    "SECONDS",
    "SHELLOPTS",
    "SRANDOM",
    "TIMEFORMAT",
    "TMOUT",
    "UID",
];

pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    match as_printable_text(value) {
        Some(text) => single_quote(text, out),
        None => ansi_c_quote(value, out),
    }
}

pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    // `\builtin`: an alias or function named `export` cannot change it.
    // `export` without `local` or `declare`: inside the hook's function it
    // still sets the global variable.
    out.extend_from_slice(b"\\builtin export ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'=');
    quote(value, out);
    out.extend_from_slice(b";\n");
}

pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    // `-v`: a bare `unset NAME` in bash removes a function called NAME when
    // no variable has that name.
    out.extend_from_slice(b"\\builtin unset -v ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b";\n");
}

/// `it's` → `'it'\''s'`.
///
/// No empty `''` is written next to an escaped quote (`'` → `\'`, not
/// `''\'''`): shorter, and no `''` for zsh's RC_QUOTES option (which reads
/// `''` inside single quotes as a quote) to look at, though zsh was found to
/// read the longer form right too.
fn single_quote(text: &str, out: &mut Vec<u8>) {
    if text.is_empty() {
        out.extend_from_slice(b"''");
        return;
    }
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\\'");
        }
        if !part.is_empty() {
            out.push(b'\'');
            out.extend_from_slice(part.as_bytes());
            out.push(b'\'');
        }
    }
}

/// `a<ESC>b\` → `$'a\x1bb\\'`.
fn ansi_c_quote(value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"$'");
    for_each_piece(value, |piece| match piece {
        Piece::Text(text) => {
            for b in text.bytes() {
                match b {
                    b'\\' | b'\'' => out.extend_from_slice(&[b'\\', b]),
                    b' '..=b'~' => out.push(b),
                    _ => push_hex_escape(b'x', b, out),
                }
            }
        }
        Piece::Byte(b'\n') => out.extend_from_slice(b"\\n"),
        Piece::Byte(b'\t') => out.extend_from_slice(b"\\t"),
        Piece::Byte(b'\r') => out.extend_from_slice(b"\\r"),
        Piece::Byte(b) => push_hex_escape(b'x', b, out),
    });
    out.push(b'\'');
}

/// The line that puts `dir` first on PATH (bash and zsh): in double quotes,
/// so that `$PATH` is expanded.
pub(super) fn path_first_line(dir: &str) -> String {
    let mut quoted = String::new();
    for c in dir.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    format!("export PATH=\"{quoted}:$PATH\"")
}

/// bash's entry in [`super::SHELLS`].
pub(super) const SPEC: Spec = Spec {
    name: "bash",
    hook: include_str!("../../shell/appenv.bash"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"", b"=", b"\n"),
    own_list: (b"", b"=(", b" ", b");\n"),
    push_script: super::plain_script,
    path_first_line: Some(path_first_line),
    own_names: OWN,
    export: super::export::with_tidy,
    unload: Some(super::export::unload_code),
    has_tidy: true,
    hook_sets_bin: false,
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
    fn printable_values_are_single_quoted() {
        assert_eq!(quoted(b""), "''");
        assert_eq!(quoted(b"plain"), "'plain'");
        assert_eq!(quoted(b"a b"), "'a b'");
        assert_eq!(quoted(b"back\\slash"), r"'back\slash'");
        assert_eq!(quoted(b"trailing\\"), r"'trailing\'");
        assert_eq!(quoted(br#"double"quote"#), r#"'double"quote'"#);
        assert_eq!(quoted(b"it's"), r"'it'\''s'");
        assert_eq!(quoted(b"'"), r"\'");
        assert_eq!(quoted(b"''"), r"\'\'");
        assert_eq!(quoted(b"'a'"), r"\''a'\'");
        assert_eq!(quoted(br#"'"both"'"#), r#"\''"both"'\'"#);
        assert_eq!(quoted(b"$HOME ${X:-y}"), "'$HOME ${X:-y}'");
        assert_eq!(quoted(b"$(touch pwned)"), "'$(touch pwned)'");
        assert_eq!(quoted(b"`touch pwned`"), "'`touch pwned`'");
        assert_eq!(quoted(b"a; touch pwned &"), "'a; touch pwned &'");
        assert_eq!(quoted(b"* ?[a] ~ {a,b} !!"), "'* ?[a] ~ {a,b} !!'");
        assert_eq!(quoted("héllo €".as_bytes()), "'héllo €'");
    }

    #[test]
    fn control_and_invalid_bytes_use_ansi_c_quotes() {
        assert_eq!(quoted(b"a\nb"), r"$'a\nb'");
        assert_eq!(quoted(b"\r\n"), r"$'\r\n'");
        assert_eq!(quoted(b"tab\there"), r"$'tab\there'");
        assert_eq!(quoted(b"\x1b[31mred"), r"$'\x1b[31mred'");
        assert_eq!(quoted(b"\x01\x7f"), r"$'\x01\x7f'");
        assert_eq!(quoted(b"\xff\xfe"), r"$'\xff\xfe'");
        assert_eq!(quoted(b"\x83"), r"$'\x83'");
        // The two hex digits are always written, so a digit after them
        // stays a digit.
        assert_eq!(quoted(b"\x011"), r"$'\x011'");
        assert_eq!(quoted(b"\x1bf"), r"$'\x1bf'");
        // Backslash and quote are escaped; nothing else is special here.
        assert_eq!(
            quoted(b"\n'\\$(touch pwned)`x`\"\\"),
            r#"$'\n\'\\$(touch pwned)`x`"\\'"#
        );
        // Valid UTF-8 next to an escape is written byte by byte.
        assert_eq!(quoted("é\n".as_bytes()), r"$'\xc3\xa9\n'");
        // A C1 control character is escaped like a C0 one.
        assert_eq!(quoted("a\u{9b}b".as_bytes()), r"$'a\xc2\x9bb'");
    }

    #[test]
    fn a_long_value_is_one_word() {
        let value = "x'y\\".repeat(50_000);
        let out = quoted(value.as_bytes());
        assert!(out.starts_with("'x'\\''y\\"));
        assert!(out.ends_with("y\\x'\\''y\\'"));
        assert_eq!(out.len(), 50_000 * "'x'\\''y\\'".len() - 2 * 49_999);

        let value = b"\x1b".repeat(100_000);
        assert_eq!(quoted(&value).len(), 3 + 4 * 100_000);
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("APP_SECRET", b"it's $(here)", &mut out);
        set("EMPTY", b"", &mut out);
        set("LINES", b"a\nb", &mut out);
        unset("GONE", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\\builtin export APP_SECRET='it'\\''s $(here)';\n\
             \\builtin export EMPTY='';\n\
             \\builtin export LINES=$'a\\nb';\n\
             \\builtin unset -v GONE;\n"
        );
    }
}
