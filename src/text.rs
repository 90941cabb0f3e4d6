//! Making text from files safe to print.

use std::fmt::Write;

/// Returns `s` with control characters (and Unicode bidi controls, which can
/// reorder what a terminal shows) escaped, so that text taken from a file can
/// never move the cursor, change colours or hide itself in an error message.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            for e in c.escape_default() {
                out.push(e);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`sanitize`], for bytes that may not be UTF-8: invalid bytes are shown
/// as `\xNN`.
pub fn sanitize_bytes(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.utf8_chunks() {
        out.push_str(&sanitize(chunk.valid()));
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// The 1-based line number of a byte offset in `text`.
pub fn line_of(text: &[u8], offset: usize) -> usize {
    1 + text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_characters() {
        assert_eq!(sanitize("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(sanitize("caf\u{e9}"), "caf\u{e9}");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn shows_invalid_bytes() {
        assert_eq!(sanitize_bytes(b"a\xffb\x07"), "a\\xffb\\u{7}");
    }

    #[test]
    fn counts_lines() {
        assert_eq!(line_of(b"a\nb\nc", 0), 1);
        assert_eq!(line_of(b"a\nb\nc", 2), 2);
        assert_eq!(line_of(b"a\nb\nc", 4), 3);
    }
}
