//! The auth concern's one error type.

use serde::{Deserialize, Serialize};

use crate::runtime::{ConcernError, Failure};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AuthError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    /// Details are logged by the concern; callers get the sentence only.
    #[error("the auth service hit an unexpected error: {0}")]
    Unexpected(String),
}

impl From<anyhow::Error> for AuthError {
    fn from(error: anyhow::Error) -> Self {
        AuthError::Unexpected(format!("{error:#}"))
    }
}

impl ConcernError for AuthError {
    fn is_fault(&self) -> bool {
        true
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            AuthError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
