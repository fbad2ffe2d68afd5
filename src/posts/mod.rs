//! The posts concern: posts and pages, their Markdown and rendered HTML, tags,
//! revisions and publication. It owns the posts store.

mod actor;
mod client;
pub mod domain;
mod error;
pub mod messages;
pub mod scheduler;
mod store;

pub use actor::{Posts, PostsDeps};
pub use client::PostsClient;
pub use error::PostsError;
pub use store::PostsStore;
