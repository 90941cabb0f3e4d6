//! End-to-end: from a working directory to an execve of the program.

use crate::common;

use std::os::unix::ffi::OsStrExt;
use std::process::Stdio;

use common::{App, stderr, stdout};

#[test]
fn program_replaces_appenv_same_pid() {
    let app = App::new(&[(".env", "A=1\n")]);
    let mut cmd = app.std_command();
    let child = cmd
        .args(["sh", "-c", "echo $$"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        pid.to_string(),
        "the program must have appenv's pid"
    );
}

#[test]
fn exit_status_is_the_programs() {
    let app = App::new(&[(".env", "")]);
    app.appenv().args(["sh", "-c", "exit 7"]).assert().code(7);
    app.appenv()
        .args(["--", "sh", "-c", "exit 3"])
        .assert()
        .code(3);
    app.appenv()
        .args(["exec", "sh", "-c", "exit 4"])
        .assert()
        .code(4);
}

#[test]
fn a_command_named_like_a_subcommand_runs_after_double_dash() {
    let app = App::new(&[(".env", "")]);
    app.script("bin/env", "echo fake env \"$@\"");
    app.appenv()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", app.root.join("bin").display()),
        )
        .args(["--", "env", "x"])
        .assert()
        .success()
        .stdout("fake env x\n");
}

#[test]
fn env_statuses() {
    let app = App::new(&[(".env", "")]);
    let out = app.appenv().arg("no-such-program-here").output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(stderr(&out).starts_with("appenv: no-such-program-here: command not found"));

    app.write("plain", "echo hi\n");
    let out = app.appenv().arg("./plain").output().unwrap();
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("appenv: ./plain: cannot execute"));
}

#[test]
fn no_root_is_125_and_runs_nothing() {
    let app = App::new(&[]);
    let marker = app.tmp.path().join("ran");
    let out = app
        .appenv_in(&app.root)
        .args(["sh", "-c", &format!("touch {}", marker.display())])
        .output()
        .unwrap();
    // The temp dir may sit below a project marker on some machines; only a
    // real "no root" counts here.
    if out.status.code() == Some(125) {
        assert!(
            stderr(&out).contains("no app root found above"),
            "{}",
            stderr(&out)
        );
        assert!(!marker.exists());
    }
}

