//! appenv: run a program in exactly the environment of the app it belongs to.

pub mod trust;
