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
        FileStatus::Skipped(Skipped::NoEnvironment)
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
            (".env.local", false),
            (".envrc", false)
        ]
    );
    assert_eq!(plan.inputs.files()[2].digest, Some(input::sha256(b"A=1\n")));
    assert_eq!(
        plan.input_paths(),
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

fn notes(plan: &Plan) -> Vec<String> {
    plan.notes.iter().map(ToString::to_string).collect()
}

#[test]
fn the_environment_name_wins_over_files_for_the_framework_variable() {
    let (_t, root) = app(&[
        ("package.json", "{}"),
        ("mix.exs", ""),
        (".env", "NODE_ENV=development\nMIX_ENV=dev\nDB=dev\n"),
        (".env.production", "DB=prod\n"),
    ]);
    let plan = resolve_in(&root, Some("production"), &env(&[])).unwrap();
    assert_eq!(value(&plan, "NODE_ENV").unwrap(), "production");
    assert_eq!(value(&plan, "MIX_ENV").unwrap(), "prod", "Mix's spelling");
    assert_eq!(value(&plan, "DB").unwrap(), "prod");
    assert_eq!(
        notes(&plan),
        [
            ".env:2: MIX_ENV: set here, but the environment is 'production', so MIX_ENV=prod (the environment name wins over env files and [env.vars])",
            ".env:1: NODE_ENV: set here, but the environment is 'production', so NODE_ENV=production (the environment name wins over env files and [env.vars])",
        ]
    );
    // No name: the files say what they say, silently.
    let plan = resolve_in(&root, None, &env(&[])).unwrap();
    assert_eq!(value(&plan, "NODE_ENV").unwrap(), "development");
    assert!(plan.notes.is_empty());
    // The caller's own value still wins (its note is the command's).
    let plan = resolve_in(&root, Some("production"), &env(&[("NODE_ENV", "test")])).unwrap();
    assert_eq!(value(&plan, "NODE_ENV").unwrap(), "test");
    assert_eq!(plan.notes.len(), 1, "{:?}", notes(&plan));
    // A file that agrees keeps its line as the source, with no note.
    let plan = resolve_in(&root, Some("development"), &env(&[])).unwrap();
    assert_eq!(
        plan.vars[OsStr::new("MIX_ENV")].source.to_string(),
        ".env:2"
    );
    assert!(plan.notes.is_empty(), "{:?}", notes(&plan));
}

#[test]
fn name_map_spells_the_name_per_variable_and_config_vars_give_way_too() {
    let (_t, root) = app(&[
        ("mix.exs", ""),
        ("artisan", ""),
        (
            "appenv.toml",
            "[env.vars]\nAPP_ENV = \"local\"\n[env.name_map]\nAPP_ENV = { development = \"local\" }\nMIX_ENV = {}\n",
        ),
    ]);
    let plan = resolve_in(&root, Some("development"), &env(&[])).unwrap();
    assert_eq!(value(&plan, "APP_ENV").unwrap(), "local");
    assert_eq!(
        value(&plan, "MIX_ENV").unwrap(),
        "development",
        "built-in replaced"
    );
    assert!(plan.notes.is_empty());
    let plan = resolve_in(&root, Some("production"), &env(&[])).unwrap();
    assert_eq!(value(&plan, "APP_ENV").unwrap(), "production");
    assert_eq!(
        notes(&plan),
        [
            "appenv.toml [env.vars]: APP_ENV: set here, but the environment is 'production', so APP_ENV=production (the environment name wins over env files and [env.vars])"
        ]
    );
}

#[test]
fn substitution_notes_name_the_file_and_line_of_what_the_program_gets() {
    let (_t, root) = app(&[
        (".env", "A=Pa$word1\nB=x$\nC=$(whoami)\n"),
        (".env.local", "B=fixed\n"),
    ]);
    let plan = resolve_in(&root, None, &env(&[("C", "caller")])).unwrap();
    // B is replaced by a later file and C by the caller: only A's is said.
    assert_eq!(notes(&plan).len(), 1, "{:?}", notes(&plan));
    assert!(notes(&plan)[0].starts_with(".env:1: A: the `$` at character 3"));
    assert!(!notes(&plan)[0].contains("word1"));
}

#[test]
fn shadowed_and_missing() {
    let (_t, root) = app(&[
        (".env", "EDITOR=nano\nEMPTY=\nSET=1\n"),
        (".env.local", "EDITOR=emacs\n"),
        (
            "appenv.toml",
            "[env]\nrequired = [\"SET\", \"EMPTY\", \"SECRET_KEY_BASE\", \"FROM_CALLER\"]\n",
        ),
    ]);
    let base = env(&[("EDITOR", "vim"), ("FROM_CALLER", "x")]);
    let plan = resolve_in(&root, None, &base).unwrap();
    assert_eq!(value(&plan, "EDITOR").unwrap(), "vim");
    let shadowed: Vec<(String, String)> = plan
        .shadowed
        .iter()
        .map(|s| (s.name.clone(), s.source.to_string()))
        .collect();
    assert_eq!(
        shadowed,
        [("EDITOR".to_string(), ".env.local:1".to_string())]
    );
    assert_eq!(plan.missing, ["EMPTY", "SECRET_KEY_BASE"]);
    // With override the files win: nothing is shadowed.
    let request = Request {
        start: root.clone(),
        override_inherited: true,
        ..Request::default()
    };
    assert!(resolve(&request, &base).unwrap().shadowed.is_empty());
}

#[test]
fn isolation_entries_already_first_are_not_added_again() {
    let (_t, root) = app(&[
        (".venv/pyvenv.cfg", ""),
        (".venv/bin/python", ""),
        (".env", ""),
    ]);
    let path = |base: &str| {
        let plan = resolve_in(&root, None, &env(&[("PATH", base)])).unwrap();
        value(&plan, "PATH").unwrap()
    };
    let bin = format!("{root}/.venv/bin");
    // What a process appenv started has: kept as it is.
    assert_eq!(path(&format!("{bin}:/usr/bin")), format!("{bin}:/usr/bin"));
    // Elsewhere than first, it may be the user's own: added in front.
    assert_eq!(
        path(&format!("/usr/bin:{bin}")),
        format!("{bin}:/usr/bin:{bin}")
    );
    assert_eq!(
        path(&format!("{bin}x:/usr/bin")),
        format!("{bin}:{bin}x:/usr/bin")
    );
}

/// An app whose `.env` holds `A` encrypted and `B=${A}-x`, and the key.
fn encrypted_app(keys_file: bool) -> (tempfile::TempDir, Utf8PathBuf, String) {
    let (secret, public) = crate::secrets::generate();
    let a = crate::secrets::encrypt("pa$s", &public).unwrap();
    let dotenv = format!("DOTENV_PUBLIC_KEY=\"{public}\"\nA={a}\nB=${{A}}-x\nC=plain\n");
    let keys = format!("DOTENV_PRIVATE_KEY={secret}\n");
    let mut files = vec![(".env", dotenv.as_str())];
    if keys_file {
        files.push((".env.keys", keys.as_str()));
    }
    let (t, root) = app(&files);
    (t, root, secret)
}

fn unlock_in(plan: Plan, base: &Env) -> Result<Plan, Error> {
    let request = Request {
        start: plan.root.dir.clone(),
        ..Request::default()
    };
    unlock(plan, &request, base)
}

#[test]
fn encrypted_values_stay_as_written_until_unlocked_and_feed_later_lines() {
    let (_t, root, _) = encrypted_app(true);
    let base = Env::new();
    let plan = resolve_in(&root, None, &base).unwrap();
    assert!(!plan.unlocked);
    assert!(value(&plan, "A").unwrap().starts_with("encrypted:"));
    let names: Vec<&str> = plan.secrets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["A"]);
    assert_eq!(
        plan.secrets[0].key.from,
        Some(crate::secrets::KeyFrom::KeysFile)
    );
    // The key file is an input like any other: trust and the hook see it.
    assert!(plan.inputs.files().iter().any(|i| i.name == ".env.keys"));
    let plan = unlock_in(plan, &base).unwrap();
    assert!(plan.unlocked);
    // Taken as it was encrypted: a `$` in a secret stays.
    assert_eq!(value(&plan, "A").unwrap(), "pa$s");
    assert_eq!(value(&plan, "B").unwrap(), "pa$s-x");
    assert_eq!(value(&plan, "C").unwrap(), "plain");
    assert_eq!(value(&plan, "DOTENV_PUBLIC_KEY").map(|v| v.len()), Some(66));
}

