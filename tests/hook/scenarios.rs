//! The hook in each real shell: load, reload, unload and what they keep.

use super::harness::{HookApp, Snap, Step::*, shells};

fn path_of(sandbox: &HookApp, rel: &str) -> String {
    sandbox.path(rel).display().to_string()
}

#[test]
fn load_reload_and_unload_restore_everything() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
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
            // The fingerprint of the last answer, which an answer adds when
            // the app's files have settled: the state otherwise stays.
            if let Some(state) = env.get_mut(std::ffi::OsStr::new("APPENV_STATE")) {
                let text = state.to_string_lossy().into_owned();
                *state = text.split(" seen=").next().unwrap_or_default().into();
            }
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
        let sandbox = HookApp::new(&[
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
        let sandbox = HookApp::new(&[
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
        let sandbox = HookApp::new(&[
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
        let sandbox = HookApp::new(&[
            ("apps/app/.env", "DB=base\n"),
            ("apps/app/.env.local", "DB=local\nLOCAL_ONLY=1\n"),
            ("apps/app/.env.test", "DB=test\n"),
        ]);
        let out = sandbox.path("exec-env");
        let run = format!("{{appenv}} -e test -- env -0 > '{}'", out.display());
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Run(&run), Snap]);
        assert_eq!(snaps[0].get("DB"), Some("local"), "{shell}");
        let child = super::harness::parse_env(&std::fs::read(&out).unwrap());
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
        let mut sandbox = HookApp::new(&[
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
        let sandbox = HookApp::new(&[("apps/shop/.env", "DB=dev\n"), ("apps/shop/sub/", "")]);
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
        let sandbox = HookApp::new(&[("apps/new/", "")]);
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
        let mut sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
        sandbox.start_env.push(("APPENV_QUIET".into(), "1".into()));
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Cd(""), Prompt, Snap]);
        assert_eq!(snaps[0].said, "", "{shell}");
        assert_eq!(snaps[0].get("DB"), None, "{shell}");
    }
}

#[test]
fn setting_appenv_env_reloads_at_the_next_prompt() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
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

/// A new shell that inherited the app's `bin` on PATH (a new tmux pane
/// copies the client's PATH, not the hook's state) gets it once, and
/// leaving takes it out: the app's isolation entries never stay outside it.
#[test]
fn a_path_that_already_holds_the_entry_gets_it_once() {
    for shell in shells() {
        let mut sandbox = HookApp::new(&[
            ("apps/shop/.env", "DB=dev\n"),
            ("apps/shop/.venv/pyvenv.cfg", ""),
            ("apps/shop/.venv/bin/python", ""),
        ]);
        let bin = format!("{}/.venv/bin", path_of(&sandbox, "apps/shop"));
        let inherited = format!("{bin}:/usr/bin:/bin");
        sandbox.start_env.push(("PATH".into(), inherited.clone()));
        let snaps = sandbox.run(
            shell,
            &[Cd("apps/shop"), Prompt, Snap, Cd(""), Prompt, Snap],
        );
        assert_eq!(snaps[0].get("PATH"), Some(inherited.as_str()), "{shell}");
        assert_eq!(snaps[0].get("DB"), Some("dev"), "{shell}");
        assert_eq!(snaps[1].get("PATH"), Some("/usr/bin:/bin"), "{shell}");
    }
}

/// Deleting the whole trust store revokes every app at the next prompt,
/// without a `cd`.
#[test]
fn deleting_the_trust_store_unloads_at_the_next_prompt() {
    for shell in shells() {
        let mut sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
        sandbox.trusted = false;
        let store = sandbox.path("home/data/appenv");
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/app"),
                Run("{appenv} -q allow"),
                Prompt,
                Snap,
                Run(&format!("command rm -rf '{}'", store.display())),
                Prompt,
                Snap,
            ],
        );
        assert_eq!(
            snaps[0].get("DB"),
            Some("dev"),
            "{shell}: {}",
            snaps[0].said
        );
        assert_eq!(snaps[1].get("DB"), None, "{shell}");
        assert!(
            snaps[1].said.starts_with("appenv: unloaded app\n"),
            "{shell}: {}",
            snaps[1].said
        );
    }
}

