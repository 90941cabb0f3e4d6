//! `appenv explain`: what appenv found and why. Names only, never values, so
//! the output is safe to paste into an issue.

use std::fmt::Write;

use super::Context;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::plan::{FileStatus, PinOutcome, Pinned, Source};
use crate::text::{sanitize, sanitize_bytes};
use crate::trust::AppFiles;

pub fn run(ctx: &Context) -> Result<(), Error> {
    let plan = ctx
        .resolve()
        .map_err(|e| e.with_status(ExitCode::GeneralError))?;
    let mut out = String::new();
    let root = &plan.root;
    let _ = writeln!(out, "root         {}", sanitize(root.dir.as_str()));
    let _ = writeln!(out, "             {}", root.reason);
    if let Some(workspace) = &root.workspace {
        let _ = writeln!(
            out,
            "             a member of the workspace at {} ({}), whose env files come first",
            sanitize(workspace.top.as_str()),
            workspace.declared_by()
        );
    }
    if plan.inputs.canonical() != plan.root.dir {
        let _ = writeln!(
            out,
            "             really {}",
            sanitize(plan.inputs.canonical().as_str())
        );
    }
    match &plan.env_name {
        Some(d) => {
            _ = writeln!(
                out,
                "environment  {} (from {})",
                sanitize(&d.name),
                d.source
            )
        }
        None => {
            _ = writeln!(
                out,
                "environment  none (no --env, APPENV_ENV or environment in appenv.toml)"
            )
        }
    }
    let precedence = if plan.override_inherited {
        "env files and [env.vars] beat the inherited environment (override)"
    } else {
        "the inherited environment beats env files and [env.vars]"
    };
    let _ = writeln!(out, "precedence   {precedence}");

    let _ = writeln!(out, "files        (lowest first)");
    for f in &plan.files {
        let status = match &f.status {
            FileStatus::Loaded { vars } => format!("loaded, {vars} variable(s)"),
            FileStatus::Missing => "not present".into(),
            FileStatus::Skipped(why) => (*why).into(),
        };
        let _ = writeln!(out, "  {:<22} {status}", sanitize(&f.name));
    }
    if let Ok(app) = AppFiles::cover(&plan.inputs, &crate::trust::covered(&plan)) {
        for name in &app.skipped {
            let _ = writeln!(
                out,
                "  {:<22} skipped: the name is not UTF-8, so appenv never loads it",
                sanitize_bytes(name.as_encoded_bytes())
            );
        }
    }

    let _ = writeln!(out, "variables    (inherited ones not listed)");
    for (key, var) in &plan.vars {
        if var.source == Source::Inherited {
            continue;
        }
        // Where its key comes from, not whether it opens the value:
        // explain decrypts nothing.
        let secret = plan.secrets.iter().find(|s| *key == *s.name);
        let encrypted = secret.map_or(String::new(), |s| format!(", encrypted ({})", s.key));
        let _ = writeln!(
            out,
            "  {:<22} {}{encrypted}",
            sanitize(&key.to_string_lossy()),
            var.source
        );
    }
    for key in &plan.removed {
        let _ = writeln!(
            out,
            "  {:<22} removed by isolation",
            sanitize(&key.to_string_lossy())
        );
    }
    if !plan.shadowed.is_empty() {
        let _ = writeln!(
            out,
            "shadowed     (set by the app, but the caller's value wins)"
        );
        for s in &plan.shadowed {
            let _ = writeln!(
                out,
                "  {:<22} {}, value hidden: the caller's value wins",
                sanitize(&s.name),
                s.source
            );
        }
    }
    if let Some(required) = plan.config.as_ref().and_then(|c| c.env.required.as_ref()) {
        let line = match plan.missing.is_empty() {
            true => format!("all set ({})", sanitize(&required.get_ref().join(", "))),
            false => format!(
                "missing: {} (exec, run, console and env refuse to start)",
                sanitize(&plan.missing.join(", "))
            ),
        };
        let _ = writeln!(out, "required     {line}");
    }
    let env_notes = crate::env_name::notes(&plan);
    if !env_notes.is_empty() || !plan.notes.is_empty() {
        let _ = writeln!(out, "notes");
        for note in &env_notes {
            let _ = writeln!(out, "  {note}");
        }
        for note in &plan.notes {
            let _ = writeln!(out, "  {note}");
        }
    }

    let iso = &plan.isolation;
    let _ = writeln!(out, "isolation");
    match &iso.prefix {
        Some(p) if p.value.is_empty() => _ = writeln!(out, "  prefix     none ({})", p.reason),
        Some(p) => {
            _ = writeln!(
                out,
                "  prefix     {} ({})",
                sanitize(&p.value.join(" ")),
                p.reason
            )
        }
        None => _ = writeln!(out, "  prefix     none (nothing found that asks for one)"),
    }
    match &iso.path {
        Some(p) => {
            let dirs: Vec<String> = p.value.iter().map(|d| sanitize(d.as_str())).collect();
            let _ = writeln!(
                out,
                "  PATH       first: {} ({})",
                dirs.join(", "),
                p.reason
            );
        }
        None => {
            _ = writeln!(
                out,
                "  PATH       unchanged (nothing found that asks for an entry)"
            )
        }
    }
    if let Some(venv) = &iso.virtualenv {
        let _ = writeln!(
            out,
            "  virtualenv {} (VIRTUAL_ENV set, PYTHONHOME removed)",
            sanitize(venv.as_str())
        );
    }
    if let Some(lib) = &iso.perl_lib {
        let _ = writeln!(
            out,
            "  PERL5LIB   first: {} (found cpanfile with it, as `carton exec`)",
            sanitize(lib.as_str())
        );
    }
    for pinned in &plan.interpreters {
        let tool = pinned.pin.tool.name();
        let _ = writeln!(out, "  {tool:<10} {}", interpreter(pinned));
        for other in &pinned.overruled {
            let _ = writeln!(
                out,
                "  {:<10} {}:{} asks {}, but {} decides first (as in mise)",
                "",
                other.file,
                other.line,
                sanitize(&other.written),
                pinned.pin.file
            );
        }
    }
    for note in &iso.notes {
        let _ = writeln!(out, "  note       {note}");
    }
    if let Some(procfile) = &plan.procfile {
        for (line, text) in &procfile.ignored {
            let _ = writeln!(
                out,
                "  Procfile:{line} ignored (not `name: command`): {text}"
            );
        }
    }
    if let Some(line) = shim_prefix(ctx, &plan) {
        let _ = writeln!(out, "  shims      {line}");
    }
    let trust = ctx
        .trust(&plan)
        .refusal(&plan.root.dir)
        .unwrap_or_else(|| "trusted".to_string());
    let _ = writeln!(out, "trust        {trust}");
    print(out.as_bytes())
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
fn shim_prefix(ctx: &Context, plan: &crate::plan::Plan) -> Option<String> {
    let skip = crate::exec::Skip::new(crate::shim::dir(crate::shim::env_var(&ctx.inherited)).ok());
    let prefix = crate::shim::prefix::decide(plan, None, &skip);
    crate::shim::prefix::describe(&prefix)
}
