# appenv shell integration for bash. Put this in ~/.bashrc:
#
#     eval "$(appenv hook bash)"
#
# At each prompt the hook decides from what it holds, without starting a
# process, whether anything the environment depends on may have changed: the
# working directory, APPENV_ENV, APPENV_TRUSTED_DIRS, a file or directory
# that the last `appenv export` said to watch, or the names that can make a
# directory an app root, in the working directory and every directory above
# it. Only then does it run `appenv export bash` and evaluate what it prints.
#
# Bash can compare file times (`-nt`) but not read a file's inode or change
# time, so a watched file is also compared by what it holds (read by the
# `read` builtin) and a watched directory by its `.env.*` names: a rewrite
# whose time is put back (`touch -d`, `cp -p`, `mv`, `rsync -a`, `tar`) is
# seen at the next prompt. What it cannot see: a change to a watched file
# in the moment between appenv reading it and the hook reading it that
# also puts its time back, and a change that only adds or removes NUL
# bytes. `appenv status` and the next `cd` see those.
#
# Every command is called as `\builtin NAME` (`\command NAME`) so that a
# user's aliases and functions cannot change what the hook does, and alias
# expansion is off while the functions below are read, so that an alias
# named after a keyword (`alias if=…`, `alias [[=…`) cannot either.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.
__appenv_bin=${__appenv_bin:-appenv}

__appenv_aliases=off
\builtin shopt -q expand_aliases && __appenv_aliases=on
\builtin shopt -u expand_aliases

# The names whose appearance in the working directory or above could make
# another root: all that `appenv root` looks for until `appenv export` says
# which still matter. `appenv hook` writes them here, from its one list.
__appenv_names=(@root_names@)

# Where this shell's stamp file may go, best first: the first directory that
# this user owns, or can make, is used. Never a directory under `/` from an
# unset HOME.
__appenv_stamps=()
[[ ${XDG_RUNTIME_DIR-} == /?* ]] && __appenv_stamps+=("${XDG_RUNTIME_DIR}/appenv")
[[ ${XDG_CACHE_HOME-} == /?* ]] && __appenv_stamps+=("${XDG_CACHE_HOME}/appenv")
[[ ${HOME-} == /?* ]] && __appenv_stamps+=("${HOME%/}/.cache/appenv")
if [[ ${TMPDIR-} == /?* ]]; then
    __appenv_stamps+=("${TMPDIR%/}/appenv-${UID}")
else
    __appenv_stamps+=("/tmp/appenv-${UID}")
fi
__appenv_stamp=
# Forget the last check: the next prompt asks appenv.
__appenv_pwd=
__appenv_env=
__appenv_trusted=
__appenv_found=
__appenv_watch=()
# What each of __appenv_watch held when appenv was last asked.
__appenv_seen=()
__appenv_absent=()
__appenv_left=()
# Kept when the hook is installed again: it takes the load out.
__appenv_unload=${__appenv_unload-}
__appenv_missing=

__appenv_hook() {
    # Keep the status of the user's last command for the prompt.
    \builtin local __appenv_status=$?
    if [[ ${__appenv_pwd-} != "${PWD}" || ${__appenv_env-} != "${APPENV_ENV-}" ||
        ${__appenv_trusted-} != "${APPENV_TRUSTED_DIRS+set:}${APPENV_TRUSTED_DIRS-}" ]] ||
        ! __appenv_unchanged; then
        __appenv_export
    fi
    \builtin return "${__appenv_status}"
}

# True when every watched path is still there, older than the stamp and
# holds what it held, no path said to be absent exists, and the names that
# can make a root are where they were. A path as new as the stamp counts as
# changed: file times come from a clock that ticks every few milliseconds,
# so a write in the same tick as the stamp has the same time. Without a
# stamp file (no directory for it), only what the paths hold is compared.
__appenv_unchanged() {
    \builtin local __appenv_path __appenv_now __appenv_i=0
    for __appenv_path in ${__appenv_watch[@]+"${__appenv_watch[@]}"}; do
        [[ -e ${__appenv_path} ]] || \builtin return 1
        [[ -z ${__appenv_stamp} || ${__appenv_stamp} -nt ${__appenv_path} ]] || \builtin return 1
        __appenv_look "${__appenv_path}"
        [[ ${__appenv_now} == "${__appenv_seen[__appenv_i]-}" ]] || \builtin return 1
        __appenv_i=$((__appenv_i + 1))
    done
    for __appenv_path in ${__appenv_absent[@]+"${__appenv_absent[@]}"}; do
        [[ -e ${__appenv_path} || -L ${__appenv_path} ]] && \builtin return 1
    done
    __appenv_same_roots
}

