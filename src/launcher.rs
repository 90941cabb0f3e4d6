//! What a launcher (`bundle exec`, `uv run`, `poetry run`…) put into a
//! process's environment, taken back out when that environment becomes a
//! one-off's base: the one-off's own prefix runs the same launcher, which
//! puts it back, so the one-off ends with what the process has, not with
//! the launcher applied twice (a second `bundle exec` over the first's
//! variables also sets `GEM_HOME`; `uv run` and `poetry run` put the
//! virtualenv first on PATH again).
//!
//! Only the launcher the app's isolation names is taken out, and only when
//! its marks are there; everything else stays as the process has it.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use crate::env_vars::EnvVars;
use crate::plan::Env;

/// What was taken out, for `diff` to list apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// The launcher, as the prefix says it (`bundle exec`).
    pub launcher: String,
    /// The variables it had set or changed.
    pub names: Vec<OsString>,
}

/// The launcher that sets `name` for the program it runs whatever the
/// app's config: `npm run` (and appenv running a package.json script as npm
/// would) names the script and the package in `npm_*` variables and the
/// starting directory in `INIT_CWD`; Composer sets `COMPOSER_DEV_MODE`.
/// They describe how one process was started, not the app's config.
pub fn noise(name: &OsStr) -> Option<&'static str> {
    let name = name.as_bytes();
    if name.starts_with(b"npm_") || name == EnvVars::INIT_CWD.as_bytes() {
        return Some("npm run");
    }
    (name == EnvVars::COMPOSER_DEV_MODE.as_bytes()).then_some("composer run")
}

/// Bundler keeps every variable it changes as `BUNDLER_ORIG_NAME`, this
/// value standing for "was unset" (`Bundler::EnvironmentPreserver`).
const BUNDLER_ORIG: &str = "BUNDLER_ORIG_";
const BUNDLER_NIL: &str = "BUNDLER_ENVIRONMENT_PRESERVER_INTENTIONALLY_NIL";

/// Takes out of `env` what the launcher of `prefix` adds, when `env` shows
/// that it ran; `None` when there is nothing of it there.
pub fn take_out(prefix: &[String], env: &mut Env) -> Option<Taken> {
    let program = prefix.first()?;
    let program = std::path::Path::new(program).file_name()?.to_str()?;
    let mut names = match program {
        "bundle" => bundler(env),
        "uv" => uv(env),
        "poetry" | "pdm" | "hatch" => python_launcher(env, None),
        "pipenv" => pipenv(env),
        _ => Vec::new(),
    };
    // What appenv itself gives the launcher when it runs it (so that it
    // loads no `.env` over appenv's choice), and gives it again.
    for (name, value) in crate::isolation::launcher_env(OsStr::new(program)) {
        if env.get(OsStr::new(name)).is_some_and(|v| v == *value) {
            env.remove(OsStr::new(name));
            names.push(name.into());
        }
    }
    if names.is_empty() {
        return None;
    }
    names.sort();
    names.dedup();
    Some(Taken {
        launcher: prefix.join(" "),
        names,
    })
}

