//! How the state is written into one environment variable and read back.
//!
//! `appenv2` then space-separated fields; every byte string is
//! percent-encoded, so the value is printable ASCII whatever the bytes
//! (anything but NUL, which no environment can hold):
//!
//! ```text
//! appenv2 root=/srv/shop var=DATABASE_URL,-,+postgres%3A//db var=PATH,+/usr/bin,+/srv/shop/bin:/usr/bin
//!   seen=9f2c…,.env watch=/srv/shop,/srv/shop/.env absent= extra=/srv/shop/bin users=
//! ```
//!
//! (one line). `-` is "unset", `+` is followed by the value. `said=` holds
//! the last message given about a root that is not loaded (not allowed,
//! broken), so that it is given once and not at every prompt; `told=` the
//! refusals said in this shell (`root.message` digests, 8 hex digits each,
//! comma-separated), so that one is not said again at every return. The
//! fingerprint comes last, `seen=` (digest and root reason) then `watch=`,
//! `absent=` and `extra=`, comma-separated paths, and `users=`, the names
//! left to the shell's own variables: everything before it is
//! what its digest covers, and `appenv export` reads it without decoding
//! the rest ([`quick`]).
//!
//! A state of version 1 (no fingerprint) is still read, so that a shell
//! loaded by an older appenv unloads exactly; any other version counts as
//! no state.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::{Change, Fingerprint, HookState, Told};

const TAG: &str = "appenv2";
/// The version before fingerprints: read, never written.
const OLD_TAG: &str = "appenv1";
const SEEN: &[u8] = b" seen=";

impl HookState {
    pub fn encode(&self) -> OsString {
        let mut out = TAG.as_bytes().to_vec();
        if let Some(root) = &self.root {
            out.extend_from_slice(b" root=");
            encode_into(root.as_bytes(), &mut out);
        }
        if let Some(said) = &self.said {
            out.extend_from_slice(b" said=");
            encode_into(said.as_bytes(), &mut out);
        }
        if !self.told.is_empty() {
            out.extend_from_slice(b" told=");
            let told: Vec<String> = (self.told.iter())
                .map(|t| format!("{:08x}.{:08x}", t.root, t.why))
                .collect();
            out.extend_from_slice(told.join(",").as_bytes());
        }
        for (name, change) in &self.changes {
            out.extend_from_slice(b" var=");
            encode_into(name.as_bytes(), &mut out);
            for value in [&change.before, &change.after] {
                out.push(b',');
                match value {
                    None => out.push(b'-'),
                    Some(v) => {
                        out.push(b'+');
                        encode_into(v.as_bytes(), &mut out);
                    }
                }
            }
        }
        if let Some(seen) = &self.seen {
            encode_fingerprint(seen, &mut out);
        }
        OsString::from_vec(out)
    }

