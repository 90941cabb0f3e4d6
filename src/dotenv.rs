//! Env files, read with dotenvy, plus what dotenvy lacks: line numbers (for
//! errors and for `appenv env --json`), a leading BOM, and substitution that
//! sees earlier layers rather than only the process environment.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use crate::input::{Digest, sha256};
use crate::text::{line_of, sanitize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// The line the entry starts on (a quoted value may span several).
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// The file as the user knows it (relative to the root).
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for DotenvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = sanitize(&self.file);
        match self.line {
            Some(line) => write!(f, "{file}:{line}: {}", self.message),
            None => write!(f, "{file}: {}", self.message),
        }
    }
}

/// Parses env file content. `seed` holds the variables that substitution
/// (`$VAR`, `${VAR}`) may see besides earlier lines of the same file: the
/// base environment and earlier layers.
pub fn parse<'a>(
    name: &str,
    bytes: &[u8],
    seed: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Entry>, DotenvError> {
    parse_seeded(name, bytes, seed, Seeds::Referenced)
}

/// Which seed variables are handed to dotenvy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seeds {
    /// Only those the file could look up: the same result for less work,
    /// since dotenvy parses every seed line as it parses the file's own.
    Referenced,
    /// All of them (the tests compare the two).
    #[cfg(test)]
    All,
}

fn parse_seeded<'a>(
    name: &str,
    bytes: &[u8],
    seed: impl Iterator<Item = (&'a str, &'a str)>,
    seeds: Seeds,
) -> Result<Vec<Entry>, DotenvError> {
    let fail = |line: usize, message: String| DotenvError {
        file: name.to_owned(),
        line: Some(line),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|e| fail(line_of(bytes, e.valid_up_to()), "not valid UTF-8".into()))?;
    if let Some(nul) = text.find('\0') {
        return Err(fail(line_of(bytes, nul), "holds a NUL byte".into()));
    }
    let lines = logical_lines(text);

    // dotenvy substitutes only from the process environment and earlier lines
    // of the same input, so earlier layers are handed to it as lines of its
    // own syntax in front of the file, and their results are dropped.
    let referenced = referenced_names(text);
    let mut input = String::new();
    let mut seeded = 0;
    for (key, value) in seed {
        if (seeds != Seeds::Referenced || referenced.contains(key)) && is_key(key) {
            input.push_str(&line(key, value));
            input.push('\n');
            seeded += 1;
        }
    }
    input.push_str(text);

    let mut entries = Vec::with_capacity(lines.len());
    let mut starts = lines.iter().filter(|l| l.is_entry);
    for (i, item) in dotenvy::from_read_iter(input.as_bytes()).enumerate() {
        if i < seeded {
            item.map_err(|e| fail(0, format!("internal error seeding substitution: {e}")))?;
            continue;
        }
        let logical = starts.next();
        let line = logical.map_or(1, |l| l.line);
        match item {
            Ok((key, value)) => entries.push(Entry { key, value, line }),
            Err(e) => return Err(fail(line, explain(logical, &e))),
        }
    }
    Ok(entries)
}

/// Every name that a `$NAME` or `${NAME}` in `text` can make dotenvy look up:
/// after `$`, the run of alphanumerics; after `${`, everything up to `}`. It
/// ignores quotes, escapes and comments, so it may hold names that are never
/// looked up, never the reverse.
fn referenced_names(text: &str) -> HashSet<&str> {
    text.match_indices('$')
        .map(|(at, _)| {
            let rest = &text[at + 1..];
            match rest.strip_prefix('{') {
                Some(braced) => braced.split('}').next().unwrap_or_default(),
                None => {
                    let end = rest.find(|c: char| !c.is_alphanumeric());
                    &rest[..end.unwrap_or(rest.len())]
                }
            }
        })
        .collect()
}

