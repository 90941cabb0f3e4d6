//! The user's own settings, `$XDG_CONFIG_HOME/appenv/config.toml` (default
//! `~/.config/appenv/config.toml`): what a user sets once for every app.
//!
//! ```toml
//! trusted_dirs = ["~/work/ci"]   # as APPENV_TRUSTED_DIRS
//! quiet = true                   # as APPENV_QUIET=1
//! ignore = ["~", "~/scratch/**"] # roots the shell hook leaves alone
//! ```
//!
//! Parsing is pure (bytes and the HOME that `~` stands for); the file is
//! read once per run, by the command's context. The environment variables
//! still win over it.

use std::ffi::OsStr;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;

use crate::config::ConfigError;
use crate::env_vars::EnvVars;
use crate::text::line_of;

/// The file's name in appenv's config directory.
pub const FILE: &str = "config.toml";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserConfig {
    /// Absolute directories, `~` expanded.
    pub trusted_dirs: Vec<Utf8PathBuf>,
    pub quiet: Option<bool>,
    pub ignore: Vec<Ignored>,
}

/// A root the shell hook leaves alone: that directory only, or with `/**`
/// that directory and every one below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    pub dir: Utf8PathBuf,
    pub below: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    trusted_dirs: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
    #[serde(default)]
    quiet: Option<bool>,
    #[serde(default)]
    ignore: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
}

impl UserConfig {
    /// Where the file is: `$XDG_CONFIG_HOME/appenv/config.toml`, else
    /// `$HOME/.config/appenv/config.toml`; relative values are ignored, as
    /// the XDG spec says.
    pub fn path<'a>(var: impl Fn(&str) -> Option<&'a OsStr>) -> Option<Utf8PathBuf> {
        let absolute = |name: &str| {
            var(name)
                .and_then(OsStr::to_str)
                .filter(|v| v.starts_with('/'))
        };
        match absolute(EnvVars::XDG_CONFIG_HOME) {
            Some(dir) => Some(Utf8Path::new(dir).join("appenv").join(FILE)),
            None => absolute(EnvVars::HOME)
                .map(|home| Utf8Path::new(home).join(".config/appenv").join(FILE)),
        }
    }

    /// Parses the file's bytes; `path` names it in errors, `home` is what
    /// `~` stands for.
    pub fn parse(path: &Utf8Path, bytes: &[u8], home: Option<&str>) -> Result<Self, ConfigError> {
        let fail = |offset: Option<usize>, message: String| ConfigError {
            path: path.to_owned(),
            line: offset.map(|o| line_of(bytes, o)),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| fail(Some(e.valid_up_to()), "not valid UTF-8".into()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let skipped = bytes.len() - text.len();
        let raw: Raw = toml::from_str(text).map_err(|e| {
            fail(
                e.span().map(|s| s.start + skipped),
                crate::text::sanitize(e.message().trim_end()),
            )
        })?;
        let dirs = |key: &str, list: Option<toml::Spanned<Vec<toml::Spanned<String>>>>| {
            let mut out = Vec::new();
            for entry in list.map(toml::Spanned::into_inner).unwrap_or_default() {
                let at = entry.span().start + skipped;
                let dir = expand(entry.get_ref(), home)
                    .map_err(|problem| fail(Some(at), format!("{key}: {problem}")))?;
                if key == "trusted_dirs" && dir.as_str().contains(':') {
                    return Err(fail(Some(at), format!("{key}: an entry may not hold ':'")));
                }
                out.push(dir);
            }
            Ok(out)
        };
        let trusted_dirs = dirs("trusted_dirs", raw.trusted_dirs)?;
        let ignore = dirs("ignore", raw.ignore)?
            .into_iter()
            .map(|dir| match dir.as_str().strip_suffix("/**") {
                Some(top) => Ignored {
                    dir: if top.is_empty() {
                        "/".into()
                    } else {
                        top.into()
                    },
                    below: true,
                },
                None => Ignored { dir, below: false },
            })
            .collect();
        Ok(UserConfig {
            trusted_dirs,
            quiet: raw.quiet,
            ignore,
        })
    }

    /// `trusted_dirs` as `APPENV_TRUSTED_DIRS` would hold them.
    pub fn trusted_dirs_value(&self) -> Option<String> {
        (!self.trusted_dirs.is_empty()).then(|| {
            let dirs: Vec<&str> = self.trusted_dirs.iter().map(|d| d.as_str()).collect();
            dirs.join(":")
        })
    }

    /// Whether the shell hook leaves the app at `root` alone. `root` is
    /// compared as given and canonical, by whole components.
    pub fn ignores(&self, root: &Utf8Path) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let canonical = root.canonicalize_utf8().ok();
        let paths = std::iter::once(root).chain(canonical.as_deref());
        paths.into_iter().any(|path| {
            self.ignore.iter().any(|entry| {
                let dir = entry.dir.as_path();
                let canon = dir.canonicalize_utf8().ok();
                let same = |d: &Utf8Path| match entry.below {
                    true => path.starts_with(d),
                    false => path == d,
                };
                same(dir) || canon.as_deref().is_some_and(same)
            })
        })
    }
}

