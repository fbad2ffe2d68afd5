//! The media concern's one error type.

use serde::{Deserialize, Serialize};

use crate::runtime::{ConcernError, Failure};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum MediaError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    /// Details are logged by the concern; callers get the sentence only.
    #[error("the media service hit an unexpected error: {0}")]
    Unexpected(String),
}

impl From<anyhow::Error> for MediaError {
    fn from(error: anyhow::Error) -> Self {
        MediaError::Unexpected(format!("{error:#}"))
    }
}

impl ConcernError for MediaError {
    fn is_fault(&self) -> bool {
        true
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            MediaError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
