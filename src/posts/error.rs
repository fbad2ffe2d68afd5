//! The posts concern's one error type.

use serde::{Deserialize, Serialize};

use crate::runtime::{ConcernError, Failure};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PostsError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    /// Details are logged by the concern; callers get the sentence only.
    #[error("the posts service hit an unexpected error: {0}")]
    Unexpected(String),
}

impl From<anyhow::Error> for PostsError {
    fn from(error: anyhow::Error) -> Self {
        PostsError::Unexpected(format!("{error:#}"))
    }
}

impl ConcernError for PostsError {
    fn is_fault(&self) -> bool {
        true
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            PostsError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
