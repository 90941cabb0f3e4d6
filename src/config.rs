//! `appenv.toml`: the app's own statement of its environment and isolation.

use std::collections::BTreeMap;
use std::fmt;

use camino::{Utf8Path, Utf8PathBuf};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use toml::Spanned;

use crate::env_vars::EnvVars;
use crate::text::{line_of, sanitize};

pub const FILE_NAME: &str = "appenv.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub environment: Option<Spanned<String>>,
    #[serde(default)]
    pub env: EnvSection,
    #[serde(default)]
    pub exec: ExecSection,
    #[serde(default)]
    pub tasks: BTreeMap<String, Spanned<Action>>,
    /// At a workspace top: the directories that are apps of their own.
    pub workspace: Option<WorkspaceSection>,
    /// `[remote.NAME]` as written; `remotes` holds them checked.
    #[serde(default)]
    remote: BTreeMap<String, Spanned<crate::remote::Table>>,
    /// Where the app also runs, for `appenv @NAME`, in name order.
    #[serde(skip)]
    pub remotes: Vec<crate::remote::Remote>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSection {
    /// Globs relative to this file's directory (`apps/*`, `services/**`).
    pub members: Spanned<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvSection {
    /// Replaces the default env file list; entries may hold `{env}`, and
    /// name files above the root (`../../.env.shared`).
    pub files: Option<Spanned<Vec<String>>>,
    /// Files beat the inherited environment (foreman's behaviour).
    #[serde(rename = "override")]
    pub override_inherited: Option<bool>,
    /// Directories relative to the root, put first on PATH.
    pub path: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub vars: Vars,
    /// The variables a named environment sets (RAILS_ENV…), replacing the
    /// ones of the detected framework.
    pub name_vars: Option<Spanned<Vec<String>>>,
    /// The environment names this app has: any other name is an error.
    pub environments: Option<Spanned<Vec<String>>>,
    /// How a variable spells an environment name (`MIX_ENV`: production is
    /// `prod`); a variable given here replaces its built-in spellings.
    pub name_map: Option<Spanned<BTreeMap<String, BTreeMap<String, String>>>>,
    /// Variables that must be set and not empty, or nothing runs.
    pub required: Option<Spanned<Vec<String>>>,
    /// Variables whose values are secrets: `export gha` masks them in the
    /// job's log, as it does every value written encrypted.
    pub secret: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecSection {
    /// Words put before every command; `[]` turns prefix detection off.
    pub prefix: Option<Spanned<Vec<String>>>,
}

/// What a task runs, from `[tasks]` or a Procfile or package.json line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Action {
    /// A command line: exec'd directly when it is one simple command, else
    /// run by `/bin/sh -c` (see [`crate::script`]).
    Shell(String),
    /// Exec'd directly, arguments appended.
    Argv(Vec<String>),
}

/// `[env.vars]` in file order: each value may refer to the ones above it.
#[derive(Debug, Default)]
pub struct Vars(pub Vec<(String, Spanned<String>)>);

impl<'de> Deserialize<'de> for Vars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Vars;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vars, A::Error> {
                let mut vars = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Spanned<String>>()? {
                    vars.push((k, v));
                }
                Ok(Vars(vars))
            }
        }
        d.deserialize_map(OrderedVisitor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: Utf8PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = sanitize(self.path.as_str());
        match self.line {
            Some(line) => write!(f, "{path}:{line}: {}", self.message),
            None => write!(f, "{path}: {}", self.message),
        }
    }
}

impl Config {
    /// Reads `appenv.toml` in `root`; `Ok(None)` when there is none.
    /// The resolver reads it through [`crate::input::Inputs`] instead, so
    /// that trust sees the bytes parsed.
    pub fn load(root: &Utf8Path) -> Result<Option<Config>, ConfigError> {
        let path = root.join(FILE_NAME);
        match crate::input::read_file(
            &path,
            crate::input::Kind::Other {
                limit: crate::input::MAX_CONFIG,
            },
        ) {
            // Named as the user knows it, like env files: relative to the root.
            Ok(Some(bytes)) => Config::parse(Utf8Path::new(FILE_NAME), &bytes).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(ConfigError {
                path: FILE_NAME.into(),
                line: None,
                message: e.problem_text(),
            }),
        }
    }

    pub fn parse(path: &Utf8Path, bytes: &[u8]) -> Result<Config, ConfigError> {
        let fail = |offset: Option<usize>, message: String| ConfigError {
            path: path.to_owned(),
            line: offset.map(|o| line_of(bytes, o)),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|e| fail(Some(e.valid_up_to()), "not valid UTF-8".into()))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let skipped = bytes.len() - text.len();
        let mut config: Config = toml::from_str(text)
            .map_err(|e| fail(e.span().map(|s| s.start + skipped), describe(e.message())))?;
        config
            .validate()
            .map_err(|(span, msg)| fail(Some(span + skipped), msg))?;
        config.remotes = crate::remote::parse(&config.remote)
            .map_err(|(span, msg)| fail(Some(span + skipped), msg))?;
        Ok(config)
    }

