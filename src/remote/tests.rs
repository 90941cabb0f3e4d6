use super::*;

use std::path::Path;

use camino::Utf8Path;
use proptest::prelude::*;

use crate::config::{Config, ConfigError};

fn parse(text: &str) -> Result<Vec<Remote>, ConfigError> {
    Config::parse(Utf8Path::new("appenv.toml"), text.as_bytes()).map(|c| c.remotes)
}

fn one(text: &str) -> Remote {
    let mut remotes = parse(text).unwrap();
    assert_eq!(remotes.len(), 1);
    remotes.remove(0)
}

fn strings(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| a.to_str().unwrap().to_owned())
        .collect()
}

fn os(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

#[test]
fn reads_each_transport() {
    let remotes = parse(
        "[remote.production]\nssh = \"deploy@app1.example.com\"\ndir = \"/srv/shop/current\"\nsame_as = \"web\"\nappenv = \"/usr/local/bin/appenv\"\n\
         [remote.staging]\npodman = \"shop-web\"\n\
         [remote.ci]\ndocker = \"shop\"\ndir = \"/app\"\n\
         [remote.k8s]\nkubectl = \"deploy/web\"\nnamespace = \"shop\"\ncontext = \"prod\"\ncontainer = \"app\"\noptions = [\"--kubeconfig\", \"/etc/k\"]\n",
    )
    .unwrap();
    let names: Vec<&str> = remotes.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["ci", "k8s", "production", "staging"]);
    assert_eq!(
        remotes[2],
        Remote {
            name: "production".into(),
            transport: Transport::Ssh("deploy@app1.example.com".into()),
            dir: Some("/srv/shop/current".into()),
            same_as: Some("web".into()),
            appenv: "/usr/local/bin/appenv".into(),
            options: vec![],
        }
    );
    assert_eq!(remotes[3].transport, Transport::Podman("shop-web".into()));
    assert_eq!(remotes[3].appenv, "appenv");
    assert_eq!(remotes[0].transport, Transport::Docker("shop".into()));
    assert_eq!(
        remotes[1].transport,
        Transport::Kubectl {
            target: "deploy/web".into(),
            namespace: Some("shop".into()),
            context: Some("prod".into()),
            container: Some("app".into()),
        }
    );
    assert_eq!(remotes[1].options, ["--kubeconfig", "/etc/k"]);
    assert!(parse("environment = \"x\"\n").unwrap().is_empty());
}

#[test]
fn mistakes_name_their_line_and_say_why() {
    let cases: &[(&str, usize, &str)] = &[
        ("[remote.a]\ndir = \"/x\"\n", 1, "say how to get there"),
        (
            "[remote.a]\nssh = \"h\"\npodman = \"c\"\n",
            1,
            "not ssh and podman",
        ),
        (
            "[remote.a]\n\nssh = [\"app1\", \"app2\"]\n",
            3,
            "one destination, not a list",
        ),
        ("[remote.a]\nssh = 22\n", 2, "expected an ssh destination"),
        (
            "[remote.a]\nssh = \"-oProxyCommand=x\"\n",
            2,
            "would be read as an option",
        ),
        ("[remote.a]\npodman = \"\"\n", 2, "empty"),
        (
            "[remote.a]\nssh = \"h\"\nnamespace = \"n\"\n",
            3,
            "goes with kubectl only",
        ),
        (
            "[remote.a]\ndocker = \"c\"\ndir = \"app\"\n",
            3,
            "must be absolute in a container",
        ),
        (
            "[remote.a]\npodman = \"c\"\nappenv = \"~/bin/appenv\"\n",
            3,
            "only ssh has a login",
        ),
        (
            "[remote.a]\nssh = \"h\"\ndir = \"~deploy/x\"\n",
            3,
            "'~user' is not read",
        ),
        (
            "[remote.a]\nssh = \"h\"\ndir = \"-x\"\n",
            3,
            "starts with '-'",
        ),
        ("[remote.a]\nssh = \"h\\u0000\"\n", 2, "NUL"),
        (
            "[remote.a]\nssh = \"h\"\noptions = [\"-F\", \"a\\u0000\"]\n",
            3,
            "NUL",
        ),
        (
            "[remote.\"a b\"]\nssh = \"h\"\n",
            1,
            "a remote's name is letters",
        ),
        (
            "[remote.a]\nssh = \"h\"\nsame_ass = \"web\"\n",
            3,
            "did you mean `same_as`",
        ),
    ];
    for (text, line, says) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.line, Some(*line), "{text:?}: {e}");
        assert!(e.message.contains(says), "{text:?}: {e}");
    }
}

