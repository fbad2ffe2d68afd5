//! The auth concern's protocol: every message it answers and every reply, as plain serde data.

use serde::{Deserialize, Serialize};

use super::AuthError;
use crate::runtime::ConcernMessage;

/// Counts of what the auth store holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthStats {
    pub users: u64,
}

impl ConcernMessage for Stats {
    const NAME: &'static str = "auth.stats";
    type Reply = AuthStats;
    type Error = AuthError;
}
