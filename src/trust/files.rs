//! Which files an allow covers, and their content hashes.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::sync::Arc;

use camino::{Utf8Component, Utf8Path, Utf8PathBuf};

use super::TrustError;
use crate::input::{ALWAYS, Inputs, Listing, Pattern, TEMPLATE, is_editor_file};
use crate::{config, dotenv, procfile};

pub use crate::input::Digest;

/// Every file that can feed a plan in any environment, with its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFiles {
    /// Canonical: a symlinked path to the app is the same app.
    pub root: Utf8PathBuf,
    /// Sorted by name, relative to the root. `None`: nothing appenv could load is
    /// there (see [`Inputs::peek`]).
    pub files: Vec<(String, Option<Digest>)>,
    /// Names a template matched that are not UTF-8: appenv can never load them
    /// (environment names are ASCII), so they are skipped, and `explain` says so.
    pub skipped: Vec<OsString>,
    /// The content of each env file, for telling a change by variable name.
    contents: BTreeMap<String, Arc<[u8]>>,
}

impl AppFiles {
    /// Opens `root` and collects what an allow covers, for a root without a plan.
    pub fn collect(root: &Utf8Path, extra: &[String]) -> Result<Self, TrustError> {
        let inputs = Inputs::open(root).map_err(TrustError::input)?;
        Self::cover(&inputs, extra)
    }

    /// [`ALWAYS`] (what can feed any plan from the root) plus `extra`, the `[env] files` entries with their `{env}`
    /// templates unexpanded, plus every file `inputs` has read already (with
    /// the digest of what was parsed). An entry without `{env}` is recorded even
    /// when absent, so its appearing is a change. An entry with `{env}` stands for
    /// every existing name it matches, each `{env}` matching any run of bytes
    /// within one path component (`config/{env}/.env` and `.env.{env}.json` both
    /// work), byte for byte; a new match later is a new name, hence a change.
    /// Matching more than the resolver will load only costs a spurious change;
    /// a file the resolver read is covered whether a template matches it or not.
    pub fn cover(inputs: &Inputs, extra: &[String]) -> Result<Self, TrustError> {
        let mut names = BTreeSet::new();
        let mut skipped = Vec::new();
        let root_listing = inputs.listing().map_err(TrustError::input)?;
        for entry in ALWAYS.into_iter().chain(extra.iter().map(String::as_str)) {
            names.extend(expand(inputs, root_listing, entry, &mut skipped)?);
        }
        names.extend(inputs.files().iter().map(|input| input.name.clone()));
        skipped.sort();
        skipped.dedup();
        let mut contents = BTreeMap::new();
        let files = names
            .into_iter()
            .filter(|name| !name.is_empty())
            .map(|name| {
                let content = inputs.peek(&name);
                if let Some(content) = content.as_ref().filter(|_| is_env_file(&name)) {
                    contents.insert(name.clone(), content.bytes.clone());
                }
                (name, content.map(|content| content.digest))
            })
            .collect();
        Ok(Self {
            root: inputs.canonical().to_owned(),
            files,
            skipped,
            contents,
        })
    }

    /// The variables each env file sets, with a digest of the line setting each.
    pub fn vars(&self) -> BTreeMap<String, BTreeMap<String, Digest>> {
        self.contents
            .iter()
            .map(|(name, bytes)| (name.clone(), dotenv::entry_digests(bytes)))
            .collect()
    }

    /// The variables `file` sets now, if it is an env file that is there.
    pub fn vars_of(&self, file: &str) -> Option<BTreeMap<String, Digest>> {
        self.contents
            .get(file)
            .map(|bytes| dotenv::entry_digests(bytes))
    }
}

#[cfg(test)]
impl AppFiles {
    pub(super) fn for_tests(root: Utf8PathBuf, files: Vec<(String, Option<Digest>)>) -> Self {
        Self {
            root,
            files,
            skipped: Vec::new(),
            contents: BTreeMap::new(),
        }
    }
}

fn is_env_file(name: &str) -> bool {
    // A workspace top's config is named from the member (`../../appenv.toml`).
    let file = name.rsplit('/').next().unwrap_or(name);
    file != config::FILE_NAME
        && file != procfile::FILE_NAME
        && !crate::versions::FILES.contains(&file)
}

