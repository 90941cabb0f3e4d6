# appenv shell integration for fish. Put this in ~/.config/fish/config.fish:
#
#     status is-interactive; and appenv hook fish | source
#
# Before each prompt, and right after each change of directory, the hook
# decides from what it holds, without starting a process, whether anything
# the environment depends on may have changed: the working directory,
# APPENV_ENV, APPENV_TRUSTED_DIRS, a file that the last `appenv export` said
# to watch (compared with a stamp file that the hook touches each time it
# asks appenv, and by what it holds), or the names that can make a
# directory an app root, in the working directory and every directory above
# it. Only then does it run `appenv export fish` and
# source what it prints. A fish that is not interactive (`fish -c`, a
# script) does nothing.
#
# Commands are called as `builtin NAME` (`command NAME`) so that a user's
# functions cannot change what the hook does. It uses no builtin newer than
# fish 3.1 but `test -nt` (fish 3.6), without which it asks appenv at every
# prompt. Defining a function again replaces it and its event handlers, so
# installing twice adds nothing twice.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
builtin set -q __appenv_bin[1]; or builtin set -g __appenv_bin appenv

# The names whose appearance in the working directory or above could make
# another root: all that `appenv root` looks for until `appenv export` says
# which still matter. `appenv hook` writes them here, from its one list.
builtin set -g __appenv_names @root_names@

# Where this shell's stamp file may go, best first: the first directory that
# this user owns, or can make, is used. Never a directory under `/` from an
# unset HOME. `id -u` runs only if it comes to the last.
builtin set -g __appenv_stamps
builtin string match -q -- '/?*' "$XDG_RUNTIME_DIR"; and builtin set -a __appenv_stamps $XDG_RUNTIME_DIR/appenv
builtin string match -q -- '/?*' "$XDG_CACHE_HOME"; and builtin set -a __appenv_stamps $XDG_CACHE_HOME/appenv
builtin string match -q -- '/?*' "$HOME"; and builtin set -a __appenv_stamps (builtin string replace -r -- '/$' '' $HOME)/.cache/appenv
builtin set -a __appenv_stamps tmp
builtin set -g __appenv_stamp
# Forget the last check: the next prompt asks appenv.
builtin set -g __appenv_pwd
builtin set -g __appenv_env
builtin set -g __appenv_trusted
builtin set -g __appenv_found
builtin set -g __appenv_dirs
builtin set -g __appenv_watch
builtin set -g __appenv_seen
builtin set -g __appenv_now
builtin set -g __appenv_absent
builtin set -g __appenv_left
# Kept when the hook is installed again: it takes the load out.
builtin set -q __appenv_unload; or builtin set -g __appenv_unload ''
builtin set -g __appenv_missing

function __appenv_hook --on-event fish_prompt --on-variable PWD
    # Keep the status of the user's last command for the prompt.
    builtin set -l last_status $status
    if builtin status is-interactive
        builtin set -l trusted (__appenv_trusted_now)
        if builtin test "$__appenv_pwd" != "$PWD" -o "$__appenv_env" != "$APPENV_ENV" -o "$__appenv_trusted" != "$trusted"
            or not __appenv_unchanged
            __appenv_export
        end
    end
    builtin return $last_status
end

# True when every watched path is still there, older than the stamp and
# holds what it held (see __appenv_look), no path said to be absent exists,
# and the names that can make a root are where they were. A path as new as
# the stamp counts as changed: file times come from a clock that ticks every
# few milliseconds, so a write in the same tick as the stamp has the same
# time. `test -nt` came in fish 3.6; before, the test fails and the hook
# asks appenv at every prompt. Without a stamp file (no directory for it),
# only what the paths hold is compared.
function __appenv_unchanged
    builtin set -l i 0
    for watched in $__appenv_watch
        builtin set i (builtin math $i + 1)
        builtin test -e $watched; or builtin return 1
        if builtin test -n "$__appenv_stamp"
            builtin test $__appenv_stamp -nt $watched 2>/dev/null; or builtin return 1
        end
        __appenv_look $watched
        builtin test "$__appenv_now" = "$__appenv_seen[$i]"; or builtin return 1
    end
    for absent in $__appenv_absent
        if builtin test -e $absent; or builtin test -L $absent
            builtin return 1
        end
    end
    __appenv_same_roots
