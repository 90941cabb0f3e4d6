//! `appenv export gha` in a GitHub Actions step: what it appends to the
//! file `$GITHUB_ENV` names, read back the way the Actions runner reads it
//! (the parser below follows the runner's documented rules), gives the
//! later steps exactly the app's values; secrets are masked on stdout.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{App, stderr, stdout};

/// `$GITHUB_ENV` read as the runner reads it on Linux and macOS: split at
/// `\n` only; a line whose first `=` comes before any `<<` is `NAME=value`;
/// `NAME<<DELIMITER` takes the lines up to the first one that is exactly
/// the delimiter, joined by `\n`; empty lines are skipped; anything else,
/// an empty name or delimiter, or a delimiter never found, is an error
/// that fails the step.
fn parse_github_env(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut vars = BTreeMap::new();
    let mut lines = text.split('\n');
    // A file ending in `\n` has no line after it.
    let ends_with_newline = text.ends_with('\n');
    let mut all: Vec<&str> = lines.by_ref().collect();
    if ends_with_newline {
        all.pop();
    }
    let mut lines = all.into_iter();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (name, value) = (&line[..e], &line[e + 1..]);
                if name.is_empty() {
                    return Err(format!("empty name: {line:?}"));
                }
                vars.insert(name.to_owned(), value.to_owned());
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!("empty name or delimiter: {line:?}"));
                }
                let mut value = Vec::new();
                loop {
                    match lines.next() {
                        Some(l) if l == delimiter => break,
                        Some(l) => value.push(l),
                        None => return Err(format!("delimiter {delimiter:?} not found")),
                    }
                }
                vars.insert(name.to_owned(), value.join("\n"));
            }
            _ => return Err(format!("invalid line: {line:?}")),
        }
    }
    Ok(vars)
}

/// The `::add-mask::` values among a step's output lines, unescaped as the
/// runner unescapes a workflow command's data.
fn masks(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|line| line.strip_prefix("::add-mask::"))
        .map(|data| {
            data.replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%25", "%")
        })
        .collect()
}

/// Values a heredoc delimiter, the `NAME=value` split or a line-based
/// reader could get wrong.
const ENV: &str = r#"MULTI="line one
line two"
EOFISH="before
EOF
APPENV_EOF
APPENV_EOF_1
after"
TRAILING="ends in a newline
"
EQUALS=a=b<<c==
HEREDOC_LOOKALIKE=X<<EOF
EMPTY=
UNICODE="héllo ✓ 日本"
QUOTES="it's \"quoted\" \\ \$HOME"
CR="a
b"
TOKEN=tok-1234-abcd
PLAIN=shown
BAD.NAME=1
"#;

/// A step: `appenv export gha` in the app with `$GITHUB_ENV` naming an
/// empty file, as the runner makes it.
struct Step {
    out: std::process::Output,
    env_file: String,
}

fn step(app: &App, cmd: impl FnOnce(&mut assert_cmd::Command)) -> Step {
    let file = app.tmp.path().join("github_env");
    fs::write(&file, "").unwrap();
    let mut appenv = app.appenv();
    appenv.env("GITHUB_ENV", &file).args(["export", "gha"]);
    cmd(&mut appenv);
    let out = appenv.output().unwrap();
    let env_file = fs::read_to_string(&file).unwrap();
    Step { out, env_file }
}

