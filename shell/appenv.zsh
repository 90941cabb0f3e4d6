# appenv shell integration for zsh. Put this in ~/.zshrc:
#
#     eval "$(appenv hook zsh)"
#
# At each prompt, and right after each change of directory, the hook decides
# from what it holds, without starting a process, whether anything the
# environment depends on may have changed: the working directory,
# APPENV_ENV, APPENV_TRUSTED_DIRS, a file or directory that the last
# `appenv export` said to watch, or the names that can make a directory an
# app root, in the working directory and every directory above it. Only
# then does it run `appenv export zsh` and evaluate what it prints. A
# subshell (`$(cd dir && pwd)`) does nothing.
#
# A watched path is compared by its device, inode, size, mode and its
# modification and change times to the nanosecond (`zstat`, of the zsh/stat
# module, loaded without its `stat`): a rewrite whose modification time is
# put back (`touch -d`, `cp -p`, `mv`, `rsync -a`, `tar`) still moves the
# change time, which no tool sets back. Without zsh/stat, only the
# modification time is compared.
#
# Every command is called as `\builtin NAME` (`\command NAME`) so that a
# user's aliases and functions cannot change what the hook does, the
# functions run under `emulate -L zsh` so that the user's options cannot
# either, and `appenv hook zsh` evaluates this file with alias expansion
# off, so that an alias named after a keyword cannot change it as it is read.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
\builtin typeset -g __appenv_bin="${__appenv_bin:-appenv}"

__appenv_hook() {
    # Keep the status of the user's last command for the prompt.
    \builtin local __appenv_status=$?
    \builtin emulate -L zsh
    # Only the interactive shell itself: not `$(cd dir && pwd)`, not `( … )`.
    (( ZSH_SUBSHELL == 0 )) || \builtin return $__appenv_status
    if [[ $__appenv_pwd != "$PWD" || $__appenv_env != "${APPENV_ENV-}" ||
        $__appenv_trusted != "${APPENV_TRUSTED_DIRS+set:}${APPENV_TRUSTED_DIRS-}" ]] ||
        ! __appenv_unchanged; then
        __appenv_export
    fi
    \builtin return $__appenv_status
}

# True when every watched path is still there, older than the stamp and as
# it was (see __appenv_look), no path said to be absent exists, and the
# names that can make a root are where they were. A path as new as the
# stamp counts as changed: file times come from a clock that ticks every
# few milliseconds, so a write in the same tick as the stamp has the same
# time. Without a stamp file (no directory for it), only what __appenv_look
# sees is compared.
__appenv_unchanged() {
    \builtin emulate -L zsh
    \builtin local __appenv_path REPLY
    \builtin integer __appenv_i=0
    for __appenv_path in $__appenv_watch; do
        [[ -e $__appenv_path ]] || \builtin return 1
        [[ -z $__appenv_stamp || $__appenv_stamp -nt $__appenv_path ]] || \builtin return 1
        __appenv_look $__appenv_path
        (( ++__appenv_i ))
        [[ $REPLY == "$__appenv_seen[__appenv_i]" ]] || \builtin return 1
    done
    for __appenv_path in $__appenv_absent; do
        [[ -e $__appenv_path || -L $__appenv_path ]] && \builtin return 1
    done
    __appenv_same_roots
}

# Sets REPLY to what `zstat` says of path $1 (following symlinks): device,
# inode, mode, size, modification and change times; empty when it cannot
# be looked at or zsh/stat is missing.
__appenv_look() {
    \builtin emulate -L zsh
    \builtin local -A __appenv_st
    REPLY=
    [[ -n $__appenv_zstat ]] || \builtin return 0
    \builtin zstat -F '%s.%N' -H __appenv_st -- $1 2>/dev/null || \builtin return 0
    REPLY=$__appenv_st[device]:$__appenv_st[inode]:$__appenv_st[mode]:$__appenv_st[size]:$__appenv_st[mtime]:$__appenv_st[ctime]
}

# True when no name in __appenv_names appeared or went in the working
# directory or above since the last call to appenv. Every directory is
# looked into: its modification time can be put back (`touch -r`) after a
# name appears.
__appenv_same_roots() {
    \builtin emulate -L zsh
    \builtin local __appenv_now
    __appenv_roots
    [[ $__appenv_now == "$__appenv_found" ]]
}

