//! Nushell: double-quoted strings, with every control character written as
//! `\u{HEX}`.
//!
//! Nushell cannot evaluate code it did not parse with the rest of its
//! config, so its hook reads what to change as data: `appenv export nu`
//! prints a NUON record that the hook gives to `from nuon`, which parses
//! literals and runs nothing. The strings are the same as in nushell code
//! (`$env.NAME = "..."`, what [`set`] writes): in double quotes `"` and `\`
//! are escaped and nothing else is special (`$` and `(` interpolate only in
//! `$"..."` strings).
//!
//! Nushell strings are UTF-8: a value that is not cannot be held, and the
//! export leaves it out. Here such bytes become U+FFFD.

use super::Spec;
use super::{Export, Shell};

/// `a"b<ESC>` → `"a\"b\u{1b}"`.
pub(super) fn quote(value: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for chunk in value.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' | '\\' => out.extend_from_slice(&[b'\\', c as u8]),
                c if c.is_control() => {
                    out.extend_from_slice(format!("\\u{{{:x}}}", u32::from(c)).as_bytes());
                }
                c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        for _ in chunk.invalid() {
            out.extend_from_slice(b"\\u{fffd}");
        }
    }
    out.push(b'"');
}

/// `$env.NAME = "value"`, as typed at a nushell prompt.
pub(super) fn set(name: &str, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"$env.");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b" = ");
    quote(value, out);
    out.push(b'\n');
}

/// `hide-env --ignore-errors NAME`: nothing to hide is no error.
pub(super) fn unset(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"hide-env --ignore-errors ");
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
}

/// What `appenv export nu` prints: nushell evaluates no code it did not
/// parse with its config, so its hook gets a NUON record, which `from nuon`
/// reads as data, `{set: {NAME: "value"}, unset: [NAME], watch: [path]}`.
fn record(vars: &[(&str, Option<&[u8]>)], watched: &[&[u8]], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{set: {");
    let set = vars.iter().filter_map(|&(n, v)| Some((n, v?)));
    for (i, (name, value)) in set.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        Shell::Nu.quote(name.as_bytes(), out);
        out.extend_from_slice(b": ");
        Shell::Nu.quote(value, out);
    }
    out.extend_from_slice(b"}, unset: [");
    let unset = vars.iter().filter(|(_, v)| v.is_none());
    for (i, (name, _)) in unset.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        Shell::Nu.quote(name.as_bytes(), out);
    }
    out.extend_from_slice(b"], watch: [");
    for (i, path) in watched.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        Shell::Nu.quote(path, out);
    }
    out.extend_from_slice(b"]}\n");
}

/// What nushell keeps for itself: its config, conversions, prompt commands,
/// the state of the last command and every `NU_*` name. Nushell's `$env`
/// is blind to case (`pwd` is `PWD`): these are compared in any case
/// ([`Shell::keeps`]).
pub(super) const OWN: &[&str] = &[
    "CMD_DURATION_MS",
    "CURRENT_FILE",
    "ENV_CONVERSIONS",
    "FILE_PWD",
    "LAST_EXIT_CODE",
    "NU_*",
    "PROMPT_COMMAND",
    "PROMPT_COMMAND_RIGHT",
    "PROMPT_INDICATOR",
    "PROMPT_INDICATOR_VI_INSERT",
    "PROMPT_INDICATOR_VI_NORMAL",
    "PROMPT_MULTILINE_INDICATOR",
    "TRANSIENT_PROMPT_COMMAND",
    "TRANSIENT_PROMPT_COMMAND_RIGHT",
    "TRANSIENT_PROMPT_INDICATOR",
    "TRANSIENT_PROMPT_INDICATOR_VI_INSERT",
    "TRANSIENT_PROMPT_INDICATOR_VI_NORMAL",
    "TRANSIENT_PROMPT_MULTILINE_INDICATOR",
    "config",
];

/// `appenv export nu`: the record.
fn export(_: Shell, export: &Export<'_>, out: &mut Vec<u8>) {
    record(&export.vars, &export.watched, out);
}

/// The unload joins the export's record as a field, a record of the same
/// shape.
fn unload(_: Shell, vars: &[(&str, Option<&[u8]>)], _: &[&[u8]], out: &mut Vec<u8>) {
    let mut record_ = Vec::new();
    record(vars, &[], &mut record_);
    if out.ends_with(b"}\n") && record_.ends_with(b"\n") {
        out.truncate(out.len() - 2);
        out.extend_from_slice(b", unload: ");
        out.extend_from_slice(&record_[..record_.len() - 1]);
        out.extend_from_slice(b"}\n");
    }
}

/// nu's entry in [`super::SHELLS`].
pub(super) const SPEC: Spec = Spec {
    name: "nu",
    hook: include_str!("../../shell/appenv.nu"),
    holds_bytes: false,
    name_case: super::NameCase::Blind,
    quote,
    set,
    unset,
    own: (b"const ", b" = ", b"\n"),
    own_list: (b"$env.", b" = [", b", ", b"]\n"),
    push_script: super::plain_script,
    path_first_line: None,
    own_names: OWN,
    export,
    unload: Some(unload),
    has_tidy: false,
    hook_sets_bin: true,
    export_help: Some("A NUON record for nushell's hook"),
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
        assert_eq!(quoted(b""), r#""""#);
        assert_eq!(quoted(b"it's"), r#""it's""#);
        assert_eq!(quoted(br#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quoted(b"trailing\\"), r#""trailing\\""#);
        assert_eq!(
            quoted(b"$env.HOME $(id) (id) `id` {a: 1} #x"),
            r#""$env.HOME $(id) (id) `id` {a: 1} #x""#
        );
        assert_eq!(quoted(b"a\nb\t\x1b\x7f"), r#""a\u{a}b\u{9}\u{1b}\u{7f}""#);
        assert_eq!(quoted("é\u{9b}€".as_bytes()), r#""é\u{9b}€""#);
        assert_eq!(quoted(b"\xffa"), r#""\u{fffd}a""#);
    }

    #[test]
    fn set_and_unset() {
        let mut out = Vec::new();
        set("DB", b"a\"b", &mut out);
        unset("GONE", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "$env.DB = \"a\\\"b\"\nhide-env --ignore-errors GONE\n"
        );
    }
}
