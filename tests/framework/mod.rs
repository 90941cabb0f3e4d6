//! End-to-end against the real frameworks and their tools (Rails, Django,
//! Mix, Carton, knex, a Laravel-style `artisan`): each test sets up a real
//! project, which takes seconds to tens of seconds. They are grouped here so
//! the inner loop can leave them out with `--skip framework::`; CI runs them.

mod django;
mod env_name;
mod mix;
mod perl;
mod rails;
