//! `appenv @NAME ARGS…`: `appenv ARGS…` where the app's remote NAME is.
//! appenv builds the transport's command (see `crate::remote`) and becomes
//! it: ssh, podman, docker or kubectl then owns the terminal, the signals
//! and the exit status, and no appenv process stays behind here.

use std::ffi::OsStr;
use std::io::IsTerminal;
use std::os::unix::ffi::OsStrExt;

use super::Context;
use crate::cli::{Global, RemoteArgs, Terminal};
use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exec::{self, ExecError};
use crate::exit::ExitCode;
use crate::plan::Env;
use crate::remote::Remote;
use crate::text::{sanitize, sanitize_bytes};

pub fn run(
    global: Global,
    terminal: Terminal,
    inherited: Env,
    args: &RemoteArgs,
) -> Result<(), Error> {
    refuse_local_options(&global)?;
    let ctx = Context::new(global, inherited);
    // The remotes come from appenv.toml, so they are the app's word only
    // once the app is trusted, as for anything else it says to run.
    let plan = ctx.trusted()?;
    let remotes = plan.config.as_ref().map_or(&[][..], |c| &c.remotes);
    let Some(remote) = remotes.iter().find(|r| r.name == args.name) else {
        return Err(unknown(&args.name, remotes, plan.root.dir.as_str()));
    };
    if let Some(arg) = remote.refused_arg(&args.args) {
        return Err(Error::new(
            ExitCode::Failed,
            format!(
                "{} would change the argument '{}': it is not UTF-8, and {0} passes arguments as JSON (ssh carries any bytes)",
                remote.transport.program(),
                sanitize_bytes(arg.as_bytes())
            ),
        ));
    }
    let tty = terminal
        .forced()
        .unwrap_or_else(|| std::io::stdin().is_terminal() && std::io::stdout().is_terminal());
    let argv = remote.command(&args.args, tty);
    // The transport gets the caller's environment as it was before any
    // load of the shell hook: the local app's variables are not the remote's.
    let path = ctx
        .base
        .get(OsStr::new(EnvVars::PATH))
        .map(|p| p.as_os_str());
    let program =
        exec::lookup(&argv[0], path, &exec::is_appenv).map_err(|e| not_found(e, remote))?;
    let env = ctx.base.iter().map(|(k, v)| (k.as_os_str(), v.as_os_str()));
    Err(not_found(exec::exec(&program, &argv, env, None), remote))
}

/// Options that choose how the app resolves belong to the remote appenv,
/// after `@NAME`: here they would change nothing there.
fn refuse_local_options(global: &Global) -> Result<(), Error> {
    let given = [
        ("-e/--env", global.env.is_some()),
        ("--override", global.override_inherited),
        ("--no-prefix", global.no_prefix),
        ("--same-as", global.same_as.is_some()),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some((option, _)) => Err(Error::new(
            ExitCode::Usage,
            format!(
                "{option} goes after @NAME: the options before it are this appenv's, the ones after it the remote appenv's"
            ),
        )),
        None => Ok(()),
    }
}

fn unknown(name: &str, remotes: &[Remote], root: &str) -> Error {
    let root = sanitize(root);
    let name = sanitize(name);
    let names: Vec<&str> = remotes.iter().map(|r| r.name.as_str()).collect();
    let message = if names.is_empty() {
        format!(
            "no remote named '{name}': {root} has no remotes; add one under [remote.NAME] in appenv.toml"
        )
    } else {
        format!(
            "no remote named '{name}' in {root}; the remotes are: {} (see 'appenv remotes')",
            names.join(", ")
        )
    };
    Error::new(ExitCode::Failed, message)
}

/// A transport that is not installed is named, with the remote that needs it.
fn not_found(e: ExecError, remote: &Remote) -> Error {
    let needs = matches!(e, ExecError::NotFound(_)).then(|| {
        format!(
            " (remote '{}' runs through {})",
            sanitize(&remote.name),
            remote.transport.program()
        )
    });
    let mut error = Error::from(e);
    error.message.push_str(&needs.unwrap_or_default());
    error
}
