use super::layers::Reserved;
use super::*;
use std::fs;

fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, Utf8PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
    for (name, content) in files {
        let p = root.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    (tmp, root)
}

fn env(pairs: &[(&str, &str)]) -> Env {
    pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
}

fn resolve_in(root: &Utf8Path, env_name: Option<&str>, base: &Env) -> Result<Plan, Error> {
    let request = Request {
        start: root.to_owned(),
        env_name: env_name.map(Into::into),
        ..Request::default()
    };
    resolve(&request, base)
}

fn value(plan: &Plan, name: &str) -> Option<String> {
    plan.value(name).map(|v| v.to_string_lossy().into_owned())
}

#[test]
fn substitution_sees_the_base_then_earlier_lines_then_earlier_layers() {
    let (_t, root) = app(&[
        ("appenv.toml", "[env.vars]\nC = \"config\"\n"),
        (".env", "I=env\nE=env\nE2=env\n"),
        (
            ".env.local",
            "E2=local\nX=\"${I} ${E} ${E2} ${C} ${NONE}.\"\nY=${X}\n",
        ),
        (".env.development", "E=dev\nL=${E}\nL2=${E2}\n"),
    ]);
    let base = env(&[("I", "base")]);
    let plan = resolve_in(&root, Some("development"), &base).unwrap();
    // `.env.local` comes after `.env.development`; each asks earlier
    // layers once they have been indexed, and again after more are set.
    assert_eq!(value(&plan, "L").unwrap(), "dev");
    assert_eq!(value(&plan, "L2").unwrap(), "env");
    assert_eq!(value(&plan, "X").unwrap(), "base dev local config .");
    assert_eq!(value(&plan, "Y").unwrap(), "base dev local config .");
    assert_eq!(value(&plan, "I").unwrap(), "base");
}

#[test]
fn substitution_reads_a_name_holding_equals_as_getenv_does() {
    let (_t, root) = app(&[(".env", "A=\"${K=v}|${K=w}|${=K=x}|${K}\"\n")]);
    let base = env(&[("K", "v=found"), ("=K", "x=odd")]);
    let plan = resolve_in(&root, None, &base).unwrap();
    assert_eq!(value(&plan, "A").unwrap(), "found||odd|v=found");
}

#[test]
fn a_variable_set_twice_keeps_the_last_layer_and_the_override_rule() {
    let (_t, root) = app(&[(".env", "A=1\nA=2\nI=file\n"), (".env.local", "A=3\n")]);
    let base = env(&[("I", "base")]);
    let plan = resolve_in(&root, None, &base).unwrap();
    assert_eq!(value(&plan, "A").unwrap(), "3");
    assert_eq!(value(&plan, "I").unwrap(), "base");
    let request = Request {
        start: root.clone(),
        override_inherited: true,
        ..Request::default()
    };
    let plan = resolve(&request, &base).unwrap();
    assert_eq!(value(&plan, "I").unwrap(), "file");
    assert_eq!(
        plan.vars[OsStr::new("A")].source,
        Source::File {
            name: ".env.local".into(),
            line: 1
        }
    );
}

#[test]
fn files_layer_in_order_and_inherited_wins() {
    let (_t, root) = app(&[
        (".env", "A=env\nB=env\nC=env\nD=env\nI=file\n"),
        (".env.development", "B=dev\nC=dev\n"),
        (".env.local", "C=local\nD=local\n"),
        (".env.development.local", "D=devlocal\n"),
        (
            "appenv.toml",
            "[env.vars]\nA = \"config\"\nZ = \"config\"\n",
        ),
    ]);
    let plan = resolve_in(&root, Some("development"), &env(&[("I", "inherited")])).unwrap();
    assert_eq!(value(&plan, "A").unwrap(), "env");
    assert_eq!(value(&plan, "B").unwrap(), "dev");
    assert_eq!(value(&plan, "C").unwrap(), "local");
    assert_eq!(value(&plan, "D").unwrap(), "devlocal");
    assert_eq!(value(&plan, "Z").unwrap(), "config");
    assert_eq!(value(&plan, "I").unwrap(), "inherited");
    assert_eq!(value(&plan, "APPENV_ENV").unwrap(), "development");
    assert_eq!(value(&plan, "APPENV_ROOT").unwrap(), root.as_str());
    assert_eq!(
        plan.vars[OsStr::new("D")].source,
        Source::File {
            name: ".env.development.local".into(),
            line: 1
        }
    );
}

#[test]
fn trusted_dirs_given_by_the_caller_beat_the_base() {
    let (_t, root) = app(&[(".env", "A=1\n")]);
    let base = env(&[("APPENV_TRUSTED_DIRS", "/")]);
    let plan = resolve_in(&root, None, &base).unwrap();
    assert!(plan.trusted_dir.is_some());
    // --same-as: the base is the process's; only the caller's value counts.
    let request = Request {
        start: root.clone(),
        trusted_dirs: TrustedDirs::Given(None),
        ..Request::default()
    };
    assert_eq!(resolve(&request, &base).unwrap().trusted_dir, None);
}

#[test]
fn override_makes_files_win() {
    let (_t, root) = app(&[
        (".env", "I=file\n"),
        ("appenv.toml", "[env]\noverride = true\n"),
    ]);
    let plan = resolve_in(&root, None, &env(&[("I", "inherited")])).unwrap();
    assert_eq!(value(&plan, "I").unwrap(), "file");
}

