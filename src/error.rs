//! The one error type at the command boundary: a message for the user and
//! the exit status that goes with it.

use std::fmt;

/// appenv's own failure before exec (env(1)'s 125).
pub const FAILED: i32 = 125;
/// A failure of a command that does not exec.
pub const ERROR: i32 = 1;

#[derive(Debug)]
pub struct Error {
    pub status: i32,
    pub message: String,
}

impl Error {
    pub fn new(status: i32, message: impl fmt::Display) -> Self {
        Error {
            status,
            message: message.to_string(),
        }
    }

    /// The same error with the status a command family uses.
    pub fn with_status(self, status: i32) -> Self {
        Error { status, ..self }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::plan::Error> for Error {
    fn from(e: crate::plan::Error) -> Self {
        Error::new(FAILED, e)
    }
}

impl From<crate::exec::ExecError> for Error {
    fn from(e: crate::exec::ExecError) -> Self {
        Error::new(e.status(), e)
    }
}

/// Writes command output; a closed pipe (`appenv env | head`) is a quiet
/// success, not an error.
pub fn print(bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::new(ERROR, format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}
