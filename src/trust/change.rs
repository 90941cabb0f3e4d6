//! What changed in an app since it was allowed, told by file and variable name,
//! never by value: `.env: +NEW_FLAG ~DATABASE_URL -OLD`.

use std::collections::BTreeMap;
use std::fmt;

use super::Digest;
use super::files::AppFiles;
use super::record::{FileVars, Hashes};
use crate::text::sanitize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub file: String,
    pub how: How,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// There now, not when allowed; with the variables it sets, if an env file.
    New { added: Vec<String> },
    /// There when allowed, gone now.
    Removed,
    /// Edited: the variables added, changed and removed (all empty when only
    /// comments or layout changed, or the file is not an env file).
    Edited {
        added: Vec<String>,
        changed: Vec<String>,
        removed: Vec<String>,
    },
}

/// How each of `files` (the names whose digests differ) changed.
/// `recorded` and `vars` are the allowed content compared against.
pub(super) fn describe(
    files: &[String],
    recorded: &Hashes,
    vars: FileVars,
    app: &AppFiles,
) -> Vec<FileChange> {
    let now: BTreeMap<&str, bool> = app
        .files
        .iter()
        .map(|(name, digest)| (name.as_str(), digest.is_some()))
        .collect();
    // Parsed only now (by the caller): a check that finds no change never reads them.
    files
        .iter()
        .map(|file| {
            let was = recorded.get(file).copied().flatten().is_some();
            let is = now.get(file.as_str()).copied().unwrap_or(false);
            let before = vars.get(file);
            let after = app.vars_of(file);
            let how = match (was, is) {
                (false, _) => How::New {
                    added: after
                        .map(|vars| vars.into_keys().collect())
                        .unwrap_or_default(),
                },
                (true, false) => How::Removed,
                (true, true) => match (before, after) {
                    (Some(before), Some(after)) => diff(before, &after),
                    _ => How::Edited {
                        added: Vec::new(),
                        changed: Vec::new(),
                        removed: Vec::new(),
                    },
                },
            };
            FileChange {
                file: file.clone(),
                how,
            }
        })
        .collect()
}

fn diff(before: &BTreeMap<String, Digest>, after: &BTreeMap<String, Digest>) -> How {
    let added = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect();
    let removed = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let changed = after
        .iter()
        .filter(|(k, digest)| before.get(*k).is_some_and(|old| old != *digest))
        .map(|(k, _)| k.clone())
        .collect();
    How::Edited {
        added,
        changed,
        removed,
    }
}

/// `.env: +NEW ~CHANGED -REMOVED`, `.env.staging: new file, +S`, `.env.local: removed`,
/// or just the file's name; every name sanitised.
impl fmt::Display for FileChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let marked = |mark: char, names: &[String]| -> Vec<String> {
            names
                .iter()
                .map(|n| format!("{mark}{}", sanitize(n)))
                .collect()
        };
        f.write_str(&sanitize(&self.file))?;
        match &self.how {
            How::New { added } if added.is_empty() => f.write_str(": new file"),
            How::New { added } => write!(f, ": new file, {}", marked('+', added).join(" ")),
            How::Removed => f.write_str(": removed"),
            How::Edited {
                added,
                changed,
                removed,
            } => {
                let mut words = marked('+', added);
                words.extend(marked('~', changed));
                words.extend(marked('-', removed));
                if words.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {}", words.join(" "))
                }
            }
        }
    }
}
