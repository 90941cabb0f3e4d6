//! `appenv remotes [--json]`: the app's remotes (`[remote.NAME]` in
//! appenv.toml), how each is reached and what `appenv @NAME` adds there.
//! Read-only, so it works on an untrusted app and says that it is one.

use std::fmt::Write;

use serde_json::{Value, json};

use super::Context;
use crate::cli::RemotesArgs;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::remote::{Remote, Transport};
use crate::text::sanitize;

pub fn run(ctx: &Context, args: &RemotesArgs) -> Result<(), Error> {
    let plan = ctx.show(ExitCode::GeneralError)?;
    let remotes = plan.config.as_ref().map_or(&[][..], |c| &c.remotes);
    if remotes.is_empty() && !args.json && !ctx.quiet() {
        eprintln!(
            "appenv: no remotes in {}: add one under [remote.NAME] in appenv.toml",
            sanitize(plan.root.dir.as_str())
        );
    }
    let out = if args.json {
        let list: Vec<Value> = remotes.iter().map(to_json).collect();
        let mut out = serde_json::to_string_pretty(&list)
            .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
        out.push('\n');
        out
    } else {
        table(remotes)
    };
    print(out.as_bytes())
}

/// Aligned columns: `@name`, transport, where to, then what else is set.
fn table(remotes: &[Remote]) -> String {
    let rows: Vec<[String; 4]> = remotes
        .iter()
        .map(|r| {
            [
                format!("@{}", r.name),
                r.transport.program().to_owned(),
                sanitize(r.transport.target()),
                details(r).join("  "),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (name, program, target) = (width(0), width(1), width(2));
    let mut out = String::new();
    for [n, p, t, d] in &rows {
        let line = format!("{n:<name$}  {p:<program$}  {t:<target$}  {d}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

fn details(r: &Remote) -> Vec<String> {
    let mut out = Vec::new();
    if let Transport::Kubectl {
        namespace,
        context,
        container,
        ..
    } = &r.transport
    {
        for (key, value) in [
            ("namespace", namespace),
            ("context", context),
            ("container", container),
        ] {
            if let Some(value) = value {
                out.push(format!("{key}={}", sanitize(value)));
            }
        }
    }
    if let Some(dir) = &r.dir {
        out.push(format!("dir={}", sanitize(dir)));
    }
    if let Some(same_as) = &r.same_as {
        out.push(format!("same_as={}", sanitize(same_as)));
    }
    if r.appenv != "appenv" {
        out.push(format!("appenv={}", sanitize(&r.appenv)));
    }
    if !r.options.is_empty() {
        let options: Vec<String> = r.options.iter().map(|o| sanitize(o)).collect();
        out.push(format!("options={}", options.join(" ")));
    }
    out
}

fn to_json(r: &Remote) -> Value {
    let mut value = json!({
        "name": r.name,
        "transport": r.transport.program(),
        "target": r.transport.target(),
        "dir": r.dir,
        "same_as": r.same_as,
        "appenv": r.appenv,
        "options": r.options,
    });
    if let Transport::Kubectl {
        namespace,
        context,
        container,
        ..
    } = &r.transport
    {
        value["namespace"] = json!(namespace);
        value["context"] = json!(context);
        value["container"] = json!(container);
    }
    value
}
