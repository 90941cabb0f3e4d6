//! What the shell hook remembers between prompts, kept in the shell's own
//! environment (one variable, [`VAR`]), and how a load is taken back out.
//!
//! The state names the root the hook is at and, for every variable the load
//! changed, its value before the load and the value the load gave it (either
//! may be "unset"). With that, a load can be undone exactly — unset stays
//! unset, empty stays empty — while a value the user changed by hand since
//! the load is left alone, and PATH loses only the entries the load added.
//!
//! Encoding: `appenv1` then space-separated fields; every byte string is
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

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::plan::Env;

/// The environment variable that holds the state.
pub const VAR: &str = "APPENV_STATE";

/// The variable in which the hook passes `appenv export` the names of the
/// shell's own variables, exported or not, separated by white space.
pub const SHELL_VARS: &str = "APPENV_SHELL_VARS";

const TAG: &str = "appenv1";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookState {
    /// The root the hook is at: loaded, or refused with a message.
    pub root: Option<String>,
    /// The last message given while nothing is loaded.
    pub said: Option<String>,
    /// What the load changed, by variable name; empty when nothing is loaded.
    pub changes: BTreeMap<OsString, Change>,
}

/// One variable changed by a load: its value before, and the value the load
/// gave it (`None`: unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub before: Option<OsString>,
    pub after: Option<OsString>,
}

impl HookState {
    /// The state in `env`, if any. A state that does not decode (written by
    /// another version, or edited by hand) counts as none.
    pub fn from_env(env: &Env) -> Option<HookState> {
        env.get(OsStr::new(VAR)).and_then(|v| Self::decode(v))
    }

    pub fn is_loaded(&self) -> bool {
        !self.changes.is_empty()
    }

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

    /// `current` with this load taken back out: every variable the load
    /// changed gets its value from before the load, unless the user changed
    /// it since, in which case the user's value stays (for PATH, the user's
    /// value minus the entries the load added).
    pub fn revert(&self, current: &Env) -> Env {
        let mut env = current.clone();
        for (name, change) in &self.changes {
            let now = current.get(name);
            let value = if now == change.after.as_ref() {
                change.before.clone()
            } else if let (true, Some(now), Some(after)) = (name == "PATH", now, &change.after) {
                Some(revert_path(change.before.as_deref(), after, now))
            } else {
                now.cloned()
            };
            match value {
                Some(value) => env.insert(name.clone(), value),
                None => env.remove(name),
            };
        }
        env
    }
}

/// The environment appenv resolves from: `inherited` with the hook's load
/// taken back out and the hook's variables removed, so that a shell where the
/// hook loaded one environment asks for another (`appenv -e test …`) and
/// gets it unmixed.
pub fn base_env(inherited: &Env) -> Env {
    let mut base = match HookState::from_env(inherited) {
        Some(state) => state.revert(inherited),
        None => inherited.clone(),
    };
    base.remove(OsStr::new(VAR));
    base.remove(OsStr::new(SHELL_VARS));
    base
}

/// PATH after the user edited it under a load: `now` without the entries
/// the load added (each once, so a directory the user also had stays), and
/// with the entries the load dropped put back where the load's were.
fn revert_path(before: Option<&OsStr>, after: &OsStr, now: &OsStr) -> OsString {
    let before: Vec<&[u8]> = before.map(|b| entries(b)).unwrap_or_default();
    let after = entries(after);
    let added = minus(&after, &before);
    let dropped = minus(&before, &after);

    let mut out = entries(now);
    let mut first_removed = None;
    for entry in added {
        if let Some(at) = out.iter().position(|e| *e == entry) {
            out.remove(at);
            first_removed = Some(first_removed.map_or(at, |first: usize| first.min(at)));
        }
    }
    let at = first_removed.unwrap_or(out.len());
    out.splice(at..at, dropped);
    OsString::from_vec(out.join(&b':'))
}