#[test]
fn broken_env_file_names_file_and_line_and_runs_nothing() {
    let app = App::new(&[(".env", "A=1\nB=\"unterminated\nC=3\n")]);
    let marker = app.tmp.path().join("ran");
    let out = app
        .appenv()
        .args(["touch", marker.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(stderr(&out), "appenv: .env:2: unterminated double quote\n");
    assert!(!marker.exists());
}

#[test]
fn bad_config_names_line_and_suggests() {
    let app = App::new(&[("appenv.toml", "[env]\nfiels = []\n")]);
    let out = app.appenv().arg("true").output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    let err = stderr(&out);
    assert!(
        err.starts_with("appenv: ") && err.contains("appenv.toml:2:"),
        "{err}"
    );
    assert!(err.contains("did you mean `files`?"), "{err}");
}

#[test]
fn precedence_of_layers() {
    let app = App::new(&[
        (
            "appenv.toml",
            "[env.vars]\nA = \"config\"\nB = \"config\"\nONLY_CONFIG = \"c\"\n",
        ),
        (".env", "B=env\nC=env\nD=env\nE=env\nINH=file\n"),
        (".env.development", "C=dev\nD=dev\nE=dev\n"),
        (".env.local", "D=local\nE=local\n"),
        (".env.development.local", "E=devlocal\n"),
    ]);
    let out = app
        .appenv()
        .env("INH", "inherited")
        .args([
            "-e",
            "development",
            "sh",
            "-c",
            "echo $A $B $C $D $E $ONLY_CONFIG $INH $APPENV_ENV",
        ])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "config env dev local devlocal c inherited development\n"
    );

    let out = app
        .appenv()
        .env("INH", "inherited")
        .args(["--override", "printenv", "INH"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "file\n");
}

#[test]
fn env_name_sources_and_test_skips_local() {
    let app = App::new(&[
        ("appenv.toml", "environment = \"staging\"\n"),
        (".env.staging", "W=staging\n"),
        (".env.test", "W=test\n"),
        (".env.local", "L=local\n"),
    ]);
    app.appenv()
        .args(["printenv", "W"])
        .assert()
        .stdout("staging\n");
    app.appenv()
        .env("APPENV_ENV", "test")
        .args(["sh", "-c", "echo $W ${L:-none}"])
        .assert()
        .stdout("test none\n");
    app.appenv()
        .args(["-e", "test", "printenv", "APPENV_ENV"])
        .assert()
        .stdout("test\n");
}

#[test]
fn root_is_found_from_a_subdirectory_and_dash_c_sets_cwd() {
    let app = App::new(&[(".env", "A=1\n"), ("sub/deep/", "")]);
    let deep = app.root.join("sub/deep");
    app.appenv_in(&deep)
        .args(["sh", "-c", "echo $APPENV_ROOT $A; pwd"])
        .assert()
        .stdout(format!("{} 1\n{}\n", app.root.display(), deep.display()));
    app.appenv_in(app.tmp.path())
        .args(["-C", "app/sub", "pwd"])
        .assert()
        .stdout(format!("{}\n", app.root.join("sub").display()));
}

#[test]
fn symlinked_directory_reports_the_logical_root() {
    let app = App::new(&[(".env", "")]);
    let link = app.tmp.path().join("link");
    std::os::unix::fs::symlink(&app.root, &link).unwrap();
    app.appenv_in(&link)
        .env("PWD", &link)
        .arg("root")
        .assert()
        .stdout(format!("{}\n", link.display()));
}

#[test]
fn non_utf8_arguments_pass_through() {
    let app = App::new(&[(".env", "")]);
    let arg = std::ffi::OsStr::from_bytes(b"caf\xe9\xff");
    let out = app
        .appenv()
        .args([
            std::ffi::OsStr::new("printf"),
            std::ffi::OsStr::new("%s"),
            arg,
        ])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"caf\xe9\xff");
}

#[test]
fn script_without_shebang_runs_with_sh() {
    let app = App::new(&[(".env", "A=from-env\n")]);
    common::write_executable(&app.root.join("noshebang"), "echo \"ran $A\"\n");
    app.appenv()
        .arg("./noshebang")
        .assert()
        .success()
        .stdout("ran from-env\n");
}

#[test]
fn signal_dispositions_and_fds_are_the_callers() {
    let app = App::new(&[(".env", "")]);
    let bin = assert_cmd::cargo::cargo_bin("appenv");
    let run = |script: &str| {
        let out = app
            .appenv()
            .args(["sh", "-c", script])
            .env("APPENV_BIN", &bin)
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.is_empty(), "{script} printed nothing");
        text
    };
    // Ignored stays ignored, default stays default (Rust ignores SIGPIPE at start-up).
    let direct = run("trap '' INT; exec grep -E 'SigIgn|SigBlk' /proc/self/status");
    let through =
        run("trap '' INT; exec \"$APPENV_BIN\" grep -E 'SigIgn|SigBlk' /proc/self/status");
    assert_eq!(direct, through);
    let direct = run("exec grep SigIgn /proc/self/status");
    let through = run("exec \"$APPENV_BIN\" grep SigIgn /proc/self/status");
    assert_eq!(direct, through);
    // No descriptor of appenv's own reaches the program.
    let direct = run("exec ls /proc/self/fd");
    let through = run("exec \"$APPENV_BIN\" ls /proc/self/fd");
    assert_eq!(direct, through);
}

