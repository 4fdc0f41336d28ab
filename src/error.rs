//! Errors and the exit codes they map to.

use std::path::PathBuf;

/// Everything that can go wrong in pollscope, grouped by what the user can do
/// about it.
///
/// Every variant's message is one line that names the bad value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// A CSV file could not be read or written, or holds a bad value.
    #[error("{}{}: {message}", path.display(), line.map_or(String::new(), |l| format!(":{l}")))]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// The line of the file, where known.
        line: Option<u64>,
        /// What went wrong: `column: what is wrong with its value`.
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

    /// Shorthand for [`Error::Csv`].
    pub fn csv(path: impl Into<PathBuf>, line: Option<u64>, message: impl Into<String>) -> Self {
        Error::Csv {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// The process exit code for this error: 1 when a run failed inside
    /// (the same code as `pollscope compare` finding a regression), 2 for
    /// bad input or unusable files.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Run { .. } => 1,
            _ => 2,
        }
    }
}

/// Result type of pollscope's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
