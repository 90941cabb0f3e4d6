
  # appenv's own part: environment names after -e/--env (from `appenv env
  # --names`) and task names after `appenv run` (from `appenv tasks
  # --names`), for the first word after it only: the others are the task's
  # arguments.
  def "nu-complete appenv envs" [] {
    ^appenv env --names | complete | get stdout | lines
  }

  def "nu-complete appenv tasks" [context: string] {
    let after = ($context | split row ' ' | skip until {|w| $w == 'run' } | skip 1)
    let positional = ($after | enumerate | where {|it|
      let previous = if $it.index > 0 { $after | get ($it.index - 1) } else { '' }
      not ($it.item | str starts-with '-') and $previous not-in [-e --env -C --same-as]
    })
    if ($positional | length) > 1 { return [] }
    ^appenv tasks --names | complete | get stdout | lines
  }
