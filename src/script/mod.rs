//! A task's command line, read the way `/bin/sh` reads it, far enough to
//! decide how to run it without leaving a shell around the program.
//!
//! * One simple command made of words, quotes, `$VAR`, `${VAR}`,
//!   `${VAR:-word}` and leading `NAME=value` assignments is a [`Simple`]:
//!   appenv expands it itself and execs the program directly.
//! * Anything else (globs, `~`, `$(…)`, `&&`, pipes, redirections,
//!   keywords, builtins) keeps the shell. Its last simple command is then
//!   prefixed with `exec` where that is safe, so the program still replaces
//!   the shell, and ARGS are added as `"$@"` after its last word, or refused
//!   when they cannot be (a line ending in `&`, `fi`, `done`, `}`…).
//!
//! Reading stops at what cannot be followed exactly, and at what dash and
//! bash (the shells `/bin/sh` is) read differently: a here-document or
//! here-string, an unterminated quote, `&>`, `>&file`, `|&`, `10>file`,
//! `a{b,c}`, `$'…'`, `$"…"`, `[[`, `((`, `<(…)`, a backslash-newline
//! inside an operator or a `$NAME`. Such a line is run by the shell exactly
//! as written and takes no ARGS. Variables the shell sets itself (`$PPID`,
//! `"$IFS"`, `$_`…) and builtins (`times`, `echo`…) keep the shell too.

use crate::env_vars::EnvVars;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

mod lex;

use lex::{Op, Opaque, Part, Token, Word, lex};

/// Shell words that only the shell can run as it means them: keywords,
/// and builtins that change the shell or differ from the program of the
/// same name (`echo` interprets backslashes in dash, `/bin/echo` does not).
const SHELL_ONLY: &[&str] = &[
    "!",
    "{",
    "}",
    "case",
    "do",
    "done",
    "elif",
    "else",
    "esac",
    "fi",
    "for",
    "if",
    "in",
    "then",
    "until",
    "while",
    "[[",
    "]]",
    "function",
    "select",
    "time",
    "coproc",
    ".",
    ":",
    "alias",
    "break",
    "cd",
    "command",
    "continue",
    "echo",
    "eval",
    "exit",
    "export",
    "false",
    "getopts",
    "hash",
    "jobs",
    "kill",
    "local",
    "printf",
    "pwd",
    "read",
    "readonly",
    "return",
    "set",
    "shift",
    "test",
    "[",
    "trap",
    "true",
    "type",
    "umask",
    "ulimit",
    "unalias",
    "unset",
    "wait",
    "source",
    "declare",
    "typeset",
    "let",
    "builtin",
    "times",
    "chdir",
    "bg",
    "fg",
    "fc",
    "disown",
    "enable",
    "help",
    "history",
    "logout",
    "mapfile",
    "readarray",
    "pushd",
    "popd",
    "dirs",
    "shopt",
    "suspend",
    "caller",
    "compgen",
    "complete",
    "compopt",
    "bind",
];

/// Keywords after which nothing can be appended: the line ends inside or
/// at the end of a compound command.
const CLOSING: [&str; 10] = [
    "}", "done", "esac", "fi", "then", "do", "else", "elif", "in", "{",
];

fn shell_only(word: &str) -> bool {
    SHELL_ONLY.contains(&word)
}

/// How a task's line runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// One simple command, run by appenv without a shell.
    Simple(Simple),
    /// Run by `/bin/sh -c`; see [`Form::shell_script`].
    Shell(ShellLine),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simple {
    assignments: Vec<(String, Vec<Part>)>,
    /// Where the assignments end in the text.
    assignments_end: usize,
    words: Vec<Word>,
    /// Written as `exec COMMAND`.
    had_exec: bool,
}

/// A line only `/bin/sh` can run as it means it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellLine {
    text: String,
    /// Where `exec ` goes so the last command replaces the shell.
    exec_at: Option<usize>,
    /// Where `"$@"` goes, or why ARGS cannot be added.
    args_at: Result<usize, &'static str>,
    /// The line uses `"$@"`, `$1`…: ARGS go there, not after it.
    places_args: bool,
}

/// Why ARGS cannot be added to a line; the line runs fine without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsRefused(pub &'static str);

impl Form {
    pub fn parse(text: &str) -> Form {
        let tokens = match lex(text) {
            Ok(tokens) => tokens,
            Err(Opaque) => {
                return Form::Shell(ShellLine {
                    text: text.to_owned(),
                    exec_at: None,
                    places_args: false,
                    args_at: Err(
                        "it cannot be read exactly as every /bin/sh reads it (a here-document, \
                         an unfinished quote, or syntax dash and bash read differently, such \
                         as `&>`)",
                    ),
                });
            }
        };
        let mut tokens = &tokens[..];
        while let [Token::Op(Op::End), rest @ ..] = tokens {
            tokens = rest;
        }
        while let [rest @ .., Token::Op(Op::End)] = tokens {
            tokens = rest;
        }
        if let Some(simple) = simple(tokens) {
            return Form::Simple(simple);
        }
        Form::Shell(shell(text, tokens))
    }

