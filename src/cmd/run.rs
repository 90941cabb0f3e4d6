//! `appenv run [--dry-run] TASK [ARGS]…`: an admin process, in the root
//! directory, with appenv's pid.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use super::Context;
use crate::env_vars::EnvVars;
use crate::error::{Error, print};
use crate::exec;
use crate::exec::Skip;
use crate::exit::ExitCode;
use crate::isolation::Prefix;
use crate::plan::{Env, Plan};
use crate::shell::push_word;
use crate::tasks::{self, Invocation, Manager, Origin};
use crate::text::{sanitize, sanitize_bytes};

pub fn run(ctx: &Context, words: &[OsString], dry_run: bool) -> Result<(), Error> {
    let Some((name, args)) = words.split_first() else {
        return Err(Error::new(ExitCode::Failed, "no task named"));
    };
    let Some(name) = name.to_str() else {
        return Err(Error::new(
            ExitCode::Failed,
            format!(
                "no task named '{}': task names are UTF-8",
                sanitize_bytes(name.as_bytes())
            ),
        ));
    };
    run_task(ctx, name, args, dry_run)
}

pub fn run_task(ctx: &Context, name: &str, args: &[OsString], dry_run: bool) -> Result<(), Error> {
    let plan = ctx.load()?;
    let Some(task) = tasks::find(&plan, name) else {
        return Err(unknown(&plan, name, args));
    };
    let invocation = task
        .invocation(&plan, args, Prefix::unless(ctx.global.no_prefix))
        .map_err(|refused| {
            Error::new(
                ExitCode::Failed,
                format!(
                    "task '{}' ({}) cannot take arguments: {}; put them in the task, or write it as an array in [tasks]",
                    sanitize(name),
                    task.origin,
                    refused.0
                ),
            )
        })?;
    let mut env = environment(&plan, &invocation);
    if task.origin == Origin::Package(Manager::Npm) {
        // npm's name for the directory it was started from.
        env.insert(
            EnvVars::INIT_CWD.into(),
            ctx.start_dir(ExitCode::Failed)?.into_string().into(),
        );
    }
    let skip = Skip::for_env(|name| env.get(std::ffi::OsStr::new(name)).map(|v| v.as_os_str()));
    let path = env
        .get(std::ffi::OsStr::new(EnvVars::PATH))
        .map(|v| v.as_os_str());
    let program = skip.lookup(&invocation.argv.program, path)?;
    if dry_run {
        return print(&dry_run_line(&program, &invocation));
    }
    if task.origin == Origin::Package(Manager::Npm) && !ctx.quiet() {
        let hooks = tasks::npm_hooks(&plan.root.dir, name);
        if !hooks.is_empty() {
            eprintln!(
                "appenv: note: {} not run ('npm run {}' runs them; appenv replaces itself with the script's program)",
                sanitize(&hooks.join(" and ")),
                sanitize(name)
            );
        }
    }
    let env = env.iter().map(|(k, v)| (k.as_os_str(), v.as_os_str()));
    Err(exec::exec(
        &program,
        &invocation.argv.to_vec(),
        env,
        Some(plan.root.dir.as_std_path()),
    )
    .into())
}

/// The plan's variables with the task's own set over them.
fn environment(plan: &Plan, invocation: &Invocation) -> Env {
    let mut env: Env = plan
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    env.extend(invocation.env.iter().cloned());
    env
}

/// `NAME=value… /path/to/program ARGS…`, shell-quoted like `appenv which`,
/// with the line's own assignments (what a person would type to run it).
fn dry_run_line(program: &std::path::Path, invocation: &Invocation) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in &invocation.assignments {
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        push_word(value.as_bytes(), &mut out);
        out.push(b' ');
    }
    push_word(program.as_os_str().as_bytes(), &mut out);
    for arg in &invocation.argv.args {
        out.push(b' ');
        push_word(arg.as_bytes(), &mut out);
    }
    out.push(b'\n');
    out
}

fn unknown(plan: &Plan, name: &str, args: &[OsString]) -> Error {
    let tasks = tasks::list(plan);
    let names: Vec<String> = tasks.iter().map(|t| sanitize(&t.name)).collect();
    let root = sanitize(plan.root.dir.as_str());
    let shown = sanitize(name);
    // A slip of the keyboard (`migrat`, `tset`) names the task it was meant to be.
    let near = crate::text::nearest(name, tasks.iter().map(|t| t.name.as_str()));
    let mut message = match near {
        _ if names.is_empty() => format!(
            "no task named '{shown}' in {root}, and no tasks at all: add one under [tasks] in appenv.toml"
        ),
        Some(near) => format!(
            "no task named '{shown}' in {root}; did you mean '{}'? The tasks are: {} (see 'appenv tasks')",
            sanitize(near),
            names.join(", ")
        ),
        None => format!(
            "no task named '{shown}' in {root}; the tasks are: {} (see 'appenv tasks', or add one under [tasks] in appenv.toml)",
            names.join(", ")
        ),
    };
    if near.is_some() {
        return Error::new(ExitCode::Failed, message);
    }
    // `appenv run rake db:version`: a program, typed as if it were a task.
    let skip = Skip::for_env(|name| plan.value(name));
    let program = skip.lookup(name.as_ref(), plan.value(EnvVars::PATH));
    if program.is_ok() && !name.contains('/') {
        let mut typed = b"appenv".to_vec();
        for word in std::iter::once(name.as_ref()).chain(args.iter().map(|a| a.as_os_str())) {
            typed.push(b' ');
            push_word(word.as_bytes(), &mut typed);
        }
        message.push_str(&format!("; did you mean '{}'?", sanitize_bytes(&typed)));
    }
    Error::new(ExitCode::Failed, message)
}
