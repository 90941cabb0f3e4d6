//! The end-to-end tests: one test binary, one module per area, all sharing
//! the sandbox in `common` (a clean environment, shells without rc files,
//! the rule for what a test needs from the machine). One binary links once
//! instead of once per area; its tests run in threads of one process, so
//! nothing a test does may be process-wide: no `set_var`, no
//! `set_current_dir`, no fixed path, socket or port outside the test's own
//! temporary directory.
//!
//! `cargo test --test tests AREA::` runs one area (`hook::`, `shims::`).
//! A test that takes seconds sits in a module `slow` at the end of its
//! area's file, so `-- --skip framework:: --skip slow::` is the quick loop.
//! A new area is a file `tests/NAME.rs` declared below as `mod NAME;`; it
//! reaches the shared helpers through `use crate::common;` (and the tmux
//! driver through `use crate::tmux;`), never `mod common;` of its own.

mod common;
#[path = "support/tmux.rs"]
mod tmux;

mod cli;
mod completions;
mod config_values;
mod dotenv_dialect;
mod edit;
mod editors;
mod env_systemd;
mod envrc;
mod exec;
mod export_fingerprint;
mod export_gha;
mod framework;
mod hardening;
mod hook;
mod init;
mod isolation;
mod launchers;
mod package_scripts;
mod remote;
mod same_as;
mod same_as_parity;
mod sandbox;
mod secrets;
mod sh_differential;
mod shell_own_names;
mod shell_quoting;
mod shell_spelling;
mod shim_tools;
mod shims;
mod syscalls;
mod task_exec;
mod tasks;
mod trust;
mod user_config;
mod versions;
mod workspaces;

/// Cargo builds only this binary (`autotests = false`): a test file left
/// out of the list above would never compile or run, so it fails here.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let this = include_str!("tests.rs");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let module = match name.strip_suffix(".rs") {
            Some("tests") => continue,
            Some(stem) => stem.to_owned(),
            None if path.is_dir() => name.clone(),
            None => continue,
        };
        let declared = this.contains(&format!("\nmod {module};\n"))
            || this.contains(&format!("#[path = \"{module}/"));
        if !declared || path.join("main.rs").exists() {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "not part of the test binary: {missing:?}; add `mod NAME;` to tests/tests.rs \
         (a directory needs NAME/mod.rs, not main.rs) and replace the file's `mod common;` \
         with `use crate::common;`"
    );
}
