//! `appenv export` answering from the fingerprint in the hook's state: an
//! unchanged answer reads none of the app's files, and no change hides
//! behind it (a rewrite in the same clock tick, a file swapped by a rename
//! with the same time and size, a file appearing, allow and deny, an
//! inherited variable, `--env`, an old or unknown state).
//!
//! A shell is played by a map: each answer (`export json`, a map of what
//! to set and unset) is applied to it, as the hook applies `eval`. Every
//! answer is checked against the answer to the same environment with the
//! fingerprint taken out of the state, which resolves.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{App, Sandbox};
use serde_json::Value;

type Env = BTreeMap<String, String>;

const STATE: &str = "APPENV_STATE";

/// An app (allowed by the trust store, not by `APPENV_TRUSTED_DIRS`) and
/// the environment of a shell in it.
struct Shell {
    app: App,
    env: Env,
    /// The working directory (and `PWD`).
    cwd: PathBuf,
}

impl Shell {
    fn new(files: &[(&str, &str)]) -> Shell {
        let app = App::new(files);
        let mut env: Env = app
            .env()
            .into_iter()
            .filter(|(k, _)| k != "APPENV_TRUSTED_DIRS")
            .collect();
        env.insert("PWD".into(), app.root.display().to_string());
        let cwd = app.root.clone();
        let shell = Shell { app, env, cwd };
        shell.appenv(&["allow"]).success();
        shell
    }

    fn command(&self, env: &Env, args: &[&str]) -> Command {
        let mut cmd = sandbox(env).command(common::appenv_bin());
        cmd.args(args).current_dir(&self.cwd);
        cmd
    }

    fn appenv(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        assert_cmd::Command::from_std(self.command(&self.env, args)).assert()
    }

    /// One answer to `env`, with `args` before `export json`.
    fn answer_to(&self, env: &Env, args: &[&str]) -> (BTreeMap<String, Option<String>>, String) {
        let mut all = args.to_vec();
        all.extend(["export", "json"]);
        let out = self.command(env, &all).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let map: BTreeMap<String, Value> = serde_json::from_slice(&out.stdout).unwrap();
        let map = map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_owned)))
            .collect();
        (map, common::stderr(&out))
    }

    /// Asks, as the hook does, and applies the answer. The answer must be
    /// the one the same environment gets without a fingerprint.
    fn ask_with(&mut self, args: &[&str]) -> BTreeMap<String, Option<String>> {
        let (answer, said) = self.answer_to(&self.env, args);
        let mut resolved_env = self.env.clone();
        if let Some(state) = resolved_env.get_mut(STATE) {
            if let Some(at) = state.find(" seen=") {
                state.truncate(at);
            }
        }
        let (resolved, resolved_said) = self.answer_to(&resolved_env, args);
        let without_state = |m: &BTreeMap<String, Option<String>>| {
            let mut m = m.clone();
            m.remove(STATE);
            m
        };
        assert_eq!(without_state(&answer), without_state(&resolved), "{said}");
        assert_eq!(said, resolved_said);
        let prefix = |env: &Env, m: &BTreeMap<String, Option<String>>| {
            let state = match m.get(STATE) {
                Some(s) => s.clone(),
                None => env.get(STATE).cloned(),
            };
            state.map(|s| s.split(" seen=").next().unwrap().to_owned())
        };
        assert_eq!(prefix(&self.env, &answer), prefix(&resolved_env, &resolved));
        for (name, value) in &answer {
            match value {
                Some(value) => self.env.insert(name.clone(), value.clone()),
                None => self.env.remove(name),
            };
        }
        answer
    }

    fn ask(&mut self) -> BTreeMap<String, Option<String>> {
        self.ask_with(&[])
    }

    /// Asks until the state holds a fingerprint (one is kept only when the
    /// files are more than a tick older than the answer), then once more,
    /// which must change nothing.
    fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.env.get(STATE).is_some_and(|s| s.contains(" seen=")) {
            assert!(
                Instant::now() < deadline,
                "no fingerprint: {:?}",
                self.env.get(STATE)
            );
            std::thread::sleep(Duration::from_millis(20));
            self.ask();
        }
        assert_eq!(self.ask(), BTreeMap::new(), "settled");
    }

    /// `cd`, as a shell does it: the working directory, `PWD` and `OLDPWD`.
    fn cd(&mut self, dir: &str) {
        let old = std::mem::replace(&mut self.cwd, self.app.root.join(dir));
        self.env.insert("OLDPWD".into(), old.display().to_string());
        self.env
            .insert("PWD".into(), self.cwd.display().to_string());
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }
}

/// The sandbox holding exactly the shell's environment `env`.
fn sandbox(env: &Env) -> Sandbox {
    Sandbox::from_env(&env.clone().into_iter().collect::<Vec<_>>())
}

fn mtime(path: &Path) -> std::time::SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