#[test]
fn the_callers_key_wins_and_a_missing_or_wrong_one_names_file_line_and_key() {
    let (_t, root, secret) = encrypted_app(false);
    let given = env(&[("DOTENV_PRIVATE_KEY", &secret)]);
    let plan = resolve_in(&root, None, &given).unwrap();
    assert_eq!(
        plan.secrets[0].key.from,
        Some(crate::secrets::KeyFrom::Environment)
    );
    assert_eq!(
        value(&unlock_in(plan, &given).unwrap(), "A").unwrap(),
        "pa$s"
    );

    let none = Env::new();
    let plan = resolve_in(&root, None, &none).unwrap();
    assert_eq!(plan.secrets[0].key.from, None);
    let e = unlock_in(plan, &none).unwrap_err().to_string();
    assert!(e.starts_with(".env:2: A: "), "{e}");
    assert!(
        e.contains("DOTENV_PRIVATE_KEY") && !e.contains("encrypted:B"),
        "{e}"
    );

    let (wrong, _) = crate::secrets::generate();
    let base = env(&[("DOTENV_PRIVATE_KEY", &wrong)]);
    let plan = resolve_in(&root, None, &base).unwrap();
    let e = unlock_in(plan, &base).unwrap_err().to_string();
    assert!(e.contains("does not decrypt") && !e.contains(&wrong), "{e}");
}

