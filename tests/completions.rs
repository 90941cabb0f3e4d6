//! The completion scripts and the man page: the committed copies match what
//! the binary and src/cli.rs generate, and each script loads in its real
//! shell and completes subcommands and task names.

use crate::{common, tmux};

use std::fs;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use common::{Sandbox, have, require, stderr, stdout};

const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "completions/appenv.bash"),
    ("zsh", "completions/_appenv"),
    ("fish", "completions/appenv.fish"),
    ("elvish", "completions/appenv.elv"),
    ("nu", "completions/appenv.nu"),
];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Fails when the committed `path` differs from `generated`; with
/// `UPDATE_GENERATED=1` it writes `generated` there instead.
fn check_generated(path: &str, generated: &[u8]) {
    let file = repo(path);
    if std::env::var_os("UPDATE_GENERATED").is_some_and(|v| v == "1") {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, generated).unwrap();
        return;
    }
    let committed = fs::read(&file).unwrap_or_default();
    if committed != generated {
        let committed = String::from_utf8_lossy(&committed);
        let generated = String::from_utf8_lossy(generated);
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "{path} is out of date (first difference at line {line}); \
             regenerate it with: UPDATE_GENERATED=1 cargo test --test tests completions::"
        );
    }
}

fn completions(shell: &str) -> Vec<u8> {
    let out = Sandbox::bare()
        .appenv()
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    out.stdout
}

/// The man pages as clap_mangen writes them from the command-line
/// definition: appenv.1 and one page per subcommand, which appenv.1 refers
/// to (appenv-run.1, appenv-shim-install.1…). The synopsis is ours (clap_mangen
/// drops option arguments: `[-C  ]`), `after_help` is EXAMPLES rather than
/// "EXTRA", and EXIT STATUS, ENVIRONMENT and FILES come from `appenv::man`.
fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn collect(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
        let version = concat!("appenv ", env!("CARGO_PKG_VERSION"));
        let man = clap_mangen::Man::new(cmd.clone()).source(version);
        let mut page = b".\\\" Generated from src/cli.rs by clap_mangen; do not edit.\n".to_vec();
        man.render_title(&mut page).unwrap();
        man.render_name_section(&mut page).unwrap();
        page.extend(synopsis(&cmd).as_bytes());
        man.render_description_section(&mut page).unwrap();
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut page).unwrap();
        }
        if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
            man.render_subcommands_section(&mut page).unwrap();
        }
        if cmd.get_after_help().is_some() {
            let mut extra = Vec::new();
            man.render_extra_section(&mut extra).unwrap();
            let extra = String::from_utf8(extra).unwrap();
            page.extend(extra.replacen(".SH EXTRA", ".SH EXAMPLES", 1).as_bytes());
        }
        for section in [
            appenv::man::EXIT_STATUS,
            appenv::man::ENVIRONMENT,
            appenv::man::FILES,
        ] {
            page.extend(section.as_bytes());
        }
        if cmd.get_version().is_some() {
            man.render_version_section(&mut page).unwrap();
        }
        // An ellipsis is no character of man's ASCII output (a C locale):
        // troff would warn and drop it.
        let page = String::from_utf8(page).unwrap().replace('…', "...");
        pages.push((man.get_filename(), page.into_bytes()));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub.clone(), pages);
        }
    }
    let mut cmd = appenv::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(cmd, &mut pages);
    pages
}

