//! What appenv says about the environment name before a program runs: a
//! name nothing in the app knows (a typo such as `-e prodution`), and a
//! caller's framework variable that disagrees with the name. Pure: it reads
//! the root's directory listing and the plan.

use std::collections::BTreeSet;

use camino::Utf8Path;

use crate::plan::{DEFAULT_FILES, Plan, Source};
use crate::text::sanitize;

/// Suffixes of `.env.*` files that are copies to fill in, not environments.
const NOT_ENVIRONMENTS: [&str; 5] = ["local", "example", "sample", "template", "dist"];

/// The notes to print, each one line, without the `appenv: note: ` lead.
pub fn notes(plan: &Plan) -> Vec<String> {
    let Some(decided) = &plan.env_name else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    let known = known(plan);
    if !known.contains(&decided.name) {
        let known: Vec<String> = known.iter().map(|n| sanitize(n)).collect();
        let listed = match known.is_empty() {
            true => "none".to_string(),
            false => known.join(", "),
        };
        notes.push(format!(
            "no env file or config of this app knows the environment '{}' (from {}); known: {listed}",
            sanitize(&decided.name),
            decided.source,
        ));
    }
    let mut differing = Vec::new();
    for name in name_vars(plan) {
        let Some(var) = plan.vars.get(std::ffi::OsStr::new(&name)) else {
            continue;
        };
        let spelt = crate::plan::spelling(plan.config.as_ref(), &name, &decided.name);
        if var.source == Source::Inherited && var.value != spelt {
            differing.push(format!(
                "{}={}",
                sanitize(&name),
                sanitize(&var.value.to_string_lossy())
            ));
        }
    }
    if !differing.is_empty() {
        notes.push(format!(
            "the caller's {} differs from the environment '{}' and wins",
            differing.join(", "),
            sanitize(&decided.name)
        ));
    }
    notes
}

/// The variables the environment name is given through.
fn name_vars(plan: &Plan) -> Vec<String> {
    match plan.config.as_ref().and_then(|c| c.env.name_vars.as_ref()) {
        Some(names) => names.get_ref().clone(),
        None => crate::markers::name_vars(&crate::markers::by_path(&plan.root.dir))
            .into_iter()
            .map(|(name, _)| name.to_owned())
            .collect(),
    }
}

/// Every environment name the app's files and config speak of.
pub fn known(plan: &Plan) -> BTreeSet<String> {
    let root = &plan.root.dir;
    let mut known = BTreeSet::new();
    if let Some(config) = &plan.config {
        known.extend(config.environment.iter().map(|e| e.get_ref().clone()));
        if let Some(list) = &config.env.environments {
            known.extend(list.get_ref().iter().cloned());
        }
        if let Some(map) = &config.env.name_map {
            known.extend(map.get_ref().values().flat_map(|m| m.keys().cloned()));
        }
    }
    let templates: Vec<String> = match plan.config.as_ref().and_then(|c| c.env.files.as_ref()) {
        Some(files) => files.get_ref().clone(),
        // A workspace member's own list comes after the top's files.
        None => (plan.shared.iter().flat_map(|s| s.files.iter().cloned()))
            .chain(DEFAULT_FILES.iter().map(|f| f.to_string()))
            .collect(),
    };
    for template in templates.iter().filter(|t| t.contains("{env}")) {
        let (before, after) = template.split_once("{env}").unwrap_or_default();
        let (dir, before) = match before.rsplit_once('/') {
            Some((dir, name)) => (root.join(dir), name),
            None => (root.to_owned(), before),
        };
        for file in file_names(&dir) {
            // dotenvx's key file fits `.env.{env}` but holds no variables.
            if crate::input::is_editor_file(file.as_bytes()) || file == crate::secrets::KEYS_FILE {
                continue;
            }
            let name = file
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after));
            if let Some(name) =
                name.filter(|n| !n.is_empty() && !n.contains('.') && !NOT_ENVIRONMENTS.contains(n))
            {
                known.insert(name.to_owned());
            }
        }
    }
    // Rails names its environments in config/environments/NAME.rb.
    if root.join("bin/rails").exists() {
        for file in file_names(&root.join("config/environments")) {
            if let Some(name) = file.strip_suffix(".rb") {
                known.insert(name.to_owned());
            }
        }
    }
    known
}

fn file_names(dir: &Utf8Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Request, resolve};
    use camino::Utf8PathBuf;

    fn plan(files: &[&str], env: Option<&str>, base: &[(&str, &str)]) -> (tempfile::TempDir, Plan) {
        let tmp = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        for f in files {
            let (name, content) = f.split_once('=').unwrap_or((f, ""));
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content.replace(';', "\n")).unwrap();
        }
        let request = Request {
            start: root,
            env_name: env.map(Into::into),
            ..Request::default()
        };
        let base = base.iter().map(|(k, v)| (k.into(), v.into())).collect();
        let plan = resolve(&request, &base).unwrap();
        (tmp, plan)
    }

    #[test]
    fn known_names_come_from_files_and_config() {
        let (_t, p) = plan(
            &[
                ".env",
                ".env.staging",
                ".env.test.local",
                ".env.local",
                ".env.example",
                "bin/rails",
                "config/environments/production.rb",
                "appenv.toml=environment = \"dev\"",
            ],
            None,
            &[],
        );
        let known: Vec<String> = known(&p).into_iter().collect();
        assert_eq!(known, ["dev", "production", "staging", "test"]);
    }

    #[test]
    fn a_typo_gets_a_note_with_the_known_names() {
        let (_t, p) = plan(&[".env", ".env.production"], Some("prodution"), &[]);
        assert_eq!(
            notes(&p),
            [
                "no env file or config of this app knows the environment 'prodution' (from --env); known: production"
            ]
        );
        let (_t, p) = plan(&[".env", ".env.production"], Some("production"), &[]);
        assert!(notes(&p).is_empty());
    }

    #[test]
    fn the_caller_s_differing_value_is_said() {
        let files = [".env", "bin/rails", "config/environments/production.rb"];
        let (_t, p) = plan(&files, Some("production"), &[("RAILS_ENV", "development")]);
        assert_eq!(
            notes(&p),
            [
                "the caller's RAILS_ENV=development differs from the environment 'production' and wins"
            ]
        );
        let (_t, p) = plan(&files, Some("production"), &[("RAILS_ENV", "production")]);
        assert!(notes(&p).is_empty());
    }
}
