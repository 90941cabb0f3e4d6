//! Fish: single-quoted text, with control characters and bytes that are not
//! UTF-8 written as escapes between the quotes.
//!
//! Quoting rules, checked against fish 3.6:
//!
//! * Inside single quotes `\\` and `\'` are escapes and any other backslash is
//!   literal, so every backslash is doubled: a value ending in `\` written as
//!   `'...\'` would escape the closing quote and swallow the rest of the code.
//! * Outside quotes `\xHH` and `\XHH` are escapes. Before fish 3.6 `\x` was
//!   refused above 0x7f (fish-shell#9247) while `\X` has always given the
//!   raw byte, so `\x` is used for ASCII control characters and `\X` for
//!   bytes from 0x80. Fish 3.6 decodes a run of `\X` escapes as UTF-8 when it
//!   can (fish-shell#9245); either way the exported bytes are the same.
//! * Fish reads its code as UTF-8 whatever the locale (`string length €` is
//!   1 under LANG=C) and keeps a byte it cannot decode as a private-use
//!   character that it turns back into the byte on export. Literal invalid
//!   bytes inside quotes did survive in 3.6, but the escapes do not depend
//!   on that mechanism, and they keep the code printable.
//!
//! Characters from that private-use range (U+F600..=U+F6FF) in valid UTF-8
//! come out exactly too, written literally or as `\X` escapes.

/// What fish evaluates as code or keeps as its own state, so that the hook
/// never sets it in the shell (programs started through appenv still get
/// it). A name ending in `*` stands for every name with that prefix.
///
/// Every `fish_*` variable is fish's: where functions and completions are
/// loaded from (fish_function_path, fish_complete_path), what is put in
/// front of PATH (fish_user_paths), the prompt and colours, key bindings,
/// `fish_trace`. Then its read-only and dynamic variables (EUID, status,
/// pipestatus, argv, hostname, history, version, CMD_DURATION, COLUMNS,
/// LINES, umask…).
pub(super) const OWN: &[&str] = &[
    "CMD_DURATION",
    "COLUMNS",
    "EUID",
    "FISH_VERSION",
    "LINES",
    "SHLVL",
    "__fish*",
    "argv",
    "fish_*",
    "history",
    "hostname",
    "last_pid",
    "pipestatus",
    "status",
    "status_generation",
    "umask",
    "version",
];

use super::Spec;
use super::{Piece, for_each_piece, push_hex_escape};

/// `a'b<ESC>\` → `'a\'b'\x1b'\\'`.
pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    for_each_piece(value, |piece| match piece {
        Piece::Text(text) => {
            out.push(b'\'');
            for b in text.bytes() {
                if b == b'\\' || b == b'\'' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'\'');
        }
        Piece::Byte(b) if b.is_ascii() => push_hex_escape(b'x', b, out),
        Piece::Byte(b) => push_hex_escape(b'X', b, out),
    });
    if out.len() == start {
        out.extend_from_slice(b"''");
    }
}

/// `builtin set -gx NAME VALUE;` — global and exported, even from the hook's function.
///
/// Fish holds lists, and a variable whose name ends in `PATH` (PATH, CDPATH,
/// MANPATH, PYTHONPATH…; the suffix is case-sensitive) is a "path variable":
/// a value given to `set` is split on `:` and the list is joined with `:`
/// when exported. So `set -gx PATH 'a:b'` and `set -gx PATH a b` both give
/// the list `a b` and export `a:b`, while an ordinary variable set to `a b`
/// would export `a b`. The value is therefore passed as one word: a path
/// variable splits it and joins it back to the same bytes, and any other
/// variable, including one the user marked `--unpath`, keeps it whole.
///
/// Two exceptions, both fish's own:
///
/// * An empty value gives a path variable the list `''`, which for PATH and
///   CDPATH fish exports as `.`; with no element at all it exports as empty.
///   So an empty value for a `…PATH` name is written as `set -gx NAME`.
/// * Fish rewrites each empty entry of PATH and CDPATH as `.` (`a::b`
///   exports as `a:.:b`). An empty entry means the working directory, so the
///   meaning is kept, but the bytes differ; `set` cannot avoid it.
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"builtin set -gx ");
    out.extend_from_slice(name.as_bytes());
    if !(value.is_empty() && name.ends_with("PATH")) {
        out.push(b' ');
        quote(value, out);
    }
    out.extend_from_slice(b";\n");
}

/// `builtin set -e -g NAME;` — the global only: a plain `set -e` run in the hook's
/// function would erase a local of that name instead.
pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"builtin set -e -g ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b";\n");
}

