//! Zsh: the same code as bash (see `bash.rs`), after checking that zsh reads
//! it the same way.
//!
//! Zsh keeps strings "metafied": a byte that collides with its internal
//! tokens (0x83, Meta, and 0x84..=0x9f) or a NUL is stored as Meta followed
//! by the byte XOR 0x20, so such bytes are where zsh could differ. Run
//! through zsh 5.9, every byte 0x01..=0xff, alone, between letters and
//! doubled, and thousands of random strings weighted towards 0x83..=0xa1,
//! 0x01, 0x7f, ESC, CR and broken UTF-8, came out of `eval "$(...)"` exactly,
//! in the shell and in the exported environment, both in single quotes and
//! as `$'\xHH'`, under the C and C.UTF-8 locales and with the options a
//! user's `.zshrc` may set that touch quoting or bytes: RC_QUOTES (`''` as a
//! quote inside single quotes), NO_MULTIBYTE, POSIX_STRINGS, and
//! `emulate sh` / `emulate ksh`.
//!
//! `export` is `typeset -gx` in zsh, so it sets the global variable even
//! from inside the hook's function, and zsh accepts `unset -v`.

/// What zsh evaluates as code or keeps as its own state, so that the hook
/// never sets it in the shell (programs started through appenv still get
/// it). A name ending in `*` stands for every name with that prefix.
///
/// * Evaluated: the integer specials (RANDOM, SECONDS, OPTIND, LINENO,
///   HISTCMD…, whose assignment is arithmetic), the prompts, which run
///   `$(...)` under PROMPT_SUBST (PS1–PS4, PROMPT*, prompt, RPROMPT*, RPS1,
///   RPS2, SPROMPT), what runs around commands (the hook arrays, PERIOD,
///   REPORTTIME, TIMEFMT, NULLCMD, READNULLCMD, STTY, TMOUT), and where
///   functions and modules are loaded from (FPATH, fpath, MODULE_PATH).
/// * Its own state: read-only or tied parameters (ZSH_*, zsh_*, parameters,
///   HOST, UID, EUID, PPID, USERNAME, TTY, argv, status, pipestatus, the
///   lower-case arrays tied to PATH-like names and CDPATH…), history, mail,
///   the editor's (ZLE_*, KEYTIMEOUT, WORDCHARS) and the terminal size.
pub(super) const OWN: &[&str] = &[
    "ARGC",
    "ARGV0",
    "BAUD",
    "CDPATH",
    "CPUTYPE",
    "COLUMNS",
    "CORRECT_IGNORE",
    "CORRECT_IGNORE_FILE",
    "DIRSTACKSIZE",
    "EGID",
    "ENV",
    "EPOCHREALTIME",
    "EPOCHSECONDS",
    "ERRNO",
    "EUID",
    "FCEDIT",
    "FIGNORE",
    "FPATH",
    "FUNCNEST",
    "GID",
    "HISTCHARS",
    "HISTCMD",
    "HISTFILE",
    "HISTORY_IGNORE",
    "HISTSIZE",
    "HOST",
    "KEYBOARD_HACK",
    "KEYTIMEOUT",
    "LINENO",
    "LINES",
    "LISTMAX",
    "LOGCHECK",
    "MACHTYPE",
    "MAIL",
    "MAILCHECK",
    "MAILPATH",
    "MATCH",
    "MBEGIN",
    "MEND",
    "MODULE_PATH",
    "NULLCMD",
    "OPTARG",
    "OPTIND",
    "OSTYPE",
    "PERIOD",
    "POSTEDIT",
    "PPID",
    "PROMPT",
    "PROMPT2",
    "PROMPT3",
    "PROMPT4",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PSVAR",
    "RANDOM",
    "READNULLCMD",
    "REPLY",
    "REPORTMEMORY",
    "REPORTTIME",
    "RPROMPT",
    "RPROMPT2",
    "RPS1",
    "RPS2",
    "SAVEHIST",
    "SECONDS",
    "SPROMPT",
    "STTY",
    "TIMEFMT",
    "TMOUT",
    "TMPPREFIX",
    "TMPSUFFIX",
    "TRY_BLOCK_ERROR",
    "TRY_BLOCK_INTERRUPT",
    "TTY",
    "TTYIDLE",
    "UID",
    "USERNAME",
    "VENDOR",
    "WATCH",
    "WATCHFMT",
    "WORDCHARS",
    "ZBEEP",
    "ZLE_*",
    "ZSH_*",
    "argv",
    "cdpath",
    "chpwd_functions",
    "fignore",
    "fpath",
    "histchars",
    "mailpath",
    "manpath",
    "match",
    "mbegin",
    "mend",
    "module_path",
    "parameters",
    "path",
    "periodic_functions",
    "pipestatus",
    "precmd_functions",
    "preexec_functions",
    "prompt",
    "psvar",
    "reply",
    "signals",
    "status",
    "watch",
    "zle_*",
    "zsh_*",
    "zshaddhistory_functions",
    "zshexit_functions",
];

