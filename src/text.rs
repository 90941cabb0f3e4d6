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

/// Edit distance counting a swap of two neighbours as one edit (optimal
/// string alignment), for "did you mean" suggestions: `tset` is one slip from
/// `test`, as people type.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Three rows: the one before the previous is what a swap looks back to.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

/// The candidate nearest to `typed`, if it is near enough to be what was
/// meant: at most one edit in three characters of the longer word, so `db`
/// never suggests `dev`. Ties go to the first candidate.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != typed)
        .map(|c| (distance(typed, c), c))
        .filter(|(d, c)| d * 3 <= typed.chars().count().max(c.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_a_swap_as_one() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("migrat", "migrate"), 1);
        assert_eq!(distance("tset", "test"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("é", "e"), 1);
    }

    #[test]
    fn suggests_only_a_near_candidate() {
        let tasks = ["seed", "migrate", "console", "test"];
        assert_eq!(nearest("migrat", tasks), Some("migrate"));
        assert_eq!(nearest("tset", tasks), Some("test"));
        assert_eq!(nearest("cnsole", tasks), Some("console"));
        assert_eq!(nearest("deploy", tasks), None);
        assert_eq!(nearest("db", ["dev"]), None);
        assert_eq!(nearest("seed", tasks), None);
    }

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
