//! End-to-end: the interpreter an app pins in `.ruby-version`,
//! `.python-version`, `.nvmrc`, `.node-version` or `.tool-versions`, taken
//! from install trees laid out the way each manager lays them out (the
//! interpreter inside is a script that says which one it is: the layout is
//! what is under test), and a tree the real mise recognises.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;

use common::{App, SYSTEM_PATH, require, stderr, stdout, write_executable};

/// Installs a fake interpreter `program` of `version` in `dir` (relative
/// to the sandbox's temp dir) as a manager would: `dir/bin/program`.
fn install(app: &App, dir: &str, program: &str, version: &str) -> PathBuf {
    let bin = app.tmp.path().join(dir).join("bin");
    write_executable(
        &bin.join(program),
        &format!("#!/bin/sh\necho \"{program} {version} from {dir}\"\n"),
    );
    bin
}

fn home(app: &App) -> PathBuf {
    app.tmp.path().join("home")
}

/// What `appenv PROGRAM` printed, asserting it ran.
fn runs(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    stdout(&out)
}

fn path_of(app: &App, cmd: &mut assert_cmd::Command) -> String {
    let _ = app;
    runs(cmd.args(["exec", "sh", "-c", "printf %s \"$PATH\""]))
}

#[test]
fn each_manager_in_its_own_layout_and_root() {
    // (version file, its content, where the manager installs, program)
    let cases = [
        (
            ".ruby-version",
            "3.2.2\n",
            "home/.rbenv/versions/3.2.2",
            "ruby",
        ),
        (
            ".ruby-version",
            "ruby-3.2.2\n",
            "home/.rbenv/versions/3.2.2",
            "ruby",
        ),
        (
            ".python-version",
            "3.12.4\n",
            "home/.pyenv/versions/3.12.4",
            "python",
        ),
        (
            ".nvmrc",
            "v20.1.0\n",
            "home/.nvm/versions/node/v20.1.0",
            "node",
        ),
        (
            ".node-version",
            "20.1.0",
            "home/.nvm/versions/node/v20.1.0",
            "node",
        ),
        (
            ".tool-versions",
            "ruby 3.2.2\n",
            "home/.asdf/installs/ruby/3.2.2",
            "ruby",
        ),
        (
            ".tool-versions",
            "python 3.12.4\n",
            "home/.asdf/installs/python/3.12.4",
            "python",
        ),
        (
            ".tool-versions",
            "nodejs 20.1.0\n",
            "home/.asdf/installs/nodejs/20.1.0",
            "node",
        ),
        (
            ".tool-versions",
            "node 20.1.0\n",
            "home/data/mise/installs/node/20.1.0",
            "node",
        ),
        (
            ".tool-versions",
            "ruby 3.2.2\n",
            "home/data/mise/installs/ruby/3.2.2",
            "ruby",
        ),
        (
            ".python-version",
            "3.12.4\n",
            "home/data/mise/installs/python/3.12.4",
            "python",
        ),
    ];
    for (file, content, dir, program) in cases {
        let app = App::new(&[("Procfile", "web: true\n"), (file, content)]);
        let bin = install(&app, dir, program, "pinned");
        let said = runs(app.appenv().arg(program));
        assert_eq!(
            said,
            format!("{program} pinned from {dir}\n"),
            "{file} {dir}"
        );
        let path = path_of(&app, &mut app.appenv());
        assert_eq!(path, format!("{}:{SYSTEM_PATH}", bin.display()), "{dir}");
    }
    // uv's managed Pythons, named by implementation, version and platform.
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    let app = App::new(&[("Procfile", "web: true\n"), (".python-version", "3.12\n")]);
    let uv = format!("home/data/uv/python/cpython-3.12.4-{os}-{arch}-gnu");
    install(&app, &uv, "python3", "3.12.4");
    install(
        &app,
        "home/data/uv/python/cpython-3.12.9-plan9-mips-gnu",
        "python3",
        "x",
    );
    let said = runs(app.appenv().arg("python3"));
    assert_eq!(said, format!("python3 3.12.4 from {uv}\n"));
}

