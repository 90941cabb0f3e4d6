use super::*;

fn env(name: &str) -> Option<OsString> {
    match name {
        "PORT" => Some("5000".into()),
        "SPACED" => Some(" a  b ".into()),
        "EMPTY" => Some("".into()),
        "GLOB" => Some("*.rb".into()),
        "A" => Some("old".into()),
        _ => None,
    }
}

/// The assignments and argv of a simple command, or None when the shell is kept.
type Direct = (Vec<(String, String)>, Vec<String>);

fn direct(text: &str) -> Option<Direct> {
    let Form::Simple(simple) = Form::parse(text) else {
        return None;
    };
    let (assigned, argv) = simple.expand(&env)?;
    let s = |o: OsString| o.into_string().unwrap();
    Some((
        assigned.into_iter().map(|(k, v)| (k, s(v))).collect(),
        argv.into_iter().map(s).collect(),
    ))
}

fn argv(text: &str) -> Vec<String> {
    direct(text)
        .unwrap_or_else(|| panic!("{text:?} keeps the shell"))
        .1
}

fn script(text: &str, with_args: bool) -> Result<String, ArgsRefused> {
    Form::parse(text).shell_script(text, with_args)
}

#[test]
fn simple_commands_are_split_like_sh() {
    assert_eq!(
        argv("bundle exec puma -p $PORT"),
        ["bundle", "exec", "puma", "-p", "5000"]
    );
    assert_eq!(
        argv("prog 'a b' \"c $PORT\" d\\ e"),
        ["prog", "a b", "c 5000", "d e"]
    );
    assert_eq!(
        argv("prog $SPACED x$SPACED\"y\""),
        ["prog", "a", "b", "x", "a", "b", "y"]
    );
    assert_eq!(argv("prog $EMPTY \"$EMPTY\" $NOPE ''"), ["prog", "", ""]);
    assert_eq!(
        argv("prog ${PORT} ${NOPE:-3000} ${EMPTY:-d}"),
        ["prog", "5000", "3000", "d"]
    );
    assert_eq!(
        argv("prog \"a\\\"b\\$c\\x\" $ a#b"),
        ["prog", "a\"b$c\\x", "$", "a#b"]
    );
    assert_eq!(argv("exec bin/web # the server"), ["bin/web"]);
    assert_eq!(argv("prog a;"), ["prog", "a"]);
    assert_eq!(argv("\nprog \\\n  a\n"), ["prog", "a"]);
    assert_eq!(argv("prog 'é'ü"), ["prog", "éü"]);
}

#[test]
fn leading_assignments_go_to_the_environment() {
    let (assigned, words) = direct("RAILS_ENV=test B=$A-x A=new C=\"$A y\" rake $A").unwrap();
    assert_eq!(words, ["rake", "old"]);
    assert_eq!(
        assigned,
        [
            ("RAILS_ENV".into(), "test".into()),
            ("B".into(), "old-x".into()),
            ("A".into(), "new".into()),
            ("C".into(), "new y".into()),
        ]
    );
    // After the command word, NAME=value is an argument.
    assert_eq!(argv("make V=1"), ["make", "V=1"]);
}

#[test]
fn what_only_the_shell_can_run_keeps_it() {
    for text in [
        "ls *.rb",
        "cat ~/x",
        "A=~/x prog",
        "prog $(date)",
        "prog `date`",
        "prog $1",
        "prog \"$@\"",
        "echo hi",
        "cd x",
        "$CMD x",
        "prog ${A:=x}",
        "prog $'x'",
        "exec -a name prog",
        "A=1",
        "a && b",
        "a | b",
        "a > log",
        "if a; then b; fi",
    ] {
        assert!(direct(text).is_none(), "{text:?} should keep the shell");
    }
    // A value with a glob character: the shell expands it, not appenv.
    assert!(matches!(Form::parse("prog $GLOB"), Form::Simple(_)));
    assert!(direct("prog $GLOB").is_none());
}

#[test]
fn the_shell_execs_the_last_command() {
    let cases = [
        ("ls *.rb", "exec ls *.rb \"$@\""),
        ("A=1 prog *.rb", "A=1 exec prog *.rb \"$@\""),
        ("prog $GLOB", "exec prog $GLOB \"$@\""),
        ("exec prog *", "exec prog * \"$@\""),
        ("bin/setup && bin/web", "bin/setup && exec bin/web \"$@\""),
        ("a; b -x # comment", "a; exec b -x \"$@\""),
        ("a || b;\n", "a || exec b \"$@\""),
        ("a\nb > log 2>&1", "a\nexec b > log 2>&1 \"$@\""),
        ("a & b", "a & exec b \"$@\""),
        ("a | b", "a | b \"$@\""),
        ("cd x && echo $PWD", "cd x && echo $PWD \"$@\""),
        ("f() { a; }; f", "f() { a; }; f \"$@\""),
        ("a && ! b", "a && ! b \"$@\""),
        ("prog $(date) x", "exec prog $(date) x \"$@\""),
        // The line places the ARGS itself: they are not added again.
        ("prog \"$@\" --end", "exec prog \"$@\" --end"),
        ("prog --first=$1 &", "prog --first=$1 &"),
        ("prog ${1:-x}", "exec prog ${1:-x}"),
    ];
    for (text, expected) in cases {
        assert_eq!(script(text, true).as_deref(), Ok(expected), "{text:?}");
    }
    assert_eq!(
        script("ls *.rb # all", false).unwrap(),
        "exec ls *.rb # all"
    );
}

