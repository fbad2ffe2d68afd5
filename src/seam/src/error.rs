//! The core every concern's error embeds: the refusals and failures all of
//! them can answer, each with one meaning (and one HTTP status, mapped in the
//! gateway once), so a concern's own error lists only what is its own.

use serde::{Deserialize, Serialize};

use crate::{ConcernName, Failure};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum CommonError {
    /// The call got no domain answer (crashed, degraded, timeout, ...).
    #[error(transparent)]
    Runtime(#[from] Failure),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first: the session or token is missing, expired or revoked")]
    Unauthenticated,
    #[error("{0}")]
    Invalid(String),
    /// Another change got there first, or a rule would be broken by this one.
    #[error("{0}")]
    Conflict(String),
    /// Details are logged by the concern; callers get the sentence only.
    #[error("the {concern} service hit an unexpected error: {detail}")]
    Unexpected {
        concern: ConcernName,
        detail: String,
    },
}

/// Gives a concern's error (an enum with a `Common(CommonError)` variant) its
/// constructors for the common answers, `From<Failure>`, `From<anyhow::Error>`
/// and its [`crate::ConcernError`] impl: the lines every concern repeated.
///
/// ```ignore
/// folio_seam::concern_error!(PostsError: ConcernName::Posts);
/// ```
#[macro_export]
macro_rules! concern_error {
    ($error:ident: $concern:expr) => {
        impl $error {
            pub fn not_found(message: impl Into<String>) -> Self {
                Self::Common($crate::CommonError::NotFound(message.into()))
            }

            pub fn forbidden(message: impl Into<String>) -> Self {
                Self::Common($crate::CommonError::Forbidden(message.into()))
            }

            pub fn unauthenticated() -> Self {
                Self::Common($crate::CommonError::Unauthenticated)
            }

            pub fn invalid(message: impl Into<String>) -> Self {
                Self::Common($crate::CommonError::Invalid(message.into()))
            }

            pub fn conflict(message: impl Into<String>) -> Self {
                Self::Common($crate::CommonError::Conflict(message.into()))
            }

            pub fn unexpected(detail: impl Into<String>) -> Self {
                Self::Common($crate::CommonError::Unexpected {
                    concern: $concern,
                    detail: detail.into(),
                })
            }
        }

        impl From<$crate::Failure> for $error {
            fn from(failure: $crate::Failure) -> Self {
                Self::Common($crate::CommonError::Runtime(failure))
            }
        }

        impl From<$crate::__anyhow::Error> for $error {
            fn from(error: $crate::__anyhow::Error) -> Self {
                Self::unexpected(format!("{error:#}"))
            }
        }

        impl $crate::ConcernError for $error {
            fn is_fault(&self) -> bool {
                matches!(
                    self,
                    Self::Common(
                        $crate::CommonError::Runtime(_) | $crate::CommonError::Unexpected { .. }
                    )
                )
            }

            fn as_failure(&self) -> Option<&$crate::Failure> {
                match self {
                    Self::Common($crate::CommonError::Runtime(failure)) => Some(failure),
                    _ => None,
                }
            }
        }
    };
}
