//! The posts concern's one error type.

use serde::{Deserialize, Serialize};

use folio_seam::{CommonError, ConcernName};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PostsError {
    #[error(transparent)]
    Common(#[from] CommonError),
    #[error("the slug {0:?} is taken by another post")]
    SlugTaken(String),
    /// A rename would give a tag another tag's address.
    #[error("there is a tag {0:?} already; merge the two instead")]
    TagExists(String),
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
    /// A redirect from this address exists already.
    #[error("a redirect from {0} exists already; remove it first")]
    RedirectExists(String),
    /// The address is a published post's: the post would shadow the redirect.
    #[error("{0} is a published post's address; a redirect there would never be followed")]
    RedirectFromLive(String),
    /// Following the new redirect would come back to where it starts.
    #[error("{0}")]
    RedirectLoop(String),
    /// A restore would change a published post's live page; the caller did
    /// not say to publish it.
    #[error(
        "this post is published: restoring a revision would change the live page at once. Load the revision into the editor and save it when you are ready, or restore it with \"publish\": true"
    )]
    Live,
}

folio_seam::concern_error!(PostsError: ConcernName::Posts);
