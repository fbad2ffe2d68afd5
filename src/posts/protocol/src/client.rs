//! The handle other concerns and the gateway use to reach posts.

/// Sends any message of the posts protocol (`posts::messages`).
pub type PostsClient = folio_seam::Client<super::messages::PostsProtocol>;
