//! Shell code that `appenv export` prints and the hook evaluates.
//!
//! This is the security boundary between an env file and the user's
//! interactive shell: a value is data, and whatever bytes it holds must come
//! out of `eval` as exactly those bytes without running anything. Each shell
//! has its own quoting rules, so each has its own module; all of them are
//! checked against the real shells in `tests/shell_quoting/`.
//!
//! Whatever the value, the code rendered here is printable UTF-8 with no
//! control characters but the newline that ends each statement: a hostile
//! value can neither split a statement across lines nor drive the terminal of
//! someone reading `appenv export zsh`. tcsh is the exception: it has no
//! escape for a control character (see `tcsh.rs`).

mod bash;
mod elvish;
mod export;
mod fish;
mod nu;
mod tcsh;
mod xonsh;
mod zsh;

use std::borrow::Cow;
use std::fmt;

pub use export::Export;

/// A shell that appenv prints code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Tcsh,
    Elvish,
    Xonsh,
    Nu,
}

impl Shell {
    pub const ALL: [Shell; 7] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Tcsh,
        Shell::Elvish,
        Shell::Xonsh,
        Shell::Nu,
    ];

    /// The shell's name as the user types it: `bash`, `zsh`, `fish`,
    /// `tcsh`, `elvish`, `xonsh`, `nu`.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Tcsh => "tcsh",
            Shell::Elvish => "elvish",
            Shell::Xonsh => "xonsh",
            Shell::Nu => "nu",
        }
    }

    /// Whether the shell's strings hold any bytes. Nushell's are UTF-8 only.
    pub fn holds_bytes(self) -> bool {
        self != Shell::Nu
    }

    /// Appends one shell word that evaluates to exactly `value` (in
    /// nushell, when `value` is UTF-8).
    ///
    /// A NUL byte cannot be part of a shell variable or of the environment,
    /// so it is left out (as the shells themselves do when they read one);
    /// every other byte is kept.
    pub fn quote(self, value: &[u8], out: &mut Vec<u8>) {
        let value = &*without_nul(value);
        match self {
            Shell::Bash => bash::quote(value, out),
            Shell::Zsh => zsh::quote(value, out),
            Shell::Fish => fish::quote(value, out),
            Shell::Tcsh => tcsh::quote(value, out),
            Shell::Elvish => elvish::quote(value, out),
            Shell::Xonsh => xonsh::quote(value, out),
            Shell::Nu => nu::quote(value, out),
        }
    }

    /// Appends a statement that sets the global, exported variable `name` to
    /// `value` (NUL bytes left out, as in [`quote`](Shell::quote)).
    ///
    /// # Panics
    ///
    /// If `name` is not [a valid name](Shell::is_valid_name): a name is
    /// written unquoted, so callers must filter names before rendering.
    pub fn set(self, name: &str, value: &[u8], out: &mut Vec<u8>) {
        assert_valid_name(name);
        let value = &*without_nul(value);
        match self {
            Shell::Bash => bash::set(name, value, out),
            Shell::Zsh => zsh::set(name, value, out),
            Shell::Fish => fish::set(name, value, out),
            Shell::Tcsh => tcsh::set(name, value, out),
            Shell::Elvish => elvish::set(name, value, out),
            Shell::Xonsh => xonsh::set(name, value, out),
            Shell::Nu => nu::set(name, value, out),
        }
    }

    /// Appends a statement that removes the global variable `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not [a valid name](Shell::is_valid_name).
    pub fn unset(self, name: &str, out: &mut Vec<u8>) {
        assert_valid_name(name);
        match self {
            Shell::Bash => bash::unset(name, out),
            Shell::Zsh => zsh::unset(name, out),
            Shell::Fish => fish::unset(name, out),
            Shell::Tcsh => tcsh::unset(name, out),
            Shell::Elvish => elvish::unset(name, out),
            Shell::Xonsh => xonsh::unset(name, out),
            Shell::Nu => nu::unset(name, out),
        }
    }

    /// Appends a statement that sets the hook's own unexported, global
    /// variable `name` to `value` (in nushell a `const`, which a sourced
    /// script defines for the rest of the config).
    ///
    /// # Panics
    ///
    /// If `name` is not [a valid name](Shell::is_valid_name).
    pub fn set_own(self, name: &str, value: &[u8], out: &mut Vec<u8>) {
        assert_valid_name(name);
        out.extend_from_slice(match self {
            Shell::Fish => b"builtin set -g ",
            Shell::Tcsh => b"set ",
            Shell::Elvish => b"var ",
            Shell::Nu => b"const ",
            Shell::Bash | Shell::Zsh | Shell::Xonsh => b"",
        });
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(match self {
            Shell::Fish => b" ",
            Shell::Bash | Shell::Zsh => b"=",
            Shell::Tcsh | Shell::Elvish | Shell::Xonsh | Shell::Nu => b" = ",
        });
        self.quote(value, out);
        out.extend_from_slice(if self == Shell::Tcsh { b";\n" } else { b"\n" });
    }

    /// Appends a hook script (a file under `shell/`) in the form the line
    /// the user puts in the rc file reads it: zsh's with alias expansion
    /// turned off while it is read (`zsh.rs`), tcsh's one command per line
    /// without comments (`tcsh.rs`), the others as they are.
    pub fn push_script(self, script: &str, out: &mut Vec<u8>) {
        match self {
            Shell::Zsh => zsh::script_without_aliases(script, out),
            Shell::Tcsh => tcsh::one_line(script, out),
            _ => out.extend_from_slice(script.as_bytes()),
        }
    }

    /// The line that puts `dir` first on PATH, for the user to paste into
    /// an rc file (`appenv shim` says it): bash, zsh and fish, `None` for
    /// the others. `dir` is printable text (sanitised by the caller).
    pub fn path_first_line(self, dir: &str) -> Option<String> {
        match self {
            // In double quotes, so that `$PATH` is expanded.
            Shell::Bash | Shell::Zsh => {
                let mut quoted = String::new();
                for c in dir.chars() {
                    if matches!(c, '"' | '$' | '`' | '\\') {
                        quoted.push('\\');
                    }
                    quoted.push(c);
                }
                Some(format!("export PATH=\"{quoted}:$PATH\""))
            }
            Shell::Fish => {
                let plain = dir
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/._-+@%,".contains(&b));
                let mut out = b"fish_add_path ".to_vec();
                if plain {
                    out.extend_from_slice(dir.as_bytes());
                } else {
                    self.quote(dir.as_bytes(), &mut out);
                }
                Some(String::from_utf8_lossy(&out).into_owned())
            }
            Shell::Tcsh | Shell::Elvish | Shell::Xonsh | Shell::Nu => None,
        }
    }

    /// Appends a statement that sets the hook's own unexported, global list
    /// variable `name` (an array in bash and zsh) to `items`.
    ///
    /// # Panics
    ///
    /// If `name` is not [a valid name](Shell::is_valid_name).
    pub fn set_own_list<'a>(
        self,
        name: &str,
        items: impl IntoIterator<Item = &'a [u8]>,
        out: &mut Vec<u8>,
    ) {
        assert_valid_name(name);
        let (start, separator, end): (&[u8], &[u8], &[u8]) = match self {
            Shell::Fish => (b" ", b" ", b";\n"),
            Shell::Bash | Shell::Zsh => (b"=(", b" ", b");\n"),
            Shell::Tcsh => (b" = ( ", b" ", b" );\n"),
            Shell::Elvish => (b" = [", b" ", b"]\n"),
            Shell::Xonsh => (b" = [", b", ", b"]\n"),
            Shell::Nu => (b" = [", b", ", b"]\n"),
        };
        out.extend_from_slice(match self {
            Shell::Fish => b"builtin set -g ",
            Shell::Tcsh => b"set ",
            Shell::Elvish => b"var ",
            Shell::Nu => b"$env.",
            Shell::Bash | Shell::Zsh | Shell::Xonsh => b"",
        });
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(start);
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(separator);
            }
            self.quote(item, out);
        }
        out.extend_from_slice(end);
    }

    /// The names this shell evaluates as code or keeps as its own state
    /// (each module documents why): the hook never sets them. A name ending
    /// in `*` stands for every name with that prefix.
    pub fn own_names(self) -> &'static [&'static str] {
        match self {
            Shell::Bash => bash::OWN,
            Shell::Zsh => zsh::OWN,
            Shell::Fish => fish::OWN,
            Shell::Tcsh => tcsh::OWN,
            Shell::Elvish => elvish::OWN,
            Shell::Xonsh => xonsh::OWN,
            Shell::Nu => nu::OWN,
        }
    }

    /// Whether `name` is one of [`own_names`](Shell::own_names); in a
    /// shell whose names are blind to case (nushell's `$env`: `pwd` is
    /// `PWD`), in any case, and any spelling of `PATH` but `PATH` itself
    /// (`Path`, `path`), which would replace the path the load sets.
    pub fn keeps(self, name: &str) -> bool {
        let blind = self.is_case_blind();
        let same = |a: &str, b: &str| {
            if blind {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let starts = |a: &str, prefix: &str| {
            a.len() >= prefix.len()
                && a.is_char_boundary(prefix.len())
                && same(&a[..prefix.len()], prefix)
        };
        (blind && name != "PATH" && name.eq_ignore_ascii_case("PATH"))
            || self
                .own_names()
                .iter()
                .any(|own| match own.strip_suffix('*') {
                    Some(prefix) => starts(name, prefix),
                    None => same(name, own),
                })
    }

    /// Whether the shell's environment takes two names that differ only in
    /// case for one: nushell's `$env` does.
    pub fn is_case_blind(self) -> bool {
        self == Shell::Nu
    }

    /// Whether `name` is a variable name in every shell, one that can be
    /// written unquoted: `[A-Za-z_][A-Za-z0-9_]*`.
    ///
    /// Some such names are still refused by one shell: read-only ones (bash's
    /// `UID` and `SHELLOPTS`, zsh's `status` and `PPID`, fish's `PWD`,
    /// `SHLVL` and `_`) and zsh's arrays (`path`, `fpath`, `argv`). Bash and
    /// fish print an error and go on with the next statement; zsh abandons
    /// the rest of the `eval`. Which names to leave out is the caller's
    /// choice, not a matter of quoting.
    pub fn is_valid_name(name: &str) -> bool {
        let mut bytes = name.bytes();
        bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
    }
}

/// One word of a command line shown to a person (`appenv which`, `appenv
/// tasks`): as is when it holds only characters no shell treats specially,
/// so a plain path comes out ready to paste into an editor setting; any
/// other word gets bash quoting. (Not `=`: zsh expands a leading one.)
pub fn push_word(word: &[u8], out: &mut Vec<u8>) {
    let plain = !word.is_empty()
        && word
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b));
    if plain {
        out.extend_from_slice(word);
    } else {
        Shell::Bash.quote(word, out);
    }
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn assert_valid_name(name: &str) {
    assert!(
        Shell::is_valid_name(name),
        "not a valid variable name: {name:?}"
    );
}

