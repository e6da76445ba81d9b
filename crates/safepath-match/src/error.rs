//! Errors of the matching engine. Messages name the file and line, never a person's data.

use std::path::PathBuf;

/// Everything that can go wrong in `safepath-match`.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// A settings file could not be read or is invalid.
    #[error("settings {path}: line {line}: {message}")]
    Settings {
        /// The settings file.
        path: PathBuf,
        /// 1-based line number (0 when the whole file is at fault).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A data file is malformed.
    #[error("{path}: line {line}: {message}")]
    Data {
        /// The data file.
        path: PathBuf,
        /// 1-based line number (1 is the header).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record or a model does not fit the schema it is used with.
    #[error("invalid input: {0}")]
    Invalid(String),
}

impl MatchError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        MatchError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
