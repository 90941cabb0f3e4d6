# appenv shell integration for tcsh. Put this in ~/.tcshrc:
#
#     eval "`appenv hook tcsh`"
#
# The backquotes join the lines of this script with spaces, so `appenv hook`
# leaves the comments and blank lines out, and every line is one complete
# command ending with `;`. tcsh cannot loop or branch over several lines in
# an alias either, so the hook is a few one-line aliases, and the code that
# `appenv export tcsh` prints is written to a file next to the stamp and
# `source`d: never through backquotes, which would split a value holding a
# newline.
#
# At each prompt (`precmd`) and right after each change of directory
# (`cwdcmd`), the hook decides without starting a process whether anything
# the environment depends on may have changed: the working directory,
# APPENV_ENV, APPENV_TRUSTED_DIRS, or a file or directory that the last
# `appenv export` said to watch, compared with a stamp file that the hook
# touches each time it asks appenv (`__appenv_changed`, which the export
# defines, tests each of them with `-M`). `-M` gives whole seconds and a
# path as new as the stamp counts as changed, so for a second after each
# change the hook asks again at every prompt; no change is missed.
#
# A variable that may be unset is read through `eval '...'`: tcsh
# substitutes a whole `if` line before it tests anything.

# `appenv hook` puts the path of the binary in __appenv_bin above this line.

# One stamp per shell: its mtime is when this shell last asked appenv.
set __appenv_stamp = "$HOME/.cache/appenv/stamp.$$";
if ( $?XDG_CACHE_HOME ) eval 'if ( "$XDG_CACHE_HOME" =~ /* ) set __appenv_stamp = "$XDG_CACHE_HOME/appenv/stamp.$$"';
if ( $?XDG_RUNTIME_DIR ) eval 'if ( "$XDG_RUNTIME_DIR" =~ /* ) set __appenv_stamp = "$XDG_RUNTIME_DIR/appenv/stamp.$$"';

# Forget the last check: the next prompt asks appenv.
set __appenv_pwd = '' __appenv_env = '' __appenv_e = '' __appenv_trusted = '' __appenv_t = '' __appenv_go = 1 __appenv_s = 0 __appenv_m = 0;
set __appenv_watch = ( );
alias __appenv_changed 'set __appenv_go = 0';

alias __appenv_hook 'set __appenv_status = $status; set __appenv_e = ""; if ( $?APPENV_ENV ) eval '"'"'set __appenv_e = $APPENV_ENV:q'"'"'; set __appenv_t = ""; if ( $?APPENV_TRUSTED_DIRS ) eval '"'"'set __appenv_t = set:$APPENV_TRUSTED_DIRS:q'"'"'; __appenv_changed; if ( "$cwd" != "$__appenv_pwd" || "$__appenv_e" != "$__appenv_env" || "$__appenv_t" != "$__appenv_trusted" ) set __appenv_go = 1; if ( $__appenv_go ) eval __appenv_export; set status = $__appenv_status';

# Touch the stamp before appenv reads anything, so that a file written while
# it runs is newer than the stamp. `>!`: even under noclobber.
alias __appenv_export 'set __appenv_pwd = "$cwd" __appenv_env = "$__appenv_e" __appenv_trusted = "$__appenv_t"; if ( ! -d "$__appenv_stamp:h" ) mkdir -p -m 700 "$__appenv_stamp:h"; echo -n >! "$__appenv_stamp"; set __appenv_s = 0; if ( "$__appenv_bin" =~ */* && ! -x "$__appenv_bin" ) set __appenv_s = -1; if ( $__appenv_s == -1 && $__appenv_m == 0 ) echo "appenv: $__appenv_bin is missing; the shell hook does nothing until it is back" > /dev/stderr; if ( $__appenv_s == -1 ) set __appenv_m = 1; if ( $__appenv_s == 0 ) set __appenv_m = 0; if ( $__appenv_s == 0 ) eval __appenv_call';

alias __appenv_call 'umask 077; "$__appenv_bin" export tcsh >! "$__appenv_stamp.tcsh"; set __appenv_s = $status; umask $__appenv_umask; if ( $__appenv_s == 0 ) source "$__appenv_stamp.tcsh"; echo -n >! "$__appenv_stamp.tcsh"; if ( $__appenv_s != 0 ) echo "appenv: '"'"'appenv export tcsh'"'"' failed (status $__appenv_s); the environment is unchanged" > /dev/stderr';

# The code holds the app's values: only this user may read it, and it is
# emptied once sourced.
set __appenv_umask = "`umask`";

# First in line, so the user's own precmd sees the app's environment.
# Installing twice adds nothing twice.
if ( "`alias precmd`" !~ *__appenv_hook* ) alias precmd "__appenv_hook; `alias precmd`";
if ( "`alias cwdcmd`" !~ *__appenv_hook* ) alias cwdcmd "__appenv_hook; `alias cwdcmd`";
