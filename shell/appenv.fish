# appenv shell integration for fish. Put this in ~/.config/fish/config.fish:
#
#     appenv hook fish | source
#
# Before each prompt, and right after each change of directory, the hook
# decides from what it holds, without starting a process, whether anything
# the environment depends on may have changed: the working directory,
# APPENV_ENV, or a file or directory that the last `appenv export` said to
# watch, compared with a stamp file that the hook touches each time it asks
# appenv. Only then does it run `appenv export fish` and source what it
# prints.
#
# Builtins are called as `builtin NAME` so that a user's functions cannot
# change what the hook does. It uses no builtin newer than fish 3.1 but
# `test -nt` (fish 3.6), without which it asks appenv at every prompt. Defining a function again replaces it and its
# event handlers, so installing twice adds nothing twice.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
set -q __appenv_bin[1]; or set -g __appenv_bin appenv

# One stamp per shell: its mtime is when this shell last asked appenv.
if builtin string match -q -- '/*' "$XDG_RUNTIME_DIR"
    set -g __appenv_stamp $XDG_RUNTIME_DIR/appenv/stamp.$fish_pid
else if builtin string match -q -- '/*' "$XDG_CACHE_HOME"
    set -g __appenv_stamp $XDG_CACHE_HOME/appenv/stamp.$fish_pid
else
    set -g __appenv_stamp $HOME/.cache/appenv/stamp.$fish_pid
end
# Forget the last check: the next prompt asks appenv.
set -g __appenv_pwd
set -g __appenv_env
set -g __appenv_watch

function __appenv_hook --on-event fish_prompt --on-variable PWD
    # Keep the status of the user's last command for the prompt.
    set -l last_status $status
    if builtin test "$__appenv_pwd" != "$PWD" -o "$__appenv_env" != "$APPENV_ENV"
        or not __appenv_unchanged
        __appenv_export
    end
    builtin return $last_status
end

# True when every watched path is older than the stamp. A path as new as the
# stamp counts as changed: file times come from a clock that ticks every few
# milliseconds, so a write in the same tick as the stamp has the same time.
# A path that no longer exists counts as unchanged: its removal changed the
# directory holding it, which is watched too. `test -nt` came in fish 3.6;
# before, the test fails and the hook asks appenv at every prompt.
function __appenv_unchanged
    for watched in $__appenv_watch
        builtin test $__appenv_stamp -nt $watched 2>/dev/null
        or builtin return 1
    end
    builtin return 0
end

function __appenv_export
    set -g __appenv_pwd $PWD
    # Touch the stamp before appenv reads anything, so that a file written
    # while it runs is newer than the stamp.
    set -l dir (builtin string replace -r -- '/[^/]*$' '' $__appenv_stamp)
    if not builtin test -d $dir
        command mkdir -p -m 700 -- $dir 2>/dev/null
    end
    if builtin test -d $dir
        builtin true >$__appenv_stamp
    end
    if builtin string match -q -- '*/*' $__appenv_bin; and not builtin test -x $__appenv_bin
        builtin printf 'appenv: %s is missing; the shell hook does nothing\n' $__appenv_bin >&2
    else
        set -l code ($__appenv_bin export fish | builtin string collect)
        set -l export_status $pipestatus[1]
        if builtin test $export_status -eq 0
            builtin eval $code
        else
            builtin printf "appenv: 'appenv export fish' failed (status %s); the environment is unchanged\n" $export_status >&2
        end
    end
    set -g __appenv_env $APPENV_ENV
end

function __appenv_exit --on-event fish_exit
    builtin test -f $__appenv_stamp
    and command rm -f -- $__appenv_stamp
end
