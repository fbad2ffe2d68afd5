//! The media concern: uploads, image variants and their metadata. It owns the media store and the blob store (`blobs`).

mod actor;
pub mod blobs;
mod client;
pub mod domain;
mod error;
pub mod images;
pub mod messages;
mod store;

pub use actor::{Media, MediaDeps};
pub use blobs::{BlobKey, Blobs};
pub use client::MediaClient;
pub use error::MediaError;
pub use store::MediaStore;
