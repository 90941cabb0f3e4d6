//! Where appenv keeps its own files (trust records, shims).

use crate::env_vars::EnvVars;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The variable appenv's data directory comes from, and its value.
pub struct DataHome<'a> {
    pub var: &'static str,
    pub value: &'a OsStr,
}

impl DataHome<'_> {
    /// `leaf` inside appenv's data directory.
    pub fn dir(&self, leaf: &str) -> PathBuf {
        let base = Path::new(self.value);
        match self.var {
            EnvVars::XDG_DATA_HOME => base.join("appenv").join(leaf),
            _ => base.join(".local/share/appenv").join(leaf),
        }
    }
}

/// `$XDG_DATA_HOME`, else `$HOME` (with `.local/share`). As the XDG spec
/// says, a relative or empty value is ignored; a relative HOME would put
/// appenv's data wherever it runs, maybe inside the app it guards.
pub fn data_home<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Option<DataHome<'a>> {
    [EnvVars::XDG_DATA_HOME, EnvVars::HOME]
        .into_iter()
        .find_map(|name| {
            let value = var(name).filter(|v| Path::new(v).is_absolute())?;
            Some(DataHome { var: name, value })
        })
}

/// Where the shims live: `shims` in appenv's data directory.
pub fn shim_dir<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Option<PathBuf> {
    data_home(var).map(|home| home.dir("shims"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(pairs: &[(&str, &str)]) -> Option<PathBuf> {
        let var = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsStr::new(*v))
        };
        data_home(var).map(|h| h.dir("x"))
    }

    #[test]
    fn xdg_then_home_ignoring_relative_values() {
        let both = [("XDG_DATA_HOME", "/data"), ("HOME", "/home/me")];
        assert_eq!(dir(&both), Some("/data/appenv/x".into()));
        let relative = [("XDG_DATA_HOME", "data"), ("HOME", "/home/me")];
        assert_eq!(
            dir(&relative),
            Some("/home/me/.local/share/appenv/x".into())
        );
        assert_eq!(dir(&[("HOME", "")]), None);
        assert_eq!(dir(&[]), None);
    }
}
