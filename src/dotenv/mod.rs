//! Env files in dotenvy's dialect, read in one pass: each line is cut, parsed
//! and substituted once, with the line number it starts on. appenv adds errors
//! that name `file:line`, a leading BOM, substitution that sees earlier
//! layers, `${NAME:-word}` and `${NAME-word}` in their POSIX meaning, and a
//! note for every `$` that yields nothing or stops short. Otherwise the
//! dialect is dotenvy's exactly, quirks included; a property test checks it
//! against dotenvy itself.

mod lines;
mod refusal;
mod value;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::input::{Digest, sha256};
use crate::text::{line_of, sanitize};
use lines::Lines;
use value::Refused;

/// One `KEY=value` of a file, borrowed from its text where the value needed
/// no unquoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub key: &'a str,
    pub value: Cow<'a, str>,
    /// The line the entry starts on (a quoted value may span several).
    pub line: usize,
    /// Written `encrypted:…` (dotenvx's format): `value` is the plain text
    /// when the seed decrypted it, the value as written otherwise.
    pub encrypted: bool,
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

/// A `$` in a value that yields nothing or stops short, noted so that no
/// value changes silently. Never the value: a bare name that nothing defines
/// is shown by where its `$` is, since in an unquoted secret (`Pa$word1`) the
/// "name" is the rest of the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: usize,
    /// The variable whose value holds the `$`.
    pub key: String,
    pub kind: Substitution,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Substitution {
    /// `$NAME` that nothing defines: empty. `cut`: the name ended at a `_`.
    Undefined { at: usize, cut: bool },
    /// `${NAME}` that nothing defines: empty.
    UndefinedBraced { name: String },
    /// `$A_B` with `A` defined: `$A`, then `_B` as text.
    CutShort { name: String },
    /// A `$` with no name after it: dropped.
    Lone { at: usize },
    /// `$(`: nothing runs; the `$` is dropped and the rest kept.
    Command { at: usize },
    /// `${}`: dropped.
    Empty { at: usize },
    /// `${NAME:-word}` (`colon`) or `${NAME-word}` with NAME unset (or
    /// empty): the word, as written (`nested`: it holds a `$`).
    Default {
        name: String,
        colon: bool,
        nested: bool,
    },
    /// `${NAME:=word}` and the other shell forms appenv does not read: empty.
    Unsupported { name: String, op: &'static str },
}

impl fmt::Display for Substitution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const KEEP: &str = "write \\$ or single-quote the value to keep a `$`";
        match self {
            Substitution::Undefined { at, cut: false } => write!(
                f,
                "the `$` at character {at} starts a name that nothing defines, so it reads as empty; {KEEP}"
            ),
            Substitution::Undefined { at, cut: true } => write!(
                f,
                "the `$` at character {at} starts a name that nothing defines, read up to a `_` (names end there in this dialect: write ${{NAME_REST}} for the longer one), so it reads as empty; {KEEP}"
            ),
            Substitution::UndefinedBraced { name } => write!(
                f,
                "${{{}}} is not defined, so it reads as empty (write ${{{}:-}} for an optional value)",
                sanitize(name),
                sanitize(name)
            ),
            Substitution::CutShort { name } => write!(
                f,
                "${} is read as the name and the `_` after it as text (names end at `_` in this dialect): write ${{{}_…}} for a longer name",
                sanitize(name),
                sanitize(name)
            ),
            Substitution::Lone { at } => write!(
                f,
                "the `$` at character {at} has no name after it and is dropped; {KEEP}"
            ),
            Substitution::Command { at } => write!(
                f,
                "`$(` at character {at} is not run: the `$` is dropped and the rest kept as text; {KEEP}"
            ),
            Substitution::Empty { at } => {
                write!(f, "`${{}}` at character {at} names nothing and is dropped")
            }
            Substitution::Default {
                name,
                colon,
                nested,
            } => {
                let name = sanitize(name);
                let (op, state) = match colon {
                    true => (":-", "unset or empty"),
                    false => ("-", "unset"),
                };
                write!(
                    f,
                    "{name} is {state}, so the default in ${{{name}{op}…}} is used (POSIX; dotenvy, mise and uv read it as empty)"
                )?;
                if *nested {
                    f.write_str(", as written: a `$` in a default is not substituted")?;
                }
                Ok(())
            }
            Substitution::Unsupported { name, op } => write!(
                f,
                "${{{}{op}…}} is not understood (of the shell's forms only :- and - are), so it reads as empty",
                sanitize(name)
            ),
        }
    }
}

