//! `appenv hook SHELL`: the shell integration. The scripts are real files
//! under `shell/` (linted as such); this prints one, after a line that gives
//! it the absolute path of this binary, so the hook keeps working in an app
//! whose PATH does not lead to appenv.

use std::os::unix::ffi::OsStrExt;

use crate::cli::HookShell;
use crate::error::{Error, print};
use crate::shell::Shell;

const BASH: &str = include_str!("../../shell/appenv.bash");
const ZSH: &str = include_str!("../../shell/appenv.zsh");
const FISH: &str = include_str!("../../shell/appenv.fish");
const TCSH: &str = include_str!("../../shell/appenv.tcsh");
const ELVISH: &str = include_str!("../../shell/appenv.elv");
const XONSH: &str = include_str!("../../shell/appenv.xsh");
const NU: &str = include_str!("../../shell/appenv.nu");

pub fn run(shell: HookShell) -> Result<(), Error> {
    let (shell, script) = match shell {
        HookShell::Bash => (Shell::Bash, BASH),
        HookShell::Zsh => (Shell::Zsh, ZSH),
        HookShell::Fish => (Shell::Fish, FISH),
        HookShell::Tcsh => (Shell::Tcsh, TCSH),
        HookShell::Elvish => (Shell::Elvish, ELVISH),
        HookShell::Xonsh => (Shell::Xonsh, XONSH),
        HookShell::Nu => (Shell::Nu, NU),
    };
    let mut out = Vec::with_capacity(script.len() + 100);
    // Without it the script runs `appenv` from PATH.
    let exe = std::env::current_exe();
    let bin = exe
        .as_ref()
        .map_or(&b"appenv"[..], |exe| exe.as_os_str().as_bytes());
    out.extend_from_slice(match shell {
        Shell::Fish => b"set -g __appenv_bin ",
        Shell::Bash | Shell::Zsh => b"__appenv_bin=",
        Shell::Tcsh => b"set __appenv_bin = ",
        Shell::Elvish => b"var __appenv_bin = ",
        Shell::Xonsh => b"__appenv_bin = ",
        Shell::Nu => b"const __appenv_bin = ",
    });
    shell.quote(bin, &mut out);
    out.extend_from_slice(if shell == Shell::Tcsh { b";\n" } else { b"\n" });
    match shell {
        Shell::Tcsh => out.extend_from_slice(&one_line(script)),
        _ => out.extend_from_slice(script.as_bytes()),
    }
    print(&out)
}

/// tcsh's `eval "`appenv hook tcsh`"` joins the lines of the output with
/// spaces, so a comment would swallow the rest of the script: the comments
/// and blank lines are left out, and every line of the script ends with `;`.
fn one_line(script: &str) -> Vec<u8> {
    script
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .flat_map(|line| [line, "\n"])
        .collect::<String>()
        .into_bytes()
}
