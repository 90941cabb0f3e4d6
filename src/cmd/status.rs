//! `appenv status --json`: the app of a directory as an editor needs it, in
//! the versioned form docs/json.md documents: root, trust, the variables to
//! apply, what to watch, and the errors with their file and line.
//!
//! It reports rather than refuses: whatever is wrong (no app, not allowed, a
//! broken `.env`) is in the JSON and the exit status is 0, because an editor
//! reads stdout and drops stderr. It resolves from the base env, so the
//! answer is the same whether or not the caller carries a hook's load.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write as _;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::{Map, Value, json};

use super::Context;
use crate::cli::StatusArgs;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::input::Inputs;
use crate::launch::{self, Checked};
use crate::plan::{self, Env, Plan, Source};
use crate::text::sanitize;
use crate::trust::{Trust, TrustStore};
use crate::{config, procfile, root};

/// The version of the JSON; it changes only when a field changes meaning or
/// goes away (new fields may appear without it).
pub const VERSION: u32 = 1;

pub fn run(ctx: &Context, args: &StatusArgs) -> Result<(), Error> {
    let mut status = Status::of(ctx);
    status.fill_revert(&ctx.inherited, &ctx.base);
    if args.json {
        let mut out = serde_json::to_vec(&status.to_json())
            .map_err(|e| Error::new(ExitCode::GeneralError, e))?;
        out.push(b'\n');
        return print(&out);
    }
    print(status.to_text().as_bytes())?;
    match status.trust {
        TrustState::Error => Err(Error::new(
            ExitCode::GeneralError,
            "the app cannot be loaded",
        )),
        _ if status.root.is_none() => Err(Error::new(ExitCode::GeneralError, "no app root found")),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrustState {
    Allowed,
    NotAllowed,
    Changed,
    Error,
}

impl TrustState {
    fn as_str(self) -> &'static str {
        match self {
            TrustState::Allowed => "allowed",
            TrustState::NotAllowed => "not_allowed",
            TrustState::Changed => "changed",
            TrustState::Error => "error",
        }
    }
}

/// A problem in one of the app's files.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileError {
    /// Absolute, or `None` when the problem is not in one file.
    file: Option<Utf8PathBuf>,
    line: Option<usize>,
    message: String,
}

#[derive(Debug)]
struct Status {
    root: Option<Utf8PathBuf>,
    environment: Option<String>,
    trust: TrustState,
    /// What an editor shows the user, once; `None` when there is nothing to
    /// say (no app, loaded, or an app that would change nothing).
    message: Option<String>,
    vars: Vec<(String, String)>,
    /// The names in `vars` whose value was written encrypted.
    encrypted: Vec<String>,
    unset: Vec<String>,
    /// `[env] required` names unset or empty: the app does not load.
    missing: Vec<String>,
    /// What takes a hook load in the caller's environment back out: the
    /// values from before it, and the names it added. An editor started
    /// from a shell where the hook loaded one app applies this first, so
    /// that no buffer, of another app or of none, keeps that app's values.
    revert_vars: Vec<(String, String)>,
    revert_unset: Vec<String>,
    /// What the plan notes about its values, names only.
    notes: Vec<String>,
    watch: Watch,
    errors: Vec<FileError>,
}

impl Status {
    fn empty(trust: TrustState) -> Status {
        Status {
            root: None,
            environment: None,
            trust,
            message: None,
            vars: Vec::new(),
            encrypted: Vec::new(),
            unset: Vec::new(),
            missing: Vec::new(),
            revert_vars: Vec::new(),
            revert_unset: Vec::new(),
            notes: Vec::new(),
            watch: Watch::default(),
            errors: Vec::new(),
        }
    }

