//! Admin processes: the tasks an app offers and the argv each one runs.
//! A name is looked up in `[tasks]` in appenv.toml, then in the Procfile,
//! then among the built-ins of the detected framework. Pure: it reads the
//! plan and a few marker files, and runs nothing.

use std::ffi::OsString;
use std::fmt;

use camino::Utf8Path;

use crate::config;
use crate::isolation;
use crate::plan::Plan;
use crate::shell::push_word;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub source: Source,
    pub command: Command,
}

/// Where a task is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `[tasks]` in appenv.toml.
    Config,
    /// A Procfile entry, with its line.
    Procfile { line: usize },
    /// A built-in of the detected framework.
    Builtin(Framework),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Exec'd directly, arguments appended.
    Argv(Vec<String>),
    /// Run by `/bin/sh -c`, arguments appended as `"$@"`.
    Shell(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Rails,
    Django,
    Laravel,
    Phoenix,
    Ruby,
    Python,
    Node,
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Rails => "Rails",
            Framework::Django => "Django",
            Framework::Laravel => "Laravel",
            Framework::Phoenix => "Phoenix",
            Framework::Ruby => "Ruby",
            Framework::Python => "Python",
            Framework::Node => "Node",
        })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Config => write!(f, "{} [tasks]", config::FILE_NAME),
            Source::Procfile { line } => write!(f, "{}:{line}", crate::procfile::FILE_NAME),
            Source::Builtin(framework) => write!(f, "built-in ({framework})"),
        }
    }
}

impl Framework {
    /// The framework of the app at `root`, most specific first: a Rails app
    /// also has a Gemfile, a Django app often a requirements.txt.
    pub fn detect(plan: &Plan) -> Option<Framework> {
        let root = &plan.root.dir;
        let has = |name: &str| root.join(name).symlink_metadata().is_ok();
        if has("bin/rails") {
            Some(Framework::Rails)
        } else if has("manage.py") {
            Some(Framework::Django)
        } else if has("artisan") {
            Some(Framework::Laravel)
        } else if depends_on_phoenix(root) {
            Some(Framework::Phoenix)
        } else if has("Gemfile") {
            Some(Framework::Ruby)
        } else if has("pyproject.toml")
            || has("requirements.txt")
            || plan.isolation.virtualenv.is_some()
        {
            Some(Framework::Python)
        } else if has("package.json") {
            Some(Framework::Node)
        } else {
            None
        }
    }

    /// The built-in tasks, as `(name, argv)`.
    pub fn builtins(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Framework::Rails => &[
                ("console", &["bin/rails", "console"]),
                ("migrate", &["bin/rails", "db:migrate"]),
            ],
            Framework::Django => &[
                ("console", &["python", "manage.py", "shell"]),
                ("migrate", &["python", "manage.py", "migrate"]),
            ],
            Framework::Laravel => &[
                ("console", &["php", "artisan", "tinker"]),
                ("migrate", &["php", "artisan", "migrate"]),
            ],
            Framework::Phoenix => &[
                ("console", &["iex", "-S", "mix"]),
                ("migrate", &["mix", "ecto.migrate"]),
            ],
            Framework::Ruby => &[("console", &["irb"])],
            Framework::Python => &[("console", &["python"])],
            Framework::Node => &[("console", &["node"])],
        }
    }
}