/// `~` and `~/…` expanded with `home`; the result must be absolute.
fn expand(entry: &str, home: Option<&str>) -> Result<Utf8PathBuf, String> {
    let expanded = match entry.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => match home {
            Some(home) => format!("{}{rest}", home.trim_end_matches('/')),
            None => return Err("'~' needs HOME to be set to an absolute path".into()),
        },
        _ => entry.to_owned(),
    };
    if !expanded.starts_with('/') {
        return Err("entries must be absolute paths (or start with '~/')".into());
    }
    let trimmed = expanded.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// Reads the user's config as `env` locates it: none when there is no file.
pub fn read(env: &crate::plan::Env) -> Result<UserConfig, ConfigError> {
    let var = |name: &str| env.get(OsStr::new(name)).map(|v| v.as_os_str());
    let Some(path) = UserConfig::path(var) else {
        return Ok(UserConfig::default());
    };
    let home = var(EnvVars::HOME)
        .and_then(OsStr::to_str)
        .filter(|h| h.starts_with('/'));
    if !path.parent().is_some_and(is_dir) {
        return Ok(UserConfig::default());
    }
    match crate::input::read_file(
        &path,
        crate::input::Kind::Other {
            limit: crate::input::MAX_CONFIG,
        },
    ) {
        Ok(Some(bytes)) => UserConfig::parse(&path, &bytes, home),
        Ok(None) => Ok(UserConfig::default()),
        Err(e) => Err(ConfigError {
            path,
            line: None,
            message: e.problem_text(),
        }),
    }
}

/// Whether `dir` is a directory (symlinks followed). By `stat(2)` itself:
/// std's first failing `statx` costs a second call, to learn whether the
/// kernel has `statx` at all.
fn is_dir(dir: &Utf8Path) -> bool {
    use nix::sys::stat::SFlag;
    nix::sys::stat::stat(dir.as_std_path())
        .is_ok_and(|stat| SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT == SFlag::S_IFDIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<UserConfig, String> {
        UserConfig::parse(
            Utf8Path::new("config.toml"),
            text.as_bytes(),
            Some("/home/me"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn reads_every_key_with_tilde_expanded() {
        let config = parse(
            "trusted_dirs = [\"~/ci\", \"/srv\"]\nquiet = true\nignore = [\"~\", \"~/scratch/**\", \"/**\"]\n",
        )
        .unwrap();
        assert_eq!(
            config.trusted_dirs_value().as_deref(),
            Some("/home/me/ci:/srv")
        );
        assert_eq!(config.quiet, Some(true));
        assert_eq!(
            config.ignore,
            [
                Ignored {
                    dir: "/home/me".into(),
                    below: false
                },
                Ignored {
                    dir: "/home/me/scratch".into(),
                    below: true
                },
                Ignored {
                    dir: "/".into(),
                    below: true
                },
            ]
        );
        assert_eq!(parse("").unwrap(), UserConfig::default());
    }

    #[test]
    fn errors_name_the_file_and_line_never_a_value() {
        let err = parse("quiet = true\nignore = [\"relative/dir\"]\n").unwrap_err();
        assert_eq!(
            err,
            "config.toml:2: ignore: entries must be absolute paths (or start with '~/')"
        );
        let err = parse("quiet = true\nqiet = \"s3cret\"\n").unwrap_err();
        assert!(
            err.starts_with("config.toml:2: unknown field `qiet`"),
            "{err}"
        );
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse("quiet = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("config.toml:1: "), "{err}");
        let err = UserConfig::parse(Utf8Path::new("c"), b"ignore = [\"~\"]\n", None).unwrap_err();
        assert!(err.to_string().contains("needs HOME"), "{err}");
    }

    #[test]
    fn ignores_exact_directories_or_whole_subtrees_by_component() {
        let config = parse("ignore = [\"~\", \"/srv/tmp/**\"]\n").unwrap();
        assert!(config.ignores(Utf8Path::new("/home/me")));
        assert!(config.ignores(Utf8Path::new("/home/me/")));
        assert!(!config.ignores(Utf8Path::new("/home/me/project")));
        assert!(config.ignores(Utf8Path::new("/srv/tmp")));
        assert!(config.ignores(Utf8Path::new("/srv/tmp/a/b")));
        assert!(!config.ignores(Utf8Path::new("/srv/tmpfoo")));
    }

    #[test]
    fn the_file_is_under_xdg_config_home_else_home() {
        let find = |pairs: &[(&str, &str)]| {
            UserConfig::path(|name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsStr::new(*v))
            })
        };
        assert_eq!(
            find(&[("XDG_CONFIG_HOME", "/cfg"), ("HOME", "/h")]),
            Some("/cfg/appenv/config.toml".into())
        );
        assert_eq!(
            find(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")]),
            Some("/h/.config/appenv/config.toml".into())
        );
        assert_eq!(find(&[]), None);
    }
}
