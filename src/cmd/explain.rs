//! `appenv explain`: what appenv found and why. Names only, never values, so
//! the output is safe to paste into an issue.

use std::fmt::{self, Write};

use super::Context;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::isolation::Isolation;
use crate::plan::{FileStatus, PinOutcome, Pinned, Plan, Source};
use crate::text::{sanitize, sanitize_bytes};
use crate::trust::{AppFiles, Trust};

pub fn run(ctx: &Context) -> Result<(), Error> {
    let (plan, trust) = ctx.check(ctx.resolve(ExitCode::GeneralError)?).into_parts();
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = report(&mut out, ctx, &plan, &trust);
    print(out.as_bytes())
}

/// The sections, in the order they are printed.
fn report(out: &mut String, ctx: &Context, plan: &Plan, answer: &Trust) -> fmt::Result {
    root(out, plan)?;
    environment(out, plan)?;
    precedence(out, plan)?;
    files(out, plan)?;
    variables(out, plan)?;
    shadowed(out, plan)?;
    required(out, plan)?;
    notes(out, plan)?;
    isolation(out, ctx, plan)?;
    trust(out, plan, answer)
}

/// The root, why it is the root, its workspace and its real path.
fn root(out: &mut String, plan: &Plan) -> fmt::Result {
    let root = &plan.root;
    writeln!(out, "root         {}", sanitize(root.dir.as_str()))?;
    writeln!(out, "             {}", root.reason)?;
    if let Some(workspace) = &root.workspace {
        writeln!(
            out,
            "             a member of the workspace at {} ({}), whose env files come first",
            sanitize(workspace.top.as_str()),
            workspace.declared_by()
        )?;
    }
    if plan.inputs.canonical() != plan.root.dir {
        writeln!(
            out,
            "             really {}",
            sanitize(plan.inputs.canonical().as_str())
        )?;
    }
    Ok(())
}

/// The environment name and what named it.
fn environment(out: &mut String, plan: &Plan) -> fmt::Result {
    match &plan.env_name {
        Some(d) => writeln!(
            out,
            "environment  {} (from {})",
            sanitize(&d.name),
            d.source
        ),
        None => writeln!(
            out,
            "environment  none (no --env, APPENV_ENV or environment in appenv.toml)"
        ),
    }
}

/// Whether the inherited environment or the app's files win.
fn precedence(out: &mut String, plan: &Plan) -> fmt::Result {
    let precedence = if plan.override_inherited {
        "env files and [env.vars] beat the inherited environment (override)"
    } else {
        "the inherited environment beats env files and [env.vars]"
    };
    writeln!(out, "precedence   {precedence}")
}

/// Each env file and what became of it, then the names appenv never loads.
fn files(out: &mut String, plan: &Plan) -> fmt::Result {
    writeln!(out, "files        (lowest first)")?;
    for f in &plan.files {
        let status = match &f.status {
            FileStatus::Loaded { vars } => format!("loaded, {vars} variable(s)"),
            FileStatus::Missing => "not present".into(),
            FileStatus::Skipped(why) => why.to_string(),
        };
        writeln!(out, "  {:<22} {status}", sanitize(&f.name))?;
    }
    if let Ok(app) = AppFiles::cover(&plan.inputs, &crate::trust::covered(plan)) {
        for name in &app.skipped {
            writeln!(
                out,
                "  {:<22} skipped: the name is not UTF-8, so appenv never loads it",
                sanitize_bytes(name.as_encoded_bytes())
            )?;
        }
    }
    Ok(())
}

/// Each variable the app sets and where from, then those isolation removes.
fn variables(out: &mut String, plan: &Plan) -> fmt::Result {
    writeln!(out, "variables    (inherited ones not listed)")?;
    for (key, var) in &plan.vars {
        if var.source == Source::Inherited {
            continue;
        }
        // Where its key comes from, not whether it opens the value:
        // explain decrypts nothing.
        let secret = plan.secrets.iter().find(|s| *key == *s.name);
        let encrypted = secret.map_or(String::new(), |s| format!(", encrypted ({})", s.key));
        writeln!(
            out,
            "  {:<22} {}{encrypted}",
            sanitize(&key.to_string_lossy()),
            var.source
        )?;
    }
    for key in &plan.removed {
        writeln!(
            out,
            "  {:<22} removed by isolation",
            sanitize(&key.to_string_lossy())
        )?;
    }
    Ok(())
}

/// What the app sets but the caller's value wins over, when anything.
fn shadowed(out: &mut String, plan: &Plan) -> fmt::Result {
    if plan.shadowed.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "shadowed     (set by the app, but the caller's value wins)"
    )?;
    for s in &plan.shadowed {
        writeln!(
            out,
            "  {:<22} {}, value hidden: the caller's value wins",
            sanitize(&s.name),
            s.source
        )?;
    }
    Ok(())
}

/// Whether `[env] required` is met, when the app has one.
fn required(out: &mut String, plan: &Plan) -> fmt::Result {
    let Some(required) = plan.config.as_ref().and_then(|c| c.env.required.as_ref()) else {
        return Ok(());
    };
    let line = match plan.missing.is_empty() {
        true => format!("all set ({})", sanitize(&required.get_ref().join(", "))),
        false => format!(
            "missing: {} (exec, run, console and env refuse to start)",
            sanitize(&plan.missing.join(", "))
        ),
    };
    writeln!(out, "required     {line}")
}

/// What appenv says about the environment name and the values, when anything.
fn notes(out: &mut String, plan: &Plan) -> fmt::Result {
    let notes = crate::launch::notes(plan, crate::launch::Values::Said);
    if notes.is_empty() {
        return Ok(());
    }
    writeln!(out, "notes")?;
    for note in &notes {
        writeln!(out, "  {note}")?;
    }
    Ok(())
}