#[test]
fn the_managers_variables_move_their_roots() {
    let (os, arch) = (std::env::consts::OS, std::env::consts::ARCH);
    let uv = format!("uvpy/cpython-3.11.9-{os}-{arch}-gnu");
    let uv_default = format!("home/data/uv/python/cpython-3.11.9-{os}-{arch}-gnu");
    // (variable, its value, version file, content, install there, the
    // same install at the default place, program)
    let cases = [
        (
            "RBENV_ROOT",
            "rb",
            ".ruby-version",
            "3.2.2",
            "rb/versions/3.2.2",
            "home/.rbenv/versions/3.2.2",
            "ruby",
        ),
        (
            "PYENV_ROOT",
            "py",
            ".python-version",
            "3.11.9",
            "py/versions/3.11.9",
            "home/.pyenv/versions/3.11.9",
            "python",
        ),
        (
            "NVM_DIR",
            "nvm",
            ".nvmrc",
            "18.2.0",
            "nvm/versions/node/v18.2.0",
            "home/.nvm/versions/node/v18.2.0",
            "node",
        ),
        (
            "ASDF_DATA_DIR",
            "asdf",
            ".tool-versions",
            "nodejs 18.2.0",
            "asdf/installs/nodejs/18.2.0",
            "home/.asdf/installs/nodejs/18.2.0",
            "node",
        ),
        (
            "MISE_DATA_DIR",
            "mise",
            ".tool-versions",
            "python 3.11.9",
            "mise/installs/python/3.11.9",
            "home/data/mise/installs/python/3.11.9",
            "python",
        ),
        (
            "UV_PYTHON_INSTALL_DIR",
            "uvpy",
            ".python-version",
            "3.11.9",
            &uv,
            &uv_default,
            "python3",
        ),
    ];
    for (var, root, file, content, dir, default, program) in cases {
        let app = App::new(&[("Procfile", "web: true\n"), (file, content)]);
        install(&app, dir, program, "moved");
        install(&app, default, program, "default");
        assert_eq!(
            runs(app.appenv().arg(program)),
            format!("{program} default from {default}\n"),
            "{var} unset"
        );
        let mut cmd = app.appenv();
        cmd.env(var, app.tmp.path().join(root)).arg(program);
        assert_eq!(
            runs(&mut cmd),
            format!("{program} moved from {dir}\n"),
            "{var}"
        );
    }
}

#[test]
fn a_prefix_picks_the_highest_installed_release_it_begins() {
    let app = App::new(&[("Procfile", "web: true\n"), (".python-version", "3.12\n")]);
    for version in ["3.11.9", "3.12.4", "3.12.10", "3.13.0", "3.12.11rc1"] {
        install(
            &app,
            &format!("home/.pyenv/versions/{version}"),
            "python",
            version,
        );
    }
    assert_eq!(
        runs(app.appenv().arg("python")),
        "python 3.12.10 from home/.pyenv/versions/3.12.10\n"
    );
    let out = app.appenv().arg("explain").output().unwrap();
    let explain = stdout(&out);
    let line = explain
        .lines()
        .find(|l| l.trim_start().starts_with("python "))
        .unwrap_or_else(|| panic!("{explain}"));
    assert!(
        line.contains("3.12.10 on PATH: ")
            && line.contains("/home/.pyenv/versions/3.12.10/bin (pyenv install; .python-version:1 asks 3.12, the highest installed version it begins"),
        "{line}"
    );
    assert!(
        explain.contains("(python 3.12.10 pinned by .python-version (pyenv))"),
        "{explain}"
    );
    // Exactly as named: said so.
    app.write(".python-version", "3.11.9\n");
    let explain = stdout(&app.appenv().arg("explain").output().unwrap());
    assert!(
        explain.contains(".python-version:1 asks 3.11.9, installed as named)"),
        "{explain}"
    );
}

