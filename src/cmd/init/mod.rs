//! `appenv init`: write an appenv.toml at the root that states what appenv
//! detected, with short comments, so the plan can be read and edited. It
//! pins the isolation it found ([exec] prefix, [env] path), leaves every
//! default as a comment, reads its own text back before writing it, and
//! never overwrites a file.

mod from_envrc;

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;

use camino::{Utf8Path, Utf8PathBuf};

use super::Context;
use crate::config::{self, Config};
use crate::error::Error;
use crate::exit::ExitCode;
use crate::isolation;
use crate::plan::{self, DEFAULT_FILES, Plan};
use crate::root::{self, Reason, Root};
use crate::tasks;
use crate::text::sanitize;

pub fn run(ctx: &Context, args: &crate::cli::InitArgs) -> Result<(), Error> {
    let request = ctx.request(ExitCode::GeneralError)?;
    // With no app above, the working directory becomes one.
    let found = root::find(&request.start).ok();
    let root = found.clone().unwrap_or_else(|| Root {
        dir: request.start.clone(),
        reason: Reason::Config,
        workspace: None,
    });
    let path = root.dir.join(config::FILE_NAME);
    if found.as_ref().is_some_and(|r| r.reason == Reason::Config) {
        return Err(exists(&path));
    }
    let plan = plan::resolve_at(root, &request, &ctx.base)
        .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
    let envrc = match args.from_envrc {
        true => Some(from_envrc::translate(&plan)?),
        false => None,
    };
    let text = render(&plan, found.map(|r| r.reason), envrc.as_ref());
    check(&plan, &path, &text)?;
    write_new(&path, &text)?;

    if !ctx.quiet() {
        let shown = sanitize(path.as_str());
        match plan::resolve(&request, &ctx.base).map(|plan| ctx.check(plan).into_parts().1) {
            Ok(trust) if !trust.is_trusted() => {
                eprintln!("appenv: wrote {shown}; review it, then run 'appenv allow'")
            }
            _ => eprintln!("appenv: wrote {shown}"),
        }
    }
    for what in envrc.iter().flat_map(|t| &t.untranslated) {
        eprintln!("appenv: not translated: {what}");
    }
    Ok(())
}

fn exists(path: &Utf8Path) -> Error {
    Error::new(
        ExitCode::GeneralError,
        format!(
            "{} already exists; edit it, or move it away and run 'appenv init' again",
            sanitize(path.as_str())
        ),
    )
}

/// Creates `path` with `text`; an existing file (or a symlink, even a
/// dangling one) is left untouched, and a file this call created is
/// removed again when writing to it fails.
fn write_new(path: &Utf8Path, text: &str) -> Result<(), Error> {
    let cannot = |e: std::io::Error| {
        Error::new(
            ExitCode::GeneralError,
            format!("cannot write {}: {e}", sanitize(path.as_str())),
        )
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists(path),
            _ => cannot(e),
        })?;
    file.write_all(text.as_bytes()).map_err(|e| {
        // A partial file would only stand in the way of the next try.
        let _ = std::fs::remove_file(path);
        cannot(e)
    })
}

/// The file must parse and give the same isolation as detection did: a file
/// that changed the plan it claims to describe would be worse than none.
/// (Env files, the environment name and precedence are left as comments, so
/// they cannot change.)
fn check(plan: &Plan, path: &Utf8Path, text: &str) -> Result<(), Error> {
    let bug = |what: String| {
        Error::new(
            ExitCode::GeneralError,
            format!(
                "cannot write an appenv.toml that keeps this app's plan ({what}); this is a bug, please report it"
            ),
        )
    };
    let config = Config::parse(path, text.as_bytes()).map_err(|e| bug(e.to_string()))?;
    let top = plan
        .shared
        .as_ref()
        .map(crate::plan::workspace::Shared::top);
    let again = isolation::detect_in(
        &plan.root.dir,
        Some(&config),
        plan.procfile.as_ref(),
        &crate::markers::by_path(&plan.root.dir),
        top,
    );
    let values = |iso: &isolation::Isolation| {
        (
            iso.prefix.as_ref().map(|d| d.value.clone()),
            iso.path.as_ref().map(|d| d.value.clone()),
            iso.virtualenv.clone(),
        )
    };
    if values(&again) != values(&app_isolation(plan)) {
        return Err(bug("the isolation differs when read back".into()));
    }
    Ok(())
}

