//! tcsh: single quotes, with `!` and newline escaped inside them.
//!
//! Checked against tcsh 6.24: inside single quotes every byte is literal
//! but two. `!` starts a history substitution even there, and `\!` is a
//! literal `!`; a newline ends the command unless a backslash comes before
//! it, and `\` + newline is a newline in the value. A backslash before
//! anything else stays a backslash, so a value ending in `\` needs nothing.
//! Outside quotes, `\'` is a quote.
//!
//! tcsh has no escape for any other byte (no `$'...'`, no `\x`), so control
//! characters and bytes that are not UTF-8 are written as they are, between
//! the quotes; the tests find all of them coming out exactly, under the C
//! and UTF-8 locales. That makes tcsh the one shell whose code is not always
//! one printable line: the hook never lets tcsh's backquotes split it, it
//! writes the code to a file and `source`s it.

pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    if value.is_empty() {
        out.extend_from_slice(b"''");
        return;
    }
    for (i, part) in value.split(|&b| b == b'\'').enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\\'");
        }
        if part.is_empty() {
            continue;
        }
        out.push(b'\'');
        for &b in part {
            match b {
                b'!' => out.extend_from_slice(b"\\!"),
                b'\n' => out.extend_from_slice(b"\\\n"),
                _ => out.push(b),
            }
        }
        out.push(b'\'');
    }
}

/// `setenv NAME 'value';` — tcsh keeps environment variables apart from its
/// own shell variables, so this never touches a `set` variable of the same
/// name; for PATH, HOME, TERM and USER tcsh updates `path`, `home`, `term`
/// and `user` from it, as it should.
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"setenv ");
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    quote(value, out);
    out.extend_from_slice(b";\n");
}

pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"unsetenv ");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b";\n");
}

/// `__appenv_changed`, which compares each entry of `__appenv_watch` with
/// the stamp: tcsh cannot loop in an alias, so the export writes one test
/// per path. The alias holds indexes only, never a path: no quoting inside
/// quoting. `-M` gives whole seconds; as new as the stamp counts as
/// changed, so nothing is missed.
fn changed_alias(paths: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"alias __appenv_changed 'set __appenv_go = 0");
    for i in 1..=paths {
        out.extend_from_slice(
            format!(
                "; if ( -M \"$__appenv_watch[{i}]\" >= -M \"$__appenv_stamp\" ) set __appenv_go = 1"
            )
            .as_bytes(),
        );
    }
    out.extend_from_slice(b"';\n");
}

/// The hook script as `eval "`appenv hook tcsh`"` needs it: the backquotes
/// join the lines of the output with spaces, so a comment would swallow the
/// rest of the script. The comments and blank lines are left out; every
/// line of the script ends with `;`.
pub(super) fn one_line(script: &str, out: &mut Vec<u8>) {
    for line in script.lines().map(str::trim) {
        if !line.is_empty() && !line.starts_with('#') {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
}

/// tcsh keeps its own variables apart from the environment; for PATH,
/// HOME, TERM and USER it updates `path`, `home`, `term` and `user`, as it
/// should.
pub(super) const OWN: &[&str] = &[];

/// `appenv export tcsh`: the watched paths and the alias that tests them.
fn export(shell: super::Shell, export: &super::Export<'_>, out: &mut Vec<u8>) {
    super::export::with_watched(shell, export, out);
    changed_alias(export.watched.len(), out);
}

/// tcsh's entry in [`super::SHELLS`].
pub(super) const SPEC: super::Spec = super::Spec {
    name: "tcsh",
    hook: include_str!("../../shell/appenv.tcsh"),
    holds_bytes: true,
    name_case: super::NameCase::Exact,
    quote,
    set,
    unset,
    own: (b"set ", b" = ", b";\n"),
    own_list: (b"set ", b" = ( ", b" ", b" );\n"),
    push_script: one_line,
    path_first_line: None,
    own_names: OWN,
    export,
    unload: None,
    has_tidy: false,
    hook_sets_bin: true,
    export_help: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        quote(value, &mut out);
        out
    }

    #[test]
    fn hard_cases() {
        assert_eq!(quoted(b""), b"''");
        assert_eq!(quoted(b"plain text"), b"'plain text'");
        assert_eq!(quoted(b"it's"), br"'it'\''s'");
        assert_eq!(quoted(b"'"), br"\'");
        assert_eq!(quoted(b"''x"), br"\'\''x'");
        assert_eq!(quoted(b"trailing\\"), br"'trailing\'");
        assert_eq!(quoted(b"!!"), br"'\!\!'");
        assert_eq!(quoted(b"\\!"), br"'\\!'");
        assert_eq!(quoted(b"a\nb"), b"'a\\\nb'");
        assert_eq!(quoted(b"\\\n"), b"'\\\\\n'");
        assert_eq!(
            quoted(b"$HOME `id` $(id) \"q\" ~ * %1 ;|&"),
            b"'$HOME `id` $(id) \"q\" ~ * %1 ;|&'"
        );
        assert_eq!(quoted(b"\x1b\xff\t"), b"'\x1b\xff\t'");
        assert_eq!(quoted("grüße".as_bytes()), "'grüße'".as_bytes());
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("DB", b"it's", &mut out);
        unset("GONE", &mut out);
        assert_eq!(out, b"setenv DB 'it'\\''s';\nunsetenv GONE;\n");
    }
}
