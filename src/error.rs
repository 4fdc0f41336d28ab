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
    #[error("{}: {source}", shown_path(path))]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A CSV file could not be read or written, or holds a bad value.
    #[error("{}{}: {message}", shown_path(path), line.map_or(String::new(), |l| format!(":{l}")))]
    Csv {
        /// The file concerned.
        path: PathBuf,
        /// The line of the file, where known.
        line: Option<u64>,
        /// What went wrong: `column: what is wrong with its value`.
        message: String,
    },
    /// A result folder could not be written (a full disk, a failing
    /// device): the run failed, and nothing was left half-written.
    #[error("cannot write the result folder {}: {message}", shown_path(path))]
    Write {
        /// The folder the user asked for (never the temporary sibling).
        path: PathBuf,
        /// What the operating system said.
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
            Error::Run { .. } | Error::Write { .. } => 1,
            _ => 2,
        }
    }

    /// This error, met while writing the temporary sibling of the result
    /// folder `target`, as the failure to write `target` (exit code 1):
    /// I/O and CSV write errors name the user's folder instead of the
    /// hidden temporary path; other errors stay as they are.
    pub(crate) fn written_into(self, target: &std::path::Path) -> Self {
        let message = match self {
            Error::Io { source, .. } => source.to_string(),
            Error::Csv { message, .. } => message,
            other => return other,
        };
        Error::Write {
            path: target.to_path_buf(),
            message,
        }
    }
}

/// Longest stretch of user input an error message quotes, in characters.
pub(crate) const QUOTED_CHARS: usize = 80;

/// User input as an error message quotes it: control characters escaped
/// (`\n`, `\u{1b}`), so the message stays one line, and cut to
/// 80 characters with `…`, so a 50 MB value gives a short
/// message. Every message that echoes input goes through here.
///
/// ```
/// use pollscope::internals::shown;
/// assert_eq!(shown("a\nb"), "a\\nb");
/// assert_eq!(shown(&"x".repeat(1000)).chars().count(), 81);
/// ```
pub fn shown(text: &str) -> String {
    bounded(text, QUOTED_CHARS)
}

/// `text` with control characters escaped, cut to `most` characters.
pub(crate) fn bounded(text: &str, most: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == most {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A path as an error message quotes it: control characters escaped, and
/// a path longer than 80 characters cut at its start (`…` and its last 79
/// characters), so that the file's own name stays.
///
/// ```
/// use pollscope::internals::shown_path;
/// let deep = format!("/{}/runs.csv", "d".repeat(300));
/// let shown = shown_path(std::path::Path::new(&deep));
/// assert!(shown.starts_with('…') && shown.ends_with("/runs.csv"));
/// assert_eq!(shown.chars().count(), 80);
/// ```
pub fn shown_path(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    let count = text.chars().count();
    if count <= QUOTED_CHARS {
        return bounded(&text, QUOTED_CHARS);
    }
    let tail: String = text.chars().skip(count - (QUOTED_CHARS - 1)).collect();
    format!("…{}", bounded(&tail, QUOTED_CHARS))
}

/// Longest error line the command line prints, in characters: every
/// message is one line, whatever it quotes.
pub(crate) const LONGEST_LINE: usize = 1000;

/// `message` as one bounded line (the command line's last safety net).
pub(crate) fn one_line(message: &str) -> String {
    bounded(message, LONGEST_LINE)
}

/// Result type of pollscope's fallible operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