end

# Sets __appenv_now to what path $argv[1] holds, as far as fish can tell
# without a process (it reads no inode or change time): a regular file's
# bytes up to the first NUL (at most 1 MiB, more than appenv reads of any
# file), a directory's names that `.env.*` matches; so that a rewrite whose
# time is put back (`touch -d`, `cp -p`, `mv`, `rsync -a`) is seen.
function __appenv_look --argument-names path
    builtin set -g __appenv_now
    if builtin test -f $path -a -r $path
        builtin read -z -n 1048576 -l held <$path
        builtin set -g __appenv_now "f:$held"
    else if builtin test -d $path
        builtin set -l names $path/.env.*
        builtin set -g __appenv_now "d:$names"
    end
    builtin return 0
end

# True when no name in __appenv_names appeared or went in the working
# directory or above since the last call to appenv. A directory older than
# the stamp is as it was then; only the others are looked into, so a
# directory whose time changes for other reasons (HOME under a shared
# history file) costs a look, and never a call. (Fish is slow to look into
# every directory at each prompt: a name that appears in a directory whose
# time is then put back is seen at the next cd; a watched directory's
# `.env.*` names are compared at each prompt, see __appenv_look.)
function __appenv_same_roots
    for dir in $__appenv_dirs
        # Without a stamp, `-nt` is false: every directory is looked into.
        if not builtin test "$__appenv_stamp" -nt "$dir/" 2>/dev/null
            for name in $__appenv_names
                if builtin test -e $dir/$name
                    builtin contains -- $dir/$name $__appenv_found; or builtin return 1
                else if builtin contains -- $dir/$name $__appenv_found
                    builtin return 1
                end
            end
        end
    end
end

# Sets __appenv_dirs to the working directory and those above it (`/` as an
# empty string), and __appenv_found to the paths of the names in
# __appenv_names there.
function __appenv_roots
    builtin set -g __appenv_dirs
    builtin set -g __appenv_found
    builtin set -l dir (builtin string replace -r -- '/$' '' $PWD)
    while builtin true
        builtin set -a __appenv_dirs $dir
        for name in $__appenv_names
            if builtin test -e $dir/$name
                builtin set -a __appenv_found $dir/$name
            end
        end
        builtin test -n "$dir"; or builtin break
        builtin set dir (builtin string replace -r -- '/[^/]*$' '' $dir)
    end
end

# Touches this shell's stamp file, in the first of __appenv_stamps that
# works; a directory that cannot be made, written or is not the user's own
# is passed over for good. With none left, says so once.
function __appenv_touch
    while builtin set -q __appenv_stamps[1]
        builtin set -l dir $__appenv_stamps[1]
        if builtin test $dir = tmp
            builtin set -l tmp /tmp
            builtin string match -q -- '/?*' "$TMPDIR"; and builtin set tmp (builtin string replace -r -- '/$' '' $TMPDIR)
            builtin set dir $tmp/appenv-(command id -u)
            builtin set __appenv_stamps[1] $dir
        end
        builtin test -e $dir; or command mkdir -p -m 700 -- $dir 2>/dev/null
        if builtin test -d $dir -a ! -L $dir -a -O $dir
            and builtin true >$dir/stamp.$fish_pid 2>/dev/null
            builtin set -g __appenv_stamp $dir/stamp.$fish_pid
            builtin return 0
        end
        builtin set -e __appenv_stamps[1]
        if not builtin set -q __appenv_stamps[1]
            builtin printf '%s\n' "appenv: no directory for the shell hook's stamp file; edits to an app's files are seen at the next cd" >&2
        end
    end
    builtin set -g __appenv_stamp
