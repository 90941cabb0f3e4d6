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

mod export;

use std::borrow::Cow;
use std::fmt;

pub use export::Export;

/// Everything appenv knows about one shell, in the shell's own module: a
/// new shell is a module with its `SPEC` and its line in `shells!` below.
struct Spec {
    /// The name the user types: `appenv hook NAME`, `appenv export NAME`.
    name: &'static str,
    /// The hook script, a file under `shell/` (linted as such).
    hook: &'static str,
    /// Whether the shell's strings hold any bytes (nushell's are UTF-8 only).
    holds_bytes: bool,
    /// How the shell's environment compares names: nushell's `$env` takes
    /// two that differ only in case for one.
    name_case: NameCase,
    /// See [`Shell::quote`], [`Shell::set`], [`Shell::unset`]: given a
    /// value without NUL bytes and a valid name.
    quote: fn(&[u8], &mut Vec<u8>),
    set: fn(&str, &[u8], &mut Vec<u8>),
    unset: fn(&str, &mut Vec<u8>),
    /// How the hook's own variable is set ([`Shell::set_own`]): what comes
    /// before the name, between the name and the value, after the value.
    own: (&'static [u8], &'static [u8], &'static [u8]),
    /// How the hook's own list is set ([`Shell::set_own_list`]): before the
    /// name, between the name and the first item, between items, after.
    own_list: (&'static [u8], &'static [u8], &'static [u8], &'static [u8]),
    /// See [`Shell::push_script`].
    push_script: fn(&str, &mut Vec<u8>),
    /// See [`Shell::path_first_line`].
    path_first_line: Option<fn(&str) -> String>,
    /// See [`Shell::own_names`].
    own_names: &'static [&'static str],
    /// See [`Shell::export`]: the export's code as this shell's hook reads it.
    export: fn(Shell, &Export<'_>, &mut Vec<u8>),
    /// See [`Shell::unload`]; `None` when the hook keeps no unload code.
    unload: Option<UnloadFn>,
    /// See [`Shell::has_tidy`].
    has_tidy: bool,
    /// Whether the hook script needs `__appenv_bin` even when the path of
    /// the binary is unknown: the script holds the path in a name nothing
    /// else sets.
    hook_sets_bin: bool,
    /// What `appenv export --help` says of the shell's name, when the name
    /// alone does not say what is printed (nushell's is data, not code).
    export_help: Option<&'static str>,
}

/// Writes [`Shell::unload`]'s code: the variables from before, the PATH
/// entries the load put in.
type UnloadFn = fn(Shell, &[(&str, Option<&[u8]>)], &[&[u8]], &mut Vec<u8>);

/// A hook script read as it is.
fn plain_script(script: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(script.as_bytes());
}

/// How an environment compares variable names: byte for byte, or blind to
/// ASCII case (nushell's `$env`: `pwd` is `PWD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCase {
    Exact,
    Blind,
}

impl NameCase {
    /// Whether `name` is `pattern`, or, when `pattern` ends in `*`, begins
    /// with what comes before it.
    pub fn matches(self, name: &str, pattern: &str) -> bool {
        let same = |a: &str, b: &str| match self {
            NameCase::Exact => a == b,
            NameCase::Blind => a.eq_ignore_ascii_case(b),
        };
        match pattern.strip_suffix('*') {
            Some(prefix) => name
                .get(..prefix.len())
                .is_some_and(|head| same(head, prefix)),
            None => same(name, pattern),
        }
    }
}

/// Declares the shells, one line each (`Variant => module`): the module,
/// the variant of [`Shell`], its place in [`Shell::ALL`] and its entry in
/// `SHELLS`, which is indexed by the variant.
macro_rules! shells {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        $(mod $module;)+

        /// A shell that appenv prints code for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Shell {
            $($variant,)+
        }

        const COUNT: usize = [$(stringify!($variant)),+].len();

        /// Every shell's entry, in the order of [`Shell`]'s variants.
        const SHELLS: [&Spec; COUNT] = [$(&$module::SPEC),+];

        impl Shell {
            pub const ALL: [Shell; COUNT] = [$(Shell::$variant),+];
        }
    };
}

