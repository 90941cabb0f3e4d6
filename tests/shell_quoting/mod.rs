//! The code from `appenv::shell`, run by the real shells: every value must
//! come out of the shell's exported environment as exactly the bytes that
//! went in, and nothing in it may run. One file per family of shells, each
//! run the way its hook runs the code.

mod bash_zsh_fish;
mod tcsh_elvish_xonsh_nu;
