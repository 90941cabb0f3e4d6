//! `appenv export SHELL`: the code that moves the shell from the state it is
//! in to the state for its working directory — nothing, a load, a reload or
//! an unload. The shell hook evaluates it at a prompt; `json` is for editors;
//! `gha` for the later steps of a GitHub Actions job (see `gha.rs`).
//!
//! For a shell it always succeeds with valid code: whatever goes wrong (an
//! untrusted app, a broken `.env`) is one message on stderr and the shell is
//! left in a state it can evaluate, because a prompt must never break. A CI
//! step is no prompt: there an app that is not loaded fails the step.

mod dirs;
mod fingerprint;
mod gha;
mod render;
mod settable;
mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::SystemTime;

use camino::Utf8Path;

use super::Context;
use crate::cli::{ExportFormat as Format, Global};
use crate::env_vars::EnvVars;
use crate::error::{Error, print};
use crate::exec::FileId;
use crate::hook_state::{self, Change, HookState, Told};
use crate::plan::{self, Env, FileStatus, Plan};
use crate::root::{self, Root};
use crate::text::{sanitize, sanitize_bytes};
use render::render;
use settable::{Left, Settable};
use watch::Watch;

pub fn run(global: Global, inherited: Env, format: Format) -> Result<(), Error> {
    // Before anything is read: a file changed after this may be newer than
    // what the answer read (see `fingerprint.rs`).
    let started = SystemTime::now();
    if format == Format::Gha {
        // Before anything is read: outside a job there is nowhere to write.
        let file = gha::env_file(&inherited)?;
        let state = HookState::from_env(&inherited);
        return answer(
            &Context::with_state(global, inherited, state.as_ref()),
            state.unwrap_or_default(),
            format,
            started,
            Some(&file),
        );
    }
    // Before the context: an unchanged answer needs none of it.
    let asked = fingerprint::Asked {
        global: &global,
        inherited: &inherited,
    };
    if let Some(unchanged) = fingerprint::unchanged(asked, format) {
        let dirs = fingerprint::dirs(asked, &unchanged);
        let names = Watch::new(Some(&unchanged.root)).names;
        let seen = &unchanged.seen;
        let out = render(
            format,
            &BTreeMap::new(),
            &[],
            &names,
            (&seen.watch, &seen.absent),
            &dirs,
            None,
        );
        let _ = print(&out);
        return Ok(());
    }
    // Decoded once: the context takes the load out with it.
    let state = HookState::from_env(&inherited);
    let ctx = Context::with_state(global, inherited, state.as_ref());
    answer(&ctx, state.unwrap_or_default(), format, started, None)
}

/// The answer, resolved; for `gha`, written to the job's `$GITHUB_ENV`
/// file.
fn answer(
    ctx: &Context,
    state: HookState,
    format: Format,
    started: SystemTime,
    gha_file: Option<&OsStr>,
) -> Result<(), Error> {
    let settable = Settable::new(format, &ctx.inherited);
    let (mut target, watch) = decide(ctx, &state, &settable);
    let mut updates = updates(ctx, &state, &target, &settable);
    if let Some(why) = too_long(&target, &updates) {
        let root = match &target {
            Target::Loaded { root, .. } => Some(root.clone()),
            _ => None,
        };
        target = Target::Refused { root, why };
        updates = self::updates(ctx, &state, &target, &settable);
    }
    if let (Some(_), Target::Refused { why, .. }) = (gha_file, &target) {
        return Err(Error::new(crate::exit::ExitCode::Failed, why));
    }
    if !ctx.quiet() {
        for message in messages(&state, &target, &updates, &settable) {
            eprintln!("appenv: {message}");
        }
    }
    fingerprint::take(ctx, format, started, &target, &watch, &mut updates);
    let left = left_on_path(&state, &updates);
    let top = match &target {
        Target::Loaded { root, .. } => Some(Utf8Path::new(root)),
        _ => None,
    };
    let dirs = match ctx.start_dir(crate::exit::ExitCode::Failed) {
        Ok(start) => dirs::up_to(&start, top),
        Err(_) => Vec::new(),
    };
    // When the state changes, so does what takes the load out without appenv.
    let unload = match updates.get(OsStr::new(EnvVars::APPENV_STATE)) {
        Some(Some(state)) => Some(HookState::decode(state).unwrap_or_default()),
        Some(None) => Some(HookState::default()),
        None => None,
    };
    if let Some(file) = gha_file {
        gha::append(file, &gha::env_lines(&updates))?;
        let secret = match &target {
            Target::Loaded { secret, .. } => secret,
            _ => &BTreeSet::new(),
        };
        return print(&gha::masks(&updates, secret));
    }
    let out = render(
        format,
        &updates,
        &left,
        &watch.names,
        (&watch.present, &watch.absent),
        &dirs,
        unload.as_ref(),
    );
    // A closed or broken stdout leaves nothing to evaluate, which is valid.
    let _ = print(&out);
    Ok(())
}