fn set_mtime(path: &Path, time: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

#[test]
fn an_unchanged_answer_reads_no_file_of_the_app() {
    let mut shell = Shell::new(&[(".env", "A=1\n"), ("Procfile", "web: true\n")]);
    shell.ask();
    assert_eq!(shell.var("A"), Some("1"));
    shell.settle();
    reads_no_file_of_the_app(&shell);
}

/// `export json` in the shell's environment answers `{}` without opening
/// the app's files: from the fingerprint.
fn reads_no_file_of_the_app(shell: &Shell) {
    if !common::have("strace") {
        return;
    }
    let log = shell.app.tmp.path().join("strace.log");
    let mut cmd = sandbox(&shell.env).command("strace");
    cmd.args(["-f", "-e", "trace=openat,open", "-o"])
        .arg(&log)
        .arg(common::appenv_bin())
        .args(["export", "json"])
        .current_dir(&shell.app.root);
    let out = cmd.output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{}\n");
    let log = fs::read_to_string(&log).unwrap();
    for name in [".env", "Procfile", ".json"] {
        assert!(
            !log.lines().any(|l| l.contains(&format!("{name}\""))),
            "opened {name}:\n{log}"
        );
    }
}

#[test]
fn a_rewrite_in_the_same_tick_with_the_same_time_and_size_is_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\n")]);
    shell.settle();
    let env = shell.app.root.join(".env");
    let before = mtime(&env);
    fs::write(&env, "A=2\n").unwrap();
    set_mtime(&env, before);
    shell.ask();
    assert_eq!(shell.var("A"), None, "not allowed since it changed");
    shell.appenv(&["allow"]).success();
    shell.ask();
    assert_eq!(shell.var("A"), Some("2"));
}

#[test]
fn a_file_swapped_by_a_rename_with_the_same_time_is_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\n")]);
    shell.appenv(&["deny"]).success();
    // Trusted by directory: only the files decide.
    let dirs = shell.app.tmp.path().display().to_string();
    shell.env.insert("APPENV_TRUSTED_DIRS".into(), dirs);
    shell.ask();
    shell.settle();
    let env = shell.app.root.join(".env");
    let other: PathBuf = shell.app.root.join("other");
    fs::write(&other, "A=3\n").unwrap();
    set_mtime(&other, mtime(&env));
    fs::rename(&other, &env).unwrap();
    shell.ask();
    assert_eq!(shell.var("A"), Some("3"));
}

#[test]
fn a_file_appearing_is_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\n"), ("node_modules/", "")]);
    shell.settle();
    // In a directory the hook does not watch: isolation looks there.
    fs::create_dir(shell.app.root.join("node_modules/.bin")).unwrap();
    shell.ask();
    let bin = shell
        .app
        .root
        .join("node_modules/.bin")
        .display()
        .to_string();
    assert!(
        shell.var("PATH").unwrap().starts_with(&bin),
        "{:?}",
        shell.var("PATH")
    );
    shell.settle();
    shell.app.write(".env.local", "B=2\n");
    shell.appenv(&["allow"]).success();
    shell.ask();
    assert_eq!(shell.var("B"), Some("2"));
}

#[test]
fn allow_and_deny_are_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\n")]);
    shell.settle();
    shell.appenv(&["deny"]).success();
    let (_, said) = shell.answer_to(&shell.env, &[]);
    assert!(said.contains("is not allowed"), "{said}");
    shell.ask();
    assert_eq!(shell.var("A"), None);
    shell.settle();
    shell.appenv(&["allow"]).success();
    shell.ask();
    assert_eq!(shell.var("A"), Some("1"));
}

#[test]
fn a_changed_inherited_variable_is_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\nB=x${OUTSIDE}\n"), (".env.test", "A=test\n")]);
    shell.settle();
    assert_eq!(shell.var("B"), Some("x"));
    // A variable a value refers to.
    shell.env.insert("OUTSIDE".into(), "there".into());
    shell.ask();
    assert_eq!(shell.var("B"), Some("xthere"));
    shell.settle();
    // APPENV_ENV, and --env.
    shell.env.insert("APPENV_ENV".into(), "test".into());
    shell.ask();
    assert_eq!(shell.var("A"), Some("test"));
    shell.settle();
    shell.env.remove("APPENV_ENV");
    shell.ask();
    assert_eq!(shell.var("A"), Some("1"));
    shell.settle();
    shell.ask_with(&["--env", "test"]);
    assert_eq!(shell.var("A"), Some("test"));
    shell.ask();
    assert_eq!(shell.var("A"), Some("1"));
    shell.settle();
    // The user's own PATH entry under the load stays, and leaving takes
    // out only the app's.
    let path = format!("/mine:{}", shell.var("PATH").unwrap());
    shell.env.insert("PATH".into(), path);
    shell.ask();
    assert!(shell.var("PATH").unwrap().starts_with("/mine:"));
    shell.settle();
    // Another trust store (XDG_DATA_HOME): not allowed there.
    let other = shell
        .app
        .tmp
        .path()
        .join("other-data")
        .display()
        .to_string();
    shell.env.insert("XDG_DATA_HOME".into(), other);
    shell.ask();
    assert_eq!(shell.var("A"), None);
    shell.settle();
    // HOME, when XDG_DATA_HOME is not set: the store is under it.
    shell.env.remove("XDG_DATA_HOME");
    shell.ask();
    shell.settle();
    let home = shell
        .app
        .tmp
        .path()
        .join("other-home")
        .display()
        .to_string();
    shell.env.insert("HOME".into(), home);
    shell.ask();
    assert_eq!(shell.var("A"), None);
}

