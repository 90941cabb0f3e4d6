//! `appenv hook SHELL`: the shell integration. The scripts are real files
//! under `shell/` (linted as such); this prints one, after a line that gives
//! it the absolute path of this binary, so the hook keeps working in an app
//! whose PATH does not lead to appenv.

use std::borrow::Cow;
use std::os::unix::ffi::OsStrExt;

use crate::cli::HookShell;
use crate::error::{Error, print};
use crate::root;
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
    print(&render(
        shell,
        script,
        std::env::current_exe().ok().as_deref(),
    ))
}

fn render(shell: Shell, script: &str, exe: Option<&std::path::Path>) -> Vec<u8> {
    let mut out = Vec::with_capacity(script.len() + 200);
    // Without it the script runs `appenv` from PATH.
    // The scripts of tcsh, elvish, xonsh and nushell need the line: they
    // hold the path in a name that nothing else sets.
    let bin = exe.map(|exe| exe.as_os_str().as_bytes());
    let bin = match shell {
        Shell::Bash | Shell::Zsh | Shell::Fish => bin,
        _ => bin.or(Some(b"appenv")),
    };
    if let Some(bin) = bin {
        shell.set_own("__appenv_bin", bin, &mut out);
    }
    shell.push_script(&with_root_names(shell, script), &mut out);
    out
}

/// Where a script lists the names that can make a root, which it looks for
/// at each prompt: they must be the names `appenv root` looks for, so they
/// are written here from the one list rather than copied into the scripts.
const ROOT_NAMES: &str = "@root_names@";

/// `script` with [`ROOT_NAMES`], if it has it, replaced by those names,
/// each a word of `shell`'s.
fn with_root_names(shell: Shell, script: &str) -> Cow<'_, str> {
    if !script.contains(ROOT_NAMES) {
        return Cow::Borrowed(script);
    }
    let mut names = Vec::new();
    for (i, name) in root::names().enumerate() {
        if i > 0 {
            names.push(b' ');
        }
        shell.quote(name.as_bytes(), &mut names);
    }
    let names = String::from_utf8(names).expect("quoted plain names are UTF-8");
    Cow::Owned(script.replacen(ROOT_NAMES, &names, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers;

    /// The scripts that look for the names that can make a root themselves,
    /// at each prompt, are given the names `appenv root` looks for.
    #[test]
    fn the_scripts_look_for_every_root_name() {
        let mut names = vec!["appenv.toml", "Procfile", ".env", ".envrc"];
        names.extend(markers::ROOT);
        for (shell, script) in [(Shell::Bash, BASH), (Shell::Zsh, ZSH), (Shell::Fish, FISH)] {
            assert_eq!(script.matches(ROOT_NAMES).count(), 1, "{shell}");
            let out = with_root_names(shell, script);
            let at = out.find("__appenv_names").unwrap();
            let list = &out[at..];
            let list = &list[list.find("'appenv.toml'").unwrap()..];
            let list = &list[..list.find("'Cargo.toml'").unwrap() + "'Cargo.toml'".len()];
            let found: Vec<&str> = list.split(' ').map(|w| w.trim_matches('\'')).collect();
            assert_eq!(found, names, "{shell}: {list}");
        }
        for script in [TCSH, ELVISH, XONSH, NU] {
            assert!(!script.contains(ROOT_NAMES));
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

    #[test]
    fn tcsh_gets_no_comments_and_the_binary_without_a_path() {
        let out = String::from_utf8(render(Shell::Tcsh, TCSH, None)).unwrap();
        assert!(out.starts_with("set __appenv_bin = 'appenv';\n"), "{out}");
        assert!(
            !out.lines()
                .any(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        );
        assert!(out.lines().all(|l| l.ends_with(';')), "{out}");
        let out = String::from_utf8(render(Shell::Nu, NU, None)).unwrap();
        assert!(out.starts_with("const __appenv_bin = \"appenv\"\n"));
    }
}