#[test]
fn ssh_gets_one_quoted_line() {
    let r = one(
        "[remote.p]\nssh = \"deploy@app1\"\ndir = \"/srv/it's here\"\nappenv = \"~/.cargo/bin/appenv\"\nsame_as = \"web\"\noptions = [\"-F\", \"/etc/ssh/shop\"]\n",
    );
    let argv = r.command(&os(&["run", "migrate", "a b", ""]), false);
    assert_eq!(
        strings(&argv),
        [
            "ssh",
            "-F",
            "/etc/ssh/shop",
            "-T",
            "--",
            "deploy@app1",
            "cd '/srv/it'\\''s here' || exit 125; exec ~/'.cargo/bin/appenv' '--same-as' 'web' 'run' 'migrate' 'a b' ''",
        ]
    );
    let tty = r.command(&os(&["env", "--json"]), true);
    assert_eq!(tty[3], "-tt");
    assert_eq!(
        tty.last().unwrap(),
        "cd '/srv/it'\\''s here' || exit 125; exec ~/'.cargo/bin/appenv' 'env' '--json'"
    );
    let plain = one("[remote.p]\nssh = \"h\"\n");
    assert_eq!(
        strings(&plain.command(&[], false)),
        ["ssh", "-T", "--", "h", "exec 'appenv'"]
    );
}

#[test]
fn containers_get_an_argv() {
    let r = one("[remote.s]\npodman = \"shop-web\"\ndir = \"/app\"\nsame_as = \"1\"\n");
    assert_eq!(
        strings(&r.command(&os(&["console", "$(x)", "*"]), true)),
        [
            "podman",
            "exec",
            "-i",
            "-t",
            "--workdir=/app",
            "shop-web",
            "appenv",
            "--same-as",
            "1",
            "console",
            "$(x)",
            "*"
        ]
    );
    let r = one("[remote.s]\ndocker = \"shop\"\noptions = [\"--context\", \"prod\"]\n");
    assert_eq!(
        strings(&r.command(&os(&["run", "migrate"]), false)),
        [
            "docker",
            "--context",
            "prod",
            "exec",
            "-i",
            "shop",
            "appenv",
            "run",
            "migrate"
        ]
    );
}

#[test]
fn only_ssh_carries_bytes_that_are_not_utf8() {
    let args = vec![OsString::from("ok"), OsString::from_vec(b"\xff".to_vec())];
    for table in [
        "podman = \"c\"",
        "docker = \"c\"",
        "kubectl = \"deploy/web\"",
    ] {
        let r = one(&format!("[remote.r]\n{table}\n"));
        assert_eq!(r.refused_arg(&args), Some(&args[1]), "{table}");
        assert_eq!(r.refused_arg(&args[..1]), None);
    }
    assert_eq!(one("[remote.r]\nssh = \"h\"\n").refused_arg(&args), None);
}

/// There is no cluster to run these against: the argv is the test.
#[test]
fn kubectl_gets_an_argv() {
    let r = one(
        "[remote.k]\nkubectl = \"deploy/web\"\nnamespace = \"shop\"\ncontext = \"prod\"\ncontainer = \"app\"\ndir = \"/app\"\nsame_as = \"1\"\n",
    );
    assert_eq!(
        strings(&r.command(&os(&["run", "migrate", "--", "-x"]), true)),
        [
            "kubectl",
            "exec",
            "-i",
            "-t",
            "--namespace=shop",
            "--context=prod",
            "--container=app",
            "deploy/web",
            "--",
            "appenv",
            "-C",
            "/app",
            "--same-as",
            "1",
            "run",
            "migrate",
            "--",
            "-x"
        ]
    );
    let r = one("[remote.k]\nkubectl = \"web-0\"\n");
    assert_eq!(
        strings(&r.command(&os(&["tasks"]), false)),
        ["kubectl", "exec", "-i", "web-0", "--", "appenv", "tasks"]
    );
}

