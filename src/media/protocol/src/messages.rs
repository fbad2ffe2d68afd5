//! The media concern's protocol: every message it answers and every reply, as plain serde data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MediaError;
use super::blobs::BlobKey;
use super::domain::{MediumId, Operation};
use folio_seam::{ConcernName, UserId};

folio_seam::protocol!(MediaProtocol: ConcernName::Media, MediaError, MediaEvent {
    Stats => MediaStats, "media.stats";
    DescribeImages => Vec<(String, ImageSource)>, "media.describe_images";
    Ingest => MediumView, "media.ingest";
    GetMedium => MediumView, "media.get";
    ListMedia => MediaPage, "media.list";
    UpdateMedium => MediumView, "media.update";
    DeleteMedium => (), "media.delete";
    Locate => LocatedFile, "media.locate";
    EditMedium => MediumView, "media.edit";
    RevertMedium => MediumView, "media.revert";
});

/// What media announces about its changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MediaEvent {
    /// A medium was edited, reverted, re-described or deleted: pages showing
    /// it and its cached files must be rebuilt.
    MediumChanged { id: MediumId },
}

/// What the media concern says about one image, ready for an `<img>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSource {
    pub src: String,
    pub srcset: String,
    pub sizes: String,
    pub width: u32,
    pub height: u32,
    /// The medium's own alt text (empty when it has none): what a feature
    /// image or a link preview's picture is announced as.
    #[serde(default)]
    pub alt: String,
    /// The medium's caption (empty when it has none): shown under the
    /// picture where it stands alone in a post.
    #[serde(default)]
    pub caption: String,
}

/// Counts of what the media store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaStats {
    pub media: u64,
}

/// What the pages need to show these images: URLs, `srcset`, size. Unknown
/// ids (deleted, never uploaded) are left out; the page shows their alt text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribeImages {
    pub ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VariantView {
    pub width: u32,
    pub url: String,
    pub webp_url: String,
}

/// A medium as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediumView {
    #[schema(inline)]
    pub id: MediumId,
    #[schema(inline)]
    pub owner: UserId,
    /// As uploaded, for display only.
    pub file_name: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub caption: String,
    pub version: i32,
    /// The edits that made this version from the uploaded picture.
    pub operations: Vec<Operation>,
    /// How many earlier versions an undo (`revert`) can go back through.
    pub previous_versions: u32,
    pub animated: bool,
    pub original_url: String,
    pub variants: Vec<VariantView>,
    pub srcset: String,
    pub webp_srcset: String,
    pub created_at: DateTime<Utc>,
}

/// An upload already streamed into the staging blob `staging` (through the
/// [`Blobs`](super::Blobs) handle media gives out); processed, stored, and
/// described. Media removes the staging blob whatever the outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ingest {
    pub staging: BlobKey,
    pub file_name: String,
    pub alt: String,
    pub caption: String,
    /// Keep the original file as uploaded, metadata included (variants never keep it).
    #[serde(default)]
    pub keep_metadata: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetMedium {
    pub id: MediumId,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListMedia {
    pub owner: Option<UserId>,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediaPage {
    pub media: Vec<MediumView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateMedium {
    pub id: MediumId,
    pub alt: Option<String>,
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteMedium {
    pub id: MediumId,
}

/// The blob behind a public URL `/media/{id}/v{version}/{file}`, if it is one
/// of the files Folio generated for that medium.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locate {
    pub id: MediumId,
    pub version: i32,
    pub file: String,
}

/// Makes a new version of a medium with `operations` applied to the current
/// one; the current version is kept for `RevertMedium`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMedium {
    pub id: MediumId,
    pub operations: Vec<Operation>,
}

/// Undoes the latest edit: the previous version becomes current again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevertMedium {
    pub id: MediumId,
}

/// Which blob serves a public file, and what HTTP needs to answer with it;
/// the bytes are read through the blob handle, never from a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocatedFile {
    pub blob: BlobKey,
    pub content_type: String,
    /// In bytes.
    pub len: u64,
    /// A strong ETag, quoted: a file's URL names one version of one medium,
    /// whose bytes never change (version numbers are never reused).
    pub etag: String,
}
