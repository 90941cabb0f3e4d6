//! Which files an allow covers, and their content hashes.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;

use camino::{Utf8Component, Utf8Path, Utf8PathBuf};
use nix::fcntl::OFlag;
use sha2::{Digest as _, Sha256};

use super::TrustError;
use crate::{config, procfile};

/// A SHA-256 of a file's content.
pub type Digest = [u8; 32];

/// What an allow covers whatever the config says: the config itself, the Procfile,
/// `.env`, and through the template every `.env.*` in the root (each environment's
/// file, its `.local`, and any the user keeps there), so one allow covers `--env test`
/// too and a new `.env.staging` revokes it.
const ALWAYS: [&str; 4] = [config::FILE_NAME, procfile::FILE_NAME, ".env", ".env.{env}"];

const TEMPLATE: &str = "{env}";

/// Every file that can feed a plan in any environment, with its content hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFiles {
    /// Canonical: a symlinked path to the app is the same app.
    pub root: Utf8PathBuf,
    /// Sorted by name, relative to the root (as written, for `[env] files` entries
    /// outside it). `None`: nothing appenv could load is there (see [`hash`]).
    pub files: Vec<(String, Option<Digest>)>,
}

impl AppFiles {
    /// Collects [`ALWAYS`] plus `extra`, the `[env] files` entries with their `{env}`
    /// templates unexpanded. An entry without `{env}` is recorded even when absent, so
    /// its appearing is a change. An entry with `{env}` stands for every existing path
    /// it matches, each `{env}` matching any run of characters within one path
    /// component (`config/{env}/.env` and `.env.{env}.json` both work); a new match
    /// later is a new name, hence a change. Matching more than the resolver will load
    /// only costs a spurious change; matching less would be a hole.
    pub fn collect(root: &Utf8Path, extra: &[String]) -> Result<Self, TrustError> {
        Self::collect_canonical(canonical_root(root)?, extra)
    }

    /// [`AppFiles::collect`] for a root already canonical.
    pub(super) fn collect_canonical(
        root: Utf8PathBuf,
        extra: &[String],
    ) -> Result<Self, TrustError> {
        let mut names = BTreeSet::new();
        for entry in ALWAYS.into_iter().chain(extra.iter().map(String::as_str)) {
            names.extend(expand(&root, entry)?);
        }
        let files = names
            .into_iter()
            .filter(|name| !name.as_str().is_empty())
            .map(|name| {
                let hash = hash(&root.join(&name))?;
                Ok((name.into_string(), hash))
            })
            .collect::<Result<_, TrustError>>()?;
        Ok(Self { root, files })
    }
}

/// The path of `root` with every symlink resolved: a symlinked path to an app
/// is the same app.
pub(super) fn canonical_root(root: &Utf8Path) -> Result<Utf8PathBuf, TrustError> {
    let canonical = root
        .as_std_path()
        .canonicalize()
        .map_err(TrustError::io("resolve", root))?;
    Utf8PathBuf::from_path_buf(canonical).map_err(|path| TrustError::NotUtf8 {
        what: "app root",
        path,
    })
}

/// The names `entry` stands for, walking its components from the root: a literal
/// component is taken as is, a templated one is matched against the directory listing.
fn expand(root: &Utf8Path, entry: &str) -> Result<Vec<Utf8PathBuf>, TrustError> {
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
        for name in names {
            for child in matching(&root.join(&name), part)? {
                matched.push(name.join(child));
            }
        }
        names = matched;
    }
    Ok(names)
}