#[test]
fn env_output_formats() {
    let app = App::new(&[(".env", "A=1\nQ=\"it's \\\"q\\\" \\$ \\\\ \\n end\"\n")]);
    let out = app.appenv().arg("env").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("\nA=1\n") || text.starts_with("A=1\n"));
    assert!(text.contains(&format!("APPENV_ROOT={}\n", app.root.display())));

    let out = app.appenv().args(["env", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["vars"]["A"]["value"], "1");
    assert_eq!(json["vars"]["A"]["source"]["kind"], "file");
    assert_eq!(json["vars"]["A"]["source"]["file"], ".env");
    assert_eq!(json["vars"]["A"]["source"]["line"], 1);
    assert_eq!(json["vars"]["HOME"]["source"]["kind"], "inherited");

    // The dotenv output reads back to the same values.
    let out = app
        .appenv()
        .args(["env", "--format", "dotenv"])
        .output()
        .unwrap();
    let other = App::new(&[]);
    // appenv's own variables and where it keeps trust are not an app's to set.
    let lines: String = stdout(&out)
        .lines()
        .filter(|line| !line.starts_with("APPENV_") && !line.starts_with("XDG_DATA_HOME="))
        .map(|line| format!("{line}\n"))
        .collect();
    other.write(".env", &lines);
    let q = app.appenv().args(["printenv", "Q"]).output().unwrap();
    let q2 = other.appenv().args(["printenv", "Q"]).output().unwrap();
    assert_eq!(stdout(&q), "it's \"q\" $ \\ \n end\n");
    assert_eq!(q.stdout, q2.stdout);
}

#[test]
fn explain_names_sources_not_values() {
    let app = App::new(&[(".env", "SECRET=hunter2\n")]);
    let out = app.appenv().arg("explain").output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("SECRET") && text.contains(".env:1"), "{text}");
    assert!(!text.contains("hunter2"));
}

#[test]
fn which_prints_the_resolved_argv() {
    let app = App::new(&[(".env", "")]);
    let out = app
        .appenv()
        .args(["which", "sh", "-c", "it's"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with('/') && text.ends_with("/sh -c 'it'\\''s'\n"),
        "{text}"
    );
}

/// A lone program prints its path as it is, as which(1) does: an editor
/// takes the line as a path, spaces and quotes included. `--json` gives the
/// argv, the path and the root for tools.
#[test]
fn which_prints_a_lone_program_raw_and_json_for_tools() {
    let app = App::new(&[(".env", "")]);
    let bin = app.root.join("it's a bin");
    common::write_executable(&bin.join("tool"), "#!/bin/sh\n");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let which = |args: &[&str]| {
        let out = app
            .appenv()
            .env("PATH", &path)
            .arg("which")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let tool = bin.join("tool").display().to_string();
    assert_eq!(which(&["tool"]), format!("{tool}\n"));
    // With arguments, one line a shell can run, as before.
    assert_eq!(
        which(&["tool", "a b"]),
        format!("'{}' 'a b'\n", tool.replace('\'', "'\\''"))
    );
    let json: serde_json::Value = serde_json::from_str(&which(&["--json", "tool", "x"])).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "argv": [tool, "x"],
            "path": tool,
            "root": app.root.display().to_string(),
        })
    );
    // A program that is nowhere: nothing on stdout, as which(1).
    let out = app
        .appenv()
        .args(["which", "no-such-program-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn broken_pipe_is_quiet() {
    let mut files = String::new();
    for i in 0..5000 {
        files.push_str(&format!("VAR_{i}=value{i}\n"));
    }
    let app = App::new(&[(".env", &files)]);
    let bin = assert_cmd::cargo::cargo_bin("appenv");
    let out = app
        .appenv()
        .args([
            "bash",
            "-c",
            "set -o pipefail; \"$0\" env | head -c 10 >/dev/null; echo status=$?",
        ])
        .arg(&bin)
        .output()
        .unwrap();
    let text = stdout(&out);
    // Killed by SIGPIPE (141) or a quiet exit 0: never an error message.
    assert!(text == "status=0\n" || text == "status=141\n", "{text}");
    assert!(!stderr(&out).contains("appenv:"), "{}", stderr(&out));
}
