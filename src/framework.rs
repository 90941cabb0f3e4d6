//! The framework an app is written with, as its files show: it decides the
//! built-in tasks and the variable through which the framework learns the
//! environment name.

use std::fmt;

use camino::Utf8Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Rails,
    Django,
    Laravel,
    Phoenix,
    Ruby,
    Python,
    Node,
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Rails => "Rails",
            Framework::Django => "Django",
            Framework::Laravel => "Laravel",
            Framework::Phoenix => "Phoenix",
            Framework::Ruby => "Ruby",
            Framework::Python => "Python",
            Framework::Node => "Node",
        })
    }
}

impl Framework {
    /// The framework of the app at `root`, most specific first: a Rails app
    /// also has a Gemfile, a Django app often a requirements.txt.
    pub fn detect(root: &Utf8Path, virtualenv: bool) -> Option<Framework> {
        let has = |name: &str| root.join(name).symlink_metadata().is_ok();
        if has("bin/rails") {
            Some(Framework::Rails)
        } else if has("manage.py") {
            Some(Framework::Django)
        } else if has("artisan") {
            Some(Framework::Laravel)
        } else if depends_on_phoenix(root) {
            Some(Framework::Phoenix)
        } else if has("Gemfile") {
            Some(Framework::Ruby)
        } else if has("pyproject.toml") || has("requirements.txt") || virtualenv {
            Some(Framework::Python)
        } else if has("package.json") {
            Some(Framework::Node)
        } else {
            None
        }
    }

    /// The built-in tasks, as `(name, argv)`.
    pub fn builtins(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Framework::Rails => &[
                ("console", &["bin/rails", "console"]),
                ("migrate", &["bin/rails", "db:migrate"]),
            ],
            Framework::Django => &[
                ("console", &["python", "manage.py", "shell"]),
                ("migrate", &["python", "manage.py", "migrate"]),
            ],
            Framework::Laravel => &[
                ("console", &["php", "artisan", "tinker"]),
                ("migrate", &["php", "artisan", "migrate"]),
            ],
            Framework::Phoenix => &[
                ("console", &["iex", "-S", "mix"]),
                ("migrate", &["mix", "ecto.migrate"]),
            ],
            Framework::Ruby => &[("console", &["irb"])],
            Framework::Python => &[("console", &["python"])],
            Framework::Node => &[("console", &["node"])],
        }
    }
}

/// Whether `mix.exs` lists phoenix among its deps: `{:phoenix, "~> 1.7"}`,
/// not merely `:phoenix_html` or a mention in a comment.
fn depends_on_phoenix(root: &Utf8Path) -> bool {
    // Checked like every input: a regular file, opened without blocking, capped.
    let Ok(Some(bytes)) = crate::input::read_file(&root.join("mix.exs"), crate::input::MAX_CONFIG)
    else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .any(|line| {
            line.match_indices(":phoenix").any(|(at, word)| {
                let before = line[..at].trim_end();
                let after = line[at + word.len()..].chars().next();
                before.ends_with('{')
                    && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '?'))
            })
        })
}

/// The variables through which the frameworks of the app at `root` learn
/// the environment name, each with the framework that reads it: Rails and
/// Rack read `RAILS_ENV`/`RACK_ENV`, Laravel and Symfony `APP_ENV`, Mix
/// `MIX_ENV`, Node tools `NODE_ENV`. An app can use more than one (Rails
/// with a JavaScript bundler).
pub fn name_vars(root: &Utf8Path) -> Vec<(&'static str, &'static str)> {
    let has = |name: &str| root.join(name).symlink_metadata().is_ok();
    let mut vars = Vec::new();
    if has("bin/rails") {
        vars.extend([("RAILS_ENV", "Rails"), ("RACK_ENV", "Rails")]);
    } else if has("config.ru") {
        vars.push(("RACK_ENV", "Rack"));
    }
    if has("artisan") {
        vars.push(("APP_ENV", "Laravel"));
    } else if has("symfony.lock") || (has("bin/console") && has("composer.json")) {
        vars.push(("APP_ENV", "Symfony"));
    }
    if has("mix.exs") {
        vars.push(("MIX_ENV", "Mix"));
    }
    if has("package.json") {
        vars.push(("NODE_ENV", "Node"));
    }
    vars
}
