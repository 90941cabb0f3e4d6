//! The hook in each real shell: load, reload, unload and what they keep.

use crate::harness::{Sandbox, Snap, Step::*, shells};

fn path_of(sandbox: &Sandbox, rel: &str) -> String {
    sandbox.path(rel).display().to_string()
}

#[test]
fn load_reload_and_unload_restore_everything() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/shop/appenv.toml", ""),
            ("apps/shop/.env", "DB=dev\nKEEP=file\nBAD.NAME=1\n"),
            ("apps/shop/.venv/pyvenv.cfg", ""),
            ("apps/shop/.venv/bin/python", ""),
            ("apps/shop/sub/", ""),
        ]);
        let shop = path_of(&sandbox, "apps/shop");
        let snaps = sandbox.run(
            shell,
            &[
                Set("VIRTUAL_ENV", ""),
                Set("PYTHONHOME", "/py"),
                Set("KEEP", "mine"),
                Cd("apps/shop"),
                Prompt,
                Snap,
                // Unchanged prompts, and a move inside the app.
                Prompt,
                Prompt,
                Cd("apps/shop/sub"),
                Prompt,
                Cd("apps/shop"),
                Prompt,
                Snap,
                // Edited right after a call: the same clock tick, or close.
                Prompt,
                Write("apps/shop/.env", "DB=edited\nKEEP=file\n"),
                Prompt,
                Snap,
                Write("apps/shop/.env.local", "LOCAL=1\n"),
                Prompt,
                Snap,
                Remove("apps/shop/.env.local"),
                Remove("apps/shop/.env"),
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let [loaded, same, edited, new_file, deleted, left]: [Snap; 6] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));

        assert_eq!(loaded.get("DB"), Some("dev"), "{shell}");
        assert_eq!(loaded.get("KEEP"), Some("mine"), "{shell}: inherited wins");
        assert_eq!(loaded.get("APPENV_ROOT"), Some(shop.as_str()), "{shell}");
        assert_eq!(
            loaded.get("VIRTUAL_ENV"),
            Some(format!("{shop}/.venv").as_str()),
            "{shell}"
        );
        assert_eq!(
            loaded.get("PATH"),
            Some(format!("{shop}/.venv/bin:/usr/bin:/bin").as_str()),
            "{shell}"
        );
        assert_eq!(loaded.get("PYTHONHOME"), None, "{shell}");
        assert!(loaded.get("APPENV_STATE").is_some(), "{shell}");
        assert_eq!(
            loaded.said,
            format!(
                "appenv: loaded shop (.env)\nappenv: left out BAD.NAME: {shell} cannot set these variables\n"
            ),
            "{shell}"
        );
        assert_eq!(loaded.calls, 1, "{shell}");

        // Unchanged prompts start nothing; moving inside the app asks once
        // per directory and says nothing.
        let without_oldpwd = |snap: &Snap| {
            let mut env = snap.env.clone();
            env.remove(std::ffi::OsStr::new("OLDPWD"));
            env
        };
        assert_eq!(without_oldpwd(&same), without_oldpwd(&loaded), "{shell}");
        assert_eq!(same.said, "", "{shell}");
        assert_eq!(same.calls, 3, "{shell}");

        assert_eq!(edited.get("DB"), Some("edited"), "{shell}");
        assert_eq!(edited.said, "appenv: reloaded shop (.env)\n", "{shell}");

        assert_eq!(new_file.get("LOCAL"), Some("1"), "{shell}");
        assert_eq!(
            new_file.said, "appenv: reloaded shop (.env, .env.local)\n",
            "{shell}"
        );

        // Deleted files take their variables with them; the isolation stays.
        assert_eq!(deleted.get("LOCAL"), None, "{shell}");
        assert_eq!(deleted.get("DB"), None, "{shell}");
        assert_eq!(deleted.get("VIRTUAL_ENV"), loaded.get("VIRTUAL_ENV"));
        assert_eq!(deleted.said, "appenv: reloaded shop\n", "{shell}");

        assert_eq!(left.said, "appenv: unloaded shop\n", "{shell}");
        assert_eq!(left.get("VIRTUAL_ENV"), Some(""), "{shell}: empty again");
        assert_eq!(left.get("PYTHONHOME"), Some("/py"), "{shell}");
        assert_eq!(left.get("PATH"), Some("/usr/bin:/bin"), "{shell}");
        assert_eq!(left.get("KEEP"), Some("mine"), "{shell}");
        for gone in ["DB", "APPENV_ROOT", "APPENV_STATE"] {
            assert_eq!(left.get(gone), None, "{shell}: {gone}");
        }
    }
}