    fn of(ctx: &Context) -> Status {
        let start = match ctx.start_dir(ExitCode::Failed) {
            Ok(start) => start,
            Err(e) => {
                let mut status = Status::empty(TrustState::Error);
                status.message = Some(e.message);
                return status;
            }
        };
        let mut status = Status::empty(TrustState::NotAllowed);
        let Ok(found) = root::find(&start) else {
            // Nothing to allow; a new `.env` or `appenv.toml` anywhere
            // above would make an app.
            status.watch.dirs(&start, None);
            return status;
        };
        status.watch.root_files(&found.dir);
        status.watch.dirs(&start, Some(&found.dir));
        status.root = Some(found.dir.clone());
        let request = ctx.request_at(start);
        let plan = match plan::resolve_at(found.clone(), &request, &ctx.base) {
            Ok(plan) => plan,
            Err(e) => {
                status.trust = TrustState::Error;
                // Already sanitised where it names a file; this covers all.
                status.message = Some(sanitize(&e.to_string()));
                status.errors.push(file_error(&found.dir, &e));
                status.watch.trust_store(ctx);
                return status;
            }
        };
        status.watch.inputs(&plan);
        if let Some(workspace) = &plan.root.workspace {
            // Without its statement, the member is no root of its own.
            status.watch.add(&workspace.top.join(workspace.tool.file()));
        }
        status.watch.trust_store(ctx);
        status.environment = plan.env_name.as_ref().map(|d| d.name.clone());
        status.missing = plan.missing.clone();
        status.notes = launch::notes(&plan, launch::Values::Said);
        // Asked with the base env: a prompt says nothing of relative
        // `APPENV_TRUSTED_DIRS` entries.
        let (plan, trust) = Checked::new(plan, &ctx.base).into_parts();
        status.trust = match &trust {
            Trust::Allowed | Trust::TrustedDir(_) => TrustState::Allowed,
            Trust::Changed { .. } => TrustState::Changed,
            Trust::NotAllowed => TrustState::NotAllowed,
            Trust::Unchecked(_) => TrustState::Error,
        };
        // As for the hook: an app that would set only appenv's own
        // variables (a bare Cargo.toml) is not worth a trust prompt; a
        // trust store that cannot be read is worth saying anywhere.
        if sets_anything(&plan) || matches!(trust, Trust::Unchecked(_)) {
            if let Some(why) = trust.refusal(&plan.root.dir) {
                status.message = Some(why);
            }
        }
        // As for the hook: an app missing a required variable loads nothing.
        if status.trust == TrustState::Allowed {
            // Trusted: its encrypted values are decrypted, or it loads nothing.
            let root = plan.root.dir.clone();
            let plan = match plan::unlock(plan, &request, &ctx.base) {
                Ok(plan) => plan,
                Err(e) => {
                    status.trust = TrustState::Error;
                    status.message = Some(sanitize(&e.to_string()));
                    status.errors.push(file_error(&root, &e));
                    return status;
                }
            };
            match launch::require(&plan) {
                Ok(()) => status.fill_vars(&plan),
                Err(e) => status.message = Some(e.message),
            }
        }
        status
    }

    /// What the app sets over the base env: never the inherited variables.
    fn fill_vars(&mut self, plan: &Plan) {
        for (name, var) in &plan.vars {
            if var.source == Source::Inherited {
                continue;
            }
            match (name.to_str(), var.value.to_str()) {
                (Some(name), Some(value)) => self.vars.push((name.into(), value.into())),
                // JSON holds only text: say so rather than hand over a
                // mangled value.
                _ => self.errors.push(FileError {
                    file: source_file(&plan.root.dir, &var.source),
                    line: source_line(&var.source),
                    message: format!(
                        "{} is not valid UTF-8 and was left out",
                        sanitize(&name.to_string_lossy())
                    ),
                }),
            }
        }
        self.encrypted = plan.secrets.iter().map(|s| s.name.clone()).collect();
        self.unset = plan
            .removed
            .iter()
            .filter_map(|name| name.to_str().map(String::from))
            .collect();
    }

    /// Every variable whose value differs between what the caller
    /// inherited and the base env it resolves from: what a hook load changed
    /// (and the hook's own state variables).
    fn fill_revert(&mut self, inherited: &Env, base: &Env) {
        let names: BTreeSet<&OsString> = inherited.keys().chain(base.keys()).collect();
        for name in names {
            let before = base.get(name);
            if inherited.get(name) == before {
                continue;
            }
            match (name.to_str(), before.map(|v| v.to_str())) {
                (Some(name), None) => self.revert_unset.push(name.into()),
                (Some(name), Some(Some(value))) => {
                    self.revert_vars.push((name.into(), value.into()))
                }
                _ => self.errors.push(FileError {
                    file: None,
                    line: None,
                    message: format!(
                        "{} is not valid UTF-8 and was left out of revert",
                        sanitize(&name.to_string_lossy())
                    ),
                }),
            }
        }
    }

