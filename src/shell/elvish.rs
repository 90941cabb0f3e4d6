//! Elvish: single-quoted text, with control characters and bytes that are
//! not UTF-8 written as `"\xHH"` between the quotes.
//!
//! Checked against elvish 0.19: inside single quotes only `'` is special,
//! written `''`; a backslash is literal, so a value ending in `\` needs
//! nothing. In double quotes `\xHH` is one byte, whatever it is: elvish
//! strings are byte strings, and `set-env` exports them as they are. Words
//! written next to each other are one word (`'a'"\x0a"'b'`).

use super::Spec;
use super::{Piece, for_each_piece, push_hex_escape};

pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    for_each_piece(value, |piece| match piece {
        Piece::Text(text) => {
            out.push(b'\'');
            out.extend_from_slice(text.replace('\'', "''").as_bytes());
            out.push(b'\'');
        }
        Piece::Byte(b) => {
            out.push(b'"');
            push_hex_escape(b'x', b, out);
            out.push(b'"');
        }
    });
    if out.len() == start {
        out.extend_from_slice(b"''");
    }
}

/// `set-env NAME 'value'`. Elvish keeps environment variables (`$E:NAME`)
/// apart from its own; `$paths` follows PATH.
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"set-env ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    quote(value, out);
    out.push(b'\n');
}

pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"unset-env ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

/// Elvish keeps its own variables apart from the environment (`$E:NAME`).
pub(super) const OWN: &[&str] = &[];

/// elvish's entry in [`super::SHELLS`].
pub(super) const SPEC: Spec = Spec {
    name: "elvish",
    hook: include_str!("../../shell/appenv.elv"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"var ", b" = ", b"\n"),
    own_list: (b"var ", b" = [", b" ", b"]\n"),
    push_script: super::plain_script,
    path_first_line: None,
    own_names: OWN,
    // Elvish 0.19 has no builtin that reads a file's time: its hook asks
    // at every prompt and needs no list.
    export: super::export::vars_only,
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
        assert_eq!(quoted(b"plain"), "'plain'");
        assert_eq!(quoted(b"it's"), "'it''s'");
        assert_eq!(quoted(b"'"), "''''");
        assert_eq!(quoted(b"trailing\\"), r"'trailing\'");
        assert_eq!(
            quoted(b"$E:HOME (id) `id` \"q\" ~ * ; | & !"),
            "'$E:HOME (id) `id` \"q\" ~ * ; | & !'"
        );
        assert_eq!(quoted(b"a\nb"), r#"'a'"\x0a"'b'"#);
        assert_eq!(quoted(b"\n"), r#""\x0a""#);
        assert_eq!(quoted(b"\xff\xc3"), r#""\xff""\xc3""#);
        assert_eq!(quoted("é\u{9b}".as_bytes()), r#"'é'"\xc2""\x9b""#);
        assert_eq!(quoted(b"\x1b1"), r#""\x1b"'1'"#);
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("DB", b"it's", &mut out);
        unset("GONE", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "set-env DB 'it''s'\nunset-env GONE\n"
        );
    }
}