/// A name dotenvy accepts as a key.
pub fn is_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// `KEY="value"` with the escapes dotenvy understands inside double quotes:
/// dotenvy reads it back as exactly `value`.
pub fn line(key: &str, value: &str) -> String {
    let mut out = String::with_capacity(key.len() + value.len() + 3);
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A logical line of an env file as dotenvy splits them: a quoted value may
/// run over several physical lines.
#[derive(Debug)]
struct LogicalLine<'a> {
    line: usize,
    text: &'a str,
    /// Holds `KEY=value` (or a syntax error), not a blank or comment.
    is_entry: bool,
    /// How the file ended inside this line, when it ended unfinished.
    unfinished: Option<State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// Splits `text` into logical lines with the same state machine as dotenvy's
/// reader (which exposes no positions), so that each of its results can be
/// given the line it came from.
fn logical_lines(text: &str) -> Vec<LogicalLine<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while !rest.is_empty() {
        let start = line;
        let mut state = State::Complete;
        let mut len = 0;
        // Where a trailing `# comment` starts: dotenvy drops it.
        let mut end = None;
        loop {
            let physical = match rest[len..].find('\n') {
                Some(i) => &rest[len..len + i + 1],
                None => &rest[len..],
            };
            if physical.is_empty() {
                break; // end of input inside an unfinished line
            }
            let is_comment = len == 0 && physical.trim_start().starts_with('#');
            let offset = len;
            len += physical.len();
            line += usize::from(physical.ends_with('\n'));
            if is_comment {
                state = State::Comment;
                end = Some(offset);
                break;
            }
            let (next, comment) = step(state, physical);
            state = next;
            if let Some(at) = comment {
                end = Some(offset + at);
            }
            if matches!(state, State::Complete | State::Comment) {
                break;
            }
        }
        let text = &rest[..end.unwrap_or(len)];
        let trimmed = text.trim();
        out.push(LogicalLine {
            line: start,
            text,
            is_entry: !trimmed.is_empty() && !trimmed.starts_with('#'),
            unfinished: (!matches!(state, State::Complete | State::Comment)).then_some(state),
        });
        rest = &rest[len..];
    }
    out
}

/// Runs dotenvy's state machine over one physical line; also returns where a
/// trailing comment starts, if one does.
fn step(mut state: State, physical: &str) -> (State, Option<usize>) {
    for (at, c) in physical.char_indices() {
        state = match state {
            State::WhiteSpace => match c {
                '#' => return (State::Comment, Some(at)),
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::Escape => State::Complete,
            State::Complete => match c {
                c if c.is_whitespace() && c != '\n' && c != '\r' => State::WhiteSpace,
                '\\' => State::Escape,
                '"' => State::WeakOpen,
                '\'' => State::StrongOpen,
                _ => State::Complete,
            },
            State::WeakOpen => match c {
                '\\' => State::WeakOpenEscape,
                '"' => State::Complete,
                _ => State::WeakOpen,
            },
            State::WeakOpenEscape => State::WeakOpen,
            State::StrongOpen => match c {
                '\\' => State::StrongOpenEscape,
                '\'' => State::Complete,
                _ => State::StrongOpen,
            },
            State::StrongOpenEscape => State::StrongOpen,
            State::Comment => return (State::Comment, None),
        };
    }
    (state, None)
}

/// Says what is wrong with a line dotenvy refused, in terms a user can act on.
/// Values are never echoed: they may be secrets.
fn explain(logical: Option<&LogicalLine>, error: &dotenvy::Error) -> String {
    // dotenvy's own messages quote the line, which may be a secret.
    let _ = error;
    let Some(logical) = logical else {
        return "cannot parse this line".into();
    };
    match logical.unfinished {
        Some(State::StrongOpen | State::StrongOpenEscape) => {
            return "unterminated single quote".into();
        }
        Some(State::WeakOpen | State::WeakOpenEscape) => {
            return "unterminated double quote".into();
        }
        Some(State::Escape) => return "backslash at the end of the file".into(),
        Some(State::WhiteSpace) => {
            return "blanks at the end of the last line, which has no newline (end the file with a newline)".into();
        }
        _ => {}
    }
    let line = logical.text.trim_start();
    let line = line.strip_prefix("export ").map_or(line, str::trim_start);
    let key_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let (key, after) = line.split_at(key_len);
    if !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return "invalid variable name: names start with a letter or '_' and hold letters, digits, '_' and '.'".into();
    }
    // Without '=' the run of name characters may as well be a secret (a
    // line of a PEM key, a token pasted alone): it is not shown.
    let Some(value) = after.trim_start().strip_prefix('=') else {
        return "expected '=' after the variable name (lines are NAME=value)".into();
    };
    let key = sanitize(key);
    if let Some(escape) = unknown_escape(value) {
        return format!(
            "{key}: unknown escape '\\{}' (dotenvy knows \\\\ \\' \\\" \\$ \\n and backslash-space)",
            sanitize(&escape.to_string())
        );
    }
    if value.contains('"') && value.contains('$') {
        return format!(
            "{key}: a $VAR right before a closing double quote is not understood; write ${{VAR}}"
        );
    }
    format!("{key}: invalid value (quote values that hold blanks, quotes or '#')")
}