#[test]
fn a_version_not_installed_is_said_once_and_leaves_path_alone() {
    let app = App::new(&[("Procfile", "web: true\n"), (".ruby-version", "3.4.1\n")]);
    install(&app, "home/.rbenv/versions/3.2.2", "ruby", "3.2.2");
    let out = app
        .appenv()
        .args(["exec", "sh", "-c", "printf %s \"$PATH\""])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out), SYSTEM_PATH);
    assert_eq!(
        stderr(&out),
        "appenv: note: .ruby-version:1: ruby 3.4.1: not installed by rbenv; appenv installs nothing, so PATH is left alone\n"
    );
    let explain = stdout(&app.appenv().arg("explain").output().unwrap());
    assert!(explain.contains("PATH       unchanged"), "{explain}");
    assert!(
        explain.contains(
            "ruby       not installed, PATH left alone (.ruby-version:1 asks 3.4.1; looked in "
        ),
        "{explain}"
    );
    // Nothing was made: no manager directory, no install.
    assert!(!home(&app).join(".rbenv/versions/3.4.1").exists());
    assert!(!home(&app).join("data/mise").exists());
    // Where no manager keeps Ruby versions (a Rails app's `.ruby-version`
    // on the system's Ruby), the system's is meant: said in explain only.
    fs::remove_dir_all(home(&app).join(".rbenv")).unwrap();
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr(&out), "");
    let explain = stdout(&app.appenv().arg("explain").output().unwrap());
    assert!(
        explain.contains("; no version manager keeps ruby versions here, so the system's is meant and nothing is said)"),
        "{explain}"
    );
    let out = app
        .appenv()
        .env_remove("HOME")
        .env_remove("XDG_DATA_HOME")
        .args(["exec", "true"])
        .output()
        .unwrap();
    assert_eq!(stderr(&out), "", "{out:?}");
    // An alias is not resolved, and says so where nvm keeps versions.
    fs::create_dir_all(home(&app).join(".nvm/versions/node")).unwrap();
    app.write(".ruby-version", "");
    app.write(".nvmrc", "lts/*\n");
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stderr(&out),
        "appenv: note: .nvmrc:1: node lts/*: not a version appenv can look up (aliases are not resolved), so PATH is left alone\n"
    );
    // Where no manager keeps Node versions, an alias means nothing either.
    fs::remove_dir_all(home(&app).join(".nvm")).unwrap();
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert_eq!(stderr(&out), "", "{out:?}");
    // `system` is the system's: nothing to say.
    app.write(".nvmrc", "system\n");
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert_eq!(stderr(&out), "");
}

#[test]
fn a_virtualenv_and_node_modules_stay_before_the_pinned_interpreter() {
    let app = App::new(&[
        (".python-version", "3.12\n"),
        (".nvmrc", "20\n"),
        (".venv/pyvenv.cfg", "home = /usr\n"),
        ("node_modules/.bin/", ""),
        ("requirements.txt", ""),
    ]);
    let venv = app.root.join(".venv/bin");
    write_executable(&venv.join("python"), "#!/bin/sh\necho venv python\n");
    let py = install(&app, "home/.pyenv/versions/3.12.4", "python", "3.12.4");
    let node = install(&app, "home/.nvm/versions/node/v20.1.0", "node", "20.1.0");
    let path = path_of(&app, &mut app.appenv());
    let want = [
        venv.display().to_string(),
        app.root.join("node_modules/.bin").display().to_string(),
        py.display().to_string(),
        node.display().to_string(),
        SYSTEM_PATH.to_owned(),
    ];
    assert_eq!(path, want.join(":"));
    assert_eq!(runs(app.appenv().arg("python")), "venv python\n");
    assert_eq!(
        runs(app.appenv().arg("node")),
        "node 20.1.0 from home/.nvm/versions/node/v20.1.0\n"
    );
    // `which` says the same.
    let which = runs(app.appenv().args(["which", "node"]));
    assert!(
        which.contains(&node.join("node").display().to_string()),
        "{which}"
    );
}

