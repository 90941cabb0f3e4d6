//! The command line, as clap types only: no `crate::` imports, so that the
//! completions and the man page can be generated from this file alone.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    after_help = "Common commands:\n  appenv python manage.py shell   run a command in the app environment\n  appenv run migrate              run an admin process\n  appenv console                  open the app's REPL\n  appenv explain                  show what appenv found and why\n  appenv allow                    trust this app",
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Every first argument that clap reads as a subcommand rather than as a
/// program to run, `help` included (a test keeps it equal to clap's list).
pub const SUBCOMMANDS: [&str; 17] = [
    "exec",
    "run",
    "console",
    "tasks",
    "env",
    "export",
    "hook",
    "root",
    "which",
    "explain",
    "allow",
    "deny",
    "shim",
    "init",
    "completions",
    "diff",
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
        Some(Cli {
            global: Global::default(),
            command: Command::External(argv[1..].to_vec()),
        })
    }
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
    /// working directory, user and namespaces (Linux only)
    #[arg(long, value_name = "PID|PIDFILE", global = true)]
    pub same_as: Option<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run COMMAND in the app environment (the same as `appenv COMMAND`)
    Exec(ExecArgs),
    /// Run an admin process: a task from appenv.toml, a Procfile entry or a built-in
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
    Hook(HookArgs),
    /// Print the app root
    Root,
    /// Print the argv that would be executed, path resolved
    Which(WhichArgs),
    /// Show the root and why, files, variables and their sources, isolation, trust
    Explain,
    /// Trust an app
    Allow(TrustArgs),
    /// Distrust an app
    Deny(TrustArgs),
    /// Manage shims: symlinks that run a program in its app environment
    Shim(ShimArgs),
    /// Write an appenv.toml describing what was detected (never overwrites)
    Init,
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Compare a one-off started here with one started `--same-as PID`: names
    /// only on one side, names whose values differ (exit 1 when any)
    Diff(DiffArgs),
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

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The task name
    pub task: String,
    /// Arguments passed to the task
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

#[derive(Debug, Args)]
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
    /// JSON with sources
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub shell: ExportShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportShell {
    Bash,
    Zsh,
    Fish,
    Json,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[arg(value_enum)]
    pub shell: HookShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct WhichArgs {
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
pub struct TrustArgs {
    /// A directory inside the app (default: the working directory)
    // Its own id: sharing `dir` with the global -C would make clap drop -C here.
    #[arg(id = "app_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
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
pub struct DiffArgs {
    /// Show the values that differ too (they may be secrets)
    #[arg(long)]
    pub values: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: HookShell,
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
    fn programs_parse_as_clap_parses_them() {
        let argvs: [&[&[u8]]; 12] = [
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
                let clap = Cli::try_parse_from(&argv).unwrap();
                assert_eq!(format!("{cli:?}"), format!("{clap:?}"), "{argv:?}");
                fast += 1;
            }
        }
        assert_eq!(fast, 5);
    }
}
