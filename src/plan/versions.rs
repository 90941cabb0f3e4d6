//! The interpreters the app pins (see [`crate::versions`]): its version
//! files, read through the open root like every input (only those its
//! listing holds, so an app without one costs nothing), each tool's
//! deciding pin looked up in the managers' install trees, and the `bin` of
//! what is installed put on PATH after the isolation's own entries: a
//! virtualenv's `bin` or `node_modules/.bin` stays first, and `bundle exec`
//! finds the pinned Ruby's `bundle`.

use std::ffi::OsStr;
use std::sync::Arc;

use camino::Utf8PathBuf;

use super::{Env, Error, Note, NoteKind, Source};
use crate::input::Inputs;
use crate::isolation::{Decided, Isolation};
use crate::versions::installs::{self, Install};
use crate::versions::{self, Asked, Pin};

/// One tool's pin and what appenv made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    pub pin: Pin,
    pub outcome: Outcome,
    /// The managers' directories looked in: installing there can change
    /// the answer.
    pub looked: Vec<Utf8PathBuf>,
    /// The same tool's pins in files that give way to this one's
    /// (`.python-version` to `.tool-versions`).
    pub overruled: Vec<Pin>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Installed(Install),
    /// `system`: PATH as it is.
    System,
    /// Not installed: PATH as it is. `managers`: those that keep versions
    /// of the tool here (their directory exists), none of which has this
    /// one. With none, the user manages no versions of it, and the system's
    /// interpreter is the one meant (a Rails app's `.ruby-version` on a
    /// system Ruby): nothing is said but in `explain`.
    NotInstalled {
        managers: Vec<&'static str>,
    },
    /// Not a name appenv looks up (an alias, a path): PATH as it is;
    /// `managers` as for [`Outcome::NotInstalled`].
    Unusable {
        managers: Vec<&'static str>,
    },
}

impl Pinned {
    /// The `bin` it puts on PATH, when installed.
    pub fn bin(&self) -> Option<&Utf8PathBuf> {
        match &self.outcome {
            Outcome::Installed(install) => Some(&install.bin),
            _ => None,
        }
    }

    /// Why its `bin` is on PATH, as the isolation's reason says it.
    pub fn why(&self) -> Option<String> {
        let Outcome::Installed(install) = &self.outcome else {
            return None;
        };
        Some(format!(
            "{} {} pinned by {} ({})",
            self.pin.tool, install.version, self.pin.file, install.manager
        ))
    }

    /// The source a note about it gives: the file and line.
    pub fn source(&self) -> Source {
        Source::File {
            name: Arc::from(self.pin.file),
            line: self.pin.line,
        }
    }
}

/// Reads the root's version files and finds what each tool's deciding pin
/// names; `base` gives the managers' roots (`HOME`, `PYENV_ROOT`…).
pub(super) fn find(inputs: &mut Inputs, base: &Env) -> Result<Vec<Pinned>, Error> {
    let listing = inputs.listing().map_err(Error::Input)?;
    let present: Vec<&'static str> = versions::FILES
        .into_iter()
        .filter(|name| listing.contains(OsStr::new(name)))
        .collect();
    let mut pins = Vec::new();
    for name in present {
        let bytes = inputs
            .read(name, crate::input::Kind::VersionFile)
            .map_err(Error::Input)?;
        if let Some(bytes) = bytes {
            pins.extend(versions::parse(name, &bytes));
        }
    }
    let var = |name: &str| base.get(OsStr::new(name)).cloned();
    let chosen = versions::choose(pins.iter().cloned());
    let pinned = chosen.into_iter().map(|pin| {
        let overruled = pins
            .iter()
            .filter(|other| other.tool == pin.tool && other.file != pin.file)
            .cloned()
            .collect();
        let asked = pin.asked();
        let search = match &asked {
            Asked::System => installs::Search::default(),
            Asked::Version(version) => installs::find(pin.tool, Some(version), &var),
            Asked::Unusable => installs::find(pin.tool, None, &var),
        };
        // The managers that keep versions of the tool here.
        let keeping = || {
            (search.managers.iter().zip(&search.looked))
                .filter(|(_, dir)| dir.is_dir())
                .map(|(manager, _)| *manager)
                .collect()
        };
        let outcome = match (&asked, search.found) {
            (Asked::System, _) => Outcome::System,
            (_, Some(install)) => Outcome::Installed(install),
            (Asked::Version(_), None) => Outcome::NotInstalled {
                managers: keeping(),
            },
            (Asked::Unusable, None) => Outcome::Unusable {
                managers: keeping(),
            },
        };
        let looked = search.looked;
        Pinned {
            pin,
            outcome,
            looked,
            overruled,
        }
    });
    Ok(pinned.collect())
}

/// Puts the installed interpreters' `bin`s after the isolation's PATH
/// entries (once: `[env] path` may name one already), and says of each
/// pin that changes nothing why.
pub(super) fn apply(pinned: &[Pinned], isolation: &mut Isolation, notes: &mut Vec<Note>) {
    for one in pinned {
        let Outcome::Installed(install) = &one.outcome else {
            let kind = match &one.outcome {
                Outcome::NotInstalled { managers } | Outcome::Unusable { managers }
                    if managers.is_empty() =>
                {
                    continue;
                }
                Outcome::NotInstalled { managers } => NoteKind::NotInstalled {
                    managers: managers.clone(),
                },
                Outcome::Unusable { .. } => NoteKind::NoVersion,
                Outcome::System | Outcome::Installed(_) => continue,
            };
            notes.push(Note {
                source: one.source(),
                name: format!("{} {}", one.pin.tool, shortened(&one.pin.written)),
                kind,
            });
            continue;
        };
        let why = one.why().unwrap_or_default();
        match &mut isolation.path {
            Some(path) if path.value.contains(&install.bin) => {}
            Some(path) => {
                path.value.push(install.bin.clone());
                path.reason = format!("{}, then {why}", path.reason);
            }
            None => {
                isolation.path = Some(Decided {
                    value: vec![install.bin.clone()],
                    reason: why,
                })
            }
        }
    }
}

/// At most 40 characters of what a file wrote, for a note.
fn shortened(written: &str) -> String {
    match written.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &written[..at]),
        None => written.to_owned(),
    }
}
