//! `appenv diff --same-as PID|NAME|PIDFILE`: what a one-off started here
//! would get, against what one started `--same-as` would get, and whether
//! both run the same release. Names only, unless `--values`; exit 0 when
//! they match, 1 when they differ, so a deploy script can assert that an
//! admin shell matches the web.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{Context, Entering};
use crate::cli::{DiffArgs, Global};
use crate::env_vars::EnvVars;
use crate::error::{self, Error};
use crate::exec::FileId;
use crate::exit::ExitCode;
use crate::launch::{Checked, Loaded};
use crate::launcher::Taken;
use crate::plan::{Env, Plan};
use crate::text::{sanitize, sanitize_bytes};

/// Variables a login session or a service manager sets for one process or
/// one terminal: they are expected to differ and do not make the exit 1.
const SESSION: [&str; 28] = [
    "_",
    "PWD",
    "OLDPWD",
    "SHLVL",
    "TERM",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "TERM_SESSION_ID",
    "COLORTERM",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "TMUX",
    "TMUX_PANE",
    "STY",
    "WINDOW",
    "LINES",
    "COLUMNS",
    "LS_COLORS",
    "MAIL",
    "PS1",
    "PROMPT_COMMAND",
    "HISTFILE",
    "GPG_TTY",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "SYSTEMD_EXEC_PID",
];
const SESSION_PREFIXES: [&str; 3] = ["SSH_", "SUDO_", "XDG_SESSION_"];

pub fn run(global: Global, inherited: Env, args: &DiffArgs) -> Result<(), Error> {
    if global.same_as.is_none() {
        return Err(Error::new(
            ExitCode::Usage,
            "diff compares with a running process: appenv diff --same-as PID|NAME|PIDFILE",
        ));
    }
    let here_global = Global {
        same_as: None,
        ..global.clone()
    };
    let here = Context::new(here_global, inherited.clone());
    let here_plan = here
        .resolve(ExitCode::Failed)
        .map_err(|e| side("a one-off from here", e))?;
    // Before entering: the process's root directory may hide this path.
    let here_root = FileId::of(here_plan.inputs.canonical().as_std_path());
    let there = Context::same_as(global, inherited, Entering::Reading)?;
    let (there_plan, taken) = there
        .resolve_noting(ExitCode::Failed)
        .map_err(|e| side("a one-off from the process", e))?;
    let here_plan = here.check(here_plan);
    let there_plan = there.check(there_plan);
    if args.values {
        for checked in [&here_plan, &there_plan] {
            if let Some(why) = checked.trust().refusal(&checked.plan().root.dir) {
                return Err(Error::new(
                    ExitCode::Failed,
                    format!("{why} (--values shows values)"),
                ));
            }
        }
    }
    // A web started through appenv holds its secrets decrypted, so a side
    // is compared as it would load: decrypted, when it may load at all (an
    // untrusted side keeps its values as written, and is never decrypted).
    let loaded = |ctx: &Context, checked: Checked, which: &str| {
        if !checked.trust().is_trusted() {
            return Ok(checked.into_parts().0);
        }
        let plan = checked.trusted().map_err(|e| side(which, e))?;
        let request = ctx.request_at(plan.root.dir.clone());
        plan.unlock(&request, &ctx.base)
            .map(Loaded::into_plan)
            .map_err(|e| side(which, e.into()))
    };
    let here_plan = loaded(&here, here_plan, "a one-off from here")?;
    let there_plan = loaded(&there, there_plan, "a one-off from the process")?;
    let mut diff = Diff::of(&values(&here_plan), &values(&there_plan));
    diff.release = release(
        &here_plan,
        here_root,
        &there_plan,
        there.process_cwd().unwrap_or(Path::new("/")),
    );
    diff.launcher = taken;
    diff.identity = there
        .inherited
        .contains_key(OsStr::new(EnvVars::APPENV_PROCESS));
    // Not 1 when the output cannot be written: 1 says they differ.
    error::print_as(ExitCode::Failed, diff.render(args.values).as_bytes())?;
    match diff.is_empty() {
        true => Ok(()),
        false => Err(Error::new(ExitCode::GeneralError, "")),
    }
}

