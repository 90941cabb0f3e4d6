//! Tokens as POSIX sh recognises them: words with their quotes removed
//! and their expansions marked, and operators. What cannot be followed
//! exactly is [`Opaque`].

/// A piece of a word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Text {
        text: String,
        quoted: bool,
    },
    Var {
        name: String,
        quoted: bool,
        default: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) parts: Vec<Part>,
    /// Holds what only the shell can expand: a glob, `~`, `$(…)`, `$1`…
    pub(super) complex: bool,
    /// Holds `$@`, `$*` or `$1`…: the line places the ARGS itself.
    pub(super) positional: bool,
    /// `NAME+=…` or `NAME[…]=…`: an assignment in bash, a command in dash.
    pub(super) bash_assignment: bool,
}

impl Word {
    /// The word as a plain literal, when it is one (`exec`, `if`).
    pub(super) fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text { text, .. } => out.push_str(text),
                Part::Var { .. } => return None,
            }
        }
        (!self.complex).then_some(out)
    }

    /// `NAME=…`: the name, and the index in the first part where the value starts.
    pub(super) fn assignment(&self) -> Option<(String, usize)> {
        let Some(Part::Text {
            text,
            quoted: false,
        }) = self.parts.first()
        else {
            return None;
        };
        let (name, _) = text.split_once('=')?;
        let valid = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        valid.then(|| (name.to_owned(), name.len() + 1))
    }

    /// The number of digits when the word is only unquoted digits (a file
    /// descriptor when a redirection follows it at once).
    pub(super) fn io_number_digits(&self) -> Option<usize> {
        match &self.parts[..] {
            [
                Part::Text {
                    text,
                    quoted: false,
                },
            ] if !self.complex && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                Some(text.len())
            }
            _ => None,
        }
    }

    /// Whether the word keeps its place in the line however it expands: an
    /// unquoted `$VAR` can become several words or none.
    pub(super) fn unquoted_var(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Var { quoted: false, .. }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// `;` or a newline: the end of a command.
    End,
    /// `&&`, `||`: the next command may run.
    AndOr,
    /// `&`: the previous command runs in the background.
    Background,
    Pipe,
    /// `(`, `)`, `;;`.
    Group,
    /// `<`, `>`, `>>`, `<&`, `>&`, `<>`, `>|`, `&>`.
    Redirect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word(Word),
    Op(Op),
}

/// A line the reader cannot follow exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Opaque;

/// Tokens as POSIX sh recognises them (comments dropped).
pub(super) fn lex(text: &str) -> Result<Vec<Token>, Opaque> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    // After `>&` or `<&`: the next word must be a file descriptor.
    let mut dup = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' => i += 1,
            b'\n' => {
                // A newline after `&&`, `||` or `|` only continues the line.
                if !matches!(tokens.last(), Some(Token::Op(Op::AndOr | Op::Pipe))) {
                    tokens.push(Token::Op(Op::End));
                }
                i += 1;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                if dup {
                    return Err(Opaque);
                }
                let (op, len) = operator(&bytes[i..])?;
                dup = op == Op::Redirect && matches!(&bytes[i..i + len], b">&" | b"<&");
                tokens.push(Token::Op(op));
                i += len;
            }
            _ => {
                let (word, end) = word(text, i)?;
                let digits = word.io_number_digits();
                let at_redirect = matches!(bytes.get(end), Some(b'<' | b'>'));
                if dup {
                    // `>&2`, `>&-`: dash and bash agree; bash alone reads
                    // `>&file` as a redirection of both outputs.
                    let literal = word.literal().unwrap_or_default();
                    if literal != "-" && (digits != Some(literal.len()) || at_redirect) {
                        return Err(Opaque);
                    }
                    dup = false;
                }
                match digits {
                    // `2>file`: the digit belongs to the redirection.
                    Some(1) if at_redirect => {}
                    // dash reads `10>file` as the word `10` and `>file`,
                    // bash as a redirection of descriptor 10.
                    Some(_) if at_redirect => return Err(Opaque),
                    _ if BASH_ONLY_WORDS.contains(&&text[i..end]) => return Err(Opaque),
                    _ => tokens.push(Token::Word(word)),
                }
                i = end;
            }
        }
    }
    if dup {
        return Err(Opaque);
    }
    Ok(tokens)
}