/// Where the shell should be for its working directory.
enum Target {
    /// No app here, or one that would change nothing in the shell.
    Nothing,
    /// An app that is not loaded, and why: not allowed, or broken.
    Refused { root: Option<String>, why: String },
    Loaded {
        root: String,
        /// The env files read, for the message.
        files: Vec<String>,
        changes: BTreeMap<OsString, Change>,
        /// Changes of the previous load that the user overrode by hand:
        /// still remembered, not applied.
        kept: BTreeMap<OsString, Change>,
        /// Names left out, by why, for the message.
        skipped: BTreeMap<Left, Vec<String>>,
        /// What the plan notes (see [`crate::launch::notes`]), said with the
        /// load.
        notes: Vec<String>,
        /// The names whose values are secrets: decrypted, or named in
        /// `[env] secret`.
        secret: BTreeSet<String>,
    },
}

fn decide(ctx: &Context, state: &HookState, settable: &Settable) -> (Target, Watch) {
    let start = match ctx.start_dir(crate::exit::ExitCode::Failed) {
        Ok(start) => start,
        Err(e) => {
            let target = Target::Refused {
                root: None,
                why: e.message,
            };
            return (target, Watch::new(None));
        }
    };
    // A user config that does not parse: said once, nothing loaded.
    if let Some(e) = &ctx.user_error {
        let why = format!("{e}; the shell hook loads nothing until it is fixed");
        return (Target::Refused { root: None, why }, Watch::new(None));
    }
    let Ok(found) = root::find(&start) else {
        return (Target::Nothing, Watch::new(None));
    };
    // A root the user declared uninteresting (`ignore` in the config).
    if ctx.user.ignores(&found.dir) {
        return (Target::Nothing, Watch::new(Some(&found)));
    }
    let mut watch = Watch::new(Some(&found));
    let request = ctx.request_at(start.clone());
    let root = same_app(state.root.as_deref(), found.clone());
    let plan = match plan::resolve_at(root, &request, &ctx.base) {
        Ok(plan) => plan,
        Err(e) => {
            // A file that does not parse is the one being edited.
            watch.root_files(&found.dir);
            watch.trust_store(ctx);
            // What a broken app read is not known: no fingerprint.
            watch.complete = false;
            let target = Target::Refused {
                root: Some(found.dir.into_string()),
                why: e.to_string(),
            };
            return (target, watch);
        }
    };
    watch.root_files_in(&found.dir, &plan.inputs);
    watch.inputs(&plan);
    watch.interpreters(&plan);
    watch.shared(&plan);
    watch.extra(&plan, ctx);
    watch.by_cwd = by_cwd(&plan);
    let first = diff(ctx, state, &plan, settable);
    // An app that would only set appenv's own variables changes nothing
    // for the user (a bare Cargo.toml, an isolation that is only a prefix,
    // which a shell cannot apply): no load, no message, no trust prompt.
    if !first.changes_anything {
        return (Target::Nothing, watch);
    }
    watch.trust_store(ctx);
    let root = plan.root.dir.to_string();
    let plan = match ctx.check(plan).trusted() {
        Ok(plan) => plan,
        Err(refused) => {
            let target = Target::Refused {
                root: Some(root),
                why: refused.message,
            };
            return (target, watch);
        }
    };
    // Trusted: its encrypted values are decrypted, or it loads nothing.
    let locked = !plan.unlocked;
    let plan = match plan.unlock(&request, &ctx.base) {
        Ok(plan) => plan.into_plan(),
        Err(e) => {
            let why = format!("{} is not loaded: {e}", app_name(&root));
            let target = Target::Refused {
                root: Some(root),
                why,
            };
            return (target, watch);
        }
    };
    let Diff {
        changes,
        kept,
        skipped,
        ..
    } = match locked {
        true => diff(ctx, state, &plan, settable),
        false => first,
    };
    if !plan.missing.is_empty() {
        let why = crate::launch::require(&plan).err().map(|e| e.message);
        let why = format!(
            "{} is not loaded: {}",
            app_name(plan.root.dir.as_str()),
            why.unwrap_or_default()
        );
        let root = Some(plan.root.dir.into_string());
        let target = Target::Refused { root, why };
        return (target, watch);
    }
    let notes = crate::launch::notes(&plan, crate::launch::Values::Said);
    let files = plan
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Loaded { .. }))
        .map(|f| f.name.clone())
        .collect();
    let mut secret: BTreeSet<String> = plan.secrets.iter().map(|s| s.name.clone()).collect();
    if let Some(names) = plan.config.as_ref().and_then(|c| c.env.secret.as_ref()) {
        secret.extend(names.get_ref().iter().cloned());
    }
    let target = Target::Loaded {
        root: plan.root.dir.into_string(),
        files,
        changes,
        kept,
        skipped,
        notes,
        secret,
    };
    (target, watch)
}

