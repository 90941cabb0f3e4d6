//! The statuses appenv exits with, each named once. The contract is env(1)'s
//! for the commands that exec a program (125, 126, 127, else the program's
//! own), 0 or 1 for the others, 2 for usage.

/// Every status appenv exits with, each named once: env(1)'s contract for
/// the commands that exec a program, 0 or 1 for the others, 2 for usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success,
    /// A command that does not exec failed (`allow`, `init`, `explain`…),
    /// or `diff` found a difference.
    GeneralError,
    /// The command line is wrong (clap's own errors exit 2 as well).
    Usage,
    /// appenv's own failure before exec: bad config, untrusted root, no root.
    Failed,
    /// The program was found but could not be executed (not executable,
    /// `E2BIG`).
    CannotExecute,
    /// The program was not found.
    NotFound,
    /// The program's own status, passed through when appenv waited for it.
    Program(i32),
}

impl ExitCode {
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Success => 0,
            ExitCode::GeneralError => 1,
            ExitCode::Usage => 2,
            ExitCode::Failed => 125,
            ExitCode::CannotExecute => 126,
            ExitCode::NotFound => 127,
            ExitCode::Program(code) => code,
        }
    }
}