/// The names `entry` stands for, walking its components from the root: a literal
/// component is taken as is, a templated one is matched against the directory listing.
fn expand(
    inputs: &Inputs,
    root_listing: &Listing,
    entry: &str,
    skipped: &mut Vec<OsString>,
) -> Result<Vec<String>, TrustError> {
    let mut names = vec![Utf8PathBuf::new()];
    for component in Utf8Path::new(entry).components() {
        let part = component.as_str();
        if component == Utf8Component::CurDir {
            continue;
        }
        if !part.contains(TEMPLATE) {
            names.iter_mut().for_each(|name| name.push(part));
            continue;
        }
        let mut matched = Vec::new();
        let pattern = Pattern::new(part.as_bytes());
        for name in names {
            let mut each = |child: &OsStr| {
                if !pattern.matches(child.as_encoded_bytes())
                    || is_editor_file(child.as_encoded_bytes())
                {
                    return;
                }
                // Invalid bytes can only fall inside an `{env}`, and no
                // environment name holds them: appenv never opens this file.
                match child.to_str() {
                    Some(child) => matched.push(name.join(child)),
                    None => skipped.push(name.as_std_path().join(child).into_os_string()),
                }
            };
            // The root's names are borrowed from its listing: only a match
            // costs an allocation.
            if name.as_str().is_empty() {
                root_listing.names().for_each(each);
            } else {
                let listed = inputs.list(name.as_str()).map_err(TrustError::input)?;
                listed.iter().for_each(|child| each(child));
            }
        }
        names = matched;
    }
    Ok(names.into_iter().map(Utf8PathBuf::into_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest as _, Sha256};
    use std::ffi::OsStr;
    use std::fs;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn matches(pattern: &str, name: &str) -> bool {
        crate::input::matches(pattern.as_bytes(), name.as_bytes())
    }

    use proptest::prelude::*;

    fn app() -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::try_from(tmp.path().canonicalize().unwrap()).unwrap();
        (tmp, root)
    }

    fn put(root: &Utf8Path, name: &str, content: &str) {
        let path = root.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn sha(content: &str) -> Option<Digest> {
        Some(Sha256::digest(content).into())
    }

    fn files(root: &Utf8Path, extra: &[&str]) -> Vec<(String, Option<Digest>)> {
        let extra: Vec<String> = extra.iter().map(|entry| entry.to_string()).collect();
        AppFiles::collect(root, &extra).unwrap().files
    }

    fn names(root: &Utf8Path, extra: &[&str]) -> Vec<String> {
        files(root, extra)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    #[test]
    fn covers_config_procfile_and_every_env_file_in_the_root() {
        let (_tmp, root) = app();
        put(&root, ".env", "A=1");
        put(&root, ".python-version", "3.12\n");
        for other in [
            ".env.test",
            ".env.local",
            ".env.production.local",
            ".envrc",
            // Vim's swap files and editors' backups, beside an open `.env`.
            ".env.swp",
            ".env.swx",
            ".env.test.swo",
            ".env.production~",
            "env",
            "x.env",
            "README",
        ] {
            put(&root, other, "");
        }
        assert_eq!(
            files(&root, &[]),
            [
                (".env".into(), sha("A=1")),
                (".env.local".into(), sha("")),
                (".env.production.local".into(), sha("")),
                (".env.test".into(), sha("")),
                (".envrc".into(), sha("")),
                (".node-version".into(), None),
                (".nvmrc".into(), None),
                (".python-version".into(), sha("3.12\n")),
                (".ruby-version".into(), None),
                (".tool-versions".into(), None),
                ("Procfile".into(), None),
                ("appenv.toml".into(), None),
            ]
        );
    }

    #[test]
    fn records_a_listed_file_that_is_absent_and_expands_templates_to_what_exists() {
        let (_tmp, root) = app();
        put(&root, ".env.test.json", "{}");
        put(&root, "config/staging/app.env", "B=2");
        put(&root, "config/staging/other", "");
        let extra = [
            "config/base.env",
            ".env.{env}.json",
            "config/{env}/app.env",
            "./.env",
            "nowhere/{env}",
        ];
        let collected = files(&root, &extra);
        assert!(collected.contains(&("config/base.env".into(), None)));
        assert!(collected.contains(&(".env.test.json".into(), sha("{}"))));
        assert!(collected.contains(&("config/staging/app.env".into(), sha("B=2"))));
        assert!(!names(&root, &extra).contains(&"config/staging/other".into()));
        // `./.env` is `.env`, and `.env.test.json` also matches `.env.{env}`: one entry each.
        let env_entries = collected
            .iter()
            .filter(|(name, _)| name.ends_with(".env") || name.ends_with(".json"));
        assert_eq!(env_entries.count(), 4);
    }

    #[test]
    fn covers_listed_files_outside_the_root() {
        let (_tmp, root) = app();
        let app = root.join("app");
        put(&root, "shared.env", "S=1");
        put(&app, ".env", "");
        assert!(files(&app, &["../shared.env"]).contains(&("../shared.env".into(), sha("S=1"))));
        let absolute = format!("{root}/shared.env");
        assert!(files(&app, &[&absolute]).contains(&(absolute.clone(), sha("S=1"))));
    }

    #[test]
    fn canonicalizes_the_root() {
        let (_tmp, root) = app();
        put(&root, "real/.env", "A=1");
        symlink(root.join("real"), root.join("link")).unwrap();
        let via_link = AppFiles::collect(&root.join("link"), &[]).unwrap();
        assert_eq!(
            via_link,
            AppFiles::collect(&root.join("real/"), &[]).unwrap()
        );
        assert_eq!(via_link.root, root.join("real"));
    }

    #[test]
    fn hashes_through_symlinks_and_sees_nothing_loadable_in_dirs_fifos_or_dangling_links() {
        let (_tmp, root) = app();
        put(&root, "shared", "S=1");
        symlink(root.join("shared"), root.join(".env")).unwrap();
        symlink(root.join("missing"), root.join(".env.gone")).unwrap();
        fs::create_dir(root.join(".env.d")).unwrap();
        nix::unistd::mkfifo(
            root.join(".env.fifo").as_std_path(),
            nix::sys::stat::Mode::S_IRWXU,
        )
        .unwrap();
        let collected = files(&root, &[]);
        assert!(collected.contains(&(".env".into(), sha("S=1"))));
        for name in [".env.gone", ".env.d", ".env.fifo"] {
            assert!(collected.contains(&(name.into(), None)), "{name}");
        }
    }

    #[test]
    fn an_unreadable_file_hashes_as_nothing_loadable() {
        let (_tmp, root) = app();
        put(&root, ".env", "A=1");
        fs::set_permissions(root.join(".env"), fs::Permissions::from_mode(0o000)).unwrap();
        if fs::read(root.join(".env")).is_ok() {
            return; // running as root, which reads anything
        }
        assert!(files(&root, &[]).contains(&(".env".into(), None)));
    }

    #[test]
    fn skips_an_env_file_name_that_is_not_utf8() {
        let (_tmp, root) = app();
        fs::write(root.as_std_path().join(OsStr::from_bytes(b"\xff.txt")), "").unwrap();
        let bad = OsStr::from_bytes(b".env.\xff\x1b[2J");
        fs::write(root.as_std_path().join(bad), "").unwrap();
        let app = AppFiles::collect(&root, &[]).unwrap();
        assert_eq!(
            app.skipped,
            [bad.to_owned()],
            "a name no pattern matches is ignored"
        );
        assert!(app.files.iter().all(|(name, _)| !name.contains('\u{fffd}')));
    }

    #[test]
    fn refuses_a_root_that_is_not_utf8_or_does_not_exist() {
        let (_tmp, root) = app();
        // Reached through a UTF-8 symlink, as a user might: the canonical path is not UTF-8.
        fs::create_dir(root.as_std_path().join(OsStr::from_bytes(b"app\xff"))).unwrap();
        symlink(OsStr::from_bytes(b"app\xff"), root.join("link")).unwrap();
        let err = AppFiles::collect(&root.join("link"), &[])
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("app root is not UTF-8: {root}/app\\xff"));
        let err = AppFiles::collect(&root.join("gone"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{root}/gone: cannot read: ")),
            "{err}"
        );
    }

    #[test]
    fn always_names_the_config_and_the_procfile_by_their_names() {
        assert!(ALWAYS.contains(&config::FILE_NAME));
        assert!(ALWAYS.contains(&procfile::FILE_NAME));
    }

    #[test]
    fn matches_each_template_as_any_run_of_bytes_exactly() {
        assert!(matches(".env.{env}", ".env.test"));
        assert!(matches(".env.{env}", ".env."));
        assert!(!matches(".env.{env}", ".ENV.Test"));
        // Unicode lowercasing folds a final Σ to ς: byte for byte, no surprise.
        assert!(matches("cfgΣ{env}", "cfgΣprod"));
        assert!(matches("{env}Σ", "prodΣ"));
        assert!(!matches("cfgΣ{env}", "cfgσprod"));
        assert!(matches(".env.{env}.json", ".env.a.b.json"));
        assert!(matches("{env}.{env}.env", "a.b.env"));
        assert!(matches(".env", ".env"));
        assert!(!matches(".env.{env}", ".env"));
        assert!(!matches(".env.{env}", ".envrc"));
        assert!(!matches(".env.{env}.json", ".env.test"));
        assert!(!matches("{env}.x{env}x", "a.x"));
        assert!(!matches(".env", ".env.test"));
    }

    proptest! {
        /// Whatever environment name the resolver fills in, the file it opens is covered.
        #[test]
        fn every_expansion_of_a_template_matches_it(
            pattern in "[a-zΣσé.{}]{0,6}(\\{env\\}[a-zΣσé.]{0,4}){1,3}",
            env in "[^/]{0,12}",
        ) {
            prop_assert!(matches(&pattern, &pattern.replace(TEMPLATE, &env)));
        }
    }
}
