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
    print(&render(
        shell,
        script,
        std::env::current_exe().ok().as_deref(),
    ))
}

fn render(shell: Shell, script: &str, exe: Option<&std::path::Path>) -> Vec<u8> {
    let mut out = Vec::with_capacity(script.len() + 200);
    // Without it the script runs `appenv` from PATH.
    if let Some(exe) = exe {
        out.extend_from_slice(match shell {
            Shell::Fish => b"builtin set -g __appenv_bin ",
            Shell::Bash | Shell::Zsh => b"__appenv_bin=",
        });
        shell.quote(exe.as_os_str().as_bytes(), &mut out);
        out.push(b'\n');
    }
    match shell {
        // zsh reads all of `eval "$(appenv hook zsh)"` before it runs any of
        // it, so the script cannot turn alias expansion off for itself: this
        // does, then evaluates the script, which turns it back on. Every word
        // here is quoted, so that not even a global alias matches one.
        Shell::Zsh => {
            out.extend_from_slice(
                b"__appenv_aliases=${options[aliases]}\n\\builtin 'unsetopt' 'aliases'\n\\builtin 'eval' ",
            );
            shell.quote(script.as_bytes(), &mut out);
            out.push(b'\n');
        }
        Shell::Bash | Shell::Fish => out.extend_from_slice(script.as_bytes()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root::MARKERS;

    /// The scripts look for the names that can make a root themselves, at
    /// each prompt; they must be the names `appenv root` looks for.
    #[test]
    fn the_scripts_look_for_every_root_name() {
        let mut names = vec!["appenv.toml", "Procfile", ".env"];
        names.extend(MARKERS);
        for script in [BASH, ZSH, FISH] {
            let at = script.find("appenv.toml Procfile").unwrap();
            let list = &script[at..];
            let list = &list[..list.find("Cargo.toml").unwrap() + "Cargo.toml".len()];
            let found: Vec<&str> = list
                .split(|c: char| c.is_whitespace() || c == '\\')
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(found, names, "{list}");
        }
    }

    #[test]
    fn zsh_reads_its_script_with_aliases_off() {
        let out = render(Shell::Zsh, ZSH, Some(std::path::Path::new("/bin/appenv")));
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with(
            "__appenv_bin='/bin/appenv'\n__appenv_aliases=${options[aliases]}\n\\builtin 'unsetopt' 'aliases'\n\\builtin 'eval' "
        ));
    }
}
