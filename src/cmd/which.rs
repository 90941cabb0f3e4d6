//! `appenv which COMMAND…`: the argv that would be exec'd, program path
//! resolved, as one shell-quoted line.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use super::Context;
use crate::error::{Error, print};
use crate::exec::{self, Skip};
use crate::shell::push_word;

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
