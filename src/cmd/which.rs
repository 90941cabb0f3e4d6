//! `appenv which COMMAND…`: the argv that would be exec'd, program path
//! resolved. A lone program with no prefix prints its path as it is, as
//! which(1) does, so that an editor can use the line as a path whatever
//! characters it holds; anything more is one shell-quoted line; `--json`
//! gives the argv, the path and the root.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::Context;
use crate::env_vars::EnvVars;
use crate::error::{Error, print};
use crate::exec::Skip;
use crate::exit::ExitCode;
use crate::isolation::Prefix;
use crate::plan::Plan;
use crate::shell::push_word;

pub fn run(ctx: &Context, command: &[OsString], json: bool) -> Result<(), Error> {
    let plan = ctx.show(ExitCode::Failed)?;
    ctx.say_notes(&plan, crate::launch::Values::NotShown);
    let mut argv = plan.argv(command, Prefix::unless(ctx.global.no_prefix));
    let launcher = argv.len() > command.len();
    if launcher && is_python_launcher(&argv) {
        // An editor given `…/poetry run python` cannot use it: print the
        // interpreter the launcher runs when it is the project's own
        // virtualenv, which can be known without running the launcher.
        match project_program(&plan, &argv, command) {
            Some(program) => {
                argv = std::iter::once(program.into())
                    .chain(command[1..].iter().cloned())
                    .collect()
            }
            None if !ctx.quiet() => eprintln!(
                "appenv: note: this app's {} is reached through `{} {}`, which picks the interpreter itself; \
                 only running it tells its path (`poetry env info -p`, `pipenv --py`, `hatch env find`)",
                crate::text::sanitize_bytes(command[0].as_bytes()),
                crate::text::sanitize_bytes(argv[0].as_bytes()),
                crate::text::sanitize_bytes(argv[1].as_bytes()),
            ),
            None => {}
        }
    }
    // Never a shim nor appenv itself: an editor given this path must get
    // the real interpreter.
    let skip = Skip::for_env(|name| plan.value(name));
    let program = skip.lookup(&argv[0], plan.value(EnvVars::PATH))?;
    argv[0] = program.into_os_string();
    if json {
        return print_json(&plan, &argv);
    }
    let mut out = Vec::new();
    if let [program] = argv.as_slice() {
        out.extend_from_slice(program.as_bytes());
        out.push(b'\n');
        return print(&out);
    }
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        push_word(arg.as_bytes(), &mut out);
    }
    out.push(b'\n');
    print(&out)
}

/// `{"argv": [...], "path": "/…/python", "root": "/srv/shop"}`: JSON holds
/// only text, so a word that is not UTF-8 is an error rather than a mangled
/// path.
fn print_json(plan: &Plan, argv: &[OsString]) -> Result<(), Error> {
    let words = argv
        .iter()
        .map(|word| {
            word.to_str().map(String::from).ok_or_else(|| {
                Error::new(
                    ExitCode::Failed,
                    format!(
                        "{} is not valid UTF-8, which JSON cannot hold",
                        crate::text::sanitize_bytes(word.as_bytes())
                    ),
                )
            })
        })
        .collect::<Result<Vec<String>, Error>>()?;
    let value = serde_json::json!({
        "argv": words,
        "path": words[0],
        "root": plan.root.dir.as_str(),
    });
    let mut out = serde_json::to_vec(&value).map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    out.push(b'\n');
    print(&out)
}

/// `poetry run`, `uv run`, `pipenv run`, `pdm run`, `hatch run`.
fn is_python_launcher(argv: &[OsString]) -> bool {
    argv.get(1).is_some_and(|w| w == "run")
        && ["poetry", "uv", "pipenv", "pdm", "hatch"]
            .iter()
            .any(|l| argv[0] == *l)
}

/// The command in the virtualenv the launcher uses, when that is the
/// project's own: uv's `UV_PROJECT_ENVIRONMENT` or `.venv`; Poetry, pipenv
/// and pdm also take an existing `.venv` in the project. Hatch keeps its
/// environments elsewhere.
fn project_program(plan: &Plan, argv: &[OsString], command: &[OsString]) -> Option<PathBuf> {
    if argv[0] == "hatch" || command[0].as_bytes().contains(&b'/') {
        return None;
    }
    let root = plan.root.dir.as_std_path();
    let venv = match plan.value(EnvVars::UV_PROJECT_ENVIRONMENT) {
        Some(dir) if argv[0] == "uv" => root.join(dir),
        _ => root.join(".venv"),
    };
    let program = venv.join("bin").join(&command[0]);
    (venv.join("pyvenv.cfg").is_file() && program.is_file()).then_some(program)
}
