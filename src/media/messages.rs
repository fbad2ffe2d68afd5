//! The media concern's protocol: every message it answers and every reply, as plain serde data.

use serde::{Deserialize, Serialize};

use super::MediaError;
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
