//! The Procfile: how the app's regular processes run (foreman's grammar).

use std::fmt;

use crate::text::sanitize;

pub const FILE_NAME: &str = "Procfile";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Procfile {
    pub processes: Vec<ProcessType>,
    /// Lines that are neither processes, comments nor blank: foreman skips them,
    /// so do we, but `appenv explain` shows them (sanitised).
    pub ignored: Vec<(usize, String)>,
}

/// One line of the Procfile: a process type (`web`, `release`) and the
/// command that starts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessType {
    pub name: String,
    pub command: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcfileError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ProcfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{FILE_NAME}:{}: {}", self.line, self.message)
    }
}

impl Procfile {
    pub fn parse(bytes: &[u8]) -> Result<Procfile, ProcfileError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let mut procfile = Procfile::default();
        // Name → index, so that thousands of entries stay linear.
        let mut seen = std::collections::HashMap::new();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let text = String::from_utf8_lossy(raw);
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            match entry(&text) {
                Some((name, command)) if !raw.contains(&0) && !text.contains('\u{fffd}') => {
                    if let Some(&first) = seen.get(name) {
                        let first: &ProcessType = &procfile.processes[first];
                        return Err(ProcfileError {
                            line,
                            message: format!(
                                "process {:?} is defined twice, on lines {} and {line}",
                                sanitize(name),
                                first.line
                            ),
                        });
                    }
                    seen.insert(name.to_owned(), procfile.processes.len());
                    procfile.processes.push(ProcessType {
                        name: name.into(),
                        command: command.into(),
                        line,
                    });
                }
                _ => procfile.ignored.push((line, sanitize(&text))),
            }
        }
        Ok(procfile)
    }

    pub fn get(&self, name: &str) -> Option<&ProcessType> {
        self.processes.iter().find(|e| e.name == name)
    }
}

/// `name: command` with a name of `[A-Za-z0-9_-]+` and a non-empty command.
fn entry(line: &str) -> Option<(&str, &str)> {
    let (name, command) = line.split_once(':')?;
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let command = command.trim();
    (valid && !command.is_empty()).then_some((name, command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_comments_and_junk() {
        let p = Procfile::parse(b"# c\nweb: bundle exec puma -p $PORT\n\nworker:bundle exec sidekiq\r\nnot an entry\n\x1b[2J: x\n").unwrap();
        let names: Vec<_> = p
            .processes
            .iter()
            .map(|e| (e.name.as_str(), e.command.as_str(), e.line))
            .collect();
        assert_eq!(
            names,
            [
                ("web", "bundle exec puma -p $PORT", 2),
                ("worker", "bundle exec sidekiq", 4)
            ]
        );
        assert_eq!(p.ignored[0], (5, "not an entry".to_string()));
        assert!(!p.ignored[1].1.contains('\x1b'));
    }

    #[test]
    fn duplicate_names_both_lines() {
        let e = Procfile::parse(b"web: a\nworker: b\nweb: c\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("lines 1 and 3"), "{}", e.message);
    }

    #[test]
    fn binary_junk_is_ignored() {
        let p = Procfile::parse(b"web: ok\n\xff\xfe: \x00junk\nx\x00y: z\n").unwrap();
        assert_eq!(p.processes.len(), 1);
        assert_eq!(p.ignored.len(), 2);
    }
}
