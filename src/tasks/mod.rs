//! Admin processes: the tasks an app offers and the argv each one runs.
//! A name is looked up in `[tasks]` in appenv.toml, then in the Procfile,
//! then among the scripts of package.json and composer.json, then among the
//! built-ins of the detected framework. Pure but for looking programs up on
//! the app's PATH: it reads the plan and a few files, and runs nothing.

mod packages;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;

use crate::config::{self, Action};
use crate::env_vars::EnvVars;
use crate::exec::Skip;
use crate::framework::Framework;
use crate::isolation::{self, Prefix};
use crate::plan::Plan;
use crate::script::{ArgsRefused, Form};
use crate::shell::push_word;

pub use packages::{Manager, npm_hooks};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub origin: Origin,
    pub command: Command,
}

/// What a task runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A command line: exec'd directly when it is one simple command, else
    /// run by `/bin/sh -c` (see [`crate::script`]).
    Shell(String),
    /// Words exec'd as they are, arguments appended.
    Argv(Argv<String>),
}

/// A program and its arguments. There is always a program, so it is a
/// field, never an index into a list that might be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argv<W = OsString> {
    pub program: W,
    pub args: Vec<W>,
}

/// Where a task is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `[tasks]` in appenv.toml.
    Config,
    /// A Procfile entry, with its line.
    Procfile { line: usize },
    /// A `"scripts"` entry of package.json or composer.json.
    Package(Manager),
    /// A built-in of the detected framework.
    Builtin(Framework),
}

/// What `exec` needs to run a task: the argv and what the task adds to the
/// plan's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub argv: Argv,
    /// Set over the plan's variables, in order (a later one wins).
    pub env: Vec<(OsString, OsString)>,
    /// The line's own leading `NAME=value` words, for `--dry-run`.
    pub assignments: Vec<(String, OsString)>,
}

impl<W> Argv<W> {
    /// The first word is the program; `None` when there is no word.
    pub fn new(words: impl IntoIterator<Item = W>) -> Option<Argv<W>> {
        let mut words = words.into_iter();
        Some(Argv {
            program: words.next()?,
            args: words.collect(),
        })
    }

    /// Every word, the program first.
    pub fn words(&self) -> impl Iterator<Item = &W> {
        std::iter::once(&self.program).chain(&self.args)
    }
}

impl<W: Clone> Argv<W> {
    pub fn to_vec(&self) -> Vec<W> {
        self.words().cloned().collect()
    }
}

impl Argv {
    /// This argv with `prefix`'s words before it.
    fn behind(self, prefix: &[String]) -> Argv {
        let Some((first, rest)) = prefix.split_first() else {
            return self;
        };
        let rest = rest.iter().map(OsString::from);
        Argv {
            program: first.into(),
            args: rest.chain(self.words().cloned()).collect(),
        }
    }
}

impl Command {
    /// A `[tasks]` entry's command; `None` for an empty array.
    fn of(action: &Action) -> Option<Command> {
        match action {
            Action::Shell(line) => Some(Command::Shell(line.clone())),
            Action::Argv(words) => Argv::new(words.iter().cloned()).map(Command::Argv),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Config => write!(f, "{} [tasks]", config::FILE_NAME),
            Origin::Procfile { line } => write!(f, "{}:{line}", crate::procfile::FILE_NAME),
            Origin::Package(manager) => write!(f, "{} scripts", manager.file_name()),
            Origin::Builtin(framework) => write!(f, "built-in ({framework})"),
        }
    }
}

