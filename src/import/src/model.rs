//! The neutral model every reader produces: owned, serialisable values that
//! say what the source had, plus the report of what was read and skipped.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Ceilings that keep a hostile or broken file from costing unbounded memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest single text or CDATA field, in bytes.
    pub max_field_bytes: usize,
    /// The most `<item>`s (or Ghost posts) a file may hold.
    pub max_items: usize,
    /// The largest whole file for formats that cannot be streamed (Ghost JSON).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_field_bytes: 8 * 1024 * 1024,
            max_items: 200_000,
            max_file_bytes: 200 * 1024 * 1024,
        }
    }
}

/// Ids are kept as the source wrote them: WordPress's are numbers, Ghost's
/// are hex strings, and one type lets the applier map both the same way.
pub type SourceId = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub source_id: SourceId,
    pub login: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TermKind {
    Category,
    Tag,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub kind: TermKind,
    pub slug: String,
    pub name: String,
    /// The parent's slug, for nested categories.
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    Post,
    Page,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemStatus {
    Published,
    Scheduled,
    Draft,
}

/// Where an item's feature image comes from: WordPress points at an
/// attachment, Ghost at a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureImage {
    Attachment(SourceId),
    Url(String),
}

/// A post or a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub source_id: SourceId,
    pub kind: ItemKind,
    pub title: String,
    /// As in the file, percent-decoded; may be empty (drafts often are).
    pub slug: String,
    /// The old permalink, for redirects.
    pub link: String,
    pub guid: String,
    pub date_gmt: Option<DateTime<Utc>>,
    pub modified_gmt: Option<DateTime<Utc>>,
    pub status: ItemStatus,
    pub author_login: Option<String>,
    pub excerpt: String,
    /// The original content, kept so nothing the conversion lost is gone.
    pub html: String,
    pub markdown: String,
    /// Display names; categories are folded in.
    pub tags: Vec<String>,
    pub feature_image: Option<FeatureImage>,
    pub feature_image_alt: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub old_slugs: Vec<String>,
    pub comment_count: u64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub source_id: SourceId,
    pub url: String,
    /// Below the uploads folder, e.g. `2019/03/photo.jpg`; checked to be
    /// relative with no `..` and no backslash.
    pub relative_path: Option<String>,
    pub alt: String,
    pub title: String,
    pub caption: String,
    /// The post it was uploaded to, if any.
    pub parent: Option<SourceId>,
}

/// An old address that leads elsewhere on the site: what a Folio export
/// carries of its redirects (WordPress's own files have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// A path (and query) on the old site, such as `/old-slug/`.
    pub from: String,
    pub to: RedirectTo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedirectTo {
    /// An item of the same file, wherever it lands.
    Item(SourceId),
    /// A fixed address: a path or an absolute URL.
    Url(String),
}

/// One warning about one item, for the report a user reads before applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemWarning {
    pub source_id: SourceId,
    pub title: String,
    pub message: String,
}

/// What a file held and what was left out, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub posts: u64,
    pub pages: u64,
    pub attachments: u64,
    pub authors: u64,
    pub terms: u64,
    pub comments: u64,
    pub redirects: u64,
    /// Left out, by kind: `trash`, `revision`, `nav_menu_item`, `auto-draft`,
    /// `inherit`, another post type by its name, `internal tag`, …
    pub skipped: BTreeMap<String, u64>,
    pub warnings: Vec<ItemWarning>,
}

impl Report {
    pub(crate) fn skip(&mut self, kind: &str) {
        *self.skipped.entry(kind.to_owned()).or_default() += 1;
    }

    pub(crate) fn record_item(&mut self, item: &Item) {
        match item.kind {
            ItemKind::Post => self.posts += 1,
            ItemKind::Page => self.pages += 1,
        }
        self.comments += item.comment_count;
        self.warnings
            .extend(item.warnings.iter().map(|message| ItemWarning {
                source_id: item.source_id.clone(),
                title: item.title.clone(),
                message: message.clone(),
            }));
    }
}

/// A whole export held in memory: for small files and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    pub site_title: String,
    pub site_url: String,
    pub authors: Vec<Author>,
    pub terms: Vec<Term>,
    pub attachments: Vec<Attachment>,
    pub items: Vec<Item>,
    pub redirects: Vec<Redirect>,
    pub report: Report,
}