/// The entries of `dir` that match `pattern`; none when `dir` does not exist.
fn matching(dir: &Utf8Path, pattern: &str) -> Result<Vec<String>, TrustError> {
    let entries = match fs::read_dir(dir) {
        Err(err) if is_absent(&err) => return Ok(Vec::new()),
        entries => entries.map_err(TrustError::io("list", dir))?,
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry.map_err(TrustError::io("list", dir))?.file_name();
        if !matches(pattern, &name.to_string_lossy()) {
            continue;
        }
        // Invalid bytes can only fall inside an `{env}`, so this name may be loaded;
        // it cannot be recorded, and skipping it would leave it unchecked.
        let name = name.into_string().map_err(|name| TrustError::NotUtf8 {
            what: "file name",
            path: dir.as_std_path().join(name),
        })?;
        names.push(name);
    }
    Ok(names)
}

/// Whether `name` fits `pattern`, each `{env}` standing for any run of characters.
/// Case is ignored because on a case-insensitive file system (macOS) opening
/// `.env.test` reads `.ENV.TEST`, which must then be hashed too.
fn matches(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (pattern.to_lowercase(), name.to_lowercase());
    let mut parts: Vec<&str> = pattern.split(TEMPLATE).collect();
    let first = parts.remove(0);
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let Some(last) = parts.pop() else {
        return rest.is_empty();
    };
    for part in parts {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// The hash of what appenv could load from `path`. `None` when that is nothing: the
/// path is absent, not a regular file, or unreadable. The resolver refuses such a file
/// too, and once it becomes a readable file its hash is `Some`, which is a change.
fn hash(path: &Utf8Path) -> Result<Option<Digest>, TrustError> {
    // Looking first spares opening a device; O_NONBLOCK keeps a FIFO swapped in
    // between the two from hanging the prompt; fstat then decides on what was opened.
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return Ok(None),
        Err(err) if is_unreadable(&err) => return Ok(None),
        _ => {}
    }
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(err) if is_unreadable(&err) => return Ok(None),
        Err(err) => return Err(TrustError::io("read", path)(err)),
    };
    digest(&mut file).map_err(TrustError::io("read", path))
}

/// The hash of an open file's content; `None` when it is not a regular file.
fn digest(file: &mut File) -> io::Result<Option<Digest>> {
    if !file.metadata()?.is_file() {
        return Ok(None);
    }
    let (mut hasher, mut buf) = (Sha256::new(), [0; 8192]);
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(Some(hasher.finalize().into())),
            Ok(n) => hasher.update(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

fn is_unreadable(err: &io::Error) -> bool {
    is_absent(err) || err.kind() == io::ErrorKind::PermissionDenied
}

/// Missing, or a path through something that is not a directory.
fn is_absent(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{PermissionsExt, symlink};

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
        for other in [
            ".env.test",
            ".env.local",
            ".env.production.local",
            ".envrc",
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
    fn refuses_an_env_file_name_that_is_not_utf8() {
        let (_tmp, root) = app();
        fs::write(root.as_std_path().join(OsStr::from_bytes(b"\xff.txt")), "").unwrap();
        assert!(
            AppFiles::collect(&root, &[]).is_ok(),
            "a name no pattern matches is ignored"
        );
        fs::write(
            root.as_std_path()
                .join(OsStr::from_bytes(b".env.\xff\x1b[2J")),
            "",
        )
        .unwrap();
        let err = AppFiles::collect(&root, &[]).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("file name is not UTF-8: {root}/.env.\u{fffd}\\u{{1b}}[2J")
        );
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
        assert_eq!(err, format!("app root is not UTF-8: {root}/app\u{fffd}"));
        let err = AppFiles::collect(&root.join("gone"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("could not resolve {root}/gone: ")),
            "{err}"
        );
    }

    #[test]
    fn matches_each_template_as_any_run_of_characters_ignoring_case() {
        assert!(matches(".env.{env}", ".env.test"));
        assert!(matches(".env.{env}", ".env."));
        assert!(matches(".env.{env}", ".ENV.Test"));
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
            pattern in "[a-z.{}]{0,6}(\\{env\\}[a-z.]{0,4}){1,3}",
            env in "[^/]{0,12}",
        ) {
            prop_assert!(matches(&pattern, &pattern.replace(TEMPLATE, &env)));
        }
    }
}
