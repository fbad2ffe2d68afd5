//! The auth concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{CommonError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum AuthError {
    #[error(transparent)]
    Common(#[from] CommonError),
    /// The same answer for an unknown email and a wrong password.
    #[error("the email or password is not right")]
    InvalidCredentials,
    /// The caller's own current password, given to change it, is wrong.
    #[error("the current password is not right")]
    WrongPassword,
    #[error("an account with this email address exists already")]
    EmailTaken,
    #[error("this setup link has been used or has expired")]
    SetupUnavailable,
    #[error("this sign-up link has been used, replaced or has expired")]
    InviteUnavailable,
    /// The person has a token of this name already.
    #[error("you have a token named {0:?} already: choose another name, or revoke that one")]
    TokenNameTaken(String),
}

impl From<PoolError> for AuthError {
    fn from(error: PoolError) -> Self {
        match error {
            PoolError::Busy(_) => Failure::Busy {
                concern: ConcernName::Auth,
            }
            .into(),
            other => AuthError::unexpected(other.to_string()),
        }
    }
}

folio_seam::concern_error!(AuthError: ConcernName::Auth);