fn without_nul(value: &[u8]) -> Cow<'_, [u8]> {
    if value.contains(&0) {
        Cow::Owned(value.iter().copied().filter(|&b| b != 0).collect())
    } else {
        Cow::Borrowed(value)
    }
}

/// A part of a value, as the quoting functions see it.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    /// Printable text: valid UTF-8 without control characters.
    Text(&'a str),
    /// A byte that must be escaped: part of a control character (C0, DEL,
    /// or the two bytes of a C1 such as U+009B, which some terminals take as
    /// CSI) or a byte that is not valid UTF-8.
    Byte(u8),
}

/// Cuts `value` into the longest runs of printable text and the bytes
/// between them, in order.
fn for_each_piece<'a>(value: &'a [u8], mut f: impl FnMut(Piece<'a>)) {
    for chunk in value.utf8_chunks() {
        let text = chunk.valid();
        let mut start = 0;
        for (at, c) in text.char_indices() {
            if c.is_control() {
                if start < at {
                    f(Piece::Text(&text[start..at]));
                }
                for &b in &text.as_bytes()[at..at + c.len_utf8()] {
                    f(Piece::Byte(b));
                }
                start = at + c.len_utf8();
            }
        }
        if start < text.len() {
            f(Piece::Text(&text[start..]));
        }
        for &b in chunk.invalid() {
            f(Piece::Byte(b));
        }
    }
}

/// `value` as printable text, when it is nothing else.
fn as_printable_text(value: &[u8]) -> Option<&str> {
    std::str::from_utf8(value)
        .ok()
        .filter(|text| !text.chars().any(char::is_control))
}

/// Appends `\x` (or another `escape` letter) and the byte as two hex digits.
///
/// Always two digits: bash, zsh and fish all read up to two after `\x`, so a
/// hex digit that follows in the value can never be taken into the escape.
fn push_hex_escape(escape: u8, b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&[
        b'\\',
        escape,
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 0xf)],
    ]);
}

#[cfg(test)]
mod tests;
