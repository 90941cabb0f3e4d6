//! Rewriting an env file's values in place, encrypted or decrypted, leaving
//! every other byte as it was (comments, `export`, blank lines, the order).
//! Text in, text out: reading and writing the files is the commands' part.

use crate::dotenv::{self, DotenvError, NoSeed};
use crate::env_vars::EnvVars;

use super::{Failure, KeyUse};

/// What dotenvx writes above a file's public key, kept so the file looks
/// the same whichever tool encrypted it first.
const PUBLIC_HEADER: &str = "\
#/-------------------[DOTENV_PUBLIC_KEY]--------------------/
#/            public-key encryption for .env files          /
#/       [how it works](https://dotenvx.com/encryption)     /
#/----------------------------------------------------------/
";

/// What dotenvx writes at the top of a new `.env.keys`.
pub const KEYS_HEADER: &str = "\
#/------------------!DOTENV_PRIVATE_KEYS!-------------------/
#/ private decryption keys. DO NOT commit to source control /
#/     [how it works](https://dotenvx.com/encryption)       /
#/----------------------------------------------------------/
";

/// One `KEY=value` line of a file, parsed on its own.
struct Line<'a> {
    span: dotenv::Span,
    key: &'a str,
    value: String,
    encrypted: bool,
    /// Whether its value holds a `$` that substitution reads: it depends
    /// on other variables, and a decrypted value is taken as it is.
    substitutes: bool,
}

/// The `KEY=value` lines of `text` (a BOM left out: the caller keeps it).
/// The whole file is read first, so that an error names its real line.
fn lines<'a>(file: &str, text: &'a str) -> Result<Vec<Line<'a>>, DotenvError> {
    dotenv::read(file, text.as_bytes(), &NoSeed)?;
    let mut lines = Vec::new();
    for span in dotenv::spans(text) {
        let chunk = &text[span.whole.clone()];
        // Alone, with nothing defined: any `$` it reads leaves a note.
        let read = dotenv::read(file, chunk.as_bytes(), &NoSeed)?;
        if let Some(entry) = read.entries.into_iter().next() {
            lines.push(Line {
                key: entry.key,
                value: entry.value.into_owned(),
                encrypted: entry.encrypted,
                substitutes: !read.notes.is_empty(),
                span,
            });
        }
    }
    Ok(lines)
}

/// The first `DOTENV_PUBLIC_KEY…` that `text` sets: its name and value.
pub fn public_key(file: &str, text: &str) -> Result<Option<(String, String)>, DotenvError> {
    let entries = dotenv::parse(file, text.as_bytes(), &NoSeed)?;
    Ok(entries
        .into_iter()
        .find(|e| e.key.starts_with(EnvVars::DOTENV_PUBLIC_KEY))
        .map(|e| (e.key.to_owned(), e.value.into_owned())))
}

/// What [`encrypt`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Encrypted {
    pub text: String,
    /// The names encrypted now, in file order.
    pub done: Vec<String>,
    /// Names left plain because their value substitutes (`${HOST}`).
    pub substituting: Vec<String>,
    /// Names asked for that the file does not set.
    pub absent: Vec<String>,
}

/// `text` with the plain values of `names` (all when empty) encrypted for
/// `public` (hex). `add_public`: the public key's variable to write at the
/// top, for a file that names none yet.
pub fn encrypt(
    file: &str,
    text: &str,
    names: &[String],
    public: &str,
    add_public: Option<&str>,
) -> Result<Encrypted, EncryptError> {
    let (bom, body) = split_bom(text);
    let lines = lines(file, body).map_err(EncryptError::Dotenv)?;
    let mut out = Encrypted::default();
    let wanted = |key: &str| names.is_empty() || names.iter().any(|n| n == key);
    let mut edits = Vec::new();
    for line in &lines {
        if !wanted(line.key) || line.encrypted || line.key.starts_with(EnvVars::DOTENV_PUBLIC_KEY) {
            continue;
        }
        if line.substitutes {
            out.substituting.push(line.key.to_owned());
            continue;
        }
        let value = super::encrypt(&line.value, public).ok_or(EncryptError::PublicKey)?;
        edits.push((line.span.value.clone(), value));
        out.done.push(line.key.to_owned());
    }
    out.absent = names
        .iter()
        .filter(|n| !lines.iter().any(|l| l.key == n.as_str()))
        .cloned()
        .collect();
    let mut body = apply(body, edits);
    if let Some(name) = add_public {
        body = format!("{PUBLIC_HEADER}{name}=\"{public}\"\n\n{body}");
    }
    out.text = format!("{bom}{body}");
    Ok(out)
}

/// Why a file cannot be encrypted.
#[derive(Debug, PartialEq, Eq)]
pub enum EncryptError {
    Dotenv(DotenvError),
    /// The public key the file names is not one.
    PublicKey,
}

