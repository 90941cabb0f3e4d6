//! Where the version managers install interpreters, and which install a
//! pinned version names: read from their directories, never by running a
//! manager, and never installing anything.
//!
//! Each manager keeps one directory per version with a `bin` in it:
//!
//! | manager | directory of version V | root from |
//! |---|---|---|
//! | rbenv | `versions/V` | `RBENV_ROOT`, else `~/.rbenv` |
//! | pyenv | `versions/V` | `PYENV_ROOT`, else `~/.pyenv` |
//! | nvm | `versions/node/vV` | `NVM_DIR`, else `~/.nvm` |
//! | mise | `installs/TOOL/V` (`node`) | `MISE_DATA_DIR`, else `$XDG_DATA_HOME/mise`, else `~/.local/share/mise` |
//! | asdf | `installs/TOOL/V` (`nodejs`) | `ASDF_DATA_DIR`, else `~/.asdf` |
//! | uv | `cpython-V-OS-ARCH-LIBC` | `UV_PYTHON_INSTALL_DIR`, else `$XDG_DATA_HOME/uv/python`, else `~/.local/share/uv/python` |
//!
//! The managers are asked in that order (a tool's own manager first) and
//! the first with a match gives the install: the directory named exactly as
//! asked, else, for a version that is only numbers (`3.12`, `20`), the
//! highest installed version that it begins, numbers compared as numbers
//! (`3.12` is `3.12.10` over `3.12.9`; pre-releases such as `3.13.0rc1` are
//! never picked by a prefix).
//!
//! A version directory may be a symlink (rbenv aliases, mise's `20 ->
//! 20.1.0`): it is followed, since the tree is the user's own and the app
//! only names an entry in it; a name can never leave the tree (see
//! [`super::Pin::asked`]).

use crate::env_vars::EnvVars;
use std::ffi::OsString;

use camino::Utf8PathBuf;

use super::Tool;

/// An installed interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    /// Its `bin`, which goes first on PATH.
    pub bin: Utf8PathBuf,
    pub manager: &'static str,
    /// The version its directory names (`3.12.4` for `3.12`).
    pub version: String,
    /// Whether the name matched exactly, or this was the highest of the
    /// versions that the asked one begins.
    pub exact: bool,
}

/// What a look for one version found, and where it looked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub found: Option<Install>,
    /// The managers that could have it (whose roots are known).
    pub managers: Vec<&'static str>,
    /// The directories looked in, whose change (an install) can change the
    /// answer.
    pub looked: Vec<Utf8PathBuf>,
}

/// One manager's directory of a tool's versions.
struct Place {
    manager: &'static str,
    dir: Utf8PathBuf,
    /// How an entry's name spells a version.
    naming: Naming,
}

#[derive(Clone, Copy)]
enum Naming {
    /// `3.12.4`.
    Plain,
    /// nvm's `v20.1.0`.
    V,
    /// uv's `cpython-3.12.4-linux-x86_64-gnu`.
    Uv,
}

impl Naming {
    /// The version an entry of the directory names, if it is one for this
    /// machine.
    fn version(self, entry: &str) -> Option<&str> {
        match self {
            Naming::Plain => Some(entry),
            Naming::V => entry.strip_prefix('v'),
            Naming::Uv => {
                let (version, platform) = entry.strip_prefix("cpython-")?.split_once('-')?;
                // uv names the platform as Rust does: `linux`, `macos`;
                // `x86_64`, `aarch64`.
                let here = format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH);
                let fits = platform == here || platform.starts_with(&format!("{here}-"));
                fits.then_some(version)
            }
        }
    }
}

