//! Allow records across versions: what an earlier appenv wrote still grants
//! trust, and a change is still told by variable name.

use crate::common;

use std::fs;
use std::path::PathBuf;

use common::{App, stderr};
use serde_json::Value;

use super::untrusted;

/// The one record in the store.
fn record(app: &App) -> PathBuf {
    let dir = app.tmp.path().join("home/data/appenv/trust");
    let mut records: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(records.len(), 1);
    records.remove(0)
}

/// The documents of a record: the file digests, then the variables.
fn documents(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The record as appenv wrote it before it kept more than one content
/// (version 3), before the variables moved out of the first document
/// (version 2), or before it kept any (version 1). Only the newest content
/// survives the conversion, as only it existed then.
fn older(text: &str, version: u32) -> String {
    let docs = documents(text);
    let mut header = docs[0].clone();
    let vars = docs[1][0].clone();
    let fields = header.as_object_mut().unwrap();
    fields.remove("vars_bytes");
    fields.remove("earlier");
    fields.insert("version".into(), version.into());
    match version {
        3 => {
            let section = format!("\n{}\n", serde_json::to_string(&vars).unwrap());
            fields.insert("vars_bytes".into(), section.len().into());
            return serde_json::to_string_pretty(&header).unwrap() + &section;
        }
        2 => {
            fields.insert("vars".into(), vars);
        }
        _ => {
            fields.remove("allowed");
        }
    }
    serde_json::to_string_pretty(&header).unwrap() + "\n"
}

fn runs(app: &App) -> bool {
    untrusted(app)
        .arg("true")
        .output()
        .unwrap()
        .status
        .success()
}

fn refusal(app: &App) -> String {
    let out = untrusted(app).arg("true").output().unwrap();
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    stderr(&out)
}

#[test]
fn a_record_keeps_the_variables_after_the_file_digests() {
    let app = App::new(&[(".env", "A=1\nB=2\n")]);
    untrusted(&app).arg("allow").assert().success();
    let text = fs::read_to_string(record(&app)).unwrap();
    let docs = documents(&text);
    assert_eq!(docs.len(), 2, "{text}");
    assert_eq!(docs[0]["version"], 4);
    assert!(docs[0].get("vars").is_none(), "{text}");
    assert!(docs[1][0][".env"]["A"].is_string(), "{text}");
    assert!(runs(&app));
    // A record cut short grants nothing, even with its first document whole.
    fs::write(record(&app), &text[..text.len() - 2]).unwrap();
    assert!(refusal(&app).contains("not allowed"), "{}", refusal(&app));
}

#[test]
fn version_2_and_3_records_grant_trust_and_name_changed_variables() {
    for version in [2, 3] {
        let app = App::new(&[(".env", "A=1\nB=2\nGONE=x\n")]);
        untrusted(&app).arg("allow").assert().success();
        let path = record(&app);
        let old = older(&fs::read_to_string(&path).unwrap(), version);
        assert_eq!(old.contains("\"vars\""), version == 2, "{old}");
        fs::write(&path, old).unwrap();
        assert!(runs(&app), "version {version}");
        app.write(".env", "A=1\nB=3\nNEW=4\n");
        let err = refusal(&app);
        assert!(
            err.contains("changed since it was allowed (.env: +NEW ~B -GONE)"),
            "{err}"
        );
        // Allowing again keeps the old content beside the new one.
        untrusted(&app).arg("allow").assert().success();
        let docs = documents(&fs::read_to_string(&path).unwrap());
        assert_eq!(docs[0]["version"], 4);
        assert_eq!(docs[0]["earlier"].as_array().unwrap().len(), 1);
        assert!(docs[1][1][".env"]["GONE"].is_string());
        app.write(".env", "A=1\nB=2\nGONE=x\n");
        assert!(runs(&app), "the content the old record allowed");
    }
}

#[test]
fn a_version_1_record_grants_trust_and_names_changed_files() {
    let app = App::new(&[(".env", "A=1\n")]);
    untrusted(&app).arg("allow").assert().success();
    let path = record(&app);
    fs::write(&path, older(&fs::read_to_string(&path).unwrap(), 1)).unwrap();
    assert!(runs(&app));
    app.write(".env", "A=2\n");
    let err = refusal(&app);
    assert!(err.contains("changed since it was allowed (.env)"), "{err}");
    // Allowing again writes the current version.
    untrusted(&app).arg("allow").assert().success();
    assert_eq!(documents(&fs::read_to_string(&path).unwrap()).len(), 2);
    assert!(runs(&app));
}
