use super::*;

fn parse_str(text: &str) -> Result<Vec<Entry<'_>>, DotenvError> {
    parse(".env", text.as_bytes(), &NoSeed)
}

fn pairs(text: &str) -> Vec<(String, String, usize)> {
    parse_str(text)
        .unwrap()
        .into_iter()
        .map(|e| (e.key.to_owned(), e.value.into_owned(), e.line))
        .collect()
}

/// A seed from lists, the last of a name winning as in a map.
struct Lists<'a> {
    inherited: &'a [(&'a str, &'a str)],
    layered: &'a [(&'a str, &'a str)],
}

fn find<'a>(list: &'a [(&str, &'a str)], name: &str) -> Option<&'a str> {
    list.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

impl Seed for Lists<'_> {
    fn inherited(&self, name: &str) -> Option<&str> {
        find(self.inherited, name)
    }
    fn layered(&self, name: &str) -> Option<&str> {
        find(self.layered, name)
    }
}

#[test]
fn values_and_lines() {
    let got = pairs("# c\nA=1\n\nexport B='two words'\nC=\"multi\nline\"\nD=4 # comment\n");
    assert_eq!(
        got,
        [
            ("A".into(), "1".into(), 2),
            ("B".into(), "two words".into(), 4),
            ("C".into(), "multi\nline".into(), 5),
            ("D".into(), "4".into(), 7),
        ]
    );
}

#[test]
fn plain_values_are_borrowed_from_the_text() {
    let got = parse_str("A=1\nB=x#y\nC='q'\n").unwrap();
    assert!(matches!(got[0].value, Cow::Borrowed("1")));
    assert!(matches!(got[1].value, Cow::Borrowed("x#y")));
    assert_eq!(got[2].value, "q");
}

#[test]
fn bom_is_accepted() {
    assert_eq!(pairs("\u{feff}A=1\n"), [("A".into(), "1".into(), 1)]);
}

#[test]
fn substitution_sees_seed_and_earlier_lines() {
    let seed = Lists {
        inherited: &[],
        layered: &[("APPENV_T_BASE", "b$\"\\\n")],
    };
    let got = parse(".env", b"A=${APPENV_T_BASE}\nB=x${A}\n", &seed).unwrap();
    assert_eq!(got[0].value, "b$\"\\\n");
    assert_eq!(got[1].value, "xb$\"\\\n");
    assert_eq!(got[1].line, 2);
}

#[test]
fn substitution_looks_at_the_inherited_env_then_the_file_then_earlier_layers() {
    let seed = Lists {
        inherited: &[("I", "inherited")],
        layered: &[("I", "layer"), ("F", "layer"), ("L", "layer"), ("a-b", "x")],
    };
    let text = b"I=file\nF=file\nX=${I} ${F} ${L} ${a-b}.\n";
    let got = parse(".env", text, &seed).unwrap_err();
    assert_eq!(got.line, Some(3), "blanks outside quotes end the value");
    let text = b"I=file\nF=file\nX=\"${I} ${F} ${L} ${a-b}.\"\n";
    let got = parse_as_dotenvy(".env", text, &seed).unwrap();
    // A layer under a name dotenvy refuses as a key was never one of its lines.
    assert_eq!(got[2].value, "inherited file layer .");
    // appenv reads `${a-b}` as POSIX does: `a` is unset, so `b`.
    let got = parse(".env", text, &seed).unwrap();
    assert_eq!(got[2].value, "inherited file layer b.");
}

#[test]
fn errors_name_the_line_and_problem() {
    let e = parse_str("A=1\nB='open\nC=3\n").unwrap_err();
    assert_eq!(
        (e.line, e.message.as_str()),
        (Some(2), "unterminated single quote")
    );
    let e = parse_str("A=1\n\nB=\\q\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("unknown escape '\\q'"), "{}", e.message);
    let e = parse_str("A=1\n1BAD=2\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("invalid variable name"));
    let e = parse_str("A=1\nB\n").unwrap_err();
    assert_eq!(
        (e.line, e.message.as_str()),
        (
            Some(2),
            "expected '=' after the variable name (lines are NAME=value)"
        )
    );
    let e = parse_str("A=1 ").unwrap_err();
    assert!(e.message.contains("no newline"));
    let e = parse_str("A=one two\n").unwrap_err();
    assert!(e.message.contains("invalid value"));
}

#[test]
fn an_unfinished_last_line_is_the_line_named() {
    let e = parse_str("A=1\nB=\"x\ny\"\n ").unwrap_err();
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("no newline"), "{}", e.message);
    let e = parse_str("A=1\nB=\"x\ny\n").unwrap_err();
    assert_eq!(
        (e.line, e.message.as_str()),
        (Some(2), "unterminated double quote")
    );
    let e = parse_str("A=1\nB=x\\").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("backslash"), "{}", e.message);
}

#[test]
fn substitution_cannot_grow_a_file_without_bound() {
    // Each line doubles A: 30 lines would make a value of a gigabyte.
    let mut text = String::from("A=0123456789abcdef\n");
    text.push_str(&"A=${A}${A}\n".repeat(30));
    let e = parse_str(&text).unwrap_err();
    assert_eq!(e.line, Some(21), "{e}");
    assert!(e.message.contains("larger than 16 MiB"), "{e}");
    assert!(parse_str(&"B=${A}${A}\n".repeat(1000)).is_ok());
}

#[test]
fn invalid_utf8_and_nul_name_the_line() {
    let e = parse(".env", b"A=1\nB=\xff\n", &NoSeed).unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (Some(2), "not valid UTF-8"));
    let e = parse(".env", b"A=1\n\nB=\0\n", &NoSeed).unwrap_err();
    assert_eq!(e.line, Some(3));
}

#[test]
fn control_characters_in_keys_are_not_printed_raw() {
    let e = parse_str("\x1b[31mX=1\n").unwrap_err();
    assert!(!e.to_string().contains('\x1b'));
    assert!(e.to_string().contains("invalid variable name"));
}

#[test]
fn messages_never_hold_the_text_of_the_line() {
    let secret = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0t";
    for text in [
        format!("A=1\n{secret}\n"),
        format!("A=1\n={secret}\n"),
        format!("A=1\n-----BEGIN KEY-----\n{secret}\n"),
        format!("{secret}-x=1\n"),
        format!("1{secret}=1\n"),
        format!("A=\"{secret}\\q\"\n"),
        format!("A={secret} {secret}\n"),
        format!("A='{secret}\n"),
        format!("A=\"$B\"{secret}\n"),
    ] {
        let e = parse_str(&text).unwrap_err().to_string();
        assert!(!e.contains(&secret[..8]), "{text:?}: {e}");
    }
}

#[test]
fn entry_digests_name_each_variable_by_its_line() {
    let digests = entry_digests(b"# c\nA=1\nexport B = 2\nC=\"x\ny\"\nbad line\nA=3\n");
    let names: Vec<&str> = digests.keys().map(String::as_str).collect();
    assert_eq!(names, ["A", "B", "C"]);
    assert_eq!(digests["A"], entry_digests(b"A=3\n")["A"]);
    assert_ne!(digests["A"], entry_digests(b"A=1\n")["A"]);
    assert_eq!(
        entry_digests(b"A=1\n")["A"],
        entry_digests(b"# new\nA=1\n")["A"]
    );
    // What records already hold: the digest of the line with its newline.
    assert_eq!(entry_digests(b"A=1\n")["A"], sha256(b"A=1\n"));
    assert_eq!(
        entry_digests(b"C=\"x\ny\" # c\n")["C"],
        sha256(b"C=\"x\ny\" ")
    );
}

#[test]
fn duplicate_keys_are_kept_in_order() {
    let got = pairs("A=1\nA=2\n");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].1, "2");
}

