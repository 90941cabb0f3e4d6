//! The hook with the app shapes whose isolation is more than PATH: a Perl
//! app's PERL5LIB is loaded and taken back out like VIRTUAL_ENV.

use super::harness::{HookApp, Snap, Step::*, shells};

#[test]
fn perl5lib_is_loaded_and_restored_on_the_way_out() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
            ("apps/pl/cpanfile", ""),
            ("apps/pl/cpanfile.snapshot", ""),
            ("apps/pl/local/lib/perl5/", ""),
            ("apps/pl/local/bin/", ""),
        ]);
        let pl = sandbox.path("apps/pl").display().to_string();
        let snaps = sandbox.run(
            shell,
            &[
                Set("PERL5LIB", "/mine"),
                Cd("apps/pl"),
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let [loaded, left]: [Snap; 2] = snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(
            loaded.get("PERL5LIB"),
            Some(format!("{pl}/local/lib/perl5:/mine").as_str()),
            "{shell}"
        );
        assert_eq!(
            loaded.get("PATH"),
            Some(format!("{pl}/local/bin:/usr/bin:/bin").as_str()),
            "{shell}"
        );
        assert_eq!(left.get("PERL5LIB"), Some("/mine"), "{shell}");
        assert_eq!(left.get("PATH"), Some("/usr/bin:/bin"), "{shell}");
    }
}

#[test]
fn a_workspace_member_loads_the_shared_env_and_sees_it_change() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
            ("apps/.env", "STRAY=1\n"),
            (
                "apps/mono/package.json",
                r#"{"workspaces": ["services/*"]}"#,
            ),
            ("apps/mono/.env", "SHARED=top\nDB=shared\n"),
            ("apps/mono/services/api/package.json", "{}"),
            ("apps/mono/services/api/.env", "DB=api\n"),
            ("apps/mono/services/api/src/", ""),
        ]);
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/mono/services/api/src"),
                Prompt,
                Snap,
                Prompt,
                Write("apps/mono/.env", "SHARED=edited\nDB=shared\n"),
                Prompt,
                Snap,
                Write(
                    "apps/mono/package.json",
                    r#"{"workspaces": ["elsewhere/*"]}"#,
                ),
                Prompt,
                Snap,
            ],
        );
        let [loaded, edited, undeclared]: [Snap; 3] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        assert_eq!(loaded.get("SHARED"), Some("top"), "{shell}");
        assert_eq!(loaded.get("DB"), Some("api"), "{shell}");
        assert_eq!(loaded.get("STRAY"), None, "{shell}");
        assert_eq!(loaded.calls, 1, "{shell}");
        assert_eq!(edited.get("SHARED"), Some("edited"), "{shell}");
        assert_eq!(edited.calls, 2, "{shell}: the shared file is watched");
        // No longer a member: its own `.env` still makes it a root, but
        // nothing of the top's joins it.
        assert_eq!(undeclared.get("DB"), Some("api"), "{shell}");
        assert_eq!(undeclared.get("SHARED"), None, "{shell}");
        assert_eq!(undeclared.calls, 3, "{shell}: the declaration is watched");
    }
}

/// An app with a `.envrc`: the hook loads its declarative lines,
/// reloads when it changes, says once which line it cannot follow when one
/// appears (loading nothing of it), and leaving restores everything.
#[test]
fn an_envrc_app_loads_reloads_and_unloads() {
    for shell in shells() {
        let sandbox = HookApp::new(&[
            ("apps/rc/.envrc", "export FROM_RC='a b'\nPATH_add rcbin\n"),
            ("apps/rc/.env", "DB=1\n"),
            ("apps/rc/rcbin/", ""),
        ]);
        let bin = format!("{}/rcbin", sandbox.path("apps/rc").display());
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/rc"),
                Prompt,
                Snap,
                Write("apps/rc/.envrc", "export FROM_RC=two\nPATH_add rcbin\n"),
                Prompt,
                Snap,
                Write("apps/rc/.envrc", "export FROM_RC=two\nuse nix\n"),
                Prompt,
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let what = |s: &Snap| format!("{shell}: {}", s.said);
        assert_eq!(snaps[0].get("FROM_RC"), Some("a b"), "{}", what(&snaps[0]));
        assert!(
            snaps[0]
                .get("PATH")
                .unwrap()
                .starts_with(&format!("{bin}:"))
        );
        assert_eq!(snaps[1].get("FROM_RC"), Some("two"), "{}", what(&snaps[1]));
        assert_eq!(snaps[2].get("FROM_RC"), None, "{}", what(&snaps[2]));
        assert_eq!(snaps[2].get("DB"), Some("1"), "{}", what(&snaps[2]));
        assert_eq!(
            snaps[2]
                .said
                .matches(".envrc:2: appenv cannot follow")
                .count(),
            1,
            "{}",
            what(&snaps[2])
        );
        assert_eq!(
            snaps[3].get("PATH"),
            Some("/usr/bin:/bin"),
            "{}",
            what(&snaps[3])
        );
        assert_eq!(snaps[3].get("FROM_RC"), None);
    }
}