/// The line that puts `dir` first on PATH: `fish_add_path`, `dir` quoted
/// only when it needs to be.
fn path_first_line(dir: &str) -> String {
    let plain = dir
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+@%,".contains(&b));
    let mut out = b"fish_add_path ".to_vec();
    if plain {
        out.extend_from_slice(dir.as_bytes());
    } else {
        quote(dir.as_bytes(), &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// fish's entry in [`super::SHELLS`].
pub(super) const SPEC: Spec = Spec {
    name: "fish",
    hook: include_str!("../../shell/appenv.fish"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"builtin set -g ", b" ", b"\n"),
    own_list: (b"builtin set -g ", b" ", b" ", b";\n"),
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

    fn rendered(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn printable_values_are_single_quoted() {
        assert_eq!(quoted(b""), "''");
        assert_eq!(quoted(b"plain"), "'plain'");
        assert_eq!(quoted(b"back\\slash"), r"'back\\slash'");
        assert_eq!(quoted(b"trailing\\"), r"'trailing\\'");
        assert_eq!(quoted(b"\\"), r"'\\'");
        assert_eq!(quoted(b"it's"), r"'it\'s'");
        assert_eq!(quoted(br#""double""#), r#"'"double"'"#);
        assert_eq!(quoted(b"\\'"), r"'\\\''");
        assert_eq!(
            quoted(b"$HOME (echo x) $(touch pwned)"),
            "'$HOME (echo x) $(touch pwned)'"
        );
        assert_eq!(
            quoted(b"`touch pwned`; and x | y &"),
            "'`touch pwned`; and x | y &'"
        );
        assert_eq!(quoted(b"* ** ? ~ {a,b} %self"), "'* ** ? ~ {a,b} %self'");
        assert_eq!(quoted(br"\x41\X41\u0041"), r"'\\x41\\X41\\u0041'");
        assert_eq!(quoted("grüße €".as_bytes()), "'grüße €'");
        assert_eq!(quoted("\u{f600}".as_bytes()), "'\u{f600}'");
    }

    #[test]
    fn control_and_invalid_bytes_are_escaped_between_quotes() {
        assert_eq!(quoted(b"a\nb"), r"'a'\x0a'b'");
        assert_eq!(quoted(b"\n"), r"\x0a");
        assert_eq!(quoted(b"\r\n"), r"\x0d\x0a");
        assert_eq!(quoted(b"\x1b[31mred\\"), r"\x1b'[31mred\\'");
        assert_eq!(quoted(b"\x01\x7f"), r"\x01\x7f");
        assert_eq!(quoted(b"\xff"), r"\Xff");
        assert_eq!(quoted(b"a\xc3"), r"'a'\Xc3");
        assert_eq!(quoted(b"\xe2\x82"), r"\Xe2\X82");
        assert_eq!(quoted("\u{85}".as_bytes()), r"\Xc2\X85");
        assert_eq!(quoted(b"\x011"), r"\x01'1'");
    }

    #[test]
    fn a_long_value_is_one_word() {
        let value = "a'\\".repeat(100_000);
        let out = quoted(value.as_bytes());
        assert_eq!(out.len(), 2 + 5 * 100_000);
        assert!(out.starts_with(r"'a\'\\a"));
        assert!(out.ends_with(r"a\'\\'"));
    }

    #[test]
    fn set_and_unset() {
        assert_eq!(
            rendered(|out| set("SECRET", b"it's\n", out)),
            "builtin set -gx SECRET 'it\\'s'\\x0a;\n"
        );
        assert_eq!(
            rendered(|out| set("EMPTY", b"", out)),
            "builtin set -gx EMPTY '';\n"
        );
        assert_eq!(
            rendered(|out| unset("GONE", out)),
            "builtin set -e -g GONE;\n"
        );
    }

    #[test]
    fn path_variables_get_the_value_as_one_word_and_no_element_when_empty() {
        assert_eq!(
            rendered(|out| set("PATH", b"/app/bin:/usr/bin", out)),
            "builtin set -gx PATH '/app/bin:/usr/bin';\n"
        );
        assert_eq!(
            rendered(|out| set("PATH", b"", out)),
            "builtin set -gx PATH;\n"
        );
        assert_eq!(
            rendered(|out| set("PYTHONPATH", b"", out)),
            "builtin set -gx PYTHONPATH;\n"
        );
        // Only the upper-case suffix makes a path variable.
        assert_eq!(
            rendered(|out| set("Path", b"", out)),
            "builtin set -gx Path '';\n"
        );
    }
}
