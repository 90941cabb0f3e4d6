//! appenv: run a program in exactly the environment of the app it belongs to.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod dotenv;
pub mod env_name;
pub mod env_vars;
pub mod envrc;
pub mod error;
pub mod exec;
pub mod exit;
pub mod framework;
pub mod hook_state;
pub mod input;
pub mod isolation;
pub mod launch;
pub mod launcher;
pub mod man;
pub mod markers;
pub mod plan;
pub mod procfile;
pub mod remote;
pub mod root;
#[cfg(target_os = "linux")]
pub mod same_as;
pub mod script;
pub mod secrets;
pub mod shell;
pub mod shim;
pub mod tasks;
pub mod text;
pub mod trust;
pub mod trusted_dirs;
pub mod user_config;
pub mod versions;
pub mod workdir;
pub mod xdg;

/// The layer rule, read from the one table that declares it: the `Layers`
/// table of docs/architecture.md. Every top-level module has a row there,
/// and a file imports (`crate::X`) only from its own layer or a lower one.
#[cfg(test)]
mod layers {
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn imports_point_down_the_documented_map() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
        let layer: BTreeMap<String, u32> = doc
            .lines()
            .filter_map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                let n = cells.get(1)?.parse().ok()?;
                let name = cells.get(2)?.trim_matches('`');
                Some((name.trim_end_matches(".rs").trim_end_matches('/').into(), n))
            })
            .collect();
        let mut wrong = Vec::new();
        for file in rust_files(&root.join("src")) {
            let rel = file.strip_prefix(root).unwrap().display().to_string();
            let top = rel["src/".len()..].split(['/', '.']).next().unwrap();
            if top == "lib" {
                continue;
            }
            let Some(&own) = layer.get(top) else {
                wrong.push(format!("{rel}: `{top}` has no row in docs/architecture.md"));
                continue;
            };
            let text = std::fs::read_to_string(&file).unwrap();
            // Comments may name any module: only code counts.
            let code: String = text
                .lines()
                .map(|l| l.split("//").next().unwrap_or("").to_string() + "\n")
                .collect();
            for (at, _) in code.match_indices("crate::") {
                let line = code[..at].matches('\n').count() + 1;
                for used in imported(&code[at + "crate::".len()..]) {
                    match layer.get(used) {
                        Some(&theirs) if theirs < own => wrong.push(format!(
                            "{rel}:{line}: `{top}` (layer {own}) imports `{used}` (layer {theirs})"
                        )),
                        Some(_) => {}
                        None => wrong.push(format!("{rel}:{line}: `{used}` has no row")),
                    }
                }
            }
        }
        for file in rust_files(&root.join("src")) {
            // Every file below a folder is named in the map by its path.
            let rel = file.strip_prefix(root.join("src")).unwrap();
            let nested = rel.components().count() > 1;
            let own = ["mod.rs", "tests.rs"].map(std::ffi::OsStr::new);
            if nested && !own.contains(&file.file_name().unwrap()) {
                let named = format!("`{}`", rel.display());
                if !doc.contains(&named) {
                    wrong.push(format!("docs/architecture.md does not name {named}"));
                }
            }
            // One module-file style: a module with submodules is a folder
            // with a `mod.rs`, never `x.rs` beside `x/`.
            if file.with_extension("").is_dir() {
                let rel = file.strip_prefix(root).unwrap().display().to_string();
                wrong.push(format!("{rel}: a module with a folder lives in its mod.rs"));
            }
        }
        for name in layer.keys() {
            let (file, dir) = (
                root.join(format!("src/{name}.rs")),
                root.join("src").join(name),
            );
            if !file.exists() && !dir.exists() {
                wrong.push(format!("docs/architecture.md: `{name}` is not in src/"));
            }
        }
        assert!(
            wrong.is_empty(),
            "upward imports or a stale map:\n{}",
            wrong.join("\n")
        );
    }

    /// The top-level modules named after `crate::`: `plan` in `plan::Env`,
    /// `config` and `root` in `{config, root::Root}`.
    fn imported(after: &str) -> Vec<&str> {
        fn ident(s: &str) -> &str {
            let s = s.trim_start();
            let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_'));
            &s[..end.unwrap_or(s.len())]
        }
        let Some(group) = after.strip_prefix('{') else {
            return vec![ident(after)];
        };
        // `crate::{a, b,}`: a trailing comma leaves an empty item.
        let (mut depth, mut items, mut start) = (0, Vec::new(), 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    items.push(ident(&group[start..i]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(ident(&group[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.retain(|i| !i.is_empty());
        items
    }

    fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }
}
