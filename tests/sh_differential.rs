//! Differential: generated task lines (quoting, escapes, `&>`, numbered
//! redirections, backslash-newline, special parameters, `;`, `&&`, `|`,
//! here-strings, globs, `~`, braces, assignments) run by `appenv run` and
//! by the system's `/bin/sh -c` as written, under dash and under bash as
//! /bin/sh. What the programs print, stderr, exit status and the files the
//! line makes must be the same; with ARGS, appenv either refuses them
//! (exit 125, nothing runs) or runs what sh runs with the ARGS as arguments
//! of the line's last command, and refuses when sh could not take them so.
//!
//! The seed is fixed (`APPENV_SH_SEED` picks another) and printed on a
//! failure; `APPENV_SH_CASES` runs more cases than the default.

use crate::common;
use crate::task_exec::{can_unshare, unshare};

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use common::{App, stderr};

const SEED: u64 = 6_221_106;
const CASES: usize = 200;

/// ARGS an attacker passes: code if they were ever read as a line.
const ARGS: [&str; 4] = ["x y", "$(touch P)", ";touch Q", "*"];

/// splitmix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// A generated line and what it means for ARGS.
struct Case {
    line: String,
    /// The line with the ARGS where sh takes them as arguments of its last
    /// command (`"$@"` after its last word, or the line itself when it
    /// reads them as `$1`, `"$@"`…); `None` when sh cannot take them so.
    with_args: Option<String>,
}

/// Pieces of a word. Those that read the ARGS come first.
const READS_ARGS: &[&str] = &[
    "$1",
    "\"$@\"",
    "$*",
    "\"$*\"",
    "${1:-d}",
    "${#1}",
    "$(echo $1)",
    "`echo $2`",
    "\"${2}\"",
];

const PIECES: &[&str] = &[
    "a",
    "b.c",
    "-x",
    "--k=v",
    "x,y",
    "%",
    "@",
    "}",
    "]",
    "!",
    "=",
    "'s q'",
    "'$A'",
    "'a\\tb'",
    "\"d q\"",
    "\"$A\"",
    "\"${SP}\"",
    "\"\\$A\"",
    "\"a\\\\b\"",
    "\"a\\tb\"",
    "\\ ",
    "\\\\",
    "\\$A",
    "\\'",
    "\\t",
    "$A",
    "${A}",
    "$SP",
    "${E:-def}",
    "${U:-x}",
    "${U:-}",
    "$U",
    "$G",
    "\"$G\"",
    "$E",
    "\"$E\"",
    "$HOME",
    "$#",
    "$0",
    "$?",
    "$PPID",
    "$OPTIND",
    "\"$IFS\"",
    "\"$PS2\"",
    "$_",
    "$(echo s)",
    "`echo b`",
    "$(printf '<%s>' $#)",
    "*.toml",
    "?ppenv.toml",
    "[a]*",
    "*.none",
    "~",
    "~/x",
    "x=~/y",
    "{a,b}",
    "{1..2}",
    "{}",
    "{",
    "$'a\\tb'",
    "$\"loc\"",
    "$A\\\nB",
    "a\\\nb",
    "$\\\nA",
    "\"$A\\\nB\"",
    "${A\\\n}",
    "$((1+2))",
    "\"${U:-'}'}\"",
    "${U:-'x}'}",
    "${U:-$(echo })}",
    "${U:-${A}}",
    "$(case a in a) echo c;; esac)",
    "\"$(echo \")\")\"",
    "$(echo `echo )`)",
    "CFLAGS+=x",
    "é",
];

/// Redirections after a command's words; the flag says whether sh could
/// still take ARGS after it (`&>` is `&` then `>` in dash).
const REDIRECTS: &[(&str, bool)] = &[
    (" >f1", true),
    (" 2>/dev/null", true),
    (" 2>&1", true),
    (" >&2", true),
    (" 1>f2", true),
    (" 10>f3", true),
    (" >>f4", true),
    (" >|f5", true),
    (" <>f6", true),
    (" &>/dev/null", false),
    (" &>f7", false),
    (" >& f8", false),
    (" <<<here", false),
    (" 2>\\\n/dev/null", true),
];

/// Programs and builtins, with the words they start with.
const COMMANDS: &[&str] = &[
    "show '<%s>\\n'",
    "show '<%s>\\n'",
    "show '<%s>\\n'",
    "exec show '<%s>\\n'",
    "/usr/bin/printf '[%s]\\n'",
    "echo",
    "echo",
    "printf '(%s)\\n'",
    "true",
    "false",
    "cd .",
    "2>/dev/null cd .",
    "2>/dev/null echo",
    ">f9 show '<%s>\\n'",
    "A+=1 show '<%s>\\n'",
    "A[1]=x show '<%s>\\n'",
];

