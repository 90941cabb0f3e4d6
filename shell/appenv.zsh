# appenv shell integration for zsh. Put this in ~/.zshrc:
#
#     eval "$(appenv hook zsh)"
#
# At each prompt, and right after each change of directory, the hook decides
# from what it holds, without starting a process, whether anything the
# environment depends on may have changed: the working directory, APPENV_ENV,
# or a file or directory that the last `appenv export` said to watch,
# compared with a stamp file that the hook touches each time it asks appenv.
# Only then does it run `appenv export zsh` and evaluate what it prints.
#
# Builtins are called as `\builtin NAME` so that a user's aliases and
# functions cannot change what the hook does, and the functions run under
# `emulate -L zsh` so that the user's options cannot either.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
typeset -g __appenv_bin=${__appenv_bin:-appenv}

# One stamp per shell: its mtime is when this shell last asked appenv.
if [[ ${XDG_RUNTIME_DIR-} == /* ]]; then
    typeset -g __appenv_stamp=${XDG_RUNTIME_DIR}/appenv/stamp.$$
elif [[ ${XDG_CACHE_HOME-} == /* ]]; then
    typeset -g __appenv_stamp=${XDG_CACHE_HOME}/appenv/stamp.$$
else
    typeset -g __appenv_stamp=${HOME-}/.cache/appenv/stamp.$$
fi
# Forget the last check: the next prompt asks appenv.
typeset -g __appenv_pwd= __appenv_env=
typeset -ga __appenv_watch
__appenv_watch=()

__appenv_hook() {
    # Keep the status of the user's last command for the prompt.
    \builtin local __appenv_status=$?
    \builtin emulate -L zsh
    if [[ $__appenv_pwd != "$PWD" || $__appenv_env != "${APPENV_ENV-}" ]] ||
        ! __appenv_unchanged; then
        __appenv_export
    fi
    \builtin return $__appenv_status
}

# True when every watched path is older than the stamp. A path as new as the
# stamp counts as changed: file times come from a clock that ticks every few
# milliseconds, so a write in the same tick as the stamp has the same time.
# A path that no longer exists counts as unchanged: its removal changed the
# directory holding it, which is watched too.
__appenv_unchanged() {
    \builtin emulate -L zsh
    \builtin local __appenv_path
    for __appenv_path in $__appenv_watch; do
        [[ $__appenv_stamp -nt $__appenv_path ]] || \builtin return 1
    done
}

__appenv_export() {
    \builtin emulate -L zsh
    \builtin local __appenv_code
    __appenv_pwd=$PWD
    # Touch the stamp before appenv reads anything, so that a file written
    # while it runs is newer than the stamp. `>|`: even under NO_CLOBBER.
    { : >|$__appenv_stamp } 2>/dev/null ||
        { \command mkdir -p -m 700 -- ${__appenv_stamp:h} && : >|$__appenv_stamp } 2>/dev/null
    if [[ $__appenv_bin == */* && ! -x $__appenv_bin ]]; then
        \builtin print -ru2 -- "appenv: $__appenv_bin is missing; the shell hook does nothing"
    elif __appenv_code=$($__appenv_bin export zsh); then
        \builtin eval -- $__appenv_code
    else
        \builtin print -ru2 -- "appenv: 'appenv export zsh' failed (status $?); the environment is unchanged"
    fi
    __appenv_env=${APPENV_ENV-}
}

__appenv_exit() {
    \builtin emulate -L zsh
    # zf_rm alone: loading all of zsh/files would replace the user's rm.
    \builtin zmodload -F zsh/files b:zf_rm 2>/dev/null && zf_rm -f -- $__appenv_stamp
}

# precmd: before each prompt; chpwd: right after `cd`, so that `cd app && cmd`
# already runs cmd in the app's environment. First in line, so the user's own
# hooks see the app's environment. Installing twice adds nothing twice.
__appenv_install() {
    \builtin emulate -L zsh
    typeset -ga precmd_functions chpwd_functions zshexit_functions
    (( $precmd_functions[(Ie)__appenv_hook] )) || precmd_functions=(__appenv_hook $precmd_functions)
    (( $chpwd_functions[(Ie)__appenv_hook] )) || chpwd_functions=(__appenv_hook $chpwd_functions)
    (( $zshexit_functions[(Ie)__appenv_exit] )) || zshexit_functions+=(__appenv_exit)
}
__appenv_install