    pub fn decode(text: &OsStr) -> Option<HookState> {
        let text = text.as_bytes();
        let (text, seen) = if text.starts_with(OLD_TAG.as_bytes()) {
            (text, None)
        } else {
            match find(text, SEEN) {
                Some(at) => (&text[..at], Some(decode_fingerprint(&text[at..])?)),
                None => (text, None),
            }
        };
        let mut fields = text.split(|&b| b == b' ');
        let tag = fields.next()?;
        if tag != TAG.as_bytes() && tag != OLD_TAG.as_bytes() {
            return None;
        }
        let mut state = HookState {
            seen,
            ..HookState::default()
        };
        for field in fields {
            let at = field.iter().position(|&b| b == b'=')?;
            let (key, value) = (&field[..at], &field[at + 1..]);
            match key {
                b"root" if state.root.is_none() => {
                    state.root = Some(String::from_utf8(decode(value)?).ok()?);
                }
                b"said" if state.said.is_none() => {
                    state.said = Some(String::from_utf8(decode(value)?).ok()?);
                }
                b"told" if state.told.is_empty() => {
                    for told in value.split(|&b| b == b',') {
                        let told = std::str::from_utf8(told).ok()?;
                        let (root, why) = told.split_once('.')?;
                        let hex = |s: &str| {
                            (s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit()))
                                .then(|| u32::from_str_radix(s, 16).ok())
                                .flatten()
                        };
                        state.told.push(Told {
                            root: hex(root)?,
                            why: hex(why)?,
                        });
                    }
                }
                b"var" => {
                    let mut parts = value.split(|&b| b == b',');
                    let name = OsString::from_vec(decode(parts.next()?)?);
                    let before = decode_optional(parts.next()?)?;
                    let after = decode_optional(parts.next()?)?;
                    if parts.next().is_some() || name.is_empty() {
                        return None;
                    }
                    if state
                        .changes
                        .insert(name, Change { before, after })
                        .is_some()
                    {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        Some(state)
    }
}

/// What `appenv export` needs of a state to answer without resolving,
/// read without decoding the variables.
#[derive(Debug, PartialEq, Eq)]
pub struct Quick<'a> {
    /// The state before its fingerprint: what the digest covers.
    pub prefix: &'a [u8],
    pub root: String,
    /// The root is not loaded (refused, with a message).
    pub refused: bool,
    pub seen: Fingerprint,
}

/// The fingerprint of a state of this version and what goes with it; `None`
/// when there is none (an older version, a state written without one) or
/// it does not decode.
pub fn quick(text: &OsStr) -> Option<Quick<'_>> {
    let text = text.as_bytes();
    let mut tag = text.split(|&b| b == b' ');
    if tag.next()? != TAG.as_bytes() {
        return None;
    }
    let at = find(text, SEEN)?;
    let (prefix, rest) = text.split_at(at);
    let seen = decode_fingerprint(rest)?;
    let (mut root, mut refused) = (None, false);
    // `root=` and `said=` come first.
    for field in prefix.split(|&b| b == b' ').skip(1) {
        if let Some(value) = field.strip_prefix(b"root=") {
            root = Some(String::from_utf8(decode(value)?).ok()?);
        } else if field.starts_with(b"said=") {
            refused = true;
        } else {
            break;
        }
    }
    Some(Quick {
        prefix,
        root: root?,
        refused,
        seen,
    })
}

/// `prefix`, a state written without a fingerprint, with `seen` after it.
pub fn with_fingerprint(prefix: &OsStr, seen: &Fingerprint) -> OsString {
    let mut out = prefix.as_bytes().to_vec();
    encode_fingerprint(seen, &mut out);
    OsString::from_vec(out)
}

/// Where `needle` (which starts with a space) first is in `text`: only the
/// few spaces are candidates.
fn find(text: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle.first()?;
    (0..text.len()).find(|&at| text[at] == *first && text[at..].starts_with(needle))
}

fn encode_fingerprint(seen: &Fingerprint, out: &mut Vec<u8>) {
    out.extend_from_slice(SEEN);
    out.extend_from_slice(format!("{:016x},", seen.digest).as_bytes());
    encode_into(seen.reason.as_bytes(), out);
    out.extend_from_slice(if seen.by_cwd { b",cwd" } else { b",-" });
    for (key, paths) in [
        (&b" watch="[..], &seen.watch),
        (b" absent=", &seen.absent),
        (b" extra=", &seen.extra),
        (b" users=", &seen.users),
    ] {
        out.extend_from_slice(key);
        for (i, path) in paths.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            encode_into(path.as_bytes(), out);
        }
    }
}

/// ` seen=… watch=… absent=… extra=… users=…`, exactly: nothing else may
/// follow.
fn decode_fingerprint(text: &[u8]) -> Option<Fingerprint> {
    let mut fields = text.strip_prefix(b" ")?.split(|&b| b == b' ');
    let mut field = |key: &[u8]| -> Option<&[u8]> {
        let field = fields.next()?;
        field.strip_prefix(key)?.strip_prefix(b"=")
    };
    let mut seen = field(b"seen")?.split(|&b| b == b',');
    let (digest, reason, by_cwd) = (seen.next()?, seen.next()?, seen.next()?);
    if seen.next().is_some() {
        return None;
    }
    let by_cwd = match by_cwd {
        b"cwd" => true,
        b"-" => false,
        _ => return None,
    };
    let digest = std::str::from_utf8(digest).ok()?;
    if digest.len() != 16 {
        return None;
    }
    let paths = |value: &[u8]| -> Option<Vec<String>> {
        if value.is_empty() {
            return Some(Vec::new());
        }
        value
            .split(|&b| b == b',')
            .map(|p| String::from_utf8(decode(p)?).ok().filter(|p| !p.is_empty()))
            .collect()
    };
    let seen = Fingerprint {
        digest: u64::from_str_radix(digest, 16).ok()?,
        reason: String::from_utf8(decode(reason)?).ok()?,
        by_cwd,
        watch: paths(field(b"watch")?)?,
        absent: paths(field(b"absent")?)?,
        extra: paths(field(b"extra")?)?,
        users: paths(field(b"users")?)?,
    };
    fields.next().is_none().then_some(seen)
}