pub(super) use super::bash::{quote, set, unset};

/// The hook script as `eval "$(appenv hook zsh)"` needs it. zsh reads all
/// of that before it runs any of it, so the script cannot turn alias
/// expansion off for itself: this does, then evaluates the script, which
/// turns it back on. Every word here is quoted, so that not even a global
/// alias matches one.
pub(super) fn script_without_aliases(script: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(
        b"__appenv_aliases=${options[aliases]}\n\\builtin 'unsetopt' 'aliases'\n\\builtin 'eval' ",
    );
    quote(script.as_bytes(), out);
    out.push(b'\n');
}

/// zsh's entry in [`super::SHELLS`].
pub(super) const SPEC: super::Spec = super::Spec {
    name: "zsh",
    hook: include_str!("../../shell/appenv.zsh"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"", b"=", b"\n"),
    own_list: (b"", b"=(", b" ", b");\n"),
    push_script: script_without_aliases,
    path_first_line: Some(super::bash::path_first_line),
    own_names: OWN,
    export: super::export::with_tidy,
    unload: Some(super::export::unload_code),
    has_tidy: true,
    hook_sets_bin: false,
    export_help: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(value: &[u8]) -> String {
        let mut out = Vec::new();
        quote(value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hard_cases() {
        assert_eq!(quoted(b""), "''");
        assert_eq!(quoted(b"back\\slash\\"), r"'back\slash\'");
        assert_eq!(quoted(br#"it's "quoted""#), r#"'it'\''s "quoted"'"#);
        assert_eq!(quoted(b"$(touch pwned)`id`;|&"), "'$(touch pwned)`id`;|&'");
        assert_eq!(quoted(b"line\nline"), r"$'line\nline'");
        assert_eq!(quoted(b"\x1b]0;title\x07"), r"$'\x1b]0;title\x07'");
        assert_eq!(quoted("naïve".as_bytes()), "'naïve'");
    }

    #[test]
    fn meta_and_token_bytes_are_escaped() {
        assert_eq!(quoted(b"\x83"), r"$'\x83'");
        assert_eq!(quoted(b"a\x83\x84\x9f\xa1b"), r"$'a\x83\x84\x9f\xa1b'");
        // In valid UTF-8, bytes from that range are continuation bytes; next
        // to a control character they are escaped one by one too.
        assert_eq!(quoted("\u{c3}\n".as_bytes()), r"$'\xc3\x83\n'");
        // Without one, the text stays as it is, bytes from the range included.
        assert_eq!(quoted("\u{c3}".as_bytes()), "'\u{c3}'");
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("PATH", b"/app/bin:/usr/bin", &mut out);
        unset("VIRTUAL_ENV", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\\builtin export PATH='/app/bin:/usr/bin';\n\\builtin unset -v VIRTUAL_ENV;\n"
        );
    }
}
