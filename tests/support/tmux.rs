//! A real interactive shell in a terminal: a private tmux server per
//! session, keys typed into it, the screen read back. Waits poll with a
//! generous timeout, so a loaded machine makes a test slower, not red.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::Sandbox;

/// How long any wait may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

pub struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// Starts `argv` in a new tmux server whose only environment is `env`,
    /// in `dir`. The socket lives in `dir`'s parent tree: `socket_dir`.
    pub fn start(socket_dir: &Path, dir: &Path, env: &[(String, String)], argv: &[&str]) -> Tmux {
        let tmux = Tmux {
            socket: socket_dir.join("tmux.sock"),
        };
        let out = Sandbox::from_env(env)
            .set("TERM", "xterm")
            .command("tmux")
            .arg("-S")
            .arg(&tmux.socket)
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "200",
                "-y",
                "50",
            ])
            .arg("-c")
            .arg(dir)
            .args(argv)
            .current_dir(dir)
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Types `text` as it is.
    pub fn type_text(&self, text: &str) {
        assert!(self.tmux(&["send-keys", "-l", text]).status.success());
    }

    /// Presses keys by tmux name: `Tab`, `Enter`, `C-u`.
    pub fn press(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Types `line` and Enter.
    pub fn line(&self, line: &str) {
        self.type_text(line);
        self.press(&["Enter"]);
    }

    /// The screen and its scrollback, trailing blanks cut.
    pub fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-J", "-S", "-1000"]);
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    /// Waits until `done` holds for the screen.
    pub fn wait_screen(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `text`.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_screen(text, |s| s.contains(text))
    }

    /// Runs `line` and waits for a marker echoed after it, so that what the
    /// line and the prompts before it did is done.
    pub fn run(&self, line: &str, marker: &str) -> String {
        self.line(&format!("{line}; echo {marker}-DONE"));
        self.wait_screen(marker, |s| {
            s.lines().any(|l| l.trim() == format!("{marker}-DONE"))
        })
    }

    /// Whether the session's shell is still there.
    pub fn alive(&self) -> bool {
        self.tmux(&["has-session"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Waits until `path` exists.
pub fn wait_file(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for {path:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
