//! The allow record: a small JSON file, written atomically.
//!
//! ```json
//! {
//!   "version": 4,
//!   "root": "/srv/app",
//!   "allowed": 1796160000,
//!   "files": {
//!     ".env": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
//!     "Procfile": null
//!   },
//!   "earlier": [
//!     { "allowed": 1796150000, "files": { ".env": "…", ".env.local": "…", "Procfile": null } }
//!   ],
//!   "vars_bytes": 81
//! }
//! [{".env":{"A":"…"}},{".env":{"A":"…"},".env.local":{"B":"…"}}]
//! ```
//!
//! `files` maps each name to the hex SHA-256 of its content, `null` when absent;
//! `allowed` is when, in seconds since the epoch. That is the content allowed
//! last; `earlier` holds the contents allowed before it, newest first, up to
//! [`KEPT`] in all, so that going back to a branch allowed before needs no new
//! allow. After that document comes a second one, `vars_bytes` long counted from
//! the first one's closing brace: for each content in the same order, each env
//! file's variables with a SHA-256 of the line that sets them, so that a change
//! can be told by name, never by value. Every check reads the first document; the
//! second, which grows with every variable, is parsed only when no content
//! matches, to say how. Version 3 records (one content, its variables as one
//! object), version 2 (the variables inside the first document, as `vars`) and
//! version 1 (no `allowed`, no variables) are read too.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::process;
use std::sync::atomic::{AtomicU64, Ordering};

use camino::{Utf8Path, Utf8PathBuf};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::{AppFiles, Digest, TrustError};

const VERSION: u32 = 4;
/// How many contents a record remembers: the current one and the fifteen
/// allowed before it. Enough for the branches a developer moves between in a
/// week; an older content must be allowed again.
pub const KEPT: usize = 16;
/// A record holds a digest per variable (about 90 bytes each): an app at the
/// env-file cap has a record of this order. More is not a record.
const MAX_RECORD: u64 = 64 << 20;

/// The first document: what every check reads.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    version: u32,
    root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed: Option<u64>,
    files: BTreeMap<String, Option<String>>,
    /// Version 4: the contents allowed before, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    earlier: Vec<Earlier>,
    /// Version 2: the variables, skipped over unread.
    #[serde(default, skip_serializing)]
    vars: Option<IgnoredAny>,
    /// Version 3: the length of what follows this document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vars_bytes: Option<u64>,
}

/// A content allowed before the last.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Earlier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed: Option<u64>,
    files: BTreeMap<String, Option<String>>,
}

/// Each env file's variables, with the digest of the line setting each.
pub(super) type FileVars = BTreeMap<String, BTreeMap<String, Digest>>;
type HexVars = BTreeMap<String, BTreeMap<String, String>>;

/// A version 2 record, read again for its variables.
#[derive(Deserialize)]
struct Inline {
    vars: HexVars,
}

/// The recorded hashes by name.
pub(super) type Hashes = BTreeMap<String, Option<Digest>>;

/// What a record holds, decoded; the variables stay as bytes until asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Recorded {
    pub root: String,
    /// Newest first; never empty.
    pub contents: Vec<Content>,
    vars: Vars,
}

/// One content of an app that was allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Content {
    pub allowed: Option<u64>,
    pub files: Hashes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Vars {
    None,
    /// A version 2 record, whole.
    Inline(Vec<u8>),
    /// A version 3 record and where its second document starts.
    After(Vec<u8>, usize),
    /// A version 4 record and where its second document (one entry per
    /// content) starts.
    List(Vec<u8>, usize),
}

