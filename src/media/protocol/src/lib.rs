//! The media concern's protocol: what it answers about uploads and their
//! variants, its domain types (edits), its error and the events it announces.
//! No actix, no store: callers depend on this crate, never on the concern's
//! implementation.

pub mod blobs;
mod client;
pub mod domain;
mod error;
pub mod messages;

pub use blobs::{BlobKey, Blobs};
pub use client::MediaClient;
pub use domain::MediumId;
pub use error::MediaError;
