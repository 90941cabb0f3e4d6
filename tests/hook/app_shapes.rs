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