#[test]
fn bundler_still_prefixes_and_finds_the_pinned_rubys_bundle() {
    let app = App::new(&[("Gemfile", ""), (".ruby-version", "3.2.2\n")]);
    let bin = home(&app).join(".rbenv/versions/3.2.2/bin");
    write_executable(&bin.join("ruby"), "#!/bin/sh\necho ruby 3.2.2\n");
    write_executable(
        &bin.join("bundle"),
        "#!/bin/sh\necho \"the pinned ruby's bundle: $*\"\n",
    );
    assert_eq!(
        runs(app.appenv().args(["rake", "db:migrate"])),
        "the pinned ruby's bundle: exec rake db:migrate\n"
    );
}

#[test]
fn tool_versions_decides_over_a_tools_own_file_as_mise_does() {
    let app = App::new(&[
        ("Procfile", "web: true\n"),
        (".python-version", "3.11\n"),
        (".tool-versions", "# asdf\ngolang 1.22\npython 3.12\n"),
        (".node-version", "18\n"),
        (".nvmrc", "20\n"),
    ]);
    for version in ["3.11.9", "3.12.4"] {
        install(
            &app,
            &format!("home/.pyenv/versions/{version}"),
            "python",
            version,
        );
    }
    for version in ["18.2.0", "20.1.0"] {
        install(
            &app,
            &format!("home/.nvm/versions/node/v{version}"),
            "node",
            version,
        );
    }
    assert_eq!(
        runs(app.appenv().arg("python")),
        "python 3.12.4 from home/.pyenv/versions/3.12.4\n"
    );
    assert_eq!(
        runs(app.appenv().arg("node")),
        "node 20.1.0 from home/.nvm/versions/node/v20.1.0\n"
    );
    let explain = stdout(&app.appenv().arg("explain").output().unwrap());
    assert!(explain.contains(".tool-versions:3 asks 3.12"), "{explain}");
    assert!(
        explain
            .contains(".python-version:1 asks 3.11, but .tool-versions decides first (as in mise)"),
        "{explain}"
    );
    assert!(
        explain.contains(".node-version:1 asks 18, but .nvmrc decides first (as in mise)"),
        "{explain}"
    );
}

/// The app only names a version: no spelling of it reaches outside the
/// manager's directory, however the tree around it looks.
#[test]
fn a_version_that_is_a_path_never_leaves_the_install_tree() {
    for written in [
        "../../../evil",
        "../../evil/..",
        "/tmp",
        "3.2.2/../../../../evil",
        "..",
        "ruby-../../../evil",
    ] {
        let app = App::new(&[("Procfile", "web: true\n"), (".ruby-version", written)]);
        install(&app, "evil", "ruby", "evil");
        install(&app, "home/evil", "ruby", "evil");
        install(&app, "home/.rbenv/evil", "ruby", "evil");
        fs::create_dir_all(home(&app).join(".rbenv/versions/3.2.2/bin")).unwrap();
        let out = app
            .appenv()
            .args(["exec", "sh", "-c", "printf %s \"$PATH\""])
            .output()
            .unwrap();
        assert!(out.status.success(), "{written}: {out:?}");
        assert_eq!(stdout(&out), SYSTEM_PATH, "{written}");
        assert!(
            stderr(&out).contains("not a version appenv can look up"),
            "{written}: {}",
            stderr(&out)
        );
    }
    // A control character in the version is shown escaped.
    let app = App::new(&[
        ("Procfile", "web: true\n"),
        (".ruby-version", "3.2\x1b[2J\n"),
    ]);
    fs::create_dir_all(home(&app).join(".rbenv/versions")).unwrap();
    let err = stderr(&app.appenv().args(["exec", "true"]).output().unwrap());
    assert!(
        !err.contains('\x1b') && err.contains("ruby 3.2\\u{1b}[2J"),
        "{err}"
    );
}