fn word(rng: &mut Rng, reads_args: &mut bool) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(2) {
        let piece = if rng.chance(8) {
            *reads_args = true;
            rng.pick(READS_ARGS)
        } else {
            rng.pick(PIECES)
        };
        out.push_str(piece);
    }
    out
}

/// A redirection; `&>` only where nothing follows it (`last`): dash runs
/// the command before it in the background, where its output would race
/// with what comes after.
fn redirect(rng: &mut Rng, last: bool) -> (&'static str, bool) {
    loop {
        let (redirect, fits) = REDIRECTS[rng.below(REDIRECTS.len())];
        if last || !redirect.contains("&>") {
            return (redirect, fits);
        }
    }
}

/// One simple command; false when ARGS could not follow it.
fn command(rng: &mut Rng, line: &mut String, reads_args: &mut bool, last: bool) -> bool {
    for _ in 0..rng.below(3).saturating_sub(1) {
        let value = word(rng, reads_args);
        write!(line, "{}={value} ", rng.pick(&["V", "A", "X_1"])).unwrap();
    }
    line.push_str(rng.pick(COMMANDS));
    let mut args_fit = true;
    for _ in 0..rng.below(4) {
        line.push_str(rng.pick(&[" ", " ", "\t", " \\\n "]));
        line.push_str(&word(rng, reads_args));
        if rng.chance(8) {
            let (redirect, fits) = redirect(rng, false);
            line.push_str(redirect);
            args_fit &= fits;
        }
    }
    if rng.chance(15) {
        let (redirect, fits) = redirect(rng, last);
        line.push_str(redirect);
        args_fit &= fits;
    }
    args_fit
}