/// Every task the app offers, one per name (the one `run` would pick), in
/// lookup order: config, Procfile, package scripts, built-ins.
pub fn list(plan: &Plan) -> Vec<Task> {
    let mut tasks: Vec<Task> = Vec::new();
    let mut add = |task: Task| {
        if !tasks.iter().any(|t| t.name == task.name) {
            tasks.push(task);
        }
    };
    if let Some(config) = &plan.config {
        for (name, task) in &config.tasks {
            // The config refuses an empty array ("nothing to run"), so no
            // task is left out here.
            let Some(command) = Command::of(task.get_ref()) else {
                continue;
            };
            add(Task {
                name: name.clone(),
                origin: Origin::Config,
                command,
            });
        }
    }
    if let Some(procfile) = &plan.procfile {
        for entry in &procfile.processes {
            add(Task {
                name: entry.name.clone(),
                origin: Origin::Procfile { line: entry.line },
                command: Command::Shell(entry.command.clone()),
            });
        }
    }
    for manager in [Manager::Npm, Manager::Composer] {
        for (name, line) in packages::scripts(&plan.root.dir, manager) {
            add(Task {
                name,
                origin: Origin::Package(manager),
                command: Command::Shell(line),
            });
        }
    }
    if let Some(framework) = framework(plan) {
        for &(name, argv) in framework.builtins() {
            let argv = match (framework, name) {
                (Framework::Perl, "console") => {
                    crate::markers::perl_console(&crate::markers::by_path(&plan.root.dir))
                }
                _ => argv,
            };
            // Every built-in names its program.
            let Some(argv) = Argv::new(argv.iter().map(|w| (*w).to_owned())) else {
                continue;
            };
            add(Task {
                name: (*name).into(),
                origin: Origin::Builtin(framework),
                command: Command::Argv(argv),
            });
        }
    }
    tasks
}

/// The framework whose built-ins the app gets.
pub fn framework(plan: &Plan) -> Option<Framework> {
    let root = &plan.root.dir;
    crate::markers::framework(
        root,
        &crate::markers::by_path(root),
        plan.isolation.virtualenv.is_some(),
    )
}

/// The task `appenv run NAME` runs.
pub fn find(plan: &Plan, name: &str) -> Option<Task> {
    list(plan).into_iter().find(|t| t.name == name)
}

impl Task {
    /// How this task runs with `args`. The isolation prefix goes before the
    /// program of a config task or a built-in (unless the line starts with
    /// the launcher itself); a Procfile line or a package script states its
    /// own isolation and gets none. Refused when the line cannot take ARGS
    /// as arguments (see [`crate::script`]).
    pub fn invocation(
        &self,
        plan: &Plan,
        args: &[OsString],
        prefix: Prefix,
    ) -> Result<Invocation, ArgsRefused> {
        let prefix = self.prefix(prefix);
        let env = self.env(plan);
        match &self.command {
            Command::Argv(words) => {
                let program = self.program(plan, OsStr::new(&words.program));
                let words = words.args.iter().map(OsString::from);
                let command = Argv {
                    program,
                    args: words.chain(args.iter().cloned()).collect(),
                };
                Ok(direct(plan, prefix, env, command, Vec::new()))
            }
            Command::Shell(line) => {
                let form = Form::parse(line);
                match expand(plan, &env, &form) {
                    Some((assignments, mut command)) => {
                        command.args.extend(args.iter().cloned());
                        Ok(direct(plan, prefix, env, command, assignments))
                    }
                    None => self.through_sh(plan, prefix, env, &form, line, args),
                }
            }
        }
    }

    /// A line only `/bin/sh` runs as it means: `/bin/sh -c SCRIPT NAME
    /// ARGS…`, behind the prefix its first command word asks for.
    fn through_sh(
        &self,
        plan: &Plan,
        prefix: Prefix,
        env: Vec<(OsString, OsString)>,
        form: &Form,
        line: &str,
        args: &[OsString],
    ) -> Result<Invocation, ArgsRefused> {
        let script = form.shell_script(line, !args.is_empty())?;
        let sh = ["-c".into(), script.into(), OsString::from(&self.name)];
        let sh = Argv {
            program: "/bin/sh".into(),
            args: sh.into_iter().chain(args.iter().cloned()).collect(),
        };
        let first = first_command_word(line);
        let argv = sh.behind(prefix.words(&plan.isolation, first.as_ref()));
        Ok(Invocation {
            env: with_launcher(plan, env, &argv.program, line),
            argv,
            assignments: Vec::new(),
        })
    }

    /// The prefix this task takes when `asked` is the run's: a Procfile
    /// line or a package script states its own isolation and gets none.
    fn prefix(&self, asked: Prefix) -> Prefix {
        match self.origin {
            Origin::Config | Origin::Builtin(_) => asked,
            Origin::Procfile { .. } | Origin::Package(_) => Prefix::None,
        }
    }