/// Whether the plan's variables may depend on the shell's working
/// directory through `PWD` or `OLDPWD` (a value written `${PWD}/data`):
/// whether a file that fed it names them at all. When none does, a change
/// of directory inside the app cannot change the answer, and the
/// fingerprint leaves them out. Asked of the bytes the plan parsed, which
/// its inputs keep: nothing is read again.
fn by_cwd(plan: &Plan) -> bool {
    let inputs = &plan.inputs;
    inputs
        .files()
        .iter()
        .filter_map(|input| inputs.peek(&input.name))
        .any(|content| content.bytes.windows(3).any(|w| w == b"PWD"))
}

/// The app that is loaded, entered again through another path (a symlink),
/// is not a change: it keeps the path it was loaded from, so its variables
/// come out the same.
fn same_app(loaded: Option<&str>, found: Root) -> Root {
    let same_dir = |a: &str, b: &Utf8Path| {
        FileId::of(Path::new(a)).is_some_and(|a| Some(a) == FileId::of(b.as_std_path()))
    };
    match loaded {
        Some(old) if old != found.dir.as_str() && same_dir(old, &found.dir) => Root {
            dir: old.into(),
            ..found
        },
        _ => found,
    }
}

/// What loading `plan` changes in the base env.
struct Diff {
    changes: BTreeMap<OsString, Change>,
    /// Changes of the load being replaced that stay as they are: the user
    /// changed the variable by hand, and the app would set it as before.
    kept: BTreeMap<OsString, Change>,
    /// Names left out, by why, for the message.
    skipped: BTreeMap<Left, Vec<String>>,
    /// Whether the app changes anything beyond appenv's own variables.
    changes_anything: bool,
}

fn diff(ctx: &Context, state: &HookState, plan: &Plan, settable: &Settable) -> Diff {
    let reloading = state.is_loaded() && state.root.as_deref() == Some(plan.root.dir.as_str());
    let set = plan.vars.iter().map(|(name, var)| (name, Some(&var.value)));
    let unset = ctx
        .base
        .keys()
        .filter(|name| !plan.vars.contains_key(*name))
        .map(|name| (name, None));
    let mut diff = Diff {
        changes: BTreeMap::new(),
        kept: BTreeMap::new(),
        skipped: BTreeMap::new(),
        changes_anything: false,
    };
    let inherited = inherited_isolation(ctx, plan);
    for (name, mut after) in set.chain(unset) {
        let mut before = ctx.base.get(name);
        let (once, without);
        if let (true, Some(value)) = (name == EnvVars::PATH, after) {
            if !inherited.is_empty() {
                without = before.map(|path| hook_state::path_without(path, &inherited));
                before = without.as_ref();
            }
            once = hook_state::path_adding_once(
                before.map(OsString::as_os_str),
                &hook_state::path_without_repeats(value, &inherited),
            );
            after = Some(&once);
        }
        if before == after {
            continue;
        }
        if name != EnvVars::APPENV_ROOT && name != EnvVars::APPENV_ENV {
            diff.changes_anything = true;
        }
        // On a reload, what the user changed by hand since the load stays
        // when the app still sets what it set before: the value (with
        // `override` the base env does not win over the files), or for PATH
        // the same entries, which the user may have moved or added to.
        let now = ctx.inherited.get(name);
        if let (true, Some(old)) = (reloading, state.changes.get(name)) {
            if now != old.after.as_ref() && after == old.after.as_ref() {
                diff.kept.insert(name.clone(), old.clone());
                continue;
            }
            if let (true, Some(now), Some(wanted)) = (name == EnvVars::PATH, now, after) {
                let before = before.map(OsString::as_os_str);
                if hook_state::path_keeps_load(old, before, wanted, now) {
                    after = Some(now);
                }
            }
        }
        if let Some(why) = settable.why_not(name, after.map(OsString::as_os_str)) {
            let names = diff.skipped.entry(why).or_default();
            names.push(sanitize_bytes(name.as_bytes()));
            continue;
        }
        let change = Change {
            before: before.cloned(),
            after: after.cloned(),
        };
        diff.changes.insert(name.clone(), change);
    }
    diff
}

