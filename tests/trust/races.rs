//! End-to-end: trust holds while an attacker swaps files and repoints the root
//! as fast as it can. Each test runs appenv thousands of times against a
//! flipper thread; a single unallowed value or prefix reaching a program fails.

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{App, stderr, stdout};

const RUNS: usize = 2000;

/// `appenv` for `app` with no trusted dirs: trust must come from `allow`.
fn untrusted(app: &App) -> std::process::Command {
    let mut cmd = app.std_command();
    cmd.env_remove("APPENV_TRUSTED_DIRS");
    cmd
}

/// Swaps `path` between the versions `make(i)` makes, by atomic rename, until
/// stopped.
fn flipper(
    stop: Arc<AtomicBool>,
    make: impl Fn(&Path, usize) + Send + 'static,
    path: PathBuf,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let dir = path.parent().unwrap().to_owned();
        let mut flips = 0;
        while !stop.load(Ordering::Relaxed) {
            let temp = dir.join(format!(".flip.{flips}"));
            make(&temp, flips);
            fs::rename(&temp, &path).unwrap();
            flips += 1;
        }
        flips
    })
}

/// Runs `cmd()` [`RUNS`] times; returns the stdout of the runs that succeeded,
/// after checking that every other run was refused with 125 and ran nothing.
fn outcomes(mut cmd: impl FnMut() -> std::process::Command) -> Vec<String> {
    let mut ran = Vec::new();
    for _ in 0..RUNS {
        let out = cmd().output().unwrap();
        if out.status.success() {
            ran.push(stdout(&out));
        } else {
            assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
            assert_eq!(stdout(&out), "", "a refused run printed something");
        }
    }
    ran
}

fn write(path: &Path, content: &str) {
    fs::write(path, content).unwrap();
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn swapped_env_file_contents_never_reach_a_program() {
        let app = App::new(&[(".env", "V=allowed\n")]);
        untrusted(&app).arg("allow").output().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flips = flipper(
            stop.clone(),
            |temp, i| {
                write(
                    temp,
                    if i % 2 == 0 {
                        "V=unallowed\n"
                    } else {
                        "V=allowed\n"
                    },
                )
            },
            app.root.join(".env"),
        );
        let ran = outcomes(|| {
            let mut cmd = untrusted(&app);
            cmd.args(["sh", "-c", "echo \"$V\""]);
            cmd
        });
        stop.store(true, Ordering::Relaxed);
        let flips = flips.join().unwrap();
        let bad: Vec<_> = ran.iter().filter(|out| *out != "allowed\n").collect();
        assert!(
            bad.is_empty(),
            "{} unallowed runs: {:?}",
            bad.len(),
            &bad[..1]
        );
        assert!(
            !ran.is_empty(),
            "nothing ran in {RUNS} runs ({flips} flips)"
        );
        assert!(flips > 100, "the flipper barely ran: {flips}");
    }

    #[test]
    fn a_swapped_exec_prefix_never_runs() {
        let allowed = "[exec]\nprefix = [\"/bin/echo\", \"allowed\"]\n";
        let app = App::new(&[("appenv.toml", allowed)]);
        untrusted(&app).arg("allow").output().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flips = flipper(
            stop.clone(),
            move |temp, i| {
                let unallowed = "[exec]\nprefix = [\"/bin/echo\", \"unallowed\"]\n";
                write(temp, if i % 2 == 0 { unallowed } else { allowed });
            },
            app.root.join("appenv.toml"),
        );
        let ran = outcomes(|| {
            let mut cmd = untrusted(&app);
            cmd.arg("run-me");
            cmd
        });
        stop.store(true, Ordering::Relaxed);
        flips.join().unwrap();
        let bad: Vec<_> = ran
            .iter()
            .filter(|out| *out != "allowed run-me\n")
            .collect();
        assert!(
            bad.is_empty(),
            "{} unallowed runs: {:?}",
            bad.len(),
            &bad[..1]
        );
        assert!(!ran.is_empty(), "nothing ran in {RUNS} runs");
    }

    #[test]
    fn a_root_symlink_repointed_mid_run_never_mixes_two_apps() {
        let app = App::new(&[]);
        let base = app.tmp.path().to_owned();
        for (name, value) in [("allowed", "a"), ("other", "b")] {
            let dir = base.join(name);
            fs::create_dir_all(&dir).unwrap();
            write(&dir.join(".env"), &format!("V={value}\nFROM_{name}=1\n"));
            write(
                &dir.join("appenv.toml"),
                &format!("[env.vars]\nW = \"{value}\"\n"),
            );
        }
        // A marker only the other app has: its prefix must not reach a run of this one.
        write(&base.join("other/Gemfile"), "");
        let current = base.join("current");
        symlink("allowed", &current).unwrap();
        untrusted(&app)
            .arg("allow")
            .arg(base.join("allowed"))
            .output()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flips = flipper(
            stop.clone(),
            |temp, i| symlink(if i % 2 == 0 { "other" } else { "allowed" }, temp).unwrap(),
            current.clone(),
        );
        let ran = outcomes(|| {
            let mut cmd = untrusted(&app);
            cmd.arg("-C").arg(&current).args([
                "sh",
                "-c",
                "echo \"$V $W ${FROM_other:-} ${FROM_allowed:-}\"",
            ]);
            cmd
        });
        stop.store(true, Ordering::Relaxed);
        flips.join().unwrap();
        let bad: Vec<_> = ran.iter().filter(|out| *out != "a a  1\n").collect();
        assert!(
            bad.is_empty(),
            "{} mixed or unallowed runs: {:?}",
            bad.len(),
            &bad[..1]
        );
        assert!(!ran.is_empty(), "nothing ran in {RUNS} runs");
    }
}
