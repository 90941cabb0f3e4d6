//! `appenv @NAME` into a real container, through podman.

use super::container::{self, Container};
use super::{hostile_args, nul_joined};
use crate::common::{stderr, stdout};

/// The web as a platform starts it: an entrypoint that adds a secret, then
/// `appenv run web`, which becomes the container's PID 1.
const ENTRYPOINT: &str = "export WEB_SECRET=only-in-the-web; exec appenv run web";

const PLATFORM: (&str, &str) = ("DATABASE_URL", "from-the-platform");
const TRUSTED: (&str, &str) = ("APPENV_TRUSTED_DIRS", "/app");

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn tasks_and_commands_run_there_with_its_files_and_the_platforms_variables() {
        if !container::ready() {
            return;
        }
        let c = Container::start(&[PLATFORM, TRUSTED], ENTRYPOINT);
        let (app, sandbox) = c.app("");
        let run = |args: &[&str]| {
            sandbox
                .appenv()
                .current_dir(&app.root)
                .arg("@staging")
                .args(args)
                .output()
                .unwrap()
        };
        let out = run(&["run", "show", "x", "y z"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "FROM_FILE=image-file DATABASE_URL=from-the-platform WEB_SECRET=none PWD=/app\n[x][y z]\n"
        );
        let out = run(&["sh", "-c", "echo \"$FROM_FILE\"; exit 7"]);
        assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
        assert_eq!(stdout(&out), "remote-file\n".replace("remote", "image"));
        let out = run(&["env"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("APPENV_ROOT=/app\n"),
            "{}",
            stdout(&out)
        );
        assert!(!stdout(&out).contains("LOCAL_ONLY"));
    }

    #[test]
    fn same_as_runs_from_the_containers_web() {
        if !container::ready() {
            return;
        }
        let c = Container::start(&[PLATFORM, TRUSTED], ENTRYPOINT);
        let (app, sandbox) = c.app("dir = \"/app\"\nsame_as = \"web\"\n");
        let out = sandbox
            .appenv()
            .current_dir(&app.root)
            .args(["@staging", "run", "show"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        assert!(
            stdout(&out).starts_with("FROM_FILE=image-file DATABASE_URL=from-the-platform WEB_SECRET=only-in-the-web PWD=/app\n"),
            "{}",
            stdout(&out)
        );
    }

    #[test]
    fn hostile_arguments_arrive_byte_exact() {
        if !container::ready() {
            return;
        }
        let c = Container::start(&[TRUSTED], ENTRYPOINT);
        let (app, sandbox) = c.app("");
        // Every argument but the ones that are not UTF-8, which podman would
        // change (its API is JSON): those are refused, and nothing runs.
        let (args, bytes): (Vec<_>, Vec<_>) = hostile_args()
            .into_iter()
            .partition(|a| a.to_str().is_some());
        let out = sandbox
            .appenv()
            .current_dir(&app.root)
            .args(["@staging", "exec", "touch", "/app/RAN"])
            .args(&bytes)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125));
        assert_eq!(
            stderr(&out),
            "appenv: podman would change the argument '\\xff\\xfe': it is not UTF-8, and podman passes arguments as JSON (ssh carries any bytes)\n"
        );
        let out = sandbox
            .appenv()
            .current_dir(&app.root)
            .args(["@staging", "exec", "bin/args"])
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(out.stdout, nul_joined(&args), "{}", stdout(&out));
        let out = sandbox
            .appenv()
            .current_dir(&app.root)
            .args(["@staging", "exec", "ls", "/app", "/root", "/"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("appenv.toml"), "{}", stdout(&out));
        assert!(
            !stdout(&out).contains("PWNED") && !stdout(&out).contains("RAN"),
            "{}",
            stdout(&out)
        );
    }

    #[test]
    fn a_terminal_exactly_when_the_caller_has_one() {
        if !container::ready() {
            return;
        }
        let c = Container::start(&[TRUSTED], ENTRYPOINT);
        let (app, sandbox) = c.app("");
        let dir = tempfile::tempdir().unwrap();
        super::super::terminal_exactly_when_the_caller_has_one(
            dir.path(),
            &app,
            &sandbox,
            "staging",
        );
    }

    #[test]
    fn the_local_process_becomes_podman() {
        if !container::ready() {
            return;
        }
        let c = Container::start(&[TRUSTED], ENTRYPOINT);
        let (app, sandbox) = c.app("");
        super::super::pid_becomes(&app, &sandbox, "staging", "podman");
    }

    #[test]
    fn the_appenv_there_asks_for_its_own_trust() {
        if !container::ready() {
            return;
        }
        // No APPENV_TRUSTED_DIRS: the web is not started through appenv.
        let c = Container::start(&[], "exec sleep 100000");
        let (app, sandbox) = c.app("");
        let run = |args: &[&str]| {
            sandbox
                .appenv()
                .current_dir(&app.root)
                .arg("@staging")
                .args(args)
                .output()
                .unwrap()
        };
        let out = run(&["run", "show"]);
        assert_eq!(out.status.code(), Some(125));
        assert_eq!(
            stderr(&out),
            "appenv: /app is not allowed; run 'appenv allow'\n"
        );
        assert_eq!(stdout(&out), "");
        let out = run(&["allow"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let out = run(&["run", "show"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    }
}