    /// The script for `/bin/sh -c` (the text as written for a simple
    /// command, which has nothing to gain from `exec`).
    pub fn shell_script(&self, text: &str, with_args: bool) -> Result<String, ArgsRefused> {
        match self {
            Form::Simple(s) => {
                let start = s.words[0].start;
                let end = s.words.last().map_or(text.len(), |w| w.end);
                let exec = if s.had_exec { "" } else { "exec " };
                let tail = if with_args { " \"$@\"" } else { "" };
                Ok(format!(
                    "{}{exec}{}{tail}",
                    &text[..start],
                    &text[start..end]
                ))
            }
            Form::Shell(s) => s.script(with_args),
        }
    }
}

impl ShellLine {
    fn script(&self, with_args: bool) -> Result<String, ArgsRefused> {
        let text = &self.text;
        let (body, tail) = match (with_args, self.args_at) {
            (true, _) if self.places_args => (text.as_str(), ""),
            (true, Ok(at)) => (&text[..at], " \"$@\""),
            (true, Err(why)) => return Err(ArgsRefused(why)),
            (false, _) => (text.as_str(), ""),
        };
        Ok(match self.exec_at {
            Some(at) => format!("{}exec {}{tail}", &body[..at], &body[at..]),
            None => format!("{body}{tail}"),
        })
    }
}

/// One command of words only, none of them needing the shell.
fn simple(tokens: &[Token]) -> Option<Simple> {
    let mut words = Vec::with_capacity(tokens.len());
    for token in tokens {
        match token {
            Token::Word(w) if !w.complex => words.push(w.clone()),
            _ => return None,
        }
    }
    let count = words
        .iter()
        .take_while(|w| w.assignment().is_some())
        .count();
    let assignments_end = words.get(count.wrapping_sub(1)).map_or(0, |w| w.end);
    let mut command = words.split_off(count);
    let had_exec = command.first().and_then(Word::literal).as_deref() == Some("exec");
    if had_exec {
        command.remove(0);
        // `exec -a NAME`, `exec -c`: options of the shell's exec.
        if command
            .first()
            .is_some_and(|w| w.literal().is_none_or(|l| l.starts_with('-')))
        {
            return None;
        }
    }
    let first = command.first()?;
    // A first word that may expand to nothing or to several words, or to a
    // keyword: leave it to the shell.
    if first.unquoted_var()
        || first.bash_assignment
        || first.literal().is_none_or(|l| shell_only(&l))
    {
        return None;
    }
    let assignments = words
        .into_iter()
        .map(|w| {
            let (name, skip) = w.assignment().unwrap_or_default();
            let mut parts = w.parts;
            if let Some(Part::Text { text, .. }) = parts.first_mut() {
                text.drain(..skip);
            }
            (name, parts)
        })
        .collect();
    Some(Simple {
        assignments,
        assignments_end,
        words: command,
        had_exec,
    })
}

fn shell(text: &str, tokens: &[Token]) -> ShellLine {
    // The last command: what follows the last separator.
    let start = tokens
        .iter()
        .rposition(|t| matches!(t, Token::Op(op) if *op != Op::Redirect))
        .map_or(0, |i| i + 1);
    let separator = start.checked_sub(1).and_then(|i| match &tokens[i] {
        Token::Op(op) => Some(*op),
        Token::Word(_) => None,
    });
    let last = &tokens[start..];
    // Its command words: words not taken by a redirection.
    let mut command = Vec::new();
    let mut after_redirect = false;
    for token in last {
        match token {
            Token::Op(_) => after_redirect = true,
            Token::Word(_) if after_redirect => after_redirect = false,
            Token::Word(w) => command.push(w),
        }
    }
    let assignments = command
        .iter()
        .take_while(|w| w.assignment().is_some())
        .count();
    let first = command.get(assignments);
    let first_literal = first.and_then(|w| w.literal());
    let args_at = match (last.last(), first) {
        (Some(Token::Word(w)), Some(_))
            if !first_literal
                .as_deref()
                .is_some_and(|l| CLOSING.contains(&l)) =>
        {
            Ok(w.end)
        }
        (Some(Token::Op(Op::Background)), _) => {
            Err("it ends with `&`, so its last command runs in the background")
        }
        _ => Err(
            "it does not end with a simple command (it ends with a keyword, `)` or an operator)",
        ),
    };
    let defines_function = tokens
        .windows(2)
        .any(|w| w == [Token::Op(Op::Group), Token::Op(Op::Group)]);
    let can_exec = matches!(
        separator,
        None | Some(Op::End) | Some(Op::AndOr) | Some(Op::Background)
    ) && args_at.is_ok()
        && !defines_function
        && first.is_some_and(|w| !w.bash_assignment)
        && first_literal
            .as_deref()
            .is_some_and(|l| !shell_only(l) && l != "exec");
    let exec_at = can_exec.then(|| first.map(|w| w.start)).flatten();
    let places_args = tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w.positional));
    ShellLine {
        text: text.to_owned(),
        exec_at,
        args_at,
        places_args,
    }
}

