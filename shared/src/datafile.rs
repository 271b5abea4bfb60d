//! The error of a law-as-data file that does not load: which file, which
//! entry, and what is wrong with it.

/// A data file under `assets/` that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {entry}: {message}")]
pub struct DataFileError {
    /// File.
    pub file: String,
    /// Entry.
    pub entry: String,
    /// What is wrong.
    pub message: String,
}

impl DataFileError {
    /// The error of `entry` in `file`.
    pub fn new(file: &str, entry: &str, message: String) -> DataFileError {
        DataFileError {
            file: file.to_owned(),
            entry: entry.to_owned(),
            message,
        }
    }
}