# Sets __appenv_now (a local of the caller) to the paths, each between
# newlines, of the names in __appenv_names in the working directory and
# above.
__appenv_roots() {
    \builtin emulate -L zsh
    \builtin local __appenv_dir=${PWD%/} __appenv_name
    __appenv_now=$'\n'
    while \builtin true; do
        for __appenv_name in $__appenv_names; do
            if [[ -e $__appenv_dir/$__appenv_name ]]; then
                __appenv_now+=$__appenv_dir/$__appenv_name$'\n'
            fi
        done
        [[ -n $__appenv_dir ]] || \builtin break
        __appenv_dir=${__appenv_dir%/*}
    done
}

# Touches this shell's stamp file, in the first of __appenv_stamps that
# works; a directory that cannot be made, written or is not the user's own
# is passed over for good. With none left, says so once.
__appenv_touch() {
    \builtin emulate -L zsh
    \builtin local __appenv_dir
    while (( $#__appenv_stamps )); do
        __appenv_dir=$__appenv_stamps[1]
        [[ -e $__appenv_dir ]] || \command mkdir -p -m 700 -- $__appenv_dir 2>/dev/null
        # `>|`: even under NO_CLOBBER.
        if [[ -d $__appenv_dir && ! -L $__appenv_dir && -O $__appenv_dir ]] &&
            { \builtin : >|$__appenv_dir/stamp.$$ } 2>/dev/null; then
            __appenv_stamp=$__appenv_dir/stamp.$$
            \builtin return 0
        fi
        __appenv_stamps[1]=()
        if (( $#__appenv_stamps == 0 )); then
            \builtin print -ru2 -- "appenv: no directory for the shell hook's stamp file; edits to an app's files are seen at the next cd"
        fi
    done
    __appenv_stamp=
}

__appenv_export() {
    \builtin emulate -L zsh
    # The code below is read when it runs: no alias may touch it.
    \builtin setopt no_aliases
    \builtin local __appenv_code __appenv_now
    __appenv_pwd=$PWD
    # Before appenv reads anything, so that a file written while it runs is
    # newer than the stamp, and a root made while it runs is seen.
    __appenv_touch
    __appenv_roots
    __appenv_found=$__appenv_now
    \builtin local __appenv_before="$__appenv_names"
    if [[ $__appenv_bin == */* && ! -x $__appenv_bin ]]; then
        __appenv_gone
    # With the names of the shell's parameters, exported or not: appenv
    # leaves those the user set alone.
    elif __appenv_code=$(APPENV_SHELL_VARS=${(k)parameters} $__appenv_bin export zsh); then
        __appenv_missing=
        \builtin eval -- $__appenv_code
        # Fewer names to look for now (or more): where they are now.
        if [[ "$__appenv_names" != "$__appenv_before" ]]; then
            __appenv_roots
            __appenv_found=$__appenv_now
        fi
    else
        \builtin print -ru2 -- "appenv: 'appenv export zsh' failed (status $?); the environment is unchanged"
    fi
    __appenv_env=${APPENV_ENV-}
    __appenv_trusted=${APPENV_TRUSTED_DIRS+set:}${APPENV_TRUSTED_DIRS-}
    __appenv_remember
}

# Keeps what __appenv_look says of each watched path now. A path changed
# since appenv read it is newer than the stamp, unless its time was put
# back as well.
__appenv_remember() {
    \builtin emulate -L zsh
    \builtin local __appenv_path REPLY
    __appenv_seen=()
    for __appenv_path in $__appenv_watch; do
        __appenv_look $__appenv_path
        __appenv_seen+=("$REPLY")
    done
}

