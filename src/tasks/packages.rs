//! `"scripts"` of `package.json` and `composer.json`: tasks the package
//! manager would run, which appenv runs without the package manager's
//! process around them.

use camino::Utf8Path;
use serde_json::Value;

/// Which manager's scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Npm,
    Composer,
}

impl Manager {
    pub fn file_name(self) -> &'static str {
        match self {
            Manager::Npm => "package.json",
            Manager::Composer => "composer.json",
        }
    }

    /// The directory of the manager's programs, which it puts first on PATH.
    pub fn bin_dir(self, root: &Utf8Path) -> String {
        match self {
            Manager::Npm => "node_modules/.bin".into(),
            Manager::Composer => read(root, self)
                .and_then(|json| json["config"]["bin-dir"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "vendor/bin".into()),
        }
    }
}

/// The package's scripts, `(name, command line)`, sorted by name. A file
/// that is missing or not JSON has none (the manager itself would refuse
/// it). Composer scripts that only Composer can run (`@other-script`,
/// `@composer`, `@putenv`, PHP callbacks) are left out; a list of commands
/// becomes one line that stops at the first failure, as Composer does.
pub fn scripts(root: &Utf8Path, manager: Manager) -> Vec<(String, String)> {
    let Some(json) = read(root, manager) else {
        return Vec::new();
    };
    let Some(scripts) = json["scripts"].as_object() else {
        return Vec::new();
    };
    scripts
        .iter()
        .filter_map(|(name, body)| {
            let line = match manager {
                Manager::Npm => body.as_str().map(str::to_owned),
                Manager::Composer => composer_line(body),
            }?;
            (!line.trim().is_empty()).then(|| (name.clone(), line))
        })
        .collect()
}

/// The `pre<name>` and `post<name>` scripts `npm run NAME` would run
/// around it, which a program that replaces appenv cannot be followed by.
pub fn npm_hooks(root: &Utf8Path, name: &str) -> Vec<String> {
    let scripts = scripts(root, Manager::Npm);
    ["pre", "post"]
        .iter()
        .map(|hook| format!("{hook}{name}"))
        .filter(|hook| scripts.iter().any(|(n, _)| n == hook))
        .collect()
}

/// `"name"` and `"version"` of package.json, for `npm_package_*`.
pub fn npm_package(root: &Utf8Path) -> (Option<String>, Option<String>) {
    let json = read(root, Manager::Npm);
    let field = |key: &str| {
        json.as_ref()
            .and_then(|j| j[key].as_str())
            .map(str::to_owned)
    };
    (field("name"), field("version"))
}

fn read(root: &Utf8Path, manager: Manager) -> Option<Value> {
    // Checked like every input (a FIFO or /dev/zero named package.json must not
    // hang or exhaust `appenv tasks`); lockfile-sized manifests still fit.
    let path = root.join(manager.file_name());
    let bytes = crate::input::read_file(
        &path,
        crate::input::Kind::Other {
            limit: crate::input::MAX_ENV_FILE,
        },
    )
    .ok()??;
    serde_json::from_slice(&bytes).ok()
}

fn composer_line(body: &Value) -> Option<String> {
    let commands: Vec<&str> = match body {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().map(Value::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    let mut lines = Vec::with_capacity(commands.len());
    for command in commands {
        let command = command.trim();
        let command = match command.strip_prefix("@php ") {
            Some(rest) => format!("php {rest}"),
            None if command.starts_with('@') || is_callback(command) => return None,
            None => command.to_owned(),
        };
        lines.push(command);
    }
    Some(lines.join(" && "))
}

/// `Vendor\Class::method`: a PHP callback Composer calls in its own process.
fn is_callback(command: &str) -> bool {
    !command.contains(char::is_whitespace)
        && command.split_once("::").is_some_and(|(class, method)| {
            !class.is_empty()
                && !method.is_empty()
                && class
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '\\' || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_scripts_that_composer_alone_can_run_are_left_out() {
        let line = |v: Value| composer_line(&v);
        assert_eq!(
            line(Value::from("@php artisan migrate")).as_deref(),
            Some("php artisan migrate")
        );
        assert_eq!(
            line(serde_json::json!(["vendor/bin/phpunit", "@php x.php"])).as_deref(),
            Some("vendor/bin/phpunit && php x.php")
        );
        assert_eq!(line(Value::from("@test")), None);
        assert_eq!(
            line(Value::from(
                "Illuminate\\Foundation\\ComposerScripts::postAutoloadDump"
            )),
            None
        );
        assert_eq!(line(serde_json::json!(["ok", "@putenv A=1"])), None);
        assert_eq!(line(serde_json::json!({"a": 1})), None);
    }
}
