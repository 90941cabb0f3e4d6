//! Dependency isolation: what makes `python` the app's Python and `rake` the
//! app's bundle. Two parts, decided separately, each by the first source that
//! speaks to it: explicit config, then the Procfile, then markers.

use camino::{Utf8Path, Utf8PathBuf};

use crate::config::Config;
use crate::env_vars::EnvVars;
use crate::markers::{self, Look};
use crate::procfile::Procfile;

/// Launchers that a Procfile's processes may all start with.
pub const LAUNCHERS: [[&str; 2]; 6] = [
    ["bundle", "exec"],
    ["poetry", "run"],
    ["pipenv", "run"],
    ["uv", "run"],
    ["pdm", "run"],
    ["hatch", "run"],
];

/// What keeps a launcher from loading the app's `.env` itself, over what
/// appenv chose (a caller's value, `--env test`): `pipenv run` loads `.env`
/// unless told not to; uv loads a file named by `UV_ENV_FILE`; Poetry's
/// dotenv plugin honours `POETRY_DONT_LOAD_ENV`. pdm reads an env file only
/// when the project's own pdm settings name one, and hatch none: neither has
/// a variable to turn that off. overmind loads `.env` and `.overmind.env`
/// into every process it starts unless `OVERMIND_SKIP_ENV` is set.
/// (foreman and honcho have no variable, only `-e /dev/null`: see the
/// README.)
pub fn launcher_env(program: &std::ffi::OsStr) -> &'static [(&'static str, &'static str)] {
    let name = std::path::Path::new(program)
        .file_name()
        .unwrap_or_default();
    match name.to_str() {
        Some("pipenv") => &[(EnvVars::PIPENV_DONT_LOAD_ENV, "1")],
        Some("uv") => &[(EnvVars::UV_NO_ENV_FILE, "1")],
        Some("poetry") => &[(EnvVars::POETRY_DONT_LOAD_ENV, "1")],
        Some("overmind") => &[(EnvVars::OVERMIND_SKIP_ENV, "1")],
        _ => &[],
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Isolation {
    /// Words put before the command, with why.
    pub prefix: Option<Decided<Vec<String>>>,
    /// Directories put first on PATH (absolute), with why.
    pub path: Option<Decided<Vec<Utf8PathBuf>>>,
    /// The virtualenv whose `bin` is on PATH: sets VIRTUAL_ENV, removes PYTHONHOME.
    pub virtualenv: Option<Utf8PathBuf>,
    /// Carton's module directory (absolute), put first on PERL5LIB: what
    /// `carton exec` does, without its process.
    pub perl_lib: Option<Utf8PathBuf>,
    /// What the Procfile said that did not decide anything, for `explain`.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided<T> {
    pub value: T,
    pub reason: String,
}

/// Whether a command runs behind the isolation prefix (`bundle exec`,
/// `poetry run`…): what `--no-prefix` turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// The prefix goes first (unless the command is the launcher itself).
    Isolation,
    /// The command runs as typed.
    None,
}

impl Prefix {
    /// What the command line asks for: no prefix with `--no-prefix`.
    pub fn unless(no_prefix: bool) -> Prefix {
        match no_prefix {
            true => Prefix::None,
            false => Prefix::Isolation,
        }
    }

    /// The words that go before `program`.
    pub fn words<'i>(self, isolation: &'i Isolation, program: &std::ffi::OsStr) -> &'i [String] {
        match self {
            Prefix::Isolation => isolation.prefix_for(program),
            Prefix::None => &[],
        }
    }
}

impl Isolation {
    /// The words that go before `command`: the prefix, unless the command
    /// is the launcher itself (`appenv bundle install` runs `bundle install`).
    pub fn prefix_for(&self, command: &std::ffi::OsStr) -> &[String] {
        match &self.prefix {
            Some(p) if p.value.first().is_some_and(|w| command != w.as_str()) => &p.value,
            _ => &[],
        }
    }
}

/// The top of the workspace an app is a member of, where the package
/// managers install what the members share: uv keeps one `.venv` for the
/// workspace, npm and pnpm put the members' binaries in the top's
/// `node_modules/.bin`.
#[derive(Debug, Clone, Copy)]
pub struct Top<'a> {
    /// How a name at the top is named from the root (`../..`), for a look.
    pub prefix: &'a str,
    /// The top's own path.
    pub dir: &'a Utf8Path,
}

impl Top<'_> {
    /// A look at the top through `look`, a look at the member's root.
    fn look<'a>(&'a self, look: Look<'a>) -> impl markers::Names + 'a {
        markers::Looking(
            move |name: &str, follow| look.kind(&format!("{}/{name}", self.prefix), follow),
            move |dir: &str| look.list(&format!("{}/{dir}", self.prefix)),
        )
    }
}