    pub fn override_inherited(&self) -> bool {
        self.env.override_inherited.unwrap_or(false)
    }

    /// Checks what serde cannot: names that can be environment variables and
    /// paths that stay inside the root.
    fn validate(&self) -> Result<(), (usize, String)> {
        for (name, value) in &self.env.vars.0 {
            if let Some(problem) = invalid_var_name(name) {
                return Err((value.span().start, format!("[env.vars] {problem}")));
            }
        }
        if let Some(env) = &self.environment {
            if let Some(problem) = invalid_env_name(env.get_ref()) {
                return Err((env.span().start, format!("environment: {problem}")));
            }
        }
        let lists = [
            ("[env] files", &self.env.files, true),
            ("[env] path", &self.env.path, false),
            (
                "[workspace] members",
                &self.workspace.as_ref().map(|w| w.members.clone()),
                false,
            ),
        ];
        for (key, list, may_leave) in lists {
            let Some(list) = list else { continue };
            for entry in list.get_ref() {
                if let Some(problem) = invalid_relative_path(entry, may_leave) {
                    return Err((list.span().start, format!("{key}: {problem}")));
                }
            }
        }
        if let Some(names) = &self.env.name_vars {
            for name in names.get_ref() {
                let problem = invalid_var_name(name).or_else(|| {
                    name.starts_with(EnvVars::APPENV_PREFIX)
                        .then(|| format!("{} is appenv's own variable", sanitize(name)))
                });
                if let Some(problem) = problem {
                    return Err((names.span().start, format!("[env] name_vars: {problem}")));
                }
            }
        }
        if let Some(map) = &self.env.name_map {
            for (var, spellings) in map.get_ref() {
                let problem = invalid_var_name(var).or_else(|| {
                    let bad = spellings.iter().flat_map(|(k, v)| [k, v]);
                    bad.filter_map(|name| invalid_env_name(name)).next()
                });
                if let Some(problem) = problem {
                    return Err((map.span().start, format!("[env] name_map: {problem}")));
                }
            }
        }
        for (key, names) in [
            ("required", &self.env.required),
            ("secret", &self.env.secret),
        ] {
            let Some(names) = names else { continue };
            for name in names.get_ref() {
                if let Some(problem) = invalid_var_name(name) {
                    return Err((names.span().start, format!("[env] {key}: {problem}")));
                }
            }
        }
        if let Some(names) = &self.env.environments {
            for name in names.get_ref() {
                if let Some(problem) = invalid_env_name(name) {
                    return Err((names.span().start, format!("[env] environments: {problem}")));
                }
            }
        }
        if let Some(prefix) = &self.exec.prefix {
            if prefix.get_ref().iter().any(String::is_empty) {
                return Err((prefix.span().start, "[exec] prefix: empty word".into()));
            }
        }
        for (name, task) in &self.tasks {
            let empty = match task.get_ref() {
                Action::Shell(s) => s.trim().is_empty(),
                Action::Argv(argv) => argv.first().is_none_or(String::is_empty),
            };
            if empty {
                let name = sanitize(name);
                return Err((task.span().start, format!("[tasks] {name}: nothing to run")));
            }
        }
        Ok(())
    }
}

/// Why `name` cannot be an environment variable name, if it cannot.
pub fn invalid_var_name(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("empty variable name".into())
    } else if name.contains(['=', '\0']) {
        Some(format!(
            "invalid variable name {:?}: it holds '=' or NUL",
            sanitize(name)
        ))
    } else {
        None
    }
}

/// Why `name` cannot name an environment (it becomes part of file names).
pub fn invalid_env_name(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    // The name is not shown: from a file it is a value like any other.
    (!ok).then(|| "invalid environment name: use letters, digits, '_', '-' and '.'".to_owned())
}

/// Why `entry` cannot be a path relative to the root, if it cannot; with
/// `may_leave`, it may go above the root through `..` (an env file shared
/// by the apps of a repository).
fn invalid_relative_path(entry: &str, may_leave: bool) -> Option<String> {
    let path = Utf8Path::new(entry);
    if entry.is_empty() {
        Some("empty path".into())
    } else if path.is_absolute() {
        Some(format!(
            "{:?} is absolute; paths here are relative to the app root",
            sanitize(entry)
        ))
    } else if !may_leave && path.components().any(|c| c.as_str() == "..") {
        Some(format!(
            "{:?} leaves the app root through '..'; paths must stay inside it",
            sanitize(entry)
        ))
    } else {
        None
    }
}

