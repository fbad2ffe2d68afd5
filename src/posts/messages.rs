//! The posts concern's protocol: every message it answers and every reply, as plain serde data.

use serde::{Deserialize, Serialize};

use super::PostsError;
use crate::runtime::ConcernMessage;

/// Counts of what the posts store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostsStats {
    pub posts: u64,
    pub published: u64,
}

impl ConcernMessage for Stats {
    const NAME: &'static str = "posts.stats";
    type Reply = PostsStats;
    type Error = PostsError;
}
