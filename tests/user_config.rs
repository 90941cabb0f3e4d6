//! End-to-end: the user's config file, `$XDG_CONFIG_HOME/appenv/config.toml`.

use crate::common;

use common::{App, stderr, stdout};

/// `appenv` for `app` with no trusted dirs from the environment.
fn untrusted(app: &App) -> assert_cmd::Command {
    let mut cmd = app.appenv();
    cmd.env_remove("APPENV_TRUSTED_DIRS");
    cmd
}

fn config(app: &App, text: &str) -> std::path::PathBuf {
    let path = app.tmp.path().join("home/config/appenv/config.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn trusted_dirs_in_the_config_trust_and_the_environment_wins() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = untrusted(&app)
        .args(["sh", "-c", "echo $A"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    config(
        &app,
        &format!("trusted_dirs = [{:?}]\n", app.root.display().to_string()),
    );
    let out = untrusted(&app)
        .args(["sh", "-c", "echo $A"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    // The program does not see the config's trust as a variable.
    let out = untrusted(&app).arg("env").output().unwrap();
    assert!(
        !stdout(&out).contains("APPENV_TRUSTED_DIRS"),
        "{}",
        stdout(&out)
    );
    // An APPENV_TRUSTED_DIRS of the caller's, even empty, decides instead.
    let out = untrusted(&app)
        .env("APPENV_TRUSTED_DIRS", "")
        .args(["sh", "-c", "echo $A"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
}

#[test]
fn quiet_in_the_config_silences_and_appenv_quiet_0_wins() {
    let app = App::new(&[(".env", "A=1\n")]);
    let said = |app: &App, quiet: Option<&str>| {
        let mut cmd = untrusted(app);
        if let Some(q) = quiet {
            cmd.env("APPENV_QUIET", q);
        }
        stderr(&cmd.arg("allow").output().unwrap())
    };
    assert!(said(&app, None).contains("allowed"));
    config(&app, "quiet = true\n");
    assert_eq!(said(&app, None), "");
    assert!(said(&app, Some("0")).contains("allowed"));
}

#[test]
fn a_config_that_does_not_parse_is_125_naming_file_and_line() {
    let app = App::new(&[(".env", "A=1\n")]);
    let path = config(&app, "quiet = true\nignore = [\"relative\"]\n");
    for args in [&["true"][..], &["env"], &["allow"]] {
        let out = untrusted(&app).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "appenv: {}:2: ignore: entries must be absolute paths (or start with '~/')\n",
                path.display()
            )
        );
        assert_eq!(stdout(&out), "");
    }
    // The hook line itself still works, so the shell starts.
    untrusted(&app).args(["hook", "bash"]).assert().success();
}