/// The app's isolation entries (its venv's `bin`, `node_modules/.bin`…)
/// that the shell's PATH already holds before the load: inherited from a
/// load in a parent shell, since a tmux window passes PATH on without the
/// hook's state. They count as the load's own, so that leaving takes them
/// out, unless the user activated the virtualenv themselves (its
/// `VIRTUAL_ENV` inherited as the app would set it).
fn inherited_isolation<'a>(ctx: &Context, plan: &'a Plan) -> Vec<&'a OsStr> {
    let Some(path) = &plan.isolation.path else {
        return Vec::new();
    };
    let activated = plan.isolation.virtualenv.as_ref().is_some_and(|venv| {
        ctx.base
            .get(OsStr::new(EnvVars::VIRTUAL_ENV))
            .map(OsString::as_os_str)
            == Some(OsStr::new(venv.as_str()))
    });
    if activated {
        return Vec::new();
    }
    let base = ctx.base.get(OsStr::new(EnvVars::PATH));
    // A pinned interpreter's `bin` may be the user's own entry (`nvm use`
    // in an rc file): never taken for the load's.
    let pinned =
        |dir: &&camino::Utf8PathBuf| plan.interpreters.iter().any(|p| p.bin() == Some(*dir));
    path.value
        .iter()
        .filter(|dir| !pinned(dir))
        .map(|dir| OsStr::new(dir.as_str()))
        .filter(|dir| {
            base.is_some_and(|path| {
                path.as_bytes()
                    .split(|&b| b == b':')
                    .any(|entry| entry == dir.as_bytes())
            })
        })
        .collect()
}

/// The variables whose value in the shell must change, with their new
/// value (`None`: unset), the hook's own state included.
fn updates(
    ctx: &Context,
    state: &HookState,
    target: &Target,
    settable: &Settable,
) -> BTreeMap<OsString, Option<OsString>> {
    let none = BTreeMap::new();
    let (new_state, changes, kept) = match target {
        // Nothing loaded: the state stays only to remember what was said.
        Target::Nothing if state.told.is_empty() => (None, &none, &none),
        Target::Nothing => {
            let told = HookState {
                told: state.told.clone(),
                ..HookState::default()
            };
            (Some(told), &none, &none)
        }
        Target::Refused { root, why } => {
            let told = Told::new(root.as_deref().unwrap_or_default(), why);
            let mut remembered: Vec<Told> = (state.told.iter().copied())
                .filter(|t| *t != told)
                .collect();
            remembered.push(told);
            let excess = remembered.len().saturating_sub(hook_state::TOLD_KEPT);
            remembered.drain(..excess);
            let refused = HookState {
                root: root.clone(),
                said: Some(why.clone()),
                told: remembered,
                changes: BTreeMap::new(),
                seen: None,
            };
            (Some(refused), &none, &none)
        }
        Target::Loaded {
            root,
            changes,
            kept,
            ..
        } => {
            let mut remembered = changes.clone();
            remembered.extend(kept.iter().map(|(k, v)| (k.clone(), v.clone())));
            // Loaded: a refusal of this root later is news again.
            let told = (state.told.iter().copied())
                .filter(|t| !t.is_about(root))
                .collect();
            let loaded = HookState {
                root: Some(root.clone()),
                said: None,
                told,
                changes: remembered,
                seen: None,
            };
            (Some(loaded), changes, kept)
        }
    };
    let mut updates = BTreeMap::new();
    for name in state.changes.keys().chain(changes.keys()) {
        if kept.contains_key(name) {
            continue;
        }
        let wanted = match changes.get(name) {
            Some(change) => change.after.as_ref(),
            None => ctx.base.get(name),
        };
        if ctx.inherited.get(name) != wanted
            && settable.can_set(name, wanted.map(OsString::as_os_str))
        {
            updates.insert(name.clone(), wanted.cloned());
        }
    }
    let encoded = new_state.map(|s| s.encode());
    if ctx.inherited.get(OsStr::new(EnvVars::APPENV_STATE)) != encoded.as_ref() {
        updates.insert(EnvVars::APPENV_STATE.into(), encoded);
    }
    updates
}