    /// Built-ins name `python`, which stock Debian and macOS lack outside a
    /// virtualenv: `python3` then, as PEP 394 suggests.
    fn program(&self, plan: &Plan, word: &OsStr) -> OsString {
        if matches!(self.origin, Origin::Builtin(_)) && word == "python" {
            let skip = Skip::for_env(|name| plan.value(name));
            let found = |name: &str| {
                skip.lookup(name.as_ref(), plan.value(EnvVars::PATH))
                    .is_ok()
            };
            if !found("python") && found("python3") {
                return "python3".into();
            }
        }
        word.to_owned()
    }

    /// What the task adds to the plan's environment before its own
    /// assignments: PWD (the task runs in the root, and no shell is left to
    /// set it), the task's name as the process type, and what a package
    /// manager gives its scripts.
    fn env(&self, plan: &Plan) -> Vec<(OsString, OsString)> {
        // foreman sets FOREMAN_WORKER_NAME, Heroku DYNO.
        let mut env: Vec<(OsString, OsString)> = vec![
            (EnvVars::PWD.into(), plan.root.dir.as_str().into()),
            (EnvVars::APPENV_PROCESS.into(), self.name.clone().into()),
        ];
        if let Origin::Package(manager) = self.origin {
            env.extend(self.package_env(plan, manager));
        }
        env
    }

    /// What a package manager gives its scripts: its bin directory first
    /// on PATH, and its own variables.
    fn package_env(&self, plan: &Plan, manager: Manager) -> Vec<(OsString, OsString)> {
        let root = &plan.root.dir;
        let mut env = Vec::new();
        let bin = root.join(manager.bin_dir(root));
        let path = plan.value(EnvVars::PATH).unwrap_or_default();
        let on_path = path
            .as_bytes()
            .split(|&b| b == b':')
            .next()
            .is_some_and(|first| first == bin.as_str().as_bytes());
        if !on_path {
            env.push((
                EnvVars::PATH.into(),
                crate::plan::prepend_path(&[bin], path),
            ));
        }
        match manager {
            Manager::Npm => env.extend(self.npm_env(root)),
            Manager::Composer => env.push((EnvVars::COMPOSER_DEV_MODE.into(), "1".into())),
        }
        env
    }

    /// What `npm run` tells a script about itself and its package.
    fn npm_env(&self, root: &camino::Utf8Path) -> Vec<(OsString, OsString)> {
        let line = match &self.command {
            Command::Shell(line) => line.as_str(),
            Command::Argv(_) => "",
        };
        let (name, version) = packages::npm_package(root);
        let json = root.join("package.json");
        let mut env: Vec<(OsString, OsString)> = vec![
            ("npm_lifecycle_event".into(), self.name.clone().into()),
            ("npm_lifecycle_script".into(), line.into()),
            ("npm_command".into(), "run-script".into()),
            ("npm_package_json".into(), json.as_str().into()),
        ];
        if let Some(name) = name {
            env.push(("npm_package_name".into(), name.into()));
        }
        if let Some(version) = version {
            env.push(("npm_package_version".into(), version.into()));
        }
        env
    }

    /// The command as written, for listings.
    pub fn display(&self) -> String {
        match &self.command {
            Command::Shell(script) => script.clone(),
            Command::Argv(argv) => quote_words(argv.words().map(|w| w.as_bytes())),
        }
    }

    /// What really runs, the isolation prefix included and nothing
    /// expanded (a listing must not show an untrusted app's values):
    /// `bundle exec bin/rails db:migrate`, `/bin/sh -c 'a && exec b'`.
    pub fn runs(&self, plan: &Plan, prefix: Prefix) -> String {
        let prefix = self.prefix(prefix);
        let before = |program: &str| prefix.words(&plan.isolation, program.as_ref());
        match &self.command {
            Command::Argv(argv) => {
                let program = self.program(plan, argv.program.as_ref());
                let program = program.to_string_lossy();
                let args = argv.args.iter().map(|w| w.as_bytes());
                let words = std::iter::once(program.as_bytes()).chain(args);
                joined(before(&program), quote_words(words))
            }
            Command::Shell(line) => line_runs(line, before),
        }
    }
}

