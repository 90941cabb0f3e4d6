//! `[remote.NAME]` in `appenv.toml`: where the app also runs (a host reached
//! by ssh, a container reached by podman, docker or kubectl), read into a
//! typed [`Remote`], and the command that runs `appenv ARGS…` there.
//!
//! Building the command is pure: `appenv @NAME` only looks the program up
//! and execs it. Two rules carry the weight:
//!
//! * ssh joins its arguments into one string that the remote login shell
//!   reads, so every word of it is quoted for a POSIX shell here (single
//!   quotes, `'\''` for a quote), and arrives as the same bytes;
//! * container runtimes take an argv, passed on as one, with nothing quoted.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use crate::exit::ExitCode;
use crate::text::sanitize;

/// Where `appenv ARGS…` runs, and how it gets there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub name: String,
    pub transport: Transport,
    /// Where the app is there: `cd` for ssh, the working directory of the
    /// exec for podman and docker, `appenv -C` for kubectl (which has no
    /// working-directory option).
    pub dir: Option<String>,
    /// `--same-as` for the remote appenv: a process-type name, pid or pidfile.
    pub same_as: Option<String>,
    /// The appenv there: `appenv` on the remote PATH unless given.
    pub appenv: String,
    /// Words given to the transport program before its own (`-F FILE`,
    /// `--context prod`).
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Any destination ssh accepts: `user@host`, `ssh://host:2222`, an alias
    /// of `~/.ssh/config`.
    Ssh(String),
    /// A running container, by name or id.
    Podman(String),
    Docker(String),
    /// `kubectl exec` into `target` (`deploy/web`, a pod name).
    Kubectl {
        target: String,
        namespace: Option<String>,
        context: Option<String>,
        container: Option<String>,
    },
}

impl Transport {
    /// The program that carries the command: what must be on PATH.
    pub fn program(&self) -> &'static str {
        match self {
            Transport::Ssh(_) => "ssh",
            Transport::Podman(_) => "podman",
            Transport::Docker(_) => "docker",
            Transport::Kubectl { .. } => "kubectl",
        }
    }

    /// The host, container or workload the command goes to.
    pub fn target(&self) -> &str {
        match self {
            Transport::Ssh(t) | Transport::Podman(t) | Transport::Docker(t) => t,
            Transport::Kubectl { target, .. } => target,
        }
    }
}

/// `[remote.NAME]` as written; [`parse`] checks it and makes it a [`Remote`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    ssh: Option<Spanned<Destination>>,
    podman: Option<Spanned<String>>,
    docker: Option<Spanned<String>>,
    kubectl: Option<Spanned<String>>,
    namespace: Option<Spanned<String>>,
    context: Option<Spanned<String>>,
    container: Option<Spanned<String>>,
    dir: Option<Spanned<String>>,
    same_as: Option<Spanned<String>>,
    appenv: Option<Spanned<String>>,
    options: Option<Spanned<Vec<String>>>,
}

/// `ssh = "host"`, or the list a fleet would be, which is refused with the
/// reason (see [`parse_one`]).
#[derive(Debug)]
enum Destination {
    One(String),
    Many,
}

impl<'de> Deserialize<'de> for Destination {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Destination;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an ssh destination (a string)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Destination, E> {
                Ok(Destination::One(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Destination, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Destination::Many)
            }
        }
        d.deserialize_any(V)
    }
}

/// A problem in a table: the byte offset it is at, and what is wrong.
pub type Problem = (usize, String);

/// Every table, checked, in name order.
pub fn parse(tables: &BTreeMap<String, Spanned<Table>>) -> Result<Vec<Remote>, Problem> {
    tables
        .iter()
        .map(|(name, table)| parse_one(name, table))
        .collect()
}