/// What `$NAME` and `${NAME}` see besides earlier lines of the same file, in
/// dotenvy's order: the inherited environment first (dotenvy reads the
/// process environment before its own data), then earlier lines of the file,
/// then earlier layers (which appenv hands over where dotenvy would have
/// them as lines above the file).
pub trait Seed {
    fn inherited(&self, name: &str) -> Option<&str>;
    fn layered(&self, name: &str) -> Option<&str>;
    /// The plain text of `key`'s value written `encrypted:…`, before later
    /// lines see it (as dotenvx decrypts before it substitutes); `None`
    /// keeps the value as written. `Err`: why it cannot be decrypted,
    /// never a value or a key.
    fn decrypt(&self, _key: &str, _value: &str) -> Result<Option<String>, String> {
        Ok(None)
    }
}

/// Substitution that sees only earlier lines of the file.
pub struct NoSeed;

impl Seed for NoSeed {
    fn inherited(&self, _: &str) -> Option<&str> {
        None
    }
    fn layered(&self, _: &str) -> Option<&str> {
        None
    }
}

/// Parses env file content; `seed` is what substitution sees besides
/// earlier lines of the file.
pub fn parse<'a>(
    name: &str,
    bytes: &'a [u8],
    seed: &impl Seed,
) -> Result<Vec<Entry<'a>>, DotenvError> {
    read(name, bytes, seed).map(|read| read.entries)
}

/// A file's entries, in order, and the notes its substitutions gave.
#[derive(Debug)]
pub struct Read<'a> {
    pub entries: Vec<Entry<'a>>,
    pub notes: Vec<Note>,
}

/// [`parse`], with the notes.
pub fn read<'a>(name: &str, bytes: &'a [u8], seed: &impl Seed) -> Result<Read<'a>, DotenvError> {
    read_as(name, bytes, seed, true)
}

/// dotenvy's own reading of `${NAME:-word}`: one undefined name.
#[cfg(test)]
fn parse_as_dotenvy<'a>(
    name: &str,
    bytes: &'a [u8],
    seed: &impl Seed,
) -> Result<Vec<Entry<'a>>, DotenvError> {
    read_as(name, bytes, seed, false).map(|read| read.entries)
}

fn read_as<'a>(
    name: &str,
    bytes: &'a [u8],
    seed: &impl Seed,
    posix_defaults: bool,
) -> Result<Read<'a>, DotenvError> {
    let fail = |line: usize, message: String| DotenvError {
        file: name.to_owned(),
        line: Some(line),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|e| fail(line_of(bytes, e.valid_up_to()), "not valid UTF-8".into()))?;
    if let Some(nul) = lines::memchr(0, bytes) {
        return Err(fail(line_of(bytes, nul), "holds a NUL byte".into()));
    }
    let mut parsed = Parsed {
        entries: Vec::new(),
        index: None,
        seed,
        budget: SUBSTITUTED,
        posix_defaults,
        pending: Vec::new(),
        notes: Vec::new(),
    };
    for logical in Lines::new(text) {
        if logical.unfinished.is_some() {
            return Err(fail(logical.line, refusal::explain(&logical)));
        }
        match value::parse_line(logical.text, &mut parsed) {
            Ok(None) => {}
            Ok(Some((key, mut value))) => {
                // A ciphertext is base64: a `$` on the line means the value
                // was built by substitution, not written encrypted.
                let encrypted = crate::secrets::is_encrypted(&value) && !logical.text.contains('$');
                if encrypted {
                    match parsed.seed.decrypt(key, &value) {
                        Ok(Some(plain)) => value = Cow::Owned(plain),
                        Ok(None) => {}
                        Err(why) => return Err(fail(logical.line, format!("{key}: {why}"))),
                    }
                }
                for kind in std::mem::take(&mut parsed.pending) {
                    let line = logical.line;
                    let note = Note {
                        line,
                        key: key.to_owned(),
                        kind,
                    };
                    // Once per change: `${X}${X}` is one note (bare names are told apart by where they are).
                    if !parsed.notes.contains(&note) {
                        parsed.notes.push(note);
                    }
                }
                parsed.push(Entry {
                    key,
                    value,
                    line: logical.line,
                    encrypted,
                })
            }
            Err(Refused::Syntax) => return Err(fail(logical.line, refusal::explain(&logical))),
            Err(Refused::Oversized) => {
                let message = format!(
                    "substitution makes this file's values larger than {} MiB",
                    SUBSTITUTED >> 20
                );
                return Err(fail(logical.line, message));
            }
        }
    }
    Ok(Read {
        entries: parsed.entries,
        notes: parsed.notes,
    })
}

