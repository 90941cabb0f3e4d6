//! `appenv init --from-envrc`: what of the `.envrc` an appenv.toml can say.
//! Exports become `[env.vars]`, `dotenv` files join `[env] files`,
//! `env_vars_required` becomes `[env] required`; `PATH_add` and the layouts
//! are already in the plan's isolation, which `init` pins as `[env] path`.
//! Whatever has no equivalent is listed, by `file:line`, never by value.

use std::ffi::OsStr;

use crate::env_vars::EnvVars;
use crate::envrc::{Directive, Part, Word};
use crate::error::Error;
use crate::exit::ExitCode;
use crate::input::Inputs;
use crate::plan::{self, DEFAULT_FILES, Plan, Source};
use crate::text::sanitize;

#[derive(Debug, Default)]
pub(super) struct Translation {
    /// `[env.vars]`, in order, values written for shellexpand.
    pub vars: Vec<(String, String)>,
    /// Env files a `dotenv` names beyond the default list.
    pub files: Vec<String>,
    pub required: Vec<String>,
    /// `file:line: what`, for each line with no equivalent.
    pub untranslated: Vec<String>,
}

pub(super) fn translate(plan: &Plan) -> Result<Translation, Error> {
    let mut inputs =
        Inputs::open(&plan.root.dir).map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    let lines = plan::envrc_directives(&mut inputs).map_err(|(file, line, why)| {
        Error::new(
            ExitCode::GeneralError,
            format!(
                "cannot translate the .envrc: {}:{line}: appenv cannot follow this line without running it ({why})",
                sanitize(&file)
            ),
        )
    })?;
    let mut out = Translation::default();
    for (file, line) in lines {
        let at = format!("{}:{}", sanitize(&file), line.line);
        match line.directive {
            Directive::Export { name, value } => match toml_value(plan, &value) {
                Some(value) => out.vars.push((name, value)),
                None => out.untranslated.push(format!(
                    "{at}: {name}: its value holds a `$`, a `~`, $PWD or a name an env file sets, which [env.vars] (read before env files) would read otherwise"
                )),
            },
            Directive::Dotenv { file: named, .. } => {
                let name = plan::envrc_dotenv_file(&file, named.as_ref());
                let default = DEFAULT_FILES.contains(&name.as_str());
                if !default && !out.files.contains(&name) {
                    out.files.push(name);
                }
            }
            Directive::PathAdd { var, .. } if var != EnvVars::PATH => out.untranslated.push(format!(
                "{at}: path_add {var}: appenv.toml puts directories on PATH only"
            )),
            Directive::Required(names) => out.required.extend(names),
            Directive::WatchFile(_) => out.untranslated.push(format!(
                "{at}: watch_file: appenv.toml watches only the files appenv reads"
            )),
            Directive::StrictEnv => out.untranslated.push(format!(
                "{at}: strict_env: [env.vars] reads an unset $NAME as empty (written ${{NAME:-}})"
            )),
            Directive::PathAdd { .. }
            | Directive::LayoutPython
            | Directive::LayoutNode
            | Directive::SourceEnv { .. }
            | Directive::Exported(_) => {}
        }
    }
    Ok(out)
}

/// A `.envrc` word as an `[env.vars]` value: `$NAME` becomes `${NAME:-}`
/// (the shell gives an unset name as empty; `[env.vars]` would refuse it).
/// Text that shellexpand would read as more than text, and a name that an
/// env file sets (`[env.vars]` is read before them), have no equivalent.
fn toml_value(plan: &Plan, word: &Word) -> Option<String> {
    let from_a_file = |name: &str| {
        plan.vars.get(OsStr::new(name)).is_some_and(|v| {
            matches!(&v.source, Source::File { name, .. } if !name.ends_with(crate::envrc::FILE_NAME))
        })
    };
    let mut value = String::new();
    for (i, part) in word.iter().enumerate() {
        match part {
            Part::Text(text) if text.contains('$') || (i == 0 && text.starts_with('~')) => {
                return None;
            }
            Part::Text(text) => value.push_str(text),
            Part::Var(name) if name == EnvVars::PWD || from_a_file(name) => return None,
            Part::Var(name) => value.push_str(&format!("${{{name}:-}}")),
        }
    }
    Some(value)
}
