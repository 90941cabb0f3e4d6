//! The names in an app that say what it is. Three questions are asked of
//! them: whether a directory is an app root (`root`), which framework the app
//! is written with, hence its built-in tasks and the variables through which
//! it learns the environment name (`tasks`, `plan`), and which launcher or
//! bin directory isolates its dependencies (`isolation`). Every such name is
//! here, so that the answers cannot drift apart.

use camino::Utf8Path;

use crate::framework::Framework;

/// Names that make a directory an app root when no `appenv.toml`, `Procfile`
/// or `.env` is found above the start directory.
pub const ROOT: [&str; 10] = [
    "Gemfile",
    "pyproject.toml",
    "requirements.txt",
    "manage.py",
    "package.json",
    "composer.json",
    "mix.exs",
    "cpanfile",
    "go.mod",
    "Cargo.toml",
];

/// What a name inside the root is, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Other,
}

/// How a question looks inside the root: a name relative to it, and whether a
/// final symlink is followed; or the names a directory in it holds. The
/// resolver answers through the root it opened, so the markers come from the
/// same directory as the files it read.
pub trait Names {
    fn kind(&self, name: &str, follow: bool) -> Option<Kind>;
    /// The names in `dir` (relative to the root); none when it is no
    /// directory or cannot be read.
    fn list(&self, dir: &str) -> Vec<String>;
}

pub type Look<'a> = &'a dyn Names;

/// [`Names`] from two closures: `kind` and `list`.
pub struct Looking<K, L>(pub K, pub L);

impl<K, L> Names for Looking<K, L>
where
    K: Fn(&str, bool) -> Option<Kind>,
    L: Fn(&str) -> Vec<String>,
{
    fn kind(&self, name: &str, follow: bool) -> Option<Kind> {
        (self.0)(name, follow)
    }
    fn list(&self, dir: &str) -> Vec<String> {
        (self.1)(dir)
    }
}

/// A [`Look`] at `root` by path, for callers that hold no open root.
pub fn by_path(root: &Utf8Path) -> impl Names + '_ {
    let kind = move |name: &str, follow: bool| {
        let path = root.join(name);
        let meta = if follow {
            path.metadata()
        } else {
            path.symlink_metadata()
        };
        meta.ok().map(|m| match m {
            m if m.is_file() => Kind::File,
            m if m.is_dir() => Kind::Dir,
            _ => Kind::Other,
        })
    };
    let list = move |dir: &str| {
        let Ok(entries) = root.join(dir).read_dir_utf8() else {
            return Vec::new();
        };
        entries
            .filter_map(|e| Some(e.ok()?.file_name().to_owned()))
            .collect()
    };
    Looking(kind, list)
}

/// A name counts when it exists, whatever it is (a dangling symlink too).
fn has(look: Look, name: &str) -> bool {
    look.kind(name, false).is_some()
}

fn is_dir(look: Look, name: &str) -> bool {
    look.kind(name, true) == Some(Kind::Dir)
}

/// The framework of the app at `root`, most specific first: a Rails app also
/// has a Gemfile, a Django app often a requirements.txt.
pub fn framework(root: &Utf8Path, look: Look, virtualenv: bool) -> Option<Framework> {
    if has(look, "bin/rails") {
        Some(Framework::Rails)
    } else if has(look, "manage.py") {
        Some(Framework::Django)
    } else if has(look, "artisan") {
        Some(Framework::Laravel)
    } else if depends_on_phoenix(root) {
        Some(Framework::Phoenix)
    } else if has(look, "mix.exs") {
        Some(Framework::Mix)
    } else if has(look, "Gemfile") {
        Some(Framework::Ruby)
    } else if has(look, "pyproject.toml") || has(look, "requirements.txt") || virtualenv {
        Some(Framework::Python)
    } else if is_perl(look) {
        Some(Framework::Perl)
    } else if has(look, "package.json") {
        Some(Framework::Node)
    } else {
        None
    }
}

/// A Perl app: a `cpanfile` with what Carton makes of it, the
/// `cpanfile.snapshot` it writes or the `local/` it installs into. A
/// `cpanfile` alone marks a root, but says less: a CPAN distribution keeps
/// one to list its own dependencies.
fn is_perl(look: Look) -> bool {
    has(look, "cpanfile") && (has(look, "cpanfile.snapshot") || is_dir(look, "local"))
}

/// Where Carton installs an app's modules, which goes on `PERL5LIB` as
/// `carton exec` puts it there.
pub fn perl_lib(look: Look) -> Option<&'static str> {
    (has(look, "cpanfile") && is_dir(look, PERL_LIB)).then_some(PERL_LIB)
}

const PERL_LIB: &str = "local/lib/perl5";

/// The Perl REPL a Perl app's console runs: the app's own `reply` or
/// `re.pl` (Devel::REPL) when Carton installed one, else the debugger,
/// which every perl has.
pub fn perl_console(look: Look) -> &'static [&'static str] {
    if look.kind("local/bin/reply", true).is_some() {
        &["local/bin/reply"]
    } else if look.kind("local/bin/re.pl", true).is_some() {
        &["local/bin/re.pl"]
    } else {
        &["perl", "-de0"]
    }
}

