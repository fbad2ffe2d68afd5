//! Reads other platforms' export files into a neutral model (posts, pages,
//! attachments, authors, terms and a report), refusing hostile input before a
//! caller writes anything. Applying the model to Folio is another crate's job.
//!
//! A WordPress import reads the file up to three times, never holding it:
//! [`wordpress::check`] validates all of it and counts what it holds (the
//! report a user confirms); a pass over [`wordpress::WxrReader`] collects the
//! attachments, authors and terms (the applier uploads and creates them);
//! a last pass converts the items with a [`MediaLookup`] that maps images to
//! what was uploaded.
//!
//! ```
//! use std::io::Cursor;
//! use folio_import::{Limits, MediaMap, NoMedia, wordpress};
//!
//! let wxr = r#"<rss xmlns:wp="http://wordpress.org/export/1.2/"
//!   xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
//!   <wp:wxr_version>1.2</wp:wxr_version>
//!   <item><title>Hi</title><content:encoded><![CDATA[Hello *there*
//!
//! <img src="https://x.example/wp-content/uploads/2024/01/a-300x200.jpg" alt="A">]]></content:encoded>
//!   <wp:post_id>1</wp:post_id><wp:status>publish</wp:status>
//!   <wp:post_type>post</wp:post_type></item>
//!   <item><title>a</title><wp:post_id>2</wp:post_id><wp:post_type>attachment</wp:post_type>
//!   <wp:attachment_url>https://x.example/wp-content/uploads/2024/01/a.jpg</wp:attachment_url></item>
//! </channel></rss>"#;
//!
//! let report = wordpress::check(Cursor::new(wxr), Limits::default())?;
//! assert_eq!((report.posts, report.attachments), (1, 1));
//!
//! let mut media = MediaMap::new();
//! for a in wordpress::read_all(Cursor::new(wxr), Limits::default(), &NoMedia)?.attachments {
//!     media.insert(&a, &format!("media:{}", a.source_id));
//! }
//! let export = wordpress::read_all(Cursor::new(wxr), Limits::default(), &media)?;
//! assert_eq!(export.items[0].markdown, "Hello \\*there\\*\n\n![A](media:2)");
//! # Ok::<(), folio_import::ImportError>(())
//! ```

pub mod content;
mod error;
pub mod ghost;
mod model;
pub mod wordpress;

pub use content::{
    Converted, MediaLookup, MediaMap, MediaRef, NoMedia, attachment_key, folio_markdown,
    html_to_markdown, to_markdown,
};
pub use error::{ImportError, Position};
pub use model::{
    Attachment, Author, Export, FeatureImage, Item, ItemKind, ItemStatus, ItemWarning, Limits,
    Redirect, RedirectTo, Report, SourceId, Term, TermKind,
};