/// The text of the file, one TOML section after another. Values go through
/// the toml crate, never through hand quoting; text in comments is
/// sanitised, so a newline in a name cannot end a comment and start a
/// setting.
fn render(plan: &Plan, found: Option<Reason>, envrc: Option<&from_envrc::Translation>) -> String {
    let mut out = Text::default();
    header(&mut out, found);
    environment(&mut out, plan);
    env_table(&mut out, plan, envrc);
    env_vars_table(&mut out, plan, envrc);
    exec_table(&mut out, plan);
    tasks_table(&mut out, plan);
    out.0
}

/// What wrote the file, and how the root was found before it.
fn header(out: &mut Text, found: Option<Reason>) {
    out.comment("appenv.toml: written by `appenv init` from what appenv detected here.");
    out.comment("Edit it to change how commands run in this app; `appenv explain` shows");
    out.comment("the result. Commented-out settings show defaults and examples.");
    out.comment(&match found {
        Some(reason) => format!(
            "appenv found this app's root by its {}; from now on, by this file.",
            reason.file_name()
        ),
        None => "No app root was found above this directory; this file makes it one.".into(),
    });
}

/// The default environment name, commented out.
fn environment(out: &mut Text, plan: &Plan) {
    out.line("");
    out.comment("The environment when neither --env nor APPENV_ENV names one; it selects");
    out.comment(".env.NAME and .env.NAME.local.");
    let name = plan.env_name.as_ref().map_or("development", |d| &d.name);
    out.line(&format!("#environment = {}", string(name)));
}

/// `[env]`: the files, the required names, the precedence, PATH.
fn env_table(out: &mut Text, plan: &Plan, envrc: Option<&from_envrc::Translation>) {
    out.line("\n[env]");
    files(out, &plan.root.dir, envrc);
    if let Some(t) = envrc.filter(|t| !t.required.is_empty()) {
        out.comment("Names that must be set (the .envrc's env_vars_required).");
        out.line(&format!("required = {}", array(&t.required)));
    }
    out.line("");
    out.comment("The inherited environment beats env files and [env.vars]; true reverses it.");
    out.line("#override = false");
    out.line("");
    path(out, plan);
}

/// The env files: the default list, set only when the `.envrc` adds some.
fn files(out: &mut Text, root: &Utf8Path, envrc: Option<&from_envrc::Translation>) {
    out.comment("Env files, lowest precedence first. While `files` is unset, this default");
    out.comment("list is read, and .env.local is skipped in the test environment.");
    let present = env_files(root);
    out.comment(&if present.is_empty() {
        "No env file is present yet.".into()
    } else {
        format!("Present now: {}.", present.join(", "))
    });
    let mut files: Vec<String> = DEFAULT_FILES.map(String::from).into();
    match envrc.filter(|t| !t.files.is_empty()) {
        Some(t) => {
            out.comment("The default list, then the files the .envrc's dotenv lines name.");
            files.extend(t.files.iter().cloned());
            out.line(&format!("files = {}", array(&files)));
        }
        None => out.line(&format!("#files = {}", array(&files))),
    }
}