/// Adds "did you mean" to serde's unknown-field message: a typo in a key must
/// be easy to fix, not just reported.
fn describe(message: &str) -> String {
    let message = &hide_values(message.trim_end());
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return sanitize(message);
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return sanitize(message);
    };
    let nearest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (crate::text::distance(field, candidate), candidate))
        .min();
    match nearest {
        Some((d, candidate)) if d <= 3 => {
            format!("{}; did you mean `{candidate}`?", sanitize(message))
        }
        _ => sanitize(message),
    }
}

/// serde names the value it did not expect (``invalid type: string "hunter2",
/// expected a boolean``), which may be a secret: keep only its kind.
fn hide_values(message: &str) -> String {
    for lead in ["invalid type: ", "invalid value: ", "invalid length "] {
        if let Some(rest) = message.strip_prefix(lead) {
            let kind = rest.split([' ', ',']).next().unwrap_or_default();
            // The last one: the value comes first and may hold the words.
            let expected = rest.rfind(", expected").map_or("", |at| &rest[at..]);
            return format!("{lead}{kind}{expected}");
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_value_holding_serdes_words_is_still_hidden() {
        let message = r#"invalid type: string "x, expected hunter2", expected a boolean"#;
        assert_eq!(
            super::hide_values(message),
            "invalid type: string, expected a boolean"
        );
    }

    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Utf8Path::new("appenv.toml"), text.as_bytes())
    }

    #[test]
    fn reads_every_section() {
        let c = parse(
            "environment = \"development\"\n[env]\nfiles = [\".env\", \".env.{env}\"]\noverride = true\npath = [\"bin\"]\n[env.vars]\nB = \"1\"\nA = \"$B\"\n[exec]\nprefix = [\"bundle\", \"exec\"]\n[tasks]\nmigrate = \"rake db:migrate\"\nconsole = [\"bin/rails\", \"console\"]\n",
        )
        .unwrap();
        assert_eq!(c.environment.as_ref().unwrap().get_ref(), "development");
        assert!(c.override_inherited());
        let names: Vec<_> = c.env.vars.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["B", "A"], "file order is kept");
        assert_eq!(c.exec.prefix.unwrap().into_inner(), ["bundle", "exec"]);
        assert_eq!(
            c.tasks["console"].get_ref(),
            &Action::Argv(vec!["bin/rails".into(), "console".into()])
        );
        assert_eq!(
            c.tasks["migrate"].get_ref(),
            &Action::Shell("rake db:migrate".into())
        );
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let e = parse("[env]\npath = []\noverides = true\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.contains("did you mean `override`"),
            "{}",
            e.message
        );
        let e = parse("enviroment = \"x\"\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `environment`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn wrong_type_and_syntax_name_the_line() {
        let e = parse("[env]\n\noverride = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = parse("[env\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse("[env.vars]\nA = 1\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn type_errors_never_show_the_value() {
        for text in [
            "[env]\noverride = \"hunter2secretpass\"\n",
            "[env.vars]\nA = 4242424242\n",
            "environment = 4242424242\n",
            "[exec]\nprefix = \"hunter2secretpass\"\n",
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                !e.contains("hunter2") && !e.contains("4242"),
                "{text:?}: {e}"
            );
            assert!(e.contains("invalid type"), "{e}");
        }
    }

    #[test]
    fn rejects_bad_names_and_paths() {
        let e = parse("[env.vars]\n\"A=B\" = \"x\"\n").unwrap_err();
        assert!(e.message.contains("invalid variable name"));
        assert_eq!(e.line, Some(2));
        let e = parse("[env]\npath = [\"/usr/bin\"]\n").unwrap_err();
        assert!(e.message.contains("absolute"));
        let e = parse("[env]\npath = [\"../bin\"]\n").unwrap_err();
        assert!(e.message.contains("'..'"));
        let e = parse("[env]\nfiles = [\"/etc/env\"]\n").unwrap_err();
        assert!(e.message.contains("absolute"));
        assert!(parse("[env]\nfiles = [\"../../.env.shared\"]\n").is_ok());
        let e = parse("[workspace]\nmembers = [\"apps/*\", \"../x\"]\n").unwrap_err();
        assert!(
            e.message.starts_with("[workspace] members:"),
            "{}",
            e.message
        );
        let e = parse("[workspace]\nmember = [\"apps/*\"]\n").unwrap_err();
        assert!(
            e.message.contains("did you mean `members`"),
            "{}",
            e.message
        );
        let e = parse("environment = \"../x\"\n").unwrap_err();
        assert!(e.message.contains("invalid environment name"));
    }

    #[test]
    fn accepts_bom_and_counts_lines_after_it() {
        let e = Config::parse(
            Utf8Path::new("appenv.toml"),
            "\u{feff}\nbogus = 1\n".as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(
            Config::parse(
                Utf8Path::new("appenv.toml"),
                "\u{feff}environment = \"x\"\n".as_bytes()
            )
            .is_ok()
        );
    }
}