/// The entries so far, and what substitution looks at.
struct Parsed<'a, 's, S> {
    entries: Vec<Entry<'a>>,
    /// The last entry of each key, built at the first substitution: most
    /// files never substitute.
    index: Option<HashMap<&'a str, usize>>,
    seed: &'s S,
    /// How many more bytes substitution may add.
    budget: usize,
    posix_defaults: bool,
    /// The notes of the line being read, until its key is known.
    pending: Vec<Substitution>,
    notes: Vec<Note>,
}

/// The most that substitution may add to the values of one file, as much
/// as an env file may hold. dotenvy has no limit, so that a few lines that
/// each double a value (`A=$A$A`) would take all memory, and parsing comes
/// before any trust is checked.
const SUBSTITUTED: usize = crate::input::MAX_ENV_FILE as usize;

impl<'a, S> Parsed<'a, '_, S> {
    fn push(&mut self, entry: Entry<'a>) {
        if let Some(index) = &mut self.index {
            index.insert(entry.key, self.entries.len());
        }
        self.entries.push(entry);
    }
}

impl<S: Seed> value::Substitute for Parsed<'_, '_, S> {
    fn substitute(&mut self, name: &str, out: &mut String) -> Result<bool, Refused> {
        let entries = &self.entries;
        let value = match self.seed.inherited(name) {
            Some(value) => Some(value),
            None => {
                let index = self.index.get_or_insert_with(|| {
                    let keys = entries.iter().enumerate().map(|(i, e)| (e.key, i));
                    keys.collect()
                });
                match index.get(name) {
                    Some(&i) => Some(&*entries[i].value),
                    // dotenvy would have seen earlier layers as lines of its
                    // own syntax, so only under names it accepts as keys.
                    None if is_key(name) => self.seed.layered(name),
                    None => None,
                }
            }
        };
        let Some(value) = value else {
            return Ok(false);
        };
        self.budget = self
            .budget
            .checked_sub(value.len())
            .ok_or(Refused::Oversized)?;
        out.push_str(value);
        Ok(true)
    }

    fn posix_defaults(&self) -> bool {
        self.posix_defaults
    }

    fn note(&mut self, note: Substitution) {
        self.pending.push(note);
    }
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

/// One logical line of a file that sets a variable, by byte offsets into
/// the text: what a tool that rewrites values in place needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The physical line it starts on.
    pub line: usize,
    /// The whole logical line, through its newline and any comment.
    pub whole: std::ops::Range<usize>,
    /// The value as written: quotes included, blanks and comment not.
    pub value: std::ops::Range<usize>,
}

/// The logical lines of `text` that hold a `KEY=value`, found as the reader
/// cuts them (a quoted value may span lines). Whether each parses is for
/// [`read`] to say.
pub fn spans(text: &str) -> Vec<Span> {
    let mut lines = Lines::new(text);
    let mut spans = Vec::new();
    let mut start = 0;
    while let Some(logical) = lines.next() {
        let end = lines.offset(text);
        let raw = logical.raw.trim_end();
        // A comment line's `raw` is empty, and so not inside `text`.
        if !raw.is_empty() && !raw.trim_start().starts_with('#') {
            let raw_end = start + raw.len();
            if let Some(eq) = text[start..raw_end].find('=') {
                let after = &text[start + eq + 1..raw_end];
                let value_start = raw_end - after.trim_start().len();
                spans.push(Span {
                    line: logical.line,
                    whole: start..end,
                    value: value_start..raw_end,
                });
            }
        }
        start = end;
    }
    spans
}

/// Each variable a file sets, with a digest of the line that sets it (the
/// last one, when set twice): what a trust record keeps so that a change can
/// be told by name, never by value. Lines that do not set a valid name are
/// left out; a change to them is still a change of the file.
pub fn entry_digests(bytes: &[u8]) -> BTreeMap<String, Digest> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeMap::new();
    for logical in Lines::new(&text) {
        let trimmed = logical.raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let line = logical.raw.trim_start();
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim_end();
        if is_key(key) {
            out.insert(key.to_owned(), sha256(logical.raw.as_bytes()));
        }
    }
    out
}

#[cfg(test)]
mod tests;
