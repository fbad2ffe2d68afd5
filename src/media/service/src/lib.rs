//! The media concern's implementation: its actor, its store (the only code
//! touching the media database), its blobs and the image pipeline. Its
//! protocol is re-exported, so this crate reads as the whole concern.

mod actor;
pub mod blobs;
pub mod images;
pub mod object_store;
mod store;

pub use actor::{Media, MediaDeps, stored_files, stored_files_in};
pub use folio_media_protocol::{BlobKey, Blobs, MediaClient, MediaError, domain, messages};
pub use store::MediaStore;