/// A version directory that is a symlink (rbenv aliases, mise's `20 ->
/// 20.1.0`) is followed: the tree is the user's, and PATH names the link.
#[test]
fn a_symlinked_version_directory_is_followed() {
    let app = App::new(&[("Procfile", "web: true\n"), (".ruby-version", "3.2\n")]);
    install(&app, "opt/ruby-3.2.2", "ruby", "3.2.2");
    fs::create_dir_all(home(&app).join(".rbenv/versions")).unwrap();
    std::os::unix::fs::symlink(
        app.tmp.path().join("opt/ruby-3.2.2"),
        home(&app).join(".rbenv/versions/3.2"),
    )
    .unwrap();
    assert_eq!(
        runs(app.appenv().arg("ruby")),
        "ruby 3.2.2 from opt/ruby-3.2.2\n"
    );
    let path = path_of(&app, &mut app.appenv());
    let link = home(&app).join(".rbenv/versions/3.2/bin");
    assert!(path.starts_with(&format!("{}:", link.display())), "{path}");
}

/// A version file that is no regular file, or larger than appenv reads, is
/// an error that names it, like any input: nothing runs, never a hang.
#[test]
fn a_version_file_that_is_no_file_is_an_error_naming_it() {
    let check = |app: &App, name: &str, says: &str| {
        let out = app
            .appenv()
            .args(["exec", "touch", "ran"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{name}: {out:?}");
        assert_eq!(stderr(&out), format!("appenv: {name}: {says}\n"));
        assert!(!app.root.join("ran").exists());
    };
    let app = App::new(&[("Procfile", "web: true\n"), (".python-version/", "")]);
    check(
        &app,
        ".python-version",
        "is a directory, not a version file",
    );
    let app = App::new(&[("Procfile", "web: true\n")]);
    nix::unistd::mkfifo(&app.root.join(".nvmrc"), nix::sys::stat::Mode::S_IRWXU).unwrap();
    check(&app, ".nvmrc", "is not a regular file");
    let app = App::new(&[("Procfile", "web: true\n")]);
    std::os::unix::fs::symlink("/dev/zero", app.root.join(".tool-versions")).unwrap();
    check(&app, ".tool-versions", "is not a regular file");
    let app = App::new(&[("Procfile", "web: true\n")]);
    let huge = fs::File::create(app.root.join(".ruby-version")).unwrap();
    huge.set_len(2 << 20).unwrap();
    check(
        &app,
        ".ruby-version",
        "is larger than 1 MiB, more than appenv reads",
    );
    // Binary content is no version: said, PATH alone.
    let app = App::new(&[("Procfile", "web: true\n")]);
    fs::write(app.root.join(".python-version"), b"\xff\xfe\x00\x01\x02").unwrap();
    fs::create_dir_all(home(&app).join(".pyenv/versions")).unwrap();
    let out = app.appenv().args(["exec", "true"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr(&out).contains("not a version appenv can look up"),
        "{out:?}"
    );
}

/// Version files are inputs like the env files: an allow covers them, and
/// one that appears or changes afterwards revokes it.
#[test]
fn trust_covers_the_version_files() {
    let app = App::new(&[(".env", "A=1\n"), (".python-version", "3.12\n")]);
    install(&app, "home/.pyenv/versions/3.12.4", "python", "3.12.4");
    install(&app, "home/.pyenv/versions/3.11.9", "python", "3.11.9");
    let untrusted = |app: &App| {
        let mut cmd = app.appenv();
        cmd.env_remove("APPENV_TRUSTED_DIRS");
        cmd
    };
    let allow = untrusted(&app).arg("allow").output().unwrap();
    assert!(allow.status.success(), "{allow:?}");
    assert_eq!(
        runs(untrusted(&app).arg("python")),
        "python 3.12.4 from home/.pyenv/versions/3.12.4\n"
    );
    app.write(".python-version", "3.11\n");
    let out = untrusted(&app).arg("python").output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(stderr(&out).contains(".python-version"), "{}", stderr(&out));
    assert!(
        untrusted(&app)
            .arg("allow")
            .output()
            .unwrap()
            .status
            .success()
    );
    // A version file that was not there is a change too.
    app.write(".nvmrc", "20\n");
    let out = untrusted(&app).arg("python").output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert!(stderr(&out).contains(".nvmrc"), "{}", stderr(&out));
}

/// A tree laid out under `MISE_DATA_DIR` is one the real mise recognises,
/// offline, and appenv picks the directory `mise where` names.
#[test]
fn the_real_mise_recognises_the_layout_appenv_reads() {
    if !require("mise") {
        return;
    }
    let app = App::new(&[
        ("Procfile", "web: true\n"),
        (".tool-versions", "python 3.12\nnodejs 20.1.0\n"),
        (".ruby-version", "3.2\n"),
    ]);
    let data = app.tmp.path().join("mise-data");
    for (tool, version, program) in [
        ("python", "3.12.4", "python"),
        ("python", "3.12.10", "python"),
        ("python", "3.11.9", "python"),
        ("node", "20.1.0", "node"),
        ("ruby", "3.2.2", "ruby"),
    ] {
        install(
            &app,
            &format!("mise-data/installs/{tool}/{version}"),
            program,
            version,
        );
    }
    let mise = |args: &[&str]| {
        let out = app
            .sandbox()
            .set("MISE_DATA_DIR", &data)
            .set("MISE_OFFLINE", "1")
            .set("MISE_YES", "1")
            .set("MISE_TRUSTED_CONFIG_PATHS", &app.root)
            .set(
                "MISE_IDIOMATIC_VERSION_FILE_ENABLE_TOOLS",
                "ruby,python,node",
            )
            .command(common::real_tool("mise"))
            .args(args)
            .current_dir(&app.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "mise {args:?}: {out:?}");
        stdout(&out)
    };
    let listed = mise(&["ls", "--installed"]);
    for (tool, version) in [("python", "3.12.10"), ("node", "20.1.0"), ("ruby", "3.2.2")] {
        assert!(
            listed
                .lines()
                .any(|l| l.split_whitespace().take(2).eq([tool, version])),
            "{tool} {version} in {listed}"
        );
    }
    let mut cmd = app.appenv();
    cmd.env("MISE_DATA_DIR", &data);
    let path = path_of(&app, &mut cmd);
    let firsts: Vec<&str> = path.split(':').take(3).collect();
    for (tool, entry) in [("ruby", 0), ("python", 1), ("node", 2)] {
        let where_ = mise(&["where", tool]);
        let dir = Path::new(where_.trim()).join("bin");
        assert_eq!(firsts[entry], dir.display().to_string(), "{tool}: {path}");
    }
}

/// The hook loads the pinned interpreter's `bin`, says once, with the load,
/// that a version is not installed, picks the install up at the next prompt once it is
/// there, and takes PATH back exactly on the way out.
#[test]
fn the_hook_loads_the_pinned_interpreter_and_notices_an_install() {
    use crate::hook::harness::{HookApp, Step::*, shells};
    for shell in shells() {
        let sandbox = HookApp::new(&[
            ("apps/app/.env", "DEBUG=1\n"),
            ("apps/app/.python-version", "3.12\n"),
            ("home/.pyenv/versions/3.11.9/bin/python", ""),
        ]);
        let bin = sandbox.path("home/.pyenv/versions/3.12.4/bin");
        let install = format!("mkdir -p '{}'", bin.display());
        let snaps = sandbox.run(
            shell,
            &[
                Cd("apps/app"),
                Prompt,
                Snap,
                Prompt,
                Snap,
                Run(&install),
                Prompt,
                Snap,
                Cd(""),
                Prompt,
                Snap,
            ],
        );
        let [missing, again, installed, left]: [_; 4] =
            snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        let note = "appenv: note: .python-version:1: python 3.12: not installed by pyenv; appenv installs nothing, so PATH is left alone\n";
        assert_eq!(missing.get("PATH"), Some("/usr/bin:/bin"), "{shell}");
        assert_eq!(
            missing.said.matches(note).count(),
            1,
            "{shell}: {}",
            missing.said
        );
        assert!(
            !again.said.contains("note"),
            "{shell}: said once: {}",
            again.said
        );
        let want = format!("{}:/usr/bin:/bin", bin.display());
        assert_eq!(installed.get("PATH"), Some(want.as_str()), "{shell}");
        assert!(
            !installed.said.contains("note"),
            "{shell}: {}",
            installed.said
        );
        assert_eq!(left.get("PATH"), Some("/usr/bin:/bin"), "{shell}");
    }
}

/// A shim (`python` linked to appenv, first on PATH) and `appenv env` get
/// the pinned interpreter as `exec` does: it is part of the plan.
#[test]
fn shims_and_env_get_the_pinned_interpreter() {
    let app = App::new(&[(".env", "A=1\n"), (".python-version", "3.12\n")]);
    let bin = install(&app, "home/.pyenv/versions/3.12.4", "python", "3.12.4");
    let shims = app.tmp.path().join("shims");
    fs::create_dir_all(&shims).unwrap();
    std::os::unix::fs::symlink(common::appenv_bin(), shims.join("python")).unwrap();
    let out = app
        .sandbox()
        .set("PATH", format!("{}:{SYSTEM_PATH}", shims.display()))
        .command("python")
        .current_dir(&app.root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out),
        "python 3.12.4 from home/.pyenv/versions/3.12.4\n"
    );
    let env = runs(app.appenv().arg("env"));
    let path = env
        .lines()
        .find(|l| l.starts_with("PATH="))
        .unwrap_or_else(|| panic!("{env}"));
    assert!(
        path.starts_with(&format!("PATH={}:", bin.display())),
        "{path}"
    );
}

/// `appenv init` pins the app's own isolation and leaves the interpreter
/// to its version file, whose next bump is then still followed.
#[test]
fn init_leaves_the_pinned_interpreter_to_its_version_file() {
    let app = App::new(&[
        ("requirements.txt", ""),
        (".venv/pyvenv.cfg", ""),
        (".python-version", "3.12\n"),
    ]);
    let bin = install(&app, "home/.pyenv/versions/3.12.4", "python", "3.12.4");
    let out = app.appenv().arg("init").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let written = fs::read_to_string(app.root.join("appenv.toml")).unwrap();
    assert!(written.contains("\npath = [\".venv/bin\"]\n"), "{written}");
    assert!(
        written.contains("# After these, from its version file, not from here: python 3.12.4 pinned by .python-version (pyenv).\n"),
        "{written}"
    );
    let venv = app.root.join(".venv/bin");
    let want = format!("{}:{}:{SYSTEM_PATH}", venv.display(), bin.display());
    assert_eq!(path_of(&app, &mut app.appenv()), want);
}

/// A pinned `bin` that the user's own PATH already holds (`nvm use` in an
/// rc file) stays there when the hook unloads the app.
#[test]
fn the_hook_leaves_the_users_own_entry_of_the_pinned_bin() {
    use crate::hook::harness::{HookApp, Step::*, shells};
    for shell in shells() {
        let mut sandbox = HookApp::new(&[
            ("apps/app/.env", "DEBUG=1\n"),
            ("apps/app/.nvmrc", "20\n"),
            ("home/.nvm/versions/node/v20.1.0/bin/node", ""),
        ]);
        let bin = sandbox.path("home/.nvm/versions/node/v20.1.0/bin");
        let own = format!("{}:/usr/bin:/bin", bin.display());
        sandbox.start_env.push(("PATH".into(), own.clone()));
        let snaps = sandbox.run(shell, &[Cd("apps/app"), Prompt, Snap, Cd(""), Prompt, Snap]);
        let [loaded, left]: [_; 2] = snaps.try_into().unwrap_or_else(|_| panic!("{shell}"));
        // Already first: not added again.
        assert_eq!(loaded.get("PATH"), Some(own.as_str()), "{shell}");
        assert_eq!(loaded.get("DEBUG"), Some("1"), "{shell}");
        assert_eq!(left.get("PATH"), Some(own.as_str()), "{shell}");
    }
}
