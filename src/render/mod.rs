//! The render concern: Markdown to safe HTML, in a bounded pool. Stateless —
//! it owns no store — so it could run as a separate service unchanged.

mod actor;
mod client;
mod error;
pub mod markdown;
pub mod messages;

pub use actor::{Render, RenderDeps};
pub use client::RenderClient;
pub use error::RenderError;
