//! What `appenv export` prints: for a shell, the code `crate::shell`
//! writes; for editors, JSON.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::{Map, Value};

use super::{Format, dirs};
use crate::env_vars::EnvVars;
use crate::hook_state::{self, HookState};
use crate::shell::{Export, Shell};

/// What the shell gets: the variables to change, and what its hook checks
/// at the next prompt.
pub(super) fn render<P: AsRef<Utf8Path>>(
    format: Format,
    updates: &BTreeMap<OsString, Option<OsString>>,
    left: &[OsString],
    names: &[&str],
    (present, absent): (&[P], &[P]),
    dirs: &[Utf8PathBuf],
    unload: Option<&HookState>,
) -> Vec<u8> {
    let shell = match format {
        Format::Shell(shell) => shell,
        Format::Json => return render_json(updates),
        Format::Gha => return super::gha::env_lines(updates),
    };
    let mut out = export(shell, updates, left, names, (present, absent), dirs);
    if let Some(state) = unload {
        push_unload(shell, state, &mut out);
    }
    out
}

/// The code that takes `state`'s load back out without appenv (see
/// [`crate::shell::Shell::unload`]): every variable but PATH to its value
/// before, PATH by taking the load's entries out, the state unset.
fn push_unload(shell: Shell, state: &HookState, out: &mut Vec<u8>) {
    let mut vars: Vec<(&str, Option<&[u8]>)> = Vec::new();
    let mut left = Vec::new();
    if state.is_loaded() {
        for (name, change) in &state.changes {
            let Some(name) = name.to_str() else { continue };
            // Where the hook has a tidy step, PATH loses only the load's
            // entries; elsewhere it gets its value from before.
            if name == EnvVars::PATH && shell.has_tidy() {
                left = hook_state::path_added(change);
                continue;
            }
            if shell.keeps(name) || !Shell::is_valid_name(name) {
                continue;
            }
            vars.push((name, change.before.as_ref().map(|v| v.as_bytes())));
        }
        vars.push((EnvVars::APPENV_STATE, None));
    }
    let left: Vec<&[u8]> = left.iter().map(|e| e.as_bytes()).collect();
    shell.unload(&vars, &left, out);
}

fn export<P: AsRef<Utf8Path>>(
    shell: Shell,
    updates: &BTreeMap<OsString, Option<OsString>>,
    left: &[OsString],
    names: &[&str],
    (present, absent): (&[P], &[P]),
    dirs: &[Utf8PathBuf],
) -> Vec<u8> {
    let watched = dirs::every_path(present, absent, dirs);
    fn bytes<P: AsRef<Utf8Path>>(paths: &[P]) -> Vec<&[u8]> {
        paths
            .iter()
            .map(|p| p.as_ref().as_str().as_bytes())
            .collect()
    }
    shell.export(&Export {
        // Every name here passed `can_set`, which holds only valid names.
        vars: updates
            .iter()
            .map(|(name, value)| {
                let name = name.to_str().unwrap_or_default();
                (name, value.as_ref().map(|v| v.as_bytes()))
            })
            .collect(),
        left: left.iter().map(|e| e.as_bytes()).collect(),
        names: names.iter().map(|n| n.as_bytes()).collect(),
        present: bytes(present),
        absent: bytes(absent),
        watched: watched.iter().map(|p| p.as_str().as_bytes()).collect(),
    })
}

/// A map of name → new value, `null` for a variable to unset.
fn render_json(updates: &BTreeMap<OsString, Option<OsString>>) -> Vec<u8> {
    let map: Map<String, Value> = updates
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Some(v) => Value::String(v.to_string_lossy().into_owned()),
                None => Value::Null,
            };
            (name.to_string_lossy().into_owned(), value)
        })
        .collect();
    let mut out = serde_json::to_vec(&map).unwrap_or_else(|_| b"{}".to_vec());
    out.push(b'\n');
    out
}