/// Words that start syntax bash has and dash has not (`[[ a < b ]]` is a
/// test in bash, a redirection in dash).
const BASH_ONLY_WORDS: [&str; 4] = ["[[", "function", "select", "coproc"];

pub(super) fn operator(rest: &[u8]) -> Result<(Op, usize), Opaque> {
    let two = rest.get(..2).unwrap_or(rest);
    // A backslash-newline after an operator's first character joins what
    // follows to it (`&\⏎&` is `&&`).
    if rest.get(1..3) == Some(b"\\\n") {
        return Err(Opaque);
    }
    Ok(match two {
        // Here-documents and here-strings; `&>`, which bash reads as one
        // redirection and dash as `&` then `>`; bash's `|&`, `;&`, `((`,
        // `<(…)` and `>(…)`.
        b"<<" | b"&>" | b"|&" | b";&" | b"((" | b"<(" | b">(" => return Err(Opaque),
        b"&&" | b"||" => (Op::AndOr, 2),
        b";;" if matches!(rest.get(2), Some(b'&' | b'\\')) => return Err(Opaque),
        b";;" => (Op::Group, 2),
        b">>" | b"<&" | b">&" | b"<>" | b">|" => (Op::Redirect, 2),
        _ => match rest[0] {
            b';' => (Op::End, 1),
            b'&' => (Op::Background, 1),
            b'|' => (Op::Pipe, 1),
            b'(' | b')' => (Op::Group, 1),
            _ => (Op::Redirect, 1),
        },
    })
}

/// One word from `start`, and where it ends.
pub(super) fn word(text: &str, start: usize) -> Result<(Word, usize), Opaque> {
    let bytes = text.as_bytes();
    let mut w = Word {
        start,
        end: start,
        parts: Vec::new(),
        complex: false,
        positional: false,
        bash_assignment: false,
    };
    let mut lit = String::new();
    let flush = |lit: &mut String, parts: &mut Vec<Part>, quoted: bool| {
        if !lit.is_empty() || quoted {
            parts.push(Part::Text {
                text: std::mem::take(lit),
                quoted,
            });
        }
    };
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            b'\\' => match bytes.get(i + 1) {
                None => return Err(Opaque),
                Some(b'\n') => i += 2,
                Some(_) => {
                    flush(&mut lit, &mut w.parts, false);
                    let c = next_char(text, i + 1);
                    w.parts.push(Part::Text {
                        text: c.to_string(),
                        quoted: true,
                    });
                    i += 1 + c.len_utf8();
                }
            },
            b'\'' => {
                flush(&mut lit, &mut w.parts, false);
                let end = text[i + 1..].find('\'').ok_or(Opaque)? + i + 1;
                w.parts.push(Part::Text {
                    text: text[i + 1..end].to_owned(),
                    quoted: true,
                });
                i = end + 1;
            }
            b'"' => {
                flush(&mut lit, &mut w.parts, false);
                i = double_quoted(text, i + 1, &mut w)?;
            }
            b'$' => {
                flush(&mut lit, &mut w.parts, false);
                i = dollar(text, i, false, &mut w)?;
            }
            b'`' => {
                w.complex = true;
                i = backquoted(bytes, i + 1, &mut w)?;
            }
            // bash expands `a{b,c}` and `{1..3}`, dash does not; `{` and
            // `{}` alone are the same in both.
            b'{' if !(i == start && alone(&bytes[i + 1..])) => return Err(Opaque),
            b'*' | b'?' | b'[' => {
                w.complex = true;
                lit.push(b as char);
                i += 1;
            }
            b'~' if i == start || matches!(bytes[i - 1], b'=' | b':') => {
                w.complex = true;
                lit.push('~');
                i += 1;
            }
            _ => {
                let c = next_char(text, i);
                lit.push(c);
                i += c.len_utf8();
            }
        }
    }
    flush(&mut lit, &mut w.parts, false);
    w.end = i;
    let raw = &bytes[start..i];
    let name = raw
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    w.bash_assignment = name > 0
        && !raw[0].is_ascii_digit()
        && (raw[name..].starts_with(b"+=") || raw[name..].starts_with(b"["));
    Ok((w, i))
}

