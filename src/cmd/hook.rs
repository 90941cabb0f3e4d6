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

pub fn run(shell: HookShell) -> Result<(), Error> {
    let (shell, script) = match shell {
        HookShell::Bash => (Shell::Bash, BASH),
        HookShell::Zsh => (Shell::Zsh, ZSH),
        HookShell::Fish => (Shell::Fish, FISH),
    };
    let mut out = Vec::with_capacity(script.len() + 100);
    // Without it the script runs `appenv` from PATH.
    if let Ok(exe) = std::env::current_exe() {
        out.extend_from_slice(match shell {
            Shell::Fish => b"set -g __appenv_bin ",
            Shell::Bash | Shell::Zsh => b"__appenv_bin=",
        });
        shell.quote(exe.as_os_str().as_bytes(), &mut out);
        out.push(b'\n');
    }
    out.extend_from_slice(script.as_bytes());
    print(&out)
}