/// Whether PATH as the user has it now (`now`) can stay on a reload: the
/// load adds the same entries as before (`before` → `after` against `old`)
/// and `now` still holds all of them.
pub fn path_keeps_load(old: &Change, before: Option<&OsStr>, after: &OsStr, now: &OsStr) -> bool {
    let added = |before: Option<&OsStr>, after: &OsStr| -> Vec<Vec<u8>> {
        let before = before.map(entries).unwrap_or_default();
        minus(&entries(after), &before)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    };
    let Some(old_after) = &old.after else {
        return false;
    };
    let adds = added(before, after);
    let now = entries(now);
    adds == added(old.before.as_deref(), old_after)
        && adds.iter().all(|entry| now.contains(&entry.as_slice()))
}

/// PATH as a load sets it, without adding an entry that is already there:
/// an entry of `after` that `before` holds too keeps only as many of its
/// first places as `before` has. A new shell that inherited a PATH with the
/// app's `bin` (a new tmux pane) then gets it once, and leaving takes out
/// only what the load added.
pub fn path_adding_once(before: Option<&OsStr>, after: &OsStr) -> OsString {
    let before = before.map(entries).unwrap_or_default();
    let mut left: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for entry in &before {
        *left.entry(entry).or_default() += 1;
    }
    let had: std::collections::HashSet<&[u8]> = before.iter().copied().collect();
    let kept: Vec<&[u8]> = entries(after)
        .into_iter()
        .filter(|entry| {
            if !had.contains(entry) {
                return true;
            }
            match left.get_mut(entry) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        })
        .collect();
    OsString::from_vec(kept.join(&b':'))
}

/// The PATH entries a load added (`after` minus `before`, each once).
pub fn path_added(change: &Change) -> Vec<OsString> {
    let Some(after) = &change.after else {
        return Vec::new();
    };
    let before = change.before.as_deref().map(entries).unwrap_or_default();
    minus(&entries(after), &before)
        .into_iter()
        .map(|e| OsString::from_vec(e.to_vec()))
        .collect()
}

fn entries(path: &OsStr) -> Vec<&[u8]> {
    if path.is_empty() {
        return Vec::new();
    }
    path.as_bytes().split(|&b| b == b':').collect()
}