/// Each variable a file sets, with a digest of the line that sets it (the
/// last one, when set twice): what a trust record keeps so that a change can
/// be told by name, never by value. Lines that do not set a valid name are
/// left out; a change to them is still a change of the file.
pub fn entry_digests(bytes: &[u8]) -> BTreeMap<String, Digest> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeMap::new();
    for logical in logical_lines(&text).iter().filter(|l| l.is_entry) {
        let line = logical.text.trim_start();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        if is_key(key) {
            out.insert(key.to_owned(), sha256(logical.text.as_bytes()));
        }
    }
    out
}

/// The first backslash escape dotenvy would refuse, outside single quotes.
fn unknown_escape(value: &str) -> Option<char> {
    let mut chars = value.chars();
    let mut strong = false;
    while let Some(c) = chars.next() {
        match c {
            '\'' => strong = !strong,
            '\\' if !strong => match chars.next() {
                Some('\\' | '\'' | '"' | '$' | ' ' | 'n') => {}
                Some(other) => return Some(other),
                None => return None,
            },
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Vec<Entry>, DotenvError> {
        parse(".env", text.as_bytes(), std::iter::empty())
    }

    fn pairs(text: &str) -> Vec<(String, String, usize)> {
        parse_str(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value, e.line))
            .collect()
    }

    #[test]
    fn values_and_lines() {
        let got = pairs("# c\nA=1\n\nexport B='two words'\nC=\"multi\nline\"\nD=4 # comment\n");
        assert_eq!(
            got,
            [
                ("A".into(), "1".into(), 2),
                ("B".into(), "two words".into(), 4),
                ("C".into(), "multi\nline".into(), 5),
                ("D".into(), "4".into(), 7),
            ]
        );
    }

    #[test]
    fn bom_is_accepted() {
        assert_eq!(pairs("\u{feff}A=1\n"), [("A".into(), "1".into(), 1)]);
    }

    #[test]
    fn substitution_sees_seed_and_earlier_lines() {
        let seed = [("APPENV_T_BASE", "b$\"\\\n")];
        let got = parse(
            ".env",
            b"A=${APPENV_T_BASE}\nB=x${A}\n",
            seed.iter().map(|(k, v)| (*k, *v)),
        )
        .unwrap();
        assert_eq!(got[0].value, "b$\"\\\n");
        assert_eq!(got[1].value, "xb$\"\\\n");
        assert_eq!(got[1].line, 2);
    }

    #[test]
    fn only_referenced_names_are_seeded() {
        let names = referenced_names("A=$B_C ${D_E}x '$F' \\$G $$H ${I\n");
        let mut names: Vec<_> = names.into_iter().collect();
        names.sort_unstable();
        assert_eq!(names, ["", "B", "D_E", "F", "G", "H", "I\n"]);
        assert!(referenced_names("A=1\nB='x'\n").is_empty());
    }

    // No '_' in most names: an unbraced `$NAME` ends at the first '_'.
    const SEED: [(&str, &str); 6] = [
        ("APPENVTA", "a"),
        ("APPENVTB", "b$\"'\\\n"),
        ("APPENVTAB", "ab"),
        ("APPENVT_A_B", "a_b"),
        ("APPENVTA1", "a1"),
        ("APPENVTA", "a again"),
    ];

    proptest::proptest! {
        /// Seeding only the referenced names gives what seeding all of them
        /// gives: the same values, lines and errors.
        #[test]
        fn seeding_less_changes_nothing(
            lines in proptest::collection::vec(
                ("APPENV_T_(A|B|C)", "((\\$\\{?APPENVT(A|B|AB|_A_B|A1|Z)\\}?)|[a_1{}'\" \\\\#$]){0,6}"),
                0..6,
            )
        ) {
            let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
            let parse = |seeds| {
                let seed = SEED.iter().map(|(k, v)| (*k, *v));
                parse_seeded(".env", text.as_bytes(), seed, seeds)
            };
            proptest::prop_assert_eq!(parse(Seeds::Referenced), parse(Seeds::All));
        }
    }

    #[test]
    fn errors_name_the_line_and_problem() {
        let e = parse_str("A=1\nB='open\nC=3\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (Some(2), "unterminated single quote")
        );
        let e = parse_str("A=1\n\nB=\\q\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("unknown escape '\\q'"), "{}", e.message);
        let e = parse_str("A=1\n1BAD=2\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("invalid variable name"));
        let e = parse_str("A=1\nB\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                Some(2),
                "expected '=' after the variable name (lines are NAME=value)"
            )
        );
        let e = parse_str("A=1 ").unwrap_err();
        assert!(e.message.contains("no newline"));
        let e = parse_str("A=one two\n").unwrap_err();
        assert!(e.message.contains("invalid value"));
    }

    #[test]
    fn invalid_utf8_and_nul_name_the_line() {
        let e = parse(".env", b"A=1\nB=\xff\n", std::iter::empty()).unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (Some(2), "not valid UTF-8"));
        let e = parse(".env", b"A=1\n\nB=\0\n", std::iter::empty()).unwrap_err();
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn control_characters_in_keys_are_not_printed_raw() {
        let e = parse_str("\x1b[31mX=1\n").unwrap_err();
        assert!(!e.to_string().contains('\x1b'));
        assert!(e.to_string().contains("invalid variable name"));
    }

    #[test]
    fn messages_never_hold_the_text_of_the_line() {
        let secret = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t";
        for text in [
            format!("A=1\n{secret}\n"),
            format!("A=1\n={secret}\n"),
            format!("A=1\n-----BEGIN KEY-----\n{secret}\n"),
            format!("{secret}-x=1\n"),
            format!("1{secret}=1\n"),
            format!("A=\"{secret}\\q\"\n"),
            format!("A={secret} {secret}\n"),
            format!("A='{secret}\n"),
            format!("A=\"$B\"{secret}\n"),
        ] {
            let e = parse_str(&text).unwrap_err().to_string();
            assert!(!e.contains(&secret[..8]), "{text:?}: {e}");
        }
    }

    #[test]
    fn entry_digests_name_each_variable_by_its_line() {
        let digests = entry_digests(b"# c\nA=1\nexport B = 2\nC=\"x\ny\"\nbad line\nA=3\n");
        let names: Vec<&str> = digests.keys().map(String::as_str).collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert_eq!(digests["A"], entry_digests(b"A=3\n")["A"]);
        assert_ne!(digests["A"], entry_digests(b"A=1\n")["A"]);
        assert_eq!(
            entry_digests(b"A=1\n")["A"],
            entry_digests(b"# new\nA=1\n")["A"]
        );
    }

    #[test]
    fn duplicate_keys_are_kept_in_order() {
        let got = pairs("A=1\nA=2\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, "2");
    }
}
