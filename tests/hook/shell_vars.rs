//! The export fingerprint in real shells: a variable the user makes at the
//! prompt (`x=1`, a `for i` loop, fish's own `cd`) changes nothing of the
//! answer, so the next `appenv export` answers from the fingerprint and
//! leaves the state as it was; a variable the load left to the user's own
//! still counts.

use std::fs;

use appenv::shell::Shell;

use super::harness::HookApp;
use super::interactive::{start, tty_shells};

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn a_new_shell_variable_keeps_the_fingerprint() {
        for shell in tty_shells() {
            let sandbox =
                HookApp::new(&[("apps/app/.env", "A=1\nMINE=app\n"), ("apps/app/sub/", "")]);
            let (rc, new_vars, unset) = match shell {
                Shell::Fish => (
                    "set -g MINE mine",
                    "set x 1; for i in 1 2; end",
                    "set -e MINE",
                ),
                _ => ("MINE=mine", "x=1; for i in 1 2; do :; done", "unset MINE"),
            };
            let term = start(&sandbox, shell, rc);
            let out = |n: usize| sandbox.path(&format!("out-{n}"));
            let save = |n: usize, what: &str| {
                term.run(
                    &format!("printf '%s' \"{what}\" > '{}'", out(n).display()),
                    &format!("S{n}"),
                )
            };
            let read = |n: usize| fs::read_to_string(out(n)).unwrap();
            term.run("cd apps/app", "IN");
            save(0, "$APPENV_STATE");
            term.run(&format!("{new_vars}; cd sub"), "NEW");
            save(1, "$APPENV_STATE");
            term.run(&format!("{unset}; cd .."), "UNSET");
            let screen = save(2, "$A $MINE");
            assert!(read(0).contains(" seen="), "{shell}: {}\n{screen}", read(0));
            assert_eq!(read(1), read(0), "{shell}: resolved again\n{screen}");
            assert_eq!(read(2), "1 app", "{shell}:\n{screen}");
            assert!(
                screen.contains("appenv: left out MINE"),
                "{shell}:\n{screen}"
            );
        }
    }
}
