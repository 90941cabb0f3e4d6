//! A workspace member's shared files: the workspace top's env files, layered
//! beneath the member's own. They are read through the member's opened root
//! by a path relative to it (`../../.env`), so that they are read once,
//! their digests go with the plan's, and trust covers them like the
//! member's own files.

use camino::{Utf8Path, Utf8PathBuf};

use super::{DEFAULT_FILES, Error};
use crate::config::{self, Config};
use crate::input::{self, Inputs, TEMPLATE};
use crate::root::{Root, Workspace};

/// The workspace top as the member's plan reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub workspace: Workspace,
    /// How a name at the top is named from the member's root: `../..`, or
    /// the top's own path when `..` from the root does not lead there (a
    /// member reached through a symlink).
    pub prefix: String,
    /// The top's env files, lowest first, as the member reads them: those
    /// its `appenv.toml` names, else the default list (`../../.env`, …).
    pub files: Vec<String>,
    /// What trust covers at the top: its `appenv.toml` (which chooses the
    /// files), `.env`, every `.env.*`, and the `[env] files` it names.
    pub covered: Vec<String>,
}

impl Shared {
    /// The top, as isolation looks at it from the member.
    pub fn top(&self) -> crate::isolation::Top<'_> {
        crate::isolation::Top {
            prefix: &self.prefix,
            dir: &self.workspace.top,
        }
    }
}

/// How the member at `root` reaches its workspace top, with the top's
/// canonical path, without reading anything: `None` when it is no member.
pub fn reach(root: &Root, inputs: &Inputs) -> Option<(String, Utf8PathBuf)> {
    let workspace = root.workspace.as_ref()?;
    let depth = root
        .dir
        .strip_prefix(&workspace.top)
        .map_or(0, |rel| rel.components().count());
    let up = vec![".."; depth].join("/");
    let top = inputs.dir_above(workspace.top.as_str());
    let physical = inputs.dir_above(&up);
    if depth > 0 && top.is_some() && top == physical {
        let canonical = inputs
            .canonical()
            .ancestors()
            .nth(depth)
            .unwrap_or(Utf8Path::new("/"))
            .to_owned();
        return Some((up, canonical));
    }
    let canonical = workspace
        .top
        .canonicalize_utf8()
        .unwrap_or_else(|_| workspace.top.clone());
    Some((workspace.top.to_string(), canonical))
}

/// The member's shared files, reading the top's `appenv.toml` through
/// `inputs` (so its digest is recorded): `prefix` from [`reach`]. A top
/// owned by another user is refused as the root would be.
pub fn shared(root: &Root, prefix: String, inputs: &mut Inputs) -> Result<Option<Shared>, Error> {
    let Some(workspace) = root.workspace.clone() else {
        return Ok(None);
    };
    inputs.check_dir_owner(&prefix).map_err(Error::Input)?;
    let at = |name: &str| format!("{prefix}/{name}");
    let config_name = at(config::FILE_NAME);
    let bytes = inputs
        .read(&config_name, input::Kind::Config)
        .map_err(Error::Input)?;
    let config = match &bytes {
        Some(bytes) => {
            Some(Config::parse(Utf8Path::new(&config_name), bytes).map_err(Error::Config)?)
        }
        None => None,
    };
    let templates: Vec<String> = match config.as_ref().and_then(|c| c.env.files.as_ref()) {
        Some(files) => files.get_ref().clone(),
        None => DEFAULT_FILES.iter().map(|t| (*t).to_owned()).collect(),
    };
    let files: Vec<String> = templates.iter().map(|t| at(t)).collect();
    let mut covered = vec![config_name, at(".env"), at(&format!(".env.{TEMPLATE}"))];
    covered.extend(files.iter().cloned());
    Ok(Some(Shared {
        workspace,
        prefix,
        files,
        covered,
    }))
}
