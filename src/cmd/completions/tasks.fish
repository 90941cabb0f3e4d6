# Task names after `appenv run`, from `appenv tasks --names`.
function __fish_appenv_needs_task
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_appenv_global_optspecs) -- $cmd 2>/dev/null
    or return 1
    test "$argv[1]" = run
    or return 1
    set -e argv[1]
    # Options may come between `run` and the task: `appenv run -e test NAME`.
    argparse -s (__fish_appenv_global_optspecs) -- $argv 2>/dev/null
    or return 1
    not set -q argv[1]
end

complete -c appenv -n __fish_appenv_needs_task -f -a '(appenv tasks --names 2>/dev/null)' -d task

# Environment names after -e/--env, from `appenv env --names`.
complete -c appenv -s e -l env -x -a '(appenv env --names 2>/dev/null)' -d environment

# The programs on PATH where a program can come: `appenv pyth<Tab>`. Only
# files appenv can run (fish's own builtins and functions are not).
function __fish_appenv_programs
    set -l token (commandline -ct)
    string match -q -- '*/*' $token
    and return
    for dir in $PATH
        for file in $dir/$token*
            if test -x $file; and not test -d $file
                string replace -r '.*/' '' -- $file
            end
        end
    end | sort -u
end

complete -c appenv -n __fish_appenv_needs_command -f -a '(__fish_appenv_programs)' -d program