#[test]
fn args_are_refused_where_they_would_not_be_arguments() {
    for text in [
        "a &",
        "a && b &",
        "a |",
        "if a; then b; fi",
        "while true; do a; done",
        "{ a; b; } > log",
        "(a; b)",
        "(a) > log",
        "case x in a) b;; esac",
        "cat <<EOF\nx\nEOF",
        "echo 'open",
        "prog \\",
    ] {
        assert!(script(text, true).is_err(), "{text:?} must refuse ARGS");
        // Without ARGS the line runs as written.
        assert_eq!(script(text, false).as_deref(), Ok(text), "{text:?}");
    }
}

#[test]
fn nothing_is_read_past_the_end() {
    // Every prefix of a tricky line parses without panicking.
    let text = "A=\"x\" exec p ${B:-c} '$(d)' \"`e`\" $(f \"(\" ')') \\\n # g é";
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let part = &text[..end];
        let form = Form::parse(part);
        let _ = form.shell_script(part, true);
        if let Form::Simple(s) = &form {
            let _ = s.expand(&env);
        }
    }
}

#[test]
fn what_dash_and_bash_read_differently_runs_untouched_without_args() {
    for text in [
        // dash: `sleep 0 &` then `>/dev/null`; bash: one redirection.
        "sleep 0 &>/dev/null",
        "a; b &>>log",
        "prog >&log",
        "prog >& $OUT",
        "a |& b",
        "prog 10>log",
        "prog <<<word",
        "prog a{b,c}",
        "prog {1..3}",
        "prog $\"msg\"",
        "prog $'a\\tb'",
        "[[ a < b ]] && prog",
        "((x = 1)) && prog",
        "prog <(a)",
        "function f { a; }; f",
        // A backslash-newline joins `$A` and `B`, `&` and `&`.
        "prog $A\\\nB",
        "prog \"$A\\\nB\"",
        "prog ${A\\\nB}",
        "prog $\\\nA",
        "a &\\\n& b",
        // Quotes inside `"${…}"`, a `case` or a quote inside `$(…)`.
        "prog \"${A:-'}'}\"",
        "prog ${A:-$(echo })}",
        "prog $(case a in a) echo;; esac)",
        "prog $(echo \"$(echo \")\")\")",
        "prog $(echo `echo )`)",
    ] {
        assert!(direct(text).is_none(), "{text:?} is not exact");
        assert!(script(text, true).is_err(), "{text:?} must refuse ARGS");
        assert_eq!(script(text, false).as_deref(), Ok(text), "{text:?}");
    }
}

#[test]
fn a_numbered_redirection_is_not_the_command_word() {
    let cases = [
        // `echo` stays the shell's builtin.
        (
            "true; 2>/dev/null echo 'a\\tb'",
            "true; 2>/dev/null echo 'a\\tb' \"$@\"",
        ),
        ("true; 2>/dev/null cd x", "true; 2>/dev/null cd x \"$@\""),
        ("a; 2>/dev/null prog x", "a; 2>/dev/null exec prog x \"$@\""),
        ("a; prog 2>&1 x", "a; exec prog 2>&1 x \"$@\""),
        ("a; prog >&2", "a; exec prog >&2 \"$@\""),
        ("a; prog 2>&-", "a; exec prog 2>&- \"$@\""),
        // A quoted digit is a word.
        ("a; \"2\">x", "a; exec \"2\">x \"$@\""),
        // A newline after `&&` continues the list.
        ("a &&\nb", "a &&\nexec b \"$@\""),
    ];
    for (text, expected) in cases {
        assert_eq!(script(text, true).as_deref(), Ok(expected), "{text:?}");
    }
}

#[test]
fn what_the_shell_sets_itself_keeps_the_shell() {
    for text in [
        "prog $PPID",
        "prog $OPTIND",
        "prog \"$IFS\"",
        "prog \"$PS2\"",
        "prog $_",
        "prog ${SHLVL}",
        "prog $BASH_VERSION",
        "A=$PPID prog",
        "times",
        "history",
        "exec times",
        // Assignments in bash, commands in dash.
        "A+=1 prog",
    ] {
        assert!(direct(text).is_none(), "{text:?} should keep the shell");
        assert!(script(text, true).is_ok(), "{text:?} takes ARGS");
    }
    assert_eq!(script("a; A+=1 prog", true).unwrap(), "a; A+=1 prog \"$@\"");
    assert_eq!(
        script("a; A[1]=x prog", true).unwrap(),
        "a; A[1]=x prog \"$@\""
    );
    // After the command word it is an argument like any other.
    assert_eq!(argv("make CFLAGS+=-O2"), ["make", "CFLAGS+=-O2"]);
    // Without PATH in the environment the shell has a default one.
    assert!(matches!(Form::parse("prog $PATH"), Form::Simple(_)));
    assert!(direct("prog $PATH").is_none());
    // `{` and `{}` alone are the same in every sh.
    assert_eq!(
        argv("find . -name x -exec rm {} \\;"),
        ["find", ".", "-name", "x", "-exec", "rm", "{}", ";"]
    );
    assert_eq!(argv("prog { }"), ["prog", "{", "}"]);
}

#[test]
fn args_read_inside_an_expansion_are_not_appended_again() {
    for text in [
        "prog $(echo $1)",
        "prog `echo $2`",
        "prog \"$(printf %s \"$@\")\"",
        "prog ${A:-$1}",
        "prog ${#1}",
    ] {
        let with = script(text, true).unwrap();
        assert!(!with.ends_with(" \"$@\""), "{text:?} gave {with:?}");
    }
    // `$#` counts them, `$0` is the task: the ARGS still go after the line.
    assert_eq!(
        script("prog ${#} `echo $0`", true).unwrap(),
        "exec prog ${#} `echo $0` \"$@\""
    );
}
