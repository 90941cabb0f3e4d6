//! Every environment variable appenv reads or sets, named once: appenv's own
//! `APPENV_*` and the other programs' names it reads, sets or takes out.
//! Code says `EnvVars::APPENV_ROOT`, never the literal. Tables of names that
//! only describe another program (a shell's own variables, what `bundle exec`
//! backs up, the framework variables naming an environment) stay beside the
//! code that reads them. No `crate::` imports.

/// The variables, as associated constants (each name is its own value).
pub struct EnvVars;

impl EnvVars {
    /// What every name appenv owns starts with: an app's files cannot set one.
    pub const APPENV_PREFIX: &'static str = "APPENV_";

    /// Read: the environment name when `--env` is not given; set for the
    /// program when an environment is named.
    pub const APPENV_ENV: &'static str = "APPENV_ENV";

    /// Set for the program: its app root. `--same-as` reads it from a running
    /// process to find the app that process belongs to.
    pub const APPENV_ROOT: &'static str = "APPENV_ROOT";

    /// Set for a task's program: the process type (`web`…) it was started as;
    /// `--same-as` and `diff` read it from a running process.
    pub const APPENV_PROCESS: &'static str = "APPENV_PROCESS";

    /// Read: set to anything but empty or `0` it silences notes, as `-q` does;
    /// set at all, it overrides `quiet` in the user's config.
    pub const APPENV_QUIET: &'static str = "APPENV_QUIET";

    /// Read: colon-separated trees whose apps are trusted without `appenv allow`.
    pub const APPENV_TRUSTED_DIRS: &'static str = "APPENV_TRUSTED_DIRS";

    /// Set by `appenv export` for the shell hook: what the hook loaded, which
    /// appenv takes back out of the environment it inherits before it resolves.
    pub const APPENV_STATE: &'static str = "APPENV_STATE";

    /// Set by the hook scripts for `appenv export`: the names of the shell's own
    /// (unexported) variables, which an export must not overwrite.
    pub const APPENV_SHELL_VARS: &'static str = "APPENV_SHELL_VARS";

    /// Set by a shim for its program, one more each time: a shim loop stops at 8.
    pub const APPENV_SHIM_DEPTH: &'static str = "APPENV_SHIM_DEPTH";

    /// Set by a shim for the launcher (`bundle exec`…) it runs: the root it was
    /// started for, so a shim the launcher re-enters does not add it again.
    pub const APPENV_SHIM_LAUNCHED: &'static str = "APPENV_SHIM_LAUNCHED";

    /// Read and set: the program search path (lookup, isolation's and the
    /// version managers' `bin` entries, the hook's PATH arithmetic).
    pub const PATH: &'static str = "PATH";

    /// Read: the user's home, for the XDG defaults and the managers' trees; an
    /// app's files may not set it when `XDG_DATA_HOME` is not inherited.
    pub const HOME: &'static str = "HOME";

    /// Read: the working directory as the user sees it; set for a task.
    pub const PWD: &'static str = "PWD";

    /// Read: where the trust records and shims live; an app's files may not set
    /// it. `--same-as` sets it to the caller's own, opened before entering.
    pub const XDG_DATA_HOME: &'static str = "XDG_DATA_HOME";

    /// Read: where the user's `config.toml` lives.
    pub const XDG_CONFIG_HOME: &'static str = "XDG_CONFIG_HOME";

    /// Read: where the shim's notice stamps live (else `XDG_CACHE_HOME`).
    pub const XDG_RUNTIME_DIR: &'static str = "XDG_RUNTIME_DIR";

    /// Read: where the shim's notice stamps live when `XDG_RUNTIME_DIR` is unset.
    pub const XDG_CACHE_HOME: &'static str = "XDG_CACHE_HOME";

    /// Read: the editor `appenv edit` runs, before `EDITOR`.
    pub const VISUAL: &'static str = "VISUAL";

    /// Read: the editor `appenv edit` runs when `VISUAL` is unset.
    pub const EDITOR: &'static str = "EDITOR";

    /// Read: the file a GitHub Actions step appends to; `export --format gha` writes there.
    pub const GITHUB_ENV: &'static str = "GITHUB_ENV";

    /// Set for the program when isolation finds the app's virtualenv; read and
    /// taken out of a process `uv run` or pipenv started.
    pub const VIRTUAL_ENV: &'static str = "VIRTUAL_ENV";

    /// Taken out of the program's environment when a virtualenv is activated.
    pub const PYTHONHOME: &'static str = "PYTHONHOME";

    /// Set for the program: isolation's `local/lib/perl5` (carton) before the app's own.
    pub const PERL5LIB: &'static str = "PERL5LIB";

    /// Read: the virtualenv `uv` uses for the project (`which`).
    pub const UV_PROJECT_ENVIRONMENT: &'static str = "UV_PROJECT_ENVIRONMENT";

    /// Read and set for a shim's `bundle exec`: the app's Gemfile.
    pub const BUNDLE_GEMFILE: &'static str = "BUNDLE_GEMFILE";

    /// Set for a shim's `bundle exec`: the bundle program it runs.
    pub const BUNDLE_BIN_PATH: &'static str = "BUNDLE_BIN_PATH";

    /// Read and set for a shim's `bundle exec`: Bundler's `-rbundler/setup`.
    pub const RUBYOPT: &'static str = "RUBYOPT";

    /// Set for pipenv, so it does not load `.env` over appenv's.
    pub const PIPENV_DONT_LOAD_ENV: &'static str = "PIPENV_DONT_LOAD_ENV";

