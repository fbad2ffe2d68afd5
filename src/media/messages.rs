//! The media concern's protocol: every message it answers and every reply, as plain serde data.

use serde::{Deserialize, Serialize};

use super::MediaError;
use crate::render::markdown::ImageSource;
use crate::runtime::ConcernMessage;

/// Counts of what the media store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaStats {
    pub media: u64,
}

impl ConcernMessage for Stats {
    const NAME: &'static str = "media.stats";
    type Reply = MediaStats;
    type Error = MediaError;
}

/// What the pages need to show these images: URLs, `srcset`, size. Unknown
/// ids (deleted, never uploaded) are left out; the page shows their alt text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribeImages {
    pub ids: Vec<String>,
}

impl ConcernMessage for DescribeImages {
    const NAME: &'static str = "media.describe_images";
    type Reply = Vec<(String, ImageSource)>;
    type Error = MediaError;
}
