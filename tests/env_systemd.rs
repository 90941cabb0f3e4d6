//! `appenv env --format systemd`: the file, read back the way systemd reads
//! an `EnvironmentFile=` (the parser below follows `parse_env_file` in
//! systemd's `env-file.c`, documented in systemd.exec(5)), gives every
//! value the app's programs get, byte for byte.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use serde_json::Value;

use crate::common::{App, stderr, stdout};

/// systemd's reading of an environment file: a state machine over the
/// bytes. Comments start with `#` or `;` where a name could start; blanks
/// before a name or a value are skipped; a name runs to `=` (a line without
/// one is ignored), trailing blanks taken off; an unquoted value runs to
/// the end of the line, trailing blanks taken off, `\X` is X and a
/// backslash before a line break joins the next line; `'…'` keeps every
/// byte; `"…"` keeps every byte but takes `\"`, `\\`, `` \` ``, `\$` as the
/// character, a backslash before a `\n` as nothing (a continuation) and
/// keeps a backslash before anything else; quoted and unquoted parts
/// follow each other into one value. Line breaks are `\n` and `\r`, blanks
/// also space and tab. Then systemd keeps only names of letters, digits and
/// `_` not starting with a digit, and UTF-8 values.
fn parse_environment_file(text: &str) -> BTreeMap<String, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        PreKey,
        Key,
        PreValue,
        Value,
        ValueEscape,
        Single,
        Double,
        DoubleEscape,
        Comment,
        CommentEscape,
    }
    let newline = |c: char| c == '\n' || c == '\r';
    let blank = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let mut vars = BTreeMap::new();
    let (mut key, mut value) = (String::new(), String::new());
    // Where the trailing blanks of an unquoted value or a name start.
    let (mut value_blank, mut key_blank): (Option<usize>, Option<usize>) = (None, None);
    let mut push = |key: &mut String, value: &mut String, key_blank: Option<usize>| {
        if let Some(at) = key_blank {
            key.truncate(at);
        }
        let valid = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            vars.insert(std::mem::take(key), std::mem::take(value));
        }
        key.clear();
        value.clear();
    };
    let mut state = S::PreKey;
    for c in text.chars() {
        state = match state {
            S::PreKey if c == '#' || c == ';' => S::Comment,
            S::PreKey if blank(c) => S::PreKey,
            S::PreKey => {
                key_blank = None;
                key.push(c);
                S::Key
            }
            S::Key if newline(c) => {
                key.clear();
                S::PreKey
            }
            S::Key if c == '=' => {
                value_blank = None;
                S::PreValue
            }
            S::Key => {
                if !blank(c) {
                    key_blank = None;
                } else if key_blank.is_none() {
                    key_blank = Some(key.len());
                }
                key.push(c);
                S::Key
            }
            S::PreValue if newline(c) => {
                push(&mut key, &mut value, key_blank);
                S::PreKey
            }
            S::PreValue if c == '\'' => S::Single,
            S::PreValue if c == '"' => S::Double,
            S::PreValue if c == '\\' => S::ValueEscape,
            S::PreValue if blank(c) => S::PreValue,
            S::PreValue => {
                value.push(c);
                S::Value
            }
            S::Value if newline(c) => {
                if let Some(at) = value_blank {
                    value.truncate(at);
                }
                push(&mut key, &mut value, key_blank);
                S::PreKey
            }
            S::Value if c == '\\' => {
                value_blank = None;
                S::ValueEscape
            }
            S::Value => {
                if !blank(c) {
                    value_blank = None;
                } else if value_blank.is_none() {
                    value_blank = Some(value.len());
                }
                value.push(c);
                S::Value
            }
            S::ValueEscape => {
                if !newline(c) {
                    value.push(c);
                }
                S::Value
            }
            S::Single if c == '\'' => S::PreValue,
            S::Single => {
                value.push(c);
                S::Single
            }
            S::Double if c == '"' => S::PreValue,
            S::Double if c == '\\' => S::DoubleEscape,
            S::Double => {
                value.push(c);
                S::Double
            }
            S::DoubleEscape => {
                if matches!(c, '"' | '\\' | '`' | '$') {
                    value.push(c);
                } else if c != '\n' {
                    value.push('\\');
                    value.push(c);
                }
                S::Double
            }
            S::Comment if c == '\\' => S::CommentEscape,
            S::Comment if newline(c) => S::PreKey,
            S::Comment => S::Comment,
            S::CommentEscape if newline(c) => S::PreKey,
            S::CommentEscape => S::Comment,
        };
    }
    match state {
        S::PreKey | S::Key | S::Comment | S::CommentEscape => {}
        _ => {
            if let (S::Value, Some(at)) = (state, value_blank) {
                value.truncate(at);
            }
            push(&mut key, &mut value, key_blank);
        }
    }
    vars
}

