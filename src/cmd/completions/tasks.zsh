# Task names after `appenv run`, from `appenv tasks --names`: the action of
# the generated `run` arguments, for the first of them (the task's own
# arguments follow it).
(( $+functions[_appenv_tasks] )) ||
_appenv_tasks() {
    local -a tasks expl
    if (( CURRENT > 1 )); then
        _default
        return
    fi
    tasks=(${(f)"$(_call_program tasks appenv tasks --names 2>/dev/null)"})
    _wanted tasks expl task compadd -a tasks
}

