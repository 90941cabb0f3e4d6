//! tcsh, elvish, xonsh and nushell, each run interactively in tmux with the
//! README's rc line: entering an app loads values no shell may run, byte for
//! byte; unchanged prompts start no appenv (counted with strace); an edit
//! reloads; leaving restores the environment but for the user's own edits;
//! an app that is not allowed is refused once.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use appenv::dotenv;
use appenv::shell::Shell;

use super::harness::{Env, HookApp, appenv_bin, have, parse_env};

/// What no shell may run or change, each in the app's `.env`.
const TORTURE: &[(&str, &str)] = &[
    ("SQ", "it's"),
    ("DQ", "say \"hi\""),
    ("SUB", "$(touch pwned) $(>pwned)"),
    ("BT", "`touch pwned`"),
    (
        "PARENS",
        "(touch pwned) @(touch pwned) @$(touch pwned) !(touch pwned)",
    ),
    ("BANG", "!! !$ !-1 a!b"),
    ("PCT", "%s %d %% %self"),
    ("NL", "line one\nline two"),
    ("BS", "ends with\\"),
    ("BSNL", "\\\n\\"),
    ("UTF", "grüße € 日本 😀"),
    ("MIX", "'\"$HOME`x`\\ {x} ;| &"),
    ("TAB", "a\tb\r"),
];

/// The prompt every rc file sets, so that the test sees when the shell
/// waits for a line.
const PROMPT: &str = "READY> ";

/// A shell running in a tmux server of its own, in a sandbox.
struct Session {
    shell: Shell,
    sock: PathBuf,
    out: PathBuf,
    trace: Option<PathBuf>,
    snaps: usize,
}

