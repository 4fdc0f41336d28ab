//! Errors and the exit codes they map to.

use std::path::PathBuf;

/// Everything that can go wrong in pollscope, grouped by what the user can do
/// about it.
///
/// Every variant's message is one line that names the bad value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The user asked for something that cannot be run or read: an unknown
    /// scenario, a malformed value, a bad combination of options.
    #[error("{0}")]
    BadInput(String),
    /// A file or folder could not be created, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A CSV file could not be read or written.
    #[error("{path}: {message}")]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong, with the line where known.
        message: String,
    },
    /// The runtime could not be built or a task of the run failed.
    #[error("run {run_id}: {message}")]
    Run {
        /// The run that failed.
        run_id: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadInput(message.into())
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The process exit code for this error: 2 (bad input or unusable files).
    ///
    /// Exit code 1 is reserved for `pollscope compare` finding a regression,
    /// which is a verdict, not an error.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// Result type of pollscope's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
