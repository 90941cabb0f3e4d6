//! The sections of the man pages that clap's types do not hold, as roff:
//! the generator (tests/completions.rs, with clap_mangen) puts them after
//! what it renders from src/cli.rs. No `crate::` imports, like cli.rs.

/// Every page's EXIT STATUS: env(1)'s contract.
pub const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
Like
.BR env (1):
.TP
.I the program's
the program ran: appenv replaced itself with it, and its status is the caller's.
.TP
.B 125
appenv failed before running anything: no app root, a broken
.B .env
or
.B appenv.toml
(named with file:line), an app not allowed, an unknown task, a required variable unset.
.TP
.B 126
the program was found but could not be executed.
.TP
.B 127
the program was not found.
.TP
.B 2
usage error.
.TP
.B "0 / 1"
success / failure of the commands that run no program (env, explain, allow, status\~\-\-json always 0);
.B diff
exits 1 when the two sides differ.
"#;

/// Every page's ENVIRONMENT: what appenv reads and what it sets.
pub const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
.B APPENV_ENV
the environment name when
.B \-e
is not given (reads
.BI .env. NAME
and
.BI .env. NAME .local\fR).
.TP
.B APPENV_QUIET
1: say no notes (the same as
.BR \-q ).
.TP
.B APPENV_TRUSTED_DIRS
colon-separated directories whose apps count as allowed without
.BR "appenv allow" .
.TP
.B APPENV_STATE
what the shell hook loaded; appenv takes that load back out before it resolves, so a
command gets the environment it asks for, unmixed. Set by the hook, never by hand.
.TP
.B APPENV_ROOT\fR, \fBAPPENV_PROCESS
set for the program: the app root, and the process type it was started as.
.TP
.B APPENV_SHIM_DEPTH
set for a program started through a shim; a shim loop stops at 8.
.TP
.B XDG_DATA_HOME\fR, \fBHOME
where the trust records and the shims live (see FILES).
"#;

/// Every page's FILES.
pub const FILES: &str = r#".SH FILES
.TP
.B appenv.toml\fR, \fB.env\fR, \fB.env.\fINAME\fR, \fB.env.local\fR, \fB.env.\fINAME\fB.local\fR, \fBProcfile
in the app root: its configuration and environment, lowest to highest.
.TP
.B $XDG_DATA_HOME/appenv/trust/
the allowed apps (default
.BR ~/.local/share/appenv/trust/ ).
.TP
.B $XDG_DATA_HOME/appenv/shims/
the shims
.B appenv shim install
makes (default
.BR ~/.local/share/appenv/shims/ ).
.TP
.B $XDG_RUNTIME_DIR/appenv/
the shell hook's stamp files (else
.BR ~/.cache/appenv/ ).
"#;
