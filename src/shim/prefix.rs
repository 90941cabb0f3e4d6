//! How a shim applies the app's isolation prefix. A shim stands in for one
//! program, and a launcher (`poetry run python`) finds that program on PATH,
//! which may lead back to the shim. So:
//!
//! * `bundle exec` is applied the way Bundler sets itself up, without
//!   Bundler's own process: `BUNDLE_GEMFILE`, `RUBYOPT=-rbundler/setup`,
//!   `BUNDLE_BIN_PATH` and the `BUNDLER_ORIG_*` backups, then the real program
//!   is exec'd. Only a program that is on no PATH directory but the shims'
//!   (a gem's executable inside the bundle) goes through `bundle exec` itself.
//! * Any other prefix runs the program as a typed command would, with
//!   `APPENV_SHIM_LAUNCHED` naming the root: a shim the launcher re-enters for that
//!   root passes straight through to the real program.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use camino::Utf8Path;

use crate::env_vars::EnvVars;
use crate::exec::Skip;
use crate::plan::{Env, Plan};
use crate::text::sanitize;

/// What `bundle exec` backs up before it changes anything, so that
/// `Bundler.with_original_env` can restore it (Bundler's
/// `EnvironmentPreserver::BUNDLER_KEYS`).
const BUNDLER_KEYS: [&str; 10] = [
    "BUNDLE_BIN_PATH",
    "BUNDLE_GEMFILE",
    "BUNDLER_VERSION",
    "GEM_HOME",
    "GEM_PATH",
    "MANPATH",
    "PATH",
    "RB_USER_INSTALL",
    "RUBYLIB",
    "RUBYOPT",
];
/// Bundler's spelling of "was unset" in a `BUNDLER_ORIG_*` backup.
const INTENTIONALLY_NIL: &str = "BUNDLER_ENVIRONMENT_PRESERVER_INTENTIONALLY_NIL";
const SETUP: &str = "-rbundler/setup";

/// How a shim applies the plan's prefix to one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefix {
    /// No prefix: none detected, or the program is the launcher itself.
    None,
    /// `bundle exec`, as Bundler sets it up; `bundle` is the launcher found.
    Bundler { bundle: PathBuf },
    /// The launcher runs the program; shims it re-enters pass through.
    Launcher {
        words: Vec<String>,
        launcher: PathBuf,
    },
    /// The launcher is on no PATH directory but the shims': the program
    /// runs with the rest of the app environment.
    Unavailable { words: Vec<String> },
}

/// How a shim named `program` applies the plan's prefix; `None` for any
/// program that is not the launcher and is on PATH (for `explain`).
pub fn decide(plan: &Plan, program: Option<&OsStr>, skip: &Skip) -> Prefix {
    let words = plan
        .isolation
        .prefix_for(program.unwrap_or(OsStr::new("")))
        .to_vec();
    let Some(first) = words.first() else {
        return Prefix::None;
    };
    let path = plan.value(EnvVars::PATH);
    let find = |name: &OsStr| skip.lookup_named(name, path);
    let Ok(launcher) = find(OsStr::new(first)) else {
        return Prefix::Unavailable { words };
    };
    let program_found = program.is_none_or(|p| find(p).is_ok());
    if words == ["bundle", "exec"] && program_found {
        Prefix::Bundler { bundle: launcher }
    } else {
        Prefix::Launcher { words, launcher }
    }
}

/// Whether `program` is the launcher of the plan's prefix (`bundle`).
pub fn is_launcher(plan: &Plan, program: &OsStr) -> bool {
    let first = plan.isolation.prefix.as_ref().and_then(|p| p.value.first());
    first.is_some_and(|word| program == word.as_str())
}

/// Sets `env` up as `bundle exec` would for the app at `root`: an inherited
/// `BUNDLE_GEMFILE` is kept (Bundler keeps it too), and `-rbundler/setup`
/// is added to `RUBYOPT` unless Bundler's setup is already required there.
/// Bundler also puts its own `lib` on `RUBYLIB` and the bundle's `bin` on
/// PATH, and sets `BUNDLER_VERSION`; `require "bundler/setup"` picks the
/// Bundler the lockfile names without them.
pub fn bundle_env(env: &mut Env, root: &Utf8Path, bundle: &Path) {
    for key in BUNDLER_KEYS {
        let backup = OsString::from(format!("BUNDLER_ORIG_{key}"));
        if env.contains_key(&backup) {
            continue;
        }
        match env.get(OsStr::new(key)) {
            None => {
                env.insert(backup, INTENTIONALLY_NIL.into());
            }
            Some(value) if value.is_empty() => {}
            Some(value) => {
                let value = value.clone();
                env.insert(backup, value);
            }
        }
    }
    let gemfile = env
        .get(OsStr::new(EnvVars::BUNDLE_GEMFILE))
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or_else(|| root.join("Gemfile").into_std_path_buf().into());
    env.insert(EnvVars::BUNDLE_GEMFILE.into(), gemfile);
    env.insert(
        EnvVars::BUNDLE_BIN_PATH.into(),
        bundle.as_os_str().to_owned(),
    );
    let rubyopt = env
        .get(OsStr::new(EnvVars::RUBYOPT))
        .cloned()
        .unwrap_or_default();
    let set_up = rubyopt
        .as_bytes()
        .split(u8::is_ascii_whitespace)
        .any(|word| word.starts_with(b"-r") && word.ends_with(b"bundler/setup"));
    if !set_up {
        let mut value = OsString::from(SETUP);
        if !rubyopt.is_empty() {
            value.push(" ");
            value.push(&rubyopt);
        }
        env.insert(EnvVars::RUBYOPT.into(), value);
    }
}

