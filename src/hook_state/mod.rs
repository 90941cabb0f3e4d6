//! What the shell hook remembers between prompts, kept in the shell's own
//! environment (one variable, `APPENV_STATE`), and how a load is taken back out.
//!
//! The state names the root the hook is at and, for every variable the load
//! changed, its value before the load and the value the load gave it (either
//! may be "unset"). With that, a load can be undone exactly — unset stays
//! unset, empty stays empty — while a value the user changed by hand since
//! the load is left alone, and PATH loses only the entries the load added.
//! How it is written is in `encode.rs`; PATH's arithmetic in `path.rs`;
//! the digest a fingerprint of an answer keeps in `digest.rs`.

mod digest;
mod encode;
mod path;

pub use digest::{Digest, Stats};
pub use encode::{Quick, encoded, quick, with_fingerprint};
pub use path::{
    path_added, path_adding_once, path_keeps_load, path_taken_out, path_without,
    path_without_repeats,
};

use crate::env_vars::EnvVars;
use crate::plan::Env;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookState {
    /// The root the hook is at: loaded, or refused with a message.
    pub root: Option<String>,
    /// The last message given while nothing is loaded.
    pub said: Option<String>,
    /// The refusals already said in this shell, by root and message (see
    /// [`Told`]): each is said once, not again at every return to the root.
    /// Kept after leaving every app, so the state then holds only this.
    pub told: Vec<Told>,
    /// What the load changed, by variable name; empty when nothing is loaded.
    pub changes: BTreeMap<OsString, Change>,
    /// What the answer that wrote this state depended on, when it could be
    /// taken: `appenv export` answers from it without resolving while it
    /// holds.
    pub seen: Option<Fingerprint>,
}

/// What an answer of `appenv export` depended on, besides the root: the
/// paths whose identity and times it was taken with, and a digest of those,
/// of the inherited environment and of the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    pub digest: u64,
    /// Why the root is the root (the name found in it): the root check
    /// must find the same again.
    pub reason: String,
    /// Whether the digest covers `PWD` and `OLDPWD`: only when the answer
    /// depends on them; otherwise a change of directory inside the app
    /// keeps the fingerprint.
    pub by_cwd: bool,
    /// The paths the hook watches that exist, and those that do not (as
    /// the answer gave them to the shell).
    pub watch: Vec<String>,
    pub absent: Vec<String>,
    /// Other paths the answer depended on (what isolation looked for, the
    /// trust record).
    pub extra: Vec<String>,
    /// The names the load left to the shell's own variables (set there
    /// without being exported): the only ones of the shell's variable
    /// names that the answer depends on.
    pub users: Vec<String>,
}

/// A refusal said in this shell: short digests of its root and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub root: u32,
    pub why: u32,
}

/// How many refusals a shell remembers having said; the oldest is said
/// again after that many others.
pub const TOLD_KEPT: usize = 32;

impl Told {
    pub fn new(root: &str, why: &str) -> Self {
        Told {
            root: short(root),
            why: short(why),
        }
    }

    /// Whether this refusal is about `root`.
    pub fn is_about(&self, root: &str) -> bool {
        self.root == short(root)
    }
}

fn short(text: &str) -> u32 {
    let digest = crate::input::sha256(text.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
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
        env.get(OsStr::new(EnvVars::APPENV_STATE))
            .and_then(|v| Self::decode(v))
    }

    pub fn is_loaded(&self) -> bool {
        !self.changes.is_empty()
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
            } else if let (true, Some(now), Some(after)) =
                (name == EnvVars::PATH, now, &change.after)
            {
                Some(path::revert_path(change.before.as_deref(), after, now))
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
    base_env_of(inherited, HookState::from_env(inherited).as_ref())
}

/// [`base_env`] with the state of `inherited` already decoded.
pub fn base_env_of(inherited: &Env, state: Option<&HookState>) -> Env {
    let mut base = match state {
        Some(state) => state.revert(inherited),
        None => inherited.clone(),
    };
    base.remove(OsStr::new(EnvVars::APPENV_STATE));
    base.remove(OsStr::new(EnvVars::APPENV_SHELL_VARS));
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    pub(super) fn change(before: Option<&str>, after: Option<&str>) -> Change {
        Change {
            before: before.map(Into::into),
            after: after.map(Into::into),
        }
    }

    pub(super) fn loaded(changes: &[(&str, Change)]) -> HookState {
        HookState {
            root: Some("/srv/shop".into()),
            said: None,
            told: Vec::new(),
            seen: None,
            changes: changes
                .iter()
                .map(|(k, c)| (OsString::from(k), c.clone()))
                .collect(),
        }
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
        inherited.insert(EnvVars::APPENV_STATE.into(), state.encode());
        assert_eq!(base_env(&inherited), env(&[("HOME", "/h")]));

        // A state that does not decode is dropped, the rest kept; the
        // names the hook passes never reach a program.
        let inherited = env(&[
            (EnvVars::APPENV_STATE, "garbage"),
            ("DB", "dev"),
            (EnvVars::APPENV_SHELL_VARS, "HOST PS1"),
        ]);
        assert_eq!(base_env(&inherited), env(&[("DB", "dev")]));
    }
}