fn side(which: &str, e: Error) -> Error {
    Error::new(ExitCode::Failed, format!("{which}: {e}"))
}

fn values(plan: &Plan) -> Env {
    plan.vars
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect()
}

/// Whether the process runs another release than a one-off would: another
/// app root (compared as directories, so one reached through a symlink is
/// the same), or a working directory outside the app the one-off resolves,
/// as when `current` was moved to a new release under a running web.
fn release(here: &Plan, here_root: Option<FileId>, there: &Plan, cwd: &Path) -> Vec<String> {
    let there_root = there.inputs.canonical();
    let mut lines = Vec::new();
    if here_root.is_none() || FileId::of(there_root.as_std_path()) != here_root {
        lines.push(format!(
            "root: a one-off here runs the app at {}; the process's app is {}",
            show(here.root.dir.as_std_path()),
            show(there.root.dir.as_std_path())
        ));
    }
    if !cwd.starts_with(there_root) {
        let via = match there.root.dir.as_str() == there_root.as_str() {
            true => String::new(),
            false => format!(" ({} leads there now)", show(there.root.dir.as_std_path())),
        };
        lines.push(format!(
            "release: the process runs in {}, outside {}{via}, which a one-off from it would run",
            show(cwd),
            show(there_root.as_std_path()),
        ));
    }
    lines
}

/// How two environments differ, session variables apart.
#[derive(Debug, Default, PartialEq, Eq)]
struct Diff {
    only_here: Vec<OsString>,
    only_there: Vec<OsString>,
    differ: Vec<(OsString, OsString, OsString)>,
    /// (name, how): "differs", "only here", "only in the process".
    session: Vec<(OsString, &'static str)>,
    /// (launcher, name, how) for what a launcher sets per process.
    started_by: Vec<(&'static str, OsString, &'static str)>,
    /// Another root or release, one line each.
    release: Vec<String>,
    /// What the app's launcher had set in the process, taken out of the
    /// one-off's base since its own launcher sets it again.
    launcher: Option<Taken>,
    /// The process has a process type (`APPENV_PROCESS`), which a one-off
    /// never takes: not a difference.
    identity: bool,
}

impl Diff {
    fn of(here: &Env, there: &Env) -> Diff {
        let names: BTreeSet<&OsString> = here.keys().chain(there.keys()).collect();
        let mut diff = Diff::default();
        for name in names {
            let (a, b) = (here.get(name), there.get(name));
            if a == b {
                continue;
            }
            let how = match (a, b) {
                (Some(_), Some(_)) => "differs",
                (Some(_), None) => "only here",
                _ => "only in the process",
            };
            if is_session(name) {
                diff.session.push((name.clone(), how));
                continue;
            }
            if let Some(launcher) = crate::launcher::noise(name) {
                diff.started_by.push((launcher, name.clone(), how));
                continue;
            }
            match (a, b) {
                (Some(a), Some(b)) => diff.differ.push((name.clone(), a.clone(), b.clone())),
                (Some(_), None) => diff.only_here.push(name.clone()),
                _ => diff.only_there.push(name.clone()),
            }
        }
        diff
    }

    /// Identical but for session and launcher variables, in the same release.
    fn is_empty(&self) -> bool {
        self.only_here.is_empty()
            && self.only_there.is_empty()
            && self.differ.is_empty()
            && self.release.is_empty()
    }

