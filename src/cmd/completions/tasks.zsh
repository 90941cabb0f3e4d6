# What clap cannot know: task names after `appenv run` (from `appenv tasks
# --names`), the action of the generated `run` arguments for the first of
# them (the task's own arguments follow it); environment names after
# `-e`/`--env` (from `appenv env --names`); and the programs on PATH beside
# appenv's own commands where a program can come (`appenv pyth<Tab>`).
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

(( $+functions[_appenv_envs] )) ||
_appenv_envs() {
    local -a envs expl
    envs=(${(f)"$(_call_program environments appenv env --names 2>/dev/null)"})
    _wanted environments expl environment compadd -a envs
}

(( $+functions[_appenv_commands_or_programs] )) ||
_appenv_commands_or_programs() {
    local ret=1
    _appenv_commands && ret=0
    _command_names -e && ret=0
    return ret
}

