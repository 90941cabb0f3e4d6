//! `appenv env`: the environment the app gets, as env(1) lines, a dotenv
//! file, a systemd `EnvironmentFile=`, or JSON with the source of every variable; `--names`, only the
//! environment names the app knows.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use serde_json::{Map, Value, json};

use super::Context;
use crate::cli::{EnvArgs, EnvFormat};
use crate::dotenv;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::plan::{Plan, Source};
use crate::text::sanitize_bytes;

/// Prints values meant to be loaded, so it follows the exec rule: an app that
/// is not trusted is refused (125, with the hint), in every format; `explain`
/// shows names and sources without values.
pub fn run(ctx: &Context, args: &EnvArgs) -> Result<(), Error> {
    if args.names {
        return print(names(&ctx.resolve(ExitCode::Failed)?).as_bytes());
    }
    let plan = ctx.load()?;
    let format = if args.json {
        EnvFormat::Json
    } else {
        args.format
    };
    let mut out = Vec::new();
    match format {
        EnvFormat::Env => {
            for (key, var) in &plan.vars {
                out.extend_from_slice(key.as_bytes());
                out.push(b'=');
                out.extend_from_slice(var.value.as_bytes());
                out.push(b'\n');
            }
        }
        EnvFormat::Dotenv => dotenv_lines(&plan, &mut out),
        EnvFormat::Systemd => systemd_lines(&plan, &mut out),
        EnvFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &to_json(&plan))
                .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
            out.push(b'\n');
        }
    }
    print(&out)
}

/// The environment names, one per line, for the shell completions: names
/// only, so an app that is not allowed lists them too. A name that
/// sanitising would change is left out: it could not be typed, and listing
/// it raw would let a file name write to the terminal.
fn names(plan: &Plan) -> String {
    crate::env_name::known(plan)
        .into_iter()
        .filter(|name| crate::text::sanitize(name) == *name)
        .map(|name| name + "\n")
        .collect()
}

/// A file that dotenvy reads back to the same values. Variables that a
/// dotenv file cannot hold (a name dotenvy refuses, a value that is not
/// UTF-8) are left out, with a warning.
fn dotenv_lines(plan: &Plan, out: &mut Vec<u8>) {
    for (key, var) in &plan.vars {
        match (key.to_str(), var.value.to_str()) {
            (Some(k), Some(v)) if dotenv::is_key(k) => {
                let _ = writeln!(out, "{}", dotenv::line(k, v));
            }
            _ => eprintln!(
                "appenv: {} cannot be written as dotenv, left out",
                sanitize_bytes(key.as_bytes())
            ),
        }
    }
}

/// A file that systemd's `EnvironmentFile=` reads back to the same values
/// (systemd.exec(5); the parser is `parse_env_file` in systemd's
/// `env-file.c`): every value in double quotes, where systemd takes every
/// byte as it is (a line break, a `\r`, leading and trailing blanks, `#`,
/// `'`) but `"` and `\`, and unescapes a backslash before `"`, `\`, `` ` ``
/// or `$` (a backslash before anything else stays). systemd drops a name
/// other than letters, digits and `_` (not first a digit) and a value that
/// is not UTF-8: those are left out, with a warning. The service does not
/// expand `$` in these values; it is escaped only because the quoting
/// rules unescape it.
fn systemd_lines(plan: &Plan, out: &mut Vec<u8>) {
    for (key, var) in &plan.vars {
        match (key.to_str(), var.value.to_str()) {
            (Some(k), Some(v)) if crate::shell::Shell::is_valid_name(k) => {
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b"=\"");
                for c in v.chars() {
                    if matches!(c, '"' | '\\' | '`' | '$') {
                        out.push(b'\\');
                    }
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                out.extend_from_slice(b"\"\n");
            }
            _ => eprintln!(
                "appenv: {} cannot be written for systemd, left out",
                sanitize_bytes(key.as_bytes())
            ),
        }
    }
}

pub fn source_json(source: &Source) -> Value {
    match source {
        Source::Inherited => json!({ "kind": "inherited" }),
        Source::Config => json!({ "kind": "config", "file": "appenv.toml" }),
        Source::File { name, line } => json!({ "kind": "file", "file": &**name, "line": line }),
        Source::Isolation => json!({ "kind": "isolation" }),
        Source::Appenv => json!({ "kind": "appenv" }),
        Source::EnvName { framework } => json!({ "kind": "environment", "framework": framework }),
    }
}

fn to_json(plan: &Plan) -> Value {
    let vars: Map<String, Value> = plan
        .vars
        .iter()
        .map(|(k, v)| {
            let mut value =
                json!({ "value": v.value.to_string_lossy(), "source": source_json(&v.source) });
            // Said only of a value written encrypted: the others read as before.
            if plan.secrets.iter().any(|s| *k == *s.name) {
                value["encrypted"] = Value::Bool(true);
            }
            (k.to_string_lossy().into_owned(), value)
        })
        .collect();
    json!({
        "root": plan.root.dir.as_str(),
        "environment": plan.env_name.as_ref().map(|d| &d.name),
        "vars": vars,
        "removed": plan.removed.iter().map(|k| k.to_string_lossy()).collect::<Vec<_>>(),
    })
}
