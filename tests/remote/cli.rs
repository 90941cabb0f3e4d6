//! What `appenv @NAME` decides before any transport runs, and `appenv
//! remotes`.

use std::fs;

use crate::common::{App, stderr, stdout};

const REMOTES: &str = "[remote.production]\nssh = \"deploy@app1.example.com\"\ndir = \"/srv/shop/current\"\nsame_as = \"web\"\n\n\
                       [remote.staging]\npodman = \"shop-web\"\n\n\
                       [remote.k8s]\nkubectl = \"deploy/web\"\nnamespace = \"shop\"\n\n\
                       [remote.ci]\ndocker = \"shop\"\n";

#[test]
fn an_unknown_remote_names_the_ones_there_are() {
    let app = App::new(&[("appenv.toml", REMOTES)]);
    let out = app
        .appenv()
        .args(["@prod", "run", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: no remote named 'prod' in {}; the remotes are: ci, k8s, production, staging (see 'appenv remotes')\n",
            app.root.display()
        )
    );
    let bare = App::new(&[(".env", "")]);
    let out = bare.appenv().args(["@production", "env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("has no remotes; add one under [remote.NAME] in appenv.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_transport_is_127_naming_it() {
    let app = App::new(&[("appenv.toml", REMOTES)]);
    let empty = app.tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    for (remote, program) in [
        ("production", "ssh"),
        ("staging", "podman"),
        ("k8s", "kubectl"),
        ("ci", "docker"),
    ] {
        let out = app
            .sandbox()
            .path([&empty])
            .appenv()
            .current_dir(&app.root)
            .args([&format!("@{remote}"), "env"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(127), "{remote}");
        assert_eq!(
            stderr(&out),
            format!(
                "appenv: {program}: command not found (remote '{remote}' runs through {program})\n"
            )
        );
    }
}

#[test]
fn an_untrusted_app_sends_nobody_anywhere() {
    let app = App::new(&[("appenv.toml", REMOTES)]);
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .appenv()
        .current_dir(&app.root)
        .args(["@production", "run", "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        stderr(&out),
        format!(
            "appenv: {} is not allowed; run 'appenv allow'\n",
            app.root.display()
        )
    );
    // Allowed, then a remote added: the changed appenv.toml is refused too.
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .appenv()
        .current_dir(&app.root)
        .arg("allow")
        .output()
        .unwrap();
    assert!(out.status.success());
    app.write(
        "appenv.toml",
        &format!("{REMOTES}\n[remote.evil]\nssh = \"attacker.example\"\n"),
    );
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .appenv()
        .current_dir(&app.root)
        .args(["@evil", "env"])
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
fn remotes_lists_what_is_configured() {
    let app = App::new(&[("appenv.toml", REMOTES)]);
    let out = app.appenv().arg("remotes").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "@ci          docker   shop\n\
         @k8s         kubectl  deploy/web               namespace=shop\n\
         @production  ssh      deploy@app1.example.com  dir=/srv/shop/current  same_as=web\n\
         @staging     podman   shop-web\n"
    );
    let out = app.appenv().args(["remotes", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[1]["transport"], "kubectl");
    assert_eq!(json[1]["namespace"], "shop");
    assert_eq!(json[2]["same_as"], "web");
    assert_eq!(json[3]["appenv"], "appenv");
    // Read-only: an untrusted app is listed, with a note.
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .appenv()
        .current_dir(&app.root)
        .arg("remotes")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("is not allowed"), "{}", stderr(&out));
    let none = App::new(&[(".env", "")]);
    let out = none.appenv().arg("remotes").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no remotes in"), "{}", stderr(&out));
}

#[test]
fn options_go_on_the_side_they_belong_to() {
    let app = App::new(&[("appenv.toml", REMOTES)]);
    let out = app.appenv().args(["--tty", "env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--tty and --no-tty go with @NAME"));
    for option in [
        &["-e", "production"][..],
        &["--same-as", "web"],
        &["--no-prefix"],
    ] {
        let out = app
            .appenv()
            .args(option)
            .args(["@production", "run", "migrate"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{option:?}");
        assert!(
            stderr(&out).contains("goes after @NAME"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn a_bad_remote_table_names_its_line() {
    let app = App::new(&[(
        "appenv.toml",
        "[remote.fleet]\nssh = [\"app1\", \"app2\"]\n",
    )]);
    let out = app.appenv().args(["@fleet", "env"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out)
            .starts_with("appenv: appenv.toml:2: [remote.fleet] ssh: one destination, not a list"),
        "{}",
        stderr(&out)
    );
}
