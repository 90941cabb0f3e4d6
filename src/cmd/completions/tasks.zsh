# Task names after `appenv run`, from `appenv tasks --names`: the action of
# the generated `run` task argument.
(( $+functions[_appenv_tasks] )) ||
_appenv_tasks() {
    local -a tasks expl
    tasks=(${(f)"$(_call_program tasks appenv tasks --names 2>/dev/null)"})
    _wanted tasks expl task compadd -a tasks
}

