//! `APPENV_TRUSTED_DIRS`: trees whose apps are trusted without `appenv allow`,
//! for CI, containers and servers, where nobody is there to run it.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use camino::{Utf8Path, Utf8PathBuf};

/// The entry of `value` (the variable's value) that the canonical `root` is at
/// or below. Entries are compared canonically and by whole components
/// (`Path::starts_with`, so `/srv/app` does not cover `/srv/application`);
/// empty and relative entries are ignored (relative ones would depend on the
/// working directory, see [`relative`]), and so are entries that do not
/// exist, since no existing root can be below them.
pub fn covering(root: &Utf8Path, value: Option<&OsStr>) -> Option<Utf8PathBuf> {
    entries(value?)
        .filter(|entry| entry.is_absolute())
        .filter_map(|entry| entry.canonicalize().ok())
        .find(|dir| root.as_std_path().starts_with(dir))
        .and_then(|dir| Utf8PathBuf::from_path_buf(dir).ok())
}

/// The entries that are ignored because they are relative, for a warning.
pub fn relative(value: Option<&OsStr>) -> Vec<&Path> {
    value
        .map(|value| {
            entries(value)
                .filter(|entry| !entry.as_os_str().is_empty() && !entry.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

fn entries(value: &OsStr) -> impl Iterator<Item = &Path> {
    value
        .as_bytes()
        .split(|&byte| byte == b':')
        .map(|entry| Path::new(OsStr::from_bytes(entry)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_entries_are_reported_and_empty_ones_are_not() {
        let value = OsStr::new("/srv:app::./x:/builds");
        assert_eq!(relative(Some(value)), [Path::new("app"), Path::new("./x")]);
        assert!(relative(None).is_empty());
        assert_eq!(covering("/srv/x".into(), Some(OsStr::new("app"))), None);
    }
}