/// The entries of `a`, in order, with each entry of `b` taken out once.
fn minus<'a>(a: &[&'a [u8]], b: &[&[u8]]) -> Vec<&'a [u8]> {
    let mut rest: Vec<&[u8]> = b.to_vec();
    a.iter()
        .copied()
        .filter(|entry| match rest.iter().position(|e| e == entry) {
            Some(at) => {
                rest.remove(at);
                false
            }
            None => true,
        })
        .collect()
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
    use super::*;
    use proptest::prelude::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    fn change(before: Option<&str>, after: Option<&str>) -> Change {
        Change {
            before: before.map(Into::into),
            after: after.map(Into::into),
        }
    }

    fn loaded(changes: &[(&str, Change)]) -> HookState {
        HookState {
            root: Some("/srv/shop".into()),
            said: None,
            changes: changes
                .iter()
                .map(|(k, c)| (OsString::from(k), c.clone()))
                .collect(),
        }
    }

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

    #[test]
    fn revert_restores_unset_empty_and_previous_values() {
        let state = loaded(&[
            ("NEW", change(None, Some("1"))),
            ("EMPTY", change(Some(""), Some("2"))),
            ("OLD", change(Some("old"), Some("3"))),
            ("PYTHONHOME", change(Some("/py"), None)),
        ]);
        let current = env(&[("NEW", "1"), ("EMPTY", "2"), ("OLD", "3"), ("KEEP", "k")]);
        assert_eq!(
            state.revert(&current),
            env(&[
                ("EMPTY", ""),
                ("OLD", "old"),
                ("PYTHONHOME", "/py"),
                ("KEEP", "k")
            ])
        );
    }

    #[test]
    fn revert_keeps_what_the_user_changed() {
        let state = loaded(&[
            ("EDITED", change(Some("old"), Some("loaded"))),
            ("UNSET_BY_USER", change(Some("old"), Some("loaded"))),
            ("SET_BY_USER", change(Some("old"), None)),
        ]);
        let current = env(&[("EDITED", "mine"), ("SET_BY_USER", "mine")]);
        assert_eq!(
            state.revert(&current),
            env(&[("EDITED", "mine"), ("SET_BY_USER", "mine")])
        );
    }

    #[test]
    fn path_loses_only_what_the_load_added() {
        let state = loaded(&[(
            "PATH",
            change(
                Some("/usr/bin:/bin"),
                Some("/app/bin:/app/node:/usr/bin:/bin"),
            ),
        )]);
        let revert = |path: &str| state.revert(&env(&[("PATH", path)]))[OsStr::new("PATH")].clone();
        // Untouched: exactly the old value.
        assert_eq!(revert("/app/bin:/app/node:/usr/bin:/bin"), "/usr/bin:/bin");
        // The user added entries at both ends and removed one of the load's.
        assert_eq!(
            revert("/mine:/app/bin:/usr/bin:/bin:/late"),
            "/mine:/usr/bin:/bin:/late"
        );
        // An entry the user had as well as the load stays once.
        assert_eq!(
            revert("/app/bin:/app/node:/usr/bin:/bin:/app/bin"),
            "/usr/bin:/bin:/app/bin"
        );
    }

    #[test]
    fn path_gets_an_entry_it_already_holds_once() {
        let once = |before: &str, after: &str| {
            path_adding_once(Some(OsStr::new(before)), OsStr::new(after))
        };
        // A new pane that inherited the app's bin.
        assert_eq!(
            once("/app/bin:/usr/bin", "/app/bin:/app/bin:/usr/bin"),
            "/app/bin:/usr/bin"
        );
        // Already there, but later: moved to the front, as the app needs it.
        assert_eq!(
            once("/usr/bin:/app/bin", "/app/bin:/usr/bin:/app/bin"),
            "/app/bin:/usr/bin"
        );
        // New entries and the user's own repeats are kept.
        assert_eq!(once("/a:/a", "/new:/a:/a"), "/new:/a:/a");
        assert_eq!(once("/usr/bin", "/x:/x:/usr/bin"), "/x:/x:/usr/bin");
        assert_eq!(
            path_adding_once(None, OsStr::new("/x:/usr/bin")),
            "/x:/usr/bin"
        );
        let change = change(Some("/usr/bin:/bin"), Some("/a:/b:/usr/bin:/bin"));
        assert_eq!(path_added(&change), ["/a", "/b"]);
    }

    #[test]
    fn path_replaced_by_the_load_comes_back_around_user_entries() {
        let state = loaded(&[("PATH", change(Some("/usr/bin:/bin"), Some("/only")))]);
        let reverted = state.revert(&env(&[("PATH", "/mine:/only:/late")]));
        assert_eq!(reverted[OsStr::new("PATH")], "/mine:/usr/bin:/bin:/late");
    }

    #[test]
    fn base_env_takes_the_load_and_the_state_out() {
        let state = loaded(&[
            ("APPENV_ROOT", change(None, Some("/srv/shop"))),
            ("DB", change(None, Some("dev"))),
        ]);
        let mut inherited = env(&[("APPENV_ROOT", "/srv/shop"), ("DB", "dev"), ("HOME", "/h")]);
        inherited.insert(VAR.into(), state.encode());
        assert_eq!(base_env(&inherited), env(&[("HOME", "/h")]));

        // A state that does not decode is dropped, the rest kept; the
        // names the hook passes never reach a program.
        let inherited = env(&[(VAR, "garbage"), ("DB", "dev"), (SHELL_VARS, "HOST PS1")]);
        assert_eq!(base_env(&inherited), env(&[("DB", "dev")]));
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