/// [`detect_in`], looking at `root` by path.
pub fn detect(root: &Utf8Path, config: Option<&Config>, procfile: Option<&Procfile>) -> Isolation {
    detect_in(root, config, procfile, &markers::by_path(root), None)
}

/// The isolation of the app at `root`, looking at its names through
/// `look`; a workspace member's markers go first, then its top's.
pub fn detect_in(
    root: &Utf8Path,
    config: Option<&Config>,
    procfile: Option<&Procfile>,
    look: Look,
    top: Option<Top>,
) -> Isolation {
    let mut iso = Isolation::default();
    if let Some(config) = config {
        if let Some(prefix) = &config.exec.prefix {
            iso.prefix = Some(Decided {
                value: prefix.get_ref().clone(),
                reason: "[exec] prefix in appenv.toml".into(),
            });
        }
        if let Some(path) = &config.env.path {
            iso.path = Some(Decided {
                value: path.get_ref().iter().map(|p| root.join(p)).collect(),
                reason: "[env] path in appenv.toml".into(),
            });
        }
    }
    if let Some(procfile) = procfile.filter(|p| !p.processes.is_empty()) {
        from_procfile(root, procfile, &mut iso);
    }
    from_markers(root, &mut iso, look, top);
    if let Some(Decided { value, .. }) = &iso.path {
        iso.virtualenv = value.iter().find_map(|dir| {
            virtualenv_of(root, dir, look).or_else(|| {
                let top = top?;
                virtualenv_of(top.dir, dir, &top.look(look))
            })
        });
    }
    iso.perl_lib = markers::perl_lib(look).map(|dir| root.join(dir));
    iso
}