/// The PATH entries isolation found, pinned when they are plain paths
/// inside the root; the version files' interpreters are left to them.
fn path(out: &mut Text, plan: &Plan) {
    let root = &plan.root.dir;
    out.comment("Directories put first on PATH, relative to the root.");
    let isolation = app_isolation(plan);
    match &isolation.path {
        Some(path) => match pinned_path(root, &path.value) {
            Ok(dirs) => {
                out.comment(&format!("Detected: {}.", path.reason));
                if let Some(venv) = &plan.isolation.virtualenv {
                    out.comment(&format!(
                        "{} is a virtualenv: VIRTUAL_ENV is set, PYTHONHOME removed.",
                        relative(root, venv)
                    ));
                }
                out.line(&format!("path = {}", array(&dirs)));
            }
            Err(why) => {
                out.comment(&format!(
                    "Detected: {}; not pinned here: {why}.",
                    path.reason
                ));
                out.line("#path = [\"bin\"]");
            }
        },
        None => {
            out.comment("Nothing found asks for one.");
            out.line("#path = [\"bin\"]");
        }
    }
    for why in plan.interpreters.iter().filter_map(|p| p.why()) {
        out.comment(&format!(
            "After these, from its version file, not from here: {}.",
            crate::text::sanitize(&why)
        ));
    }
}

/// `[env.vars]`: an example, the `.envrc`'s exports, what it could not say.
fn env_vars_table(out: &mut Text, plan: &Plan, envrc: Option<&from_envrc::Translation>) {
    out.line("\n[env.vars]");
    out.comment("The lowest layer; values may use ~, $VAR, ${VAR:-default} and entries above.");
    let app_name = plan.root.dir.file_name().unwrap_or("app");
    out.line(&format!("#APP_NAME = {}", string(app_name)));
    if let Some(t) = envrc.filter(|t| !t.vars.is_empty()) {
        out.comment("From the .envrc's exports (below env files here; in the .envrc, above).");
        for (name, value) in &t.vars {
            // A shell name (`[A-Za-z_][A-Za-z0-9_]*`) is a bare TOML key.
            out.line(&format!("{name} = {}", string(value)));
        }
    }
    if let Some(t) = envrc.filter(|t| !t.untranslated.is_empty()) {
        out.comment("Not translated from the .envrc:");
        for what in &t.untranslated {
            out.comment(&format!("  {what}"));
        }
    }
}

/// `[exec]`: the prefix isolation found, and its notes.
fn exec_table(out: &mut Text, plan: &Plan) {
    out.line("\n[exec]");
    out.comment("Words put before every command but the launcher itself; [] turns it off.");
    match &plan.isolation.prefix {
        Some(prefix) => {
            out.comment(&format!("Detected: {}.", prefix.reason));
            out.line(&format!("prefix = {}", array(&prefix.value)));
        }
        None => {
            out.comment("Nothing found asks for one.");
            out.line("#prefix = []");
        }
    }
    for note in &plan.isolation.notes {
        out.comment(&format!("Note: {note}."));
    }
}

/// `[tasks]`: how tasks are found, the ones found now, an example.
fn tasks_table(out: &mut Text, plan: &Plan) {
    out.line("\n[tasks]");
    out.comment("Admin processes for `appenv run NAME`, looked up here, then in the");
    out.comment("Procfile, package.json and composer.json scripts, then built-ins. A string");
    out.comment("is a command line (one simple command is exec'd directly, anything else");
    out.comment("runs with /bin/sh -c), an array is exec'd as is; arguments are appended.");
    let tasks = tasks::list(plan);
    if !tasks.is_empty() {
        out.comment("Tasks found now (`appenv tasks`); a task here of the same name wins:");
        let rows: Vec<[String; 3]> = tasks
            .iter()
            .map(|t| [t.name.clone(), t.origin.to_string(), t.display()])
            .collect();
        let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
        let (name, source) = (width(0), width(1));
        for [n, s, c] in rows {
            out.comment(&format!("  {n:<name$}  {s:<source$}  {c}"));
        }
    }
    out.line("#seed = \"bin/seed --small\"");
}

#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, line: &str) {
        self.0.push_str(line);
        self.0.push('\n');
    }

    fn comment(&mut self, text: &str) {
        self.line(&format!("# {}", sanitize(text)));
    }
}

