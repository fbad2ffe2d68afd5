//! The render concern's protocol: Markdown in, sanitised HTML out; and what
//! that HTML carries for its readers (`media:ID` image references, resolved
//! when a page is served).

mod client;
mod error;
pub mod html;
pub mod messages;

pub use client::RenderClient;
pub use error::RenderError;