/// A value whose state would be over the kernel's limit for one
/// environment string is not loaded, with a message, and the shell can
/// still start programs (each Snap runs `env`).
#[test]
fn a_load_too_large_for_the_environment_is_refused() {
    let big = "%".repeat(44_000);
    let env = format!("DB=dev\nBIG={big}\n");
    for shell in shells() {
        let sandbox = HookApp::new(&[("apps/app/.env", env.as_str())]);
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Snap, Cd(""), Prompt, Snap]);
        assert_eq!(snaps[0].get("BIG"), None, "{shell}");
        assert_eq!(snaps[0].get("DB"), None, "{shell}");
        assert!(
            snaps[0]
                .said
                .contains("app is not loaded: APPENV_STATE would be 132"),
            "{shell}: {}",
            snaps[0].said
        );
        // Outside, the state only remembers that the refusal was said.
        let state = snaps[1].get("APPENV_STATE").unwrap_or_default();
        assert!(
            state.is_empty() || (state.starts_with("appenv2 told=") && state.len() < 64),
            "{shell}: {state}"
        );
    }
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    /// direnv's hook in the same rc, before or after appenv's: leaving an app
    /// where both loaded restores PATH exactly, however often it is visited.
    #[test]
    fn with_direnv_hooked_too_leaving_restores_path_exactly() {
        if !super::super::harness::have("direnv") {
            return;
        }
        for shell in shells() {
            for direnv_first in [true, false] {
                let mut sandbox = HookApp::new(&[
                    (
                        "apps/shop/.envrc",
                        "PATH_add direnvbin\nexport FROM_DIRENV=1\n",
                    ),
                    ("apps/shop/direnvbin/", ""),
                    ("apps/shop/.env", "DB=dev\n"),
                    ("apps/shop/.venv/pyvenv.cfg", ""),
                    ("apps/shop/.venv/bin/python", ""),
                ]);
                let allowed = sandbox
                    .command("direnv")
                    .arg("allow")
                    .arg(sandbox.path("apps/shop"))
                    .output()
                    .unwrap();
                assert!(allowed.status.success(), "{allowed:?}");
                let hook = match shell {
                    appenv::shell::Shell::Fish => "direnv hook fish | source".to_owned(),
                    _ => format!("eval \"$(direnv hook {shell})\""),
                };
                let steps_before = if direnv_first {
                    vec![]
                } else {
                    vec![Run(hook.as_str())]
                };
                if direnv_first {
                    sandbox.rc = hook.clone();
                }
                let mut steps = steps_before;
                steps.extend([Prompt]);
                for _ in 0..3 {
                    steps.extend([
                        Cd("apps/shop"),
                        Prompt,
                        Prompt,
                        Snap,
                        Cd(""),
                        Prompt,
                        Prompt,
                        Snap,
                    ]);
                }
                let snaps = sandbox.run(shell, &steps);
                let shop = path_of(&sandbox, "apps/shop");
                for (i, pair) in snaps.chunks(2).enumerate() {
                    let what = format!(
                        "{shell}, direnv first: {direnv_first}, visit {i}: {}{}",
                        pair[0].said, pair[1].said
                    );
                    let inside = pair[0].get("PATH").unwrap();
                    assert!(
                        inside.contains(&format!("{shop}/.venv/bin")),
                        "{what}: {inside}"
                    );
                    assert!(
                        inside.contains(&format!("{shop}/direnvbin")),
                        "{what}: {inside}"
                    );
                    assert_eq!(pair[0].get("FROM_DIRENV"), Some("1"), "{what}");
                    assert_eq!(
                        pair[1].get("PATH"),
                        Some("/usr/bin:/bin"),
                        "{what}: {}",
                        pair[1].said
                    );
                    assert_eq!(pair[1].get("FROM_DIRENV"), None, "{what}");
                    assert_eq!(pair[1].get("DB"), None, "{what}");
                }
            }
        }
    }

    /// mise's hook in the same rc, before or after appenv's: each visit loads
    /// both, and leaving gives back PATH exactly as it was before the first.
    #[test]
    fn with_mise_hooked_too_leaving_restores_path_exactly() {
        if !super::super::harness::have("mise") {
            return;
        }
        let mise = crate::common::which("mise").unwrap();
        for shell in shells() {
            for mise_first in [true, false] {
                let mut sandbox = HookApp::new(&[
                    (
                        "apps/shop/mise.toml",
                        "[env]\n_.path = [\"{{config_root}}/misebin\"]\nFROM_MISE = \"1\"\n",
                    ),
                    ("apps/shop/misebin/", ""),
                    ("apps/shop/.env", "DB=dev\n"),
                    ("apps/shop/.venv/pyvenv.cfg", ""),
                    ("apps/shop/.venv/bin/python", ""),
                    ("bin/", ""),
                ]);
                std::os::unix::fs::symlink(&mise, sandbox.path("bin/mise")).unwrap();
                let home = sandbox.path("home");
                let bin = sandbox.path("bin").display().to_string();
                sandbox.start_env.extend([
                    ("PATH".into(), format!("{bin}:/usr/bin:/bin")),
                    (
                        "XDG_CONFIG_HOME".into(),
                        home.join("config").display().to_string(),
                    ),
                    (
                        "XDG_STATE_HOME".into(),
                        home.join("state").display().to_string(),
                    ),
                    (
                        "MISE_TRUSTED_CONFIG_PATHS".into(),
                        path_of(&sandbox, "apps"),
                    ),
                ]);
                let hook = format!("eval \"$(mise activate {shell})\"");
                let hook = match shell {
                    appenv::shell::Shell::Fish => "mise activate fish | source".to_owned(),
                    _ => hook,
                };
                let mut steps = vec![];
                if mise_first {
                    sandbox.rc = hook.clone();
                } else {
                    steps.push(Run(hook.as_str()));
                }
                steps.extend([Prompt, Prompt, Snap]);
                for _ in 0..3 {
                    steps.extend([
                        Cd("apps/shop"),
                        Prompt,
                        Prompt,
                        Snap,
                        Cd(""),
                        Prompt,
                        Prompt,
                        Snap,
                    ]);
                }
                let snaps = sandbox.run(shell, &steps);
                let before = snaps[0].get("PATH").unwrap().to_owned();
                let shop = path_of(&sandbox, "apps/shop");
                for (i, pair) in snaps[1..].chunks(2).enumerate() {
                    let what = format!(
                        "{shell}, mise first: {mise_first}, visit {i}: {}{}",
                        pair[0].said, pair[1].said
                    );
                    let inside = pair[0].get("PATH").unwrap();
                    assert!(
                        inside.contains(&format!("{shop}/.venv/bin")),
                        "{what}: {inside}"
                    );
                    assert!(
                        inside.contains(&format!("{shop}/misebin")),
                        "{what}: {inside}"
                    );
                    assert_eq!(pair[0].get("FROM_MISE"), Some("1"), "{what}");
                    assert_eq!(pair[1].get("PATH"), Some(before.as_str()), "{what}");
                    assert_eq!(pair[1].get("DB"), None, "{what}");
                }
            }
        }
    }
}