/// The install of `version` of `tool` (a name from [`super::Asked::Version`];
/// none: only where the managers would keep it), the managers' roots taken
/// from `var` (the base environment): only an absolute path counts.
pub fn find(tool: Tool, version: Option<&str>, var: &dyn Fn(&str) -> Option<OsString>) -> Search {
    let path = |name: &str| {
        let value = Utf8PathBuf::from(var(name)?.into_string().ok()?);
        value.is_absolute().then_some(value)
    };
    let home = path(EnvVars::HOME);
    let data = path(EnvVars::XDG_DATA_HOME).or_else(|| Some(home.as_ref()?.join(".local/share")));
    let root = |name: &str, default: Option<Utf8PathBuf>| path(name).or(default);
    let under = |dir: &Option<Utf8PathBuf>, rest: &str| Some(dir.as_ref()?.join(rest));
    let mise = root(EnvVars::MISE_DATA_DIR, under(&data, "mise"));
    let asdf = root(EnvVars::ASDF_DATA_DIR, under(&home, ".asdf"));
    let at = |manager, dir: Option<Utf8PathBuf>, rest: &str, naming| {
        Some(Place {
            manager,
            dir: dir?.join(rest),
            naming,
        })
    };
    let places = match tool {
        Tool::Ruby => [
            at(
                "rbenv",
                root(EnvVars::RBENV_ROOT, under(&home, ".rbenv")),
                "versions",
                Naming::Plain,
            ),
            at("mise", mise, "installs/ruby", Naming::Plain),
            at("asdf", asdf, "installs/ruby", Naming::Plain),
            None,
        ],
        Tool::Python => [
            at(
                "pyenv",
                root(EnvVars::PYENV_ROOT, under(&home, ".pyenv")),
                "versions",
                Naming::Plain,
            ),
            at("mise", mise, "installs/python", Naming::Plain),
            at("asdf", asdf, "installs/python", Naming::Plain),
            at(
                "uv",
                root(EnvVars::UV_PYTHON_INSTALL_DIR, under(&data, "uv/python")),
                "",
                Naming::Uv,
            ),
        ],
        Tool::Node => [
            at(
                "nvm",
                root(EnvVars::NVM_DIR, under(&home, ".nvm")),
                "versions/node",
                Naming::V,
            ),
            at("mise", mise, "installs/node", Naming::Plain),
            at("asdf", asdf, "installs/nodejs", Naming::Plain),
            None,
        ],
    };
    let mut search = Search::default();
    for place in places.into_iter().flatten() {
        search.managers.push(place.manager);
        search.looked.push(place.dir.clone());
        if let Some(found) = version.and_then(|version| look(&place, version)) {
            search.found = Some(found);
            break;
        }
    }
    search
}

/// The install of `version` in one manager's directory.
fn look(place: &Place, version: &str) -> Option<Install> {
    let install = |entry: &str, version: &str, exact| Install {
        bin: place.dir.join(entry).join("bin"),
        manager: place.manager,
        version: version.to_owned(),
        exact,
    };
    let has_bin = |entry: &str| place.dir.join(entry).join("bin").is_dir();
    // The exact name costs one look, where a prefix needs the listing.
    let exact = match place.naming {
        Naming::Plain => Some(version.to_owned()),
        Naming::V => Some(format!("v{version}")),
        Naming::Uv => None,
    };
    if let Some(entry) = exact.filter(|entry| has_bin(entry)) {
        return Some(install(&entry, version, true));
    }
    let asked = numbers(version)?;
    let entries = place.dir.read_dir_utf8().ok()?;
    let mut best: Option<(Vec<u64>, String, String)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(named) = place.naming.version(name) else {
            continue;
        };
        let Some(parts) = numbers(named) else {
            continue;
        };
        // The exact version too: uv's names carry more than the version.
        let fits = parts.starts_with(&asked);
        let better = best
            .as_ref()
            .is_none_or(|(b, b_name, _)| (&parts, name) > (b, b_name.as_str()));
        if fits && better && has_bin(name) {
            best = Some((parts, name.to_owned(), named.to_owned()));
        }
    }
    let (parts, entry, named) = best?;
    Some(install(&entry, &named, parts == asked))
}