/// Whether `mix.exs` lists phoenix among its deps: `{:phoenix, "~> 1.7"}`,
/// not merely `:phoenix_html` or a mention in a comment.
fn depends_on_phoenix(root: &Utf8Path) -> bool {
    // Checked like every input: a regular file, opened without blocking, capped.
    let Ok(Some(bytes)) = crate::input::read_file(&root.join("mix.exs"), crate::input::MAX_CONFIG)
    else {
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

/// Every task the app offers, one per name (the one `run` would pick), in
/// lookup order: config, Procfile, built-ins.
pub fn list(plan: &Plan) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    let mut add = |task: Task| {
        if !tasks.iter().any(|t| t.name == task.name) {
            tasks.push(task);
        }
    };
    if let Some(config) = &plan.config {
        for (name, task) in &config.tasks {
            add(Task {
                name: name.clone(),
                source: Source::Config,
                command: match task.get_ref() {
                    config::Task::Shell(s) => Command::Shell(s.clone()),
                    config::Task::Argv(argv) => Command::Argv(argv.clone()),
                },
            });
        }
    }
    if let Some(procfile) = &plan.procfile {
        for entry in &procfile.entries {
            add(Task {
                name: entry.name.clone(),
                source: Source::Procfile { line: entry.line },
                command: Command::Shell(entry.command.clone()),
            });
        }
    }
    if let Some(framework) = Framework::detect(plan) {
        for (name, argv) in framework.builtins() {
            add(Task {
                name: (*name).into(),
                source: Source::Builtin(framework),
                command: Command::Argv(argv.iter().map(|w| (*w).into()).collect()),
            });
        }
    }
    tasks
}

/// The task `appenv run NAME` runs.
pub fn find(plan: &Plan, name: &str) -> Option<Task> {
    list(plan).into_iter().find(|t| t.name == name)
}

impl Task {
    /// The argv that runs this task with `args`. The isolation prefix goes
    /// before the first word of an argv and before the `/bin/sh` of a
    /// config string (unless the string starts with the launcher itself); a
    /// Procfile line states its own isolation and gets none.
    pub fn argv(&self, plan: &Plan, args: &[OsString], use_prefix: bool) -> Vec<OsString> {
        match &self.command {
            Command::Argv(words) => {
                let command: Vec<OsString> = words
                    .iter()
                    .map(OsString::from)
                    .chain(args.iter().cloned())
                    .collect();
                plan.argv(&command, use_prefix)
            }
            Command::Shell(script) => {
                let use_prefix = use_prefix && self.source == Source::Config;
                let words = isolation::command_words(script);
                let first = words.first().copied().unwrap_or_default();
                let prefix = match use_prefix {
                    true => plan.isolation.prefix_for(first.as_ref()),
                    false => &[],
                };
                prefix
                    .iter()
                    .map(OsString::from)
                    .chain(shell_argv(&self.name, script))
                    .chain(args.iter().cloned())
                    .collect()
            }
        }
    }

    /// The command as a person would type it, for listings.
    pub fn display(&self) -> String {
        match &self.command {
            Command::Shell(script) => script.clone(),
            Command::Argv(words) => words
                .iter()
                .map(|w| {
                    let mut out = Vec::new();
                    push_word(w.as_bytes(), &mut out);
                    String::from_utf8_lossy(&out).into_owned()
                })
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// `/bin/sh -c 'SCRIPT "$@"' NAME`: the arguments that follow become `"$@"`,
/// each one a word of its own whatever it holds. Trailing blanks and
/// newlines are dropped first, or a script ending in a newline would run
/// the arguments as a command of their own.
fn shell_argv(name: &str, script: &str) -> [OsString; 4] {
    [
        "/bin/sh".into(),
        "-c".into(),
        format!("{} \"$@\"", script.trim_end()).into(),
        name.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Request, resolve};
    use camino::Utf8PathBuf;
    use std::fs;

    fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().join("app")).unwrap();
        fs::create_dir_all(&root).unwrap();
        for (name, content) in files {
            let p = root.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, content).unwrap();
        }
        (tmp, root)
    }

    fn plan(root: &Utf8Path) -> Plan {
        let request = Request {
            start: root.to_owned(),
            ..Request::default()
        };
        resolve(&request, &Default::default()).unwrap()
    }

    fn argv(plan: &Plan, name: &str, args: &[&str], use_prefix: bool) -> Vec<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        find(plan, name)
            .unwrap()
            .argv(plan, &args, use_prefix)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn frameworks_and_their_builtins() {
        type Files<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Files, Option<Framework>); 10] = [
            (
                &[("bin/rails", ""), ("Gemfile", "")],
                Some(Framework::Rails),
            ),
            (
                &[("manage.py", ""), ("requirements.txt", "")],
                Some(Framework::Django),
            ),
            (
                &[("artisan", ""), ("composer.json", "{}")],
                Some(Framework::Laravel),
            ),
            (
                &[(
                    "mix.exs",
                    "defp deps do\n  [\n    {:phoenix, \"~> 1.7\"},\n  ]\nend\n",
                )],
                Some(Framework::Phoenix),
            ),
            (
                &[(
                    "mix.exs",
                    "[{:phoenix_html, \"~> 4.0\"}] # {:phoenix, \"x\"}\n",
                )],
                None,
            ),
            (&[("Gemfile", "")], Some(Framework::Ruby)),
            (&[("pyproject.toml", "")], Some(Framework::Python)),
            (
                &[(".env", ""), (".venv/pyvenv.cfg", "")],
                Some(Framework::Python),
            ),
            (&[("package.json", "{}")], Some(Framework::Node)),
            (&[(".env", "")], None),
        ];
        for (files, expected) in cases {
            let (_t, root) = app(files);
            assert_eq!(Framework::detect(&plan(&root)), expected, "{files:?}");
        }

        let (_t, root) = app(&[("manage.py", ""), (".venv/pyvenv.cfg", "")]);
        let plan = plan(&root);
        assert_eq!(
            argv(&plan, "migrate", &[], true),
            ["python", "manage.py", "migrate"]
        );
        assert_eq!(
            find(&plan, "console").unwrap().source,
            Source::Builtin(Framework::Django)
        );
        let (_t, root) = app(&[("package.json", "{}")]);
        assert!(find(&self::plan(&root), "migrate").is_none());
    }

    #[test]
    fn config_beats_procfile_beats_builtin() {
        let (_t, root) = app(&[
            ("bin/rails", ""),
            (
                "Procfile",
                "web: bin/rails server\nconsole: bin/rails console --sandbox\nmigrate: x\n",
            ),
            (
                "appenv.toml",
                "[tasks]\nmigrate = [\"bin/rails\", \"db:migrate:status\"]\n",
            ),
        ]);
        let plan = plan(&root);
        let names: Vec<(String, Source)> = list(&plan)
            .into_iter()
            .map(|t| (t.name, t.source))
            .collect();
        assert_eq!(
            names,
            [
                ("migrate".into(), Source::Config),
                ("web".into(), Source::Procfile { line: 1 }),
                ("console".into(), Source::Procfile { line: 2 }),
            ]
        );
        assert_eq!(
            find(&plan, "migrate").unwrap().display(),
            "bin/rails db:migrate:status"
        );
    }

    #[test]
    fn string_tasks_take_arguments_as_words() {
        let (_t, root) = app(&[(
            "appenv.toml",
            "[tasks]\nseed = \"\"\"\nrake db:seed\n\"\"\"\nlint = [\"rubocop\", \"-a\"]\n",
        )]);
        let plan = plan(&root);
        assert_eq!(
            argv(&plan, "seed", &["a b", "$c"], true),
            ["/bin/sh", "-c", "rake db:seed \"$@\"", "seed", "a b", "$c"]
        );
        assert_eq!(
            argv(&plan, "lint", &["x y"], true),
            ["rubocop", "-a", "x y"]
        );
    }

    #[test]
    fn prefix_for_config_and_builtins_not_procfile() {
        let (_t, root) = app(&[
            ("Gemfile", ""),
            ("bin/rails", ""),
            (
                "Procfile",
                "release: bundle exec rake db:migrate\nweb: puma\n",
            ),
            (
                "appenv.toml",
                "[tasks]\nseed = \"rake db:seed\"\nown = \"bundle exec rake x\"\nenv = \"RAILS_ENV=test bundle exec rake\"\nlint = [\"rubocop\"]\n",
            ),
        ]);
        let plan = plan(&root);
        assert_eq!(
            argv(&plan, "seed", &[], true),
            [
                "bundle",
                "exec",
                "/bin/sh",
                "-c",
                "rake db:seed \"$@\"",
                "seed"
            ]
        );
        assert_eq!(
            argv(&plan, "own", &[], true),
            ["/bin/sh", "-c", "bundle exec rake x \"$@\"", "own"]
        );
        assert_eq!(
            argv(&plan, "env", &[], true),
            [
                "/bin/sh",
                "-c",
                "RAILS_ENV=test bundle exec rake \"$@\"",
                "env"
            ]
        );
        assert_eq!(
            argv(&plan, "lint", &[], true),
            ["bundle", "exec", "rubocop"]
        );
        assert_eq!(argv(&plan, "lint", &[], false), ["rubocop"]);
        assert_eq!(
            argv(&plan, "console", &["--sandbox"], true),
            ["bundle", "exec", "bin/rails", "console", "--sandbox"]
        );
        assert_eq!(
            argv(&plan, "web", &["-p", "3000"], true),
            ["/bin/sh", "-c", "puma \"$@\"", "web", "-p", "3000"]
        );
    }

    #[test]
    fn words_are_shown_as_typed() {
        let task = Task {
            name: "t".into(),
            source: Source::Config,
            command: Command::Argv(vec!["echo".into(), "a b".into(), "it's".into(), "".into()]),
        };
        assert_eq!(task.display(), "echo 'a b' 'it'\\''s' ''");
    }
}
