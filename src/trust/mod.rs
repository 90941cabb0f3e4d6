//! Trust: nothing from an app root is used until its owner runs `appenv allow`.
//!
//! An env file or config is code (`PATH`, `LD_PRELOAD`, a prefix, a task), so a root is
//! trusted only while every file that can feed its plan hashes as it did when it was
//! allowed. `APPENV_TRUSTED_DIRS` trusts whole trees instead, for CI, containers and
//! servers, where nobody is there to run `appenv allow`.

mod files;

pub use files::{AppFiles, Digest};

use std::borrow::Cow;
use std::path::PathBuf;
use std::{fmt, io};

use camino::{Utf8Path, Utf8PathBuf};

#[derive(Debug)]
pub enum TrustError {
    /// Neither `XDG_DATA_HOME` nor `HOME` gives an absolute path.
    NoStore,
    NotUtf8 {
        what: &'static str,
        path: PathBuf,
    },
    Io {
        action: &'static str,
        path: Utf8PathBuf,
        source: io::Error,
    },
}

impl TrustError {
    /// For `map_err`: `.map_err(TrustError::io("read", path))`.
    fn io(action: &'static str, path: &Utf8Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

impl fmt::Display for TrustError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStore => f.write_str(
                "cannot locate the trust store: set HOME or XDG_DATA_HOME to an absolute path",
            ),
            Self::NotUtf8 { what, path } => {
                write!(
                    f,
                    "{what} is not UTF-8: {}",
                    escape(&path.to_string_lossy())
                )
            }
            Self::Io {
                action,
                path,
                source,
            } => {
                write!(f, "could not {action} {}: {source}", escape(path.as_str()))
            }
        }
    }
}

impl std::error::Error for TrustError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `text` with control characters and bidi overrides escaped, so that a hostile file
/// name cannot move the cursor or reorder what the terminal shows.
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}
