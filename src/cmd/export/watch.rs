//! What the hook checks at each prompt: the paths whose change can change
//! what `appenv export` would say. The directories from the working
//! directory up are not among them: the hook looks for the names that can
//! make a root there itself, so a directory whose time changes for other
//! reasons (HOME under a shared history file, /tmp) costs nothing.

use std::collections::HashSet;

use camino::{Utf8Path, Utf8PathBuf};

use super::Context;
use crate::input::Inputs;
use crate::isolation;
use crate::markers;
use crate::plan::Plan;
use crate::root::{Reason, Root};
use crate::trust::{AppFiles, TrustStore};

/// What the hook checks at each prompt, besides the names that can make a
/// root, which it looks for itself in the working directory and above.
#[derive(Default)]
pub(super) struct Watch {
    /// Paths that exist: changed when one is gone or not older than the
    /// stamp.
    pub(super) present: Vec<Utf8PathBuf>,
    /// Paths that do not exist: changed when one appears.
    pub(super) absent: Vec<Utf8PathBuf>,
    /// The names whose appearance in the working directory or above could
    /// make another root.
    pub(super) names: Vec<&'static str>,
    /// Why the root is the root, when there is one.
    pub(super) reason: Option<Reason>,
    /// What else the answer depends on, which the hook does not watch but
    /// a fingerprint of the answer must (see `fingerprint.rs`).
    pub(super) extra: Vec<Utf8PathBuf>,
    /// Whether `present`, `absent` and `extra` are all the answer depends
    /// on (besides the root and the environment): without it, no
    /// fingerprint is kept.
    pub(super) complete: bool,
    /// Whether the answer depends on the working directory through `PWD`
    /// or `OLDPWD`.
    pub(super) by_cwd: bool,
    seen: HashSet<Utf8PathBuf>,
}

impl Watch {
    /// Watches for the names that could make another root than `found`:
    /// past an `appenv.toml` only a nearer one; past a `Procfile` or `.env`
    /// those and an `appenv.toml`; past a marker or nothing, every name.
    pub(super) fn new(found: Option<&Root>) -> Watch {
        let mut names = vec!["appenv.toml"];
        match found.map(|root| root.reason) {
            Some(Reason::Config) => {}
            Some(Reason::Procfile | Reason::DotEnv | Reason::Envrc) => {
                names.extend(["Procfile", ".env", ".envrc"])
            }
            Some(Reason::Marker(_)) | None => {
                names.extend(["Procfile", ".env", ".envrc"]);
                names.extend(markers::ROOT);
            }
        }
        Watch {
            names,
            reason: found.map(|root| root.reason),
            complete: found.is_some(),
            ..Watch::default()
        }
    }

    fn add(&mut self, path: &Utf8Path) {
        if self.seen.insert(path.to_owned()) {
            self.present.push(path.to_owned());
        }
    }

    fn add_absent(&mut self, path: &Utf8Path) {
        if self.seen.insert(path.to_owned()) {
            self.absent.push(path.to_owned());
        }
    }

    /// `path` as it is now: watched if there, else for its appearance.
    fn add_as_found(&mut self, path: &Utf8Path) {
        if path.symlink_metadata().is_ok() {
            self.add(path);
        } else {
            self.add_absent(path);
        }
    }

    /// The files at the root that can feed a plan, whatever the plan says
    /// (a `.env` with a syntax error has no plan, and is being edited):
    /// those of [`crate::input::ALWAYS`] that are there, as trust counts them.
    pub(super) fn root_files(&mut self, root: &Utf8Path) {
        if let Ok(inputs) = Inputs::open(root) {
            self.root_files_in(root, &inputs);
        }
    }

    /// [`Watch::root_files`] from a root already opened and listed (a
    /// plan's), so it is not listed again.
    pub(super) fn root_files_in(&mut self, root: &Utf8Path, inputs: &Inputs) {
        let (Ok(listing), Ok(names)) = (inputs.listing(), inputs.always()) else {
            return;
        };
        for name in names.iter().filter(|name| listing.contains(name.as_ref())) {
            self.add(&root.join(name));
        }
    }

