//! The render concern's protocol: every message it answers and every reply, as plain serde data.

use serde::{Deserialize, Serialize};

use super::RenderError;
use folio_seam::{ConcernName, NoEvents};

folio_seam::protocol!(RenderProtocol: ConcernName::Render, RenderError, NoEvents {
    Render => Rendered, "render.render";
    Stats => RenderStats, "render.stats";
});

/// Markdown to sanitised HTML. `media:ID` images stay as references; they are
/// resolved when a page is served, so a picture comes back once media does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Render {
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub html: String,
    /// The first paragraph as plain text, for when the writer gives no excerpt.
    pub excerpt: String,
    /// Ids of the media the document shows, in order.
    pub media: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderStats {
    /// Jobs running or queued in the render pool.
    pub pool_load: usize,
}