    /// Set for uv, so it does not load an env file over appenv's.
    pub const UV_NO_ENV_FILE: &'static str = "UV_NO_ENV_FILE";

    /// Set for Poetry, so it does not load `.env` over appenv's.
    pub const POETRY_DONT_LOAD_ENV: &'static str = "POETRY_DONT_LOAD_ENV";

    /// Set for overmind, so it does not load `.env` over appenv's.
    pub const OVERMIND_SKIP_ENV: &'static str = "OVERMIND_SKIP_ENV";

    /// Set for a package script `appenv run` starts, as npm sets it: where it
    /// was started. Read as the sign of a process `npm run` started.
    pub const INIT_CWD: &'static str = "INIT_CWD";

    /// Set for a Composer script, as `composer run` sets it; read as the sign of one.
    pub const COMPOSER_DEV_MODE: &'static str = "COMPOSER_DEV_MODE";

    /// What the variable holding an env file's private key starts with (dotenvx);
    /// read from the environment and `.env.keys`, never set by an app's files.
    pub const DOTENV_PRIVATE_KEY: &'static str = "DOTENV_PRIVATE_KEY";

    /// What the variable holding an env file's public key starts with (dotenvx).
    pub const DOTENV_PUBLIC_KEY: &'static str = "DOTENV_PUBLIC_KEY";

    /// Read: where mise installs (`versions`), else `$XDG_DATA_HOME/mise`.
    pub const MISE_DATA_DIR: &'static str = "MISE_DATA_DIR";

    /// Read: where asdf installs, else `~/.asdf`.
    pub const ASDF_DATA_DIR: &'static str = "ASDF_DATA_DIR";

    /// Read: where rbenv installs, else `~/.rbenv`.
    pub const RBENV_ROOT: &'static str = "RBENV_ROOT";

    /// Read: where pyenv installs, else `~/.pyenv`.
    pub const PYENV_ROOT: &'static str = "PYENV_ROOT";

    /// Read: where uv installs Pythons, else `$XDG_DATA_HOME/uv/python`.
    pub const UV_PYTHON_INSTALL_DIR: &'static str = "UV_PYTHON_INSTALL_DIR";

    /// Read: where nvm installs, else `~/.nvm`.
    pub const NVM_DIR: &'static str = "NVM_DIR";
}

/// The registry is the one place: no `"APPENV_…"` literal elsewhere in the
/// code, each constant's value is its own name, and the README, docs/ and the
/// man page speak of exactly the `APPENV_*` variables declared here.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// `APPENV_…` words that are not variables: the heredoc delimiter of
    /// `export --format gha` (`APPENV_EOF`, `APPENV_EOF_1`…).
    fn not_a_variable(word: &str) -> bool {
        word.strip_prefix("APPENV_EOF")
            .is_some_and(|n| n.is_empty() || n.trim_start_matches('_').parse::<u32>().is_ok())
    }

    /// The `APPENV_[A-Z0-9_]+` words of `text` with their line numbers;
    /// `quoted`: only those written as a string literal.
    fn words(text: &str, quoted: bool) -> Vec<(usize, &str)> {
        let mut found = Vec::new();
        for (n, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("APPENV_") {
                let rest = &line[at..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(rest.len());
                let word = &rest[..end];
                let starts = at == 0 || !line[..at].ends_with(|c: char| c.is_alphanumeric());
                let literal = line[..at].ends_with('"') && rest[end..].starts_with('"');
                if word.len() > "APPENV_".len() && starts && (!quoted || literal) {
                    found.push((n + 1, word));
                }
            }
        }
        found
    }

    fn registry() -> (BTreeSet<String>, Vec<String>) {
        let text = include_str!("env_vars.rs");
        let (mut names, mut wrong) = (BTreeSet::new(), Vec::new());
        for line in text.lines() {
            let Some(decl) = line.trim().strip_prefix("pub const ") else {
                continue;
            };
            let (name, value) = decl.split_once(": &'static str = ").unwrap();
            let value = value.trim_end_matches(';').trim_matches('"');
            if name == "APPENV_PREFIX" {
                continue;
            }
            if name != value {
                wrong.push(format!("src/env_vars.rs: {name} holds {value:?}"));
            }
            names.insert(value.to_string());
        }
        (names, wrong)
    }

    fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }

    #[test]
    fn every_appenv_variable_is_named_here_and_documented() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (names, mut wrong) = registry();
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        for file in files {
            let rel = file.strip_prefix(root).unwrap().display().to_string();
            if rel == "src/env_vars.rs" || rel.ends_with("/tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests may spell a name out: what they assert is the value.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (line, word) in words(code, true) {
                if !not_a_variable(word) {
                    wrong.push(format!("{rel}:{line}: \"{word}\": use EnvVars::{word}"));
                }
            }
        }
        let mut documented = BTreeSet::new();
        let mut docs: Vec<PathBuf> = ["README.md", "src/man.rs"].map(|d| root.join(d)).into();
        for entry in std::fs::read_dir(root.join("docs")).unwrap() {
            docs.push(entry.unwrap().path());
        }
        for path in docs.into_iter().filter(|p| p.is_file()) {
            let doc = path.strip_prefix(root).unwrap().display().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            for (line, word) in words(&text, false) {
                if !not_a_variable(word) && !names.contains(word) {
                    wrong.push(format!("{doc}:{line}: {word} is not in src/env_vars.rs"));
                }
                documented.insert(word.to_string());
            }
        }
        for name in names.iter().filter(|n| n.starts_with("APPENV_")) {
            if !documented.contains(name) {
                wrong.push(format!(
                    "{name}: in src/env_vars.rs, not in README.md nor docs/"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