    /// The files that feed the plan, and the directories holding them, where
    /// a missing one would appear.
    pub(super) fn inputs(&mut self, plan: &Plan) {
        for input in plan.input_paths() {
            if let Some(dir) = input.parent() {
                self.add(dir);
            }
            if input.exists() {
                self.add(&input);
            }
        }
        // What the `.envrc` watches with `watch_file`, as direnv's hook does.
        for file in &plan.watched {
            self.add_as_found(file);
        }
    }

    /// The version managers' directories a pinned interpreter was looked
    /// for in: an install there (a new entry) can answer a pin that found
    /// nothing, or a prefix with a higher version.
    pub(super) fn interpreters(&mut self, plan: &Plan) {
        for dir in plan.interpreters.iter().flat_map(|p| &p.looked) {
            self.add_as_found(dir);
        }
    }

    /// For a workspace member, the top's files that trust covers (an edit
    /// to any of them revokes the member, as one of the root's would) and
    /// the file that declares the member: without it, the root is another.
    pub(super) fn shared(&mut self, plan: &Plan) {
        let (Some(shared), Some(workspace)) = (&plan.shared, &plan.root.workspace) else {
            return;
        };
        if let Ok(app) = AppFiles::cover(&plan.inputs, &shared.covered) {
            let at_top = app.files.iter().filter(|(name, digest)| {
                digest.is_some() && name.starts_with(shared.prefix.as_str())
            });
            for (name, _) in at_top {
                self.add(&plan.path_of(name));
            }
        }
        self.add(&workspace.top.join(workspace.tool.file()));
    }

    /// What the plan's answer read besides its files, for a fingerprint:
    /// every name isolation looked for (asked again through the same
    /// detection, so the list cannot drift from it) with the directories
    /// between it and the root, `bin/` (where the framework markers
    /// `bin/rails` and `bin/console` are), and the trust record. `[env]
    /// files` may name any file by a template: then no list is complete.
    pub(super) fn extra(&mut self, plan: &Plan, ctx: &Context) {
        if !crate::trust::config_files(plan.config.as_ref()).is_empty() {
            self.complete = false;
            return;
        }
        let root = &plan.root.dir;
        let looked = std::cell::RefCell::new(vec!["bin".to_owned()]);
        let by_path = markers::by_path(root);
        let kind = |name: &str, follow: bool| {
            looked.borrow_mut().push(name.to_owned());
            markers::Names::kind(&by_path, name, follow)
        };
        let look = markers::Looking(kind, |dir: &str| markers::Names::list(&by_path, dir));
        let top = plan
            .shared
            .as_ref()
            .map(crate::plan::workspace::Shared::top);
        isolation::detect_in(
            root,
            plan.config.as_ref(),
            plan.procfile.as_ref(),
            &look,
            top,
        );
        for name in looked.into_inner() {
            let mut path = Utf8Path::new(&name);
            loop {
                let full = root.join(path);
                if !self.extra.contains(&full) && !self.seen.contains(&full) {
                    self.extra.push(full);
                }
                match path.parent() {
                    Some(parent) if !parent.as_str().is_empty() => path = parent,
                    _ => break,
                }
            }
        }
        if plan.trusted_dir.is_none() {
            if let Ok(store) = TrustStore::from_env(&ctx.base) {
                self.extra.push(store.record_path(plan.inputs.canonical()));
            }
        }
    }

    /// The trust store, so that `appenv allow` and `deny` take effect at the
    /// next prompt, and deleting the whole store too. Before the first allow
    /// it does not exist: then its appearance.
    pub(super) fn trust_store(&mut self, ctx: &Context) {
        let Ok(store) = TrustStore::from_env(&ctx.base) else {
            return;
        };
        self.add_as_found(store.path());
    }
}