/// A command exec'd without a shell, behind its prefix, with the line's own
/// assignments set over what the task adds.
fn direct(
    plan: &Plan,
    prefix: Prefix,
    env: Vec<(OsString, OsString)>,
    command: Argv,
    assignments: Vec<(String, OsString)>,
) -> Invocation {
    let prefix = prefix.words(&plan.isolation, &command.program);
    let argv = command.behind(prefix);
    let mut env = with_launcher(plan, env, &argv.program, "");
    env.extend(
        assignments
            .iter()
            .map(|(k, v)| (OsString::from(k), v.clone())),
    );
    Invocation {
        argv,
        env,
        assignments,
    }
}

/// A simple command's assignments and words, expanded as `/bin/sh` would
/// with the task's variables over the plan's; `None` when only a shell can
/// run the line as it means.
fn expand(
    plan: &Plan,
    env: &[(OsString, OsString)],
    form: &Form,
) -> Option<(Vec<(String, OsString)>, Argv)> {
    let Form::Simple(simple) = form else {
        return None;
    };
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| plan.value(name).map(OsStr::to_owned))
    };
    let (assignments, words) = simple.expand(&lookup)?;
    Some((assignments, Argv::new(words)?))
}

/// A task line as it runs, nothing expanded: its assignments, then the
/// prefix and the command; or `/bin/sh -c 'SCRIPT'` behind the prefix the
/// line's first command word asks for.
fn line_runs<'p>(line: &str, before: impl Fn(&str) -> &'p [String]) -> String {
    match Form::parse(line) {
        Form::Simple(simple) => {
            let assignments = simple.assignments_text(line);
            let command = joined(
                before(&simple.program()),
                simple.command_text(line).to_owned(),
            );
            match assignments.is_empty() {
                true => command,
                false => format!("{assignments} {command}"),
            }
        }
        form => {
            let script = form
                .shell_script(line, false)
                .unwrap_or_else(|_| line.to_owned());
            let mut sh = b"/bin/sh -c ".to_vec();
            push_word(script.as_bytes(), &mut sh);
            let first = first_command_word(line);
            joined(before(first), String::from_utf8_lossy(&sh).into_owned())
        }
    }
}

/// The word whose prefix a line run by `/bin/sh` takes, for running it and
/// for listing it alike: its first command word as written (`bundle` in
/// `RAILS_ENV=test bundle exec rake && echo ok`), empty when there is none.
fn first_command_word(line: &str) -> &str {
    isolation::command_words(line)
        .first()
        .copied()
        .unwrap_or_default()
}

/// The prefix's words, then `rest`, a space apart (an empty one left out).
fn joined(prefix: &[String], rest: String) -> String {
    let mut words: Vec<String> = prefix.to_vec();
    words.push(rest);
    words.retain(|w| !w.is_empty());
    words.join(" ")
}

