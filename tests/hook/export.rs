//! `appenv export` on its own: JSON for editors, and always exit 0 with
//! code the shell can evaluate.

use serde_json::{Value, json};

use super::harness::{HookApp, appenv_bin};

fn export(sandbox: &HookApp, dir: &str, format: &str, env: &[(String, String)]) -> (Value, String) {
    let out = sandbox
        .appenv()
        .args(["export", format])
        .current_dir(sandbox.path(dir))
        .env("PWD", sandbox.path(dir))
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    match format {
        "json" => (serde_json::from_str(&stdout).unwrap(), stderr),
        _ => (Value::String(stdout), stderr),
    }
}

#[test]
fn json_gives_what_to_set_and_null_for_what_to_unset() {
    let sandbox = HookApp::new(&[("apps/app/.env", "DB=dev\n")]);
    let root = sandbox.path("apps/app").display().to_string();
    let (load, said) = export(&sandbox, "apps/app", "json", &[]);
    assert_eq!(said, "appenv: loaded app (.env)\n");
    assert_eq!(load["DB"], json!("dev"));
    assert_eq!(load["APPENV_ROOT"], json!(root));
    let state = load["APPENV_STATE"].as_str().unwrap().to_owned();
    assert_eq!(load.as_object().unwrap().len(), 3, "{load}");

    // The editor applied it; asking again in the app changes nothing.
    let applied = vec![
        ("DB".to_owned(), "dev".to_owned()),
        ("APPENV_ROOT".to_owned(), root),
        ("APPENV_STATE".to_owned(), state),
    ];
    let (same, said) = export(&sandbox, "apps/app", "json", &applied);
    assert_eq!((same, said.as_str()), (json!({}), ""));

    let (unload, said) = export(&sandbox, "", "json", &applied);
    assert_eq!(said, "appenv: unloaded app\n");
    assert_eq!(
        unload,
        json!({ "DB": null, "APPENV_ROOT": null, "APPENV_STATE": null })
    );
}

#[test]
fn a_broken_app_is_one_message_and_exit_0() {
    let sandbox = HookApp::new(&[("apps/app/.env", "A=\"unterminated\n")]);
    for shell in ["bash", "zsh", "fish", "json"] {
        let (code, said) = export(&sandbox, "apps/app", shell, &[]);
        assert_eq!(
            said, "appenv: .env:1: unterminated double quote\n",
            "{shell}"
        );
        if shell == "json" {
            assert_eq!(code.as_object().unwrap().len(), 1, "{code}");
            assert!(code["APPENV_STATE"].is_string(), "{code}");
        } else {
            assert!(code.as_str().unwrap().contains("APPENV_STATE"), "{code}");
        }
    }
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    /// A working directory 1000 levels deep: `appenv export` looks each level
    /// up from the one above, not by its full path (which makes the work
    /// quadratic in the depth), and what it prints does not list every level.
    /// Counted with strace: the calls that carry a path at least half as deep.
    #[test]
    fn export_is_linear_in_the_depth_of_the_directory() {
        if !super::super::harness::have("strace") {
            return;
        }
        for (with_app, depth) in [(false, 1000), (true, 1000), (true, 300)] {
            let files: &[(&str, &str)] = if with_app {
                &[("apps/app/.env", "DB=dev\n")]
            } else {
                &[]
            };
            let sandbox = HookApp::new(files);
            let mut deep = sandbox.path("apps/app");
            for _ in 0..depth {
                deep.push("d");
            }
            std::fs::create_dir_all(&deep).unwrap();
            let trace = sandbox.path("trace");
            let out = sandbox
                .command("strace")
                .args(["-f", "-qq", "-s", "10000", "-o"])
                .arg(&trace)
                .arg(appenv_bin())
                .args(["export", "bash"])
                .current_dir(&deep)
                .env("PWD", &deep)
                .output()
                .unwrap();
            assert!(out.status.success());
            assert!(
                out.stdout.len() < 4096,
                "{} bytes of code",
                out.stdout.len()
            );
            let trace = std::fs::read_to_string(trace).unwrap();
            // Any path at least half as deep.
            let half = sandbox.path("apps/app").display().to_string() + &"/d".repeat(depth / 2);
            let deep_calls: Vec<&str> = trace.lines().filter(|l| l.contains(&half)).collect();
            assert!(
                deep_calls.len() <= 10,
                "{} calls: {:#?}",
                deep_calls.len(),
                &deep_calls[..3]
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(stderr.contains("loaded app"), with_app, "{stderr}");
        }
    }
}
