//! Property tests: every reader of app files takes arbitrary bytes and gives
//! a value or an error, never a panic; errors never carry raw control bytes.
//! They live beside the resolver, which calls every reader and turns version
//! pins into notes.

use camino::Utf8Path;
use proptest::prelude::*;

use crate::config::Config;
use crate::dotenv;
use crate::envrc;
use crate::plan::{Note, NoteKind, Source};
use crate::procfile::Procfile;
use crate::versions;

/// Bytes biased toward the syntax each reader cares about.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"=".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"'".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"$".to_vec()),
        Just(b"${".to_vec()),
        Just(b"}".to_vec()),
        Just(b"#".to_vec()),
        Just(b" ".to_vec()),
        Just(b"KEY".to_vec()),
        Just(b"export ".to_vec()),
        Just(b"dotenv ".to_vec()),
        Just(b"PATH_add ".to_vec()),
        Just(b"source_env ".to_vec()),
        Just(b"layout ".to_vec()),
        Just(b"$(".to_vec()),
        Just(b"`".to_vec()),
        Just(b"[env]".to_vec()),
        Just(b"[env.vars]".to_vec()),
        Just(b": ".to_vec()),
        Just(b"\xef\xbb\xbf".to_vec()),
        Just("\u{202e}".as_bytes().to_vec()),
    ];
    prop::collection::vec(token, 0..64).prop_map(|parts| parts.concat())
}

/// Bytes biased toward what version files hold.
fn version_input() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(b"\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"#".to_vec()),
        Just(b"python ".to_vec()),
        Just(b"nodejs ".to_vec()),
        Just(b"ruby-".to_vec()),
        Just(b"v".to_vec()),
        Just(b"3.12".to_vec()),
        Just(b".".to_vec()),
        Just(b"..".to_vec()),
        Just(b"/".to_vec()),
        Just(b"lts/*".to_vec()),
        Just(b"system".to_vec()),
        Just("\u{202e}".as_bytes().to_vec()),
    ];
    prop::collection::vec(token, 0..32).prop_map(|parts| parts.concat())
}

/// An earlier layer that substitution may see.
struct Seeded;

impl dotenv::Seed for Seeded {
    fn inherited(&self, _: &str) -> Option<&str> {
        None
    }
    fn layered(&self, name: &str) -> Option<&str> {
        (name == "SEEDED").then_some("v\"$\\\n")
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

fn clean(message: &str) -> bool {
    !message.chars().any(|c| c.is_control() && c != '\n')
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn env_files(bytes in input()) {
        match dotenv::parse(".env", &bytes, &Seeded) {
            Ok(entries) => for e in entries {
                prop_assert!(e.line >= 1);
            },
            Err(e) => prop_assert!(clean(&e.to_string()), "{}", e),
        }
    }

    #[test]
    fn configs(bytes in input()) {
        if let Err(e) = Config::parse(Utf8Path::new("appenv.toml"), &bytes) {
            prop_assert!(clean(&e.to_string()), "{}", e);
        }
    }

    #[test]
    fn procfiles(bytes in input()) {
        match Procfile::parse(&bytes) {
            Ok(p) => for (_, text) in p.ignored {
                prop_assert!(clean(&text), "{}", text);
            },
            Err(e) => prop_assert!(clean(&e.to_string()), "{}", e),
        }
    }

    /// A `.envrc` is read or refused at a line of it, and the reason is
    /// one of the reader's own words: never a piece of the file.
    #[test]
    fn envrcs(bytes in input()) {
        match envrc::parse(&bytes) {
            Ok(lines) => for l in lines {
                prop_assert!(l.line >= 1);
            },
            Err(e) => {
                let count = bytes.split(|&b| b == b'\n').count();
                prop_assert!(e.line >= 1 && e.line <= count, "{:?}", e);
                let file = String::from_utf8_lossy(&bytes);
                prop_assert!(clean(e.why), "{:?}", e);
                prop_assert!(e.why.len() < 4 || !file.contains(e.why), "{:?}", e);
            }
        }
    }

    /// A version file gives pins at its own lines, each a directory's name
    /// or nothing appenv looks up: never a path, never a panic, and the
    /// note about it holds no control byte.
    #[test]
    fn version_files(bytes in version_input(), which in 0..versions::FILES.len()) {
        let file = versions::FILES[which];
        let count = bytes.split(|&b| b == b'\n').count();
        for pin in versions::parse(file, &bytes) {
            prop_assert!(pin.line >= 1 && pin.line <= count, "{:?}", pin);
            if let versions::Asked::Version(name) = pin.asked() {
                prop_assert!(!name.contains('/') && name != "." && name != "..", "{:?}", name);
                prop_assert!(!name.is_empty() && !name.starts_with('.'), "{:?}", name);
            }
            let note = Note {
                source: Source::File { name: file.into(), line: pin.line },
                name: format!("{} {}", pin.tool, pin.written),
                kind: NoteKind::NoVersion,
            };
            prop_assert!(clean(&note.to_string()), "{}", note);
        }
    }

    /// What `appenv env --format dotenv` writes, dotenvy reads back exactly.
    #[test]
    fn dotenv_lines_round_trip(value in "\\PC*|[\\x01-\\x7f]*") {
        let line = dotenv::line("KEY", &value);
        let entries = dotenv::parse(".env", line.as_bytes(), &dotenv::NoSeed).unwrap();
        prop_assert_eq!(&entries[0].value, &value);
    }
}
