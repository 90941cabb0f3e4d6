//! How the state is written into one environment variable and read back.
//!
//! `appenv1` then space-separated fields; every byte string is
//! percent-encoded, so the value is printable ASCII whatever the bytes
//! (anything but NUL, which no environment can hold):
//!
//! ```text
//! appenv1 root=/srv/shop var=DATABASE_URL,-,+postgres%3A//db var=PATH,+/usr/bin,+/srv/shop/bin:/usr/bin
//! ```
//!
//! `-` is "unset", `+` is followed by the value. `said=` holds the last
//! message given about a root that is not loaded (not allowed, broken), so
//! that it is given once and not at every prompt.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::{Change, HookState};

const TAG: &str = "appenv1";

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
        OsString::from_vec(out)
    }

    pub fn decode(text: &OsStr) -> Option<HookState> {
        let mut fields = text.as_bytes().split(|&b| b == b' ');
        if fields.next()? != TAG.as_bytes() {
            return None;
        }
        let mut state = HookState::default();
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

/// Bytes kept as they are; every other byte is `%XX`.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"/._-:@+~".contains(&b)
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
        assert!(bytes.starts_with(b"appenv1 root=/srv/my%20shop%2C%E2%82%AC said="));
        assert!(bytes.ends_with(b" var=NEW,-,+a%3Db%2Cc%20d%25%0A%27%22%24%28x%29"));
        assert_eq!(HookState::decode(&text), Some(state));
    }

    #[test]
    fn empty_and_unset_are_different() {
        let state = loaded(&[("A", change(Some(""), None)), ("B", change(None, Some("")))]);
        let text = state.encode();
        assert_eq!(text, "appenv1 root=/srv/shop var=A,+,- var=B,-,+");
        assert_eq!(HookState::decode(&text).unwrap(), state);
    }

    #[test]
    fn refuses_what_it_did_not_write() {
        for bad in [
            "",
            "appenv2 root=/x",
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

    fn bytes() -> impl Strategy<Value = Option<OsString>> {
        proptest::option::of(prop::collection::vec(1u8..=255, 0..24).prop_map(OsString::from_vec))
    }

    proptest! {
        #[test]
        fn any_state_survives_encoding(
            root in proptest::option::of(".*"),
            said in proptest::option::of(".*"),
            vars in prop::collection::btree_map(
                prop::collection::vec(1u8..=255, 1..8).prop_map(OsString::from_vec),
                (bytes(), bytes()),
                0..6,
            ),
        ) {
            let state = HookState {
                root: root.map(|r| r.replace('\0', "")),
                said: said.map(|s| s.replace('\0', "")),
                changes: vars
                    .into_iter()
                    .map(|(k, (before, after))| (k, Change { before, after }))
                    .collect(),
            };
            prop_assert_eq!(HookState::decode(&state.encode()), Some(state));
        }
    }
}
