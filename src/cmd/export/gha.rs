//! `appenv export gha`: the load for the later steps of a GitHub Actions
//! job. The variables go to the file `$GITHUB_ENV` names, which the runner
//! reads after the step; the secrets go to stdout as `::add-mask::`
//! workflow commands, which the runner reads while the step runs (workflow
//! commands are read from a step's output, never from `$GITHUB_ENV`), so
//! they are masked before any later step can print them.
//!
//! The runner's rules for `$GITHUB_ENV` (on Linux and macOS): the file is
//! split at `\n` only; a line whose first `=` comes before any `<<` is
//! `NAME=value` (the value runs to the end of the line); a line `NAME<<D`
//! starts a value that is every line up to the first line that is exactly
//! `D`, joined by `\n`. The file is read as UTF-8.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::hook_state;
use crate::plan::Env;
use crate::text::sanitize_bytes;

/// The file `$GITHUB_ENV` names, or why there is none.
pub(super) fn env_file(inherited: &Env) -> Result<OsString, Error> {
    match inherited.get(OsStr::new(EnvVars::GITHUB_ENV)) {
        Some(path) if !path.is_empty() => Ok(path.clone()),
        _ => Err(Error::new(
            ExitCode::Failed,
            "GITHUB_ENV is not set: `appenv export gha` is a step of a GitHub Actions job",
        )),
    }
}

/// Appends `lines` to the runner's file (which the runner made; appenv
/// never makes it).
pub(super) fn append(path: &OsStr, lines: &[u8]) -> Result<(), Error> {
    if lines.is_empty() {
        return Ok(());
    }
    let cannot = |e: std::io::Error| {
        let path = sanitize_bytes(path.as_bytes());
        Error::new(
            ExitCode::Failed,
            format!("cannot write to {path} ($GITHUB_ENV): {e}"),
        )
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(cannot)?;
    file.write_all(lines).map_err(cannot)
}

/// The lines that set `updates` for the later steps. `$GITHUB_ENV` cannot
/// unset a variable: an unset (only ever the hook's own state, see
/// `settable.rs`) is an empty value, which appenv reads as no load.
pub(super) fn env_lines(updates: &BTreeMap<OsString, Option<OsString>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in updates {
        let value = value.as_deref().unwrap_or_default().as_bytes();
        push_var(name.as_bytes(), value, &mut out);
    }
    out
}

/// One variable: on one line when the value has no line break, else in
/// the heredoc form, with a delimiter that the value does not contain
/// anywhere, so no line of it can end the value early. A `\r` counts as a
/// break, so that a value never ends a `NAME=value` line with one.
fn push_var(name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(name);
    if !value.iter().any(|&b| b == b'\n' || b == b'\r') {
        out.push(b'=');
        out.extend_from_slice(value);
        out.push(b'\n');
        return;
    }
    let delimiter = delimiter(value);
    for part in [b"<<", delimiter.as_bytes(), b"\n", value, b"\n"] {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(delimiter.as_bytes());
    out.push(b'\n');
}

/// `APPENV_EOF`, or the first of `APPENV_EOF_1`, `APPENV_EOF_2`… that
/// `value` does not contain: one always exists, and the same value always
/// gets the same delimiter.
fn delimiter(value: &[u8]) -> String {
    let contains = |d: &str| value.windows(d.len()).any(|w| w == d.as_bytes());
    let mut delimiter = String::from("APPENV_EOF");
    let mut n = 0u64;
    while contains(&delimiter) {
        n += 1;
        delimiter = format!("APPENV_EOF_{n}");
    }
    delimiter
}

/// The `::add-mask::` commands for the values of `secret` names that
/// `updates` sets: one per line of a value, since the runner masks a
/// registered string within one line of the log, and one for the value as
/// appenv's state (`APPENV_STATE`, set for the later steps too) writes it,
/// where it differs. Lines that are empty or only blanks are left out
/// (masking them would mask nothing or every blank).
pub(super) fn masks(
    updates: &BTreeMap<OsString, Option<OsString>>,
    secret: &BTreeSet<String>,
) -> Vec<u8> {
    let mut out = Vec::new();
    for name in secret {
        let Some(Some(value)) = updates.get(OsStr::new(name)) else {
            continue;
        };
        let value = value.as_bytes();
        let encoded = hook_state::encoded(value);
        let lines = value.split(|&b| b == b'\n');
        let state = (encoded != value).then_some(&encoded[..]);
        for line in lines.chain(state) {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            out.extend_from_slice(b"::add-mask::");
            escape_data(line, &mut out);
            out.push(b'\n');
        }
    }
    out
}

/// A workflow command's data as the runner reads it back: it takes `%25`,
/// `%0D`, `%0A` for `%`, `\r`, `\n`.
fn escape_data(data: &[u8], out: &mut Vec<u8>) {
    for &b in data {
        match b {
            b'%' => out.extend_from_slice(b"%25"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delimiter_is_never_inside_the_value() {
        assert_eq!(delimiter(b"a\nb"), "APPENV_EOF");
        assert_eq!(delimiter(b"a\nAPPENV_EOF\nb"), "APPENV_EOF_1");
        assert_eq!(delimiter(b"APPENV_EOF_1 APPENV_EOF"), "APPENV_EOF_2");
        // A prefix of a longer line counts too.
        assert_eq!(delimiter(b"xAPPENV_EOFx\n"), "APPENV_EOF_1");
    }

    #[test]
    fn lines_are_single_unless_the_value_breaks() {
        let mut out = Vec::new();
        push_var(b"A", b"x=y<<z", &mut out);
        push_var(b"B", b"", &mut out);
        push_var(b"C", b"1\n2", &mut out);
        push_var(b"D", b"a\r", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A=x=y<<z\nB=\nC<<APPENV_EOF\n1\n2\nAPPENV_EOF\nD<<APPENV_EOF\na\r\nAPPENV_EOF\n"
        );
    }

    #[test]
    fn masks_cover_each_line_escaped() {
        let updates: BTreeMap<OsString, Option<OsString>> = [
            ("K", Some("line1\n\n  \n50%\rx\n")),
            ("PLAIN", Some("shown")),
            ("GONE", None),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.map(OsString::from)))
        .collect();
        let secret = ["K", "GONE", "ABSENT"].map(String::from).into();
        // Each line, then the value as the state holds it (`%0A` there is
        // text, which the command escapes again).
        assert_eq!(
            String::from_utf8(masks(&updates, &secret)).unwrap(),
            "::add-mask::line1\n::add-mask::50%25%0Dx\n::add-mask::line1%250A%250A%2520%2520%250A50%2525%250Dx%250A\n"
        );
    }
}