/// The PATH entries as paths relative to the root, when each one reads
/// back as exactly the same directory.
fn pinned_path(root: &Utf8Path, dirs: &[Utf8PathBuf]) -> Result<Vec<String>, String> {
    dirs.iter()
        .map(|dir| match dir.strip_prefix(root) {
            Ok(rel) if rel.as_str().is_empty() => Err("it is the root itself".to_owned()),
            Ok(rel) if root.join(rel).as_str() == dir.as_str() => Ok(rel.as_str().to_owned()),
            _ => Err(format!("{dir} is not a plain path inside the root")),
        })
        .collect()
}

/// The plan's isolation without the interpreters its version files pin:
/// those stay with the version files, which keep deciding (a version
/// bumped there is followed), and their `bin` is outside the root.
fn app_isolation(plan: &Plan) -> isolation::Isolation {
    let mut isolation = plan.isolation.clone();
    if let Some(path) = &mut isolation.path {
        for pinned in &plan.interpreters {
            let (Some(bin), Some(why)) = (pinned.bin(), pinned.why()) else {
                continue;
            };
            path.value.retain(|dir| dir != bin);
            path.reason = path.reason.replace(&format!(", then {why}"), "");
        }
    }
    if isolation.path.as_ref().is_some_and(|p| p.value.is_empty()) {
        isolation.path = None;
    }
    isolation
}

/// `path` relative to `root`, `.` for the root itself.
fn relative(root: &Utf8Path, path: &Utf8Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_str().is_empty() => ".".into(),
        Ok(rel) => rel.as_str().into(),
        Err(_) => path.as_str().into(),
    }
}

/// The names of the env files in `root`, sorted.
fn env_files(root: &Utf8Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name == ".env" || name.starts_with(".env."))
        .collect();
    names.sort();
    names
}

fn string(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

fn array(values: &[String]) -> String {
    toml::Value::Array(values.iter().cloned().map(toml::Value::String).collect()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Env, Request};

    fn plan_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Plan) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Utf8PathBuf::from_path_buf(tmp.path().join("app")).unwrap();
        for (name, content) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        let request = Request {
            start: dir.clone(),
            ..Request::default()
        };
        let plan = plan::resolve(&request, &Env::new()).unwrap();
        (tmp, plan)
    }

    fn written(plan: &Plan) -> String {
        let text = render(plan, Some(plan.root.reason), None);
        check(plan, &plan.root.dir.join(config::FILE_NAME), &text).unwrap();
        text
    }

    #[test]
    fn pins_path_entries_inside_the_root_only() {
        let root = Utf8Path::new("/srv/app");
        let ok = pinned_path(
            root,
            &[root.join(".venv/bin"), root.join("node_modules/.bin")],
        );
        assert_eq!(ok.unwrap(), [".venv/bin", "node_modules/.bin"]);
        assert!(pinned_path(root, &[root.to_owned()]).is_err());
        assert!(pinned_path(root, &["/usr/bin".into()]).is_err());
    }

    #[test]
    fn an_interpreter_in_the_root_itself_stays_detected() {
        let (_t, plan) = plan_of(&[("Procfile", "web: ./python app.py\n")]);
        let path = &plan.isolation.path.as_ref().unwrap().value;
        assert_eq!(path, std::slice::from_ref(&plan.root.dir));
        let text = written(&plan);
        assert!(
            text.contains("not pinned here: it is the root itself.\n#path"),
            "{text}"
        );
    }

    #[test]
    fn procfile_notes_and_node_modules() {
        let (_t, plan) = plan_of(&[
            (
                "Procfile",
                "web: bundle exec puma\nworker: poetry run celery\n",
            ),
            ("package.json", "{}"),
            ("node_modules/.bin/x", ""),
        ]);
        let text = written(&plan);
        assert!(text.contains("path = [\"node_modules/.bin\"]\n"), "{text}");
        assert!(
            text.contains("# Note: Procfile processes use different launchers"),
            "{text}"
        );
        assert!(text.contains("#prefix = []\n"), "{text}");
    }
}
