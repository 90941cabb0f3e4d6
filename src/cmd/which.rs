//! `appenv which COMMAND…`: the argv that would be exec'd, program path
//! resolved, as one shell-quoted line.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use super::Context;
use crate::error::{Error, print};
use crate::exec;
use crate::shell::Shell;
use crate::shim::Skip;

pub fn run(ctx: &Context, command: &[OsString]) -> Result<(), Error> {
    let plan = ctx.resolve()?;
    ctx.note_trust(&plan);
    let mut argv = plan.argv(command, !ctx.global.no_prefix);
    // Never a shim nor appenv itself: an editor given this path must get
    // the real interpreter.
    let skip = Skip::for_env(|name| plan.value(name));
    let program = exec::lookup(&argv[0], plan.value("PATH"), &|p| skip.skips(p))?;
    argv[0] = program.into_os_string();
    let mut out = Vec::new();
    for (i, arg) in argv.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        push_word(arg.as_bytes(), &mut out);
    }
    out.push(b'\n');
    print(&out)
}

/// A word made only of characters that no shell treats specially is
/// written as is, so a plain path comes out ready for an editor setting;
/// any other word gets bash quoting. (Not `=`: zsh expands a leading one.)
fn push_word(arg: &[u8], out: &mut Vec<u8>) {
    let plain = !arg.is_empty()
        && arg
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b));
    if plain {
        out.extend_from_slice(arg);
    } else {
        Shell::Bash.quote(arg, out);
    }
}

#[cfg(test)]
mod tests {
    use super::push_word;

    #[test]
    fn quotes_only_when_needed() {
        let q = |s: &[u8]| {
            let mut out = Vec::new();
            push_word(s, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        assert_eq!(q(b"/app/.venv/bin/python"), "/app/.venv/bin/python");
        assert_eq!(q(b"db:migrate"), "db:migrate");
        assert_eq!(q(b""), "''");
        assert_eq!(q(b"a b"), "'a b'");
        assert_eq!(q(b"it's"), "'it'\\''s'");
        assert_eq!(q(b"~x"), "'~x'");
        assert_eq!(q(b"$HOME"), "'$HOME'");
        assert_eq!(q(b"=python"), "'=python'");
    }
}
