//! The search concern's implementation: a full-text index of posts and pages
//! (tantivy), kept in step with posts by refreshes and catch-ups. Its
//! protocol is re-exported, so this crate reads as the whole concern.

mod actor;
mod feed;
mod index;
mod stems;
mod text;

pub use actor::{Search, SearchDeps};
pub use feed::feed;
pub use folio_search_protocol::{SearchClient, SearchError, domain, messages};
pub use index::SearchIndex;