/// `text` with its encrypted values (of `names`, all when empty) written
/// plain, double-quoted so that the dotenv dialect reads them back as they
/// are; `keys` are the comma-separated private keys of `key`.
pub fn decrypt(
    file: &str,
    text: &str,
    names: &[String],
    keys: &str,
    key: &KeyUse,
) -> Result<String, DotenvError> {
    let (bom, body) = split_bom(text);
    let lines = lines(file, body)?;
    let mut edits = Vec::new();
    for line in lines.iter().filter(|l| l.encrypted) {
        if !names.is_empty() && !names.iter().any(|n| n == line.key) {
            continue;
        }
        let plain = super::decrypt(&line.value, keys, key).map_err(|f: Failure| DotenvError {
            file: file.to_owned(),
            line: Some(line.span.line),
            message: format!("{}: {f}", line.key),
        })?;
        let written = dotenv::line(line.key, &plain);
        edits.push((
            line.span.value.clone(),
            written[line.key.len() + 1..].to_owned(),
        ));
    }
    Ok(format!("{bom}{}", apply(body, edits)))
}

fn split_bom(text: &str) -> (&str, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", text),
    }
}

/// `text` with each range replaced; the ranges are in order and apart.
fn apply(text: &str, edits: Vec<(std::ops::Range<usize>, String)>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, new) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::super::{KeyFrom, generate};
    use super::*;

    fn key() -> KeyUse {
        KeyUse {
            name: "DOTENV_PRIVATE_KEY".into(),
            from: Some(KeyFrom::Environment),
        }
    }

    fn values(text: &str) -> Vec<(String, String)> {
        let entries = dotenv::parse(".env", text.as_bytes(), &NoSeed).unwrap();
        entries
            .into_iter()
            .map(|e| (e.key.to_owned(), e.value.into_owned()))
            .collect()
    }

    const FILE: &str = "\u{feff}# top\nexport A=plain # why\nB=\"two\nlines\"\nC=\nD='it''s'\nE=${A}x\nF=\"q\\\" $HOME \\\\ b\"\r\nG=\"q\\\" \\\\ é\"\n\n";

    #[test]
    fn encrypts_in_place_and_decrypts_back_to_the_same_values() {
        let (secret, public) = generate();
        let done = encrypt(".env", FILE, &[], &public, Some("DOTENV_PUBLIC_KEY")).unwrap();
        assert_eq!(done.done, ["A", "B", "C", "D", "G"]);
        assert_eq!(done.substituting, ["E", "F"]);
        let text = &done.text;
        assert!(text.starts_with("\u{feff}#/---"), "{text}");
        assert!(text.contains("\n# top\nexport A=encrypted:"), "{text}");
        assert!(text.contains(" # why\nB=encrypted:"), "{text}");
        assert!(text.contains("\nE=${A}x\n"), "{text}");
        assert!(text.contains(" b\"\r\nG=encrypted:"), "{text}");
        assert!(text.ends_with("\n\n"), "{text}");
        // Encrypting again changes nothing more.
        let again = encrypt(".env", text, &[], &public, None).unwrap();
        assert!(again.done.is_empty());
        assert_eq!(&again.text, text);

        let back = decrypt(".env", text, &[], &secret, &key()).unwrap();
        let before = values(FILE);
        let mut after = values(&back);
        assert_eq!(after.remove(0).0, "DOTENV_PUBLIC_KEY");
        assert_eq!(after, before);
    }

    #[test]
    fn only_the_names_asked_for() {
        let (secret, public) = generate();
        let names = ["B".to_owned(), "NOPE".to_owned()];
        let done = encrypt(".env", FILE, &names, &public, None).unwrap();
        assert_eq!(done.done, ["B"]);
        assert_eq!(done.absent, ["NOPE"]);
        assert!(done.text.contains("export A=plain # why"));
        let one = decrypt(".env", &done.text, &["A".into()], &secret, &key()).unwrap();
        assert_eq!(one, done.text);
    }

    #[test]
    fn errors_name_the_line_and_never_the_value() {
        let (_, public) = generate();
        let bad = "A=1\nB=\"open\n";
        match encrypt(".env", bad, &[], &public, None) {
            Err(EncryptError::Dotenv(e)) => assert_eq!(e.line, Some(2)),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            encrypt(".env", "A=1\n", &[], "02ff", None),
            Err(EncryptError::PublicKey)
        );
        let done = encrypt(".env", "A=1\nB=secret\n", &[], &public, None).unwrap();
        let (wrong, _) = generate();
        let e = decrypt(".env", &done.text, &[], &wrong, &key()).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.starts_with("A: ") && !e.message.contains("secret"));
    }

    #[test]
    fn the_public_key_is_found_by_its_prefix() {
        let text = "X=1\nDOTENV_PUBLIC_KEY_CI=\"02ab\"\n";
        assert_eq!(
            public_key(".env", text).unwrap(),
            Some(("DOTENV_PUBLIC_KEY_CI".into(), "02ab".into()))
        );
        assert_eq!(public_key(".env", "X=1\n").unwrap(), None);
    }
}