#[test]
fn user_edits_survive_unload_and_path_loses_only_appenv_entries() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/app/appenv.toml", "[env]\npath = [\"bin\"]\n"),
            ("apps/app/.env", "DB=dev\n"),
            ("apps/app/sub/", ""),
        ]);
        let app = path_of(&sandbox, "apps/app");
        let edited_path = format!("/mine:{app}/bin:/usr/bin:/bin:/late");
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/app"),
                Prompt,
                Set("PATH", &edited_path),
                Set("DB", "mine"),
                Prompt,
                Cd("apps/app/sub"),
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let [inside, left]: [Snap; 2] = snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(inside.get("PATH"), Some(edited_path.as_str()), "{shell}");
        assert_eq!(inside.get("DB"), Some("mine"), "{shell}");
        assert_eq!(inside.said, "appenv: loaded app (.env)\n", "{shell}");
        assert_eq!(
            left.get("PATH"),
            Some("/mine:/usr/bin:/bin:/late"),
            "{shell}"
        );
        assert_eq!(left.get("DB"), Some("mine"), "{shell}");
        assert_eq!(left.said, "appenv: unloaded app\n", "{shell}");
    }
}

#[test]
fn app_to_app_unloads_the_first_then_loads_the_second() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/shop/.env", "DB=shop\nONLY_SHOP=1\n"),
            ("apps/blog/.env", "DB=blog\n"),
        ]);
        let snaps = sandbox.run(
            shell,
            &[Cd("apps/shop"), Prompt, Cd("apps/blog"), Prompt, Snap],
        );
        let blog = &snaps[0];
        assert_eq!(blog.get("DB"), Some("blog"), "{shell}");
        assert_eq!(blog.get("ONLY_SHOP"), None, "{shell}");
        assert_eq!(
            blog.get("APPENV_ROOT"),
            Some(path_of(&sandbox, "apps/blog").as_str())
        );
        assert_eq!(
            blog.said,
            "appenv: loaded shop (.env)\nappenv: unloaded shop\nappenv: loaded blog (.env)\n",
            "{shell}"
        );
    }
}

#[test]
fn override_restores_empty_changed_and_unset_values() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/app/appenv.toml", "[env]\noverride = true\n"),
            (
                "apps/app/.env",
                "EMPTY=x\nCHANGED=file\nEDITED=file\nDROPPED=file\nNEW=1\n",
            ),
            ("apps/app/sub/", ""),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Set("EMPTY", ""),
                Set("CHANGED", "orig"),
                Set("EDITED", "orig"),
                Set("DROPPED", "orig"),
                Cd("apps/app"),
                Prompt,
                Snap,
                Set("EDITED", "mine"),
                Unset("DROPPED"),
                // A reload keeps the user's value.
                Cd("apps/app/sub"),
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let [loaded, reloaded, left]: [Snap; 3] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(loaded.get("EMPTY"), Some("x"), "{shell}");
        assert_eq!(loaded.get("CHANGED"), Some("file"), "{shell}");
        assert_eq!(loaded.get("EDITED"), Some("file"), "{shell}");
        assert_eq!(loaded.get("NEW"), Some("1"), "{shell}");
        assert_eq!(reloaded.get("EDITED"), Some("mine"), "{shell}");
        assert_eq!(reloaded.said, "", "{shell}");
        assert_eq!(left.get("EMPTY"), Some(""), "{shell}");
        assert_eq!(left.get("CHANGED"), Some("orig"), "{shell}");
        assert_eq!(left.get("EDITED"), Some("mine"), "{shell}");
        assert_eq!(left.get("DROPPED"), None, "{shell}: the user unset it");
        assert_eq!(left.get("NEW"), None, "{shell}");
    }
}

#[test]
fn exec_from_a_loaded_shell_resolves_from_the_unloaded_env() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/app/.env", "DB=base\n"),
            ("apps/app/.env.local", "DB=local\nLOCAL_ONLY=1\n"),
            ("apps/app/.env.test", "DB=test\n"),
        ]);
        let out = sandbox.path("exec-env");
        let run = format!("{{appenv}} -e test -- env -0 > '{}'", out.display());
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Run(&run), Snap]);
        assert_eq!(snaps[0].get("DB"), Some("local"), "{shell}");
        let child = crate::harness::parse_env(&std::fs::read(&out).unwrap());
        let get = |name: &str| child.get(std::ffi::OsStr::new(name)).cloned();
        assert_eq!(get("DB"), Some("test".into()), "{shell}");
        assert_eq!(get("LOCAL_ONLY"), None, "{shell}");
        assert_eq!(get("APPENV_ENV"), Some("test".into()), "{shell}");
        assert_eq!(get("APPENV_STATE"), None, "{shell}");
    }
}

