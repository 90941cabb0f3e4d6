//! Workspaces: a repository's statement that some of its directories are
//! packages of their own (npm, pnpm, uv, Cargo, or appenv's own
//! `[workspace] members`). Such a member is an app root even below another
//! root's `.env`; here is how each tool says which directories are members,
//! read just far enough to answer, and the globs they are written in.

use crate::config::Config;

/// Who declares members, in the order asked at one directory: appenv's own
/// statement first, then the package managers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Appenv,
    Pnpm,
    Npm,
    Uv,
    Cargo,
}

pub const TOOLS: [Tool; 5] = [Tool::Appenv, Tool::Pnpm, Tool::Npm, Tool::Uv, Tool::Cargo];

impl Tool {
    /// The file at the workspace top that declares the members.
    pub fn file(self) -> &'static str {
        match self {
            Tool::Appenv => crate::config::FILE_NAME,
            Tool::Pnpm => "pnpm-workspace.yaml",
            Tool::Npm => "package.json",
            Tool::Uv => "pyproject.toml",
            Tool::Cargo => "Cargo.toml",
        }
    }

    /// Where in that file, as its users write it.
    pub fn key(self) -> &'static str {
        match self {
            Tool::Appenv => "[workspace] members",
            Tool::Pnpm => "packages",
            Tool::Npm => "workspaces",
            Tool::Uv => "[tool.uv.workspace] members",
            Tool::Cargo => "[workspace] members",
        }
    }

    /// The file a member must hold for the tool to take it as one (npm,
    /// pnpm, uv and Cargo skip a matched directory without it); `None`:
    /// any name that can make an app root (appenv's own).
    pub fn member_file(self) -> Option<&'static str> {
        match self {
            Tool::Appenv => None,
            Tool::Pnpm | Tool::Npm => Some("package.json"),
            Tool::Uv => Some("pyproject.toml"),
            Tool::Cargo => Some("Cargo.toml"),
        }
    }
}

/// The members a file declares: globs, and globs excluded from them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Members {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Members {
    /// Whether the directory at `path` (relative to the top, `/`-separated)
    /// is declared.
    pub fn declares(&self, path: &str) -> bool {
        self.include.iter().any(|p| glob(p, path)) && !self.exclude.iter().any(|p| glob(p, path))
    }

    /// Patterns starting with `!` exclude (npm and pnpm write them so).
    fn from_list(list: impl IntoIterator<Item = String>) -> Self {
        let mut members = Members::default();
        for entry in list {
            match entry.strip_prefix('!') {
                Some(excluded) => members.exclude.push(excluded.to_owned()),
                None => members.include.push(entry),
            }
        }
        members
    }
}

/// The members `bytes` (the content of `tool`'s file) declares, if any.
/// A file that does not parse declares nothing: it is the tool's to
/// complain about, and an app below it is still found by the usual rules.
pub fn members(tool: Tool, bytes: &[u8]) -> Option<Members> {
    let text = std::str::from_utf8(bytes).ok()?;
    // Most such files declare no workspace: not parsed at all then.
    if !text.contains("workspace") && tool != Tool::Pnpm {
        return None;
    }
    let strings = |value: Option<&toml::Value>| -> Vec<String> {
        value
            .and_then(toml::Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let members = match tool {
        Tool::Appenv => {
            let config = Config::parse(crate::config::FILE_NAME.into(), bytes).ok()?;
            Members::from_list(config.workspace?.members.into_inner())
        }
        Tool::Pnpm => Members::from_list(pnpm_packages(text)?),
        Tool::Npm => {
            let json: serde_json::Value = serde_json::from_str(text).ok()?;
            let list = match &json["workspaces"] {
                serde_json::Value::Array(list) => list,
                serde_json::Value::Object(map) => map.get("packages")?.as_array()?,
                _ => return None,
            };
            Members::from_list(list.iter().filter_map(|v| v.as_str().map(str::to_owned)))
        }
        Tool::Uv | Tool::Cargo => {
            let table: toml::Table = toml::from_str(text).ok()?;
            let workspace = match tool {
                Tool::Uv => table.get("tool")?.get("uv")?.get("workspace")?,
                _ => table.get("workspace")?,
            };
            Members {
                include: strings(workspace.get("members")),
                exclude: strings(workspace.get("exclude")),
            }
        }
    };
    (!members.include.is_empty()).then_some(members)
}

/// The `packages:` list of a `pnpm-workspace.yaml`, in either of the forms
/// pnpm's own files use: a block sequence (`- 'apps/*'` lines below the
/// key) or a flow sequence on the key's line (`packages: [apps/*]`). The
/// rest of the file (catalogs, settings) is not read.
fn pnpm_packages(text: &str) -> Option<Vec<String>> {
    let mut lines = text.lines();
    let rest = loop {
        let line = lines.next()?;
        if let Some(rest) = line.strip_prefix("packages:") {
            break strip_comment(rest).trim();
        }
    };
    if let Some(flow) = rest.strip_prefix('[') {
        let flow = flow.strip_suffix(']')?;
        return Some(
            flow.split(',')
                .map(unquote)
                .filter(|s| !s.is_empty())
                .collect(),
        );
    }
    if !rest.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for line in lines {
        let item = strip_comment(line);
        if item.trim().is_empty() {
            continue;
        }
        // The next key at the top level ends the list.
        if !item.starts_with([' ', '\t', '-']) {
            break;
        }
        let entry = item.trim_start().strip_prefix('-')?;
        list.push(unquote(entry));
    }
    Some(list)
}

/// A line without a ` #` comment outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return &line[..at],
            _ => {}
        }
        prev = c;
    }
    line
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    value.to_owned()
}

