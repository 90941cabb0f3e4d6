//! Which named environment (`--env`, `APPENV_ENV`, `[env] default`) a plan
//! is for, and the framework variables (RAILS_ENV, NODE_ENV…) that carry it.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};

use super::{ChosenEnv, Env, Error, Request, Source, Var};
use crate::config::{self, Config};
use crate::markers::{self, Look};
use crate::text::sanitize;

pub(super) fn choose(
    request: &Request,
    base: &Env,
    config: Option<&Config>,
) -> Result<Option<ChosenEnv>, Error> {
    let decided = if let Some(name) = &request.env_name {
        Some(ChosenEnv {
            name: name.clone(),
            source: "--env",
        })
    } else if let Some(name) = base.get(OsStr::new("APPENV_ENV")).filter(|v| !v.is_empty()) {
        let name = name
            .to_str()
            .ok_or_else(|| Error::Invalid("APPENV_ENV is not valid UTF-8".into()))?;
        Some(ChosenEnv {
            name: name.to_owned(),
            source: "APPENV_ENV",
        })
    } else {
        config
            .and_then(|c| c.environment.as_ref())
            .map(|e| ChosenEnv {
                name: e.get_ref().clone(),
                source: "appenv.toml environment",
            })
    };
    if let Some(d) = &decided {
        if let Some(problem) = config::invalid_env_name(&d.name) {
            return Err(Error::Invalid(format!("{}: {problem}", d.source)));
        }
    }
    Ok(decided)
}

/// A named environment also reaches the framework through its own variable
/// (RAILS_ENV, NODE_ENV…, or `[env] name_vars`) when neither the files nor
/// the caller set it: frameworks pick their mode from it, not from which
/// env files were read. `[env] environments` makes an unlisted name an error.
pub(super) fn apply(
    look: Look,
    config: Option<&Config>,
    env_name: Option<&ChosenEnv>,
    vars: &mut BTreeMap<OsString, Var>,
) -> Result<(), Error> {
    let Some(decided) = env_name else {
        return Ok(());
    };
    let env = config.map(|c| &c.env);
    if let Some(known) = env.and_then(|e| e.environments.as_ref()) {
        if !known.get_ref().contains(&decided.name) {
            return Err(Error::Invalid(format!(
                "the environment {:?} (from {}) is not one of this app's: {} ([env] environments in {})",
                sanitize(&decided.name),
                decided.source,
                sanitize(&known.get_ref().join(", ")),
                config::FILE_NAME,
            )));
        }
    }
    let names: Vec<(String, &'static str)> = match env.and_then(|e| e.name_vars.as_ref()) {
        Some(names) => names
            .get_ref()
            .iter()
            .map(|n| (n.clone(), "[env] name_vars"))
            .collect(),
        None => markers::name_vars(look)
            .into_iter()
            .map(|(n, framework)| (n.to_owned(), framework))
            .collect(),
    };
    for (name, framework) in names {
        vars.entry(name.into()).or_insert_with(|| Var {
            value: decided.name.clone().into(),
            source: Source::EnvName { framework },
        });
    }
    Ok(())
}