impl Recorded {
    /// The variables each env file set in content `at` when it was allowed,
    /// parsed now; none when the record has none or they cannot be read (a
    /// change is then told by file name alone).
    pub fn vars(&self, at: usize) -> FileVars {
        let hex = match &self.vars {
            Vars::None => None,
            Vars::Inline(bytes) if at == 0 => {
                serde_json::from_slice::<Inline>(bytes).ok().map(|r| r.vars)
            }
            Vars::After(bytes, start) if at == 0 => {
                serde_json::from_slice::<HexVars>(&bytes[*start..]).ok()
            }
            Vars::List(bytes, start) => serde_json::from_slice::<Vec<HexVars>>(&bytes[*start..])
                .ok()
                .filter(|list| list.len() == self.contents.len())
                .and_then(|mut list| (at < list.len()).then(|| list.swap_remove(at))),
            _ => None,
        };
        hex.and_then(|hex| {
            hex.into_iter()
                .map(|(file, vars)| {
                    let vars = vars
                        .into_iter()
                        .map(|(name, hash)| Some((name, unhex(&hash)?)))
                        .collect::<Option<BTreeMap<_, _>>>()?;
                    Some((file, vars))
                })
                .collect()
        })
        .unwrap_or_default()
    }
}

/// A content to record: its digests and its variables.
pub(super) struct Entry {
    pub allowed: Option<u64>,
    pub files: Hashes,
    pub vars: FileVars,
}

impl Entry {
    /// `app` as it is now, allowed at `allowed`.
    pub fn of(app: &AppFiles, allowed: u64) -> Self {
        Entry {
            allowed: Some(allowed),
            files: app.files.iter().cloned().collect(),
            vars: app.vars(),
        }
    }

    /// Every content of `recorded`, with its variables.
    pub fn all(recorded: &Recorded) -> Vec<Self> {
        (recorded.contents.iter().enumerate())
            .map(|(at, content)| Entry {
                allowed: content.allowed,
                files: content.files.clone(),
                vars: recorded.vars(at),
            })
            .collect()
    }
}

/// The record of `root` holding `entries`, newest first (at most [`KEPT`]
/// are written).
pub(super) fn encode(root: &Utf8Path, entries: &[Entry]) -> String {
    let entries = &entries[..entries.len().min(KEPT)];
    let (newest, earlier) = entries.split_first().expect("a record holds a content");
    let hex_files = |files: &Hashes| -> BTreeMap<String, Option<String>> {
        files
            .iter()
            .map(|(name, hash)| (name.clone(), hash.as_ref().map(hex)))
            .collect()
    };
    let vars: Vec<HexVars> = entries
        .iter()
        .map(|entry| {
            (entry.vars.iter())
                .map(|(file, vars)| {
                    let vars = vars.iter().map(|(k, d)| (k.clone(), hex(d))).collect();
                    (file.clone(), vars)
                })
                .collect()
        })
        .collect();
    let mut section = String::from("\n");
    section.push_str(&serde_json::to_string(&vars).expect("strings and maps always serialize"));
    section.push('\n');
    let header = Header {
        version: VERSION,
        root: root.to_string(),
        allowed: newest.allowed,
        files: hex_files(&newest.files),
        earlier: earlier
            .iter()
            .map(|entry| Earlier {
                allowed: entry.allowed,
                files: hex_files(&entry.files),
            })
            .collect(),
        vars: None,
        vars_bytes: Some(section.len() as u64),
    };
    let mut text =
        serde_json::to_string_pretty(&header).expect("strings and maps always serialize");
    text.push_str(&section);
    text
}

/// The record at `path` if it is a well-formed record for `root`. Anything else
/// (missing, truncated by a crash, garbage, another root's, another version's) is
/// `Ok(None)`, so it can never grant trust; a record another user owns or can
/// write is an error, since it may have been forged.
pub(super) fn read(path: &Utf8Path, root: &Utf8Path) -> Result<Option<Recorded>, TrustError> {
    let Some(bytes) = read_owned(path)? else {
        return Ok(None);
    };
    Ok(decode(bytes).filter(|record| record.root == root.as_str()))
}

/// The bytes of the record at `path`, refusing one that is not the user's.
pub(super) fn read_owned(path: &Utf8Path) -> Result<Option<Vec<u8>>, TrustError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits() | nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        // A symlink (ELOOP under O_NOFOLLOW) or anything unreadable is no record.
        Err(_) => return Ok(None),
    };
    let meta = file.metadata().map_err(TrustError::io("read", path))?;
    super::owned_by_user(path, &meta)?;
    if !meta.is_file() {
        return Ok(None);
    }
    // One `read` for a record that keeps its size while read, where
    // `read_to_end` makes a second to see the end.
    let mut bytes = crate::input::read_all(file, meta.len(), MAX_RECORD)
        .map_err(TrustError::io("read", path))?;
    bytes.truncate(MAX_RECORD as usize);
    Ok(Some(bytes))
}

