//! What a plan says about itself, as data for the commands to show: never a
//! value. A note is told where it is (`file:line` or `appenv.toml`), the
//! variable it is about and what happened.

use std::fmt;

use super::Source;
use crate::dotenv::Substitution;
use crate::text::sanitize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where the variable was set: a file and line, or `[env.vars]`.
    pub source: Source,
    pub name: String,
    pub kind: NoteKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteKind {
    /// A `$` in the value that yields nothing or stops short.
    Substitution(Substitution),
    /// The value set here for the framework's environment variable gave way
    /// to the environment name, spelt as the variable wants it.
    NameWins { env: String, spelt: String },
    /// A `.envrc` line appenv cannot follow without running it, and why:
    /// the whole file is then ignored (the note names no variable).
    EnvrcIgnored(&'static str),
    /// A version file pins an interpreter (the note's name is the tool and
    /// the version) that none of these managers, which keep versions of
    /// it here, installed: PATH is left alone.
    NotInstalled { managers: Vec<&'static str> },
    /// A version file names no version appenv can look up (an alias such
    /// as `lts/*`, a path): PATH is left alone.
    NoVersion,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let NoteKind::EnvrcIgnored(why) = &self.kind {
            return write!(
                f,
                "{}: appenv cannot follow this line without running it ({why}), so it ignores the whole .envrc",
                self.source
            );
        }
        let name = sanitize(&self.name);
        write!(f, "{}: {name}: ", self.source)?;
        match &self.kind {
            NoteKind::Substitution(kind) => kind.fmt(f),
            NoteKind::EnvrcIgnored(_) => Ok(()),
            NoteKind::NotInstalled { managers } => {
                let by = match managers.split_last() {
                    None => String::new(),
                    Some((last, [])) => format!(" by {last}"),
                    Some((last, rest)) => format!(" by {} or {last}", rest.join(", ")),
                };
                write!(
                    f,
                    "not installed{by}; appenv installs nothing, so PATH is left alone"
                )
            }
            NoteKind::NoVersion => f.write_str(
                "not a version appenv can look up (aliases are not resolved), so PATH is left alone",
            ),
            NoteKind::NameWins { env, spelt } => {
                let spelt = sanitize(spelt);
                write!(
                    f,
                    "set here, but the environment is '{}', so {name}={spelt} (the environment name wins over env files and [env.vars])",
                    sanitize(env)
                )
            }
        }
    }
}

/// A variable that the app's files set and the caller's environment
/// shadows: the caller's value wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadowed {
    pub name: String,
    /// The last file line (or `[env.vars]`) that sets it.
    pub source: Source,
}
