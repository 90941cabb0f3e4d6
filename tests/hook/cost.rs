//! An unchanged prompt starts no process: counted with strace around an
//! interactive shell fed by a pipe.

use std::process::Command;

use crate::harness::{Sandbox, appenv_bin, have};

/// The programs the session exec'd, in order.
fn execs(sandbox: &Sandbox, shell: &[&str], input: &str) -> Vec<String> {
    let input_file = sandbox.path("input");
    std::fs::write(&input_file, input).unwrap();
    let trace = sandbox.path("trace");
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=execve", "-e", "signal=none", "-o"])
        .arg(&trace)
        .args(shell)
        .stdin(std::fs::File::open(&input_file).unwrap())
        .current_dir(sandbox.path(""))
        .env_clear()
        .envs(sandbox.env())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{shell:?}: {stderr}");
    assert!(stderr.contains("appenv: loaded app (.env)"), "{stderr}");
    let trace = std::fs::read_to_string(trace).unwrap();
    trace
        .lines()
        .filter(|line| line.contains("execve(") && !line.contains("= -1 "))
        .map(|line| {
            let start = line.find("execve(\"").unwrap() + 8;
            let end = start + line[start..].find('"').unwrap();
            let path = &line[start..end];
            let args = if line.contains("\"export\"") {
                " export"
            } else if line.contains("\"hook\"") {
                " hook"
            } else {
                ""
            };
            format!("{path}{args}")
        })
        .collect()
}

#[test]
fn unchanged_prompts_start_no_process() {
    if !have("strace") {
        return;
    }
    for (shell, args) in [
        ("bash", &["bash", "--norc", "--noprofile", "-i"][..]),
        ("zsh", &["zsh", "-f", "-i"][..]),
    ] {
        if !have(shell) {
            continue;
        }
        let sandbox = Sandbox::new(&[("apps/app/.env", "DB=dev\n"), ("apps/app/sub/", "")]);
        let appenv = appenv_bin().display().to_string();
        let session = |prompts: usize| {
            let mut input = format!("eval \"$('{appenv}' hook {shell})\"\ncd apps/app\n");
            input += &"\n".repeat(prompts);
            input += "echo \"$DB\" >/dev/null\nexit\n";
            execs(&sandbox, args, &input)
        };
        let few = session(0);
        let many = session(50);
        // The shell, `appenv hook`, then one `appenv export` at the first
        // prompt (nothing loaded) and one after `cd` (the load): 50 more
        // unchanged prompts add nothing.
        let shell_path = few[0].clone();
        assert_eq!(
            few,
            [
                shell_path,
                format!("{appenv} hook"),
                format!("{appenv} export"),
                format!("{appenv} export"),
            ],
            "{shell}"
        );
        assert_eq!(many, few, "{shell}");
    }
}

/// fish reads no prompts from a pipe, so the prompts are its event.
#[test]
fn unchanged_fish_prompts_start_no_process() {
    if !have("strace") || !have("fish") {
        return;
    }
    let sandbox = Sandbox::new(&[("apps/app/.env", "DB=dev\n")]);
    let appenv = appenv_bin().display().to_string();
    let session = |prompts: usize| {
        let script = format!(
            "'{appenv}' hook fish | source\ncd apps/app\n{}",
            "emit fish_prompt\n".repeat(prompts)
        );
        execs(&sandbox, &["fish", "--no-config", "-c", &script], "")
    };
    let few = session(1);
    let many = session(50);
    // The shell, `appenv hook`, one `appenv export` at `cd`, and at exit
    // the `rm` of the stamp.
    assert_eq!(few.len(), 4, "{few:?}");
    assert_eq!(few[2], format!("{appenv} export"));
    assert_eq!(many, few);
}