fn parse_one(name: &str, table: &Spanned<Table>) -> Result<Remote, Problem> {
    let at = table.span().start;
    let key = format!("[remote.{}]", sanitize(name));
    if !valid_name(name) {
        return Err((
            at,
            format!(
                "{key}: a remote's name is letters, digits, '_', '-' and '.' (it is typed as @NAME)"
            ),
        ));
    }
    let fail = |span: &std::ops::Range<usize>, what: &str, problem: String| -> Problem {
        (span.start, format!("{key} {what}: {problem}"))
    };
    let t = table.get_ref();
    let checked = |value: &str, span: &std::ops::Range<usize>, what: &str| match invalid_word(value)
    {
        Some(problem) => Err(fail(span, what, problem)),
        None => Ok(value.to_owned()),
    };
    let word = |field: &Option<Spanned<String>>, what: &str| -> Result<Option<String>, Problem> {
        field
            .as_ref()
            .map(|value| checked(value.get_ref(), &value.span(), what))
            .transpose()
    };
    let chosen: Vec<&str> = [
        ("ssh", t.ssh.is_some()),
        ("podman", t.podman.is_some()),
        ("docker", t.docker.is_some()),
        ("kubectl", t.kubectl.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    if chosen.len() != 1 {
        let why = match chosen.len() {
            0 => "say how to get there: ssh, podman, docker or kubectl".to_owned(),
            _ => format!(
                "one of ssh, podman, docker or kubectl, not {}",
                chosen.join(" and ")
            ),
        };
        return Err((at, format!("{key}: {why}")));
    }
    let transport = if let Some(ssh) = &t.ssh {
        match ssh.get_ref() {
            Destination::One(host) => Transport::Ssh(checked(host, &ssh.span(), "ssh")?),
            Destination::Many => {
                return Err(fail(
                    &ssh.span(),
                    "ssh",
                    "one destination, not a list: a one-off (a migration) must run once, on one \
                     host. Name one remote per host ([remote.app1], [remote.app2]), or a name that \
                     DNS or ~/.ssh/config sends to a live host (ssh tries each address a name has)"
                        .into(),
                ));
            }
        }
    } else if let Some(podman) = word(&t.podman, "podman")? {
        Transport::Podman(podman)
    } else if let Some(docker) = word(&t.docker, "docker")? {
        Transport::Docker(docker)
    } else {
        Transport::Kubectl {
            target: word(&t.kubectl, "kubectl")?.unwrap_or_default(),
            namespace: word(&t.namespace, "namespace")?,
            context: word(&t.context, "context")?,
            container: word(&t.container, "container")?,
        }
    };
    if !matches!(transport, Transport::Kubectl { .. }) {
        for (field, what) in [
            (&t.namespace, "namespace"),
            (&t.context, "context"),
            (&t.container, "container"),
        ] {
            if let Some(value) = field {
                return Err(fail(&value.span(), what, "goes with kubectl only".into()));
            }
        }
    }
    let ssh = matches!(transport, Transport::Ssh(_));
    let path = |field: &Option<Spanned<String>>, what: &str| -> Result<Option<String>, Problem> {
        let Some(value) = field else { return Ok(None) };
        let text = value.get_ref();
        let problem = invalid_text(text).or_else(|| {
            if text.starts_with('~') && !ssh {
                Some("'~' is the login's home, and only ssh has a login; give the path".into())
            } else if text.starts_with('~') && text != "~" && !text.starts_with("~/") {
                Some("'~user' is not read; write '~/' or the path".into())
            } else {
                None
            }
        });
        match problem {
            Some(problem) => Err(fail(&value.span(), what, problem)),
            None => Ok(Some(text.clone())),
        }
    };
    let dir = path(&t.dir, "dir")?;
    if let (Some(dir), Some(span)) = (&dir, t.dir.as_ref().map(Spanned::span)) {
        let absolute = dir.starts_with('/') || dir.starts_with('~');
        if !ssh && !absolute {
            return Err(fail(&span, "dir", "must be absolute in a container".into()));
        }
        if dir.starts_with('-') {
            return Err(fail(
                &span,
                "dir",
                "starts with '-'; write ./ before it".into(),
            ));
        }
    }
    let appenv = path(&t.appenv, "appenv")?.unwrap_or_else(|| "appenv".into());
    if let Some(options) = &t.options {
        if let Some(problem) = options.get_ref().iter().find_map(|o| invalid_text(o)) {
            return Err(fail(&options.span(), "options", problem));
        }
    }
    Ok(Remote {
        name: name.to_owned(),
        transport,
        dir,
        same_as: word(&t.same_as, "same_as")?,
        appenv,
        options: t
            .options
            .as_ref()
            .map(|o| o.get_ref().clone())
            .unwrap_or_default(),
    })
}

/// A remote's name is typed after `@`: it must need no quoting.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Why `text` cannot be one argument of a command.
fn invalid_text(text: &str) -> Option<String> {
    if text.is_empty() {
        Some("empty".into())
    } else if text.contains('\0') {
        Some("holds a NUL byte, which no argument can".into())
    } else {
        None
    }
}

/// Why `text` cannot name a host, container or process: it would be read
/// as an option of the program it is given to.
fn invalid_word(text: &str) -> Option<String> {
    invalid_text(text).or_else(|| {
        text.starts_with('-')
            .then(|| "starts with '-', which would be read as an option".into())
    })
}

impl Remote {
    /// The argv that runs `appenv ARGS…` there: the transport program
    /// first. `tty`: whether the remote program gets a terminal.
    pub fn command(&self, args: &[OsString], tty: bool) -> Vec<OsString> {
        let mut argv: Vec<OsString> = vec![self.transport.program().into()];
        argv.extend(self.options.iter().map(OsString::from));
        let appenv = self.appenv_words(args);
        match &self.transport {
            Transport::Ssh(host) => {
                // -tt: a terminal even when ssh itself has none (--tty
                // with stdin piped); -T: none, whatever ssh_config says.
                argv.push(if tty { "-tt" } else { "-T" }.into());
                argv.extend(["--".into(), host.into()]);
                argv.push(OsString::from_vec(self.shell_line(&appenv)));
            }
            Transport::Podman(container) | Transport::Docker(container) => {
                // -i always: stdin reaches the program, as over ssh and
                // locally (`appenv @staging rails runner - < script.rb`).
                argv.extend(["exec".into(), "-i".into()]);
                if tty {
                    argv.push("-t".into());
                }
                if let Some(dir) = &self.dir {
                    argv.push(format!("--workdir={dir}").into());
                }
                argv.push(container.into());
                argv.extend(appenv);
            }
            Transport::Kubectl {
                target,
                namespace,
                context,
                container,
            } => {
                argv.extend(["exec".into(), "-i".into()]);
                if tty {
                    argv.push("-t".into());
                }
                // `--name=value`: a value is never read as an option.
                for (flag, value) in [
                    ("namespace", namespace),
                    ("context", context),
                    ("container", container),
                ] {
                    if let Some(value) = value {
                        argv.push(format!("--{flag}={value}").into());
                    }
                }
                argv.extend([target.into(), "--".into()]);
                argv.extend(appenv);
            }
        }
        argv
    }

    /// Arguments the transport cannot carry as they are: the first one
    /// that is not UTF-8, for a container runtime (podman, docker and
    /// kubectl hand the command over as JSON, which would replace its
    /// invalid bytes with U+FFFD). ssh carries any bytes.
    pub fn refused_arg<'a>(&self, args: &'a [OsString]) -> Option<&'a OsString> {
        match self.transport {
            Transport::Ssh(_) => None,
            _ => args.iter().find(|a| a.to_str().is_none()),
        }
    }

    /// `appenv [-C DIR] [--same-as X] ARGS…` as the remote program's argv.
    fn appenv_words(&self, args: &[OsString]) -> Vec<OsString> {
        let mut words: Vec<OsString> = vec![self.appenv.clone().into()];
        if let (Transport::Kubectl { .. }, Some(dir)) = (&self.transport, &self.dir) {
            words.extend(["-C".into(), dir.into()]);
        }
        if let Some(same_as) = self.same_as.as_ref().filter(|_| takes_same_as(args)) {
            words.extend(["--same-as".into(), same_as.into()]);
        }
        words.extend(args.iter().cloned());
        words
    }

    /// The one string ssh hands the remote login shell: `cd DIR || exit
    /// 125; exec APPENV ARGS…`, each word quoted. `exec`: the shell does not
    /// stay between sshd and the program. A `cd` that fails is appenv's
    /// kind of failure (125), not the program's.
    fn shell_line(&self, words: &[OsString]) -> Vec<u8> {
        let mut line = Vec::new();
        if let Some(dir) = &self.dir {
            line.extend_from_slice(b"cd ");
            push_path(dir, &mut line);
            line.extend_from_slice(format!(" || exit {}; ", ExitCode::Failed.code()).as_bytes());
        }
        line.extend_from_slice(b"exec");
        for (i, word) in words.iter().enumerate() {
            line.push(b' ');
            match i {
                0 => push_path(&self.appenv, &mut line),
                _ => push_quoted(word.as_bytes(), &mut line),
            }
        }
        line
    }
}

