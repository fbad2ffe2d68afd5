//! The media concern's one error type.

use serde::{Deserialize, Serialize};

use crate::blobs::BlobError;
use folio_seam::{ConcernError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum MediaError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    Unauthenticated,
    /// Not an accepted image type (415).
    #[error("{0}")]
    Unsupported(String),
    /// An image that can't be accepted as it is: corrupt, too big, empty (422).
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Invalid(String),
    /// Another change got there first (409).
    #[error("{0}")]
    Conflict(String),
    /// Details are logged by the concern; callers get the sentence only.
    #[error("the media service hit an unexpected error: {0}")]
    Unexpected(String),
}

impl From<anyhow::Error> for MediaError {
    fn from(error: anyhow::Error) -> Self {
        MediaError::Unexpected(format!("{error:#}"))
    }
}

/// A blob the store can't read or write is the server's problem; the callers
/// that expect a particular failure (too large, exists) match on it first.
impl From<BlobError> for MediaError {
    fn from(error: BlobError) -> Self {
        MediaError::Unexpected(format!("blob store: {error}"))
    }
}

impl From<PoolError> for MediaError {
    fn from(error: PoolError) -> Self {
        let concern = ConcernName::Media;
        match error {
            PoolError::Busy(_) => Failure::Busy { concern }.into(),
            // A decoder that panics costs this upload only; the pool keeps its thread.
            PoolError::Panicked { message, .. } => {
                MediaError::Refused(format!("the image could not be processed ({message})"))
            }
            PoolError::Closed(_) => Failure::Unavailable {
                concern,
                retry_after_secs: 1,
            }
            .into(),
        }
    }
}

impl ConcernError for MediaError {
    fn is_fault(&self) -> bool {
        matches!(self, MediaError::Runtime(_) | MediaError::Unexpected(_))
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            MediaError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