/// roff for text that is shown as it is.
fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// SYNOPSIS: the command, each option with its argument
/// (`[-e|--env NAME]`), the positionals, and the subcommand; for appenv
/// itself a second line for `appenv PROGRAM [ARGS]...`.
fn synopsis(cmd: &clap::Command) -> String {
    let name = cmd.get_bin_name().unwrap_or(cmd.get_name());
    let mut words = vec![format!("\\fB{}\\fR", roff_escape(name))];
    for arg in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_positional())
    {
        let mut flags = Vec::new();
        if let Some(short) = arg.get_short() {
            flags.push(format!("\\fB\\-{short}\\fR"));
        }
        if let Some(long) = arg.get_long() {
            flags.push(format!("\\fB{}\\fR", roff_escape(&format!("--{long}"))));
        }
        let mut word = flags.join("|");
        if arg.get_action().takes_values() {
            let value = arg
                .get_value_names()
                .map(|v| v.join(" "))
                .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
            word = format!("{word} \\fI{}\\fR", roff_escape(&value));
        }
        words.push(if arg.is_required_set() {
            word
        } else {
            format!("[{word}]")
        });
    }
    for arg in cmd.get_positionals().filter(|a| !a.is_hide_set()) {
        let value = arg
            .get_value_names()
            .map(|v| v.join(" "))
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        let many = if arg.get_num_args().is_some_and(|n| n.max_values() > 1) {
            "..."
        } else {
            ""
        };
        let value = format!("\\fI{}\\fR", roff_escape(&value));
        words.push(if arg.is_required_set() {
            format!("{value}{many}")
        } else {
            format!("[{value}]{many}")
        });
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        words.push("\\fICOMMAND\\fR".into());
    }
    // Left-adjusted and unhyphenated: `[-C DIR]` is never stretched to
    // `[-C  DIR]` nor `--no-prefix` broken at its hyphen.
    let mut out = format!(".SH SYNOPSIS\n.nh\n.ad l\n{}\n", words.join(" "));
    if cmd.is_allow_external_subcommands_set() {
        out.push_str(&format!(
            ".br\n\\fB{}\\fR [\\fIOPTIONS\\fR] \\fIPROGRAM\\fR [\\fIARGS\\fR]...\n",
            roff_escape(name)
        ));
    }
    out.push_str(".ad\n.hy\n");
    out
}

#[test]
fn committed_completions_match_the_binary() {
    for (shell, path) in SCRIPTS {
        check_generated(path, &completions(shell));
    }
}

#[test]
fn committed_man_pages_match_the_cli() {
    let pages = man_pages();
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names[0], "appenv.1");
    assert!(names.contains(&"appenv-run.1") && names.contains(&"appenv-shim-install.1"));
    let main = String::from_utf8_lossy(&pages[0].1);
    for expected in [".TH appenv 1", "appenv\\-run(1)", "\\-\\-no\\-prefix"] {
        assert!(main.contains(expected), "{expected} missing from appenv.1");
    }
    for (name, page) in &pages {
        check_generated(&format!("man/{name}"), page);
    }
    // A page left behind by a removed subcommand is out of date too.
    for entry in fs::read_dir(repo("man")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !names.contains(&name.as_str()) {
            if std::env::var_os("UPDATE_GENERATED").is_some_and(|v| v == "1") {
                fs::remove_file(repo("man").join(&name)).unwrap();
            } else {
                panic!(
                    "man/{name} is not generated from src/cli.rs; remove it, or run: \
                     UPDATE_GENERATED=1 cargo test --test tests completions::"
                );
            }
        }
    }
}

/// `man -l` of a page, as a user reads it on an 80-column terminal.
fn man(page: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = Sandbox::new(home.path())
        .command("man")
        .args(["-l", repo(page).to_str().unwrap()])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "80")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn man_page_renders() {
    if !have("man") {
        return;
    }
    let page = man("man/appenv.1");
    assert!(page.contains("appenv - Run a program"), "{page}");
    assert!(page.contains("-C <DIR>"), "{page}");
    assert!(page.contains("appenv-run(1)"), "{page}");
    // Option arguments in the synopsis, and the program form.
    let synopsis = &page[page.find("SYNOPSIS").unwrap()..page.find("DESCRIPTION").unwrap()];
    let synopsis = synopsis.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "appenv [-C DIR] [-e|--env NAME]",
        "[--same-as PID|NAME|PIDFILE]",
        "appenv [OPTIONS] PROGRAM [ARGS]...",
    ] {
        assert!(synopsis.contains(expected), "{expected} not in {synopsis}");
    }
    for heading in [
        "\nEXIT STATUS\n",
        "\nENVIRONMENT\n",
        "\nFILES\n",
        "\nEXAMPLES\n",
    ] {
        assert!(page.contains(heading), "no {heading:?} in {page}");
    }
    assert!(!page.contains("EXTRA"), "{page}");
    assert!(
        page.contains("APPENV_TRUSTED_DIRS") && page.contains("127"),
        "{page}"
    );
}

