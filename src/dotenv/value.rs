//! One logical line read as dotenvy reads it: `[export] KEY = value`, the
//! value unquoted, unescaped and substituted. A value with nothing to undo
//! (no quote, backslash, `$` or blank) is the text itself, never copied.
//! Where appenv differs: `${NAME:-word}` and `${NAME-word}` take their POSIX
//! meaning, and every `$` that yields nothing or stops short is noted.

use std::borrow::Cow;

use super::Substitution;

/// What substitution reads, and where its notes go.
pub(super) trait Substitute {
    /// Appends the value of `$NAME` or `${NAME}`; whether anything defines it.
    fn substitute(&mut self, name: &str, out: &mut String) -> Result<bool, Refused>;
    /// Whether `${NAME:-word}` and `${NAME-word}` take their POSIX meaning
    /// (always, but for the test that holds the rest equal to dotenvy).
    fn posix_defaults(&self) -> bool;
    fn note(&mut self, note: Substitution);
}

/// Why a line is not read.
pub(super) enum Refused {
    /// dotenvy refuses it; what is wrong is told from the text (see
    /// [`super::explain`]), which is never echoed.
    Syntax,
    /// Substitution would make the file's values larger than appenv reads.
    Oversized,
}

/// The key and value `line` sets, `None` for a blank line or a comment.
pub(super) fn parse_line<'a>(
    line: &'a str,
    vars: &mut impl Substitute,
) -> Result<Option<(&'a str, Cow<'a, str>)>, Refused> {
    let line = line.trim_end().trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (mut key, mut rest) = key(line)?;
    rest = rest.trim_start();
    // `export` is a prefix when no `=` follows it, and a key otherwise.
    match rest.strip_prefix('=') {
        Some(after) => rest = after,
        None if key == "export" => {
            (key, rest) = self::key(rest)?;
            rest = rest.trim_start().strip_prefix('=').ok_or(Refused::Syntax)?;
        }
        None => return Err(Refused::Syntax),
    }
    let rest = rest.trim_start();
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(Some((key, Cow::Borrowed(""))));
    }
    let plain = !rest
        .bytes()
        .any(|b| matches!(b, b'\'' | b'"' | b'\\' | b'$' | b' ' | b'\t'));
    let value = if plain {
        Cow::Borrowed(rest)
    } else {
        Cow::Owned(value(rest, vars)?)
    };
    Ok(Some((key, value)))
}

/// A run of name characters that starts like a name, and what follows it.
fn key(text: &str) -> Result<(&str, &str), Refused> {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(Refused::Syntax);
    }
    let end = text
        .bytes()
        .position(|b| !NAME[usize::from(b)])
        .unwrap_or(text.len());
    Ok(text.split_at(end))
}

/// The bytes of a key: ASCII letters and digits, `_` and `.`.
static NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
        b += 1;
    }
    table
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    /// Not inside a `$` reference.
    None,
    /// After `$`: the name runs while characters are alphanumeric.
    Bare,
    /// After `${`: the name runs to `}`.
    Braced,
}

