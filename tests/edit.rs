//! End-to-end: `appenv edit` opens the app's file in the user's editor,
//! then allows what was saved. The editor is a real one: `sed -i`, given
//! as a command line in EDITOR, which appenv splits as git does.

use crate::common;

use common::{App, stderr, stdout};

fn untrusted(app: &App) -> assert_cmd::Command {
    let mut cmd = app.appenv();
    cmd.env_remove("APPENV_TRUSTED_DIRS");
    cmd.env_remove("VISUAL");
    cmd
}

/// What `$A` is in the app, or the refusal.
fn value(app: &App) -> Result<String, String> {
    let out = untrusted(app)
        .args(["sh", "-c", "echo \"$A\""])
        .output()
        .unwrap();
    match out.status.code() {
        Some(0) => Ok(stdout(&out)),
        _ => Err(stderr(&out)),
    }
}

#[test]
fn edit_allows_what_was_saved_and_an_edit_in_place_still_asks() {
    // A root whose path holds a space: the file is one word for the editor.
    let app = App::new(&[("my app/.env", "A=1\n")]);
    let root = app.root.join("my app");
    let mut cmd = untrusted(&app);
    cmd.current_dir(&root)
        .env("EDITOR", "sed -i s/A=1/A=2/")
        .arg("edit");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!("appenv: allowed {}\n", root.display())
    );
    assert_eq!(std::fs::read_to_string(root.join(".env")).unwrap(), "A=2\n");
    let out = untrusted(&app)
        .current_dir(&root)
        .args(["sh", "-c", "echo \"$A\""])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "2\n", "{}", stderr(&out));
    // Edited in place, without appenv edit: not allowed.
    std::fs::write(root.join(".env"), "A=3\n").unwrap();
    let out = untrusted(&app)
        .current_dir(&root)
        .arg("true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("changed since it was allowed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn visual_wins_and_a_new_env_file_can_be_written() {
    let app = App::new(&[(".env", "A=1\n")]);
    untrusted(&app).arg("allow").assert().success();
    untrusted(&app)
        .env("VISUAL", "sh -c 'echo A=local > \"$1\"' sh")
        .env("EDITOR", "false")
        .args(["edit", ".env.local"])
        .assert()
        .success();
    assert_eq!(value(&app), Ok("local\n".into()));
}

#[test]
fn a_file_that_does_not_parse_after_editing_is_not_allowed() {
    let app = App::new(&[(".env", "A=1\n")]);
    untrusted(&app).arg("allow").assert().success();
    let out = untrusted(&app)
        .env("EDITOR", "sed -i s/A=1/A=\\\"open/")
        .arg("edit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "appenv: .env:1: unterminated double quote; not allowed: fix it, then run 'appenv allow' again\n"
    );
    assert!(value(&app).is_err());
    // Fixed in the editor: allowed.
    untrusted(&app)
        .env("EDITOR", "sed -i s/\\\"open/closed/")
        .arg("edit")
        .assert()
        .success();
    assert_eq!(value(&app), Ok("closed\n".into()));
}

#[test]
fn edit_refuses_a_file_the_app_does_not_read_and_a_failed_editor() {
    let app = App::new(&[(".env", "A=1\n"), ("README", "x\n")]);
    for file in ["README", "../outside.env", "/etc/passwd"] {
        let out = untrusted(&app)
            .env("EDITOR", "sed -i s/x/y/")
            .args(["edit", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert!(
            stderr(&out).contains("is not a file the app at"),
            "{file}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(app.root.join("README")).unwrap(),
        "x\n"
    );
    let out = untrusted(&app)
        .env("EDITOR", "false")
        .arg("edit")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "appenv: the editor (false) exited with status 1; nothing allowed\n"
    );
    assert!(value(&app).is_err(), "nothing was allowed");
}