/// Reads the first document of a record; the rest is only measured.
pub(super) fn decode(bytes: Vec<u8>) -> Option<Recorded> {
    let mut stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<Header>();
    let header = stream.next()?.ok()?;
    let end = stream.byte_offset();
    let rest = bytes.len() - end;
    let blank = bytes[end..].iter().all(u8::is_ascii_whitespace);
    // Which version says where its variables are; anything else is no record.
    let earlier = !header.earlier.is_empty();
    let kind = match (header.version, header.vars.is_some(), header.vars_bytes) {
        (VERSION, false, Some(len)) if len == rest as u64 => 4,
        (3, false, Some(len)) if len == rest as u64 && !earlier => 3,
        (2, true, None) if blank && !earlier => 2,
        (1, false, None) if header.allowed.is_none() && blank && !earlier => 1,
        _ => return None,
    };
    if header.earlier.len() >= KEPT {
        return None;
    }
    let decode = |hash: Option<String>| match hash {
        None => Some(None),
        Some(hash) => unhex(&hash).map(Some),
    };
    let hashes = |files: BTreeMap<String, Option<String>>| {
        files
            .into_iter()
            .map(|(name, hash)| Some((name, decode(hash)?)))
            .collect::<Option<Hashes>>()
    };
    let mut contents = vec![Content {
        allowed: header.allowed,
        files: hashes(header.files)?,
    }];
    for earlier in header.earlier {
        contents.push(Content {
            allowed: earlier.allowed,
            files: hashes(earlier.files)?,
        });
    }
    let vars = match kind {
        4 => Vars::List(bytes, end),
        3 => Vars::After(bytes, end),
        2 => Vars::Inline(bytes),
        _ => Vars::None,
    };
    Some(Recorded {
        root: header.root,
        contents,
        vars,
    })
}

/// The uid that owns `meta`'s file.
pub(super) fn owner(meta: &fs::Metadata) -> u32 {
    meta.uid()
}

/// Replaces `path` with `contents` so that a reader (or a crash) sees the old record or
/// the new one, never part of one: write a temp file in the same directory, fsync it,
/// rename it over `path`, fsync the directory.
pub(super) fn write(path: &Utf8Path, contents: &str) -> Result<(), TrustError> {
    let dir = path.parent().expect("a record path has a directory");
    let (temp, mut file) = create_temp(dir, path.file_name().unwrap_or("record"))?;
    let written = file
        .write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(TrustError::io("write", path)(err));
    }
    sync_dir(dir)
}

/// A new 0600 file that no other writer, thread or process, can be using: the name
/// holds the pid and a counter, and `create_new` skips one a crash left behind.
fn create_temp(dir: &Utf8Path, name: &str) -> Result<(Utf8PathBuf, File), TrustError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{count}.tmp", process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(TrustError::io("create", &temp)(err)),
        }
    }
}

/// A rename or removal survives a crash only once its directory is synced.
pub(super) fn sync_dir(dir: &Utf8Path) -> Result<(), TrustError> {
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(TrustError::io("sync", dir))
}

pub(super) fn hex(digest: &Digest) -> String {
    crate::input::hex(digest)
}

