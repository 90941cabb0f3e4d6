//! Tools that keep or put back a file's modification time (`touch -d`,
//! `cp -p`, `mv`, `touch -r` on the directory) cannot hide a change from
//! the hook's no-process check: the prompt after shows the new value, in
//! an interactive bash, zsh and fish in a terminal. And unsetting
//! APPENV_TRUSTED_DIRS, which trusted the app, takes its load out.

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
    fn a_change_whose_time_is_put_back_is_seen_at_the_next_prompt() {
        for shell in tty_shells() {
            let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
            let term = start(&sandbox, shell, "");
            let out = |n: usize| sandbox.path(&format!("out-{n}"));
            let show = |n: usize| {
                let db = match shell {
                    Shell::Fish => "(set -q DB; and echo $DB; or echo unset)",
                    _ => "\"${DB-unset}\"",
                };
                term.run(
                    &format!("printf '%s\\n' {db} > '{}'", out(n).display()),
                    &format!("S{n}"),
                )
            };
            let untrust = match shell {
                Shell::Fish => "set -e APPENV_TRUSTED_DIRS",
                _ => "unset APPENV_TRUSTED_DIRS",
            };
            let attacks = [
                // The same size, the time set back.
                "printf 'DB=abc\\n' > .env && touch -d @1000000000 .env",
                // The same size, the very time it had put back.
                "touch -r .env ../../saved && printf 'DB=new\\n' > .env && touch -r ../../saved .env",
                // An older file copied over with its times: the same size and
                // the very time the last one had.
                "printf 'DB=cpy\\n' > ../../old && touch -d @1000000000 ../../old && \
                 cp -p ../../old .env",
                // An older file moved in, the directory's time put back.
                "printf 'DB=mvd\\n' > ../../old && touch -d @1000000001 ../../old && \
                 touch -r . ../../dirtime && mv ../../old .env && touch -r ../../dirtime .",
                // A new .env.local, the directory's time put back.
                "touch -r . ../../dirtime && printf 'DB=loc\\n' > .env.local && \
                 touch -r ../../dirtime .",
                // What trusted the app, gone.
                untrust,
            ];
            term.run("cd apps/app", "IN");
            show(0);
            for (n, attack) in attacks.iter().enumerate() {
                term.run(attack, &format!("A{n}"));
                show(n + 1);
            }
            let screen = term.screen();
            let seen: Vec<String> = (0..=attacks.len())
                .map(|n| fs::read_to_string(out(n)).unwrap().trim_end().to_owned())
                .collect();
            assert_eq!(
                seen,
                ["dev", "abc", "new", "cpy", "mvd", "loc", "unset"],
                "{shell}:\n{screen}"
            );
        }
    }
}
