# appenv shell integration for nushell. Nushell cannot evaluate code made
# at run time, so save the hook once (again after upgrading appenv):
#
#     appenv hook nu | save -f ~/.cache/appenv.nu
#
# and put this in config.nu:
#
#     source ~/.cache/appenv.nu
#
# Before each prompt (nushell's `pre_prompt` hook, which also sees a change
# of directory) the hook decides, without starting a process, whether
# anything the environment depends on may have changed: the working
# directory, APPENV_ENV, APPENV_TRUSTED_DIRS, or a file or directory that
# the last `appenv export` said to watch, compared with a stamp file that
# the hook touches each time it asks appenv. Only then does it run `appenv export nu`, which
# prints a NUON record that `from nuon` reads as data: what to set with
# `load-env`, what to remove with `hide-env`, what to watch.
#
# The hook's own state is a record in $env.__appenv: nushell does not pass a
# record to the programs it runs. Sourcing the file twice installs one hook.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.

# One stamp per shell: its mtime is when this shell last asked appenv.
def __appenv_stamp []: nothing -> string {
    let base = [$env.XDG_RUNTIME_DIR? $env.XDG_CACHE_HOME?]
    | where {|dir| ($dir | describe) == "string" and ($dir | str starts-with "/") }
    let dir = if ($base | is-empty) { $env.HOME | path join ".cache" } else { $base | first }
    $dir | path join "appenv" $"stamp.($nu.pid)"
}

# True when every watched path is older than the stamp. A path as new as the
# stamp counts as changed: file times tick every few milliseconds, so a write
# in the same tick as the stamp has the same time. A path that is gone counts
# as unchanged: its directory is watched too.
def __appenv_unchanged [watch: list<string>, stamp: string]: nothing -> bool {
    let since = try { ls -D $stamp | get 0.modified } catch { return false }
    $watch | all {|path|
        try { (ls -D $path | get 0.modified) < $since } catch { true }
    }
}

def --env __appenv_export [stamp: string] {
    # Touch the stamp before appenv reads anything, so that a file written
    # while it runs is newer than the stamp.
    try {
        mkdir ($stamp | path dirname)
        "" | save -f $stamp
    }
    let missing = ("/" in $__appenv_bin) and not ($__appenv_bin | path exists)
    # What takes the load out without appenv, as the last load left it.
    mut unload = $env.__appenv?.unload?
    let watch = if $missing {
        # Said once, not at every directory.
        if not ($env.__appenv?.missing? | default false) {
            print -e $"appenv: ($__appenv_bin) is missing; the shell hook does nothing until it is back"
        }
        # Leaving the app still unloads it (each variable, PATH too, to its
        # value from before).
        let root = $env.APPENV_ROOT? | default ""
        let outside = $root != "" and $env.PWD != $root and not ($env.PWD | str starts-with (($root | str trim --right --char "/") + "/"))
        if $outside and $unload != null and not (($unload.set | is-empty) and ($unload.unset | is-empty)) {
            __appenv_apply $unload
            $unload = null
            print -e $"appenv: unloaded ($root | path basename)"
        }
        []
    } else {
        let result = try {
            {change: (^$__appenv_bin export nu | from nuon)}
        } catch {
            {status: ($env.LAST_EXIT_CODE? | default 1)}
        }
        if "change" in $result {
            let change = $result.change
            __appenv_apply $change
            if "unload" in $change {
                $unload = $change.unload
            }
            $change.watch
        } else {
            print -e $"appenv: 'appenv export nu' failed \(status ($result.status)\); the environment is unchanged"
            []
        }
    }
    $env.__appenv = {pwd: $env.PWD, env: ($env.APPENV_ENV? | default null), trusted: ($env.APPENV_TRUSTED_DIRS? | default null), watch: $watch, missing: $missing, unload: $unload}
}

# Sets and unsets what `change` says.
def --env __appenv_apply [change: record] {
    # PATH is a list in nushell: it stays one.
    let set = if "PATH" in $change.set {
        $change.set | upsert PATH ($change.set.PATH | split row (char esep))
    } else {
        $change.set
    }
    load-env $set
    for name in $change.unset {
        hide-env --ignore-errors $name
    }
}

def --env __appenv_hook [] {
    # Keep the status of the user's last command for the prompt.
    let last_status = $env.LAST_EXIT_CODE? | default 0
    # Nothing remembered: the next prompt asks appenv.
    let state = $env.__appenv? | default {pwd: null, env: null, watch: []}
    let stamp = __appenv_stamp
    let changed = (
        $state.pwd != $env.PWD
        or $state.env != ($env.APPENV_ENV? | default null)
        or ($state.trusted? | default null) != ($env.APPENV_TRUSTED_DIRS? | default null)
        or not (__appenv_unchanged $state.watch $stamp)
    )
    if $changed {
        __appenv_export $stamp
    }
    $env.LAST_EXIT_CODE = $last_status
}

# First in line, so the user's own hooks see the app's environment; an
# earlier install of this hook is taken out first.
$env.config.hooks.pre_prompt = (
    $env.config.hooks.pre_prompt? | default []
    | where {|hook|
        ($hook | describe) != "closure" or not (view source $hook | str contains "__appenv_hook")
    }
    | prepend {|| __appenv_hook }
)
