//! What appenv prints about what it was given carries no raw control
//! character, clap's usage errors included, and starts with `appenv: `.

use super::harness::HookApp;

fn run(sandbox: &HookApp, args: &[&str]) -> (i32, String) {
    let out = sandbox.appenv().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn errors_are_sanitised_and_start_with_appenv() {
    let sandbox = HookApp::new(&[]);
    for (args, says) in [
        (
            &["--bogus\x1b[2J"][..],
            "unexpected argument '--bogus\\u{1b}[2J'",
        ),
        (
            &["export", "ba\x1b[2Jsh"][..],
            "invalid value 'ba\\u{1b}[2Jsh'",
        ),
        (
            &["shim", "install", "py\x1b[2J"][..],
            "'py\\u{1b}[2J' holds a character that is not printable",
        ),
        (
            &["hook", "\u{202e}hsab"][..],
            "invalid value '\\u{202e}hsab'",
        ),
    ] {
        let (status, stderr) = run(&sandbox, args);
        assert_ne!(status, 0, "{args:?}");
        assert!(stderr.starts_with("appenv: "), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stderr
                .chars()
                .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
            "{args:?}: {stderr:?}"
        );
    }
    // The shim was not installed.
    let installed = walk(&sandbox.path(""));
    assert!(
        !installed.iter().any(|p| p.contains('\x1b')),
        "{installed:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        found.push(path.display().to_string());
        if path.is_dir() && !path.is_symlink() {
            found.extend(walk(&path));
        }
    }
    found
}
