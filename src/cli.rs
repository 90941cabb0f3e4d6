//! The command line, as clap types only (the completions and the man pages
//! are generated from them). The one import is the shell table: the names
//! `appenv hook` and `appenv export` take are its names.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::shell::Shell;

#[derive(Debug, Parser)]
#[command(
    name = "appenv",
    version,
    about = "Run a program in exactly the environment of the app it belongs to",
    long_about = "Run a program in exactly the environment of the app it belongs to: its root, its config \
                  (.env files, appenv.toml) and its dependency isolation (bundle exec, a virtualenv, \
                  node_modules/.bin). appenv then replaces itself with the program.",
    allow_external_subcommands = true,
    external_subcommand_value_parser = clap::value_parser!(OsString),
    arg_required_else_help = true,
    after_help = "Common commands:\n  appenv python manage.py shell   run a command in the app environment\n  appenv run migrate              run an admin process\n  appenv @production run migrate  run it where the app's remote production is (appenv remotes)\n  appenv console                  open the app's REPL\n  appenv explain                  show what appenv found and why\n  appenv allow                    trust this app",
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(flatten)]
    pub terminal: Terminal,
    #[command(subcommand)]
    pub command: Command,
}

/// Whether `appenv @NAME` gives the remote program a terminal; by default,
/// when stdin and stdout are terminals. Options of appenv itself: they go
/// before `@NAME` (everything after it is the remote appenv's).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Terminal {
    /// With @NAME: give the remote program a terminal, even when piped
    #[arg(short = 't', long = "tty", overrides_with = "no_tty")]
    pub tty: bool,
    /// With @NAME: give the remote program no terminal, even from one
    #[arg(short = 'T', long = "no-tty", overrides_with = "tty")]
    pub no_tty: bool,
}