impl Simple {
    /// The command's assignments and argv, expanded as the shell would with
    /// the variables `lookup` gives. `None` when an unquoted expansion holds
    /// a glob character (only the shell can expand that as it would), or
    /// when nothing is left to run.
    #[allow(clippy::type_complexity)]
    pub fn expand(
        &self,
        lookup: &dyn Fn(&str) -> Option<OsString>,
    ) -> Option<(Vec<(String, OsString)>, Vec<OsString>)> {
        // The command's words see the variables as they were before the
        // assignments (POSIX expands them first); each assignment sees the
        // ones before it.
        // Without PATH in the environment the shell has one of its own.
        if self.reads(EnvVars::PATH) && lookup(EnvVars::PATH).is_none() {
            return None;
        }
        let mut argv = Vec::new();
        for word in &self.words {
            argv.extend(fields(&word.parts, lookup)?);
        }
        let mut assigned: Vec<(String, OsString)> = Vec::new();
        for (name, parts) in &self.assignments {
            let seen = |n: &str| {
                assigned
                    .iter()
                    .rev()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| v.clone())
                    .or_else(|| lookup(n))
            };
            let value = joined(parts, &seen);
            assigned.push((name.clone(), value));
        }
        (!argv.is_empty()).then_some((assigned, argv))
    }

    fn reads(&self, name: &str) -> bool {
        let parts = self.words.iter().map(|w| &w.parts);
        parts
            .chain(self.assignments.iter().map(|(_, parts)| parts))
            .flatten()
            .any(|p| matches!(p, Part::Var { name: n, .. } if n == name))
    }

    /// The first word as written (a literal: see [`simple`]).
    pub fn program(&self) -> String {
        self.words[0].literal().unwrap_or_default()
    }

    /// The text from the first command word on, as written.
    pub fn command_text<'t>(&self, text: &'t str) -> &'t str {
        let end = self.words.last().map_or(text.len(), |w| w.end);
        &text[self.words[0].start..end]
    }

    /// The leading assignments as written (empty when there are none).
    pub fn assignments_text<'t>(&self, text: &'t str) -> &'t str {
        text[..self.assignments_end].trim()
    }
}

type Lookup<'l> = &'l dyn Fn(&str) -> Option<OsString>;

/// An assignment's value: no splitting, no globbing.
fn joined(parts: &[Part], lookup: Lookup) -> OsString {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Part::Text { text, .. } => out.extend_from_slice(text.as_bytes()),
            Part::Var { name, default, .. } => out.extend(var(name, default, lookup)),
        }
    }
    OsString::from_vec(out)
}

/// `$NAME`, or `${NAME:-default}` when unset or empty.
fn var(name: &str, default: &Option<String>, lookup: Lookup) -> Vec<u8> {
    let value = lookup(name).map(OsString::into_vec).unwrap_or_default();
    match default {
        Some(d) if value.is_empty() => d.as_bytes().to_vec(),
        _ => value,
    }
}

/// A command word's fields: unquoted expansions split at blanks and
/// newlines (the default IFS; shells do not take IFS from the environment),
/// an unquoted empty expansion gives no field, a quoted one an empty field.
fn fields(parts: &[Part], lookup: Lookup) -> Option<Vec<OsString>> {
    let mut fields = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut started = false;
    for part in parts {
        match part {
            Part::Text { text, .. } => {
                current.extend_from_slice(text.as_bytes());
                started = true;
            }
            Part::Var {
                name,
                quoted: true,
                default,
            } => {
                current.extend(var(name, default, lookup));
                started = true;
            }
            Part::Var {
                name,
                quoted: false,
                default,
            } => {
                let value = var(name, default, lookup);
                if value.iter().any(|b| b"*?[".contains(b)) {
                    return None;
                }
                for (k, piece) in value.split(|b| b" \t\n".contains(b)).enumerate() {
                    if k > 0 && started {
                        fields.push(OsString::from_vec(std::mem::take(&mut current)));
                        started = false;
                    }
                    if !piece.is_empty() {
                        current.extend_from_slice(piece);
                        started = true;
                    }
                }
            }
        }
    }
    if started {
        fields.push(OsString::from_vec(current));
    }
    Some(fields)
}

#[cfg(test)]
mod tests;