fn quote_words<'a>(words: impl Iterator<Item = &'a [u8]>) -> String {
    words
        .map(|w| {
            let mut out = Vec::new();
            push_word(w, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds what keeps a launcher (the program exec'd, or one named in the
/// line) from loading `.env` again over what appenv chose.
/// A value the caller set is kept.
fn with_launcher(
    plan: &Plan,
    mut env: Vec<(OsString, OsString)>,
    program: &OsStr,
    line: &str,
) -> Vec<(OsString, OsString)> {
    let named = line.split_whitespace().map(OsStr::new);
    for word in std::iter::once(program).chain(named) {
        for (name, value) in isolation::launcher_env(word) {
            if plan.value(name).is_none() && !env.iter().any(|(k, _)| k == name) {
                env.push(((*name).into(), (*value).into()));
            }
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Request, resolve};
    use camino::{Utf8Path, Utf8PathBuf};
    use std::fs;

    fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, Utf8PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().join("app")).unwrap();
        fs::create_dir_all(&root).unwrap();
        for (name, content) in files {
            let p = root.join(name);
            if name.ends_with('/') {
                fs::create_dir_all(p).unwrap();
                continue;
            }
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

    fn argv(plan: &Plan, name: &str, args: &[&str], prefix: Prefix) -> Vec<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        find(plan, name)
            .unwrap()
            .invocation(plan, &args, prefix)
            .unwrap()
            .argv
            .to_vec()
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn frameworks_and_their_builtins() {
        type Files<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Files, Option<Framework>); 13] = [
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
                Some(Framework::Mix),
            ),
            (
                &[("cpanfile", ""), ("cpanfile.snapshot", "")],
                Some(Framework::Perl),
            ),
            (&[("cpanfile", ""), ("local/", "")], Some(Framework::Perl)),
            (&[("cpanfile", "")], None),
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
            assert_eq!(framework(&plan(&root)), expected, "{files:?}");
        }

        let (_t, root) = app(&[("manage.py", ""), (".venv/pyvenv.cfg", "")]);
        let plan = plan(&root);
        assert_eq!(
            argv(&plan, "migrate", &[], Prefix::Isolation),
            ["python", "manage.py", "migrate"]
        );
        assert_eq!(
            find(&plan, "console").unwrap().origin,
            Origin::Builtin(Framework::Django)
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
        let names: Vec<(String, Origin)> = list(&plan)
            .into_iter()
            .map(|t| (t.name, t.origin))
            .collect();
        assert_eq!(
            names,
            [
                ("migrate".into(), Origin::Config),
                ("web".into(), Origin::Procfile { line: 1 }),
                ("console".into(), Origin::Procfile { line: 2 }),
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
            argv(&plan, "seed", &["a b", "$c"], Prefix::Isolation),
            ["rake", "db:seed", "a b", "$c"]
        );
        assert_eq!(
            argv(&plan, "lint", &["x y"], Prefix::Isolation),
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
            argv(&plan, "seed", &[], Prefix::Isolation),
            ["bundle", "exec", "rake", "db:seed"]
        );
        assert_eq!(
            argv(&plan, "own", &[], Prefix::Isolation),
            ["bundle", "exec", "rake", "x"]
        );
        assert_eq!(
            argv(&plan, "env", &[], Prefix::Isolation),
            ["bundle", "exec", "rake"]
        );
        let env = find(&plan, "env")
            .unwrap()
            .invocation(&plan, &[], Prefix::Isolation)
            .unwrap();
        assert_eq!(
            env.assignments,
            [("RAILS_ENV".to_string(), OsString::from("test"))]
        );
        assert_eq!(
            find(&plan, "env").unwrap().runs(&plan, Prefix::Isolation),
            "RAILS_ENV=test bundle exec rake"
        );
        assert_eq!(
            find(&plan, "seed").unwrap().runs(&plan, Prefix::Isolation),
            "bundle exec rake db:seed"
        );
        assert_eq!(
            argv(&plan, "lint", &[], Prefix::Isolation),
            ["bundle", "exec", "rubocop"]
        );
        assert_eq!(argv(&plan, "lint", &[], Prefix::None), ["rubocop"]);
        assert_eq!(
            argv(&plan, "console", &["--sandbox"], Prefix::Isolation),
            ["bundle", "exec", "bin/rails", "console", "--sandbox"]
        );
        assert_eq!(
            argv(&plan, "web", &["-p", "3000"], Prefix::Isolation),
            ["puma", "-p", "3000"]
        );
        let web = find(&plan, "web")
            .unwrap()
            .invocation(&plan, &[], Prefix::Isolation)
            .unwrap();
        assert!(web.env.contains(&("APPENV_PROCESS".into(), "web".into())));
        assert!(web.env.contains(&("PWD".into(), root.as_str().into())));
    }

    #[test]
    fn words_are_shown_as_typed() {
        let task = Task {
            name: "t".into(),
            origin: Origin::Config,
            command: Command::Argv(Argv {
                program: "echo".into(),
                args: vec!["a b".into(), "it's".into(), "".into()],
            }),
        };
        assert_eq!(task.display(), "echo 'a b' 'it'\\''s' ''");
    }
}