impl Terminal {
    /// `Some(true)` for --tty, `Some(false)` for --no-tty, `None` to decide
    /// from stdin and stdout.
    pub fn forced(self) -> Option<bool> {
        match (self.tty, self.no_tty) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

/// Every first argument that clap reads as a subcommand rather than as a
/// program to run, `help` included (a test keeps it equal to clap's list).
pub const SUBCOMMANDS: [&str; 22] = [
    "exec",
    "run",
    "console",
    "tasks",
    "env",
    "export",
    "hook",
    "root",
    "status",
    "which",
    "explain",
    "allow",
    "deny",
    "edit",
    "shim",
    "init",
    "completions",
    "diff",
    "encrypt",
    "decrypt",
    "remotes",
    "help",
];

impl Cli {
    /// `appenv PROGRAM [ARGS]...` read without clap: `None` unless the first
    /// argument is a program (not an option, not a subcommand), when clap
    /// would give the same. This is the exec hot path, and building clap's
    /// command with all its subcommands costs about a sixth of everything
    /// appenv does before it execs the program.
    pub fn parse_program(argv: &[OsString]) -> Option<Cli> {
        // clap refuses a program name that is not UTF-8; so does this.
        let first = argv.get(1)?.to_str()?;
        if first.is_empty() || first.starts_with('-') || SUBCOMMANDS.contains(&first) {
            return None;
        }
        let command = match first.strip_prefix('@') {
            Some(name) => Command::Remote(RemoteArgs {
                name: name.to_owned(),
                args: argv[2..].to_vec(),
            }),
            None => Command::External(argv[1..].to_vec()),
        };
        Some(Cli {
            global: Global::default(),
            terminal: Terminal::default(),
            command,
        })
    }
}

impl Cli {
    /// `appenv export SHELL`, exactly, read without clap: `None` for any
    /// other command line, when clap would give the same. Every shell hook
    /// runs it whenever something may have changed, and when nothing did,
    /// building clap's command with all its subcommands would be a third of
    /// the answer.
    pub fn parse_export(argv: &[OsString]) -> Option<Cli> {
        let [_, export, shell] = argv else {
            return None;
        };
        if export != "export" {
            return None;
        }
        let format = ExportFormat::named(shell.to_str()?)?;
        Some(Cli {
            global: Global::default(),
            terminal: Terminal::default(),
            command: Command::Export(ExportArgs { format }),
        })
    }

    /// Parses `argv`, giving everything after `console`, or after `run`'s
    /// task name, to the task untouched: clap would otherwise read a `-e`
    /// or `--help` there as appenv's own (`appenv console -e` asks the REPL
    /// to evaluate, `appenv run web --help` asks the web process for help).
    pub fn try_parse_args(argv: Vec<OsString>) -> Result<Cli, clap::Error> {
        let Some(split) = task_args_start(&argv) else {
            return Cli::try_parse_from(argv).map(Cli::at_remote);
        };
        let rest = argv[split..].to_vec();
        let mut cli = Cli::try_parse_from(&argv[..split])?;
        match &mut cli.command {
            Command::Run(args) => args.task.extend(rest),
            Command::Console(args) => args.args.extend(rest),
            _ => {}
        }
        Ok(cli)
    }

    /// `appenv [OPTIONS] @NAME ARGS…`: clap reads `@NAME` as a program to
    /// run; it names a remote, and the rest is the remote appenv's.
    fn at_remote(mut self) -> Cli {
        if let Command::External(words) = &mut self.command {
            let name = words.first().and_then(|w| w.to_str()?.strip_prefix('@'));
            if let Some(name) = name.map(str::to_owned) {
                let args = words.split_off(1);
                self.command = Command::Remote(RemoteArgs { name, args });
            }
        }
        self
    }
}

/// Where the task's own arguments start: after `console`, or after the
/// task name of `run`, past appenv's options. `None` when the command is
/// another one, or is written in a way this scan does not follow (clap then
/// reads all of it).
fn task_args_start(argv: &[OsString]) -> Option<usize> {
    let mut run = false;
    let mut i = 1;
    while i < argv.len() {
        let word = argv[i].to_str()?;
        match word {
            "-C" | "-e" | "--env" => i += 2,
            "--" => return None,
            _ if word.starts_with('-') => i += 1,
            _ if run => return Some(i + 1),
            "console" => return Some(i + 1),
            "run" => {
                run = true;
                i += 1;
            }
            _ => return None,
        }
    }
    None
}

#[derive(Debug, Clone, Default, Args)]
pub struct Global {
    /// Run as if started in DIR; the program's working directory is DIR
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
    /// The environment name (reads .env.NAME and .env.NAME.local)
    #[arg(short = 'e', long = "env", value_name = "NAME", global = true)]
    pub env: Option<String>,
    /// Env files beat the inherited environment
    #[arg(long = "override", global = true)]
    pub override_inherited: bool,
    /// Do not put the isolation prefix (bundle exec, poetry run…) before the command
    #[arg(long, global = true)]
    pub no_prefix: bool,
    /// Print no messages
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Start from a running process instead of from here: its environment,
    /// app, user and namespaces; a pid, a process type of this app (web), or
    /// a pidfile path (Linux only)
    #[arg(long, value_name = "PID|NAME|PIDFILE", global = true)]
    pub same_as: Option<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run COMMAND in the app environment (the same as `appenv COMMAND`)
    Exec(ExecArgs),
    /// Run an admin process: a task from appenv.toml, a Procfile entry, a package script or a built-in
    Run(RunArgs),
    /// Run the app's REPL (`appenv run console`)
    Console(ConsoleArgs),
    /// List tasks and where each comes from
    Tasks(TasksArgs),
    /// Print the environment the app gets
    Env(EnvArgs),
    /// Print shell code for the current directory (the hook calls it)
    Export(ExportArgs),
    /// Print the shell integration
    #[command(after_help = HOOK_SETUP)]
    Hook(HookArgs),
    /// Print the app root
    Root,
    /// Report the app for an editor: root, trust, variables, what to watch, errors
    Status(StatusArgs),
    /// Print the argv that would be executed, path resolved
    Which(WhichArgs),
    /// Show the root and why, files, variables and their sources, isolation, trust
    Explain,
    /// Trust an app
    Allow(AllowArgs),
    /// Distrust an app
    Deny(DenyArgs),
    /// Edit an app's env file in $VISUAL or $EDITOR, then allow what was saved
    Edit(EditArgs),
    /// Manage shims: symlinks that run a program in its app environment
    Shim(ShimArgs),
    /// Write an appenv.toml describing what was detected (never overwrites)
    Init(InitArgs),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Compare a one-off started here with one started `--same-as PID`: names
    /// only on one side, names whose values differ (exit 1 when any)
    Diff(DiffArgs),
    /// Encrypt an env file's plain values in place, in dotenvx's format
    Encrypt(EncryptArgs),
    /// Print an env file with its encrypted values decrypted (stdout only)
    Decrypt(DecryptArgs),
    /// List the app's remotes ([remote.NAME] in appenv.toml), for `appenv @NAME ARGS…`
    Remotes(RemotesArgs),
    /// `appenv @NAME ARGS…`: `appenv ARGS…` where remote NAME is.
    #[command(skip)]
    Remote(RemoteArgs),
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The program and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// Everything after the task name belongs to the task (`appenv run web
/// --help` asks the web process for its help), so options go before it.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Print the argv that would run (shell-quoted) and run nothing
    #[arg(long)]
    pub dry_run: bool,
    /// The task name, then the arguments passed to the task
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "TASK"
    )]
    pub task: Vec<OsString>,
}

