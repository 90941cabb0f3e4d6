//! appenv started as a shim (`argv[0]` is `python`, `irb`…): find the app,
//! load it when it is trusted, apply its isolation, exec the real program.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use camino::{Utf8Path, Utf8PathBuf};

use super::names::{basename, dir, env_var};
use super::notice;
use super::prefix::{self, Prefix};
use crate::env_vars::EnvVars;
use crate::error::Error;
use crate::exec::{self, FileId, Skip};
use crate::exit::ExitCode;
use crate::launch;
use crate::plan::{self, Env, Plan, Request};
use crate::root;
use crate::text::sanitize_bytes;
use crate::trust::{self, Trust};

/// Legitimate nesting (a REPL that starts `python` that starts `python`)
/// stays far below this; a loop reaches it in milliseconds.
pub const MAX_DEPTH: u32 = 8;

/// What the shim execs.
enum Target {
    /// The real program, found on PATH.
    Program,
    /// The app's launcher, which runs the program.
    Launcher {
        words: Vec<String>,
        launcher: PathBuf,
    },
}

/// Runs appenv as the shim `argv[0]`: loads the app when there is a trusted
/// one, then execs the real program. Returns only on failure.
pub fn run(argv: Vec<OsString>, inherited: Env) -> Error {
    let argv0 = argv[0].clone();
    let name = basename(&argv0).to_owned();
    let depth = inherited
        .get(OsStr::new(EnvVars::APPENV_SHIM_DEPTH))
        .and_then(|v| v.to_str()?.parse::<u32>().ok())
        .unwrap_or(0);
    let started_from = argv0
        .as_bytes()
        .contains(&b'/')
        .then(|| Path::new(&argv0).parent().map(Path::to_owned))
        .flatten();
    let skip = Skip::new(
        dir(env_var(&inherited))
            .ok()
            .into_iter()
            .chain(started_from),
    );
    let lookup = |path: Option<&OsStr>| skip.lookup_named(&name, path);

    if depth >= MAX_DEPTH {
        let found = match lookup(
            inherited
                .get(OsStr::new(EnvVars::PATH))
                .map(OsString::as_os_str),
        ) {
            Ok(program) => format!("the {} found on PATH, {},", show(&name), show(&program)),
            Err(_) => format!("a {} on PATH", show(&name)),
        };
        return Error::new(
            ExitCode::Failed,
            format!(
                "shim loop: {} has gone through the appenv shim {depth} times ({var}={depth}); {found} leads back to the shim: take it off PATH or make it call the real {} by its full path",
                show(&name),
                show(&name),
                var = EnvVars::APPENV_SHIM_DEPTH,
            ),
        );
    }

    let (mut env, target) = load(&argv, &inherited, &name, &skip);
    env.insert(
        EnvVars::APPENV_SHIM_DEPTH.into(),
        (depth + 1).to_string().into(),
    );
    let mut argv = argv;
    let program = match target {
        Target::Launcher { words, launcher } => {
            // `poetry run python ARGS`: the launcher finds `python` itself.
            argv[0] = name;
            argv.splice(0..0, words.into_iter().map(OsString::from));
            launcher
        }
        Target::Program => {
            let program = match lookup(env.get(OsStr::new(EnvVars::PATH)).map(OsString::as_os_str))
            {
                Ok(program) => program,
                Err(e @ exec::ExecError::NotFound(_)) => {
                    let name = show(&name);
                    return Error::new(
                        e.status(),
                        format!(
                            "{name}: command not found (no {name} on PATH besides the appenv shims)"
                        ),
                    );
                }
                Err(e) => return e.into(),
            };
            // The real program gets its own path as argv[0], as pyenv and
            // rbenv shims do: an interpreter that finds its home from
            // argv[0] (Python and a virtualenv's pyvenv.cfg) must not find
            // the shim's.
            argv[0] = program.clone().into_os_string();
            program
        }
    };
    let pairs = env.iter().map(|(k, v)| (k.as_os_str(), v.as_os_str()));
    exec::exec(&program, &argv, pairs, None).into()
}