/// Where the setup line of each shell is: `appenv help hook` and
/// appenv-hook(1) show them all, nushell's save-and-source included.
#[test]
fn hook_help_and_man_page_show_each_shell_s_setup_line() {
    let lines = [
        "eval \"$(appenv hook bash)\"",
        "eval \"$(appenv hook zsh)\"",
        "appenv hook fish | source",
        "eval \"`appenv hook tcsh`\"",
        "eval (appenv hook elvish | slurp)",
        "execx($(appenv hook xonsh))",
        "appenv hook nu | save -f ~/.cache/appenv.nu",
        "source ~/.cache/appenv.nu",
    ];
    let out = Sandbox::bare()
        .appenv()
        .args(["help", "hook"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let help = stdout(&out);
    for line in lines {
        assert!(help.contains(line), "{line} not in:\n{help}");
    }
    if have("man") {
        let page = man("man/appenv-hook.1");
        for line in lines {
            assert!(page.contains(line), "{line} not in:\n{page}");
        }
        let synopsis = &page[page.find("SYNOPSIS").unwrap()..page.find("DESCRIPTION").unwrap()];
        assert!(
            synopsis.contains("[-C DIR]") && synopsis.contains("SHELL"),
            "{synopsis}"
        );
    }
}

/// An app whose tasks include a name that would run a command if a
/// completion script evaluated it, and one that cannot be a line; with
/// `bin/appenv`, the binary under test, for the scripts to call.
fn app_with_tasks() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("bin")).unwrap();
    std::os::unix::fs::symlink(
        assert_cmd::cargo::cargo_bin("appenv"),
        dir.path().join("bin/appenv"),
    )
    .unwrap();
    let app = dir.path().join("app");
    fs::create_dir(&app).unwrap();
    fs::write(
        app.join("appenv.toml"),
        "[tasks]\nmigrate = \"rake db:migrate\"\n\"$(touch pwned)\" = \"true\"\n\"two\\nlines\" = \"true\"\n",
    )
    .unwrap();
    fs::write(app.join("Procfile"), "web: puma\n").unwrap();
    // Environment names, one that a shell would run if a completion
    // evaluated it; and a program of its own on PATH.
    for name in [".env.staging", ".env.test", ".env.$(touch pwned)"] {
        fs::write(app.join(name), "").unwrap();
    }
    common::write_executable(&dir.path().join("bin/pytool-appenv"), "#!/bin/sh\n");
    dir
}