/// Bundler's own way back (`Bundler.with_original_env`): every variable
/// kept as `BUNDLER_ORIG_NAME` gets its value back, or is unset.
fn bundler(env: &mut Env) -> Vec<OsString> {
    let kept: Vec<(OsString, OsString)> = env
        .iter()
        .filter(|(k, _)| k.as_bytes().starts_with(BUNDLER_ORIG.as_bytes()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut names = Vec::new();
    for (key, original) in kept {
        env.remove(&key);
        names.push(key.clone());
        let name = OsStr::from_bytes(&key.as_bytes()[BUNDLER_ORIG.len()..]).to_owned();
        // Bundler keeps no empty original, and restores none either.
        if original.is_empty() {
            continue;
        }
        let before = env.get(&name).cloned();
        if original == BUNDLER_NIL {
            env.remove(&name);
        } else {
            env.insert(name.clone(), original);
        }
        if env.get(&name) != before.as_ref() {
            names.push(name);
        }
    }
    names
}

/// `uv run` counts itself in `UV_RUN_RECURSION_DEPTH`, names itself in
/// `UV`, and activates the project's virtualenv.
fn uv(env: &mut Env) -> Vec<OsString> {
    const DEPTH: &str = "UV_RUN_RECURSION_DEPTH";
    let Some(depth) = env.get(OsStr::new(DEPTH)) else {
        return Vec::new();
    };
    match depth.to_str().and_then(|d| d.parse::<u32>().ok()) {
        Some(n) if n > 1 => {
            env.insert(DEPTH.into(), (n - 1).to_string().into());
        }
        _ => {
            env.remove(OsStr::new(DEPTH));
        }
    }
    let mut names = vec![OsString::from(DEPTH)];
    if env.remove(OsStr::new("UV")).is_some() {
        names.push("UV".into());
    }
    names.extend(virtualenv(env));
    names
}

/// A Python launcher activates a virtualenv (`VIRTUAL_ENV`, its `bin` first
/// on PATH); `mark` is the variable it also sets, when it has one. Being
/// Python, it also coerced the C locale (PEP 538), so a child sees
/// `LC_CTYPE=C.UTF-8` where nothing named a locale: the launcher does that
/// again.
fn python_launcher(env: &mut Env, mark: Option<&str>) -> Vec<OsString> {
    let marked = mark.is_none_or(|mark| env.contains_key(OsStr::new(mark)));
    if !marked {
        return Vec::new();
    }
    let mut names = virtualenv(env);
    if names.is_empty() {
        return names;
    }
    if let Some(mark) = mark {
        env.remove(OsStr::new(mark));
        names.push(mark.into());
    }
    let unset_or_c = |name: &str| {
        env.get(OsStr::new(name))
            .is_none_or(|v| v.is_empty() || v == "C" || v == "POSIX")
    };
    let coerced = env
        .get(OsStr::new("LC_CTYPE"))
        .is_some_and(|v| v == "C.UTF-8")
        && !env.contains_key(OsStr::new("LC_ALL"))
        && unset_or_c("LANG");
    if coerced {
        env.remove(OsStr::new("LC_CTYPE"));
        names.push("LC_CTYPE".into());
    }
    names
}

/// `pipenv run` marks its runs with `PIPENV_ACTIVE` and names the project
/// in `PIPENV_PROJECT_DIR`; it sets two more to `1` unless they are set,
/// and sets them again.
fn pipenv(env: &mut Env) -> Vec<OsString> {
    let mut names = python_launcher(env, Some("PIPENV_ACTIVE"));
    if names.is_empty() {
        return names;
    }
    if env.remove(OsStr::new("PIPENV_PROJECT_DIR")).is_some() {
        names.push("PIPENV_PROJECT_DIR".into());
    }
    for name in ["PIP_DISABLE_PIP_VERSION_CHECK", "PYTHONDONTWRITEBYTECODE"] {
        if env.get(OsStr::new(name)).is_some_and(|v| v == "1") {
            env.remove(OsStr::new(name));
            names.push(name.into());
        }
    }
    names
}

/// `VIRTUAL_ENV` and its `bin` as the first PATH entry, taken out when both
/// are there (the entry once: whatever put it there before stays).
fn virtualenv(env: &mut Env) -> Vec<OsString> {
    let Some(venv) = env.get(OsStr::new(EnvVars::VIRTUAL_ENV)).cloned() else {
        return Vec::new();
    };
    let mut bin = venv.as_bytes().to_vec();
    bin.extend_from_slice(b"/bin");
    let path = env
        .get(OsStr::new(EnvVars::PATH))
        .cloned()
        .unwrap_or_default();
    let mut entries = path.as_bytes().splitn(2, |&b| b == b':');
    if entries.next() != Some(&bin[..]) {
        return Vec::new();
    }
    let rest = entries.next().unwrap_or_default();
    env.insert(EnvVars::PATH.into(), OsStr::from_bytes(rest).to_owned());
    env.remove(OsStr::new(EnvVars::VIRTUAL_ENV));
    vec![EnvVars::PATH.into(), EnvVars::VIRTUAL_ENV.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    fn prefix(words: &str) -> Vec<String> {
        words.split(' ').map(String::from).collect()
    }

    #[test]
    fn bundler_gets_its_originals_back() {
        let mut web = env(&[
            ("BUNDLER_ORIG_PATH", "/usr/bin:/bin"),
            ("BUNDLER_ORIG_RUBYOPT", BUNDLER_NIL),
            ("BUNDLER_ORIG_GEM_HOME", BUNDLER_NIL),
            ("BUNDLER_ORIG_MANPATH", ""),
            ("PATH", "/var/lib/gems/3.1.0/bin:/usr/bin:/bin"),
            ("RUBYOPT", "-rbundler/setup"),
            ("BUNDLE_GEMFILE", "/srv/shop/Gemfile"),
            ("DATABASE_URL", "postgres://"),
        ]);
        let taken = take_out(&prefix("bundle exec"), &mut web).unwrap();
        assert_eq!(
            web,
            env(&[
                ("BUNDLE_GEMFILE", "/srv/shop/Gemfile"),
                ("DATABASE_URL", "postgres://"),
                ("PATH", "/usr/bin:/bin"),
            ])
        );
        assert_eq!(taken.launcher, "bundle exec");
        let names: Vec<&str> = taken.names.iter().map(|n| n.to_str().unwrap()).collect();
        assert!(
            names.contains(&"RUBYOPT") && names.contains(&"PATH"),
            "{names:?}"
        );
        assert!(!names.contains(&"GEM_HOME"), "{names:?}");
        // Without Bundler's marks, or for another launcher: nothing.
        let mut plain = env(&[("RUBYOPT", "-w")]);
        assert_eq!(take_out(&prefix("bundle exec"), &mut plain), None);
        let mut bundled = env(&[("BUNDLER_ORIG_PATH", "/bin"), ("PATH", "/x:/bin")]);
        assert_eq!(take_out(&prefix("poetry run"), &mut bundled), None);
        assert_eq!(bundled.len(), 2);
    }

    #[test]
    fn uv_and_python_launchers_take_their_virtualenv_back() {
        let mut web = env(&[
            ("PATH", "/app/.venv/bin:/app/.venv/bin:/usr/bin"),
            ("VIRTUAL_ENV", "/app/.venv"),
            ("UV", "/usr/bin/uv"),
            ("UV_RUN_RECURSION_DEPTH", "1"),
        ]);
        take_out(&prefix("uv run"), &mut web).unwrap();
        assert_eq!(web, env(&[("PATH", "/app/.venv/bin:/usr/bin")]));

        let mut web = env(&[
            ("PATH", "/cache/shop-py3/bin:/usr/bin"),
            ("VIRTUAL_ENV", "/cache/shop-py3"),
            ("LC_CTYPE", "C.UTF-8"),
        ]);
        let taken = take_out(&prefix("poetry run"), &mut web).unwrap();
        assert_eq!(web, env(&[("PATH", "/usr/bin")]));
        assert_eq!(taken.names, ["LC_CTYPE", "PATH", "VIRTUAL_ENV"]);

        // A locale someone chose stays; a virtualenv not first on PATH is
        // not the launcher's.
        let mut web = env(&[
            ("PATH", "/usr/bin:/cache/v/bin"),
            ("VIRTUAL_ENV", "/cache/v"),
            ("LC_CTYPE", "C.UTF-8"),
        ]);
        assert_eq!(take_out(&prefix("poetry run"), &mut web), None);
        let mut web = env(&[
            ("PATH", "/v/bin:/usr/bin"),
            ("VIRTUAL_ENV", "/v"),
            ("LANG", "de_DE.UTF-8"),
            ("LC_CTYPE", "C.UTF-8"),
        ]);
        take_out(&prefix("poetry run"), &mut web).unwrap();
        assert!(web.contains_key(OsStr::new("LC_CTYPE")));

        // pipenv marks its runs; without the mark, nothing is its.
        let mut web = env(&[("PATH", "/v/bin:/usr/bin"), ("VIRTUAL_ENV", "/v")]);
        assert_eq!(take_out(&prefix("pipenv run"), &mut web), None);
        web.insert("PIPENV_ACTIVE".into(), "1".into());
        take_out(&prefix("pipenv run"), &mut web).unwrap();
        assert_eq!(web, env(&[("PATH", "/usr/bin")]));
    }
}