/// The environment the program gets and how it is run. The app is the
/// first of these that you have allowed (or allowed once and changed
/// since): the working directory's, then that of each argument that is an
/// existing file, in order. Anything else passes through untouched.
fn load(argv: &[OsString], inherited: &Env, name: &OsStr, skip: &Skip) -> (Env, Target) {
    let untouched = || (inherited.clone(), Target::Program);
    let Ok(cwd) = crate::workdir::logical(inherited) else {
        return untouched();
    };
    let Ok(cwd) = Utf8PathBuf::from_path_buf(cwd) else {
        return untouched();
    };
    let base = crate::hook_state::base_env(inherited);
    let launched = inherited
        .get(OsStr::new(EnvVars::APPENV_SHIM_LAUNCHED))
        .map(Path::new);
    let mut seen: Vec<Utf8PathBuf> = Vec::new();
    for start in std::iter::once(cwd.clone()).chain(file_dirs(&cwd, &argv[1..])) {
        let Ok(root) = root::find(&start) else {
            continue;
        };
        if seen.contains(&root.dir) {
            continue;
        }
        seen.push(root.dir.clone());
        // The launcher this shim ran for the app is looking the program up:
        // the environment is the app's already.
        if launched.is_some_and(|l| same_dir(l, root.dir.as_std_path())) {
            return untouched();
        }
        let request = Request {
            start,
            ..Request::default()
        };
        let resolved = plan::resolve_at(root.clone(), &request, &base);
        let trust = match &resolved {
            Ok(plan) => trust::check(plan, &base),
            Err(_) => trust::check_unresolved(&root.dir, &base),
        };
        match trust {
            Trust::Allowed | Trust::TrustedDir(_) => {}
            Trust::Changed { files, .. } => {
                if !launch::quiet_env(inherited) && notice::first_time(inherited, &root.dir, &files)
                {
                    eprintln!(
                        "appenv: {} changed since it was allowed ({}); {} runs without the app environment; run 'appenv allow'",
                        short(&root.dir),
                        sanitize_bytes(files.join(", ").as_bytes()),
                        show(name)
                    );
                }
                return untouched();
            }
            // Never allowed (or no store to ask): look further, silently.
            Trust::NotAllowed | Trust::Unchecked(_) => continue,
        }
        // Trusted: its encrypted values are decrypted.
        return match resolved.and_then(|plan| plan::unlock(plan, &request, &base)) {
            Ok(plan) => with_isolation(&plan, name, skip),
            Err(e) => {
                if !launch::quiet_env(inherited) {
                    eprintln!("appenv: {}: app environment not loaded: {e}", show(name));
                }
                untouched()
            }
        };
    }
    untouched()
}

/// The plan's environment with its prefix applied as a shim applies it.
fn with_isolation(plan: &Plan, name: &OsStr, skip: &Skip) -> (Env, Target) {
    let mut env = launch::env_of(plan);
    let launched = || OsString::from(plan.root.dir.as_str());
    let target = match prefix::decide(plan, Some(name), skip) {
        // The launcher's own shim (`poetry run python`): the programs it
        // looks up get the app from it, as from a launcher a shim ran.
        Prefix::None if prefix::is_launcher(plan, name) => {
            env.insert(EnvVars::APPENV_SHIM_LAUNCHED.into(), launched());
            Target::Program
        }
        Prefix::None | Prefix::Unavailable { .. } => Target::Program,
        Prefix::Bundler { bundle } => {
            prefix::bundle_env(&mut env, &plan.root.dir, &bundle);
            Target::Program
        }
        Prefix::Launcher { words, launcher } => {
            env.insert(EnvVars::APPENV_SHIM_LAUNCHED.into(), launched());
            // Nor may the launcher load .env again over the app's environment.
            for (name, value) in crate::isolation::launcher_env(launcher.as_os_str()) {
                env.entry((*name).into()).or_insert_with(|| (*value).into());
            }
            Target::Launcher { words, launcher }
        }
    };
    (env, target)
}

/// The directory of each argument that names an existing file: how
/// `python3 /ext/launcher.py /srv/app/manage.py`, started by a debugger
/// from `/`, still finds its app.
fn file_dirs<'a>(
    cwd: &'a Utf8Path,
    args: &'a [OsString],
) -> impl Iterator<Item = Utf8PathBuf> + 'a {
    args.iter()
        .filter_map(|a| Utf8Path::from_path(Path::new(a)))
        .map(|a| cwd.join(a))
        .filter(|a| a.is_file())
        .filter_map(|a| a.parent().map(Utf8Path::to_owned))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    FileId::of(a).is_some_and(|a| Some(a) == FileId::of(b))
}

/// The app's name in messages, as the hook says it: its directory's name.
fn short(root: &Utf8Path) -> String {
    sanitize_bytes(root.file_name().unwrap_or(root.as_str()).as_bytes())
}

fn show(s: impl AsRef<OsStr>) -> String {
    sanitize_bytes(s.as_ref().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn every_existing_file_argument_is_a_candidate_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().canonicalize().unwrap()).unwrap();
        fs::create_dir_all(base.join("app/sub")).unwrap();
        fs::create_dir_all(base.join("ext")).unwrap();
        fs::write(base.join("ext/launcher.py"), "").unwrap();
        fs::write(base.join("app/sub/script.py"), "").unwrap();
        let args: Vec<OsString> = vec![
            "-u".into(),
            "app".into(),
            base.join("ext/launcher.py").into_string().into(),
            "app/sub/script.py".into(),
            "missing.py".into(),
        ];
        let dirs: Vec<_> = file_dirs(&base, &args).collect();
        assert_eq!(dirs, [base.join("ext"), base.join("app/sub")]);
    }
}
