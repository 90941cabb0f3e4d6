//! Logical lines, cut where dotenvy's reader cuts them: a quoted value may run
//! over several physical lines, and a `#` after a blank ends the line early.
//! Each comes with the physical line it starts on, counted in the same pass.

/// Where dotenvy's line reader stands after a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Complete,
    Escape,
    StrongOpen,
    StrongOpenEscape,
    WeakOpen,
    WeakOpenEscape,
    Comment,
    WhiteSpace,
}

/// One logical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Logical<'a> {
    /// The physical line it starts on, from 1.
    pub line: usize,
    /// Up to a trailing comment, or through the final newline: what a
    /// variable's digest covers in a trust record.
    pub raw: &'a str,
    /// What dotenvy's line parser is given: `raw` without its final `\n` or
    /// `\r\n` (when complete), or nothing for a comment line.
    pub text: &'a str,
    /// How the input ended inside this line, when it ended unfinished.
    pub unfinished: Option<State>,
}

/// The logical lines of `text`, in order.
pub(super) struct Lines<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            line: 1,
        }
    }

    /// How much of `text` (the text given to [`Lines::new`]) is read.
    pub fn offset(&self, text: &str) -> usize {
        text.len() - self.rest.len()
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Logical<'a>;

    fn next(&mut self) -> Option<Logical<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = self.rest;
        let start = self.line;
        let bytes = rest.as_bytes();
        // Most lines hold nothing the reader treats specially: they end at
        // their newline, complete.
        if let Some(nl) = first_notable(bytes).filter(|&at| bytes[at] == b'\n') {
            self.rest = &rest[nl + 1..];
            self.line += 1;
            let raw = &rest[..=nl];
            let text = &raw[..nl];
            return Some(Logical {
                line: start,
                raw,
                text: text.strip_suffix('\r').unwrap_or(text),
                unfinished: None,
            });
        }
        let mut state = State::Complete;
        let mut pos = 0;
        let done = |this: &mut Self, consumed: usize, raw: &'a str, text: &'a str, unfinished| {
            this.rest = &rest[consumed..];
            Some(Logical {
                line: start,
                raw,
                text,
                unfinished,
            })
        };
        loop {
            let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |at| pos + at + 1);
            if end == pos {
                // The input ended inside an unfinished line.
                return done(self, pos, rest, rest, Some(state));
            }
            let physical = &rest[pos..end];
            self.line += usize::from(physical.ends_with('\n'));
            // dotenvy skips a line whose start (after blanks) is `#` before
            // it looks at quotes; only a first physical line can be one.
            if pos == 0 && physical.trim_start().starts_with('#') {
                return done(self, end, "", "", None);
            }
            match step(state, physical) {
                (State::Comment, at) => {
                    let kept = &rest[..pos + at];
                    return done(self, end, kept, kept, None);
                }
                (next, _) => state = next,
            }
            pos = end;
            if state == State::Complete {
                let raw = &rest[..pos];
                let text = match raw.strip_suffix('\n') {
                    Some(text) => text.strip_suffix('\r').unwrap_or(text),
                    None => raw,
                };
                return done(self, pos, raw, text, None);
            }
        }
    }
}

/// Runs dotenvy's line-reader state machine over one physical line. On
/// `Comment`, also says where the `#` is.
fn step(mut state: State, physical: &str) -> (State, usize) {
    let bytes = physical.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let mut width = 1;
        state = match state {
            State::Complete => match byte {
                b'\\' => State::Escape,
                b'"' => State::WeakOpen,
                b'\'' => State::StrongOpen,
                b' ' | b'\t' | 0x0b | 0x0c => State::WhiteSpace,
                0x80.. => {
                    let c = physical[at..].chars().next().unwrap_or_default();
                    width = c.len_utf8();
                    if c.is_whitespace() {
                        State::WhiteSpace
                    } else {
                        State::Complete
                    }
                }
                _ => State::Complete,
            },
            State::WhiteSpace => match byte {
                b'#' => return (State::Comment, at),
                b'\\' => State::Escape,
                b'"' => State::WeakOpen,
                b'\'' => State::StrongOpen,
                _ => {
                    width = utf8_width(byte);
                    State::Complete
                }
            },
            State::Escape => {
                width = utf8_width(byte);
                State::Complete
            }
            State::WeakOpen => match byte {
                b'\\' => State::WeakOpenEscape,
                b'"' => State::Complete,
                _ => State::WeakOpen,
            },
            State::WeakOpenEscape => {
                width = utf8_width(byte);
                State::WeakOpen
            }
            State::StrongOpen => match byte {
                b'\\' => State::StrongOpenEscape,
                b'\'' => State::Complete,
                _ => State::StrongOpen,
            },
            State::StrongOpenEscape => {
                width = utf8_width(byte);
                State::StrongOpen
            }
            State::Comment => return (State::Comment, at),
        };
        at += width;
    }
    (state, 0)
}

/// The length of the UTF-8 sequence that starts with `byte`. Inside quotes
/// bytes go one at a time: no byte of a multi-byte character is special.
fn utf8_width(byte: u8) -> usize {
    match byte {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Whether a byte of `word` is `byte`.
fn holds(word: u64, byte: u8) -> bool {
    let v = word ^ (LO * u64::from(byte));
    v.wrapping_sub(LO) & !v & HI != 0
}

/// Where the first newline, or the first byte the line reader may treat
/// specially (quotes, backslash, `#`, a non-ASCII character, which may be a
/// blank) is, eight bytes at a time.
fn first_notable(bytes: &[u8]) -> Option<usize> {
    let notable = |b: u8| matches!(b, b'\n' | b'\\' | b'"' | b'\'' | b'#' | 0x80..);
    let mut offset = 0;
    for chunk in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        if word & HI != 0
            || [b'\n', b'\\', b'"', b'\'', b'#']
                .into_iter()
                .any(|b| holds(word, b))
        {
            break;
        }
        offset += 8;
    }
    bytes[offset..]
        .iter()
        .position(|&b| notable(b))
        .map(|at| offset + at)
}

/// The first `needle` in `haystack`, a word at a time.
pub(super) fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    let mut offset = 0;
    for chunk in haystack.chunks_exact(8) {
        if holds(
            u64::from_le_bytes(chunk.try_into().unwrap_or_default()),
            needle,
        ) {
            break;
        }
        offset += 8;
    }
    haystack[offset..]
        .iter()
        .position(|&b| b == needle)
        .map(|at| offset + at)
}