/// The most bytes one environment string (`NAME=value` and its NUL) may
/// hold on Linux (MAX_ARG_STRLEN): with a longer one in the shell's
/// environment, every program it starts, appenv included, fails with
/// "Argument list too long".
pub const MAX_VAR_BYTES: usize = 32 * 4096;

/// Why a load cannot be exported, if a variable it sets (the hook's state
/// included, which holds values before and after, encoded) would be over
/// [`MAX_VAR_BYTES`].
fn too_long(target: &Target, updates: &BTreeMap<OsString, Option<OsString>>) -> Option<String> {
    let Target::Loaded { root, .. } = target else {
        return None;
    };
    let (name, value) = updates
        .iter()
        .filter_map(|(name, value)| Some((name, value.as_ref()?)))
        .find(|(name, value)| name.len() + value.len() + 2 > MAX_VAR_BYTES)?;
    Some(format!(
        "{} is not loaded: {} would be {} bytes, over the {MAX_VAR_BYTES} one variable may hold",
        app_name(root),
        sanitize_bytes(name.as_bytes()),
        value.len()
    ))
}

/// What to tell the user: each change once, nothing when nothing changed.
fn messages(
    state: &HookState,
    target: &Target,
    updates: &BTreeMap<OsString, Option<OsString>>,
    settable: &Settable,
) -> Vec<String> {
    let old_root = state.root.as_deref().unwrap_or_default();
    let same_load =
        state.is_loaded() && matches!(target, Target::Loaded { root, .. } if root == old_root);
    let mut said = Vec::new();
    if state.is_loaded() && !same_load {
        said.push(format!("unloaded {}", app_name(old_root)));
    }
    match target {
        Target::Nothing => {}
        // Said once per root and message in a shell, not at every return
        // (a stray package.json in HOME).
        Target::Refused { root, why } => {
            let told = Told::new(root.as_deref().unwrap_or_default(), why);
            if !state.told.contains(&told) {
                said.push(why.clone());
            }
        }
        Target::Loaded {
            root,
            files,
            skipped,
            notes,
            ..
        } => {
            let verb = if !same_load {
                Some("loaded")
            } else if updates.keys().any(|name| name != EnvVars::APPENV_STATE) {
                Some("reloaded")
            } else {
                None
            };
            if let Some(verb) = verb {
                let files = if files.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", sanitize(&files.join(", ")))
                };
                said.push(format!("{verb} {}{files}", app_name(root)));
                for (why, names) in skipped {
                    let reason = settable.reason(*why);
                    said.push(format!("left out {}: {reason}", names.join(", ")));
                }
                said.extend(notes.iter().map(|note| format!("note: {note}")));
            }
        }
    }
    said
}

fn app_name(root: &str) -> String {
    sanitize(Utf8Path::new(root).file_name().unwrap_or(root))
}

/// The PATH entries the previous load added that this change takes out.
/// Another tool's hook that runs after appenv's at the same prompt may put
/// PATH back as it saved it, with them (direnv restores its snapshot whole):
/// the hook takes them out again at the end of the prompt.
fn left_on_path(
    state: &HookState,
    updates: &BTreeMap<OsString, Option<OsString>>,
) -> Vec<OsString> {
    match (
        state.changes.get(OsStr::new(EnvVars::PATH)),
        updates.get(OsStr::new(EnvVars::PATH)),
    ) {
        (Some(old), Some(new)) => hook_state::path_taken_out(old, new.as_deref()),
        _ => Vec::new(),
    }
}