/// Whether `path` (relative, `/`-separated) matches `pattern` in the glob
/// dialect workspace files share: `*` and `?` within one component, `**`
/// for any number of components (none included), anything else literal. As
/// npm and pnpm do, a wildcard never matches a name starting with `.` or a
/// `node_modules` directory. A leading `./` and a trailing `/` are ignored.
pub fn glob(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let parts: Vec<&str> = pattern
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let names: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    components(&parts, &names)
}

fn components(parts: &[&str], names: &[&str]) -> bool {
    match parts.split_first() {
        None => names.is_empty(),
        Some((&"**", rest)) => (0..=names.len()).any(|skip| {
            names[..skip].iter().all(|n| wild_ok(n)) && components(rest, &names[skip..])
        }),
        Some((part, rest)) => match names.split_first() {
            Some((name, names)) => component(part, name) && components(rest, names),
            None => false,
        },
    }
}

/// What a wildcard may stand for.
fn wild_ok(name: &str) -> bool {
    !name.starts_with('.') && name != "node_modules"
}

fn component(part: &str, name: &str) -> bool {
    if !part.contains(['*', '?']) {
        return part == name;
    }
    wild_ok(name) && wildcard(part.as_bytes(), name.as_bytes())
}

/// `*` any run of bytes, `?` one character, the rest literal.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                n += utf8_len(name[n]);
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + utf8_len(name[sn]);
                    star = Some((sp, n));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_workspace_files_write_them() {
        for (pattern, path, expected) in [
            ("apps/*", "apps/api", true),
            ("apps/*", "apps/api/src", false),
            ("apps/*", "apps", false),
            ("./apps/*/", "apps/api", true),
            ("apps/api", "apps/api", true),
            ("apps/api", "apps/apix", false),
            ("packages/**", "packages/a/b", true),
            ("packages/**", "packages", true),
            ("**", "a/b/c", true),
            ("packages/**/lib", "packages/lib", true),
            ("packages/**/lib", "packages/x/y/lib", true),
            ("packages/**/lib", "packages/x/y/lix", false),
            ("crates/app-*", "crates/app-web", true),
            ("crates/app-*", "crates/lib-web", false),
            ("crates/*-web", "crates/app-web", true),
            ("crates/a?c", "crates/abc", true),
            ("crates/a?c", "crates/aéc", true),
            ("crates/a?c", "crates/ac", false),
            ("*/*", "a/b", true),
            ("apps/*", "apps/.hidden", false),
            ("apps/.hidden", "apps/.hidden", true),
            ("packages/**", "packages/a/node_modules/b", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ] {
            assert_eq!(glob(pattern, path), expected, "{pattern} {path}");
        }
    }

    #[test]
    fn reads_each_tools_declaration() {
        let npm = members(
            Tool::Npm,
            br#"{"name": "x", "workspaces": ["apps/*", "!apps/old"]}"#,
        )
        .unwrap();
        assert!(npm.declares("apps/api") && !npm.declares("apps/old"));
        let yarn = members(Tool::Npm, br#"{"workspaces": {"packages": ["libs/**"]}}"#).unwrap();
        assert!(yarn.declares("libs/a/b"));
        assert_eq!(members(Tool::Npm, br#"{"name": "workspace-less"}"#), None);
        assert_eq!(members(Tool::Npm, b"{not json, workspaces"), None);

        let pnpm = "# pnpm\npackages:\n  # the apps\n  - 'apps/*'\n  - \"libs/**\" # all\n  - '!libs/old'\n\ncatalog:\n  react: ^18\n";
        let pnpm = members(Tool::Pnpm, pnpm.as_bytes()).unwrap();
        assert_eq!(pnpm.include, ["apps/*", "libs/**"]);
        assert_eq!(pnpm.exclude, ["libs/old"]);
        let flow = members(Tool::Pnpm, b"packages: ['apps/*', tools]\n").unwrap();
        assert_eq!(flow.include, ["apps/*", "tools"]);
        assert_eq!(members(Tool::Pnpm, b"catalog:\n  packages: x\n"), None);

        let uv = "[project]\nname = \"x\"\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/seeds\"]\n";
        let uv = members(Tool::Uv, uv.as_bytes()).unwrap();
        assert!(uv.declares("packages/a") && !uv.declares("packages/seeds"));
        let cargo = members(Tool::Cargo, b"[workspace]\nmembers = [\"crates/*\"]\n").unwrap();
        assert!(cargo.declares("crates/cli"));
        assert_eq!(
            members(Tool::Cargo, b"[package]\nname = \"workspace\"\n"),
            None
        );
        let appenv = members(Tool::Appenv, b"[workspace]\nmembers = [\"services/*\"]\n").unwrap();
        assert!(appenv.declares("services/web"));
    }
}
