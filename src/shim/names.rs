//! Which name appenv was started under, and where the shims live.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::error::Error;
use crate::exit::ExitCode;
use crate::plan::Env;

/// Whether appenv was started under a shim's name: any name but `appenv`.
pub fn invoked_as(argv0: &OsStr) -> Option<&OsStr> {
    let name = basename(argv0);
    (!name.is_empty() && name != "appenv").then_some(name)
}

pub fn basename(path: &OsStr) -> &OsStr {
    let bytes = path.as_bytes();
    let start = bytes.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    OsStr::from_bytes(&bytes[start..])
}

/// `$XDG_DATA_HOME/appenv/shims`, else `~/.local/share/appenv/shims`. As the
/// XDG spec says, a relative or empty `XDG_DATA_HOME` is ignored.
pub fn dir<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Result<PathBuf, Error> {
    crate::xdg::shim_dir(var).ok_or_else(|| {
        Error::new(
            ExitCode::GeneralError,
            "cannot locate the shim directory: set HOME or XDG_DATA_HOME to an absolute path",
        )
    })
}

/// `var` over an environment map, for [`dir`].
pub fn env_var<'a>(env: &'a Env) -> impl Fn(&str) -> Option<&'a OsStr> + 'a {
    move |name: &str| env.get(OsStr::new(name)).map(OsString::as_os_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn invoked_as_any_name_but_appenv() {
        assert_eq!(invoked_as("appenv".as_ref()), None);
        assert_eq!(invoked_as("/usr/local/bin/appenv".as_ref()), None);
        assert_eq!(invoked_as("".as_ref()), None);
        assert_eq!(
            invoked_as("/shims/python".as_ref()),
            Some(OsStr::new("python"))
        );
        assert_eq!(invoked_as("irb".as_ref()), Some(OsStr::new("irb")));
    }

    #[test]
    fn dir_follows_xdg() {
        let var = |pairs: &[(&str, &str)]| {
            let e = env(pairs);
            dir(env_var(&e)).map_err(|e| e.message)
        };
        assert_eq!(
            var(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/me")]).unwrap(),
            Path::new("/data/appenv/shims")
        );
        for data in ["", "relative"] {
            assert_eq!(
                var(&[("XDG_DATA_HOME", data), ("HOME", "/home/me")]).unwrap(),
                Path::new("/home/me/.local/share/appenv/shims")
            );
        }
        assert!(var(&[("HOME", "relative")]).is_err());
    }
}