impl Session {
    fn start(sandbox: &HookApp, shell: Shell, env: &[(String, String)]) -> Session {
        let out = sandbox.path("out");
        fs::create_dir_all(&out).unwrap();
        let program = which(shell.name());
        let trace = have("strace").then(|| out.join("trace"));
        let mut argv: Vec<String> = Vec::new();
        argv.push("env".into());
        argv.push("-i".into());
        argv.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        if let Some(trace) = &trace {
            argv.push(which("strace").display().to_string());
            argv.extend(
                ["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o"].map(String::from),
            );
            argv.push(trace.display().to_string());
        }
        argv.push(program.display().to_string());
        argv.extend(args(shell).iter().map(|s| s.to_string()));
        let sock = sandbox.path("tmux.sock");
        let status = Command::new("tmux")
            .arg("-S")
            .arg(&sock)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "250",
                "-y",
                "50",
                "-c",
            ])
            .arg(sandbox.path(""))
            .arg("--")
            .args(&argv)
            .status()
            .unwrap();
        assert!(status.success(), "tmux");
        let session = Session {
            shell,
            sock,
            out,
            trace,
            snaps: 0,
        };
        session.settle(0);
        session
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.sock);
        cmd
    }

    /// Types `line` and Enter, and waits for the next prompt.
    fn type_line(&self, line: &str) {
        let (before, _) = self.prompts();
        if !line.is_empty() {
            let status = self
                .tmux()
                .args(["send-keys", "-l", "--", line])
                .status()
                .unwrap();
            assert!(status.success());
        }
        let status = self.tmux().args(["send-keys", "Enter"]).status().unwrap();
        assert!(status.success());
        self.settle(before);
    }

    fn prompt(&self) {
        self.type_line("");
    }

    fn cd(&self, dir: &Path) {
        let mut line = b"cd ".to_vec();
        self.shell
            .quote(dir.as_os_str().as_encoded_bytes(), &mut line);
        self.type_line(&String::from_utf8(line).unwrap());
    }

    /// The environment a command started at the prompt gets, once every
    /// line typed before has run.
    fn snap(&mut self) -> Env {
        self.snaps += 1;
        let tmp = self.out.join("snap.tmp");
        let done = self.out.join(format!("snap.{}", self.snaps));
        let (tmp_s, done_s) = (tmp.display(), done.display());
        let line = match self.shell {
            Shell::Nu => format!("^env -0 o> '{tmp_s}'; ^mv '{tmp_s}' '{done_s}'"),
            Shell::Tcsh => format!("env -0 >! '{tmp_s}'; mv '{tmp_s}' '{done_s}'"),
            _ => format!("env -0 > '{tmp_s}'; mv '{tmp_s}' '{done_s}'"),
        };
        self.type_line(&line);
        self.wait_for(&done);
        parse_env(&fs::read(&done).unwrap())
    }

    /// The prompts on the screen, and whether the last line is an empty
    /// prompt: the shell waits for a line.
    fn prompts(&self) -> (usize, bool) {
        let screen = self.screen();
        let count = screen.lines().filter(|l| l.starts_with(PROMPT)).count();
        let last = screen.lines().rev().find(|l| !l.trim().is_empty());
        (
            count,
            last.is_some_and(|l| l.trim_end() == PROMPT.trim_end()),
        )
    }

    /// Waits for a new, empty prompt: what was typed has run, the hook has
    /// run, and the line editor reads again (nushell's and xonsh's drop
    /// what is typed while a command runs).
    fn settle(&self, before: usize) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (count, waiting) = self.prompts();
            if count > before && waiting {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no new prompt after 90 s; the screen:\n{}",
                self.shell,
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, path: &Path) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "{}: no {} after 90 s; the screen:\n{}",
                self.shell,
                path.display(),
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything on the terminal, wrapped lines joined.
    fn screen(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-J", "-S", "-100000"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `appenv export` calls between each snap and the next, from strace.
    fn exports_per_snap(&self) -> Option<Vec<usize>> {
        let trace = fs::read_to_string(self.trace.as_ref()?).unwrap();
        let appenv = appenv_bin().display().to_string();
        let mut counts = vec![0];
        for line in trace
            .lines()
            .filter(|l| l.contains("execve(") && !l.contains("= -1 "))
        {
            if line.contains(&format!("execve(\"{appenv}\"")) && line.contains("\"export\"") {
                *counts.last_mut().unwrap() += 1;
            } else if line.contains(", \"-0\"]") {
                counts.push(0);
            }
        }
        Some(counts)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Killing the server only hangs the terminal up: strace then exits,
        // and an interactive xonsh or nushell it traced would live on without
        // a terminal, spinning. Kill the whole tree under the pane first.
        let panes = self
            .tmux()
            .args(["list-panes", "-F", "#{pane_pid}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for pid in panes.lines().filter_map(|l| l.trim().parse().ok()) {
            kill_tree(pid);
        }
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// SIGKILL to `pid` and every process below it, children first found.
fn kill_tree(pid: i32) {
    let children =
        fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGSTOP,
    );
    for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
        kill_tree(child);
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
}

fn args(shell: Shell) -> &'static [&'static str] {
    match shell {
        Shell::Tcsh => &[],
        Shell::Elvish => &[],
        Shell::Xonsh => &["--interactive"],
        Shell::Nu => &[],
        _ => unreachable!(),
    }
}

fn which(tool: &str) -> PathBuf {
    crate::common::real_tool(tool)
}

/// Writes the shell's rc file: the README's line.
fn install(sandbox: &HookApp, shell: Shell, env: &[(String, String)]) {
    let home = sandbox.path("home");
    match shell {
        Shell::Tcsh => sandbox.write(
            "home/.tcshrc",
            "eval \"`appenv hook tcsh`\"\nset prompt = 'READY> '\n",
        ),
        Shell::Elvish => sandbox.write(
            "home/config/elvish/rc.elv",
            "eval (appenv hook elvish | slurp)\n\
             set edit:prompt = { put 'READY> ' }\nset edit:rprompt = { put '' }\n",
        ),
        Shell::Xonsh => sandbox.write(
            "home/.xonshrc",
            "execx($(appenv hook xonsh))\n\
             $PROMPT = 'READY> '\n$RIGHT_PROMPT = ''\n$BOTTOM_TOOLBAR = ''\n",
        ),
        Shell::Nu => {
            // Once, as the README says; then `source` in config.nu.
            let out = crate::common::Sandbox::from_env(env)
                .command(which("nu"))
                .args([
                    "--no-config-file",
                    "-c",
                    "appenv hook nu | save -f ~/.cache/appenv.nu",
                ])
                .current_dir(&home)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            sandbox.write(
                "home/config/nushell/config.nu",
                "source ~/.cache/appenv.nu\n\
                 $env.config.show_banner = false\n\
                 $env.PROMPT_COMMAND = {|| 'READY' }\n\
                 $env.PROMPT_INDICATOR = {|| '> ' }\n\
                 $env.PROMPT_COMMAND_RIGHT = {|| '' }\n",
            );
            sandbox.write("home/config/nushell/env.nu", "");
        }
        _ => unreachable!(),
    }
}

/// The sandbox's environment, with a PATH of links to appenv, the shell and
/// the few programs the session runs.
fn session_env(sandbox: &HookApp, shell: Shell) -> Vec<(String, String)> {
    let bin = sandbox.path("bin");
    fs::create_dir_all(&bin).unwrap();
    let _ = symlink(appenv_bin(), bin.join("appenv"));
    for tool in [shell.name(), "env", "mv", "mkdir"] {
        let _ = symlink(which(tool), bin.join(tool));
    }
    let mut env: Vec<(String, String)> = sandbox
        .env()
        .into_iter()
        .filter(|(k, _)| k != "PATH")
        .collect();
    env.push(("PATH".into(), bin.display().to_string()));
    env.push(("TERM".into(), "xterm".into()));
    env.push((
        "XDG_CONFIG_HOME".into(),
        sandbox.path("home/config").display().to_string(),
    ));
    env.push((
        "XDG_STATE_HOME".into(),
        sandbox.path("home/state").display().to_string(),
    ));
    env.push(("KEEP".into(), "mine".into()));
    env
}

/// Sets the mtime of `dir` and everything under it ten seconds back, but
/// not through the links to the tools.
fn age(dir: &Path) {
    let past = std::time::SystemTime::now() - Duration::from_secs(10);
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            age(&entry.path());
        } else if kind.is_file() {
            let file = fs::File::options().write(true).open(entry.path()).unwrap();
            file.set_modified(past).unwrap();
        }
    }
    fs::File::open(dir).unwrap().set_modified(past).unwrap();
}

