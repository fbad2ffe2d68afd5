//! The posts concern's implementation: its actor, its store (the only code
//! touching the posts database) and the scheduler of due posts. Its protocol
//! is re-exported, so this crate reads as the whole concern.

mod actor;
pub mod scheduler;
mod store;

pub use actor::{Posts, PostsDeps};
pub use folio_posts_protocol::{PostsClient, PostsError, domain, messages};
pub use store::PostsStore;