/// Every argument belongs to the REPL, `-h` and `--help` included (`appenv
/// help console` shows this help).
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct ConsoleArgs {
    /// Arguments passed to the REPL
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct TasksArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Print only the task names, one per line (the shell completions use it)
    #[arg(long, conflicts_with = "json")]
    pub names: bool,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// Print JSON with the source of each variable
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Print only the environment names the app's files and config speak of,
    /// one per line, no values (the shell completions use it)
    #[arg(long, conflicts_with_all = ["json", "format"])]
    pub names: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = EnvFormat::Env)]
    pub format: EnvFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnvFormat {
    /// KEY=value lines, like env(1)
    Env,
    /// A valid dotenv file
    Dotenv,
    /// A file for systemd's EnvironmentFile=
    Systemd,
    /// JSON with sources
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(value_enum, value_name = "SHELL", id = "shell")]
    pub format: ExportFormat,
}

/// What `appenv export` writes: a shell's code (by the names of the shell
/// table, `crate::shell`), JSON, or GitHub Actions' `$GITHUB_ENV` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Shell(Shell),
    Json,
    /// GitHub Actions' `$GITHUB_ENV`.
    Gha,
}

impl ExportFormat {
    /// Every format, in the order the help lists them: the shells, then
    /// `json` and `gha`.
    const ALL: [ExportFormat; Shell::ALL.len() + 2] = {
        let shells = Shell::ALL.len();
        let mut all = [ExportFormat::Json; Shell::ALL.len() + 2];
        let mut i = 0;
        while i < shells {
            all[i] = ExportFormat::Shell(Shell::ALL[i]);
            i += 1;
        }
        all[shells] = ExportFormat::Json;
        all[shells + 1] = ExportFormat::Gha;
        all
    };

    /// The format named `name`, as clap reads it: the hook's fast path
    /// ([`Cli::parse_export`]) reads it without clap, allocating nothing.
    pub fn named(name: &str) -> Option<ExportFormat> {
        match name {
            "json" => Some(ExportFormat::Json),
            "gha" => Some(ExportFormat::Gha),
            name => Shell::named(name).map(ExportFormat::Shell),
        }
    }
}

impl ValueEnum for ExportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ExportFormat::Shell(shell) => shell.to_possible_value()?.help(shell.export_help()),
            ExportFormat::Json => PossibleValue::new("json"),
            ExportFormat::Gha => PossibleValue::new("gha").help(
                "GitHub Actions: appends to the file $GITHUB_ENV names, prints ::add-mask:: for secrets",
            ),
        })
    }
}