/// Bytes kept as they are; every other byte is `%XX`.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/._-:@+~".contains(&b)
}

/// `bytes` as the state holds them: a value a load sets shows so in the
/// state too (what `export gha` masks besides the value).
pub fn encoded(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    encode_into(bytes, &mut out);
    out
}

fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if is_plain(b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
    }
}

fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        if b == b'%' {
            let hi = (*bytes.next()? as char).to_digit(16)?;
            let lo = (*bytes.next()? as char).to_digit(16)?;
            let byte = (hi * 16 + lo) as u8;
            if byte == 0 {
                return None;
            }
            out.push(byte);
        } else if is_plain(b) {
            out.push(b);
        } else {
            return None;
        }
    }
    Some(out)
}

fn decode_optional(text: &[u8]) -> Option<Option<OsString>> {
    match text.split_first()? {
        (b'-', []) => Some(None),
        (b'+', rest) => Some(Some(OsString::from_vec(decode(rest)?))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{change, loaded};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_to_printable_ascii_and_back() {
        let state = HookState {
            root: Some("/srv/my shop,€".into()),
            said: Some("/srv/x is not allowed; run 'appenv allow'".into()),
            told: vec![
                Told::new("/srv/x", "not allowed"),
                Told {
                    root: 0,
                    why: u32::MAX,
                },
            ],
            seen: None,
            changes: [
                ("EMPTY", change(Some(""), Some("x"))),
                ("NEW", change(None, Some("a=b,c d%\n'\"$(x)"))),
                ("GONE", change(Some("1"), None)),
            ]
            .into_iter()
            .map(|(k, c)| (OsString::from(k), c))
            .collect(),
        };
        let text = state.encode();
        let bytes = text.as_bytes();
        assert!(bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' '));
        assert!(bytes.starts_with(b"appenv2 root=/srv/my%20shop%2C%E2%82%AC said="));
        assert!(bytes.ends_with(b" var=NEW,-,+a%3Db%2Cc%20d%25%0A%27%22%24%28x%29"));
        assert_eq!(HookState::decode(&text), Some(state));
    }

    #[test]
    fn empty_and_unset_are_different() {
        let state = loaded(&[("A", change(Some(""), None)), ("B", change(None, Some("")))]);
        let text = state.encode();
        assert_eq!(text, "appenv2 root=/srv/shop var=A,+,- var=B,-,+");
        assert_eq!(HookState::decode(&text).unwrap(), state);
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        for bad in [
            "",
            "appenv0 root=/x",
            "appenv3 root=/x",
            "appenv12 root=/x",
            "appenv2 root=/x root=/y",
            "appenv2 root=/x seen=0123456789abcdef,.env,- watch= absent= extra= users= var=A,-,-",
            "appenv2 root=/x seen=0123456789abcdef,.env,- watch= absent=",
            "appenv2 root=/x seen=0123,.env,- watch= absent= extra= users=",
            "appenv2 root=/x seen=0123456789abcdef,.env,- watch=,/a absent= extra= users=",
            "appenv1 root=/x seen=0123456789abcdef,.env,- watch= absent= extra=",
            "appenv1 root=/x root=/y",
            "appenv1 bogus=1",
            "appenv1 var=A,+1",
            "appenv1 var=A,+1,+2,+3",
            "appenv1 var=A,1,-",
            "appenv1 var=,-,-",
            "appenv1 var=A,-,- var=A,-,-",
            "appenv1 var=A,+%4,-",
            "appenv1 var=A,+%00,-",
            "appenv1 var=A,+a b,-",
            "appenv1 root=%FF",
            "appenv1  root=/x",
        ] {
            assert_eq!(HookState::decode(OsStr::new(bad)), None, "{bad:?}");
        }
        assert_eq!(
            HookState::decode(OsStr::new("appenv1")),
            Some(HookState::default())
        );
    }

    fn fingerprint() -> Fingerprint {
        Fingerprint {
            digest: 0x0123_4567_89ab_cdef,
            reason: ".env".into(),
            by_cwd: false,
            watch: vec!["/srv/my shop".into(), "/srv/my shop/.env,x".into()],
            absent: vec![],
            extra: vec!["/srv/my shop/bin".into()],
            users: vec!["MINE".into()],
        }
    }

    #[test]
    fn the_fingerprint_comes_last_and_reads_without_the_rest() {
        let mut state = loaded(&[("A", change(None, Some("1")))]);
        state.seen = Some(fingerprint());
        let text = state.encode();
        assert_eq!(
            text,
            "appenv2 root=/srv/shop var=A,-,+1 seen=0123456789abcdef,.env,- \
             watch=/srv/my%20shop,/srv/my%20shop/.env%2Cx absent= extra=/srv/my%20shop/bin users=MINE"
        );
        assert_eq!(HookState::decode(&text).as_ref(), Some(&state));
        let read = quick(&text).unwrap();
        assert_eq!(read.prefix, b"appenv2 root=/srv/shop var=A,-,+1");
        assert_eq!(read.root, "/srv/shop");
        assert!(!read.refused);
        assert_eq!(read.seen, fingerprint());

        let refused = HookState {
            root: Some("/srv/shop".into()),
            said: Some("not allowed".into()),
            seen: Some(fingerprint()),
            ..HookState::default()
        };
        assert!(quick(&refused.encode()).unwrap().refused);
    }

    /// A state of version 1, written by an older appenv, is still undone
    /// exactly; it has no fingerprint, so the next answer resolves. A
    /// state of another version is no state at all.
    #[test]
    fn an_old_state_is_read_and_never_taken_as_unchanged() {
        let old = OsStr::new("appenv1 root=/srv/shop var=A,-,+1");
        let state = HookState::decode(old).unwrap();
        assert_eq!(state, loaded(&[("A", change(None, Some("1")))]));
        assert_eq!(state.seen, None);
        assert_eq!(quick(old), None);
        // A version 2 state without a fingerprint, or with a broken one.
        assert_eq!(quick(OsStr::new("appenv2 root=/srv/shop var=A,-,+1")), None);
        for bad in [
            "appenv2 root=/srv/shop seen=0123456789abcdef,.env,- watch= absent=",
            "appenv2 root=/srv/shop seen=0123456789abcdeg,.env,- watch= absent= extra= users=",
            "appenv2 root=/srv/shop seen=0123456789abcdef,.env,- watch= absent= extra=",
            "appenv2 root=/srv/shop seen=0123456789abcdef,.env,- watch= absent= extra= users= more=1",
            "appenv3 root=/srv/shop seen=0123456789abcdef,.env,- watch= absent= extra=",
            "appenv2 said=x seen=0123456789abcdef,.env,- watch= absent= extra= users=",
        ] {
            assert_eq!(quick(OsStr::new(bad)), None, "{bad}");
        }
    }

    fn bytes() -> impl Strategy<Value = Option<OsString>> {
        proptest::option::of(prop::collection::vec(1u8..=255, 0..24).prop_map(OsString::from_vec))
    }

    proptest! {
        #[test]
        fn any_state_survives_encoding(
            root in proptest::option::of(".*"),
            said in proptest::option::of(".*"),
            told in prop::collection::vec((any::<u32>(), any::<u32>()), 0..4),
            vars in prop::collection::btree_map(
                prop::collection::vec(1u8..=255, 1..8).prop_map(OsString::from_vec),
                (bytes(), bytes()),
                0..6,
            ),
            seen in proptest::option::of((
                any::<u64>(),
                ("[^\0]*", any::<bool>()),
                prop::collection::vec("[^\0]+", 0..3),
                prop::collection::vec("[^\0]+", 0..3),
                prop::collection::vec("[^\0]+", 0..3),
                prop::collection::vec("[^\0]+", 0..3),
            )),
        ) {
            let state = HookState {
                root: root.map(|r| r.replace('\0', "")),
                said: said.map(|s| s.replace('\0', "")),
                told: told.into_iter().map(|(root, why)| Told { root, why }).collect(),
                seen: seen.map(|(digest, (reason, by_cwd), watch, absent, extra, users)| Fingerprint {
                    digest,
                    reason,
                    by_cwd,
                    watch,
                    absent,
                    extra,
                    users,
                }),
                changes: vars
                    .into_iter()
                    .map(|(k, (before, after))| (k, Change { before, after }))
                    .collect(),
            };
            prop_assert_eq!(HookState::decode(&state.encode()), Some(state));
        }
    }
}