/// What shims do with the prefix, for `explain` and `shim list`: a phrase
/// that follows "shims".
pub fn describe(prefix: &Prefix) -> Option<String> {
    let show = |p: &Path| sanitize(&p.to_string_lossy());
    Some(match prefix {
        Prefix::None => return None,
        Prefix::Bundler { bundle } => format!(
            "apply `bundle exec` as Bundler sets it up (BUNDLE_GEMFILE, RUBYOPT={SETUP}, BUNDLE_BIN_PATH={}); a program found only in the bundle runs through `bundle exec`",
            show(bundle)
        ),
        Prefix::Launcher { words, launcher } => format!(
            "run programs through `{}` ({}); a shim it runs again for this app passes straight through to the real program",
            sanitize(&words.join(" ")),
            show(launcher)
        ),
        Prefix::Unavailable { words } => format!(
            "do not apply `{}`: no {} on PATH besides the shims; programs run with the rest of the app environment",
            sanitize(&words.join(" ")),
            sanitize(&words[0])
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    fn get<'a>(env: &'a Env, key: &str) -> Option<&'a str> {
        env.get(OsStr::new(key)).and_then(|v| v.to_str())
    }

    #[test]
    fn bundle_env_is_what_bundle_exec_sets() {
        let mut e = env(&[("PATH", "/usr/bin:/bin"), ("RUBYLIB", "")]);
        bundle_env(&mut e, Utf8Path::new("/app"), Path::new("/usr/bin/bundle"));
        assert_eq!(get(&e, "BUNDLE_GEMFILE"), Some("/app/Gemfile"));
        assert_eq!(get(&e, "BUNDLE_BIN_PATH"), Some("/usr/bin/bundle"));
        assert_eq!(get(&e, "RUBYOPT"), Some("-rbundler/setup"));
        assert_eq!(get(&e, "BUNDLER_ORIG_PATH"), Some("/usr/bin:/bin"));
        assert_eq!(get(&e, "BUNDLER_ORIG_RUBYOPT"), Some(INTENTIONALLY_NIL));
        assert_eq!(get(&e, "BUNDLER_ORIG_GEM_HOME"), Some(INTENTIONALLY_NIL));
        // An empty value is not backed up, as in Bundler.
        assert_eq!(get(&e, "BUNDLER_ORIG_RUBYLIB"), None);
        assert_eq!(get(&e, "PATH"), Some("/usr/bin:/bin"));

        // Again, inside the bundle: nothing doubles, the first backup stays.
        let before = e.clone();
        bundle_env(&mut e, Utf8Path::new("/app"), Path::new("/usr/bin/bundle"));
        assert_eq!(e, before);
    }

    #[test]
    fn bundle_env_keeps_the_callers_gemfile_and_rubyopt() {
        let mut e = env(&[
            ("BUNDLE_GEMFILE", "/app/gemfiles/rails7.gemfile"),
            ("RUBYOPT", "-W0"),
        ]);
        bundle_env(&mut e, Utf8Path::new("/app"), Path::new("/b/bundle"));
        assert_eq!(
            get(&e, "BUNDLE_GEMFILE"),
            Some("/app/gemfiles/rails7.gemfile")
        );
        assert_eq!(get(&e, "RUBYOPT"), Some("-rbundler/setup -W0"));
        assert_eq!(get(&e, "BUNDLER_ORIG_RUBYOPT"), Some("-W0"));

        // Set up by a real `bundle exec` already (an absolute path).
        let real = "-r/usr/lib/ruby/3.1.0/bundler/setup";
        let mut e = env(&[("RUBYOPT", real)]);
        bundle_env(&mut e, Utf8Path::new("/app"), Path::new("/b/bundle"));
        assert_eq!(get(&e, "RUBYOPT"), Some(real));
    }
}