#[test]
fn a_value_the_caller_shadows_needs_no_key() {
    let (_t, root, _) = encrypted_app(false);
    let base = env(&[("A", "mine")]);
    let plan = resolve_in(&root, None, &base).unwrap();
    let plan = unlock_in(plan, &base).unwrap();
    assert_eq!(value(&plan, "A").unwrap(), "mine");
    assert_eq!(value(&plan, "B").unwrap(), "mine-x");
    assert!(plan.secrets.is_empty());
}

#[test]
fn the_key_file_is_never_loaded_and_private_keys_are_not_an_apps_to_set() {
    let (_t, root, _) = encrypted_app(true);
    let plan = resolve_in(&root, Some("keys"), &Env::new()).unwrap();
    assert!(plan.value("DOTENV_PRIVATE_KEY").is_none());
    let keys = plan.files.iter().find(|f| f.name == ".env.keys").unwrap();
    assert!(matches!(keys.status, FileStatus::Skipped(_)));

    let (_t, root) = app(&[(".env", "A=1\nDOTENV_PRIVATE_KEY_CI=abc\n")]);
    let e = resolve_in(&root, None, &Env::new())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with(".env:2: DOTENV_PRIVATE_KEY_CI: "), "{e}");
    assert!(!e.contains("abc"));
}

#[test]
fn a_file_without_encrypted_values_reads_no_key_file() {
    let (_t, root) = app(&[(".env", "A=1\n"), (".env.keys", "DOTENV_PRIVATE_KEY=x\n")]);
    let plan = resolve_in(&root, None, &Env::new()).unwrap();
    assert!(plan.unlocked && plan.secrets.is_empty());
    assert!(!plan.inputs.files().iter().any(|i| i.name == ".env.keys"));
}
