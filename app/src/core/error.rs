//! Errors of terminal actions.

use std::path::PathBuf;

use fieldcase_shared::casebag::ExportError;
use fieldcase_shared::keys::KeyError;
use fieldcase_shared::model::CheckField;
use fieldcase_shared::validate::ValidationError;

use crate::store::StoreError;

/// Errors of terminal actions.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Key failure.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Form input is invalid (one error per bad field).
    #[error("{}", .0.iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(CheckField, ValidationError)>),
    /// No such case.
    #[error("no case {0:?} on this terminal; `fieldcase case list` shows the case numbers")]
    NoCase(String),
    /// The case is closed and can no longer change.
    #[error("case {0} is closed; a closed case cannot be changed")]
    Closed(String),
    /// An action the officer must do differently (message in both languages).
    #[error("{en}")]
    Refused {
        /// Chinese.
        zh: String,
        /// English.
        en: String,
    },
    /// Demo data could not be made.
    #[error("demo data: {0}")]
    Demo(String),
    /// Export failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Only a closed case can be archived.
    #[error("case {0} is still open; close it before archiving it")]
    NotClosed(String),
    /// An output file or folder cannot be written.
    #[error("{}: {source}", path.display())]
    Output {
        /// The path.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl AppError {
    /// A refusal with a message in both languages.
    pub fn refused(zh: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::Refused {
            zh: zh.into(),
            en: en.into(),
        }
    }
}