/// Lists (`;`, newline) of and-or lists (`&&`, `||`) of commands, each
/// maybe piped into `cat`. Only a quiet command starting a list, or the
/// whole line, runs in the background, so output never races.
fn case(rng: &mut Rng) -> Case {
    let mut line = String::new();
    let mut reads_args = false;
    let mut args_fit = true;
    let commands = 1 + rng.below(3);
    for k in 0..commands {
        let last = k + 1 == commands;
        let list_start = k == 0 || rng.chance(50);
        if k > 0 {
            line.push_str(match list_start {
                true => rng.pick(&["; ", "\n"]),
                false => rng.pick(&[" && ", " || ", " &&\n"]),
            });
        }
        if list_start && rng.chance(8) {
            line.push_str(rng.pick(&[
                "sleep 0 & ",
                "true &",
                "sleep 0 &>/dev/null; ",
                "true &>/dev/null\n",
            ]));
        }
        args_fit = command(rng, &mut line, &mut reads_args, last);
        if rng.chance(8) {
            line.push_str(" | cat");
            args_fit = true;
        }
    }
    let tail = rng.pick(&["", "", "", ";", " # note", "\n", " &"]);
    let with_args = match (tail, args_fit, reads_args) {
        // The line places the ARGS itself.
        (_, _, true) => Some(format!("{line}{tail}")),
        (" &", _, _) | (_, false, _) => None,
        (_, true, false) => Some(format!("{line} \"$@\"{tail}")),
    };
    line.push_str(tail);
    Case { line, with_args }
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => write!(out, "\\u{:04x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const ENV_FILE: &str = "A=one\nSP=' a  b '\nE=\nG='*.toml'\n";

/// The four runs of a case, each in an app of its own: the task and the
/// reference, without and with ARGS.
const RUNS: [&str; 4] = ["t0", "r0", "t1", "r1"];

fn write_case(dir: &Path, case: &Case) {
    for run in RUNS {
        let app = dir.join(run).join("app");
        fs::create_dir_all(&app).unwrap();
        let reference = match run {
            "r1" => case.with_args.as_deref().unwrap_or(&case.line),
            _ => &case.line,
        };
        let config = format!(
            "[tasks]\nt = {}\nr = [\"/bin/sh\", \"-c\", {}, \"t\"]\n",
            toml_string(&case.line),
            toml_string(reference)
        );
        fs::write(app.join("appenv.toml"), config).unwrap();
        fs::write(app.join(".env"), ENV_FILE).unwrap();
    }
}

/// A script that makes every run of every case, for one /bin/sh.
fn driver(dir: &Path, cases: usize) -> PathBuf {
    // A lock every process of the run inherits: once it is free, what the
    // line left in the background has written all it writes and made its
    // files. The shell's parent is the driver in every run ($PPID).
    let mut script = String::from(
        "run() {\n  d=$1; shift\n  (flock 9 && cd \"$d/app\" && exec \"$APPENV\" run \"$@\") \
         9>\"$d/lock\" >\"$d/out\" 2>\"$d/err\" </dev/null\n  echo $? >\"$d/rc\"\n  \
         flock \"$d/lock\" true\n  rm \"$d/lock\"\n}\n",
    );
    let args: String = ARGS.iter().map(|a| format!(" '{a}'")).collect();
    for k in 0..cases {
        let c = dir.join(format!("c{k}"));
        let c = c.display();
        writeln!(script, "run {c}/t0 t\nrun {c}/r0 r").unwrap();
        writeln!(script, "run {c}/t1 t{args}\nrun {c}/r1 r{args}").unwrap();
    }
    let path = dir.join("driver.sh");
    fs::write(&path, script).unwrap();
    path
}

/// stderr's lines in order: the commands of a pipeline write theirs at
/// the same time.
fn sorted_lines(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines.join("\n")
}

/// What a run left: stdout, stderr (its lines sorted), status and the files it made.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    out: String,
    err: String,
    rc: String,
    files: Vec<(String, String)>,
}

fn outcome(run: &Path) -> Outcome {
    let read =
        |name: &str| String::from_utf8_lossy(&fs::read(run.join(name)).unwrap()).into_owned();
    let mut files = Vec::new();
    for entry in fs::read_dir(run.join("app")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "appenv.toml" || name == ".env" {
            continue;
        }
        let content = fs::read(entry.path()).unwrap_or_default();
        files.push((name, String::from_utf8_lossy(&content).into_owned()));
    }
    files.sort();
    Outcome {
        out: read("out"),
        err: sorted_lines(&read("err")),
        rc: read("rc").trim().to_owned(),
        files,
    }
}

/// Runs the cases under the /bin/sh that `wrap` (words before the driver)
/// gives, and returns every difference found.
fn differences(shell: &str, wrap: &[String]) -> Vec<String> {
    let seed = std::env::var("APPENV_SH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let cases = std::env::var("APPENV_SH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CASES);
    let mut rng = Rng(seed);
    let generated: Vec<Case> = (0..cases).map(|_| case(&mut rng)).collect();

    let app = App::new(&[]);
    let bin = app.tmp.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(common::real_tool("printf"), bin.join("show")).unwrap();
    for (k, case) in generated.iter().enumerate() {
        write_case(&app.tmp.path().join(format!("c{k}")), case);
    }
    let driver = driver(app.tmp.path(), cases);
    let path = format!("{}:{}", bin.display(), common::SYSTEM_PATH);
    let (program, rest) = wrap.split_first().unwrap();
    let out = app
        .sandbox()
        .set("PATH", &path)
        .set("APPENV", common::appenv_bin())
        .command(common::real_tool(program))
        .args(rest)
        .arg("/bin/dash")
        .arg(&driver)
        .current_dir(app.tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell}: the driver failed: {}",
        stderr(&out)
    );

    let mut found = Vec::new();
    for (k, case) in generated.iter().enumerate() {
        let c = app.tmp.path().join(format!("c{k}"));
        let [t0, r0, t1, r1] = RUNS.map(|run| outcome(&c.join(run)));
        let mut report = |what: &str, got: &Outcome, want: Option<&Outcome>| {
            found.push(format!(
                "{shell}, seed {seed}, case {k}: {what}\n  line: {:?}\n  with ARGS: {:?}\n  \
                 appenv: {got:?}\n  sh:     {want:?}",
                case.line, case.with_args
            ));
        };
        if t0 != r0 {
            report("without ARGS", &t0, Some(&r0));
        }
        let refused = t1.rc == "125" && t1.out.is_empty() && t1.files.is_empty();
        match &case.with_args {
            None if !refused => report("ARGS taken where sh cannot take them", &t1, None),
            Some(_) if !refused && t1 != r1 => report("with ARGS", &t1, Some(&r1)),
            _ => {}
        }
    }
    found
}