/// Whether a word's `{` is the whole word: `{` or `{}`.
fn alone(rest: &[u8]) -> bool {
    let delimiter = |b: Option<&u8>| b.is_none_or(|b| b" \t\n;&|()<>".contains(b));
    delimiter(rest.first()) || (rest.first() == Some(&b'}') && delimiter(rest.get(1)))
}

/// Variables the shell sets or computes itself rather than taking them
/// from its environment as they are (`$PPID`, `"$IFS"`, bash's `$SHLVL`),
/// in dash or in bash: only the shell can expand them.
fn shell_variable(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "_",
        "IFS",
        "OPTIND",
        "OPTARG",
        "OPTERR",
        "PPID",
        "PS1",
        "PS2",
        "PS4",
        "LINENO",
        "RANDOM",
        "SRANDOM",
        "SECONDS",
        "EPOCHSECONDS",
        "EPOCHREALTIME",
        "SHLVL",
        "SHELLOPTS",
        "HOSTNAME",
        "HOSTTYPE",
        "MACHTYPE",
        "OSTYPE",
        "UID",
        "EUID",
        "GROUPS",
        "HISTCMD",
        "FUNCNAME",
        "DIRSTACK",
        "PIPESTATUS",
        "COMP_WORDBREAKS",
        "SHELL",
        "TERM",
        "POSIXLY_CORRECT",
    ];
    NAMES.contains(&name) || name.starts_with("BASH")
}

/// Whether a body the shell expands (`$(…)`, `` `…` ``, `${…}`) reads the
/// positional parameters (`$1`, `"$@"`, `${1:-x}`, `${#1}`), so ARGS go
/// there and not after the line.
fn reads_args(body: &[u8]) -> bool {
    body.windows(2).enumerate().any(|(k, pair)| {
        let positional = |b: Option<&u8>| b.is_some_and(|b| b"@*123456789".contains(b));
        pair[0] == b'$'
            && (positional(Some(&pair[1]))
                || (pair[1] == b'{'
                    && (positional(body.get(k + 2))
                        || (body.get(k + 2) == Some(&b'#') && positional(body.get(k + 3))))))
    })
}

pub(super) fn next_char(text: &str, at: usize) -> char {
    text[at..].chars().next().unwrap_or_default()
}

/// Inside `"…"` from `i`; returns the index after the closing quote.
pub(super) fn double_quoted(text: &str, mut i: usize, w: &mut Word) -> Result<usize, Opaque> {
    let bytes = text.as_bytes();
    let mut lit = String::new();
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(Opaque);
        };
        match b {
            b'"' => {
                w.parts.push(Part::Text {
                    text: lit,
                    quoted: true,
                });
                return Ok(i + 1);
            }
            b'\\' => match bytes.get(i + 1) {
                None => return Err(Opaque),
                Some(b'\n') => i += 2,
                Some(&c) if b"$`\"\\".contains(&c) => {
                    lit.push(c as char);
                    i += 2;
                }
                Some(_) => {
                    lit.push('\\');
                    i += 1;
                }
            },
            b'$' => {
                w.parts.push(Part::Text {
                    text: std::mem::take(&mut lit),
                    quoted: true,
                });
                i = dollar(text, i, true, w)?;
            }
            b'`' => {
                w.complex = true;
                i = backquoted(bytes, i + 1, w)?;
            }
            _ => {
                let c = next_char(text, i);
                lit.push(c);
                i += c.len_utf8();
            }
        }
    }
}

