//! `appenv diff --same-as PID`: what a one-off started here would get,
//! against what one started `--same-as PID` would get. Names only, unless
//! `--values`; exit 0 when they match, 1 when they differ, so a deploy script
//! can assert that an admin shell matches the web.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;

use super::{Context, Entering, Verdict};
use crate::cli::{DiffArgs, Global};
use crate::error::{self, ERROR, Error, FAILED};
use crate::plan::{Env, Plan};
use crate::text::sanitize_bytes;

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
            2,
            "diff compares with a running process: appenv diff --same-as PID|PIDFILE",
        ));
    }
    let here_global = Global {
        same_as: None,
        ..global.clone()
    };
    let here = Context::new(here_global, inherited.clone());
    let here_plan = here.resolve().map_err(|e| side("a one-off from here", e))?;
    let there = Context::same_as(global, inherited, Entering::Reading)?;
    let there_plan = there
        .resolve()
        .map_err(|e| side("a one-off from the process", e))?;
    if args.values {
        for (ctx, plan) in [(&here, &here_plan), (&there, &there_plan)] {
            if let Verdict::Untrusted(why) = ctx.trust(plan) {
                return Err(Error::new(FAILED, format!("{why} (--values shows values)")));
            }
        }
    }
    let diff = Diff::of(&values(&here_plan), &values(&there_plan));
    error::print(diff.render(args.values).as_bytes()).map_err(|e| e.with_status(FAILED))?;
    match diff.is_empty() {
        true => Ok(()),
        false => Err(Error::new(ERROR, "")),
    }
}

fn side(which: &str, e: Error) -> Error {
    Error::new(FAILED, format!("{which}: {e}"))
}

fn values(plan: &Plan) -> Env {
    plan.vars
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect()
}

/// How two environments differ, session variables apart.
#[derive(Debug, Default, PartialEq, Eq)]
struct Diff {
    only_here: Vec<OsString>,
    only_there: Vec<OsString>,
    differ: Vec<(OsString, OsString, OsString)>,
    /// (name, how): "differs", "only here", "only in the process".
    session: Vec<(OsString, &'static str)>,
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
            if is_session(name) {
                let how = match (a, b) {
                    (Some(_), Some(_)) => "differs",
                    (Some(_), None) => "only here",
                    _ => "only in the process",
                };
                diff.session.push((name.clone(), how));
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

    /// Identical but for session variables.
    fn is_empty(&self) -> bool {
        self.only_here.is_empty() && self.only_there.is_empty() && self.differ.is_empty()
    }

    /// One line per name, a marker first (`-` only here, `+` only in the
    /// process, `~` differs), then the session variables apart. Values,
    /// only with `--values`, are escaped: they come from files and processes.
    fn render(&self, values: bool) -> String {
        let mut out = String::new();
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

fn show(s: &OsStr) -> String {
    sanitize_bytes(s.as_bytes())
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
