//! PATH as a list of entries: what a load added, how to take exactly that
//! back out when the user edited PATH in between, and how to add an entry
//! only once.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use super::Change;

/// PATH after the user edited it under a load: `now` without the entries
/// the load added (each once, so a directory the user also had stays), and
/// with the entries the load dropped put back where the load's were.
pub(super) fn revert_path(before: Option<&OsStr>, after: &OsStr, now: &OsStr) -> OsString {
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
    let mut left: HashMap<&[u8], usize> = HashMap::new();
    for entry in &before {
        *left.entry(entry).or_default() += 1;
    }
    let had: HashSet<&[u8]> = before.iter().copied().collect();
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

/// `path` without any of `drop`: the PATH a shell had before an app's
/// isolation entries came in, when it inherited them from a load in its
/// parent (a tmux window, which passes PATH on but not the hook's state).
/// Leaving the app then takes them out too, since they are the app's.
pub fn path_without(path: &OsStr, drop: &[&OsStr]) -> OsString {
    let kept: Vec<&[u8]> = entries(path)
        .into_iter()
        .filter(|entry| !drop.iter().any(|d| d.as_bytes() == *entry))
        .collect();
    OsString::from_vec(kept.join(&b':'))
}

/// `path` with each of `once` kept at its first place only: a load's PATH
/// puts the app's entries first, in front of an inherited copy.
pub fn path_without_repeats(path: &OsStr, once: &[&OsStr]) -> OsString {
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let kept: Vec<&[u8]> = entries(path)
        .into_iter()
        .filter(|entry| !once.iter().any(|o| o.as_bytes() == *entry) || seen.insert(entry))
        .collect();
    OsString::from_vec(kept.join(&b':'))
}

/// The entries a load added (`old`) that PATH set to `new` no longer holds
/// (each once: an entry the user had twice keeps its other place).
pub fn path_taken_out(old: &Change, new: Option<&OsStr>) -> Vec<OsString> {
    let mut now = new.map(entries).unwrap_or_default();
    path_added(old)
        .into_iter()
        .filter(
            |entry| match now.iter().position(|e| *e == entry.as_bytes()) {
                Some(at) => {
                    now.remove(at);
                    false
                }
                None => true,
            },
        )
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

#[cfg(test)]
mod tests {
    use super::super::tests::change;
    use super::*;

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
        let out = |new: Option<&str>| path_taken_out(&change, new.map(OsStr::new));
        assert_eq!(out(Some("/b:/usr/bin:/bin")), ["/a"]);
        assert_eq!(out(Some("")), ["/a", "/b"]);
        assert_eq!(out(None), ["/a", "/b"]);
    }

    #[test]
    fn path_without_drops_every_copy_of_the_entries_and_only_those() {
        let drop = [
            OsStr::new("/app/.venv/bin"),
            OsStr::new("/app/node_modules/.bin"),
        ];
        let without = |path: &str| path_without(OsStr::new(path), &drop);
        assert_eq!(
            without("/app/.venv/bin:/usr/bin:/app/.venv/bin:/bin"),
            "/usr/bin:/bin"
        );
        assert_eq!(
            without("/app/.venv/bin2:/usr/bin"),
            "/app/.venv/bin2:/usr/bin"
        );
        assert_eq!(without("/app/node_modules/.bin"), "");
        assert_eq!(without(""), "");
        let first = |path: &str| path_without_repeats(OsStr::new(path), &drop);
        assert_eq!(
            first("/app/.venv/bin:/usr/bin:/app/.venv/bin:/x:/x"),
            "/app/.venv/bin:/usr/bin:/x:/x"
        );
    }
}