fn unhex(hex: &str) -> Option<Digest> {
    if hex.len() != 64 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    let mut digest = [0; 32];
    for (byte, pair) in digest.iter_mut().zip(hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn app(root: &str) -> AppFiles {
        AppFiles::for_tests(
            root.into(),
            vec![(".env".into(), Some([7; 32])), ("Procfile".into(), None)],
        )
    }

    fn read_hashes(path: &Utf8Path, root: &str) -> Option<Hashes> {
        read(path, root.into())
            .unwrap()
            .map(|r| r.contents[0].files.clone())
    }

    /// The record of `app` alone, allowed at `allowed`.
    fn encode_one(app: &AppFiles, allowed: u64) -> String {
        encode(&app.root, &[Entry::of(app, allowed)])
    }

    fn store() -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let path = Utf8PathBuf::try_from(tmp.path().join("record.json")).unwrap();
        (tmp, path)
    }

    fn documents(text: &str) -> Vec<serde_json::Value> {
        serde_json::Deserializer::from_str(text)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn encodes_root_and_hex_hashes_with_null_for_absent() {
        let text = encode_one(&app("/srv/app"), 1_796_160_000);
        assert_eq!(
            documents(&text),
            [
                serde_json::json!({
                    "version": 4,
                    "root": "/srv/app",
                    "allowed": 1_796_160_000,
                    "files": { ".env": "07".repeat(32), "Procfile": null },
                    "vars_bytes": 6,
                }),
                serde_json::json!([{}]),
            ]
        );
        assert!(text.ends_with("}\n[{}]\n"), "{text}");
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let (_tmp, path) = store();
        write(&path, &encode_one(&app("/srv/app"), 0)).unwrap();
        let hashes = read_hashes(&path, "/srv/app").unwrap();
        assert_eq!(hashes, app("/srv/app").files.into_iter().collect());
    }

    /// An app whose `.env` sets A and B.
    fn app_with_vars(root: &str) -> (tempfile::TempDir, AppFiles) {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(".env"), "A=1\nB=2\n").unwrap();
        let dir = Utf8Path::from_path(tmp.path()).unwrap();
        let mut app = AppFiles::collect(dir, &[]).unwrap();
        app.root = root.into();
        (tmp, app)
    }

    #[test]
    fn keeps_the_variables_apart_and_reads_them_when_asked() {
        let (_tmp, app) = app_with_vars("/srv/app");
        let text = encode_one(&app, 0);
        let docs = documents(&text);
        assert_eq!(docs.len(), 2);
        assert!(docs[0].get("vars").is_none());
        assert_eq!(
            docs[1][0][".env"]["A"],
            hex(&crate::input::sha256(b"A=1\n"))
        );
        let recorded = decode(text.into_bytes()).unwrap();
        assert_eq!(recorded.vars(0), app.vars());
    }

    #[test]
    fn decides_on_the_first_document_whatever_the_variables_hold() {
        let (_tmp, app) = app_with_vars("/srv/app");
        let text = encode_one(&app, 0);
        let at = text.find("}\n[").unwrap() + 2;
        // Garbage of the same length: the file digests still decide, and a
        // change is told by file name alone.
        let garbage = format!("{}{}\n", &text[..at], "x".repeat(text.len() - at - 1));
        let recorded = decode(garbage.into_bytes()).unwrap();
        assert_eq!(
            recorded.contents,
            decode(text.into_bytes()).unwrap().contents
        );
        assert_eq!(recorded.vars(0), FileVars::new());
    }

    #[test]
    fn keeps_every_content_newest_first_with_its_variables_up_to_the_bound() {
        let (_tmp, one) = app_with_vars("/srv/app");
        let entries: Vec<Entry> = (0..KEPT as u64 + 3)
            .map(|i| {
                let mut entry = Entry::of(&one, i);
                entry.files.insert(format!(".env.{i}"), Some([i as u8; 32]));
                entry
            })
            .collect();
        let text = encode(&one.root, &entries);
        let recorded = decode(text.into_bytes()).unwrap();
        assert_eq!(recorded.contents.len(), KEPT, "the oldest are dropped");
        for (at, content) in recorded.contents.iter().enumerate() {
            assert_eq!(content.allowed, Some(at as u64));
            assert_eq!(content.files, entries[at].files);
            assert_eq!(recorded.vars(at), one.vars());
        }
        assert_eq!(recorded.vars(KEPT), FileVars::new());
    }

    #[test]
    fn reads_records_of_earlier_versions() {
        let hash = "07".repeat(32);
        let v1 = format!(
            "{{\n  \"version\": 1,\n  \"root\": \"/srv/app\",\n  \"files\": {{\n    \".env\": \"{hash}\",\n    \"Procfile\": null\n  }}\n}}\n"
        );
        let v2 = format!(
            "{{\n  \"version\": 2,\n  \"root\": \"/srv/app\",\n  \"allowed\": 7,\n  \"files\": {{\n    \".env\": \"{hash}\",\n    \"Procfile\": null\n  }},\n  \"vars\": {{\n    \".env\": {{\n      \"A\": \"{hash}\"\n    }}\n  }}\n}}\n"
        );
        let vars3 = format!("\n{{\".env\":{{\"A\":\"{hash}\"}}}}\n");
        let v3 = format!(
            "{{\n  \"version\": 3,\n  \"root\": \"/srv/app\",\n  \"allowed\": 7,\n  \"files\": {{\n    \".env\": \"{hash}\",\n    \"Procfile\": null\n  }},\n  \"vars_bytes\": {}\n}}{vars3}",
            vars3.len()
        );
        let files: Hashes = app("/srv/app").files.into_iter().collect();
        let v1 = decode(v1.into_bytes()).unwrap();
        assert_eq!(v1.contents.len(), 1);
        assert_eq!(
            (&v1.contents[0].files, v1.contents[0].allowed),
            (&files, None)
        );
        assert_eq!(v1.vars(0), FileVars::new());
        for old in [v2, v3] {
            let old = decode(old.into_bytes()).unwrap();
            assert_eq!(old.contents.len(), 1);
            assert_eq!(
                (&old.contents[0].files, old.contents[0].allowed),
                (&files, Some(7))
            );
            assert_eq!(old.vars(0)[".env"]["A"], [7; 32]);
        }
    }

    #[test]
    fn never_reads_a_truncated_record() {
        let (_tmp, path) = store();
        let text = encode_one(&app("/srv/app"), 0);
        for len in 0..text.len() - 1 {
            fs::write(&path, &text[..len]).unwrap();
            assert_eq!(read_hashes(&path, "/srv/app"), None, "record cut at {len}");
        }
    }

    #[test]
    fn never_reads_garbage_or_a_record_for_something_else() {
        let (_tmp, path) = store();
        let text = encode_one(&app("/srv/app"), 0);
        let hash = "07".repeat(32);
        let bad = [
            b"\x00\xff\xfe garbage \x1b[2J".to_vec(),
            Vec::new(),
            b"null".to_vec(),
            text.replace("/srv/app", "/srv/app2").into_bytes(),
            text.replace("\"version\": 4", "\"version\": 5")
                .into_bytes(),
            text.replace("\"version\": 4", "\"version\": 2")
                .into_bytes(),
            text.replace("\"version\": 4", "\"version\": 1")
                .into_bytes(),
            text.replace("\"vars_bytes\": 6", "\"vars_bytes\": 7")
                .into_bytes(),
            text.replace(
                "\"vars_bytes\"",
                "\"earlier\": [{\"files\": {\"x\": true}}], \"vars_bytes\"",
            )
            .into_bytes(),
            text.replace(
                "\"vars_bytes\"",
                "\"earlier\": [{\"trusted\": true, \"files\": {}}], \"vars_bytes\"",
            )
            .into_bytes(),
            format!("{text} ").into_bytes(),
            text.replace(&hash, &hash[..62]).into_bytes(),
            text.replace(&hash, &format!("+{}", &hash[1..]))
                .into_bytes(),
            text.replace(&hash, "true").into_bytes(),
            text.replace("\"version\"", "\"trusted\": true, \"version\"")
                .into_bytes(),
        ];
        for bytes in bad {
            fs::write(&path, &bytes).unwrap();
            assert_eq!(
                read_hashes(&path, "/srv/app"),
                None,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn writes_replace_the_record_readable_only_by_the_user_and_leave_no_temp_file() {
        let (tmp, path) = store();
        write(&path, "one").unwrap();
        write(&path, "two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn hex_round_trips_and_rejects_anything_but_64_hex_digits() {
        let digest: Digest = std::array::from_fn(|i| i as u8 * 8);
        assert_eq!(unhex(&hex(&digest)), Some(digest));
        assert_eq!(hex(&[0xab; 32]), "ab".repeat(32));
        assert_eq!(unhex(&"0".repeat(63)), None);
        assert_eq!(unhex(&format!("+{}", "0".repeat(63))), None);
        assert_eq!(unhex(&format!("é{}", "0".repeat(62))), None);
    }
}
