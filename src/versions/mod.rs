//! The interpreter an app pins in the version files its team already keeps
//! for rbenv, pyenv, nvm, asdf and mise: which file names which version of
//! which tool (bytes in, pins out). Where those versions are installed is
//! [`installs`]; the plan puts the chosen install's `bin` on PATH.
//!
//! Several files can name the same tool. As mise does, `.tool-versions`
//! wins over a tool's own file (`.python-version`), and `.nvmrc` over
//! `.node-version`: [`FILES`] lists them, the deciding one first.

pub mod installs;

use std::fmt;

/// An interpreter a version file can pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    Ruby,
    Python,
    Node,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Ruby, Tool::Python, Tool::Node];

    pub fn name(self) -> &'static str {
        match self {
            Tool::Ruby => "ruby",
            Tool::Python => "python",
            Tool::Node => "node",
        }
    }

    /// The tool a `.tool-versions` line names: asdf's plugin names, and
    /// mise's `node` for asdf's `nodejs`.
    fn from_tool_versions(name: &str) -> Option<Tool> {
        match name {
            "ruby" => Some(Tool::Ruby),
            "python" => Some(Tool::Python),
            "nodejs" | "node" => Some(Tool::Node),
            _ => None,
        }
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The file asdf and mise share, naming several tools.
pub const TOOL_VERSIONS: &str = ".tool-versions";

/// The version files of each tool, the one that decides first (mise's
/// order): `.tool-versions`, then the tool's own files.
pub const FILES: [&str; 5] = [
    TOOL_VERSIONS,
    ".ruby-version",
    ".python-version",
    ".nvmrc",
    ".node-version",
];

/// The most appenv reads of a version file, as of `appenv.toml`: a version
/// is a few bytes, and a `.tool-versions` a line per tool.
pub const MAX_FILE: u64 = crate::input::MAX_CONFIG;

/// The tool a file of its own names (`.python-version`: python), none for
/// `.tool-versions`.
pub fn tool_of(file: &str) -> Option<Tool> {
    match file {
        ".ruby-version" => Some(Tool::Ruby),
        ".python-version" => Some(Tool::Python),
        ".nvmrc" | ".node-version" => Some(Tool::Node),
        _ => None,
    }
}

/// One tool's version as a file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub tool: Tool,
    /// As written (a word of the file, never with blanks).
    pub written: String,
    pub file: &'static str,
    /// 1-based.
    pub line: usize,
}

/// What a pin asks for, once its spelling is taken off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// The system's interpreter (pyenv's, rbenv's and asdf's `system`):
    /// PATH as it is.
    System,
    /// A name an install directory may have: a version (`3.12.4`), a
    /// prefix of one (`3.12`), or a manager's own name (`pypy3.10-7.3.12`,
    /// `truffleruby-24.0.0`). One path component, never `.` or `..`.
    Version(String),
    /// Anything else: an alias (`lts/*`, `lts/iron`, `latest`, `stable`)
    /// that only the manager can resolve, a `path:` or `ref:` entry, or
    /// text that names no directory at all (`../..`, a control character).
    /// appenv never resolves it.
    Unusable,
}

impl Pin {
    /// What the pin asks for: `v20.1.0` (nvm) is `20.1.0`, `ruby-3.2.2`
    /// (rbenv, chruby) is `3.2.2`, `python-3.12` is `3.12`.
    pub fn asked(&self) -> Asked {
        let word = self.written.as_str();
        if word == "system" {
            return Asked::System;
        }
        let prefix = match self.tool {
            Tool::Ruby => "ruby-",
            Tool::Python => "python-",
            Tool::Node => "node-",
        };
        let version = [prefix, "v"]
            .into_iter()
            .find_map(|p| {
                let rest = word.strip_prefix(p)?;
                rest.starts_with(|c: char| c.is_ascii_digit())
                    .then_some(rest)
            })
            .unwrap_or(word);
        let aliases = ["latest", "stable", "node", "lts", "current"];
        if is_name(version) && !aliases.contains(&version) && !version.starts_with("lts") {
            Asked::Version(version.to_owned())
        } else {
            Asked::Unusable
        }
    }
}

/// Whether `word` can be one directory's name: letters, digits, `.`, `_`,
/// `-` and `+`, not starting with `.` or `-`, at most 100 bytes. Nothing
/// else ever reaches a path: `../../bin` or `/usr` are refused before any
/// directory is looked at.
fn is_name(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 100
        && !word.starts_with(['.', '-'])
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
}

/// The pins `file` makes, in the order written; a tool named twice counts
/// the first time (as asdf reads it). `file` is one of [`FILES`].
pub fn parse(file: &'static str, bytes: &[u8]) -> Vec<Pin> {
    let mut pins: Vec<Pin> = Vec::new();
    for (at, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        // A comment, whole-line or trailing (asdf, mise, nvm allow both).
        let text = text.split('#').next().unwrap_or_default();
        let mut words = text.split_ascii_whitespace();
        let pin = match tool_of(file) {
            // pyenv reads one version a line, the first being the one run
            // (the others are fallbacks appenv does not add); nvm and rbenv
            // read the first word.
            Some(tool) => words.next().map(|word| (tool, word)),
            None => words.next().and_then(|name| {
                let tool = Tool::from_tool_versions(name)?;
                Some((tool, words.next().unwrap_or_default()))
            }),
        };
        let Some((tool, word)) = pin else { continue };
        if pins.iter().any(|pin| pin.tool == tool) {
            continue;
        }
        pins.push(Pin {
            tool,
            written: word.to_owned(),
            file,
            line: at + 1,
        });
        if tool_of(file).is_some() {
            break;
        }
    }
    pins
}