fn get<'a>(env: &'a Env, name: &str) -> Option<&'a [u8]> {
    env.get(OsStr::new(name)).map(|v| v.as_encoded_bytes())
}

/// What the user does by hand once the app is loaded: a directory in front
/// of PATH and a variable of their own.
fn user_edits(shell: Shell) -> [&'static str; 2] {
    match shell {
        Shell::Tcsh => ["setenv PATH \"/mine:$PATH\"", "setenv MINE 1"],
        Shell::Elvish => ["set paths = [/mine $@paths]", "set-env MINE 1"],
        Shell::Xonsh => ["$PATH.insert(0, '/mine')", "$MINE = '1'"],
        Shell::Nu => ["$env.PATH = ($env.PATH | prepend /mine)", "$env.MINE = '1'"],
        _ => unreachable!(),
    }
}

/// The variables a shell changes by itself between two prompts.
fn without_shell_own(env: &Env) -> Env {
    let mut env = env.clone();
    for name in [
        "OLDPWD",
        "PWD",
        "_",
        "SHLVL",
        "CMD_DURATION_MS",
        "LAST_EXIT_CODE",
        "LAST_RETURN_CODE",
    ] {
        env.remove(OsStr::new(name));
    }
    // The fingerprint of the last answer, which an answer adds when the
    // app's files have settled: the state otherwise stays the same.
    if let Some(state) = env.get_mut(OsStr::new("APPENV_STATE")) {
        let bytes = state.as_encoded_bytes();
        if let Some(at) = bytes.windows(6).position(|w| w == b" seen=") {
            *state = std::ffi::OsString::from(String::from_utf8_lossy(&bytes[..at]).into_owned());
        }
    }
    env
}

fn count(screen: &str, text: &str) -> usize {
    screen.matches(text).count()
}

fn no_file_named_pwned(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        assert!(
            !entry.file_name().to_string_lossy().contains("pwned"),
            "something ran: {}",
            entry.path().display()
        );
        if entry.file_type().unwrap().is_dir() {
            no_file_named_pwned(&entry.path());
        }
    }
}