# The binary is gone (removed or moved): says so once, and leaving the app
# still unloads it, with the code the last load left in __appenv_unload
# (values from before the load; PATH loses the load's entries at
# __appenv_tidy).
__appenv_gone() {
    \builtin emulate -L zsh
    \builtin setopt no_aliases
    \builtin local __appenv_root=${APPENV_ROOT-}
    if [[ -z $__appenv_missing ]]; then
        \builtin print -ru2 -- "appenv: $__appenv_bin is missing; the shell hook does nothing until it is back"
        __appenv_missing=1
    fi
    if [[ -n $__appenv_unload && $PWD != $__appenv_root && $PWD != ${__appenv_root%/}/* ]]; then
        \builtin eval -- $__appenv_unload
        __appenv_unload=
        \builtin print -ru2 -- "appenv: unloaded ${__appenv_root:t}"
    fi
}

# Takes the PATH entries that the last unload took out (__appenv_left) out
# again if another tool's hook put them back at this prompt (direnv restores
# the PATH it saved whole, and it saved appenv's entries), then forgets them.
# Run last at each prompt and change of directory.
__appenv_tidy() {
    \builtin local __appenv_status=$?
    \builtin emulate -L zsh
    (( ZSH_SUBSHELL == 0 && $#__appenv_left )) || \builtin return $__appenv_status
    \builtin local -a __appenv_path
    \builtin local __appenv_entry __appenv_at
    __appenv_path=("${(@s.:.)PATH}")
    for __appenv_entry in $__appenv_left; do
        __appenv_at=${__appenv_path[(ie)$__appenv_entry]}
        (( __appenv_at > $#__appenv_path )) || __appenv_path[__appenv_at]=()
    done
    [[ ${(j.:.)__appenv_path} == "$PATH" ]] || PATH=${(j.:.)__appenv_path}
    __appenv_left=()
    \builtin return $__appenv_status
}

__appenv_exit() {
    \builtin emulate -L zsh
    (( ZSH_SUBSHELL == 0 )) && [[ -n $__appenv_stamp ]] || \builtin return 0
    # zf_rm alone: loading all of zsh/files would replace the user's rm.
    \builtin zmodload -F zsh/files b:zf_rm 2>/dev/null && \builtin zf_rm -f -- $__appenv_stamp
}

# precmd: before each prompt; chpwd: right after `cd`, so that `cd app && cmd`
# already runs cmd in the app's environment. The hook first in line, so the
# user's own hooks see the app's environment, and __appenv_tidy last, after
# any other tool's hook. Installing twice adds nothing twice.
__appenv_install() {
    \builtin emulate -L zsh
    # The names whose appearance in the working directory or above could
    # make another root: all that `appenv root` looks for until `appenv
    # export` says which still matter. `appenv hook` writes them here, from
    # its one list.
    \builtin typeset -ga __appenv_names
    __appenv_names=(@root_names@)
    # Where this shell's stamp file may go, best first: the first directory
    # that this user owns, or can make, is used. Never a directory under `/`
    # from an unset HOME.
    \builtin typeset -ga __appenv_stamps
    __appenv_stamps=()
    [[ ${XDG_RUNTIME_DIR-} == /?* ]] && __appenv_stamps+=($XDG_RUNTIME_DIR/appenv)
    [[ ${XDG_CACHE_HOME-} == /?* ]] && __appenv_stamps+=($XDG_CACHE_HOME/appenv)
    [[ ${HOME-} == /?* ]] && __appenv_stamps+=(${HOME%/}/.cache/appenv)
    if [[ ${TMPDIR-} == /?* ]]; then
        __appenv_stamps+=(${TMPDIR%/}/appenv-$UID)
    else
        __appenv_stamps+=(/tmp/appenv-$UID)
    fi
    \builtin typeset -g __appenv_stamp=
    # Forget the last check: the next prompt asks appenv.
    \builtin typeset -g __appenv_pwd= __appenv_env= __appenv_trusted= __appenv_found=
    \builtin typeset -ga __appenv_watch __appenv_absent __appenv_left __appenv_seen
    # Kept when the hook is installed again: it takes the load out.
    \builtin typeset -g __appenv_unload=${__appenv_unload-} __appenv_missing=
    __appenv_watch=()
    __appenv_absent=()
    __appenv_left=()
    __appenv_seen=()
    # zstat alone: loading all of zsh/stat would replace the user's stat.
    \builtin typeset -g __appenv_zstat=
    \builtin zmodload -F zsh/stat b:zstat 2>/dev/null && __appenv_zstat=1

    \builtin typeset -ga precmd_functions chpwd_functions zshexit_functions
    (( $precmd_functions[(Ie)__appenv_hook] )) || precmd_functions=(__appenv_hook $precmd_functions)
    (( $chpwd_functions[(Ie)__appenv_hook] )) || chpwd_functions=(__appenv_hook $chpwd_functions)
    (( $precmd_functions[(Ie)__appenv_tidy] )) || precmd_functions+=(__appenv_tidy)
    (( $chpwd_functions[(Ie)__appenv_tidy] )) || chpwd_functions+=(__appenv_tidy)
    (( $zshexit_functions[(Ie)__appenv_exit] )) || zshexit_functions+=(__appenv_exit)
}
__appenv_install

# `appenv hook zsh` turned alias expansion off to read this file.
if [[ ${__appenv_aliases-} == on ]]; then
    \builtin setopt aliases
fi
\builtin unset __appenv_aliases