#[test]
fn the_parser_reads_systemd_s_examples() {
    let read = parse_environment_file(
        "# comment \\\n; other\nA=1\n  B = two words  \nC='sq \\ \"x\"'\nD=\"a\\q\\$\\\"\nb\"\nE=x\\\ny\nNOEQUALS\nF=\"j\"'k'l\n1G=no\nH.I=no\n",
    );
    let want: BTreeMap<String, String> = [
        ("A", "1"),
        ("B", "two words"),
        ("C", "sq \\ \"x\""),
        ("D", "a\\q$\"\nb"),
        ("E", "xy"),
        ("F", "jkl"),
    ]
    .into_iter()
    .map(|(k, v)| (k.into(), v.into()))
    .collect();
    assert_eq!(read, want);
}

/// Values an `EnvironmentFile=` writer gets wrong.
const HARD: [(&str, &str); 14] = [
    ("NEWLINES", "line one\nline two\n"),
    ("CR", "a\rb\r"),
    ("QUOTES", "it's \"double\" and 'single'"),
    ("BACKSLASHES", "C:\\path\\ \\\\ \\n \\"),
    ("DOLLAR", "$HOME ${HOME} $$ `cmd`"),
    ("SPACES", "  leading and trailing  "),
    ("TAB", "\tx\t"),
    ("COMMENT", "# not a comment ; nor this"),
    ("EMPTY", ""),
    ("EQUALS", "a=b==c"),
    ("UNICODE", "héllo ✓ 日本"),
    ("CONTINUATION", "ends in backslash-newline\\\nhere"),
    ("ONLY_BACKSLASH", "\\"),
    ("CONTROL", "bell\u{7} esc\u{1b}[31m"),
];

#[test]
fn systemd_reads_back_every_value_the_app_gets() {
    let app = App::new(&[(".env", "FROM_FILE=\"two\\nlines\"\nBAD.NAME=1\n")]);
    let run = |format: &[&str]| {
        let mut cmd = app.appenv();
        for (name, value) in HARD {
            cmd.env(name, value);
        }
        cmd.env("NOT_UTF8", OsString::from_vec(b"\xff\xfe".to_vec()));
        cmd.args(["env"]).args(format).output().unwrap()
    };
    let out = run(&["--format", "systemd"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let read = parse_environment_file(&stdout(&out));
    for (name, value) in HARD {
        assert_eq!(read.get(name).map(String::as_str), Some(value), "{name}");
    }
    assert_eq!(read["FROM_FILE"], "two\nlines");
    // Everything the app's programs get, nothing else; what systemd
    // cannot hold is named on stderr.
    let json = run(&["--json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut expected: BTreeMap<String, String> = json["vars"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["value"].as_str().unwrap().to_owned()))
        .collect();
    expected.remove("BAD.NAME");
    expected.remove("NOT_UTF8");
    assert_eq!(read, expected);
    let err = stderr(&out);
    assert!(
        err.contains("BAD.NAME cannot be written for systemd"),
        "{err}"
    );
    assert!(
        err.contains("NOT_UTF8 cannot be written for systemd"),
        "{err}"
    );
    assert!(!stdout(&out).contains("BAD.NAME"));
}
