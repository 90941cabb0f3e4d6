//! `appenv which COMMAND…`: the argv that would be exec'd, program path
//! resolved, as one shell-quoted line.

use std::ffi::OsString;

use super::Context;
use crate::error::{Error, print};
use crate::exec;
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
        quote(
            std::os::unix::ffi::OsStrExt::as_bytes(arg.as_os_str()),
            &mut out,
        );
    }
    out.push(b'\n');
    print(&out)
}

/// Single quotes, unless the word is made only of characters that no shell
/// treats specially (not `=`: zsh expands a leading one). A plain path
/// comes out as is, ready for an editor setting.
fn quote(arg: &[u8], out: &mut Vec<u8>) {
    let plain = !arg.is_empty()
        && arg
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b));
    if plain {
        out.extend_from_slice(arg);
        return;
    }
    out.push(b'\'');
    for &b in arg {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_only_when_needed() {
        let q = |s: &[u8]| {
            let mut out = Vec::new();
            quote(s, &mut out);
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