/// The numbers of a version made only of them (`3.12.4`), none otherwise
/// (`3.13.0rc1`, `pypy3.10`): a prefix match is for plain releases.
pub(crate) fn numbers(version: &str) -> Option<Vec<u64>> {
    version.split('.').map(|n| n.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::ffi::OsString;
    use std::fs;

    struct Home {
        _tmp: tempfile::TempDir,
        dir: Utf8PathBuf,
        vars: BTreeMap<String, OsString>,
    }

    impl Home {
        fn new() -> Home {
            let tmp = tempfile::tempdir().unwrap();
            let dir = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
            let mut vars = BTreeMap::new();
            vars.insert("HOME".to_owned(), OsString::from(dir.as_str()));
            Home {
                _tmp: tmp,
                dir,
                vars,
            }
        }

        fn install(&self, at: &str) -> Utf8PathBuf {
            let bin = self.dir.join(at).join("bin");
            fs::create_dir_all(&bin).unwrap();
            bin
        }

        fn find(&self, tool: Tool, version: &str) -> Search {
            find(tool, Some(version), &|name| self.vars.get(name).cloned())
        }
    }

    #[test]
    fn exact_then_the_highest_of_a_prefix_numbers_as_numbers() {
        let home = Home::new();
        home.install(".pyenv/versions/3.12.4");
        let ten = home.install(".pyenv/versions/3.12.10");
        home.install(".pyenv/versions/3.13.0rc1");
        let dev = home.install(".pyenv/versions/3.13-dev");
        let found = home.find(Tool::Python, "3.12").found.unwrap();
        assert_eq!((found.bin, found.exact), (ten.clone(), false));
        assert_eq!(found.version, "3.12.10");
        assert_eq!(home.find(Tool::Python, "3").found.unwrap().bin, ten);
        let found = home.find(Tool::Python, "3.12.4").found.unwrap();
        assert!(found.exact && found.bin.ends_with("3.12.4/bin"));
        assert!(home.find(Tool::Python, "3.12.1").found.is_none());
        assert!(
            home.find(Tool::Python, "3.1").found.is_none(),
            "3.1 is not 3.12"
        );
        assert!(home.find(Tool::Python, "3.13").found.is_none(), "no rc");
        assert_eq!(home.find(Tool::Python, "3.13-dev").found.unwrap().bin, dev);
    }

    #[test]
    fn each_manager_in_its_own_layout_and_order() {
        let home = Home::new();
        let nvm = home.install(".nvm/versions/node/v20.1.0");
        let found = home.find(Tool::Node, "20").found.unwrap();
        assert_eq!((found.bin, found.manager), (nvm, "nvm"));
        let asdf = home.install(".asdf/installs/nodejs/18.2.0");
        assert_eq!(home.find(Tool::Node, "18.2.0").found.unwrap().bin, asdf);
        let mise = home.install(".local/share/mise/installs/node/18.2.0");
        let found = home.find(Tool::Node, "18").found.unwrap();
        assert_eq!(
            (found.bin, found.manager),
            (mise, "mise"),
            "mise before asdf"
        );
        let rbenv = home.install(".rbenv/versions/3.2.2");
        assert_eq!(home.find(Tool::Ruby, "3.2").found.unwrap().bin, rbenv);
        let search = home.find(Tool::Ruby, "3.3");
        assert_eq!(search.found, None);
        assert_eq!(search.managers, ["rbenv", "mise", "asdf"]);
        assert_eq!(search.looked[0], home.dir.join(".rbenv/versions"));
    }

    #[test]
    fn uv_names_a_python_by_implementation_and_platform() {
        let home = Home::new();
        let os = std::env::consts::OS;
        let arch = std::env::consts::ARCH;
        let mine = home.install(&format!(
            ".local/share/uv/python/cpython-3.12.4-{os}-{arch}-gnu"
        ));
        home.install(".local/share/uv/python/cpython-3.12.9-plan9-mips-gnu");
        home.install(&format!(
            ".local/share/uv/python/cpython-3.13.0+freethreaded-{os}-{arch}-gnu"
        ));
        home.install(&format!(
            ".local/share/uv/python/pypy-3.12.9-{os}-{arch}-gnu"
        ));
        let found = home.find(Tool::Python, "3.12").found.unwrap();
        assert_eq!((found.bin, found.manager), (mine.clone(), "uv"));
        let found = home.find(Tool::Python, "3.12.4").found.unwrap();
        assert_eq!((found.bin, found.exact), (mine, true));
        assert!(home.find(Tool::Python, "3.13").found.is_none());
    }

    #[test]
    fn the_managers_variables_move_their_roots_and_must_be_absolute() {
        let mut home = Home::new();
        let elsewhere = home.install("opt/mise/installs/python/3.11.9");
        home.install(".local/share/mise/installs/python/3.11.8");
        home.vars
            .insert("MISE_DATA_DIR".into(), home.dir.join("opt/mise").into());
        assert_eq!(
            home.find(Tool::Python, "3.11").found.unwrap().bin,
            elsewhere
        );
        home.vars.insert("MISE_DATA_DIR".into(), "opt/mise".into());
        let found = home.find(Tool::Python, "3.11").found.unwrap();
        assert!(found.bin.ends_with("3.11.8/bin"), "relative: the default");
        let xdg = home.install("xdg/mise/installs/python/3.11.7");
        home.vars.remove("MISE_DATA_DIR");
        home.vars
            .insert("XDG_DATA_HOME".into(), home.dir.join("xdg").into());
        assert_eq!(home.find(Tool::Python, "3.11").found.unwrap().bin, xdg);
        let pyenv = home.install("py/versions/3.11.1");
        home.vars
            .insert("PYENV_ROOT".into(), home.dir.join("py").into());
        assert_eq!(home.find(Tool::Python, "3.11").found.unwrap().bin, pyenv);
        home.vars.clear();
        assert_eq!(home.find(Tool::Python, "3.11"), Search::default());
    }

    #[test]
    fn a_symlinked_version_is_followed_and_a_version_without_bin_is_none() {
        let home = Home::new();
        home.install("elsewhere/ruby");
        fs::create_dir_all(home.dir.join(".rbenv/versions/3.2.1")).unwrap();
        std::os::unix::fs::symlink(
            home.dir.join("elsewhere/ruby"),
            home.dir.join(".rbenv/versions/3.2"),
        )
        .unwrap();
        let found = home.find(Tool::Ruby, "3.2").found.unwrap();
        assert_eq!(found.bin, home.dir.join(".rbenv/versions/3.2/bin"));
        assert!(home.find(Tool::Ruby, "3.2.1").found.is_none(), "no bin");
    }
}