/// A `$` at `i`; returns the index after the expansion.
pub(super) fn dollar(text: &str, i: usize, quoted: bool, w: &mut Word) -> Result<usize, Opaque> {
    let bytes = text.as_bytes();
    let name_len = |from: usize| {
        let rest = &bytes[from..];
        if rest
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            rest.iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count()
        } else {
            0
        }
    };
    match bytes.get(i + 1) {
        // `$\⏎A` is `$A`.
        Some(b'\\') if bytes.get(i + 2) == Some(&b'\n') => Err(Opaque),
        Some(b'{') => {
            let close = braced_end(bytes, i + 2)?;
            let inner = &text[i + 2..close];
            if inner.contains("\\\n") {
                return Err(Opaque);
            }
            w.positional |= reads_args(&bytes[i..=close]);
            let n = name_len(i + 2);
            let name = &inner[..n];
            let rest = &inner[n..];
            let default = if rest.is_empty() {
                Some(None)
            } else {
                rest.strip_prefix(":-")
                    .filter(|d| !d.bytes().any(|b| b"$`\"'\\{}*?[~".contains(&b)))
                    .map(|d| Some(d.to_owned()))
            };
            match default {
                Some(default) if n > 0 && !shell_variable(name) => w.parts.push(Part::Var {
                    name: name.to_owned(),
                    quoted,
                    default,
                }),
                _ => w.complex = true,
            }
            Ok(close + 1)
        }
        Some(b'(') => {
            w.complex = true;
            let end = paren_end(bytes, i + 2)?;
            w.positional |= reads_args(&bytes[i + 2..end]);
            Ok(end)
        }
        // bash's $'…' and $"…", which dash reads otherwise.
        Some(b'\'' | b'"') if !quoted => Err(Opaque),
        Some(c) if b"@*#?-$!0123456789".contains(c) => {
            w.complex = true;
            w.positional |= b"@*123456789".contains(c);
            Ok(i + 2)
        }
        _ => {
            let n = name_len(i + 1);
            // `$A\⏎B` is `$AB`.
            if n > 0 && bytes.get(i + 1 + n..i + 3 + n) == Some(b"\\\n") {
                return Err(Opaque);
            }
            if n > 0 && shell_variable(&text[i + 1..i + 1 + n]) {
                w.complex = true;
                return Ok(i + 1 + n);
            }
            if n == 0 {
                // A lone `$` is itself.
                w.parts.push(Part::Text {
                    text: "$".into(),
                    quoted,
                });
                return Ok(i + 1);
            }
            w.parts.push(Part::Var {
                name: text[i + 1..i + 1 + n].to_owned(),
                quoted,
                default: None,
            });
            Ok(i + 1 + n)
        }
    }
}

/// The index of the `}` closing a `${` whose body starts at `i`.
pub(super) fn braced_end(bytes: &[u8], mut i: usize) -> Result<usize, Opaque> {
    let mut depth = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            // Quotes inside `"${A:-'…'}"` quote in bash and not in dash (nor
            // do they quote the same `}`); `$(…)` and backquotes may hold a
            // `}` of their own.
            b'\\' | b'\'' | b'"' | b'`' | b'(' => return Err(Opaque),
            b'{' => depth += 1,
            b'}' if depth == 0 => return Ok(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    Err(Opaque)
}

/// The index after the `)` closing a `$(` whose body starts at `i`.
pub(super) fn paren_end(bytes: &[u8], mut i: usize) -> Result<usize, Opaque> {
    let start = i;
    let mut depth = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 1,
            b'\'' | b'"' => i = quote_end(bytes, i)?,
            b'(' => depth += 1,
            // `case` patterns end in a `)` of their own: they cannot be
            // followed by counting.
            b')' if depth == 0 && contains(&bytes[start..i], b"case") => return Err(Opaque),
            b')' if depth == 0 => return Ok(i + 1),
            b')' => depth -= 1,
            // A comment may hold a `)`; a backquote inside may too.
            b'#' | b'`' => return Err(Opaque),
            b'<' if bytes.get(i + 1) == Some(&b'<') => return Err(Opaque),
            _ => {}
        }
        i += 1;
    }
    Err(Opaque)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The index of the quote closing the one at `i`.
pub(super) fn quote_end(bytes: &[u8], i: usize) -> Result<usize, Opaque> {
    let quote = bytes[i];
    let mut j = i + 1;
    while let Some(&b) = bytes.get(j) {
        if b == b'\\' && quote == b'"' {
            j += 2;
            continue;
        }
        // `"$(…)"` and `` "`…`" `` may hold a `"` of their own.
        if quote == b'"' && (b == b'`' || (b == b'$' && bytes.get(j + 1) == Some(&b'('))) {
            return Err(Opaque);
        }
        if b == quote {
            return Ok(j);
        }
        j += 1;
    }
    Err(Opaque)
}

/// The index after the backquote closing one whose body starts at `i`.
pub(super) fn backquoted(bytes: &[u8], mut i: usize, w: &mut Word) -> Result<usize, Opaque> {
    let start = i;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'`' => {
                w.positional |= reads_args(&bytes[start..i]);
                return Ok(i + 1);
            }
            _ => i += 1,
        }
    }
    Err(Opaque)
}