#[test]
fn a_change_of_directory_inside_the_app_keeps_the_fingerprint() {
    let mut shell = Shell::new(&[(".env", "A=1\n"), ("sub/dir/", "")]);
    shell.settle();
    let state = shell.var(STATE).unwrap().to_owned();
    shell.cd("sub/dir");
    assert_eq!(shell.ask(), BTreeMap::new());
    assert_eq!(shell.var(STATE), Some(state.as_str()));
    // Unless a value is made from the working directory.
    let mut shell = Shell::new(&[(".env", "DATA=${PWD}/data\n"), ("sub/", "")]);
    shell.settle();
    assert_eq!(
        shell.var("DATA").unwrap(),
        format!("{}/data", shell.app.root.display())
    );
    shell.cd("sub");
    shell.ask();
    assert_eq!(
        shell.var("DATA").unwrap(),
        format!("{}/sub/data", shell.app.root.display())
    );
}

#[test]
fn a_shell_variable_of_the_user_is_seen() {
    let mut shell = Shell::new(&[(".env", "A=1\nMINE=app\n")]);
    shell.settle();
    assert_eq!(shell.var("MINE"), Some("app"));
    // The user set MINE in the shell without exporting it: the hook says
    // so, and the user's wins from then on.
    shell.env.remove("MINE");
    shell
        .env
        .insert("APPENV_SHELL_VARS".into(), "MINE A".into());
    shell.ask();
    assert_eq!(shell.var("MINE"), None);
}

/// A user's `x=1` or `for i in …` adds names to the shell's variables: the
/// answer does not depend on them, and the fingerprint holds (the names a
/// load leaves to the user's own variables, which do count, are in
/// `hook::kept_times`: only a shell's format leaves any).
#[test]
fn a_new_shell_variable_of_the_user_keeps_the_fingerprint() {
    let mut shell = Shell::new(&[(".env", "A=1\n")]);
    let vars = |shell: &mut Shell, names: &str| {
        shell.env.insert("APPENV_SHELL_VARS".into(), names.into());
    };
    vars(&mut shell, "HOME PATH");
    shell.settle();
    assert_eq!(shell.var("A"), Some("1"));
    let state = shell.var(STATE).unwrap().to_owned();
    for names in ["HOME PATH x", "i HOME x PATH y", ""] {
        vars(&mut shell, names);
        assert_eq!(shell.ask(), BTreeMap::new(), "{names}");
        assert_eq!(shell.var(STATE), Some(state.as_str()), "{names}");
        reads_no_file_of_the_app(&shell);
    }
}

#[test]
fn an_old_or_unknown_state_is_never_taken_as_unchanged() {
    let mut shell = Shell::new(&[(".env", "A=1\n")]);
    shell.settle();
    let state = shell.var(STATE).unwrap().to_owned();
    let prefix = state.split(" seen=").next().unwrap().to_owned();
    // The same state as an older appenv wrote it: read, and resolved.
    let old = prefix.replacen("appenv2", "appenv1", 1);
    shell.env.insert(STATE.into(), old.clone());
    let answer = shell.ask();
    assert!(
        answer
            .get(STATE)
            .is_some_and(|s| s.as_deref().unwrap().starts_with("appenv2 "))
    );
    assert_eq!(answer.len(), 1, "nothing but the state changes: {answer:?}");
    // A fingerprint under another version, or edited: no state at all, or
    // a digest that does not match.
    for state in [
        state.replacen("appenv2", "appenv9", 1),
        state.replacen(" seen=", " seen=0", 1),
        format!("{prefix} seen=0000000000000000,.env,- watch= absent= extra= users="),
    ] {
        let mut env = shell.env.clone();
        env.insert(STATE.into(), state.clone());
        let (answer, _) = shell.answer_to(&env, &[]);
        // Resolved: the state is replaced (or, not being one, dropped),
        // which an unchanged answer would not do.
        match answer.get(STATE) {
            Some(Some(written)) => {
                assert!(written.starts_with("appenv2 root="), "{state}: {answer:?}");
                assert_ne!(written, &state);
            }
            // Not a state (another version, a digest that is not one):
            // nothing to keep.
            Some(None) => assert!(!state.contains("seen=0000000000000000,")),
            None => panic!("taken as unchanged: {state}"),
        }
    }
}
