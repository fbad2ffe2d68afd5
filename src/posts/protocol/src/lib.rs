//! The posts concern's protocol: what it answers about posts and pages, their
//! domain types, its error and the events it announces. No actix, no store:
//! callers depend on this crate, never on the concern's implementation.

mod client;
pub mod domain;
mod error;
pub mod messages;

pub use client::PostsClient;
pub use domain::PostId;
pub use error::PostsError;
