# appenv shell integration for elvish. Put this in ~/.config/elvish/rc.elv:
#
#     eval (appenv hook elvish | slurp)
#
# Before each prompt, and right after each change of directory, the hook runs
# `appenv export elvish` and evaluates what it prints in an empty namespace,
# where the user's functions cannot stand in for `set-env` and `unset-env`.
# Elvish (0.19) has no builtin that reads a file's time, so the hook cannot
# tell an unchanged directory from an edited one without starting a process:
# it asks appenv at every prompt, which answers in about a millisecond.
#
# `eval` runs this in a namespace of its own: nothing but the hook's entries
# in edit:before-readline and after-chdir is left behind, and installing
# twice replaces them instead of adding them twice.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.

use str
use path

# Where appenv could not be asked: a failure is said once, not at every
# prompt, until the directory or APPENV_ENV changes.
var failed-at = ''
# A missing binary is said once, not at every directory.
var missing-said = $false
# What takes the load out without appenv, as the last load left it.
var unload = ''

fn export {
    var here = $pwd"\x00"(if (has-env APPENV_ENV) { get-env APPENV_ENV } else { put "" })
    if (==s $failed-at $here) {
        return
    }
    set failed-at = $here
    if (and (str:contains $__appenv_bin /) (not (has-external $__appenv_bin))) {
        if (not $missing-said) {
            echo 'appenv: '$__appenv_bin' is missing; the shell hook does nothing until it is back' >&2
            set missing-said = $true
        }
        # Leaving the app still unloads it (each variable, PATH too, to its
        # value from before).
        var root = (if (has-env APPENV_ROOT) { get-env APPENV_ROOT } else { put '' })
        if (and (!=s $unload '') (!=s $root '') (!=s $pwd $root) (not (str:has-prefix $pwd (str:trim-right $root /)/))) {
            eval &ns=(ns [&]) $unload
            set unload = ''
            echo 'appenv: unloaded '(path:base $root) >&2
        }
        return
    }
    set missing-said = $false
    var code = ''
    try {
        set code = ($__appenv_bin export elvish | slurp)
    } catch e {
        var status = 1
        try {
            set status = $e[reason][exit-status]
        } catch {
        }
        echo "appenv: 'appenv export elvish' failed (status "$status"); the environment is unchanged" >&2
        return
    }
    set failed-at = ''
    # Set when the load changes: what takes it out without appenv.
    eval &ns=(ns [&]) &on-end={|ns|
        if (has-key $ns __appenv_unload) {
            set unload = $ns[__appenv_unload]
        }
    } $code
}

fn hook { |@_|
    # Marks the hook's own entries, so that installing again finds them.
    var _ = __appenv_hook
    export
}

fn others { |hooks|
    each { |f|
        if (or (not ?(var def = $f[def])) (not (str:contains $def __appenv_hook))) {
            put $f
        }
    } $hooks
}

# Before each prompt, and right after `cd`, so that `cd app; cmd` already
# runs cmd in the app's environment. First in line, so the user's own hooks
# see the app's environment.
set edit:before-readline = [$hook~ (others $edit:before-readline)]
set after-chdir = [$hook~ (others $after-chdir)]