    /// The release first, then one line per name, a marker first (`-` only
    /// here, `+` only in the process, `~` differs), then what does not
    /// count, apart. Values, only with `--values`, are escaped: they come
    /// from files and processes.
    fn render(&self, values: bool) -> String {
        let mut out = String::new();
        for line in &self.release {
            let _ = writeln!(out, "{line}");
        }
        for name in &self.only_here {
            let _ = writeln!(out, "- {}  (only here)", show(name));
        }
        for name in &self.only_there {
            let _ = writeln!(out, "+ {}  (only in the process)", show(name));
        }
        for (name, here, there) in &self.differ {
            let _ = writeln!(out, "~ {}  (differs)", show(name));
            if values {
                let _ = writeln!(out, "    here:    {}", show(here));
                let _ = writeln!(out, "    process: {}", show(there));
            }
        }
        if let Some(taken) = &self.launcher {
            let names: Vec<String> = taken.names.iter().map(show).collect();
            let _ = writeln!(
                out,
                "set by the process's launcher, which a one-off runs again ({}): {}",
                sanitize(&taken.launcher),
                names.join(", ")
            );
        }
        let mut launchers: Vec<&str> = self.started_by.iter().map(|(l, ..)| *l).collect();
        launchers.dedup();
        for launcher in launchers {
            let names: Vec<String> = self
                .started_by
                .iter()
                .filter(|(l, ..)| *l == launcher)
                .map(|(_, name, how)| format!("{} ({how})", show(name)))
                .collect();
            let _ = writeln!(
                out,
                "set per process by {launcher}, expected to differ: {}",
                names.join(", ")
            );
        }
        if self.identity {
            let _ = writeln!(
                out,
                "process identity, not compared: {} (a one-off names itself)",
                EnvVars::APPENV_PROCESS
            );
        }
        if !self.session.is_empty() {
            let names: Vec<String> = self
                .session
                .iter()
                .map(|(name, how)| format!("{} ({how})", show(name)))
                .collect();
            let _ = writeln!(
                out,
                "session variables, expected to differ: {}",
                names.join(", ")
            );
        }
        out
    }
}

fn is_session(name: &OsStr) -> bool {
    let name = name.as_bytes();
    SESSION.iter().any(|s| s.as_bytes() == name)
        || SESSION_PREFIXES
            .iter()
            .any(|p| name.starts_with(p.as_bytes()))
}

fn show(s: impl AsRef<OsStr>) -> String {
    sanitize_bytes(s.as_ref().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn identical_but_for_the_session() {
        let here = env(&[
            ("A", "1"),
            ("TERM", "xterm"),
            ("SSH_TTY", "/dev/pts/0"),
            ("SHLVL", "2"),
        ]);
        let there = env(&[("A", "1"), ("SHLVL", "1")]);
        let diff = Diff::of(&here, &there);
        assert!(diff.is_empty());
        assert_eq!(
            diff.render(false),
            "session variables, expected to differ: SHLVL (differs), SSH_TTY (only here), TERM (only here)\n"
        );
    }

    #[test]
    fn what_does_not_count_is_listed_apart_and_a_release_counts() {
        let here = env(&[("A", "1")]);
        let there = env(&[
            ("A", "1"),
            ("npm_lifecycle_event", "web"),
            ("INIT_CWD", "/x"),
        ]);
        let mut diff = Diff::of(&here, &there);
        diff.launcher = Some(Taken {
            launcher: "bundle exec".into(),
            names: vec!["BUNDLE_GEMFILE".into(), "RUBYOPT".into()],
        });
        diff.identity = true;
        assert!(diff.is_empty());
        assert_eq!(
            diff.render(false),
            "set by the process's launcher, which a one-off runs again (bundle exec): BUNDLE_GEMFILE, RUBYOPT\n\
             set per process by npm run, expected to differ: INIT_CWD (only in the process), npm_lifecycle_event (only in the process)\n\
             process identity, not compared: APPENV_PROCESS (a one-off names itself)\n"
        );
        diff.release = vec!["release: the process runs in /srv/r/1".into()];
        assert!(!diff.is_empty());
        assert!(
            diff.render(false)
                .starts_with("release: the process runs in /srv/r/1\n")
        );
    }

    #[test]
    fn names_only_unless_asked() {
        let here = env(&[("A", "secret-here"), ("B", "x"), ("SSHX", "1")]);
        let there = env(&[("A", "secret\x1b[2J"), ("C", "y")]);
        let diff = Diff::of(&here, &there);
        assert!(!diff.is_empty());
        let names = diff.render(false);
        assert_eq!(
            names,
            "- B  (only here)\n- SSHX  (only here)\n+ C  (only in the process)\n~ A  (differs)\n"
        );
        assert!(!names.contains("secret"));
        let values = diff.render(true);
        assert!(values.contains("    here:    secret-here\n"));
        assert!(
            values.contains("    process: secret\\u{1b}[2J\n"),
            "{values}"
        );
    }
}