/// `appenv hook NAME`: a shell of the shell table, by its name.
impl ValueEnum for Shell {
    fn value_variants<'a>() -> &'a [Self] {
        &Shell::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// The line each shell's startup file needs (`appenv help hook`, appenv-hook(1)).
pub const HOOK_SETUP: &str = "Setup: add the line for your shell to its startup file.
  ~/.bashrc                    eval \"$(appenv hook bash)\"
  ~/.zshrc                     eval \"$(appenv hook zsh)\"
  ~/.config/fish/config.fish   appenv hook fish | source
  ~/.tcshrc                    eval \"`appenv hook tcsh`\"
  ~/.config/elvish/rc.elv      eval (appenv hook elvish | slurp)
  ~/.xonshrc                   execx($(appenv hook xonsh))
  nushell: save its hook once (again after upgrading appenv)
      appenv hook nu | save -f ~/.cache/appenv.nu
  and add to config.nu:
      source ~/.cache/appenv.nu";

#[derive(Debug, Args)]
pub struct HookArgs {
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells clap can write completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Nu,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print the versioned JSON documented in docs/json.md
    #[arg(long)]
    pub json: bool,
}

/// A lone program with no prefix prints its path as it is, as which(1)
/// does; with arguments or a prefix, the argv as one shell-quoted line.
#[derive(Debug, Args)]
pub struct WhichArgs {
    /// Print JSON: argv, the resolved program path, and the app root
    #[arg(long)]
    pub json: bool,
    /// The program and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct AllowArgs {
    /// A directory inside the app (default: the working directory)
    // Its own id: sharing `dir` with the global -C would make clap drop -C here.
    #[arg(id = "app_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// List the allowed apps (path, when, files) instead
    #[arg(long, conflicts_with = "app_dir")]
    pub list: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The file to edit, one the app reads (default: .env at the app root)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DenyArgs {
    /// A directory inside the app, or the path of an app that no longer exists
    /// (default: the working directory)
    #[arg(id = "app_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Remove the records of every app whose directory is gone
    #[arg(long, conflicts_with = "app_dir")]
    pub gone: bool,
}

/// The key is the caller's `DOTENV_PRIVATE_KEY[_ENV]`, else the one in the
/// root's `.env.keys`; with neither, a new pair is made and its private key
/// added to `.env.keys`. Only the public key is needed to encrypt.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// The env file, from the working directory (default: .env at the app's root)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Only these variables (default: every plain value)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// Prints the whole file, each encrypted value written plain and
/// double-quoted; the file itself is never changed.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The env file, from the working directory (default: .env at the app's root)
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Only these variables (default: every encrypted value)
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ShimArgs {
    #[command(subcommand)]
    pub action: ShimAction,
}

#[derive(Debug, Subcommand)]
pub enum ShimAction {
    /// Create shims for NAMEs
    Install {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// List installed shims
    List,
    /// Remove shims
    Remove {
        #[arg(required = true)]
        names: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Translate the .envrc's declarative lines too, and list what could not be
    #[arg(long)]
    pub from_envrc: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Show the values that differ too (they may be secrets)
    #[arg(long)]
    pub values: bool,
}

#[derive(Debug, Args)]
pub struct RemotesArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `@NAME ARGS…`, read from what clap took for a program.
#[derive(Debug, Clone)]
pub struct RemoteArgs {
    /// The remote's name, without the `@`.
    pub name: String,
    /// The remote appenv's arguments, as given.
    pub args: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn subcommands_are_clap_s() {
        let mut cli = Cli::command();
        cli.build();
        let mut clap: Vec<&str> = cli
            .get_subcommands()
            .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()))
            .collect();
        clap.sort_unstable();
        let mut ours = SUBCOMMANDS.to_vec();
        ours.sort_unstable();
        assert_eq!(ours, clap);
    }

    #[test]
    fn task_arguments_are_the_task_s() {
        let parse = |words: &[&str]| {
            let argv: Vec<OsString> = words.iter().map(OsString::from).collect();
            Cli::try_parse_args(argv).unwrap()
        };
        let cli = parse(&[
            "appenv",
            "-e",
            "test",
            "run",
            "--dry-run",
            "web",
            "--help",
            "-e",
            "x",
        ]);
        assert_eq!(cli.global.env.as_deref(), Some("test"));
        let Command::Run(run) = cli.command else {
            panic!("not run")
        };
        assert!(run.dry_run);
        assert_eq!(run.task, ["web", "--help", "-e", "x"]);
        let cli = parse(&["appenv", "-q", "console", "-e", "1+1", "--help"]);
        assert!(cli.global.quiet);
        let Command::Console(console) = cli.command else {
            panic!("not console")
        };
        assert_eq!(console.args, ["-e", "1+1", "--help"]);
        let argv: Vec<OsString> = ["appenv", "run", "--help"]
            .iter()
            .map(OsString::from)
            .collect();
        let help = Cli::try_parse_args(argv).unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
    }

    #[test]
    fn programs_parse_as_clap_parses_them() {
        let argvs: [&[&[u8]]; 14] = [
            &[b"appenv", b"@production", b"run", b"-e", b"x", b"--help"],
            &[b"appenv", b"-t", b"@production", b"console"],
            &[b"appenv", b"python", b"-e", b"x", b"--help"],
            &[b"appenv", b"rake", b"db:migrate", b"--env", b"test"],
            &[b"appenv", b"./bin/x", b"-C", b"dir", b"--", b"exec"],
            &[b"appenv", b"\xff\xfe"],
            &[b"appenv", b"expor", b"zsh"],
            &[b"appenv", b"true"],
            &[b"appenv", b"--", b"exec"],
            &[b"appenv", b"-e", b"test", b"rake"],
            &[b"appenv", b"exec", b"true"],
            &[b"appenv", b"help"],
            &[b"appenv", b"run", b"x"],
            &[b"appenv"],
        ];
        let mut fast = 0;
        for argv in argvs {
            let argv: Vec<OsString> = argv
                .iter()
                .map(|a| OsString::from_vec(a.to_vec()))
                .collect();
            if let Some(cli) = Cli::parse_program(&argv) {
                let clap = Cli::try_parse_args(argv.clone()).unwrap();
                assert_eq!(format!("{cli:?}"), format!("{clap:?}"), "{argv:?}");
                fast += 1;
            }
        }
        assert_eq!(fast, 6);
    }

    #[test]
    fn at_name_is_a_remote_after_appenv_s_own_options() {
        let argv: Vec<OsString> = ["appenv", "-C", "app", "--no-tty", "@prod", "-t", "run", "x"]
            .iter()
            .map(OsString::from)
            .collect();
        let cli = Cli::try_parse_args(argv).unwrap();
        assert_eq!(cli.terminal.forced(), Some(false));
        assert_eq!(cli.global.dir.as_deref(), Some(std::path::Path::new("app")));
        let Command::Remote(remote) = cli.command else {
            panic!("not a remote: {:?}", cli.command)
        };
        assert_eq!(remote.name, "prod");
        assert_eq!(remote.args, ["-t", "run", "x"]);
    }

    #[test]
    fn the_hooks_export_is_read_as_clap_reads_it() {
        let mut fast = 0;
        for shell in ExportFormat::value_variants() {
            let name = shell.to_possible_value().unwrap().get_name().to_owned();
            let argv: Vec<OsString> = ["appenv", "export", &name].map(OsString::from).into();
            let cli = Cli::parse_export(&argv).unwrap();
            let clap = Cli::try_parse_from(&argv).unwrap();
            assert_eq!(format!("{cli:?}"), format!("{clap:?}"), "{argv:?}");
            fast += 1;
        }
        assert_eq!(fast, 9);
        for argv in [
            &["appenv", "export"][..],
            &["appenv", "export", "ZSH"],
            &["appenv", "export", "csh"],
            &["appenv", "export", "zsh", "x"],
            &["appenv", "export", "--help"],
            &["appenv", "-q", "export", "zsh"],
            &["appenv", "export", "-q"],
            &["appenv", "hook", "zsh"],
            &["appenv", "exports", "zsh"],
        ] {
            let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
            assert!(Cli::parse_export(&argv).is_none(), "{argv:?}");
        }
    }
}
