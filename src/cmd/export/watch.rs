//! What the hook compares with its stamp at each prompt: the paths whose
//! change can change what `appenv export` would say.

use camino::{Utf8Path, Utf8PathBuf};

use super::Context;
use crate::plan::Plan;
use crate::trust::TrustStore;
use crate::{config, procfile};

/// What the hook compares with its stamp at each prompt.
#[derive(Default)]
pub(super) struct Watch(pub(super) Vec<Utf8PathBuf>);

impl Watch {
    fn add(&mut self, path: &Utf8Path) {
        if !self.0.iter().any(|p| p == path) {
            self.0.push(path.to_owned());
        }
    }

    /// `start` and the directories above it up to `top`, or to `/`: a new
    /// `.env` or `appenv.toml` in any of them can change the root.
    pub(super) fn dirs(&mut self, start: &Utf8Path, top: Option<&Utf8Path>) {
        for dir in start.ancestors() {
            self.add(dir);
            if Some(dir) == top {
                break;
            }
        }
    }

    /// The files at the root that can feed a plan, whatever the plan says
    /// (a `.env` with a syntax error has no plan, and is being edited).
    pub(super) fn root_files(&mut self, root: &Utf8Path) {
        let Ok(entries) = root.read_dir_utf8() else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name == config::FILE_NAME || name == procfile::FILE_NAME || name.starts_with(".env")
            {
                self.add(entry.path());
            }
        }
    }

    /// The files that feed the plan, and the directories holding them, where
    /// a missing one would appear.
    pub(super) fn inputs(&mut self, plan: &Plan) {
        for input in plan.inputs() {
            if let Some(dir) = input.parent() {
                self.add(dir);
            }
            if input.exists() {
                self.add(&input);
            }
        }
    }

    /// The trust store, so that `appenv allow` and `deny` take effect at the
    /// next prompt. Before the first allow it does not exist: then the
    /// nearest directory above it that does.
    pub(super) fn trust_store(&mut self, ctx: &Context) {
        let Ok(store) = TrustStore::from_env(&ctx.base) else {
            return;
        };
        if let Some(dir) = store.path().ancestors().find(|dir| dir.is_dir()) {
            self.add(dir);
        }
    }
}
