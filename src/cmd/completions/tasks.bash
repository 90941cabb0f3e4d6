# Task names after `appenv run`, from `appenv tasks --names`: wraps the
# generated _appenv. The names are read line by line and never evaluated
# (compgen -W would expand `$(...)` in a task name), and each is offered
# quoted as one shell word.
__appenv_complete() {
    local i=1 word sub='' pos=0 cur=${COMP_WORDS[COMP_CWORD]}
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        case ${word} in
        -C | -e | --env)
            # The option's value, written after a space or after an `=`
            # that bash splits into a word of its own.
            ((i += 1))
            if [[ ${COMP_WORDS[i]} == = ]]; then ((i += 1)); fi
            ;;
        -*) ;;
        *)
            if [[ -z ${sub} ]]; then sub=${word}; else ((pos += 1)); fi
            ;;
        esac
        ((i += 1))
    done
    if [[ ${sub} == run && ${pos} -eq 0 && ${i} -eq ${COMP_CWORD} && ${cur} != -* ]]; then
        COMPREPLY=()
        local name word
        # shellcheck disable=SC2312 # no tasks (or no app) is no completion
        while IFS= read -r name; do
            # Bash inserts a completion as it is: `x;touch f` would be two
            # commands on Enter. Quoted, every name is one word.
            \builtin printf -v word '%q' "${name}"
            if [[ ${word} == "${cur}"* ]]; then COMPREPLY+=("${word}"); fi
        done < <(\command appenv tasks --names 2>/dev/null)
        return 0
    fi
    _appenv "$@"
}

if [[ ${BASH_VERSINFO[0]} -eq 4 && ${BASH_VERSINFO[1]} -ge 4 || ${BASH_VERSINFO[0]} -gt 4 ]]; then
    complete -F __appenv_complete -o nosort -o bashdefault -o default appenv
else
    complete -F __appenv_complete -o bashdefault -o default appenv
fi
