use super::*;
use std::fs;
use std::os::unix::fs::symlink;

fn root() -> (tempfile::TempDir, Utf8PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::try_from(tmp.path().canonicalize().unwrap()).unwrap();
    (tmp, root)
}

#[test]
fn reads_each_file_once_and_keeps_the_digest_of_what_it_returned() {
    let (_tmp, root) = root();
    fs::write(root.join(".env"), "A=1\n").unwrap();
    let mut inputs = Inputs::open(&root).unwrap();
    let first = inputs.read(".env", Kind::EnvFile).unwrap();
    fs::write(root.join(".env"), "A=2\n").unwrap();
    let second = inputs.read(".env", Kind::EnvFile).unwrap();
    assert_eq!(first, second, "read once, whatever changes after");
    assert_eq!(inputs.files()[0].digest, Some(sha256(b"A=1\n")));
    assert_eq!(
        inputs.peek(".env").map(|content| content.bytes).as_deref(),
        Some(&b"A=1\n"[..])
    );
    assert_eq!(inputs.read("nope", Kind::Config).unwrap(), None);
    assert_eq!(inputs.files()[1].digest, None);
}

#[test]
fn a_repointed_root_path_still_reads_the_directory_opened() {
    let (_tmp, root) = root();
    for (app, value) in [("a", "A=1\n"), ("b", "B=1\n")] {
        fs::create_dir(root.join(app)).unwrap();
        fs::write(root.join(app).join(".env"), value).unwrap();
    }
    symlink("a", root.join("current")).unwrap();
    let mut inputs = Inputs::open(&root.join("current")).unwrap();
    fs::remove_file(root.join("current")).unwrap();
    symlink("b", root.join("current")).unwrap();
    let bytes = inputs.read(".env", Kind::EnvFile).unwrap();
    assert_eq!(bytes.as_deref(), Some(&b"A=1\n"[..]));
    assert_eq!(inputs.canonical(), root.join("a"));
}

#[test]
fn refuses_what_is_not_a_small_regular_file() {
    let (_tmp, root) = root();
    symlink("/dev/zero", root.join("Procfile")).unwrap();
    fs::create_dir(root.join("appenv.toml")).unwrap();
    nix::unistd::mkfifo(root.join("fifo").as_std_path(), Mode::S_IRWXU).unwrap();
    fs::write(root.join("big"), vec![b'x'; (MAX_CONFIG + 1) as usize]).unwrap();
    let mut inputs = Inputs::open(&root).unwrap();
    let err = |inputs: &mut Inputs, name| inputs.read(name, Kind::Config).unwrap_err().to_string();
    assert_eq!(
        err(&mut inputs, "Procfile"),
        "Procfile: is not a regular file"
    );
    assert_eq!(
        err(&mut inputs, "appenv.toml"),
        "appenv.toml: is a directory, not a config file"
    );
    assert_eq!(err(&mut inputs, "fifo"), "fifo: is not a regular file");
    assert_eq!(
        err(&mut inputs, "big"),
        "big: is larger than 1 MiB, more than appenv reads"
    );
    for name in ["Procfile", "appenv.toml", "fifo"] {
        assert_eq!(
            inputs.peek(name).map(|content| content.bytes),
            None,
            "{name}"
        );
    }
}

#[test]
fn reads_to_the_end_of_a_file_that_grew_or_shrank_since_it_was_looked_at() {
    let (_tmp, root) = root();
    let path = root.join("f");
    fs::write(&path, "0123456789").unwrap();
    let read = |size, limit| read_all(File::open(&path).unwrap(), size, limit).unwrap();
    assert_eq!(read(10, MAX_CONFIG), b"0123456789");
    assert_eq!(read(5, MAX_CONFIG), b"0123456789", "grew");
    assert_eq!(read(20, MAX_CONFIG), b"0123456789", "shrank");
    assert_eq!(read(5, 7), b"01234567", "a byte past the limit, to tell");
    fs::write(&path, "").unwrap();
    assert_eq!(read(0, MAX_CONFIG), b"");
}

#[test]
fn answers_from_the_listing_taken_at_the_first_read() {
    let (_tmp, root) = root();
    fs::write(root.join(".env"), "A=1\n").unwrap();
    symlink("nowhere", root.join(".env.test")).unwrap();
    fs::create_dir(root.join(".env.d")).unwrap();
    let mut inputs = Inputs::open(&root).unwrap();
    assert!(inputs.read(".env", Kind::EnvFile).unwrap().is_some());
    // Made after the listing: this run does not see it, in any reader.
    fs::write(root.join(".env.local"), "B=1\n").unwrap();
    assert_eq!(inputs.read(".env.local", Kind::EnvFile).unwrap(), None);
    assert_eq!(inputs.file_type(".env.local", false), None);
    assert_eq!(inputs.peek(".env.local").map(|content| content.bytes), None);
    // What the listing says is not a plain file is looked at as before.
    let err = inputs.read(".env.test", Kind::EnvFile).unwrap_err();
    assert_eq!(err.to_string(), ".env.test: is a dangling symlink");
    let err = inputs.read(".env.d", Kind::EnvFile).unwrap_err();
    assert_eq!(err.to_string(), ".env.d: is a directory, not an env file");
    assert_eq!(inputs.file_type(".env.d", true), Some(SFlag::S_IFDIR));
    assert_eq!(
        inputs.always().unwrap(),
        [
            ".env",
            ".env.d",
            ".env.test",
            ".envrc",
            ".node-version",
            ".nvmrc",
            ".python-version",
            ".ruby-version",
            ".tool-versions",
            "Procfile",
            "appenv.toml"
        ]
    );
}