/// The command's words with leading `NAME=value` assignments skipped.
pub fn command_words(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .skip_while(|w| is_assignment(w))
        .collect()
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn from_procfile(root: &Utf8Path, procfile: &Procfile, iso: &mut Isolation) {
    let firsts: Vec<(&str, Vec<&str>)> = procfile
        .processes
        .iter()
        .map(|e| (e.name.as_str(), command_words(&e.command)))
        .collect();
    let names = || {
        procfile
            .processes
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };

    if iso.prefix.is_none() {
        let launcher = |w: &[&str]| LAUNCHERS.iter().find(|l| w.starts_with(&l[..])).copied();
        let first = launcher(&firsts[0].1);
        if first.is_some() && firsts.iter().all(|(_, w)| launcher(w) == first) {
            let words = first.unwrap_or_default();
            iso.prefix = Some(Decided {
                value: words.iter().map(|w| w.to_string()).collect(),
                reason: format!(
                    "every Procfile process ({}) starts with `{}`",
                    names(),
                    words.join(" ")
                ),
            });
        } else if firsts.iter().any(|(_, w)| launcher(w).is_some()) {
            let each: Vec<String> = firsts
                .iter()
                .map(|(name, w)| match launcher(w) {
                    Some(l) => format!("{name}: {}", l.join(" ")),
                    None => format!("{name}: none"),
                })
                .collect();
            iso.notes.push(format!(
                "Procfile processes use different launchers ({}), so no prefix is inferred from it",
                each.join(", ")
            ));
        }
    }

    if iso.path.is_none() {
        let interpreter = |w: &[&str]| w.first().and_then(|first| interpreter_dir(root, first));
        let first = interpreter(&firsts[0].1);
        if let Some(dir) = &first {
            if firsts
                .iter()
                .all(|(_, w)| interpreter(w).as_ref() == Some(dir))
            {
                let shown = dir.strip_prefix(root).unwrap_or(dir);
                iso.path = Some(Decided {
                    value: vec![dir.clone()],
                    reason: format!(
                        "every Procfile process ({}) runs an interpreter from {shown}/",
                        names()
                    ),
                });
            } else {
                iso.notes.push(
                    "Procfile processes run different interpreters, so no PATH entry is inferred from it"
                        .into(),
                );
            }
        }
    }
}

/// The directory of a command word that names a program inside the root
/// (`bin/python`, `./.venv/bin/python`, `/srv/app/vendor/bin/php`).
fn interpreter_dir(root: &Utf8Path, word: &str) -> Option<Utf8PathBuf> {
    if !word.contains('/') {
        return None;
    }
    let path = root.join(word);
    let dir = path.parent()?;
    let dir: Utf8PathBuf = dir.components().collect();
    let dir = Utf8PathBuf::from(dir.as_str().replace("/./", "/").trim_end_matches("/."));
    (dir.starts_with(root) && !dir.components().any(|c| c.as_str() == "..")).then_some(dir)
}

fn from_markers(root: &Utf8Path, iso: &mut Isolation, look: Look, top: Option<Top>) {
    let at = |base: &Utf8Path, dir: &str| match dir {
        "" => base.to_owned(),
        dir => base.join(dir),
    };
    let own = markers::virtualenv(look).map(|dir| at(root, &dir));
    // A member without a virtualenv of its own uses the workspace's.
    let shared = match (&own, top) {
        (None, Some(top)) => markers::virtualenv(&top.look(look)).map(|dir| at(top.dir, &dir)),
        _ => None,
    };
    let venv = own.or(shared);

    if iso.path.is_none() {
        let mut dirs = Vec::new();
        let mut why = Vec::new();
        if let Some(venv) = &venv {
            dirs.push(venv.join("bin"));
            let shown = venv
                .strip_prefix(root)
                .ok()
                .filter(|p| !p.as_str().is_empty());
            why.push(match (shown, venv.starts_with(root)) {
                (Some(p), _) => format!("virtualenv {p}/"),
                (None, true) => "the root is a virtualenv".into(),
                (None, false) => format!("the workspace's virtualenv {venv}/"),
            });
        }
        for (dir, shown) in markers::bin_dirs(look) {
            dirs.push(root.join(dir));
            why.push(shown.into());
        }
        if let Some(top) = top {
            for (dir, shown) in markers::bin_dirs(&top.look(look)) {
                dirs.push(top.dir.join(dir));
                why.push(format!("{shown} at the workspace top"));
            }
        }
        if !dirs.is_empty() {
            iso.path = Some(Decided {
                value: dirs,
                reason: format!("found {}", why.join(", ")),
            });
        }
    }

    if iso.prefix.is_none() {
        if let Some((words, why)) = markers::launcher(look, venv.is_some()) {
            iso.prefix = Some(Decided {
                value: words.iter().map(|w| w.to_string()).collect(),
                reason: format!("found {why}"),
            });
        }
    }
}

/// The virtualenv a `bin` directory (inside the root) belongs to.
fn virtualenv_of(root: &Utf8Path, bin: &Utf8Path, look: Look) -> Option<Utf8PathBuf> {
    let dir = bin.parent()?;
    let relative = dir.strip_prefix(root).ok()?;
    (bin.file_name() == Some("bin") && markers::is_virtualenv(relative, look))
        .then(|| dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn app(files: &[&str]) -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        for f in files {
            let p = root.join(f);
            if f.ends_with('/') {
                fs::create_dir_all(&p).unwrap();
            } else {
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(&p, "").unwrap();
            }
        }
        (tmp, root)
    }

    fn procfile(text: &str) -> Procfile {
        Procfile::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn procfile_launcher_is_the_prefix() {
        let (_t, root) = app(&[]);
        let iso = detect(
            &root,
            None,
            Some(&procfile(
                "web: bundle exec puma\nworker: PORT=1 bundle exec sidekiq\n",
            )),
        );
        assert_eq!(iso.prefix.unwrap().value, ["bundle", "exec"]);
    }

    #[test]
    fn mixed_launchers_infer_nothing_and_say_why() {
        let (_t, root) = app(&[]);
        let iso = detect(
            &root,
            None,
            Some(&procfile("web: bundle exec puma\nworker: poetry run x\n")),
        );
        assert!(iso.prefix.is_none());
        assert!(
            iso.notes[0].contains("web: bundle exec, worker: poetry run"),
            "{:?}",
            iso.notes
        );
    }

    #[test]
    fn procfile_interpreter_dir_goes_on_path() {
        let (_t, root) = app(&[".venv/pyvenv.cfg", ".venv/bin/python"]);
        let iso = detect(
            &root,
            None,
            Some(&procfile(
                "web: .venv/bin/python app.py\nworker: ./.venv/bin/python w.py\n",
            )),
        );
        let path = iso.path.unwrap();
        assert_eq!(path.value, [root.join(".venv/bin")]);
        assert_eq!(iso.virtualenv, Some(root.join(".venv")));
    }

    #[test]
    fn markers() {
        let (_t, root) = app(&[
            "Gemfile",
            "node_modules/.bin/",
            "composer.json",
            "vendor/bin/",
        ]);
        let iso = detect(&root, None, None);
        assert_eq!(iso.prefix.unwrap().value, ["bundle", "exec"]);
        assert_eq!(
            iso.path.unwrap().value,
            [root.join("node_modules/.bin"), root.join("vendor/bin")]
        );

        let (_t, root) = app(&["Pipfile"]);
        assert_eq!(
            detect(&root, None, None).prefix.unwrap().value,
            ["pipenv", "run"]
        );
        let (_t, root) = app(&["Pipfile", "venv/bin/python", "venv/bin/activate"]);
        let iso = detect(&root, None, None);
        assert!(iso.prefix.is_none());
        assert_eq!(iso.virtualenv, Some(root.join("venv")));
        let (_t, root) = app(&["poetry.lock"]);
        assert_eq!(
            detect(&root, None, None).prefix.unwrap().value,
            ["poetry", "run"]
        );
        let (_t, root) = app(&["bin/python", "bin/activate"]);
        assert_eq!(detect(&root, None, None).virtualenv, Some(root.clone()));
    }

    #[test]
    fn a_member_uses_the_workspaces_virtualenv_and_bin_dirs_after_its_own() {
        let (_t, top) = app(&[
            ".venv/pyvenv.cfg",
            "node_modules/.bin/",
            "apps/api/node_modules/.bin/",
        ]);
        let root = top.join("apps/api");
        let shared = Top {
            prefix: "../..",
            dir: &top,
        };
        let iso = detect_in(&root, None, None, &markers::by_path(&root), Some(shared));
        assert_eq!(
            iso.path.as_ref().unwrap().value,
            [
                top.join(".venv/bin"),
                root.join("node_modules/.bin"),
                top.join("node_modules/.bin")
            ]
        );
        assert_eq!(iso.virtualenv, Some(top.join(".venv")));
        // Its own virtualenv first, and only that one.
        fs::create_dir_all(root.join(".venv")).unwrap();
        fs::write(root.join(".venv/pyvenv.cfg"), "").unwrap();
        let iso = detect_in(&root, None, None, &markers::by_path(&root), Some(shared));
        assert_eq!(iso.path.as_ref().unwrap().value[0], root.join(".venv/bin"));
        assert!(!iso.path.unwrap().value.contains(&top.join(".venv/bin")));
        assert_eq!(iso.virtualenv, Some(root.join(".venv")));
    }

    #[test]
    fn carton_local_goes_on_perl5lib_and_path() {
        let (_t, root) = app(&["cpanfile", "local/lib/perl5/", "local/bin/"]);
        let iso = detect(&root, None, None);
        assert_eq!(iso.perl_lib, Some(root.join("local/lib/perl5")));
        assert_eq!(iso.path.unwrap().value, [root.join("local/bin")]);
        assert!(iso.prefix.is_none());
        // Without a cpanfile, `local/` is anyone's directory.
        let (_t, root) = app(&["local/lib/perl5/", "local/bin/"]);
        let iso = detect(&root, None, None);
        assert_eq!((iso.perl_lib, iso.path), (None, None));
    }

    #[test]
    fn explicit_config_wins_and_empty_prefix_disables() {
        let (_t, root) = app(&["Gemfile", "node_modules/.bin/"]);
        let config = Config::parse(
            "appenv.toml".into(),
            b"[exec]\nprefix = []\n[env]\npath = [\"bin\"]\n",
        )
        .unwrap();
        let iso = detect(
            &root,
            Some(&config),
            Some(&procfile("web: bundle exec x\n")),
        );
        assert_eq!(iso.prefix.as_ref().unwrap().value, Vec::<String>::new());
        assert_eq!(iso.path.as_ref().unwrap().value, [root.join("bin")]);
        assert!(iso.prefix_for("rake".as_ref()).is_empty());
    }

    #[test]
    fn launcher_itself_gets_no_prefix() {
        let (_t, root) = app(&["Gemfile"]);
        let iso = detect(&root, None, None);
        assert!(iso.prefix_for("bundle".as_ref()).is_empty());
        assert_eq!(iso.prefix_for("rake".as_ref()), ["bundle", "exec"]);
    }

    #[test]
    fn direnv_python_layout_is_a_virtualenv_newest_first_after_venv() {
        let (_t, root) = app(&[
            ".direnv/python-3.9/pyvenv.cfg",
            ".direnv/python-3.12/pyvenv.cfg",
            ".direnv/python-3.13/",
            "Pipfile",
        ]);
        let iso = detect(&root, None, None);
        let venv = root.join(".direnv/python-3.12");
        assert_eq!(iso.virtualenv, Some(venv.clone()));
        assert_eq!(iso.path.as_ref().unwrap().value, [venv.join("bin")]);
        assert_eq!(iso.prefix, None, "a virtualenv: no `pipenv run`");

        let (_t, root) = app(&[".venv/pyvenv.cfg", ".direnv/python-3.12/pyvenv.cfg"]);
        assert_eq!(
            detect(&root, None, None).virtualenv,
            Some(root.join(".venv"))
        );
    }
}
