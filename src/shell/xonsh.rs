//! xonsh: Python string literals, run by the hook with Python's own `exec`
//! (xonsh's parser never sees them).
//!
//! Printable text goes between single quotes with `\` and `'` escaped;
//! an ASCII control character is `\xHH`. A byte from 0x80 that is not part
//! of printable UTF-8 is `\udcHH`: xonsh, like Python, holds an environment
//! byte it cannot decode as that lone surrogate and turns it back into the
//! byte when it exports (`surrogateescape`).

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
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"__xonsh__.env['");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"'] = ");
    quote(value, out);
    out.push(b'\n');
}

pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"__xonsh__.env.pop('");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"', None)\n");
}

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
}
