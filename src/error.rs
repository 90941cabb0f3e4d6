//! The one error type at the command boundary: a message for the user and
//! the exit status that goes with it.

use std::fmt;

use crate::exit::ExitCode;

#[derive(Debug)]
pub struct Error {
    pub status: ExitCode,
    pub message: String,
}

impl Error {
    pub fn new(status: ExitCode, message: impl fmt::Display) -> Self {
        Error {
            status,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::plan::Error> for Error {
    fn from(e: crate::plan::Error) -> Self {
        Error::new(ExitCode::Failed, e)
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
    print_as(ExitCode::GeneralError, bytes)
}

/// [`print`] for a command whose 1 means something else (`diff`: they
/// differ): output that cannot be written exits with `fails`.
pub fn print_as(fails: ExitCode, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::new(fails, format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}