# Sets __appenv_now (a local of the caller) to what path $1 holds, as far
# as the shell can tell without a process: a regular file's lines (at most
# about 1 MiB, more than appenv reads of any file), with whether the last
# ends in a newline; a directory's names that `.env.*` matches, whatever
# the user's glob options; nothing for anything else.
__appenv_look() {
    \builtin local __appenv_line __appenv_glob __appenv_opts=
    __appenv_now=
    if [[ -f $1 && -r $1 ]]; then
        while IFS= \builtin read -r __appenv_line; do
            __appenv_now+=${__appenv_line}$'\n'
            ((${#__appenv_now} < 1048576)) || \builtin break
        done <"$1"
        __appenv_now+=${__appenv_line}
    elif [[ -d $1 ]]; then
        # A null GLOBIGNORE hides nothing; failglob and noglob would fail
        # or skip the pattern.
        \builtin local GLOBIGNORE=
        \builtin shopt -q failglob && __appenv_opts+=f && \builtin shopt -u failglob
        \builtin shopt -q nocaseglob && __appenv_opts+=c && \builtin shopt -u nocaseglob
        [[ $- == *f* ]] && __appenv_opts+=n && \builtin set +f
        __appenv_glob=("$1"/.env.*)
        __appenv_now="${__appenv_glob[*]}"
        [[ ${__appenv_opts} == *f* ]] && \builtin shopt -s failglob
        [[ ${__appenv_opts} == *c* ]] && \builtin shopt -s nocaseglob
        [[ ${__appenv_opts} == *n* ]] && \builtin set -f
    fi
    \builtin return 0
}

# True when no name in __appenv_names appeared or went in the working
# directory or above since the last call to appenv. Every directory is
# looked into: its time can be put back (`touch -r`) after a name appears.
__appenv_same_roots() {
    \builtin local __appenv_now
    __appenv_roots
    [[ ${__appenv_now} == "${__appenv_found}" ]]
}

# Sets __appenv_now (a local of the caller) to the paths, each between
# newlines, of the names in __appenv_names in the working directory and
# above.
__appenv_roots() {
    \builtin local __appenv_dir=${PWD%/} __appenv_name
    __appenv_now=$'\n'
    while \builtin true; do
        for __appenv_name in "${__appenv_names[@]}"; do
            if [[ -e ${__appenv_dir}/${__appenv_name} ]]; then
                __appenv_now+=${__appenv_dir}/${__appenv_name}$'\n'
            fi
        done
        [[ -n ${__appenv_dir} ]] || \builtin break
        __appenv_dir=${__appenv_dir%/*}
    done
}

# Touches this shell's stamp file, in the first of __appenv_stamps that
# works; a directory that cannot be made, written or is not the user's own
# is passed over for good. With none left, says so once.
__appenv_touch() {
    \builtin local __appenv_dir
    while ((${#__appenv_stamps[@]} > 0)); do
        __appenv_dir=${__appenv_stamps[0]}
        [[ -e ${__appenv_dir} ]] || \command mkdir -p -m 700 -- "${__appenv_dir}" 2>/dev/null
        # `>|`: even under noclobber.
        if [[ -d ${__appenv_dir} && ! -L ${__appenv_dir} && -O ${__appenv_dir} ]] &&
            { \builtin : >|"${__appenv_dir}/stamp.$$"; } 2>/dev/null; then
            __appenv_stamp=${__appenv_dir}/stamp.$$
            \builtin return 0
        fi
        __appenv_stamps=(${__appenv_stamps[@]+"${__appenv_stamps[@]:1}"})
        if ((${#__appenv_stamps[@]} == 0)); then
            \builtin printf '%s\n' "appenv: no directory for the shell hook's stamp file; edits to an app's files are seen at the next cd" >&2
        fi
    done
    __appenv_stamp=
}

__appenv_export() {
    \builtin local __appenv_code __appenv_now
    __appenv_pwd=${PWD}
    # Before appenv reads anything, so that a file written while it runs is
    # newer than the stamp, and a root made while it runs is seen.
    __appenv_touch
    __appenv_roots
    __appenv_found=${__appenv_now}
    \builtin local __appenv_before="${__appenv_names[*]}"
    if [[ ${__appenv_bin} == */* && ! -x ${__appenv_bin} ]]; then
        __appenv_gone
    elif __appenv_code=$(__appenv_ask); then
        __appenv_missing=
        \builtin eval -- "${__appenv_code}"
        # Fewer names to look for now (or more): where they are now.
        if [[ ${__appenv_names[*]} != "${__appenv_before}" ]]; then
            __appenv_roots
            __appenv_found=${__appenv_now}
        fi
    else
        \builtin printf "appenv: 'appenv export bash' failed (status %s); the environment is unchanged\n" "$?" >&2
    fi
    __appenv_env=${APPENV_ENV-}
    __appenv_trusted=${APPENV_TRUSTED_DIRS+set:}${APPENV_TRUSTED_DIRS-}
    __appenv_remember
}

# Keeps what each watched path holds now, for __appenv_unchanged. A path
# changed since appenv read it is newer than the stamp, unless its time was
# put back as well.
__appenv_remember() {
    \builtin local __appenv_path __appenv_now
    __appenv_seen=()
    for __appenv_path in ${__appenv_watch[@]+"${__appenv_watch[@]}"}; do
        __appenv_look "${__appenv_path}"
        __appenv_seen+=("${__appenv_now}")
    done
}

# The binary is gone (removed or moved): says so once, and leaving the app
# still unloads it, with the code the last load left in __appenv_unload
# (values from before the load; PATH loses the load's entries at
# __appenv_tidy).
__appenv_gone() {
    \builtin local __appenv_root=${APPENV_ROOT-}
    if [[ -z ${__appenv_missing} ]]; then
        \builtin printf 'appenv: %s is missing; the shell hook does nothing until it is back\n' "${__appenv_bin}" >&2
        __appenv_missing=1
    fi
    if [[ -n ${__appenv_unload} && ${PWD} != "${__appenv_root}" && ${PWD} != "${__appenv_root%/}"/* ]]; then
        \builtin eval -- "${__appenv_unload}"
        __appenv_unload=
        \builtin printf 'appenv: unloaded %s\n' "${__appenv_root##*/}" >&2
    fi
}

# Takes the PATH entries that the last unload took out (__appenv_left) out
# again if another tool's hook put them back at this prompt (direnv restores
# the PATH it saved whole, and it saved appenv's entries), then forgets them.
# Run last at each prompt.
__appenv_tidy() {
    \builtin local __appenv_status=$? __appenv_entry __appenv_path
    if ((${#__appenv_left[@]} > 0)); then
        __appenv_path=:${PATH}:
        for __appenv_entry in "${__appenv_left[@]}"; do
            __appenv_path=${__appenv_path/":${__appenv_entry}:"/:}
        done
        __appenv_path=${__appenv_path#:}
        __appenv_path=${__appenv_path%:}
        [[ ${__appenv_path} == "${PATH}" ]] || PATH=${__appenv_path}
        __appenv_left=()
    fi
    \builtin return "${__appenv_status}"
}

# Runs `appenv export bash` (in the subshell of a command substitution)
# with the names of the shell's variables, exported or not: appenv leaves
# those the user set alone.
__appenv_ask() {
    # shellcheck disable=SC2034 # read by appenv
    APPENV_SHELL_VARS=$(\builtin compgen -v)
    # shellcheck disable=SC2034
    \builtin export APPENV_SHELL_VARS
    \builtin exec "${__appenv_bin}" export bash
}

# The stamp file goes with the shell, and an EXIT trap set before this runs
# as before.
__appenv_exit() {
    [[ -n ${__appenv_stamp} ]] && \command rm -f -- "${__appenv_stamp}"
}
__appenv_trap=$(\builtin trap -p EXIT)
if [[ -z ${__appenv_trap} ]]; then
    \builtin trap -- __appenv_exit EXIT
elif [[ ${__appenv_trap} != *__appenv_exit* ]]; then
    # `trap -- 'CODE' EXIT`, CODE quoted by bash itself.
    __appenv_trap=${__appenv_trap#trap -- }
    \builtin eval "\\builtin trap -- '__appenv_exit;'${__appenv_trap% EXIT} EXIT"
fi
\builtin unset -v __appenv_trap

# The hook runs first at each prompt, so the user's own prompt commands see
# the app's environment, and __appenv_tidy last, after any other tool's
# hook. `&& \builtin :`: each returns the user's last status for the prompt,
# and a failing command that is not the last of an `&&` list does not end a
# shell under `set -e`. Installing twice adds nothing twice. PROMPT_COMMAND
# may be a string or, since bash 5.1, an array of commands.
__appenv_first='__appenv_hook && \builtin :'
__appenv_last='__appenv_tidy && \builtin :'
# shellcheck disable=SC2128,SC2178 # in the last branch, it is a string
if [[ -z ${PROMPT_COMMAND[*]+set} ]]; then
    PROMPT_COMMAND="${__appenv_first};${__appenv_last}"
elif ((BASH_VERSINFO[0] >= 5)) && [[ ${PROMPT_COMMAND@a} == *a* ]]; then
    [[ ${PROMPT_COMMAND[*]} == *__appenv_hook* ]] ||
        PROMPT_COMMAND=("${__appenv_first}" "${PROMPT_COMMAND[@]}")
    [[ ${PROMPT_COMMAND[*]} == *__appenv_tidy* ]] ||
        PROMPT_COMMAND+=("${__appenv_last}")
else
    [[ ${PROMPT_COMMAND} == *__appenv_hook* ]] ||
        PROMPT_COMMAND="${__appenv_first}${PROMPT_COMMAND:+;${PROMPT_COMMAND}}"
    [[ ${PROMPT_COMMAND} == *__appenv_tidy* ]] ||
        PROMPT_COMMAND="${PROMPT_COMMAND};${__appenv_last}"
fi
\builtin unset -v __appenv_first __appenv_last

[[ ${__appenv_aliases} == on ]] && \builtin shopt -s expand_aliases
\builtin unset -v __appenv_aliases
