//! The media concern's one error type.

use serde::{Deserialize, Serialize};

use crate::blobs::BlobError;
use folio_seam::{CommonError, ConcernName, Failure, PoolError};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum MediaError {
    #[error(transparent)]
    Common(#[from] CommonError),
    /// Not an accepted image type (415).
    #[error("{0}")]
    Unsupported(String),
    /// An image that can't be accepted as it is: corrupt, too big, empty (422).
    #[error("{0}")]
    Refused(String),
}

/// A blob the store can't read or write is the server's problem; the callers
/// that expect a particular failure (too large, exists) match on it first.
impl From<BlobError> for MediaError {
    fn from(error: BlobError) -> Self {
        MediaError::unexpected(format!("blob store: {error}"))
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

folio_seam::concern_error!(MediaError: ConcernName::Media);