    fn to_json(&self) -> Value {
        let vars: Map<String, Value> = self
            .vars
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| json!({ "file": e.file.as_ref().map(|f| f.as_str()), "line": e.line, "message": e.message }))
            .collect();
        json!({
            "version": VERSION,
            "root": self.root.as_ref().map(|r| r.as_str()),
            "environment": self.environment,
            "trust": self.trust.as_str(),
            "message": self.message,
            "vars": vars,
            "encrypted": self.encrypted,
            "unset": self.unset,
            "missing": self.missing,
            "revert": {
                "vars": self.revert_vars.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect::<Map<String, Value>>(),
                "unset": self.revert_unset,
            },
            "notes": self.notes,
            "watch": self.watch.0.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "errors": errors,
        })
    }

    /// Names only, never values, like `appenv explain`.
    fn to_text(&self) -> String {
        let mut out = String::new();
        let root = self.root.as_ref().map_or("none", |r| r.as_str());
        let _ = writeln!(out, "root         {}", sanitize(root));
        if let Some(env) = &self.environment {
            let _ = writeln!(out, "environment  {}", sanitize(env));
        }
        let _ = writeln!(out, "trust        {}", self.trust.as_str());
        if let Some(message) = &self.message {
            let _ = writeln!(out, "message      {message}");
        }
        if !self.vars.is_empty() {
            let names: Vec<&str> = self.vars.iter().map(|(n, _)| n.as_str()).collect();
            let _ = writeln!(out, "sets         {}", sanitize(&names.join(" ")));
        }
        if !self.encrypted.is_empty() {
            let _ = writeln!(out, "encrypted    {}", sanitize(&self.encrypted.join(" ")));
        }
        if !self.unset.is_empty() {
            let _ = writeln!(out, "unsets       {}", sanitize(&self.unset.join(" ")));
        }
        if !self.revert_vars.is_empty() || !self.revert_unset.is_empty() {
            let mut names: Vec<&str> = self.revert_vars.iter().map(|(n, _)| n.as_str()).collect();
            names.extend(self.revert_unset.iter().map(String::as_str));
            names.sort_unstable();
            let _ = writeln!(out, "takes out    {}", sanitize(&names.join(" ")));
        }
        if !self.missing.is_empty() {
            let _ = writeln!(out, "missing      {}", sanitize(&self.missing.join(" ")));
        }
        for note in &self.notes {
            let _ = writeln!(out, "note         {note}");
        }
        for e in &self.errors {
            let file = e.file.as_ref().map(|f| sanitize(f.as_str()));
            let at = match (file, e.line) {
                (Some(file), Some(line)) => format!("{file}:{line}: "),
                (Some(file), None) => format!("{file}: "),
                _ => String::new(),
            };
            let _ = writeln!(out, "error        {at}{}", e.message);
        }
        out
    }
}

/// Whether loading the plan changes anything beyond appenv's own variables.
fn sets_anything(plan: &Plan) -> bool {
    !plan.removed.is_empty()
        || plan
            .vars
            .values()
            .any(|v| !matches!(v.source, Source::Inherited | Source::Appenv))
}

/// The file, line and bare message of a resolve error.
fn file_error(root: &Utf8Path, e: &plan::Error) -> FileError {
    let (file, line, message) = match e {
        plan::Error::Dotenv(e) => (Some(root.join(&e.file)), e.line, e.message.clone()),
        // A config path is relative to the root, or absolute when unreadable.
        plan::Error::Config(e) => (Some(root.join(&e.path)), e.line, e.message.clone()),
        plan::Error::Procfile(e) => (
            Some(root.join(procfile::FILE_NAME)),
            Some(e.line),
            e.message.clone(),
        ),
        plan::Error::Input(e) => (Some(root.join(&e.file)), None, e.problem_text()),
        plan::Error::Reserved {
            file,
            line,
            name,
            why,
        } => (
            Some(root.join(file)),
            Some(*line),
            format!("{}: {why}; set it outside the app", sanitize(name)),
        ),
        plan::Error::Root(e) => (None, None, e.to_string()),
        plan::Error::Invalid(message) => (None, None, message.clone()),
    };
    FileError {
        file,
        line,
        message: sanitize(&message),
    }
}

