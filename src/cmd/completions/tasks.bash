# What clap cannot know, wrapping the generated _appenv: task names after
# `appenv run` (from `appenv tasks --names`), environment names after
# `-e`/`--env` (from `appenv env --names`), and the programs on PATH where
# a program can come (`appenv pyth<Tab>`). Names are read line by line and
# never evaluated (compgen -W would expand `$(...)` in a task name), and each
# is offered quoted as one shell word.
__appenv_names() {
    local name word cur=$1
    shift
    # shellcheck disable=SC2312 # no names (or no app) is no completion
    while IFS= read -r name; do
        # Bash inserts a completion as it is: `x;touch f` would be two
        # commands on Enter. Quoted, every name is one word.
        \builtin printf -v word '%q' "${name}"
        if [[ ${word} == "${cur}"* ]]; then COMPREPLY+=("${word}"); fi
    done < <(\command appenv "$@" 2>/dev/null)
    return 0
}

__appenv_complete() {
    local i=1 word opt='' sub='' at=0 pos=0 cur=${COMP_WORDS[COMP_CWORD]}
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        opt=''
        case ${word} in
        -C | -e | --env)
            # The option's value, written after a space or after an `=`
            # that bash splits into a word of its own.
            opt=${word}
            ((i += 1))
            if [[ ${COMP_WORDS[i]} == = ]]; then ((i += 1)); fi
            ;;
        -*) ;;
        *)
            if [[ -z ${sub} ]]; then
                sub=${word}
                at=${i}
            else
                ((pos += 1))
            fi
            ;;
        esac
        ((i += 1))
    done
    if ((i > COMP_CWORD)) && [[ ${opt} == -e || ${opt} == --env ]]; then
        # `--env=` with nothing after it: readline completes after the `=`.
        if [[ ${cur} == = ]]; then cur=''; fi
        COMPREPLY=()
        __appenv_names "${cur}" env --names
        return 0
    fi
    if ((i > COMP_CWORD)) || [[ ${cur} == -* ]]; then
        _appenv "$@"
        return 0
    fi
    if [[ ${sub} == run && ${pos} -eq 0 ]]; then
        COMPREPLY=()
        __appenv_names "${cur}" tasks --names
        return 0
    fi
    if [[ -z ${sub} ]]; then
        # appenv's own commands, then the programs it can run. A path
        # (`./bin/x`) is left to readline's file names.
        _appenv "$@" || true
        if [[ ${cur} != */* ]]; then
            local dir file IFS=:
            local -A seen=()
            for dir in ${PATH}; do
                for file in "${dir:-.}"/"${cur}"*; do
                    if [[ -x ${file} && ! -d ${file} && -z ${seen[${file##*/}]-} ]]; then
                        seen[${file##*/}]=1
                        \builtin printf -v word '%q' "${file##*/}"
                        COMPREPLY+=("${word}")
                    fi
                done
            done
        fi
        return 0
    fi
    # shellcheck disable=SC2154 # written before this part, from src/cli.rs
    case " ${__appenv_subcommands} " in
    *" ${sub} "*) _appenv "$@" ;;
    *)
        # A program: its own completion when bash-completion has one,
        # else readline's file names.
        COMPREPLY=()
        if \builtin declare -F _command_offset >/dev/null; then
            _command_offset "${at}"
        fi
        ;;
    esac
}

if [[ ${BASH_VERSINFO[0]} -eq 4 && ${BASH_VERSINFO[1]} -ge 4 || ${BASH_VERSINFO[0]} -gt 4 ]]; then
    complete -F __appenv_complete -o nosort -o bashdefault -o default appenv
else
    complete -F __appenv_complete -o bashdefault -o default appenv
fi
