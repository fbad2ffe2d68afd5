//! The posts concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{CommonError, ConcernName};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PostsError {
    #[error(transparent)]
    Common(#[from] CommonError),
    #[error("the slug {0:?} is taken by another post")]
    SlugTaken(String),
    /// The save was based on an older revision than the current one.
    #[error(
        "this post has changed since revision {based_on}; the current revision is {current}. Reload it, then save again"
    )]
    Stale { based_on: i32, current: i32 },
    /// Rendering the Markdown failed for a reason the writer can fix.
    #[error("{0}")]
    Unrenderable(String),
    #[error("the Markdown is too large: {0}")]
    TooLarge(String),
}

folio_seam::concern_error!(PostsError: ConcernName::Posts);
