//! The posts concern: posts and pages, their Markdown, revisions and publication. It owns the posts store.

mod actor;
mod client;
mod error;
pub mod messages;
mod store;

pub use actor::Posts;
pub use client::PostsClient;
pub use error::PostsError;
pub use store::PostsStore;