#[test]
fn same_as_goes_with_what_takes_it() {
    for (args, takes) in [
        (&["run", "migrate"][..], true),
        (&["console"], true),
        (&["exec", "true"], true),
        (&["diff"], true),
        (&["rails", "runner", "p 1"], true),
        (&["-e", "production", "run", "x"], true),
        (&["-C", "run", "env"], false),
        (&["--", "env"], true),
        (&["env", "--json"], false),
        (&["tasks"], false),
        (&["allow"], false),
        (&["--same-as", "2", "run", "x"], false),
        (&["--same-as=2", "console"], false),
        (&[], false),
        (&["--help"], false),
    ] {
        assert_eq!(takes_same_as(&os(args)), takes, "{args:?}");
    }
}

/// A program that prints its working directory and then each argument,
/// each followed by a NUL: what the remote appenv would be given.
fn argv_printer(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("it's $(argv) *");
    std::fs::write(
        &path,
        "#!/bin/sh\nprintf '%s\\0' \"$(pwd)\"\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// The shells a remote login may be: each must read ssh's line back into
/// exactly the arguments.
fn shells() -> Vec<&'static str> {
    [
        "/bin/sh",
        "/bin/dash",
        "/bin/bash",
        "/bin/zsh",
        "/usr/bin/zsh",
    ]
    .into_iter()
    .filter(|s| Path::new(s).exists())
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// What ssh hands the login shell comes out as the same bytes, in the
    /// same directory, whatever the arguments hold.
    #[test]
    fn the_ssh_line_round_trips_through_real_shells(
        args in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(1u8..=255, 0..12),
                prop::sample::select(vec![
                    b"".to_vec(), b"'".to_vec(), b"a b".to_vec(), b"$(touch x)".to_vec(),
                    b"`id`".to_vec(), b"*".to_vec(), b"\\".to_vec(), b"\n".to_vec(),
                    b"\"$HOME\"".to_vec(), b"~".to_vec(), b"'\\''".to_vec(), b"-e".to_vec(),
                    b"!!".to_vec(), b"=x".to_vec(), b"\xff\xfe".to_vec(),
                ]),
            ],
            0..6,
        )
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a dir 'with' $(quotes) \\ and\nlines");
        std::fs::create_dir(&dir).unwrap();
        let printer = argv_printer(tmp.path());
        let remote = Remote {
            name: "p".into(),
            transport: Transport::Ssh("h".into()),
            dir: Some(dir.to_str().unwrap().into()),
            same_as: None,
            appenv: printer.to_str().unwrap().into(),
            options: vec![],
        };
        let args: Vec<OsString> = args.into_iter().map(OsString::from_vec).collect();
        let line = remote.command(&args, false).pop().unwrap();
        let mut expected = dir.as_os_str().as_bytes().to_vec();
        expected.push(0);
        for arg in &args {
            expected.extend_from_slice(arg.as_bytes());
            expected.push(0);
        }
        for shell in shells() {
            let out = std::process::Command::new(shell)
                .arg("-c")
                .arg(&line)
                .current_dir(tmp.path())
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .output()
                .unwrap();
            prop_assert!(out.status.success(), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
            prop_assert_eq!(&out.stdout, &expected, "{}", shell);
            // Nothing ran that the arguments named.
            prop_assert!(!tmp.path().join("x").exists() && !dir.join("x").exists());
        }
    }
}

#[test]
fn a_missing_dir_fails_as_appenv_does() {
    let remote = one("[remote.p]\nssh = \"h\"\ndir = \"/nonexistent/app\"\n");
    let line = remote.command(&[], false).pop().unwrap();
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&line)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
}

#[test]
fn a_tilde_is_the_login_s_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home dir");
    std::fs::create_dir_all(home.join("bin")).unwrap();
    argv_printer(&home.join("bin"));
    let remote = one("[remote.p]\nssh = \"h\"\ndir = \"~\"\nappenv = \"~/bin/it's $(argv) *\"\n");
    let line = remote.command(&os(&["x"]), false).pop().unwrap();
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(&line)
        .env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let mut expected = home.as_os_str().as_bytes().to_vec();
    expected.extend_from_slice(b"\0x\0");
    assert_eq!(
        out.stdout,
        expected,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
