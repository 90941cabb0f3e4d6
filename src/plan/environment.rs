//! Which named environment (`--env`, `APPENV_ENV`, `[env] default`) a plan
//! is for, and the framework variables (RAILS_ENV, NODE_ENV…) that carry it.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};

use super::{ChosenEnv, Env, Error, NamedBy, Note, NoteKind, Request, Source, Var};
use crate::config::{self, Config};
use crate::env_vars::EnvVars;
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
            source: NamedBy::Flag,
        })
    } else if let Some(name) = base
        .get(OsStr::new(EnvVars::APPENV_ENV))
        .filter(|v| !v.is_empty())
    {
        let name = name
            .to_str()
            .ok_or_else(|| Error::Invalid("APPENV_ENV is not valid UTF-8".into()))?;
        Some(ChosenEnv {
            name: name.to_owned(),
            source: NamedBy::Variable,
        })
    } else {
        config
            .and_then(|c| c.environment.as_ref())
            .map(|e| ChosenEnv {
                name: e.get_ref().clone(),
                source: NamedBy::Config,
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
/// (RAILS_ENV, NODE_ENV…, or `[env] name_vars`), spelt as the variable wants
/// it (see [`spelling`]): frameworks pick their mode from it, not from which
/// env files were read. It wins over env files and `[env.vars]`: a generic
/// `.env` saying `NODE_ENV=development` would otherwise run `-e production`
/// in development against production's database. A value that gives way is
/// noted; the caller's own value still wins (said by the commands).
/// `[env] environments` makes an unlisted name an error.
pub(super) fn apply(
    look: Look,
    config: Option<&Config>,
    env_name: Option<&ChosenEnv>,
    vars: &mut BTreeMap<OsString, Var>,
    notes: &mut Vec<Note>,
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
        let spelt = spelling(config, &name, &decided.name);
        let by_name = Var {
            value: spelt.into(),
            source: Source::EnvName { framework },
        };
        match vars.get(OsStr::new(&name)) {
            Some(var) if var.source == Source::Inherited || var.value == spelt => continue,
            Some(var) => notes.push(Note {
                source: var.source.clone(),
                name: name.clone(),
                kind: NoteKind::NameWins {
                    env: decided.name.clone(),
                    spelt: spelt.to_owned(),
                },
            }),
            None => {}
        }
        vars.insert(name.into(), by_name);
    }
    Ok(())
}

/// How `var` spells the environment `env`: as `[env] name_map` says for
/// that variable, else as its framework does (Mix knows `prod` and `dev`,
/// not `production` and `development`), else the name itself.
pub fn spelling<'a>(config: Option<&'a Config>, var: &str, env: &'a str) -> &'a str {
    let given = config
        .and_then(|c| c.env.name_map.as_ref())
        .and_then(|map| map.get_ref().get(var));
    if let Some(spellings) = given {
        return spellings.get(env).map_or(env, String::as_str);
    }
    BUILT_IN
        .iter()
        .find(|(v, from, _)| *v == var && *from == env)
        .map_or(env, |(_, _, to)| to)
}

/// The frameworks' own spellings: (variable, environment, spelling).
const BUILT_IN: [(&str, &str, &str); 2] = [
    ("MIX_ENV", "production", "prod"),
    ("MIX_ENV", "development", "dev"),
];