/// Of every file's pins (given in [`FILES`] order), the one that decides
/// for each tool: the first.
pub fn choose(pins: impl IntoIterator<Item = Pin>) -> Vec<Pin> {
    let mut chosen: Vec<Pin> = Vec::new();
    for pin in pins {
        if !chosen.iter().any(|c| c.tool == pin.tool) {
            chosen.push(pin);
        }
    }
    chosen.sort_by_key(|pin| pin.tool);
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(file: &'static str, text: &str) -> Vec<(Tool, Asked, usize)> {
        parse(file, text.as_bytes())
            .into_iter()
            .map(|pin| (pin.tool, pin.asked(), pin.line))
            .collect()
    }

    fn version(v: &str) -> Asked {
        Asked::Version(v.into())
    }

    #[test]
    fn each_file_spells_its_version_its_own_way() {
        assert_eq!(
            asked(".ruby-version", "ruby-3.2.2\n"),
            [(Tool::Ruby, version("3.2.2"), 1)]
        );
        assert_eq!(
            asked(".python-version", "\n# pinned\n3.12\r\n3.11.9\n"),
            [(Tool::Python, version("3.12"), 3)]
        );
        assert_eq!(
            asked(".nvmrc", "v20.1.0 # LTS\n"),
            [(Tool::Node, version("20.1.0"), 1)]
        );
        assert_eq!(
            asked(".node-version", "20"),
            [(Tool::Node, version("20"), 1)]
        );
        assert_eq!(
            asked(".python-version", "pypy3.10-7.3.12\n"),
            [(Tool::Python, version("pypy3.10-7.3.12"), 1)]
        );
        assert_eq!(
            asked(".ruby-version", "system\n"),
            [(Tool::Ruby, Asked::System, 1)]
        );
    }

    #[test]
    fn tool_versions_names_several_tools_by_asdf_and_mise_names() {
        let text = "# tools\ngolang 1.22\nruby 3.2.2\npython 3.12 3.11\nnodejs 20.1.0\nnode 18\n";
        assert_eq!(
            asked(TOOL_VERSIONS, text),
            [
                (Tool::Ruby, version("3.2.2"), 3),
                (Tool::Python, version("3.12"), 4),
                (Tool::Node, version("20.1.0"), 5),
            ]
        );
        assert_eq!(
            asked(TOOL_VERSIONS, "python\n"),
            [(Tool::Python, Asked::Unusable, 1)]
        );
    }

    #[test]
    fn aliases_paths_and_traversal_are_never_a_directory() {
        for word in [
            "lts/*",
            "lts/iron",
            "latest",
            "node",
            "stable",
            "../../../../bin",
            "..",
            ".",
            "/usr",
            "3.12/../../x",
            "path:/opt/python",
            "ref:v3.12.0",
            "3.12\u{1b}[2J",
            "-rf",
        ] {
            let found = asked(".nvmrc", word);
            assert_eq!(found, [(Tool::Node, Asked::Unusable, 1)], "{word:?}");
        }
        let long = "3".repeat(101);
        assert_eq!(asked(".nvmrc", &long)[0].1, Asked::Unusable);
    }

    #[test]
    fn binary_content_is_no_version_and_never_a_panic() {
        let bytes = b"\xff\xfe\x00\x01\n\x00";
        let pins = parse(".python-version", bytes);
        assert_eq!(pins.len(), 1);
        assert_eq!(pins[0].asked(), Asked::Unusable);
        assert!(parse(".python-version", b"").is_empty());
        assert!(parse(TOOL_VERSIONS, b"\n\n# nothing\n").is_empty());
    }

    #[test]
    fn tool_versions_decides_before_a_tools_own_file_as_mise_does() {
        let pins = [
            ".tool-versions",
            ".python-version",
            ".nvmrc",
            ".node-version",
        ];
        let texts = ["python 3.12\n", "3.11\n", "20\n", "18\n"];
        let all = pins
            .into_iter()
            .zip(texts)
            .flat_map(|(file, text)| parse(file, text.as_bytes()));
        let chosen = choose(all);
        let shown: Vec<_> = chosen.iter().map(|p| (p.tool, p.file)).collect();
        assert_eq!(
            shown,
            [(Tool::Python, ".tool-versions"), (Tool::Node, ".nvmrc")]
        );
        assert_eq!(FILES[0], TOOL_VERSIONS);
        let at = |name| FILES.iter().position(|f| *f == name).unwrap();
        assert!(at(".nvmrc") < at(".node-version"));
    }
}
