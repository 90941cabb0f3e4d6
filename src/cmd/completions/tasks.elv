
# appenv's own part, around clap's completer: environment names after
# -e/--env (from `appenv env --names`), task names after `appenv run` (from
# `appenv tasks --names`), programs on PATH where a program can come, and
# files for a program's arguments. Names come back as values, never
# evaluated.
use path
var __appenv_clap = $edit:completion:arg-completer[appenv]

# The programs on PATH whose name starts with `prefix`.
fn __appenv_programs {|prefix|
    if (str:contains $prefix /) {
        return
    }
    var seen = [&]
    for dir $paths {
        for file [$dir/$prefix*[nomatch-ok][type:regular]] {
            var name = (path:base $file)
            if (and (not (has-key $seen $name)) (has-external $name)) {
                set seen[$name] = $true
                put $name
            }
        }
    }
}

set edit:completion:arg-completer[appenv] = {|@words|
    var current = $words[-1]
    if (and (> (count $words) 2) (has-value [-e --env] $words[-2])) {
        try { e:appenv env --names 2>/dev/null | from-lines } catch e { }
        return
    }
    # The words before the current one that are not options or their values.
    var positional = []
    var value = $false
    for word $words[1..-1] {
        if $value {
            set value = $false
        } elif (has-value [-e --env -C --same-as] $word) {
            set value = $true
        } elif (not (str:has-prefix $word -)) {
            set positional = [$@positional $word]
        }
    }
    var option = (str:has-prefix $current -)
    var n = (count $positional)
    if (and (== $n 0) (not $option)) {
        $__appenv_clap appenv $current
        __appenv_programs $current
        return
    }
    if (and (> $n 0) (not (has-value $__appenv_subcommands $positional[0]))) {
        edit:complete-filename $current
        return
    }
    if (and (== $n 1) (eq $positional[0] run) (not $option)) {
        try { e:appenv tasks --names 2>/dev/null | from-lines } catch e { }
        return
    }
    # clap's completer knows each subcommand by its words: drop the ones
    # it does not know (a task's name and arguments).
    for k [(range &step=-1 $n -1)] {
        var known = $true
        var candidates = []
        try {
            set candidates = [($__appenv_clap appenv (all $positional[0..$k]) $current)]
        } catch e {
            set known = $false
        }
        if $known {
            all $candidates
            return
        }
    }
}
