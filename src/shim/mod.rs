//! Shims: symlinks named like a program (`python`, `irb`, `rails`) that point
//! at appenv. Invoked under such a name, appenv loads the app the program
//! belongs to and execs the real program in place, with the app's whole
//! isolation (see [`prefix`] for how `bundle exec` and other launchers are
//! applied without leading back to the shim).

mod install;
mod names;
mod notice;
pub mod prefix;
mod run;

pub use install::{
    Occupant, Outcome, check_name, current_exe, first_on_path, install, list, occupant, on_path,
    remove,
};
pub use names::{dir, env_var, invoked_as};
pub use run::{MAX_DEPTH, run};
