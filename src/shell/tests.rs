use super::*;
use proptest::prelude::*;

#[test]
fn words_are_quoted_only_when_needed() {
    let q = |s: &[u8]| {
        let mut out = Vec::new();
        push_word(s, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    assert_eq!(q(b"/app/.venv/bin/python"), "/app/.venv/bin/python");
    assert_eq!(q(b"db:migrate"), "db:migrate");
    assert_eq!(q(b""), "''");
    assert_eq!(q(b"a b"), "'a b'");
    assert_eq!(q(b"it's"), "'it'\\''s'");
    assert_eq!(q(b"~x"), "'~x'");
    assert_eq!(q(b"$HOME"), "'$HOME'");
    assert_eq!(q(b"=python"), "'=python'");
}

fn pieces(value: &[u8]) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    for_each_piece(value, |piece| pieces.push(piece));
    pieces
}

#[test]
fn pieces_keep_text_and_split_out_control_and_invalid_bytes() {
    use Piece::{Byte, Text};
    assert_eq!(pieces(b""), []);
    assert_eq!(pieces(b"plain text"), [Text("plain text")]);
    assert_eq!(
        pieces(b"a\x1b[31mb\n"),
        [Text("a"), Byte(0x1b), Text("[31mb"), Byte(b'\n')]
    );
    assert_eq!(
        pieces("é\u{9b}€".as_bytes()),
        [Text("é"), Byte(0xc2), Byte(0x9b), Text("€")]
    );
    assert_eq!(
        pieces(b"a\xff\xe2\x82b"),
        [Text("a"), Byte(0xff), Byte(0xe2), Byte(0x82), Text("b")]
    );
    assert_eq!(pieces(b"\x7f"), [Byte(0x7f)]);
}

#[test]
fn valid_names() {
    for name in ["A", "_", "_A1", "PATH", "lower", "APPENV_ROOT", "a1_B2"] {
        assert!(Shell::is_valid_name(name), "{name}");
    }
    for name in [
        "", "1A", "A-B", "A B", "A=B", "A;B", "$A", "É", "A\n", "A.B",
    ] {
        assert!(!Shell::is_valid_name(name), "{name:?}");
    }
}

/// A pattern is a whole name or, ending in `*`, a prefix; blind to ASCII
/// case only when asked, and never cutting a character in two.
#[test]
fn names_match_whole_or_by_prefix_in_the_case_asked() {
    let (exact, blind) = (NameCase::Exact, NameCase::Blind);
    assert!(exact.matches("PWD", "PWD") && !exact.matches("pwd", "PWD"));
    assert!(blind.matches("pwd", "PWD") && blind.matches("Pwd", "PWD"));
    assert!(!blind.matches("PWDX", "PWD") && !blind.matches("PW", "PWD"));
    assert!(exact.matches("__appenv_x", "__appenv*") && exact.matches("__appenv", "__appenv*"));
    assert!(!exact.matches("__APPENV_x", "__appenv*") && blind.matches("__APPENV_x", "__appenv*"));
    assert!(!blind.matches("__appen", "__appenv*"));
    assert!(!blind.matches("__appeé", "__appenv*") && !blind.matches("é", "a*"));
    assert!(!blind.matches("pwdé", "PWDÉ"));
}

#[test]
fn each_shell_keeps_what_it_evaluates() {
    for name in [
        "OPTIND", "RANDOM", "SRANDOM", "HISTCMD", "PS0", "PS4", "BASH_ENV",
    ] {
        assert!(Shell::Bash.keeps(name), "{name}");
    }
    for name in [
        "FPATH",
        "fpath",
        "PS1",
        "RPROMPT",
        "HOST",
        "ZSH_VERSION",
        "precmd_functions",
    ] {
        assert!(Shell::Zsh.keeps(name), "{name}");
    }
    for name in [
        "fish_function_path",
        "fish_user_paths",
        "status",
        "__fish_x",
    ] {
        assert!(Shell::Fish.keeps(name), "{name}");
    }
    for shell in Shell::ALL {
        for name in ["DATABASE_URL", "PATH", "HOME", "BASHFUL", "PS10"] {
            assert!(!shell.keeps(name), "{shell} {name}");
        }
        for own in shell.own_names() {
            assert!(Shell::is_valid_name(own.trim_end_matches('*')), "{own}");
        }
    }
}

#[test]
#[should_panic(expected = "not a valid variable name")]
fn set_refuses_a_name_that_would_be_code() {
    Shell::Bash.set("X;touch pwned;Y", b"", &mut Vec::new());
}

#[test]
#[should_panic(expected = "not a valid variable name")]
fn unset_refuses_a_name_that_would_be_code() {
    Shell::Fish.unset("X;touch pwned", &mut Vec::new());
}

#[test]
fn nul_bytes_are_left_out() {
    for shell in Shell::ALL {
        let quoted = |value: &[u8]| {
            let mut out = Vec::new();
            shell.quote(value, &mut out);
            out
        };
        assert_eq!(quoted(b"a\0b"), quoted(b"ab"), "{shell}");
        assert_eq!(quoted(b"\0"), quoted(b""), "{shell}");
        assert_eq!(quoted(b"\0\n"), quoted(b"\n"), "{shell}");
        let set = |value: &[u8]| {
            let mut out = Vec::new();
            shell.set("PATH", value, &mut out);
            out
        };
        assert_eq!(set(b"\0"), set(b""), "{shell}");
    }
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}"
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..32)
}