#[test]
fn test_env_skips_local_and_no_env_skips_env_files() {
    let (_t, root) = app(&[
        (".env.local", "L=1\n"),
        (".env.test", "T=1\n"),
        (".env", "E=1\n"),
    ]);
    let plan = resolve_in(&root, Some("test"), &env(&[])).unwrap();
    assert_eq!(value(&plan, "L"), None);
    assert_eq!(value(&plan, "T").unwrap(), "1");
    let plan = resolve_in(&root, None, &env(&[])).unwrap();
    assert_eq!(value(&plan, "L").unwrap(), "1");
    assert_eq!(value(&plan, "T"), None);
    assert_eq!(
        plan.files[1].status,
        FileStatus::Skipped("no environment named")
    );
}

#[test]
fn env_name_precedence() {
    let (_t, root) = app(&[("appenv.toml", "environment = \"staging\"\n")]);
    let plan = resolve_in(&root, None, &env(&[])).unwrap();
    assert_eq!(plan.env_name.unwrap().name, "staging");
    let plan = resolve_in(&root, None, &env(&[("APPENV_ENV", "qa")])).unwrap();
    assert_eq!(plan.env_name.unwrap().name, "qa");
    let plan = resolve_in(&root, Some("test"), &env(&[("APPENV_ENV", "qa")])).unwrap();
    assert_eq!(plan.env_name.unwrap().name, "test");
    assert!(resolve_in(&root, Some("../x"), &env(&[])).is_err());
}

#[test]
fn substitution_sees_config_base_and_earlier_files() {
    let (_t, root) = app(&[
        (
            "appenv.toml",
            "[env.vars]\nHOST = \"${APPENV_T_HOST:-localhost}\"\nURL = \"http://$HOST/\"\nHOMEDIR = \"~/x\"\n",
        ),
        (".env", "DB=${URL}db\n"),
        (".env.local", "FULL=${DB}?u=${APPENV_T_USER}\n"),
    ]);
    let plan = resolve_in(
        &root,
        None,
        &env(&[("APPENV_T_USER", "me"), ("HOME", "/home/me")]),
    )
    .unwrap();
    assert_eq!(value(&plan, "URL").unwrap(), "http://localhost/");
    assert_eq!(value(&plan, "FULL").unwrap(), "http://localhost/db?u=me");
    assert_eq!(value(&plan, "HOMEDIR").unwrap(), "/home/me/x");
}

#[test]
fn undefined_config_variable_is_an_error() {
    let (_t, root) = app(&[("appenv.toml", "[env.vars]\nX = \"$APPENV_T_NOPE\"\n")]);
    let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
    assert!(
        err.contains("[env.vars] X: $APPENV_T_NOPE is not defined"),
        "{err}"
    );
}

#[test]
fn broken_env_file_names_file_and_line() {
    let (_t, root) = app(&[(".env", "A=1\nB=\"open\n")]);
    let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
    assert_eq!(err, ".env:2: unterminated double quote");
}

#[test]
fn an_apps_files_cannot_set_appenvs_names_or_the_trust_stores_place() {
    let xdg = env(&[("XDG_DATA_HOME", "/data")]);
    for (name, base, refused) in [
        ("APPENV_TRUSTED_DIRS", &env(&[]), true),
        ("APPENV_ROOTX", &xdg, true),
        ("XDG_DATA_HOME", &xdg, true),
        ("HOME", &env(&[]), true),
        ("HOME", &env(&[("XDG_DATA_HOME", "relative")]), true),
        ("HOME", &xdg, false),
        ("APPENVX", &env(&[]), false),
    ] {
        assert_eq!(
            Reserved::new(base).why(name).is_some(),
            refused,
            "{name} with {base:?}"
        );
    }
    let (_t, root) = app(&[(".env", "A=1\n\nAPPENV_QUIET=1\n")]);
    let err = resolve_in(&root, None, &env(&[])).unwrap_err().to_string();
    assert!(
        err.starts_with(".env:3: APPENV_QUIET: names starting with APPENV_"),
        "{err}"
    );
}

#[test]
fn a_plan_records_every_file_it_read_with_the_digest_of_what_it_parsed() {
    let (_t, root) = app(&[(".env", "A=1\n"), ("Procfile", "web: x\n")]);
    let plan = resolve_in(&root, None, &env(&[])).unwrap();
    let read: Vec<(&str, bool)> = plan
        .inputs
        .files()
        .iter()
        .map(|i| (i.name.as_str(), i.digest.is_some()))
        .collect();
    assert_eq!(
        read,
        [
            ("appenv.toml", false),
            ("Procfile", true),
            (".env", true),
            (".env.local", false)
        ]
    );
    assert_eq!(plan.inputs.files()[2].digest, Some(input::sha256(b"A=1\n")));
    assert_eq!(
        plan.inputs(),
        read.iter().map(|(n, _)| root.join(n)).collect::<Vec<_>>()
    );
}

#[test]
fn isolation_path_and_virtualenv() {
    let (_t, root) = app(&[
        (".venv/pyvenv.cfg", ""),
        (".venv/bin/python", ""),
        (".env", ""),
    ]);
    let plan = resolve_in(
        &root,
        None,
        &env(&[
            ("PATH", "/usr/bin"),
            ("PYTHONHOME", "/x"),
            ("VIRTUAL_ENV", "/other"),
        ]),
    )
    .unwrap();
    assert_eq!(
        value(&plan, "PATH").unwrap(),
        format!("{root}/.venv/bin:/usr/bin")
    );
    assert_eq!(
        value(&plan, "VIRTUAL_ENV").unwrap(),
        format!("{root}/.venv")
    );
    assert_eq!(value(&plan, "PYTHONHOME"), None);
    assert_eq!(plan.removed, [OsString::from("PYTHONHOME")]);
}