fn source_file(root: &Utf8Path, source: &Source) -> Option<Utf8PathBuf> {
    match source {
        Source::File { name, .. } => Some(root.join(&**name)),
        Source::Config => Some(root.join(config::FILE_NAME)),
        _ => None,
    }
}

fn source_line(source: &Source) -> Option<usize> {
    match source {
        Source::File { line, .. } => Some(*line),
        _ => None,
    }
}

/// The paths whose change (appearing and disappearing included) can change
/// the answer: files first, then directories.
#[derive(Debug, Default)]
struct Watch(Vec<Utf8PathBuf>);

impl Watch {
    fn add(&mut self, path: &Utf8Path) {
        if !self.0.iter().any(|p| p == path) {
            self.0.push(path.to_owned());
        }
    }

    /// Every file at the root that can feed a plan or its trust, even one
    /// that does not parse: it is the one being edited. The names trust
    /// counts ([`crate::input::ALWAYS`]), the literal ones present or not.
    fn root_files(&mut self, root: &Utf8Path) {
        let Ok(names) = Inputs::open(root).and_then(|inputs| inputs.always()) else {
            return;
        };
        for name in names {
            self.add(&root.join(name));
        }
    }

    /// The files the plan reads, present or not (`[env] files` may name
    /// some below the root), and the directories that hold them.
    fn inputs(&mut self, plan: &Plan) {
        // A `{env}` file skipped for want of an environment is listed by
        // its template, which names no file.
        let mut inputs = plan.input_paths();
        inputs.retain(|i| !i.as_str().contains("{env}"));
        for input in &inputs {
            self.add(input);
        }
        for dir in inputs.iter().filter_map(|i| i.parent()) {
            self.add(dir);
        }
        // What the `.envrc` watches with `watch_file`, present or not.
        for file in &plan.watched {
            self.add(file);
        }
    }

    /// `start` and the directories above it up to `top`, or to `/`.
    fn dirs(&mut self, start: &Utf8Path, top: Option<&Utf8Path>) {
        for dir in start.ancestors() {
            self.add(dir);
            if Some(dir) == top {
                break;
            }
        }
    }

    /// The trust store, so that `appenv allow` elsewhere is seen; before the
    /// first allow, the nearest directory above it that exists.
    fn trust_store(&mut self, ctx: &Context) {
        let Ok(store) = TrustStore::from_env(&ctx.base) else {
            return;
        };
        if let Some(dir) = store.path().ancestors().find(|dir| dir.is_dir()) {
            self.add(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_absolute_file_and_bare_message() {
        let root = Utf8Path::new("/srv/app");
        let e = plan::Error::Dotenv(crate::dotenv::DotenvError {
            file: ".env".into(),
            line: Some(3),
            message: "unterminated \x1b[2J quote".into(),
        });
        let got = file_error(root, &e);
        assert_eq!(got.file.as_deref(), Some(Utf8Path::new("/srv/app/.env")));
        assert_eq!(got.line, Some(3));
        assert!(!got.message.contains('\x1b'), "{}", got.message);
        let e = plan::Error::Invalid("--env: bad".into());
        assert_eq!(file_error(root, &e).file, None);
    }

    #[test]
    fn watch_holds_each_path_once_in_order() {
        let mut watch = Watch::default();
        watch.dirs(Utf8Path::new("/a/b/c"), Some(Utf8Path::new("/a/b")));
        watch.dirs(Utf8Path::new("/a/b"), None);
        let got: Vec<&str> = watch.0.iter().map(|p| p.as_str()).collect();
        assert_eq!(got, ["/a/b/c", "/a/b", "/a", "/"]);
    }
}