/// dotenvy's value state machine, character by character. Its quirks are
/// kept on purpose, since appenv reads what dotenvy reads: the character that
/// ends a bare `$NAME` is taken literally (so `"$A"` leaves the quote open),
/// and `$` starts a name even inside double quotes.
fn value(input: &str, vars: &mut impl Substitute) -> Result<String, Refused> {
    let mut strong = false;
    let mut weak = false;
    let mut escaped = false;
    let mut expecting_end = false;
    let mut mode = Name::None;
    let mut name = String::new();
    // Where the `$` of the name being read is, counted in characters from 1:
    // notes point at it rather than quote a value.
    let mut dollar = 0;
    let mut out = String::with_capacity(input.len());
    for (count, c) in input.chars().enumerate() {
        if expecting_end {
            match c {
                ' ' | '\t' => continue,
                '#' => break,
                _ => return Err(Refused::Syntax),
            }
        } else if escaped {
            match c {
                '\\' | '\'' | '"' | '$' | ' ' => out.push(c),
                'n' => out.push('\n'),
                _ => return Err(Refused::Syntax),
            }
            escaped = false;
        } else if strong {
            if c == '\'' {
                strong = false;
            } else {
                out.push(c);
            }
        } else if mode != Name::None {
            if c.is_alphanumeric() {
                name.push(c);
            } else if mode == Name::Bare {
                if c == '{' && name.is_empty() {
                    mode = Name::Braced;
                } else {
                    bare(vars, &name, Some(c), dollar, &mut out)?;
                    name.clear();
                    if c == '$' {
                        mode = Name::Bare;
                        dollar = count + 1;
                    } else {
                        mode = Name::None;
                        out.push(c);
                    }
                }
            } else if c == '}' {
                mode = Name::None;
                braced(vars, &name, dollar, &mut out)?;
                name.clear();
            } else {
                name.push(c);
            }
        } else if c == '$' {
            mode = Name::Bare;
            dollar = count + 1;
        } else if weak {
            match c {
                '"' => weak = false,
                '\\' => escaped = true,
                _ => out.push(c),
            }
        } else {
            match c {
                '\'' => strong = true,
                '"' => weak = true,
                '\\' => escaped = true,
                ' ' | '\t' => expecting_end = true,
                _ => out.push(c),
            }
        }
    }
    if mode == Name::Braced || strong || weak {
        return Err(Refused::Syntax);
    }
    if mode == Name::Bare {
        bare(vars, &name, None, dollar, &mut out)?;
    }
    Ok(out)
}

/// `$NAME`, ended by `next` (or by the end of the value). A POSIX name runs
/// on through `_` where dotenvy's stops before it: `$DB_USER` is `$DB`
/// followed by `_USER` here and `${DB_USER}` in a shell, so that is noted.
fn bare(
    vars: &mut impl Substitute,
    name: &str,
    next: Option<char>,
    dollar: usize,
    out: &mut String,
) -> Result<(), Refused> {
    if name.is_empty() {
        // dotenvy looks the empty name up, which nothing defines.
        vars.note(match next {
            Some('(') => Substitution::Command { at: dollar },
            _ => Substitution::Lone { at: dollar },
        });
        return Ok(());
    }
    let cut = next == Some('_');
    match (vars.substitute(name, out)?, cut) {
        (true, false) => {}
        (true, true) => vars.note(Substitution::CutShort { name: name.into() }),
        (false, cut) => vars.note(Substitution::Undefined { at: dollar, cut }),
    }
    Ok(())
}

/// `${...}`: a name, or with POSIX defaults `NAME:-word` and `NAME-word`.
fn braced(
    vars: &mut impl Substitute,
    inside: &str,
    dollar: usize,
    out: &mut String,
) -> Result<(), Refused> {
    if inside.is_empty() {
        vars.note(Substitution::Empty { at: dollar });
        return Ok(());
    }
    let (name, rest) = inside.split_at(
        inside
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(inside.len()),
    );
    let form = super::is_key(name).then(|| operator(rest)).flatten();
    if let (Some((op @ (":-" | "-"), word)), true) = (form, vars.posix_defaults()) {
        let start = out.len();
        let defined = vars.substitute(name, out)?;
        let colon = op == ":-";
        if !defined || (colon && out.len() == start) {
            out.truncate(start);
            out.push_str(word);
            // `${NAME:-}` says "empty when unset" in so many words.
            if !word.is_empty() {
                let nested = word.contains('$');
                let name = name.into();
                vars.note(Substitution::Default {
                    name,
                    colon,
                    nested,
                });
            }
        }
        return Ok(());
    }
    if vars.substitute(inside, out)? {
        return Ok(());
    }
    vars.note(match form {
        Some((op, _)) => Substitution::Unsupported {
            name: name.into(),
            op,
        },
        None if super::is_key(inside) => Substitution::UndefinedBraced {
            name: inside.into(),
        },
        None => Substitution::Undefined {
            at: dollar,
            cut: false,
        },
    });
    Ok(())
}

/// The shell parameter operator `rest` starts with, and the word after it.
fn operator(rest: &str) -> Option<(&'static str, &str)> {
    [":-", ":=", ":?", ":+", "-", "=", "?", "+"]
        .into_iter()
        .find_map(|op| Some((op, rest.strip_prefix(op)?)))
}