#[test]
fn untrusted_says_so_once_allow_loads_and_a_change_unloads() {
    for shell in shells() {
        let mut sandbox = Sandbox::new(&[
            ("apps/app/.env", "DB=dev\n"),
            ("apps/app/sub/", ""),
            ("apps/rust/Cargo.toml", ""),
        ]);
        sandbox.trusted = false;
        let app = path_of(&sandbox, "apps/app");
        let snaps = sandbox.run(
            shell,
            &[
                // A root that would change nothing says nothing.
                Cd("apps/rust"),
                Prompt,
                Snap,
                Cd("apps/app"),
                Prompt,
                Prompt,
                Cd("apps/app/sub"),
                Prompt,
                Snap,
                Run("{appenv} allow"),
                Prompt,
                Snap,
                Write("apps/app/.env", "DB=changed\n"),
                Prompt,
                Prompt,
                Snap,
                Run("{appenv} -q deny"),
                Run("{appenv} allow"),
                Prompt,
                Snap,
                Run("{appenv} deny"),
                Prompt,
                Snap,
            ],
        );
        let [rust, refused, allowed, changed, again, denied]: [Snap; 6] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(rust.said, "", "{shell}");
        assert_eq!(rust.get("APPENV_STATE"), None, "{shell}");
        assert_eq!(rust.get("APPENV_ROOT"), None, "{shell}");

        assert_eq!(
            refused.said,
            format!("appenv: {app} is not allowed; run 'appenv allow'\n"),
            "{shell}"
        );
        assert_eq!(refused.get("DB"), None, "{shell}");

        assert!(
            allowed.said.ends_with("appenv: loaded app (.env)\n"),
            "{shell}: {}",
            allowed.said
        );
        assert_eq!(allowed.get("DB"), Some("dev"), "{shell}");

        assert_eq!(
            changed.said,
            format!(
                "appenv: unloaded app\nappenv: {app} changed since it was allowed (.env: ~DB); review it and run 'appenv allow'\n"
            ),
            "{shell}"
        );
        assert_eq!(changed.get("DB"), None, "{shell}");

        assert!(
            again.said.ends_with("appenv: loaded app (.env)\n"),
            "{shell}"
        );
        assert_eq!(again.get("DB"), Some("changed"), "{shell}");
        assert!(denied.said.contains("appenv: unloaded app\n"), "{shell}");
        assert_eq!(denied.get("DB"), None, "{shell}");
    }
}

#[test]
fn a_symlinked_path_into_the_same_app_is_not_a_change() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[("apps/shop/.env", "DB=dev\n"), ("apps/shop/sub/", "")]);
        std::os::unix::fs::symlink(sandbox.path("apps/shop"), sandbox.path("apps/link")).unwrap();
        let shop = path_of(&sandbox, "apps/shop");
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/shop"),
                Prompt,
                Snap,
                Cd("apps/link"),
                Prompt,
                Cd("apps/link/sub"),
                Prompt,
                Snap,
            ],
        );
        assert_eq!(snaps[1].said, "", "{shell}");
        assert_eq!(snaps[1].env.len(), snaps[0].env.len(), "{shell}");
        assert_eq!(snaps[1].get("APPENV_ROOT"), Some(shop.as_str()), "{shell}");
        assert_eq!(snaps[1].get("DB"), Some("dev"), "{shell}");
    }
}

#[test]
fn a_new_env_file_is_seen_where_nothing_was_loaded() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[("apps/new/", "")]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/new"),
                Prompt,
                Write("apps/new/.env", "DB=new\n"),
                Prompt,
                Snap,
                Remove("apps/new/.env"),
                Prompt,
                Snap,
            ],
        );
        assert_eq!(snaps[0].get("DB"), Some("new"), "{shell}");
        assert_eq!(snaps[0].said, "appenv: loaded new (.env)\n", "{shell}");
        assert_eq!(snaps[1].get("DB"), None, "{shell}");
        assert_eq!(snaps[1].said, "appenv: unloaded new\n", "{shell}");
    }
}

#[test]
fn quiet_says_nothing() {
    for shell in shells() {
        let mut sandbox = Sandbox::new(&[("apps/app/.env", "DB=dev\n")]);
        sandbox.start_env.push(("APPENV_QUIET".into(), "1".into()));
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Cd(""), Prompt, Snap]);
        assert_eq!(snaps[0].said, "", "{shell}");
        assert_eq!(snaps[0].get("DB"), None, "{shell}");
    }
}

#[test]
fn setting_appenv_env_reloads_at_the_next_prompt() {
    for shell in shells() {
        let sandbox = Sandbox::new(&[
            ("apps/app/.env", "DB=dev\n"),
            ("apps/app/.env.test", "DB=test\n"),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/app"),
                Prompt,
                Set("APPENV_ENV", "test"),
                Prompt,
                Snap,
                Unset("APPENV_ENV"),
                Prompt,
                Snap,
            ],
        );
        assert_eq!(snaps[0].get("DB"), Some("test"), "{shell}");
        assert_eq!(
            snaps[0].said, "appenv: loaded app (.env)\nappenv: reloaded app (.env, .env.test)\n",
            "{shell}"
        );
        assert_eq!(snaps[1].get("DB"), Some("dev"), "{shell}");
        assert_eq!(snaps[1].get("APPENV_ENV"), None, "{shell}");
    }
}
