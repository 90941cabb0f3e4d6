//! `appenv tasks [--json | --names]`: every task, where it comes from and
//! what really runs (the isolation prefix included, nothing expanded).
//! Read-only, so it works on an untrusted app and says that it is one.

use std::fmt::Write;

use serde_json::{Value, json};

use super::Context;
use crate::cli::TasksArgs;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::isolation::Prefix;
use crate::plan::Plan;
use crate::tasks::{self, Command, Origin, Task};
use crate::text::sanitize;

pub fn run(ctx: &Context, args: &TasksArgs) -> Result<(), Error> {
    let plan = ctx.show(ExitCode::GeneralError)?;
    let tasks = tasks::list(&plan);
    let prefix = Prefix::unless(ctx.global.no_prefix);
    if args.names {
        // For completion scripts: nothing on stderr.
        return print(names(&tasks).as_bytes());
    }
    ctx.say_notes(&plan, crate::launch::Values::NotShown);
    if tasks.is_empty() && !args.json && !ctx.quiet() {
        eprintln!(
            "appenv: no tasks in {}: add one under [tasks] in appenv.toml",
            sanitize(plan.root.dir.as_str())
        );
    }
    let out = if args.json {
        let list: Vec<Value> = tasks.iter().map(|t| to_json(t, &plan, prefix)).collect();
        let mut out = serde_json::to_string_pretty(&list)
            .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
        out.push('\n');
        out
    } else {
        table(&tasks, &plan, prefix)
    };
    print(out.as_bytes())
}

/// One name per line, for the shell completions. A name that sanitising
/// would change (a newline, a control character) is left out: it could
/// not be typed, and listing it raw would let a config write to the terminal.
fn names(tasks: &[Task]) -> String {
    tasks
        .iter()
        .filter(|t| sanitize(&t.name) == t.name)
        .map(|t| format!("{}\n", t.name))
        .collect()
}

/// Aligned columns: name, source, what runs.
fn table(tasks: &[Task], plan: &Plan, prefix: Prefix) -> String {
    let rows: Vec<[String; 3]> = tasks
        .iter()
        .map(|t| {
            [
                sanitize(&t.name),
                t.origin.to_string(),
                sanitize(&t.runs(plan, prefix)),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (name, source) = (width(0), width(1));
    let mut out = String::new();
    for [n, s, c] in &rows {
        let _ = writeln!(out, "{n:<name$}  {s:<source$}  {c}");
    }
    out
}

fn to_json(task: &Task, plan: &Plan, prefix: Prefix) -> Value {
    let mut value = json!({ "name": task.name });
    let source = match task.origin {
        Origin::Config => json!("config"),
        Origin::Procfile { line } => {
            value["line"] = json!(line);
            json!("procfile")
        }
        Origin::Package(manager) => {
            value["file"] = json!(manager.file_name());
            json!("package")
        }
        Origin::Builtin(framework) => {
            value["framework"] = json!(framework.to_string());
            json!("builtin")
        }
    };
    value["source"] = source;
    match &task.command {
        Command::Shell(script) => value["command"] = json!(script),
        Command::Argv(argv) => value["argv"] = json!(argv.to_vec()),
    }
    value["runs"] = json!(task.runs(plan, prefix));
    value
}
