//! Reads other platforms' export files into a neutral model (posts, pages,
//! attachments, authors, terms and a report), refusing hostile input before a
//! caller writes anything. Applying the model to Folio is another crate's job.

pub mod content;
mod error;
pub mod ghost;
mod model;
pub mod wordpress;

pub use content::{
    Converted, MediaLookup, MediaMap, MediaRef, NoMedia, attachment_key, html_to_markdown,
    to_markdown,
};
pub use error::{ImportError, Position};
pub use model::{
    Attachment, Author, Export, FeatureImage, Item, ItemKind, ItemStatus, ItemWarning, Limits,
    Report, SourceId, Term, TermKind,
};
