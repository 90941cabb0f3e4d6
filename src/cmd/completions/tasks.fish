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