/// Whether `--same-as` goes with these arguments for the remote appenv: a
/// command, `exec`, `run`, `console` or `diff` (the others refuse it), and
/// not when the arguments name one themselves.
pub fn takes_same_as(args: &[OsString]) -> bool {
    let mut words = args.iter().map(|a| a.to_str());
    while let Some(word) = words.next() {
        let Some(word) = word else { return true };
        match word {
            "--same-as" => return false,
            _ if word.starts_with("--same-as=") => return false,
            "-C" | "-e" | "--env" => {
                words.next();
            }
            "--" => return true,
            _ if word.starts_with('-') => {}
            "exec" | "run" | "console" | "diff" => return true,
            _ => return !crate::cli::SUBCOMMANDS.contains(&word),
        }
    }
    false
}

/// One word for a POSIX shell: single quotes keep every byte as it is but
/// `'` itself, written `'\''` (close, an escaped quote, open again).
pub fn push_quoted(word: &[u8], out: &mut Vec<u8>) {
    out.push(b'\'');
    for &b in word {
        match b {
            b'\'' => out.extend_from_slice(b"'\\''"),
            b => out.push(b),
        }
    }
    out.push(b'\'');
}

/// A path for the remote shell: quoted, but a leading `~/` left for the
/// shell to expand to the login's home.
fn push_path(path: &str, out: &mut Vec<u8>) {
    match path.strip_prefix('~') {
        Some("") => out.push(b'~'),
        Some(rest) => {
            out.extend_from_slice(b"~/");
            let rest = rest.trim_start_matches('/');
            if !rest.is_empty() {
                push_quoted(rest.as_bytes(), out);
            }
        }
        None => push_quoted(path.as_bytes(), out),
    }
}

#[cfg(test)]
mod tests;
