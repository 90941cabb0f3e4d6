//! What `appenv true` asks of the kernel before it execs the program, under
//! strace: each input opened once, the root opened and listed once, no file
//! of the app looked at twice, and (statically linked, in an app like the
//! benchmark's) at most 64 system calls in all.

use std::collections::HashMap;
use std::path::Path;

use crate::common::{App, have, stderr};

/// The system calls of `appenv true` started in `dir`, up to (without) the
/// execve of `true`, one per line, with the pid strace prefixes cut off.
fn trace(app: &App, dir: &Path) -> Vec<String> {
    let out_file = app.tmp.path().join("strace.out");
    // Allowed for real, not trusted by APPENV_TRUSTED_DIRS; PATH as in the
    // benchmark: two directories to search.
    let out = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .set("PATH", "/usr/bin:/bin")
        .command("strace")
        .arg("-f")
        .arg("-o")
        .arg(&out_file)
        .arg(crate::common::appenv_bin())
        .arg("true")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(out_file).unwrap();
    let calls: Vec<String> = text
        .lines()
        .map(|line| {
            line.split_once(' ')
                .map_or(line, |(_, call)| call)
                .trim_start()
        })
        .map(str::to_owned)
        .collect();
    let execs: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, call)| call.starts_with("execve("))
        .map(|(i, _)| i)
        .collect();
    assert!(execs.len() >= 2, "appenv did not exec: {text}");
    calls[..execs[1]].to_vec()
}

fn rails_like_app() -> App {
    let mut env = String::from("# Development settings\nAPP_NAME=shop\n");
    for i in 1..=58 {
        env.push_str(&format!("FEATURE_FLAG_{i:02}=value-{i:02}\n"));
    }
    env.push_str("LAST_VARIABLE=the-end\n");
    let app = App::new(&[
        (".env", &env),
        ("Procfile", "web: bin/rails server -p $PORT\n"),
        (".envrc", "dotenv\n"),
        ("app/models/concerns/", ""),
    ]);
    let allow = app
        .sandbox()
        .unset("APPENV_TRUSTED_DIRS")
        .command(crate::common::appenv_bin())
        .arg("allow")
        .current_dir(&app.root)
        .output()
        .unwrap();
    assert!(allow.status.success(), "{}", stderr(&allow));
    app
}

#[test]
fn reads_each_input_once_and_lists_the_root_once() {
    if !have("strace") {
        return;
    }
    let app = rails_like_app();
    let calls = trace(&app, &app.root.join("app/models/concerns"));
    let root = app.root.display().to_string();
    let count = |needle: &str| calls.iter().filter(|c| c.contains(needle)).count();
    for name in [".env", "Procfile"] {
        let opens = calls
            .iter()
            .filter(|c| c.starts_with("openat(") && c.contains(&format!("\"{name}\"")))
            .count();
        assert_eq!(
            opens,
            1,
            "{name} opened {opens} times:\n{}",
            calls.join("\n")
        );
    }
    assert_eq!(
        count(&format!("\"{root}\", O_RDONLY")),
        1,
        "the root opened more than once:\n{}",
        calls.join("\n")
    );
    // Every look at a name (relative to a descriptor, or by a path) happens
    // once: the program found on PATH included.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for call in &calls {
        let Some((name, args)) = call.split_once('(') else {
            continue;
        };
        if !matches!(
            name,
            "newfstatat" | "statx" | "openat" | "access" | "readlink"
        ) {
            continue;
        }
        let Some(path) = args.split('"').nth(1) else {
            continue;
        };
        let fd = args.split(',').next().unwrap_or_default();
        if !path.is_empty() {
            *seen.entry(format!("{name}:{fd}:{path}")).or_default() += 1;
        }
    }
    let twice: Vec<&String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    assert!(
        twice.is_empty(),
        "looked at twice: {twice:?}\n{}",
        calls.join("\n")
    );
}

#[test]
fn needs_at_most_sixty_four_system_calls_before_execve_when_static() {
    if !have("strace") {
        return;
    }
    let app = rails_like_app();
    let calls = trace(&app, &app.root.join("app/models/concerns"));
    // A dynamically linked build spends about 30 calls in the loader first:
    // the bound is for the static build `cargo build` makes on Linux/glibc.
    let dynamic = calls
        .iter()
        .any(|c| c.contains("ld.so") || c.contains("libc.so"));
    if cfg!(all(
        target_os = "linux",
        target_env = "gnu",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        assert!(!dynamic, "the test binary is dynamically linked");
    }
    if dynamic {
        return;
    }
    // Including the execve of appenv itself; not the checks a debug build
    // of std makes before closing each descriptor.
    let counted: Vec<&String> = calls
        .iter()
        .filter(|c| !c.starts_with("fcntl(") || !c.contains("F_GETFD)"))
        .collect();
    // 60 until the app's `.envrc` became an input: reading it costs four
    // (open, fstat, read, close) and looking for direnv's allow of it one.
    assert!(
        counted.len() <= 64,
        "{} system calls before execve:\n{}",
        counted.len(),
        calls.join("\n")
    );
}