#[test]
fn dotenvy_quirks_are_kept() {
    let got = pairs("A=x\nB=$A y\nD=\"${A}\"\nexport\tE=1\nF=a  #b'\nc'\nG=1\n");
    // `$A` ends at the blank, which is then kept; after two blanks a `#` is
    // no comment for the line reader, so the quote after it runs on.
    assert_eq!(
        got,
        [
            ("A".into(), "x".into(), 1),
            ("B".into(), "x y".into(), 2),
            ("D".into(), "x".into(), 3),
            ("E".into(), "1".into(), 4),
            ("F".into(), "a".into(), 5),
            ("G".into(), "1".into(), 7),
        ]
    );
}

/// A note by line and key.
type Noted = (usize, String, Substitution);

/// Each entry's value and the notes of the file.
fn read_noting<'a>(text: &'a str, seed: &impl Seed) -> (Vec<(&'a str, String)>, Vec<Noted>) {
    let read = read(".env", text.as_bytes(), seed).unwrap();
    let values = read
        .entries
        .iter()
        .map(|e| (e.key, e.value.to_string()))
        .collect();
    let notes = read
        .notes
        .into_iter()
        .map(|n| (n.line, n.key, n.kind))
        .collect();
    (values, notes)
}

#[test]
fn each_dollar_that_yields_nothing_or_stops_short_is_noted() {
    let seed = Lists {
        inherited: &[("HOME", "/home/u")],
        layered: &[],
    };
    let text = "DB_PASSWORD=Pa$word1\nURL=postgres://$DB_USER2@h\nPORT_URL=${PORT:-3000}\n\
                A=$(whoami)\nB=x$\nC=${}\nD=${NOPE}\nE=${PORT:=1}\nF=$HOME_DIR\nG=$HOME$HOME\n";
    let (values, notes) = read_noting(text, &seed);
    assert_eq!(
        values,
        [
            ("DB_PASSWORD", "Pa".into()),
            ("URL", "postgres://_USER2@h".into()),
            ("PORT_URL", "3000".into()),
            ("A", "(whoami)".into()),
            ("B", "x".into()),
            ("C", "".into()),
            ("D", "".into()),
            ("E", "".into()),
            ("F", "/home/u_DIR".into()),
            ("G", "/home/u/home/u".into()),
        ]
    );
    let undefined = |at, cut| Substitution::Undefined { at, cut };
    assert_eq!(
        notes,
        [
            (1, "DB_PASSWORD".into(), undefined(3, false)),
            (2, "URL".into(), undefined(12, true)),
            (
                3,
                "PORT_URL".into(),
                Substitution::Default {
                    name: "PORT".into(),
                    colon: true,
                    nested: false
                }
            ),
            (4, "A".into(), Substitution::Command { at: 1 }),
            (5, "B".into(), Substitution::Lone { at: 2 }),
            (6, "C".into(), Substitution::Empty { at: 1 }),
            (
                7,
                "D".into(),
                Substitution::UndefinedBraced {
                    name: "NOPE".into()
                }
            ),
            (
                8,
                "E".into(),
                Substitution::Unsupported {
                    name: "PORT".into(),
                    op: ":="
                }
            ),
            (
                9,
                "F".into(),
                Substitution::CutShort {
                    name: "HOME".into()
                }
            ),
        ]
    );
}

#[test]
fn notes_never_hold_a_value_or_the_text_after_a_dollar() {
    let seed = Lists {
        inherited: &[("SECRETVAR", "hunter2hunter2")],
        layered: &[],
    };
    let text = "A=Pa$word1\nB=Pa$word1_x\nC=x$(word1)\nD=${SECRETVAR:-word1}${NOTSET:-word1}\n\
                E=$SECRETVAR_word1\nF=word1$\n";
    let (_, notes) = read_noting(text, &seed);
    assert_eq!(notes.len(), 6, "{notes:?}");
    for (_, _, kind) in notes {
        let shown = kind.to_string();
        assert!(!shown.contains("word1"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn defaults_follow_posix() {
    let seed = Lists {
        inherited: &[("INH_EMPTY", "")],
        layered: &[("LAYER", "layer")],
    };
    let text = "P=\nQ=${P:-d}\nR=${P-d}\nS=${UNSET-d}\nT=${P:-}\nU=${LAYER:-d}\n\
                V=${INH_EMPTY-d}${INH_EMPTY:-e}\nW=\"${UNSET:-two words}\"\nX='${UNSET:-d}'\n\
                Y=${UNSET:-$P}\n";
    let (values, notes) = read_noting(text, &seed);
    let got: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        got,
        [
            ("P", ""),
            ("Q", "d"),
            ("R", ""),
            ("S", "d"),
            ("T", ""),
            ("U", "layer"),
            ("V", "e"),
            ("W", "two words"),
            ("X", "${UNSET:-d}"),
            ("Y", "$P"),
        ]
    );
    let noted: Vec<(&str, bool)> = notes
        .iter()
        .map(|(_, key, kind)| match kind {
            Substitution::Default { nested, .. } => (key.as_str(), *nested),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        noted,
        [
            ("Q", false),
            ("S", false),
            ("V", false),
            ("W", false),
            ("Y", true)
        ]
    );
}

#[test]
fn a_change_is_noted_once() {
    let (_, notes) = read_noting("A=$X$X${Y}${Y}\n", &NoSeed);
    assert_eq!(notes.len(), 3, "{notes:?}");
}

// --- against dotenvy --------------------------------------------------------

/// Names a file may set or refer to: some set by the test's layers, and
/// PATH and HOME, which the process environment (dotenvy's first stop) has.
/// No generated file sets APPENVTQ or APPENVTE, so the POSIX reading of a
/// default over them is known before the file is read (see [`Posix`]).
const LAYERED: [(&str, &str); 5] = [
    ("APPENVTL", "layer"),
    ("APPENVTQ", "q$\"'\\\n #x"),
    ("APPENVTE", ""),
    ("A", "layer-a"),
    ("a.b", "dotted"),
];

/// What dotenvy makes of `text` with `LAYERED` as lines above it: the file's
/// own entries up to the first error, and the text of the line it refused.
fn dotenvy_reads(text: &str) -> (Vec<(String, String)>, Option<String>) {
    let mut input: String = LAYERED.iter().map(|(k, v)| line(k, v) + "\n").collect();
    input.push_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    let mut entries = Vec::new();
    for item in dotenvy::from_read_iter(input.as_bytes()).skip(LAYERED.len()) {
        match item {
            Ok(pair) => entries.push(pair),
            Err(dotenvy::Error::LineParse(line, _)) => return (entries, Some(line)),
            Err(e) => return (entries, Some(format!("unexpected: {e}"))),
        }
    }
    (entries, None)
}

/// The process environment, as dotenvy sees it.
struct Process;

impl Seed for Process {
    fn inherited(&self, name: &str) -> Option<&str> {
        // Leaked: a test reads a handful of names.
        std::env::var(name)
            .ok()
            .map(|v| &*Box::leak(v.into_boxed_str()))
    }
    fn layered(&self, name: &str) -> Option<&str> {
        find(&LAYERED, name)
    }
}

/// Where physical line `line` (from 1) starts in `text`.
fn start_of(text: &str, line: usize) -> usize {
    text.match_indices('\n')
        .nth(line.wrapping_sub(2))
        .map_or(0, |(at, _)| at + 1)
}

/// dotenvy's reading with the answer POSIX gives for the default forms the
/// generators write (`${APPENVTQ:-d}`…), handed over as dotenvy's first stop
/// would: as the value of a variable whose name is the whole form.
struct Posix;

impl Seed for Posix {
    fn inherited(&self, name: &str) -> Option<&str> {
        let (var, colon, word) = if let Some((var, word)) = name.split_once(":-") {
            (var, true, word)
        } else if let Some((var, word)) = name.split_once('-') {
            (var, false, word)
        } else {
            return Process.inherited(name);
        };
        if !var.starts_with("APPENVT") || !is_key(var) {
            return Process.inherited(name);
        }
        match find(&LAYERED, var) {
            Some(value) if !(colon && value.is_empty()) => Some(value),
            // Leaked, like the process environment's values: a handful.
            _ => Some(&*Box::leak(word.to_owned().into_boxed_str())),
        }
    }
    fn layered(&self, name: &str) -> Option<&str> {
        Process.layered(name)
    }
}

/// Reads `text` as dotenvy does, and as appenv does: the same, but that the
/// default forms take their POSIX meaning.
fn same_as_dotenvy(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
    let pairs = |entries: Result<Vec<Entry>, DotenvError>| {
        entries.map(|entries| {
            entries
                .iter()
                .map(|e| (e.key.to_owned(), e.value.to_string(), e.line))
                .collect::<Vec<_>>()
        })
    };
    let posix = pairs(parse(".env", text.as_bytes(), &Process));
    let answered = pairs(parse_as_dotenvy(".env", text.as_bytes(), &Posix));
    proptest::prop_assert_eq!(posix, answered, "POSIX defaults");
    let (want, refused) = dotenvy_reads(text);
    let got = parse_as_dotenvy(".env", text.as_bytes(), &Process);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match (got, refused) {
        (Ok(got), None) => {
            let got: Vec<(String, String)> = got
                .iter()
                .map(|e| (e.key.to_owned(), e.value.to_string()))
                .collect();
            proptest::prop_assert_eq!(&got, &want);
            // Each entry's line is where its key (or `export`) is.
            let entries = parse_as_dotenvy(".env", text.as_bytes(), &Process).unwrap_or_default();
            for e in entries {
                let at = text[start_of(text, e.line)..].trim_start();
                proptest::prop_assert!(
                    at.starts_with(e.key) || at.starts_with("export"),
                    "{} at line {}",
                    e.key,
                    e.line
                );
            }
        }
        (Err(e), Some(line)) => {
            let at = start_of(text, e.line.unwrap_or(0));
            // The line named is the one dotenvy refused, and what comes
            // before it reads as dotenvy read it.
            // dotenvy gives the whole line, or the value part of it.
            let logical = Lines::new(&text[at..]).next().map_or("", |l| l.raw);
            proptest::prop_assert!(
                logical.contains(&line),
                "line {:?}: {:?} does not hold {:?}",
                e.line,
                logical,
                line
            );
            let before = parse_as_dotenvy(".env", &text.as_bytes()[..at], &Process);
            let before: Vec<(String, String)> = before
                .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?
                .iter()
                .map(|e| (e.key.to_owned(), e.value.to_string()))
                .collect();
            proptest::prop_assert_eq!(before, want);
        }
        (Ok(_), Some(line)) => {
            proptest::prop_assert!(false, "dotenvy refuses {line:?}, appenv accepts");
        }
        (Err(e), None) => {
            proptest::prop_assert!(false, "appenv refuses ({e}), dotenvy accepts");
        }
    }
    Ok(())
}

#[test]
fn known_hard_cases_read_as_dotenvy_reads_them() {
    for text in [
        "",
        "\n",
        " ",
        "  ",
        "A=1",
        "A=1 ",
        "A=1  ",
        "A=1\r\n",
        "A=1\r",
        "A= \r\n",
        "export A=1\nexport=2\nexport\n",
        "export  \t B = 'x' # c\n",
        "A='x'  #it's\nB=2'\n",
        "A='x' #it's\nB=2\n",
        "A='a\\'\nB=2\n'\n",
        "A=\"$A\"\n",
        "A=\"${A}\"\nB=$A_x${a.b}${PATH}$HOME$\n",
        "A=$\nB=${\n",
        "A=${}\n",
        "A=$$APPENVTL\n",
        "A=${APPENVTQ}x\nB=\"$APPENVTQ\"\n",
        "\u{a0}# c\nA=1\u{a0}#x\nB=é\u{2028}\n",
        "A=1\u{85}\n",
        "# c\n  # c 'open\nA=1\n",
        "A=x\\\nB=2\n",
        "A=\\n\\ \\$\\\"\\'\\\\\n",
        "A=\"a\nb\" # c\nB=\"x\\\ny\"\n",
        "\u{feff}A=1\n",
        "A=1\nB\n",
        "=1\n",
        "A =1\n A= 1\n",
        "A=a b\n",
        "A=a\t#c\n",
        "A=#c\n",
        "A=\"\"\"\n",
        "A='\"'\"'\"\n",
        "A=${APPENVTQ:-d}${APPENVTE:-d}${APPENVTE-d}${APPENVTN:-d}${APPENVTN-}\n",
        "A='${APPENVTN:-d}'\\${APPENVTN-d}\nB=\"${APPENVTE:-x y}\"${APPENVTQ:=d}\n",
    ] {
        same_as_dotenvy(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}

/// The full count of cases in CI (`CI=true`); elsewhere PROPTEST_CASES, or
/// an eighth of the full count, to keep the inner loop quick.
fn cases(full: u32) -> u32 {
    if std::env::var("CI").as_deref() == Ok("true") {
        return full;
    }
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(full / 8)
}

/// Pieces a hostile line is made of: every character the reader or the
/// value parser treats specially, and names to substitute.
const PIECE: &str = concat!(
    "(['\"\\\\$#={} \t\r\n]|\\$\\{|\\$|\\\\n|\\\\ |export |é|\u{a0}|\u{2028}|\u{85}|x|_|\\.",
    "|\\$APPENVTL|\\$\\{APPENVTQ\\}|\\$\\{a\\.b\\}|\\$A|\\$\\{PATH\\}|\\$HOME|\\$\\{A\\}B",
    "|\\$\\{APPENVTQ:-d\\}|\\$\\{APPENVTE:-d\\}|\\$\\{APPENVTE-d\\}|\\$\\{APPENVTN:-d e\\}",
    "|\\$\\{APPENVTN-\\}|\\$\\{APPENVTQ:=d\\}|\\$\\(|\\$A_x)"
);

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(cases(2048)))]

    /// Lines shaped like assignments, with hostile values.
    #[test]
    fn reads_assignments_as_dotenvy_does(
        lines in proptest::collection::vec(
            (
                "(export |  |\t)?(A|B|APPENVTL|a\\.b|export|_x|1x|é)?( ?= ?|=)?",
                proptest::collection::vec(PIECE, 0..10),
                "(\n|\r\n|\n\n| \n|)",
            ),
            0..8,
        ),
        bom in proptest::bool::weighted(0.05),
    ) {
        let mut text: String = if bom { "\u{feff}".into() } else { String::new() };
        for (head, pieces, end) in &lines {
            text.push_str(head);
            pieces.iter().for_each(|p| text.push_str(p));
            text.push_str(end);
        }
        same_as_dotenvy(&text)?;
    }

    /// Any text over the characters that matter.
    #[test]
    fn reads_any_text_as_dotenvy_does(text in "[AB_x.=#$'\"\\\\{} \t\r\né\u{a0}\u{2028}]{0,40}") {
        same_as_dotenvy(&text)?;
    }
}
