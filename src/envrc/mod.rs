//! direnv's `.envrc`, the declarative part: read, never run. A file made only
//! of lines appenv understands becomes a list of directives; the first line
//! that is anything else (`use nix`, `eval "$(…)"`, a function, a command
//! substitution, a glob) is named, and the whole file is then ignored, since
//! following half of a script would give an environment nobody wrote.
//!
//! Words are read as a POSIX shell reads them on one line: single quotes,
//! double quotes with `\` escapes and `$NAME`/`${NAME}`, bare words with `\`
//! escapes. What would make the shell run something or depend on the file
//! system (`$(`, backquotes, `$((`, globs, redirections, `;`, `|`, `&`) is
//! never a directive.

use crate::env_vars::EnvVars;

/// The file direnv reads in a directory.
pub const FILE_NAME: &str = ".envrc";

/// A piece of a word: text as written, or a variable expanded when the
/// directive is applied (against what is loaded so far).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Var(String),
}

/// A word after quote removal, before expansion.
pub type Word = Vec<Part>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `dotenv [FILE]` (`.env` when none), `dotenv_if_exists [FILE]`.
    Dotenv { file: Option<Word>, if_exists: bool },
    /// `PATH_add DIR…` (var `PATH`) and `path_add VAR DIR…`: each directory
    /// put first on the variable, in order, as direnv does.
    PathAdd { var: String, dirs: Vec<Word> },
    /// `export NAME=VALUE`.
    Export { name: String, value: Word },
    /// `layout python` / `layout python3`: the venv at `.direnv/python-*`.
    LayoutPython,
    /// `layout node`: `node_modules/.bin` first on PATH.
    LayoutNode,
    /// `source_env FILE`, `source_env_if_exists FILE`: another `.envrc`
    /// (a directory means its `.envrc`), read by the same rules.
    SourceEnv { file: Word, if_exists: bool },
    /// `watch_file FILE…`.
    WatchFile(Vec<Word>),
    /// `env_vars_required NAME…`.
    Required(Vec<String>),
    /// `export NAME` alone: exports what is already there, sets nothing.
    Exported(String),
    /// `strict_env`: bash's `set -euo pipefail`, which changes nothing here.
    StrictEnv,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub line: usize,
    pub directive: Directive,
}

/// The first line appenv cannot follow, and why (never its text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub line: usize,
    pub why: &'static str,
}

/// The directives of a `.envrc`, or the first line that is not one.
pub fn parse(bytes: &[u8]) -> Result<Vec<Line>, Unsupported> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = Vec::new();
    for (at, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = at + 1;
        let fail = |why| Unsupported { line, why };
        let text = std::str::from_utf8(raw).map_err(|_| fail("it is not UTF-8"))?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        let words = words(text).map_err(fail)?;
        let Some((first, args)) = words.split_first() else {
            continue;
        };
        let directive = directive(first, args).map_err(fail)?;
        lines.push(Line { line, directive });
    }
    Ok(lines)
}

fn directive(first: &[Quoted], args: &[Vec<Quoted>]) -> Result<Directive, &'static str> {
    let command = plain(first).ok_or("its command is not a plain word")?;
    let words = || args.iter().map(|w| unquote(w)).collect::<Vec<_>>();
    let names = || {
        args.iter()
            .map(|w| plain(w).filter(|n| is_name(n)))
            .collect::<Option<Vec<_>>>()
            .ok_or("it names something that is not a variable name")
    };
    Ok(match command.as_str() {
        "dotenv" | "dotenv_if_exists" if args.len() <= 1 => Directive::Dotenv {
            file: args.first().map(|w| unquote(w)),
            if_exists: command == "dotenv_if_exists",
        },
        "PATH_add" if !args.is_empty() => Directive::PathAdd {
            var: EnvVars::PATH.into(),
            dirs: words(),
        },
        "path_add" if args.len() >= 2 => {
            let var = plain(&args[0])
                .filter(|n| is_name(n))
                .ok_or("path_add names something that is not a variable name")?;
            Directive::PathAdd {
                var,
                dirs: args[1..].iter().map(|w| unquote(w)).collect(),
            }
        }
        "export" => return export(args),
        "layout" if args.len() == 1 => match plain(&args[0]).as_deref() {
            Some("python" | "python3") => Directive::LayoutPython,
            Some("node") => Directive::LayoutNode,
            _ => return Err("only `layout python`, `layout python3` and `layout node` are read"),
        },
        "source_env" | "source_env_if_exists" if args.len() == 1 => Directive::SourceEnv {
            file: unquote(&args[0]),
            if_exists: command == "source_env_if_exists",
        },
        "watch_file" => Directive::WatchFile(words()),
        "env_vars_required" => Directive::Required(names()?),
        "strict_env" if args.is_empty() => Directive::StrictEnv,
        "dotenv"
        | "dotenv_if_exists"
        | "PATH_add"
        | "path_add"
        | "layout"
        | "source_env"
        | "source_env_if_exists"
        | "strict_env" => {
            return Err("it has arguments appenv does not read");
        }
        _ => return Err("a command appenv does not read"),
    })
}

