//! What the hook says about values, in the real shells: a `$` that changes
//! a value is said once per load, never with the value; an app missing a
//! required variable loads nothing and says so once, and loads when the
//! variable appears; an unknown environment name is said with the load.

use super::harness::{HookApp, Snap, Step::*, shells};

#[test]
fn notes_are_said_once_per_load_and_never_hold_a_value() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
            (
                "apps/shop/.env",
                "DB_PASSWORD=Pa$word1\nURL=postgres://$DB_USER2@h\n",
            ),
            ("apps/shop/.env.production", "X=1\n"),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/shop"),
                Prompt,
                Snap,
                Prompt,
                Prompt,
                Snap,
                // A change of the environment alone is seen on entering.
                Cd(""),
                Prompt,
                Set("APPENV_ENV", "prodution"),
                Cd("apps/shop"),
                Prompt,
                Snap,
            ],
        );
        let [loaded, again, typo]: [Snap; 3] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(loaded.get("DB_PASSWORD"), Some("Pa"), "{shell}");
        assert_eq!(loaded.get("URL"), Some("postgres://_USER2@h"), "{shell}");
        let said: Vec<&str> = loaded.said.lines().collect();
        assert_eq!(said.len(), 3, "{shell}: {said:?}");
        assert_eq!(said[0], "appenv: loaded shop (.env)", "{shell}");
        assert!(
            said[1].starts_with("appenv: note: .env:1: DB_PASSWORD: the `$` at character 3 "),
            "{shell}: {said:?}"
        );
        assert!(
            said[2].starts_with("appenv: note: .env:2: URL: the `$` at character 12 "),
            "{shell}: {said:?}"
        );
        assert!(!loaded.said.contains("word1"), "{shell}");
        assert_eq!(again.said, "", "{shell}: said once");
        assert!(
            typo.said.contains(
                "appenv: note: no env file or config of this app knows the environment 'prodution' (from APPENV_ENV); known: production\n"
            ),
            "{shell}: {}",
            typo.said
        );
    }
}

#[test]
fn a_missing_required_variable_loads_nothing_and_is_said_once() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
            (
                "apps/shop/appenv.toml",
                "[env]\nrequired = [\"SECRET_KEY_BASE\", \"DATABASE_URL\"]\n",
            ),
            ("apps/shop/.env", "DATABASE_URL=postgres://h/shop\n"),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/shop"),
                Prompt,
                Snap,
                Prompt,
                Snap,
                Set("SECRET_KEY_BASE", "s3cr3t"),
                Cd(""),
                Prompt,
                Cd("apps/shop"),
                Prompt,
                Snap,
            ],
        );
        let [refused, again, loaded]: [Snap; 3] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(refused.get("DATABASE_URL"), None, "{shell}: nothing loaded");
        assert_eq!(refused.get("APPENV_ROOT"), None, "{shell}");
        assert_eq!(
            refused.said,
            "appenv: shop is not loaded: required variables not set: SECRET_KEY_BASE ([env] required in appenv.toml; an empty value counts as not set)\n",
            "{shell}"
        );
        assert_eq!(again.said, "", "{shell}: said once");
        assert_eq!(
            loaded.get("DATABASE_URL"),
            Some("postgres://h/shop"),
            "{shell}"
        );
        assert_eq!(loaded.said, "appenv: loaded shop (.env)\n", "{shell}");
    }
}