#[test]
fn tasks_names_prints_one_name_per_line() {
    let dir = app_with_tasks();
    let out = Sandbox::new(dir.path())
        .appenv()
        .current_dir(dir.path().join("app"))
        .args(["tasks", "--names"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "$(touch pwned)\nmigrate\nweb\n");
}

/// Runs a shell in the app of [`app_with_tasks`], with its `bin/` on PATH.
fn run_shell(program: &str, args: &[&str], dir: &Path) -> std::process::Output {
    let out = Sandbox::new(dir)
        .path_first(dir.join("bin"))
        .set("TERM", "dumb")
        .command(program)
        .args(args)
        .current_dir(dir.join("app"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

#[test]
fn bash_script_loads_and_completes_tasks() {
    if !have("bash") {
        return;
    }
    let dir = app_with_tasks();
    let script = repo("completions/appenv.bash");
    let test = format!(
        r#"set -eu
source '{}'
complete -p appenv
t() {{
    COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=()
    __appenv_complete appenv "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$*|${{COMPREPLY[*]}}"
}}
t appenv ex
t appenv run ''
t appenv -C . run m
t appenv --env = test run -q w
t appenv run migrate ''
t appenv -e ''
t appenv --env = st
t appenv run -e t
t appenv pytool-a
t appenv -q pytool-
t appenv pytool-appenv ''
"#,
        script.display()
    );
    let out = run_shell("bash", &["--norc", "--noprofile", "-c", &test], dir.path());
    let out = stdout(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "complete -o bashdefault -o default -o nosort -F __appenv_complete appenv"
    );
    // appenv's commands first, then the programs on PATH (ex, expr…).
    assert!(
        lines[1].starts_with("appenv ex|exec export explain "),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], r"appenv run |\$\(touch\ pwned\) migrate web");
    assert_eq!(lines[3], "appenv -C . run m|migrate");
    assert_eq!(lines[4], "appenv --env = test run -q w|web");
    assert_eq!(
        lines[5],
        "appenv run migrate |-C -e -q -h --dry-run --env --override --no-prefix --quiet --same-as --help"
    );
    assert_eq!(lines[6], r"appenv -e |\$\(touch\ pwned\) staging test");
    assert_eq!(lines[7], "appenv --env = st|staging");
    assert_eq!(lines[8], "appenv run -e t|test");
    assert_eq!(lines[9], "appenv pytool-a|pytool-appenv");
    assert_eq!(lines[10], "appenv -q pytool-|pytool-appenv");
    // After the program: its arguments, not appenv's options.
    assert_eq!(lines[11], "appenv pytool-appenv |");
    assert!(!dir.path().join("app/pwned").exists());
}

#[test]
fn env_names_lists_the_environments_of_an_app_not_allowed() {
    let dir = app_with_tasks();
    let out = Sandbox::new(dir.path())
        .appenv()
        .current_dir(dir.path().join("app"))
        .args(["env", "--names"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "$(touch pwned)\nstaging\ntest\n");
    assert_eq!(stderr(&out), "");
}

#[test]
fn fish_script_loads_and_completes_tasks() {
    if !have("fish") {
        return;
    }
    let dir = app_with_tasks();
    let test = format!(
        "source '{}'
         echo @ex; complete -C 'appenv ex'
         echo @run; complete -C 'appenv run '
         echo @env; complete -C 'appenv run -e test m'
         echo @after; complete -C 'appenv run migrate --q'
         echo @envs; complete -C 'appenv -e '
         echo @envrun; complete -C 'appenv run --env=s'
         echo @program; complete -C 'appenv pytool-'",
        repo("completions/appenv.fish").display()
    );
    let out = run_shell("fish", &["--no-config", "-c", &test], dir.path());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let names = |section: &str| -> Vec<String> {
        stdout(&out)
            .split('@')
            .find_map(|s| s.strip_prefix(section))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    let ex = names("ex\n");
    for name in ["exec", "explain", "export", "expr"] {
        assert!(ex.contains(&name.to_owned()), "{name} not in {ex:?}");
    }
    assert_eq!(names("run\n"), ["$(touch pwned)", "migrate", "web"]);
    assert_eq!(names("env\n"), ["migrate"]);
    assert_eq!(names("after\n"), ["--quiet"]);
    assert_eq!(names("envs\n"), ["$(touch pwned)", "staging", "test"]);
    assert_eq!(names("envrun\n"), ["--env=staging"]);
    assert_eq!(names("program\n"), ["pytool-appenv"]);
    assert!(!dir.path().join("app/pwned").exists());
}

#[test]
fn bash_task_part_passes_shellcheck() {
    if !have("shellcheck") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = Sandbox::new(home.path())
        .command("shellcheck")
        .args(["--enable=all", "--shell=bash"])
        .arg(repo("src/cmd/completions/tasks.bash"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stdout(&out));
}

/// Task names a file may hold that a shell would run if a completion put
/// them on the line as they are.
const HOSTILE_TASKS: [(&str, &str); 3] = [
    ("x", "x;touch PWN"),
    ("\\$", "$(touch PWN)"),
    ("sp", "sp ace&touch PWN"),
];

/// Completes each of [`HOSTILE_TASKS`] with Tab in a real interactive
/// `shell`, runs the completed line against a stub `appenv`, and checks
/// that the stub got the name as one argument and nothing else ran.
fn complete_hostile_names_interactively(shell: &str) {
    if !have(shell) || !have("tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let work = dir.path().join("work");
    fs::create_dir_all(&work).unwrap();
    let names: String = HOSTILE_TASKS
        .iter()
        .map(|(_, n)| format!("{n}\n"))
        .collect();
    fs::write(dir.path().join("names"), names).unwrap();
    common::write_executable(
        &dir.path().join("bin/appenv"),
        &format!(
            "#!/bin/sh\nif [ \"$1\" = tasks ]; then exec cat '{d}/names'; fi\n\
             printf '%s\\n' \"$@\" > '{d}/args.tmp' && mv '{d}/args.tmp' '{d}/args'\n",
            d = dir.path().display()
        ),
    );
    let mut env = Sandbox::new(&home)
        .set("PATH", "/usr/bin:/bin")
        .path_first(dir.path().join("bin"));
    let argv: Vec<String> = match shell {
        "bash" => {
            let rc = dir.path().join("bashrc");
            fs::write(
                &rc,
                format!("PS1='> '\nsource '{}'\n", repo(SCRIPTS[0].1).display()),
            )
            .unwrap();
            [
                "bash",
                "--noprofile",
                "--rcfile",
                rc.to_str().unwrap(),
                "-i",
            ]
            .map(String::from)
            .to_vec()
        }
        "zsh" => {
            let zdot = dir.path().join("zdot");
            fs::create_dir_all(&zdot).unwrap();
            fs::write(
                zdot.join(".zshrc"),
                format!(
                    "PS1='> '\nfpath=('{}' $fpath)\nautoload -Uz compinit && compinit -u -D\n",
                    repo("completions").display()
                ),
            )
            .unwrap();
            env = env.set("ZDOTDIR", &zdot);
            ["zsh", "-i"].map(String::from).to_vec()
        }
        _ => {
            let config = dir.path().join("config");
            let completions = config.join("fish/completions");
            fs::create_dir_all(&completions).unwrap();
            fs::copy(repo(SCRIPTS[2].1), completions.join("appenv.fish")).unwrap();
            fs::write(
                config.join("fish/config.fish"),
                "function fish_prompt; echo -n '> '; end\nfunction fish_greeting; end\n",
            )
            .unwrap();
            env = env.set("XDG_CONFIG_HOME", &config);
            ["fish", "-i"].map(String::from).to_vec()
        }
    };
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let term = tmux::Tmux::start(dir.path(), &work, &env.env(), &argv);
    term.wait_for(">");
    let args = dir.path().join("args");
    for (typed, name) in HOSTILE_TASKS {
        let _ = fs::remove_file(&args);
        term.type_text(&format!("appenv run {typed}"));
        term.press(&["Tab"]);
        // The completed line, whatever the shell shows while completing.
        term.wait_screen("the completion", |s| {
            s.lines()
                .last()
                .is_some_and(|l| l.trim_end().len() > 13 + typed.len())
        });
        term.press(&["Enter"]);
        tmux::wait_file(&args);
        assert_eq!(
            fs::read_to_string(&args).unwrap(),
            format!("run\n{name}\n"),
            "{shell}: {name:?}\n{}",
            term.screen()
        );
    }
    term.run("true", "END");
    assert!(!work.join("PWN").exists(), "{shell} ran a task name");
}

#[test]
fn bash_completes_a_hostile_task_name_as_one_word() {
    complete_hostile_names_interactively("bash");
}

#[test]
fn fish_completes_a_hostile_task_name_as_one_word() {
    complete_hostile_names_interactively("fish");
}

/// elvish completes only in its interactive editor: an rc file, run by
/// elvish in a terminal, calls the completer the script installed with the
/// words of a command line and writes what it offers (only candidates the
/// editor would show: those starting with the word).
#[test]
fn elvish_script_loads_and_completes_tasks() {
    if !require("elvish") {
        return;
    }
    let dir = app_with_tasks();
    let out = dir.path().join("out.txt");
    let done = dir.path().join("done");
    let rc = dir.path().join("rc.elv");
    fs::write(
        &rc,
        format!(
            "use str
             eval (slurp < '{script}')
             fn show {{|label @words|
                 echo '@'$label
                 $edit:completion:arg-completer[appenv] $@words | each {{|c|
                     if (eq (kind-of $c) string) {{ put $c }} else {{ put $c[stem] }}
                 }} | each {{|c| if (str:has-prefix $c $words[-1]) {{ put $c }} }} | to-lines
             }}
             {{
                 show ex appenv ex
                 show run appenv run ''
                 show env appenv run -e test m
                 show after appenv run migrate --q
                 show envs appenv -e ''
                 show program appenv pytool-
                 show args appenv pytool-appenv rc.e
             }} > '{out}' 2>&1
             echo > '{done}'
             exit
             ",
            script = repo("completions/appenv.elv").display(),
            out = out.display(),
            done = done.display(),
        ),
    )
    .unwrap();
    fs::write(dir.path().join("app/rc.elv.txt"), "").unwrap();
    let env = Sandbox::new(dir.path())
        .path_first(dir.path().join("bin"))
        .env();
    let elvish = common::real_tool("elvish");
    let session = tmux::Tmux::start(
        dir.path(),
        &dir.path().join("app"),
        &env,
        &[elvish.to_str().unwrap(), "-rc", rc.to_str().unwrap()],
    );
    tmux::wait_file(&done);
    drop(session);
    let text = fs::read_to_string(&out).unwrap();
    let names = |section: &str| -> Vec<String> {
        let mut names: Vec<String> = text
            .split('@')
            .find_map(|s| s.strip_prefix(section))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    assert!(!text.contains("Exception"), "{text}");
    let ex = names("ex\n");
    for name in ["exec", "explain", "export"] {
        assert!(
            ex.contains(&name.to_owned()),
            "{name} not in {ex:?}: {text}"
        );
    }
    assert_eq!(
        names("run\n"),
        ["$(touch pwned)", "migrate", "web"],
        "{text}"
    );
    assert_eq!(names("env\n"), ["migrate"], "{text}");
    assert_eq!(names("after\n"), ["--quiet"], "{text}");
    assert_eq!(
        names("envs\n"),
        ["$(touch pwned)", "staging", "test"],
        "{text}"
    );
    assert_eq!(names("program\n"), ["pytool-appenv"], "{text}");
    assert_eq!(names("args\n"), ["rc.elv.txt"], "{text}");
    assert!(!dir.path().join("app/pwned").exists());
}

/// nushell completes in its line editor: the script is loaded from the
/// config file, and Tab on a typed line shows the completion menu.
#[test]
fn nu_script_loads_and_completes_tasks() {
    if !require("nu") {
        return;
    }
    let dir = app_with_tasks();
    let config = dir.path().join("config.nu");
    fs::write(
        &config,
        format!(
            "use '{}' *\n$env.PROMPT_COMMAND = {{|| 'READY> ' }}\n$env.PROMPT_COMMAND_RIGHT = ''\n$env.PROMPT_INDICATOR = ''\n$env.config.show_banner = false\n",
            repo("completions/appenv.nu").display()
        ),
    )
    .unwrap();
    let env = Sandbox::new(dir.path())
        .path_first(dir.path().join("bin"))
        .env();
    let nu = common::real_tool("nu");
    let session = tmux::Tmux::start(
        dir.path(),
        &dir.path().join("app"),
        &env,
        &[
            nu.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--env-config",
            "/dev/null",
        ],
    );
    session.wait_for("READY>");
    let complete = |line: &str, expect: &[&str]| {
        session.press(&["C-u"]);
        session.type_text(line);
        session.press(&["Tab"]);
        let screen = session.wait_screen(line, |s| expect.iter().all(|e| s.contains(e)));
        // The menu closed, so the next line's menu is its own.
        session.press(&["Escape", "C-u"]);
        session.wait_screen("the menu to close", |s| {
            !expect.iter().any(|e| s.contains(e))
        });
        screen
    };
    complete("appenv ex", &["exec", "explain", "export"]);
    complete("appenv run ", &["migrate", "web", "$(touch pwned)"]);
    complete("appenv -e ", &["staging", "test"]);
    let screen = complete("appenv run --env ", &["staging", "test"]);
    assert!(!screen.contains("Error"), "{screen}");
    assert!(!dir.path().join("app/pwned").exists());
}

/// Tests that take seconds each (a real terminal, editor, package manager or
/// container, hundreds of generated cases, a race run for a minute): the inner
/// loop leaves them out with `--skip slow::`, CI runs them.
mod slow {
    use super::*;

    #[test]
    fn zsh_script_loads_and_completes_tasks() {
        if !have("zsh") {
            return;
        }
        let dir = app_with_tasks();
        let completions = repo("completions");
        let out = run_shell(
            "zsh",
            &[
                "-f",
                "-c",
                &format!(
                    "fpath=('{}' $fpath); autoload -Uz compinit && compinit -u -D
                 print -r -- $_comps[appenv]
                 autoload +X _appenv && whence -w _appenv",
                    completions.display()
                ),
            ],
            dir.path(),
        );
        assert_eq!(stdout(&out), "_appenv\n_appenv: function\n");
        assert!(out.stderr.is_empty(), "{}", stderr(&out));

        // Drive an interactive zsh through a pseudo-terminal and press Tab.
        let driver = format!(
            r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; fpath=('{}' \$fpath); autoload -Uz compinit && compinit -u -D"
zpty -w z "zstyle ':completion:*' list-prompt ''; print -r -- READY"
zpty -r z out '*READY*'
zpty -r z out '*> '
zpty -n -w z $'appenv run \t'
zpty -n -w z $'\C-u print -r -- DONE\n'
zpty -r z out '*DONE*'
print -r -- "$out"
zpty -n -w z $'appenv -e \t'
# The listing first: keys already waiting would keep zsh from showing it.
zpty -r z out '*staging*'
zpty -n -w z $'\C-u print -r -- ENVS\n'
zpty -r z rest '*ENVS*'
print -r -- "@envs $out$rest"
zpty -n -w z $'appenv pytool-a\t\C-aprint -r -- X${{:-Y}}\n'
zpty -r z out '*XYappenv*'
zpty -r z rest '*> '
print -r -- "@program $out$rest"
zpty -d z
"#,
            completions.display()
        );
        let out = run_shell("timeout", &["20", "zsh", "-f", "-c", &driver], dir.path());
        let screen = stdout(&out);
        let (tasks, rest) = screen.split_once("@envs").unwrap();
        for task in ["migrate", "web", "\\$\\(touch\\ pwned\\)"] {
            assert!(tasks.contains(task), "{task} not listed: {screen:?}");
        }
        let (envs, program) = rest.split_once("@program").unwrap();
        for env in ["staging", "test", "\\$\\(touch\\ pwned\\)"] {
            assert!(envs.contains(env), "{env} not listed: {envs:?}");
        }
        // Completed and run: the program got the line.
        assert!(program.contains("XYappenv pytool-appenv"), "{program:?}");
        assert!(!dir.path().join("app/pwned").exists());
    }

    #[test]
    fn zsh_completes_a_hostile_task_name_as_one_word() {
        complete_hostile_names_interactively("zsh");
    }
}
