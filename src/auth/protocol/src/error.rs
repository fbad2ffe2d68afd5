//! The auth concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{ConcernError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AuthError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    /// The same answer for an unknown email and a wrong password.
    #[error("the email or password is not right")]
    InvalidCredentials,
    /// The caller's own current password, given to change it, is wrong.
    #[error("the current password is not right")]
    WrongPassword,
    #[error("sign in first: the session or token is missing, expired or revoked")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("an account with this email address exists already")]
    EmailTaken,
    #[error("{0}")]
    Invalid(String),
    /// A rule protecting the single owner (or oneself) was about to be broken.
    #[error("{0}")]
    Conflict(String),
    #[error("this setup link has been used or has expired")]
    SetupUnavailable,
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
        matches!(self, AuthError::Runtime(_) | AuthError::Unexpected(_))
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            AuthError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}

impl From<PoolError> for AuthError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Busy(_) => Failure::Busy {
                concern: ConcernName::Auth,
            }
            .into(),
            other => AuthError::Unexpected(other.to_string()),
        }
    }
}