end

function __appenv_export
    builtin set -g __appenv_pwd $PWD
    # Before appenv reads anything, so that a file written while it runs is
    # newer than the stamp, and a root made while it runs is seen.
    __appenv_touch
    __appenv_roots
    builtin set -l names_before $__appenv_names
    if builtin string match -q -- '*/*' $__appenv_bin; and not builtin test -x $__appenv_bin
        __appenv_gone
    else
        builtin set -g __appenv_missing
        # With the names of the shell's variables, exported or not: appenv
        # leaves those the user set alone.
        builtin set -l -x APPENV_SHELL_VARS (builtin set -n -g) (builtin set -n -U)
        builtin set -l code ($__appenv_bin export fish | builtin string collect)
        builtin set -l export_status $pipestatus[1]
        builtin set -e APPENV_SHELL_VARS
        if builtin test $export_status -eq 0
            builtin eval $code
            # Fewer names to look for now (or more): where they are now.
            if builtin test "$__appenv_names" != "$names_before"
                __appenv_roots
            end
        else
            builtin printf "appenv: 'appenv export fish' failed (status %s); the environment is unchanged\n" $export_status >&2
        end
    end
    builtin set -g __appenv_env $APPENV_ENV
    builtin set -g __appenv_trusted (__appenv_trusted_now)
    # What each watched path holds now. A path changed since appenv read it
    # is newer than the stamp, unless its time was put back as well.
    builtin set -g __appenv_seen
    for watched in $__appenv_watch
        __appenv_look $watched
        builtin set -a __appenv_seen "$__appenv_now"
    end
end

# APPENV_TRUSTED_DIRS as the hook compares it: unset differs from empty.
function __appenv_trusted_now
    builtin set -q APPENV_TRUSTED_DIRS; and builtin echo "set:$APPENV_TRUSTED_DIRS"
    builtin return 0
end

# The binary is gone (removed or moved): says so once, and leaving the app
# still unloads it, with the code the last load left in __appenv_unload
# (values from before the load; PATH loses the load's entries through
# __appenv_tidy).
function __appenv_gone
    builtin set -l root "$APPENV_ROOT"
    if not builtin set -q __appenv_missing[1]
        builtin printf 'appenv: %s is missing; the shell hook does nothing until it is back\n' $__appenv_bin >&2
        builtin set -g __appenv_missing 1
    end
    if builtin test -n "$__appenv_unload"; and builtin test "$PWD" != "$root"
        and not builtin string match -q -- (builtin string replace -r -- '/$' '' "$root")'/*' "$PWD"
        builtin eval $__appenv_unload
        builtin set -g __appenv_unload ''
        # Here it runs when PATH changes: now, for the load's entries.
        __appenv_tidy
        builtin printf 'appenv: unloaded %s\n' (builtin string replace -r -- '.*/' '' "$root") >&2
    end
end

# Takes the PATH entries that the last unload took out (__appenv_left) out
# again whenever PATH changes before the next command: another tool's hook
# may put them back (direnv restores the PATH it saved whole, and it saved
# appenv's entries). Fish runs handlers in the order they were defined, and
# direnv defines its own at the first prompt, after this one.
function __appenv_tidy --on-variable PATH
    builtin set -q __appenv_left[1]; or builtin return 0
    builtin set -l path $PATH
    for entry in $__appenv_left
        builtin set -l at (builtin contains -i -- $entry $path)
        and builtin set -e path[$at]
    end
    if builtin test "$path" != "$PATH"
        builtin set -l left $__appenv_left
        builtin set -g __appenv_left
        builtin set -gx PATH $path
        builtin set -g __appenv_left $left
    end
end

function __appenv_forget --on-event fish_preexec
    builtin set -g __appenv_left
end

function __appenv_exit --on-event fish_exit
    builtin test -n "$__appenv_stamp" -a -f "$__appenv_stamp"
    and command rm -f -- $__appenv_stamp
end
