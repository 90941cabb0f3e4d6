//! `appenv hook SHELL`: the shell integration. The scripts are real files
//! under `shell/` (linted as such); this prints one, after a line that gives
//! it the absolute path of this binary, so the hook keeps working in an app
//! whose PATH does not lead to appenv.

use std::borrow::Cow;
use std::os::unix::ffi::OsStrExt;

use crate::error::{Error, print};
use crate::root;
use crate::shell::Shell;

pub fn run(shell: Shell) -> Result<(), Error> {
    print(&render(shell, std::env::current_exe().ok().as_deref()))
}

fn render(shell: Shell, exe: Option<&std::path::Path>) -> Vec<u8> {
    let script = shell.hook_script();
    let mut out = Vec::with_capacity(script.len() + 200);
    // Without it the script runs `appenv` from PATH.
    // Some scripts need the line (`Shell::hook_sets_bin`).
    let bin = exe.map(|exe| exe.as_os_str().as_bytes());
    let bin = match shell.hook_sets_bin() {
        true => bin.or(Some(b"appenv")),
        false => bin,
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
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = shell.hook_script();
            assert_eq!(script.matches(ROOT_NAMES).count(), 1, "{shell}");
            let out = with_root_names(shell, script);
            let at = out.find("__appenv_names").unwrap();
            let list = &out[at..];
            let list = &list[list.find("'appenv.toml'").unwrap()..];
            let list = &list[..list.find("'Cargo.toml'").unwrap() + "'Cargo.toml'".len()];
            let found: Vec<&str> = list.split(' ').map(|w| w.trim_matches('\'')).collect();
            assert_eq!(found, names, "{shell}: {list}");
        }
        for shell in [Shell::Tcsh, Shell::Elvish, Shell::Xonsh, Shell::Nu] {
            assert!(!shell.hook_script().contains(ROOT_NAMES));
        }
    }

    /// The shells the command line takes are the table's, by name.
    #[test]
    fn the_command_line_names_the_tables_shells() {
        use clap::CommandFactory;
        let cli = crate::cli::Cli::command();
        let names = |command: &str| -> Vec<String> {
            let arg = cli.find_subcommand(command).unwrap().get_arguments();
            let shell = arg.into_iter().find(|a| a.get_id() == "shell").unwrap();
            let values = shell.get_possible_values();
            values.iter().map(|v| v.get_name().to_owned()).collect()
        };
        let shells: Vec<String> = Shell::ALL.iter().map(|s| s.name().to_owned()).collect();
        assert_eq!(names("hook"), shells);
        let mut formats = shells;
        formats.extend(["json".to_owned(), "gha".to_owned()]);
        assert_eq!(names("export"), formats);
    }

    #[test]
    fn zsh_reads_its_script_with_aliases_off() {
        let out = render(Shell::Zsh, Some(std::path::Path::new("/bin/appenv")));
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with(
            "__appenv_bin='/bin/appenv'\n__appenv_aliases=${options[aliases]}\n\\builtin 'unsetopt' 'aliases'\n\\builtin 'eval' "
        ));
    }

    #[test]
    fn tcsh_gets_no_comments_and_the_binary_without_a_path() {
        let out = String::from_utf8(render(Shell::Tcsh, None)).unwrap();
        assert!(out.starts_with("set __appenv_bin = 'appenv';\n"), "{out}");
        assert!(
            !out.lines()
                .any(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        );
        assert!(out.lines().all(|l| l.ends_with(';')), "{out}");
        let out = String::from_utf8(render(Shell::Nu, None)).unwrap();
        assert!(out.starts_with("const __appenv_bin = \"appenv\"\n"));
    }
}