fn items() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(bytes(), 0..4)
}

/// Every statement is one printable line (but in tcsh, which has no
/// escapes), and there are as many lines as statements.
fn one_printable_line_each(
    shell: Shell,
    out: &[u8],
    statements: usize,
) -> Result<(), TestCaseError> {
    if shell == Shell::Tcsh {
        return Ok(());
    }
    let text = std::str::from_utf8(out).expect("rendered code is UTF-8");
    let body = text
        .strip_suffix('\n')
        .expect("a statement ends with a newline");
    prop_assert!(
        !body
            .split('\n')
            .any(|line| line.chars().any(char::is_control)),
        "{shell}: {body:?}"
    );
    prop_assert_eq!(
        body.split('\n').count(),
        statements,
        "{}: {:?}",
        shell,
        body
    );
    Ok(())
}

proptest! {
    /// A value can never break a statement over several lines or put a
    /// control character or an invalid byte on the user's terminal
    /// (but in tcsh, which has no escapes).
    #[test]
    fn rendered_code_is_one_printable_line(value in prop::collection::vec(any::<u8>(), 0..64)) {
        for shell in Shell::ALL {
            let mut out = Vec::new();
            shell.set("X", &value, &mut out);
            one_printable_line_each(shell, &out, 1)?;
            let mut out = Vec::new();
            shell.set_own("__appenv_x", &value, &mut out);
            one_printable_line_each(shell, &out, 1)?;
            let mut out = Vec::new();
            shell.set_own_list("__appenv_x", [&value[..], &value[..]], &mut out);
            one_printable_line_each(shell, &out, 1)?;
            let mut out = Vec::new();
            shell.unset("X", &mut out);
            prop_assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        }
    }

    /// The same for all that `appenv export` prints, whatever the
    /// values, entries and paths.
    #[test]
    fn an_export_is_one_printable_line_per_statement(
        vars in prop::collection::vec((name(), prop::option::of(bytes())), 0..4),
        left in items(),
        present in items(),
        absent in items(),
        watched in items(),
    ) {
        let export = Export {
            vars: vars.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect(),
            left: left.iter().map(Vec::as_slice).collect(),
            names: vec![b"appenv.toml", b".env"],
            present: present.iter().map(Vec::as_slice).collect(),
            absent: absent.iter().map(Vec::as_slice).collect(),
            watched: watched.iter().map(Vec::as_slice).collect(),
        };
        for shell in Shell::ALL {
            let statements = match shell {
                Shell::Bash | Shell::Zsh | Shell::Fish => vars.len() + 4,
                Shell::Tcsh => vars.len() + 2,
                Shell::Xonsh => vars.len() + 1,
                Shell::Elvish => vars.len(),
                Shell::Nu => 1,
            };
            let out = shell.export(&export);
            if statements == 0 {
                prop_assert!(out.is_empty());
            } else {
                one_printable_line_each(shell, &out, statements)?;
            }
        }
    }

    /// The line `appenv shim` shows to put a directory on PATH, for any
    /// printable directory.
    #[test]
    fn a_path_line_is_one_printable_line(dir in "[^\\p{Cc}]{0,24}") {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let line = shell.path_first_line(&dir).unwrap();
            one_printable_line_each(shell, format!("{line}\n").as_bytes(), 1)?;
        }
    }
}

#[test]
fn nushell_keeps_its_names_in_any_case() {
    for name in [
        "pwd",
        "Pwd",
        "file_pwd",
        "current_file",
        "env_conversions",
        "Config",
        "CONFIG",
        "nu_lib_dirs",
        "Nu_Anything",
        "path",
        "Path",
        "PaTh",
        "last_exit_code",
    ] {
        assert!(
            Shell::Nu.keeps(name) || name.eq_ignore_ascii_case("pwd"),
            "{name}"
        );
    }
    // `PWD` is every shell's (the export leaves it out for all of them).
    assert!(!Shell::Nu.keeps("PATH"), "the load's own path");
    for name in ["PATHS", "MYPATH", "NUT", "DB", "pwd2"] {
        assert!(!Shell::Nu.keeps(name), "{name}");
    }
    // Other shells tell case apart.
    assert!(Shell::Bash.keeps("BASH_ENV") && !Shell::Bash.keeps("bash_env"));
    assert!(!Shell::Zsh.keeps("Path"));
}

/// `SHELLS` is indexed by the variants: each entry must be its variant's.
#[test]
fn each_shell_finds_its_own_entry() {
    assert_eq!(Shell::ALL.len(), super::SHELLS.len());
    for shell in Shell::ALL {
        assert_eq!(format!("{shell:?}").to_lowercase(), shell.name());
    }
}
