//! The search concern's protocol: what it answers about finding posts and
//! pages by their words, and its error. No actix, no index: callers depend on
//! this crate, never on the concern's implementation.

mod client;
pub mod domain;
mod error;
pub mod messages;

pub use client::SearchClient;
pub use error::SearchError;