/// What `appenv env --json` says the app's program gets.
fn app_values(app: &App) -> BTreeMap<String, String> {
    let out = app.appenv().args(["env", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vars = json["vars"].as_object().unwrap();
    vars.iter()
        .map(|(k, v)| (k.clone(), v["value"].as_str().unwrap().to_owned()))
        .collect()
}

fn app() -> App {
    App::new(&[
        (".env", &ENV.replace("CR=\"a\nb\"", "CR=\"a\rb\"")),
        ("appenv.toml", "[env]\nsecret = [\"TOKEN\"]\n"),
    ])
}

#[test]
fn github_env_reads_back_every_value_the_app_gets() {
    let app = app();
    let step = step(&app, |_| {});
    assert!(step.out.status.success(), "{}", stderr(&step.out));
    let read = parse_github_env(&step.env_file).unwrap();
    let expected = app_values(&app);
    for (name, want) in [
        ("MULTI", "line one\nline two"),
        ("EOFISH", "before\nEOF\nAPPENV_EOF\nAPPENV_EOF_1\nafter"),
        ("TRAILING", "ends in a newline\n"),
        ("EQUALS", "a=b<<c=="),
        ("HEREDOC_LOOKALIKE", "X<<EOF"),
        ("EMPTY", ""),
        ("UNICODE", "héllo ✓ 日本"),
        ("QUOTES", "it's \"quoted\" \\ $HOME"),
        ("CR", "a\rb"),
        ("PLAIN", "shown"),
    ] {
        assert_eq!(read.get(name).map(String::as_str), Some(want), "{name}");
    }
    // Everything written is what the app's programs get, and everything
    // the app sets is written (but a name $GITHUB_ENV cannot hold).
    for (name, value) in &read {
        if name != "APPENV_STATE" {
            assert_eq!(expected.get(name), Some(value), "{name}");
        }
    }
    assert!(!read.contains_key("BAD.NAME"));
    assert!(stderr(&step.out).contains("left out BAD.NAME"));
    assert!(read.contains_key("APPENV_STATE"));
    // The secret named in appenv.toml is masked, and nothing else is.
    let masked = masks(&stdout(&step.out));
    assert!(masked.contains(&"tok-1234-abcd".to_owned()), "{masked:?}");
    assert!(!masked.iter().any(|m| m.contains("shown")), "{masked:?}");
    assert!(
        stdout(&step.out)
            .lines()
            .all(|l| l.starts_with("::add-mask::"))
    );
}

#[test]
fn a_later_step_with_the_load_gets_the_other_environment_cleanly() {
    // The state written with the values lets a later step's appenv take
    // the load back out, as the shell hook does: `-e test` gets the test
    // value, not the one the first step loaded.
    let app = App::new(&[(".env", "DB=dev\n"), (".env.test", "DB=test\n")]);
    let first = step(&app, |_| {});
    let read = parse_github_env(&first.env_file).unwrap();
    assert_eq!(read["DB"], "dev");
    let mut later = app.appenv();
    for (name, value) in &read {
        later.env(name, value);
    }
    let out = later
        .args(["-e", "test", "env", "--json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["vars"]["DB"]["value"], "test", "{}", stderr(&out));
    // And exporting again in it changes nothing.
    let again = step(&app, |cmd| {
        for (name, value) in &read {
            cmd.env(name, value);
        }
    });
    assert!(again.out.status.success(), "{}", stderr(&again.out));
    assert_eq!(parse_github_env(&again.env_file).unwrap(), BTreeMap::new());
}

#[test]
fn the_state_is_the_same_whether_the_files_just_changed_or_not() {
    // A file changed within a clock tick of the step cannot vouch for
    // itself, which decides whether the shell hook keeps a fingerprint. A
    // job's state keeps none, so a step run right after a checkout and
    // one run later write the same state.
    let app = App::new(&[(".env", "DB=dev\n")]);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let settled = step(&app, |_| {});
    let state = &parse_github_env(&settled.env_file).unwrap()["APPENV_STATE"];
    assert!(!state.contains(" seen="), "{state}");
}

#[test]
fn decrypted_values_are_masked_line_by_line_and_as_the_state_holds_them() {
    let secret = "first line%\nsecond \"line\"\n";
    let app = App::new(&[(
        ".env",
        &format!("API_KEY=\"{}\"\nOTHER=plain\n", secret.replace('"', "\\\"")),
    )]);
    let enc = app
        .appenv()
        .args(["encrypt", "-f", ".env", "API_KEY"])
        .output()
        .unwrap();
    assert!(enc.status.success(), "{}", stderr(&enc));
    let written = fs::read_to_string(app.root.join(".env")).unwrap();
    assert!(written.contains("encrypted:") && !written.contains("first line"));
    let step = step(&app, |_| {});
    assert!(step.out.status.success(), "{}", stderr(&step.out));
    let read = parse_github_env(&step.env_file).unwrap();
    assert_eq!(read["API_KEY"], secret);
    let masked = masks(&stdout(&step.out));
    for line in ["first line%", "second \"line\""] {
        assert!(masked.contains(&line.to_owned()), "{line:?} in {masked:?}");
    }
    // Every line a later step could print is covered: the value's lines,
    // and the state, which holds the value encoded.
    let state = &read["APPENV_STATE"];
    assert!(
        masked
            .iter()
            .any(|m| m.len() > 10 && state.contains(m.as_str())),
        "{masked:?}"
    );
    assert!(!masked.iter().any(|m| m.contains("plain")));
    // The ciphertext never reaches a later step.
    assert!(!step.env_file.contains("encrypted:"));
}

#[test]
fn outside_a_job_or_for_an_app_not_loaded_the_step_fails() {
    let app = App::new(&[(".env", "A=1\n")]);
    let out = app.appenv().args(["export", "gha"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("GITHUB_ENV is not set"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    // Not trusted: nothing written, a failed step naming why.
    let untrusted = step(&app, |cmd| {
        cmd.env_remove("APPENV_TRUSTED_DIRS");
    });
    assert_eq!(untrusted.out.status.code(), Some(125));
    assert!(
        stderr(&untrusted.out).contains("appenv allow"),
        "{}",
        stderr(&untrusted.out)
    );
    assert_eq!(untrusted.env_file, "");
    // A broken .env names file:line.
    app.write(".env", "A=\"open\n");
    let broken = step(&app, |_| {});
    assert_eq!(broken.out.status.code(), Some(125));
    assert!(
        stderr(&broken.out).contains(".env:1"),
        "{}",
        stderr(&broken.out)
    );
    assert_eq!(broken.env_file, "");
    // A $GITHUB_ENV that is not there: an error naming it, never created.
    let missing = app.tmp.path().join("nope/github_env");
    app.write(".env", "A=1\n");
    let out = app
        .appenv()
        .env("GITHUB_ENV", &missing)
        .args(["export", "gha"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(stderr(&out).contains("nope/github_env"), "{}", stderr(&out));
    assert!(!Path::new(&missing).exists());
}

#[test]
fn the_parser_follows_the_runner_rules() {
    let read = parse_github_env("A=1\nB<<X\nx\n\nX\n\nC=a<<b\nD<<E=F\nv\nE=F\n").unwrap();
    assert_eq!(read["A"], "1");
    assert_eq!(read["B"], "x\n");
    assert_eq!(read["C"], "a<<b");
    assert_eq!(read["D"], "v");
    assert!(parse_github_env("A<<X\nno end\n").is_err());
    assert!(parse_github_env("=1\n").is_err());
    assert!(parse_github_env("nothing\n").is_err());
}
