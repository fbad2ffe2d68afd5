//! The posts concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{ConcernError, Failure};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PostsError {
    #[error(transparent)]
    Runtime(#[from] Failure),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Invalid(String),
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
        matches!(self, PostsError::Runtime(_) | PostsError::Unexpected(_))
    }

    fn as_failure(&self) -> Option<&Failure> {
        match self {
            PostsError::Runtime(failure) => Some(failure),
            _ => None,
        }
    }
}