fn check(shell: &str, wrap: &[String]) {
    if !common::require("flock") {
        return;
    }
    let found = differences(shell, wrap);
    assert!(
        found.is_empty(),
        "{} differences from sh:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Words before a command that make /bin/sh bash for it: in a private
/// mount namespace, where bash then runs as sh.
fn bash_as_sh() -> Vec<String> {
    let bash = common::real_tool("bash").display().to_string();
    unshare(&[
        "--mount",
        "--propagation",
        "private",
        "/bin/dash",
        "-c",
        "/bin/mount --bind \"$0\" /bin/sh && exec \"$@\"",
        &bash,
    ])
}

#[test]
fn the_generator_makes_what_it_is_meant_to() {
    // The cases hold the constructs the test is about, in fair numbers.
    let mut rng = Rng(SEED);
    let lines: Vec<Case> = (0..CASES).map(|_| case(&mut rng)).collect();
    let count = |what: &str| lines.iter().filter(|c| c.line.contains(what)).count();
    for what in [
        "&>", "2>", "\\\n", "$PPID", "{a,b}", "$1", "; ", " | ", "~", "*",
    ] {
        assert!(count(what) >= 3, "{what:?} in {} lines", count(what));
    }
    assert!(lines.iter().filter(|c| c.with_args.is_none()).count() >= 10);
}

/// `wrap` (dash as it is, or bash bound on /bin/sh) running `appenv ARGS`
/// in the app's root, and `/bin/sh -c LINE t` there for comparison.
fn under(app: &App, wrap: &[String], words: &[&str]) -> std::process::Output {
    let (program, rest) = wrap.split_first().unwrap();
    app.sandbox()
        .set("APPENV", common::appenv_bin())
        .command(common::real_tool(program))
        .args(rest)
        .args(["/bin/dash", "-c", "cd \"$0\" && exec \"$@\""])
        .arg(&app.root)
        .args(words)
        .output()
        .unwrap()
}

fn attacks(shell: &str, wrap: &[String]) {
    let app = App::new(&[
        (
            "appenv.toml",
            "[tasks]\n\
             quiet = \"sleep 0 &>/dev/null\"\n\
             numbered = \"true; 2>/dev/null echo 'a\\\\tb'\"\n\
             moved = \"true; 2>/dev/null cd / && pwd\"\n\
             joined = \"printf '%s\\\\n' $A\\\\\\nB\"\n\
             inside = \"printf '[%s]' $(echo $1)\"\n\
             times = \"times\"\n",
        ),
        (".env", "A=a\nAB=joined\n"),
    ]);
    let appenv = common::appenv_bin().display().to_string();
    let run = |words: &[&str]| {
        let mut all = vec![appenv.as_str(), "run"];
        all.extend(words);
        under(&app, wrap, &all)
    };
    let sh = |line: &str| under(&app, wrap, &["/bin/sh", "-c", line, "t"]);

    // ARGS are file names, never code, whatever `&>` means to this sh.
    let out = run(&["quiet", "touch", "X"]);
    assert_eq!(out.status.code(), Some(125), "{shell}: {}", stderr(&out));
    assert!(!app.root.join("X").exists(), "{shell}: the ARGS ran");
    // `echo` and `cd` stay builtins after a numbered redirection.
    for (task, line) in [
        ("numbered", "true; 2>/dev/null echo 'a\\tb'"),
        ("moved", "true; 2>/dev/null cd / && pwd"),
        ("times", "times"),
    ] {
        let (got, want) = (run(&[task]), sh(line));
        assert_eq!(
            got.status.code(),
            Some(0),
            "{shell} {task}: {}",
            stderr(&got)
        );
        if task != "times" {
            assert_eq!(got.stdout, want.stdout, "{shell} {task}");
        }
    }
    // `$A\⏎B` is `$AB`.
    assert_eq!(common::stdout(&run(&["joined"])), "joined\n", "{shell}");
    // The line reads `$1` inside `$(…)`: the ARGS go there only.
    assert_eq!(
        common::stdout(&run(&["inside", "x y"])),
        "[x][y]",
        "{shell}"
    );
}

#[test]
fn attacks_on_task_lines_fail_under_dash_and_bash() {
    if !common::require("dash") || !common::require("bash") || !can_unshare() {
        return;
    }
    let sh = fs::canonicalize("/bin/sh").unwrap();
    if common::require_that(
        sh.file_name().is_some_and(|n| n == "dash"),
        &format!("/bin/sh is {sh:?}, not dash"),
    ) {
        attacks("dash", &["env".into()]);
    }
    attacks("bash as sh", &bash_as_sh());
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn task_lines_run_as_dash_runs_them() {
        if !common::require("dash") {
            return;
        }
        let sh = fs::canonicalize("/bin/sh").unwrap();
        if !common::require_that(
            sh.file_name().is_some_and(|n| n == "dash"),
            &format!("/bin/sh is {sh:?}, not dash"),
        ) {
            return;
        }
        check("dash", &["env".into()]);
    }

    #[test]
    fn task_lines_run_as_bash_as_sh_runs_them() {
        if !common::require("bash") || !can_unshare() {
            return;
        }
        check("bash as sh", &bash_as_sh());
    }
}
