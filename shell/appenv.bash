# appenv shell integration for bash. Put this in ~/.bashrc:
#
#     eval "$(appenv hook bash)"
#
# At each prompt the hook decides from what it holds, without starting a
# process, whether anything the environment depends on may have changed: the
# working directory, APPENV_ENV, or a file or directory that the last
# `appenv export` said to watch, compared with a stamp file that the hook
# touches each time it asks appenv. Only then does it run `appenv export
# bash` and evaluate what it prints.
#
# Builtins are called as `\builtin NAME` so that a user's aliases and
# functions cannot change what the hook does.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
__appenv_bin=${__appenv_bin:-appenv}

# One stamp per shell: its mtime is when this shell last asked appenv.
if [[ ${XDG_RUNTIME_DIR-} == /* ]]; then
    __appenv_stamp=${XDG_RUNTIME_DIR}/appenv/stamp.$$
elif [[ ${XDG_CACHE_HOME-} == /* ]]; then
    __appenv_stamp=${XDG_CACHE_HOME}/appenv/stamp.$$
else
    __appenv_stamp=${HOME-}/.cache/appenv/stamp.$$
fi
# Forget the last check: the next prompt asks appenv.
__appenv_pwd=
__appenv_watch=()

__appenv_hook() {
    # Keep the status of the user's last command for the prompt.
    \builtin local __appenv_status=$?
    if [[ ${__appenv_pwd-} != "${PWD}" || ${__appenv_env-} != "${APPENV_ENV-}" ]] ||
        ! __appenv_unchanged; then
        __appenv_export
    fi
    \builtin return "${__appenv_status}"
}

# True when every watched path is older than the stamp. A path as new as the
# stamp counts as changed: file times come from a clock that ticks every few
# milliseconds, so a write in the same tick as the stamp has the same time.
# A path that no longer exists counts as unchanged: its removal changed the
# directory holding it, which is watched too.
__appenv_unchanged() {
    \builtin local __appenv_path
    for __appenv_path in ${__appenv_watch[@]+"${__appenv_watch[@]}"}; do
        [[ ${__appenv_stamp} -nt ${__appenv_path} ]] || \builtin return 1
    done
}

__appenv_export() {
    \builtin local __appenv_code
    __appenv_pwd=${PWD}
    # Touch the stamp before appenv reads anything, so that a file written
    # while it runs is newer than the stamp. `>|`: even under noclobber.
    { : >|"${__appenv_stamp}"; } 2>/dev/null ||
        { \command mkdir -p -m 700 -- "${__appenv_stamp%/*}" && : >|"${__appenv_stamp}"; } 2>/dev/null
    if [[ ${__appenv_bin} == */* && ! -x ${__appenv_bin} ]]; then
        \builtin printf 'appenv: %s is missing; the shell hook does nothing\n' "${__appenv_bin}" >&2
    elif __appenv_code=$("${__appenv_bin}" export bash); then
        \builtin eval -- "${__appenv_code}"
    else
        \builtin printf "appenv: 'appenv export bash' failed (status %s); the environment is unchanged\n" "$?" >&2
    fi
    __appenv_env=${APPENV_ENV-}
}

# Run first at each prompt, so the user's own prompt commands see the app's
# environment. Installing twice adds nothing twice. PROMPT_COMMAND may be a
# string or, since bash 5.1, an array of commands.
# shellcheck disable=SC2128,SC2178 # in the last branch, it is a string
if [[ -z ${PROMPT_COMMAND[*]+set} ]]; then
    PROMPT_COMMAND=__appenv_hook
elif ((BASH_VERSINFO[0] >= 5)) && [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    [[ ${PROMPT_COMMAND[*]} == *__appenv_hook* ]] ||
        PROMPT_COMMAND=(__appenv_hook "${PROMPT_COMMAND[@]}")
elif [[ ${PROMPT_COMMAND} != *__appenv_hook* ]]; then
    PROMPT_COMMAND="__appenv_hook${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
fi
