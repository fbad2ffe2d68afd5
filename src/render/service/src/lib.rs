//! The render concern's implementation: Markdown to safe HTML (comrak, then
//! ammonia) in a bounded pool. Stateless: it owns no store. Its protocol is
//! re-exported, so this crate reads as the whole concern.

mod actor;
pub mod markdown;

pub use actor::{Render, RenderDeps};
pub use folio_render_protocol::{RenderClient, RenderError, html, messages};
