//! What is wrong with a line dotenvy refuses, in terms a user can act on.
//! Values are never echoed: they may be secrets.

use super::lines::{Logical, State};
use crate::text::sanitize;

pub(super) fn explain(logical: &Logical) -> String {
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
    let line = logical.raw.trim_start();
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