/// Whether `mix.exs` lists phoenix among its deps: `{:phoenix, "~> 1.7"}`,
/// not merely `:phoenix_html` or a mention in a comment.
fn depends_on_phoenix(root: &Utf8Path) -> bool {
    // Checked like every input: a regular file, opened without blocking,
    // capped. Not a plan input: it only chooses the built-in tasks.
    let Ok(Some(bytes)) = crate::input::read_file(
        &root.join("mix.exs"),
        crate::input::Kind::Other {
            limit: crate::input::MAX_CONFIG,
        },
    ) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .any(|line| {
            line.match_indices(":phoenix").any(|(at, word)| {
                let before = line[..at].trim_end();
                let after = line[at + word.len()..].chars().next();
                before.ends_with('{')
                    && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '?'))
            })
        })
}

/// The variables through which the frameworks of the app learn the
/// environment name, each with the framework that reads it: Rails and Rack
/// read `RAILS_ENV`/`RACK_ENV`, Laravel and Symfony `APP_ENV`, Mix `MIX_ENV`,
/// Node tools `NODE_ENV`. An app can use more than one (Rails with a
/// JavaScript bundler).
pub fn name_vars(look: Look) -> Vec<(&'static str, &'static str)> {
    let has = |name| has(look, name);
    let mut vars = Vec::new();
    if has("bin/rails") {
        vars.extend([("RAILS_ENV", "Rails"), ("RACK_ENV", "Rails")]);
    } else if has("config.ru") {
        vars.push(("RACK_ENV", "Rack"));
    }
    if has("artisan") {
        vars.push(("APP_ENV", "Laravel"));
    } else if has("symfony.lock") || (has("bin/console") && has("composer.json")) {
        vars.push(("APP_ENV", "Symfony"));
    }
    if has("mix.exs") {
        vars.push(("MIX_ENV", "Mix"));
    }
    if has("package.json") {
        vars.push(("NODE_ENV", "Node"));
    }
    vars
}

/// The virtualenv in the root: `.venv/`, `venv/`, direnv's
/// `.direnv/python-X.Y/` (what its `layout python` makes, with or without a
/// `.envrc` left to say so), or the root itself (`""`).
pub fn virtualenv(look: Look) -> Option<String> {
    [".venv", "venv"]
        .into_iter()
        .map(str::to_owned)
        .chain(direnv_virtualenvs(look))
        .chain([String::new()])
        .find(|dir| is_virtualenv(Utf8Path::new(dir), look))
}

/// The virtualenvs direnv's `layout python` may have made, newest Python
/// first: it names the directory after the interpreter's version,
/// `python-3.12` or (direnv 2.32 and older) `python-3.11.2`. A root without
/// `.direnv` costs no listing.
fn direnv_virtualenvs(look: Look) -> Vec<String> {
    if !is_dir(look, ".direnv") {
        return Vec::new();
    }
    let mut found: Vec<(Vec<u64>, String)> = look
        .list(".direnv")
        .into_iter()
        .filter_map(|name| {
            let parts = crate::versions::installs::numbers(name.strip_prefix("python-")?)?;
            Some((parts, format!(".direnv/{name}")))
        })
        .collect();
    found.sort_unstable_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, dir)| dir).collect()
}

/// Whether `dir` (relative to the root) holds a virtualenv.
pub fn is_virtualenv(dir: &Utf8Path, look: Look) -> bool {
    let name = |leaf: &str| dir.join(leaf).into_string();
    look.kind(&name("pyvenv.cfg"), true) == Some(Kind::File)
        || (look.kind(&name("bin/python"), true).is_some()
            && look.kind(&name("bin/activate"), true).is_some())
}

/// The bin directories of installed packages that go first on PATH, each
/// with what showed it.
pub fn bin_dirs(look: Look) -> Vec<(&'static str, &'static str)> {
    let mut dirs = Vec::new();
    if is_dir(look, "node_modules/.bin") {
        dirs.push(("node_modules/.bin", "node_modules/.bin"));
    }
    if has(look, "composer.json") && is_dir(look, "vendor/bin") {
        dirs.push(("vendor/bin", "composer.json with vendor/bin"));
    }
    if has(look, "cpanfile") && is_dir(look, "local/bin") {
        dirs.push(("local/bin", "cpanfile with local/bin"));
    }
    dirs
}

/// The launcher that runs a command inside the app's dependencies, with what
/// showed it: a Gemfile means Bundler; a Pipfile or poetry.lock means pipenv
/// or Poetry, unless the app has its own virtualenv (whose `bin` on PATH is
/// then the isolation).
pub fn launcher(look: Look, virtualenv: bool) -> Option<([&'static str; 2], &'static str)> {
    if has(look, "Gemfile") {
        Some((["bundle", "exec"], "Gemfile"))
    } else if has(look, "Pipfile") && !virtualenv {
        Some((
            ["pipenv", "run"],
            "Pipfile without a virtualenv in the root",
        ))
    } else if has(look, "poetry.lock") && !virtualenv {
        Some((
            ["poetry", "run"],
            "poetry.lock without an in-project virtualenv",
        ))
    } else {
        None
    }
}
