//! The built binary reads env files as dotenvy reads them: the same values
//! (and the line each comes from) for files that lean on the dialect's
//! corners, and the line dotenvy refuses named in the error.

use crate::common;

use std::collections::BTreeMap;

use common::{App, stderr, stdout};
use serde_json::Value;

/// Files that lean on the dialect's corners. Names substituted are set by
/// the file itself or by no one, so the test's own environment cannot differ
/// from the one appenv is given.
const ACCEPTED: [&str; 6] = [
    "# comment\nexport A=1\nB = 'two words' # c\nC=\"multi\nline ${A}\"\nD=$A$APPENVTNONE-x\n",
    "A=a\\ b\\n\\$\\\\\nB=\"q\\\"\\n\"\nC='\\n$A'\nD=x#y\nE=\nF= # c\n",
    "A=1\r\nB=\"x\r\ny\"\r\nC=${A}${B}\r\n",
    "\u{feff}A=1\nA=2\nB=${A}\u{a0}#c\n",
    "A='x'  #it's\nquoted'\nB=after\n",
    "export=1\nexport  X=$export\n",
];

/// Files dotenvy refuses, with the line appenv must name.
const REFUSED: [(&str, usize); 6] = [
    ("A=1\nB='open\nC=3\n", 2),
    ("A=1\nB=\"$A\"\n", 2),
    ("A=1\n\nB=\\q\n", 3),
    ("A=1\nB=two words\n", 2),
    ("A=\"x\ny\"\nC=${D\n", 3),
    ("A=1\n1B=2\n", 2),
];

fn dotenvy(text: &str) -> Result<Vec<(String, String)>, dotenvy::Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    dotenvy::from_read_iter(text.as_bytes()).collect()
}

#[test]
fn values_are_dotenvys() {
    for text in ACCEPTED {
        let want = dotenvy(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let app = App::new(&[(".env", text)]);
        let out = app.appenv().args(["env", "--json"]).output().unwrap();
        assert!(out.status.success(), "{text:?}: {}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let mut last = BTreeMap::new();
        for (key, value) in &want {
            last.insert(key.clone(), value.clone());
        }
        for (key, value) in &last {
            let var = &json["vars"][key];
            assert_eq!(var["value"], value.as_str(), "{text:?}: {key}");
            assert_eq!(var["source"]["file"], ".env", "{text:?}: {key}");
        }
        let from_file = json["vars"]
            .as_object()
            .unwrap()
            .values()
            .filter(|v| v["source"]["kind"] == "file")
            .count();
        assert_eq!(from_file, last.len(), "{text:?}");
    }
}

#[test]
fn each_value_names_the_line_it_starts_on() {
    let app = App::new(&[(".env", ACCEPTED[0])]);
    let out = app.appenv().args(["env", "--json"]).output().unwrap();
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let lines: Vec<(&str, i64)> = ["A", "B", "C", "D"]
        .into_iter()
        .map(|k| (k, json["vars"][k]["source"]["line"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, [("A", 2), ("B", 3), ("C", 4), ("D", 6)]);
}

#[test]
fn the_line_dotenvy_refuses_is_named_and_nothing_runs() {
    for (text, line) in REFUSED {
        assert!(dotenvy(text).is_err(), "dotenvy accepts {text:?}");
        let app = App::new(&[(".env", text)]);
        let marker = app.tmp.path().join("ran");
        let out = app.appenv().arg("touch").arg(&marker).output().unwrap();
        assert_eq!(out.status.code(), Some(125), "{text:?}");
        assert!(!marker.exists());
        let err = stderr(&out);
        assert!(
            err.starts_with(&format!("appenv: .env:{line}: ")),
            "{text:?}: {err}"
        );
    }
}
