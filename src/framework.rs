//! The framework an app is written with: it decides the built-in tasks.
//! Which files show it is [`crate::markers::framework`].

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Rails,
    Django,
    Laravel,
    Phoenix,
    Mix,
    Ruby,
    Python,
    Perl,
    Node,
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Framework::Rails => "Rails",
            Framework::Django => "Django",
            Framework::Laravel => "Laravel",
            Framework::Phoenix => "Phoenix",
            Framework::Mix => "Mix",
            Framework::Ruby => "Ruby",
            Framework::Python => "Python",
            Framework::Perl => "Perl",
            Framework::Node => "Node",
        })
    }
}

impl Framework {
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
            // Any Mix project, Phoenix or not: iex with the project loaded.
            Framework::Mix => &[("console", &["iex", "-S", "mix"])],
            Framework::Ruby => &[("console", &["irb"])],
            Framework::Python => &[("console", &["python"])],
            // The debugger's REPL; `tasks` prefers the app's own `reply` or
            // `re.pl` (see `markers::perl_console`).
            Framework::Perl => &[("console", &["perl", "-de0"])],
            Framework::Node => &[("console", &["node"])],
        }
    }
}