fn scenario(shell: Shell) {
    if !have(shell.name()) || !have("tmux") {
        return;
    }
    let env_file: String = TORTURE
        .iter()
        .map(|(name, value)| dotenv::line(name, value) + "\n")
        .chain(["DB=dev\nKEEP=file\n".to_owned()])
        .collect();
    let mut sandbox = HookApp::new(&[
        ("apps/app/.env", &env_file),
        ("apps/app/appenv.toml", "[env]\npath = [\"bin\"]\n"),
        ("apps/app/sub/", ""),
        ("other/app/.env", "DB=untrusted\n"),
        ("out/", ""),
        ("home/.cache/", ""),
    ]);
    sandbox.trusted = true;
    let env = session_env(&sandbox, shell);
    install(&sandbox, shell, &env);
    // As if all of it had been there for a while: see `HookApp::new`.
    age(sandbox.tmp.path());

    let app = sandbox.path("apps/app");
    let mut s = Session::start(&sandbox, shell, &env);
    s.prompt();
    let before = s.snap();

    s.cd(&app);
    let loaded = s.snap();
    for (name, value) in TORTURE {
        assert_eq!(
            get(&loaded, name),
            Some(value.as_bytes()),
            "{shell}: {name}"
        );
    }
    assert_eq!(get(&loaded, "DB"), Some(&b"dev"[..]), "{shell}");
    assert_eq!(
        get(&loaded, "KEEP"),
        Some(&b"mine"[..]),
        "{shell}: inherited wins"
    );
    assert_eq!(
        get(&loaded, "APPENV_ROOT"),
        Some(app.as_os_str().as_encoded_bytes()),
        "{shell}"
    );

    // Unchanged prompts, and a walk inside the app.
    for _ in 0..5 {
        s.prompt();
    }
    s.cd(&app.join("sub"));
    s.cd(&app);
    s.prompt();
    let same = s.snap();
    assert_eq!(
        without_shell_own(&same),
        without_shell_own(&loaded),
        "{shell}"
    );

    // An edit, written after the last call: reloaded at the next prompt.
    fs::write(app.join(".env"), env_file.replace("DB=dev", "DB=edited")).unwrap();
    s.prompt();
    let edited = s.snap();
    assert_eq!(get(&edited, "DB"), Some(&b"edited"[..]), "{shell}");

    let [edit_path, edit_var] = user_edits(shell);
    s.type_line(edit_path);
    s.type_line(edit_var);
    s.prompt();
    let edited_by_hand = s.snap();
    let path = get(&edited_by_hand, "PATH").map(|p| String::from_utf8_lossy(p).into_owned());
    assert!(
        path.as_deref().is_some_and(|p| p.starts_with("/mine:")),
        "{shell}: {path:?}"
    );

    s.cd(&sandbox.path(""));
    let left = s.snap();
    let bin = sandbox.path("bin").display().to_string();
    let app_s = app.display().to_string();
    assert_eq!(
        get(&loaded, "PATH"),
        Some(format!("{app_s}/bin:{bin}").as_bytes()),
        "{shell}"
    );
    let mut expected = without_shell_own(&before);
    expected.insert("PATH".into(), format!("/mine:{bin}").into());
    expected.insert("MINE".into(), "1".into());
    assert_eq!(without_shell_own(&left), expected, "{shell}: left exactly");

    // Not allowed: said once, however many prompts.
    s.cd(&sandbox.path("other/app"));
    s.prompt();
    s.prompt();
    let refused = s.snap();
    assert_eq!(get(&refused, "DB"), None, "{shell}");

    no_file_named_pwned(sandbox.tmp.path());
    let screen = s.screen();
    assert_eq!(
        count(&screen, "appenv: loaded app (.env)"),
        1,
        "{shell}:\n{screen}"
    );
    assert_eq!(
        count(&screen, "appenv: reloaded app (.env)"),
        1,
        "{shell}:\n{screen}"
    );
    assert_eq!(
        count(&screen, "appenv: unloaded app"),
        1,
        "{shell}:\n{screen}"
    );
    let refusal = format!(
        "appenv: {} is not allowed; run 'appenv allow'",
        sandbox.path("other/app").display()
    );
    assert_eq!(count(&screen, &refusal), 1, "{shell}:\n{screen}");
    assert!(!screen.contains("failed"), "{shell}:\n{screen}");

    // strace: the unchanged prompts started no appenv; each change of
    // directory one. Elvish cannot compare file times: it asks each time.
    if let Some(exports) = s.exports_per_snap() {
        // Before each snap: start, load, walk, edit, by hand, leave,
        // refused; then the rest.
        assert_eq!(exports.len(), 8, "{shell}: {exports:?}");
        // Before the load nothing is loaded and the hook watches every
        // directory up to `/`, /tmp included, which other programs change
        // at any time (each change costs a call): only at least one call.
        assert!(exports[0] >= 1 && exports[1] >= 1, "{shell}: {exports:?}");
        if shell != Shell::Elvish {
            assert_eq!(exports[2], 2, "{shell}: two cd, five prompts: {exports:?}");
        }
    }

    // What trusted the app, unset in the shell: the prompt after takes the
    // load out.
    s.cd(&app);
    assert_eq!(get(&s.snap(), "DB"), Some(&b"edited"[..]), "{shell}");
    s.type_line(match shell {
        Shell::Tcsh => "unsetenv APPENV_TRUSTED_DIRS",
        Shell::Elvish => "unset-env APPENV_TRUSTED_DIRS",
        Shell::Xonsh => "del $APPENV_TRUSTED_DIRS",
        _ => "hide-env APPENV_TRUSTED_DIRS",
    });
    s.prompt();
    assert_eq!(get(&s.snap(), "DB"), None, "{shell}");
    drop(s);
    let _ = sandbox;
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn tcsh_interactive() {
        scenario(Shell::Tcsh);
    }

    #[test]
    fn elvish_interactive() {
        scenario(Shell::Elvish);
    }

    #[test]
    fn xonsh_interactive() {
        scenario(Shell::Xonsh);
    }

    #[test]
    fn nu_interactive() {
        scenario(Shell::Nu);
    }
}