#[test]
fn lists_a_directory_of_the_root() {
    let (_tmp, root) = root();
    fs::create_dir(root.join("config")).unwrap();
    fs::write(root.join("config/x.env"), "").unwrap();
    let inputs = Inputs::open(&root).unwrap();
    assert_eq!(inputs.list("config").unwrap(), [OsString::from("x.env")]);
    assert_eq!(inputs.list("").unwrap(), [OsString::from("config")]);
    assert!(inputs.list("nowhere").unwrap().is_empty());
}

#[test]
fn editor_files_are_swap_files_and_backups() {
    for name in [
        ".env.swp",
        ".env.swa",
        ".env.swx",
        ".env.production.swo",
        ".env~",
    ] {
        assert!(is_editor_file(name.as_bytes()), "{name}");
    }
    for name in [
        ".env",
        ".env.sw",
        ".env.swq",
        ".env.staging",
        ".env.swap",
        "swp",
    ] {
        assert!(!is_editor_file(name.as_bytes()), "{name}");
    }
}

/// The matcher as first written: the pattern split into its literals, the
/// first a prefix, the last a suffix, each between at its first place left.
fn matches_simple(pattern: &[u8], name: &[u8]) -> bool {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = pattern;
    while let Some(at) = find(rest, TEMPLATE.as_bytes()) {
        parts.push(&rest[..at]);
        rest = &rest[at + TEMPLATE.len()..];
    }
    parts.push(rest);
    let first = parts.remove(0);
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let Some(last) = parts.pop() else {
        return rest.is_empty();
    };
    for part in parts {
        match find(rest, part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

mod fast {
    use super::*;
    use proptest::prelude::*;

    /// Names and patterns from a small alphabet, so that literals meet,
    /// overlap and repeat; `{env}` and its pieces among the words.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        let word = prop::sample::select(vec![
            "{env}", "{env", "env}", "{", "}", ".env", ".", "e", "n", "v", "a", "ab", "Σ", "\u{ff}",
        ]);
        prop::collection::vec(word, 0..7).prop_map(|words| words.concat().into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn matcher_agrees_with_the_simple_one(pattern in text(), name in text()) {
            prop_assert_eq!(matches(&pattern, &name), matches_simple(&pattern, &name));
        }

        #[test]
        fn a_filled_template_always_matches(pattern in text(), fill in text()) {
            let filled = String::from_utf8_lossy(&pattern).replace(TEMPLATE, &String::from_utf8_lossy(&fill));
            let pattern = String::from_utf8_lossy(&pattern).into_owned();
            prop_assert!(matches(pattern.as_bytes(), filled.as_bytes()));
            prop_assert!(matches_simple(pattern.as_bytes(), filled.as_bytes()));
        }

        #[test]
        fn listing_answers_as_a_scan_would(
            names in prop::collection::vec(prop::collection::vec(1u8..=255, 1..20), 0..300),
            asked in prop::collection::vec(prop::collection::vec(1u8..=255, 1..20), 0..20),
        ) {
            let kinds = [EntryType::File, EntryType::Dir, EntryType::Symlink, EntryType::Other, EntryType::Unknown];
            let listed: Vec<(&[u8], EntryType)> = names
                .iter()
                .enumerate()
                .map(|(i, name)| (name.as_slice(), kinds[i % kinds.len()]))
                .collect();
            let listing = Listing::of(listed.iter().copied());
            let got: Vec<&[u8]> = listing.names().map(OsStrExt::as_bytes).collect();
            let want: Vec<&[u8]> = listed.iter().map(|(name, _)| *name).collect();
            prop_assert_eq!(got, want);
            for name in names.iter().chain(&asked) {
                let scan = listed.iter().find(|(n, _)| *n == name.as_slice()).map(|(_, k)| *k);
                prop_assert_eq!(listing.get(OsStr::from_bytes(name)), scan);
            }
        }
    }
}

#[test]
fn answers_kinds_from_the_listing_as_a_stat_would() {
    let (_tmp, root) = root();
    fs::write(root.join("Gemfile"), "").unwrap();
    fs::create_dir_all(root.join("node_modules/.bin")).unwrap();
    fs::create_dir(root.join(".venv")).unwrap();
    fs::write(root.join(".venv/pyvenv.cfg"), "").unwrap();
    symlink(".venv", root.join("venv")).unwrap();
    symlink("nowhere", root.join("dangling")).unwrap();
    nix::unistd::mkfifo(&root.join("fifo").into_std_path_buf(), Mode::S_IRWXU).unwrap();
    let inputs = Inputs::open(&root).unwrap();
    let by_path = Inputs::open(&root).unwrap();
    for name in [
        "",
        "Gemfile",
        "Gemfile/",
        "Gemfile/x",
        "node_modules",
        "node_modules/",
        "node_modules/.bin",
        "node_modules/.bin/x",
        ".venv/pyvenv.cfg",
        "venv",
        "venv/pyvenv.cfg",
        "dangling",
        "dangling/x",
        "fifo",
        "fifo/x",
        "absent",
        "absent/x",
        "../x",
    ] {
        for follow in [false, true] {
            assert_eq!(
                inputs.file_type(name, follow),
                by_path.stat(name, follow),
                "{name:?} follow={follow}"
            );
        }
    }
}