/// `export NAME=VALUE`, one assignment a line (the common form, and one
/// `file:line` for each variable), or `export NAME`.
fn export(args: &[Vec<Quoted>]) -> Result<Directive, &'static str> {
    let [arg] = args else {
        return Err("export is read with one NAME=VALUE a line");
    };
    let Some(Quoted::Text {
        text,
        quoted: false,
    }) = arg.first()
    else {
        return Err("export needs NAME=VALUE");
    };
    let Some((name, rest)) = text.split_once('=') else {
        return match plain(arg) {
            Some(name) if is_name(&name) => Ok(Directive::Exported(name)),
            _ => Err("export needs NAME=VALUE"),
        };
    };
    if !is_name(name) {
        return Err("export names something that is not a variable name");
    }
    let mut value: Vec<Quoted> = Vec::with_capacity(arg.len());
    if !rest.is_empty() {
        value.push(Quoted::Text {
            text: rest.to_owned(),
            quoted: false,
        });
    }
    value.extend(arg[1..].iter().cloned());
    Ok(Directive::Export {
        name: name.to_owned(),
        value: unquote(&value),
    })
}

/// A piece of a word as the lexer saw it: whether text was quoted matters
/// for `NAME=` and for command names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Quoted {
    Text { text: String, quoted: bool },
    Var(String),
}

fn unquote(word: &[Quoted]) -> Word {
    let mut out: Word = Vec::new();
    for piece in word {
        match piece {
            Quoted::Text { text, .. } => match out.last_mut() {
                Some(Part::Text(last)) => last.push_str(text),
                _ => out.push(Part::Text(text.clone())),
            },
            Quoted::Var(name) => out.push(Part::Var(name.clone())),
        }
    }
    out
}

/// The word's text when it holds no variable.
fn plain(word: &[Quoted]) -> Option<String> {
    word.iter()
        .map(|piece| match piece {
            Quoted::Text { text, .. } => Some(text.as_str()),
            Quoted::Var(_) => None,
        })
        .collect()
}

/// The words of one line, or why it is not declarative.
fn words(line: &str) -> Result<Vec<Vec<Quoted>>, &'static str> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => {}
        }
        let mut word: Vec<Quoted> = Vec::new();
        let text = |word: &mut Vec<Quoted>, c: char, quoted: bool| match word.last_mut() {
            Some(Quoted::Text { text, quoted: q }) if *q == quoted => text.push(c),
            _ => word.push(Quoted::Text {
                text: c.to_string(),
                quoted,
            }),
        };
        while let Some(&c) = chars.peek() {
            match c {
                ' ' | '\t' => break,
                '\'' => {
                    chars.next();
                    word.push(Quoted::Text {
                        text: String::new(),
                        quoted: true,
                    });
                    loop {
                        match chars.next() {
                            None => return Err("a quote is not closed on its line"),
                            Some('\'') => break,
                            Some(c) => text(&mut word, c, true),
                        }
                    }
                }
                '"' => {
                    chars.next();
                    word.push(Quoted::Text {
                        text: String::new(),
                        quoted: true,
                    });
                    loop {
                        match chars.next() {
                            None => return Err("a quote is not closed on its line"),
                            Some('"') => break,
                            Some('\\') => match chars.next() {
                                Some(c @ ('\\' | '"' | '$' | '`')) => text(&mut word, c, true),
                                None => return Err("a quote is not closed on its line"),
                                Some(c) => {
                                    text(&mut word, '\\', true);
                                    text(&mut word, c, true);
                                }
                            },
                            Some('`') => return Err("it holds a command substitution"),
                            Some('$') => word.push(dollar(&mut chars)?),
                            Some(c) => text(&mut word, c, true),
                        }
                    }
                }
                '\\' => {
                    chars.next();
                    match chars.next() {
                        None => return Err("it continues on the next line"),
                        Some(c) => text(&mut word, c, true),
                    }
                }
                '$' => {
                    chars.next();
                    word.push(dollar(&mut chars)?);
                }
                '`' => return Err("it holds a command substitution"),
                '*' | '?' | '[' => return Err("it holds a glob"),
                '~' => return Err("it holds a `~`, which the shell expands"),
                ';' | '&' | '|' | '<' | '>' | '(' | ')' | '{' | '}' => {
                    return Err("it holds shell syntax beyond one simple command");
                }
                c => {
                    chars.next();
                    text(&mut word, c, false);
                }
            }
        }
        words.push(word);
    }
}

/// What follows a `$`: `NAME` or `${NAME}`; anything else (`$(`, `$((`,
/// `${A:-b}`, `$1`, `$@`) is not read.
fn dollar(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<Quoted, &'static str> {
    let braced = chars.next_if_eq(&'{').is_some();
    let mut name = String::new();
    while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
        name.push(c);
    }
    if braced && chars.next_if_eq(&'}').is_none() {
        return Err("it holds a `${` form other than ${NAME}");
    }
    if chars.peek() == Some(&'(') && name.is_empty() {
        return Err("it holds a command substitution");
    }
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("it holds a `$` that is not $NAME or ${NAME}");
    }
    Ok(Quoted::Var(name))
}

/// A name a shell can export: the rule [`Shell::is_valid_name`] holds.
///
/// [`Shell::is_valid_name`]: crate::shell::Shell::is_valid_name
pub fn is_name(name: &str) -> bool {
    crate::shell::Shell::is_valid_name(name)
}

#[cfg(test)]
mod tests;