/// The dependency isolation, line by line.
fn isolation(out: &mut String, ctx: &Context, plan: &Plan) -> fmt::Result {
    writeln!(out, "isolation")?;
    prefix(out, &plan.isolation)?;
    path(out, &plan.isolation)?;
    module_dirs(out, &plan.isolation)?;
    interpreters(out, plan)?;
    for note in &plan.isolation.notes {
        writeln!(out, "  note       {note}")?;
    }
    procfile_ignored(out, plan)?;
    if let Some(line) = shim_prefix(ctx, plan) {
        writeln!(out, "  shims      {line}")?;
    }
    Ok(())
}

/// The words put before a command, and why.
fn prefix(out: &mut String, iso: &Isolation) -> fmt::Result {
    match &iso.prefix {
        Some(p) if p.value.is_empty() => writeln!(out, "  prefix     none ({})", p.reason),
        Some(p) => writeln!(
            out,
            "  prefix     {} ({})",
            sanitize(&p.value.join(" ")),
            p.reason
        ),
        None => writeln!(out, "  prefix     none (nothing found that asks for one)"),
    }
}

/// The directories put first on PATH, and why.
fn path(out: &mut String, iso: &Isolation) -> fmt::Result {
    match &iso.path {
        Some(p) => {
            let dirs: Vec<String> = p.value.iter().map(|d| sanitize(d.as_str())).collect();
            writeln!(
                out,
                "  PATH       first: {} ({})",
                dirs.join(", "),
                p.reason
            )
        }
        None => writeln!(
            out,
            "  PATH       unchanged (nothing found that asks for an entry)"
        ),
    }
}

/// The virtualenv and carton's module directory, when there are.
fn module_dirs(out: &mut String, iso: &Isolation) -> fmt::Result {
    if let Some(venv) = &iso.virtualenv {
        writeln!(
            out,
            "  virtualenv {} (VIRTUAL_ENV set, PYTHONHOME removed)",
            sanitize(venv.as_str())
        )?;
    }
    if let Some(lib) = &iso.perl_lib {
        writeln!(
            out,
            "  PERL5LIB   first: {} (found cpanfile with it, as `carton exec`)",
            sanitize(lib.as_str())
        )?;
    }
    Ok(())
}

/// Each pinned interpreter, then the pins its deciding file overrules.
fn interpreters(out: &mut String, plan: &Plan) -> fmt::Result {
    for pinned in &plan.interpreters {
        let tool = pinned.pin.tool.name();
        writeln!(out, "  {tool:<10} {}", interpreter(pinned))?;
        for other in &pinned.overruled {
            writeln!(
                out,
                "  {:<10} {}:{} asks {}, but {} decides first (as in mise)",
                "",
                other.file,
                other.line,
                sanitize(&other.written),
                pinned.pin.file
            )?;
        }
    }
    Ok(())
}

/// The Procfile lines that are not `name: command`.
fn procfile_ignored(out: &mut String, plan: &Plan) -> fmt::Result {
    for (line, text) in plan.procfile.iter().flat_map(|p| &p.ignored) {
        writeln!(
            out,
            "  Procfile:{line} ignored (not `name: command`): {text}"
        )?;
    }
    Ok(())
}

/// Whether the app may load, or the refusal that says why not.
fn trust(out: &mut String, plan: &Plan, answer: &Trust) -> fmt::Result {
    let trust = answer
        .refusal(&plan.root.dir)
        .unwrap_or_else(|| "trusted".to_string());
    writeln!(out, "trust        {trust}")
}

/// Which install a version file's pin chose and why, or why none.
fn interpreter(pinned: &Pinned) -> String {
    let pin = &pinned.pin;
    let asked = format!("{}:{} asks {}", pin.file, pin.line, sanitize(&pin.written));
    match &pinned.outcome {
        PinOutcome::Installed(install) => {
            let how = match install.exact {
                true => "installed as named".to_owned(),
                false => format!(
                    "the highest installed version it begins, of those {} keeps",
                    install.manager
                ),
            };
            format!(
                "{} on PATH: {} ({} install; {asked}, {how})",
                install.version,
                sanitize(install.bin.as_str()),
                install.manager,
            )
        }
        PinOutcome::System => format!("the system's, PATH left alone ({asked})"),
        PinOutcome::NotInstalled { managers } | PinOutcome::Unusable { managers } => {
            let what = match &pinned.outcome {
                PinOutcome::Unusable { .. } => {
                    "no version appenv looks up (aliases are not resolved)"
                }
                _ => "not installed",
            };
            let looked: Vec<String> = pinned.looked.iter().map(|d| sanitize(d.as_str())).collect();
            let looked = match looked.is_empty() {
                true => "no manager's directory is known (HOME unset)".to_owned(),
                false => format!("looked in {}", looked.join(", ")),
            };
            let system = match managers.is_empty() {
                true => format!(
                    "; no version manager keeps {} versions here, so the system's is meant and nothing is said",
                    pin.tool
                ),
                false => String::new(),
            };
            format!("{what}, PATH left alone ({asked}; {looked}{system})")
        }
    }
}

/// How a shim applies the prefix, when there is one.
fn shim_prefix(ctx: &Context, plan: &Plan) -> Option<String> {
    let skip = crate::exec::Skip::new(crate::shim::dir(crate::shim::env_var(&ctx.inherited)).ok());
    let prefix = crate::shim::prefix::decide(plan, None, &skip);
    crate::shim::prefix::describe(&prefix)
}
