//! End-to-end against Debian's Elixir: in any Mix project, Phoenix or not,
//! `appenv console` is `iex -S mix`, the project compiled and loaded.

use crate::common;

use common::{App, have, stderr, stdout};

const MIX_EXS: &str = "defmodule Hello.MixProject do\n  use Mix.Project\n  def project, do: [app: :hello, version: \"0.1.0\", deps: []]\nend\n";

#[test]
fn console_in_a_plain_mix_project_is_iex_with_the_project() {
    if !have("iex") || !have("mix") {
        return;
    }
    let app = App::new(&[
        ("mix.exs", MIX_EXS),
        (
            "lib/hello.ex",
            "defmodule Hello do\n  def hi, do: \"hi from mix\"\nend\n",
        ),
    ]);
    // Mix and Hex keep their state in the test's own directory.
    let home = app.tmp.path().join("home");
    let sandbox = |cmd: &mut std::process::Command| {
        cmd.env("MIX_HOME", home.join("mix"))
            .env("HEX_HOME", home.join("hex"));
    };

    let out = app.appenv().args(["tasks"]).output().unwrap();
    let tasks = stdout(&out);
    assert!(
        tasks.contains("console") && tasks.contains("built-in (Mix)"),
        "{tasks}"
    );
    let out = app
        .appenv()
        .args(["run", "--dry-run", "console"])
        .output()
        .unwrap();
    assert!(stdout(&out).ends_with("/iex -S mix\n"), "{}", stderr(&out));

    // From a subdirectory: the console runs in the root, where mix.exs is.
    let mut cmd = app.std_command();
    cmd.current_dir(app.root.join("lib"));
    sandbox(&mut cmd);
    let out = common::fed(cmd.arg("console"), b"IO.puts(\"said: \" <> Hello.hi())\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("said: hi from mix"),
        "{}",
        stdout(&out)
    );
    assert!(app.root.join("_build").is_dir());
    assert!(!app.root.join("lib/_build").exists());

    // No migrate: that is Ecto's, which only Phoenix apps are assumed to have.
    let out = app.appenv().args(["run", "migrate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
}