shells! {
    Bash => bash,
    Zsh => zsh,
    Fish => fish,
    Tcsh => tcsh,
    Elvish => elvish,
    Xonsh => xonsh,
    Nu => nu,
}

impl Shell {
    /// The shell's name as the user types it: `bash`, `zsh`, `fish`,
    /// `tcsh`, `elvish`, `xonsh`, `nu`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The shell named `name` ([`name`](Shell::name)), if any.
    pub fn named(name: &str) -> Option<Shell> {
        Shell::ALL.into_iter().find(|shell| shell.name() == name)
    }

    /// See `Spec::export_help`.
    pub fn export_help(self) -> Option<&'static str> {
        self.spec().export_help
    }

    fn spec(self) -> &'static Spec {
        SHELLS[self as usize]
    }

    /// The hook script (a file under `shell/`), as the file holds it.
    pub fn hook_script(self) -> &'static str {
        self.spec().hook
    }

    /// Whether the hook script needs the path of the binary set before it
    /// even when that path is unknown (then `appenv`, from PATH).
    pub fn hook_sets_bin(self) -> bool {
        self.spec().hook_sets_bin
    }

    /// Whether the shell's strings hold any bytes. Nushell's are UTF-8 only.
    pub fn holds_bytes(self) -> bool {
        self.spec().holds_bytes
    }

    /// Appends one shell word that evaluates to exactly `value` (in
    /// nushell, when `value` is UTF-8).
    ///
    /// A NUL byte cannot be part of a shell variable or of the environment,
    /// so it is left out (as the shells themselves do when they read one);
    /// every other byte is kept.
    pub fn quote(self, value: &[u8], out: &mut Vec<u8>) {
        (self.spec().quote)(&without_nul(value), out);
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
        (self.spec().set)(name, &without_nul(value), out);
    }

    /// Appends a statement that removes the global variable `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not [a valid name](Shell::is_valid_name).
    pub fn unset(self, name: &str, out: &mut Vec<u8>) {
        assert_valid_name(name);
        (self.spec().unset)(name, out);
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
        let (before, between, end) = self.spec().own;
        out.extend_from_slice(before);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(between);
        self.quote(value, out);
        out.extend_from_slice(end);
    }

    /// Appends a hook script (a file under `shell/`) in the form the line
    /// the user puts in the rc file reads it: zsh's with alias expansion
    /// turned off while it is read (`zsh.rs`), tcsh's one command per line
    /// without comments (`tcsh.rs`), the others as they are.
    pub fn push_script(self, script: &str, out: &mut Vec<u8>) {
        (self.spec().push_script)(script, out);
    }

    /// The line that puts `dir` first on PATH, for the user to paste into
    /// an rc file (`appenv shim` says it): bash, zsh and fish, `None` for
    /// the others. `dir` is printable text (sanitised by the caller).
    pub fn path_first_line(self, dir: &str) -> Option<String> {
        self.spec().path_first_line.map(|line| line(dir))
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
        let (before, start, separator, end) = self.spec().own_list;
        out.extend_from_slice(before);
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
        self.spec().own_names
    }

    /// Whether `name` is one of [`own_names`](Shell::own_names); in a
    /// shell whose names are blind to case (nushell's `$env`: `pwd` is
    /// `PWD`), in any case, and any spelling of `PATH` but `PATH` itself
    /// (`Path`, `path`), which would replace the path the load sets.
    pub fn keeps(self, name: &str) -> bool {
        let case = self.name_case();
        (case == NameCase::Blind && name != "PATH" && name.eq_ignore_ascii_case("PATH"))
            || self.own_names().iter().any(|own| case.matches(name, own))
    }

    /// How the shell's environment compares names: nushell's `$env` takes
    /// two names that differ only in case for one.
    pub fn name_case(self) -> NameCase {
        self.spec().name_case
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
