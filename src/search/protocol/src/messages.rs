//! The search concern's protocol: every message it answers and every reply,
//! as plain serde data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::SearchError;
use super::domain::Query;
use folio_posts_protocol::PostId;
use folio_posts_protocol::domain::{PostKind, PostStatus};
use folio_posts_protocol::messages::TagRef;
use folio_seam::{ConcernName, NoEvents, UserId};

folio_seam::protocol!(SearchProtocol: ConcernName::Search, SearchError, NoEvents {
    Search => SearchPage, "search.query";
    Refresh => (), "search.refresh";
    CatchUp => (), "search.catch_up";
    Stats => SearchStats, "search.stats";
});

/// Posts and pages matching a reader's words, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    pub query: Query,
    /// From 1.
    pub page: u32,
    /// 0 for the default; at most 50.
    pub per_page: u32,
    /// Also the drafts and scheduled posts the caller may see (their own; an
    /// editor's or administrator's, everyone's). Never for an anonymous caller.
    pub drafts: bool,
    /// Takes the last word as the start of a word (as one types).
    pub prefix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// Every match, over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    pub hits: Vec<SearchHit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[schema(inline)]
    pub id: PostId,
    #[serde(rename = "type")]
    pub kind: PostKind,
    pub title: String,
    pub slug: String,
    pub status: PostStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// When a scheduled post goes out.
    pub publish_at: Option<DateTime<Utc>>,
    /// When it last changed (to the second).
    pub updated_at: Option<DateTime<Utc>>,
    #[schema(value_type = String)]
    pub author: UserId,
    pub tags: Vec<TagRef>,
    /// A passage of the text with the matched words in `<mark>`; everything
    /// else in it is escaped, so it goes into a page as it is.
    pub snippet_html: String,
}

/// Posts changed (an event said so): look at them again. Idempotent, in any
/// order: each is read afresh from posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refresh {
    pub ids: Vec<PostId>,
}

/// Compare the whole index with posts and fix what differs, in the
/// background (after events may have been missed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatchUp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchStats {
    /// Posts and pages in the index, of every status.
    pub documents: u64,
    /// The index's size on disk.
    pub index_bytes: u64,
    /// A comparison with posts is running (at start, or after missed events).
    pub catching_up: bool,
    /// When the last comparison with posts finished.
    pub caught_up_at: Option<DateTime<Utc>>,
    /// The stemming language's code.
    pub language: String,
}
