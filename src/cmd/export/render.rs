//! What `appenv export` prints: for a shell, the code `crate::shell`
//! writes; for editors, JSON.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::{Map, Value};

use super::{Format, dirs};
use crate::shell::Export;

/// What the shell gets: the variables to change, and what its hook checks
/// at the next prompt.
pub(super) fn render<P: AsRef<Utf8Path>>(
    format: Format,
    updates: &BTreeMap<OsString, Option<OsString>>,
    left: &[OsString],
    names: &[&str],
    (present, absent): (&[P], &[P]),
    dirs: &[Utf8PathBuf],
) -> Vec<u8> {
    let Format::Shell(shell) = format else {
        return render_json(updates);
    };
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
