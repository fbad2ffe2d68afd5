//! Failures that belong to the runtime rather than to any concern's domain.

use serde::{Deserialize, Serialize};

use crate::ConcernName;

/// Why a call did not get a domain answer. Every concern error can carry one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    #[error("the {concern} service failed while handling this request; it is restarting")]
    Crashed { concern: ConcernName },
    #[error("the {concern} service is unavailable; try again in {retry_after_secs} s")]
    Unavailable {
        concern: ConcernName,
        retry_after_secs: u64,
    },
    #[error("the {concern} service did not answer within {timeout_ms} ms")]
    Timeout {
        concern: ConcernName,
        timeout_ms: u64,
    },
    #[error("the {concern} service is busy; try again shortly")]
    Busy { concern: ConcernName },
    #[error("the {concern} service failed (an injected fault)")]
    Injected { concern: ConcernName },
    #[error("the {concern} service could not verify who is calling; sign in again")]
    Unauthenticated { concern: ConcernName },
    /// No process hosts the concern (a transport knows at once, as NATS
    /// answers "no responders"): nothing was delivered, so nothing happened.
    #[error("the {concern} service is not running; try again shortly")]
    NoResponders { concern: ConcernName },
    /// A call or its answer did not survive the trip to the concern and back
    /// (a message that cannot be encoded, or a name no handler answers).
    #[error("a call to the {concern} service could not be delivered: {reason}")]
    Undeliverable {
        concern: ConcernName,
        reason: String,
    },
}

impl Failure {
    pub fn concern(&self) -> ConcernName {
        match self {
            Failure::Crashed { concern }
            | Failure::Unavailable { concern, .. }
            | Failure::Timeout { concern, .. }
            | Failure::Busy { concern }
            | Failure::Injected { concern }
            | Failure::Unauthenticated { concern }
            | Failure::NoResponders { concern }
            | Failure::Undeliverable { concern, .. } => *concern,
        }
    }
}

/// Why a bounded pool of CPU work refused or lost a job. Each concern's error
/// says what that means for its callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The queue is full: answer 503 with Retry-After rather than let memory grow.
    #[error("the {0} pool is busy")]
    Busy(&'static str),
    #[error("a job in the {pool} pool panicked: {message}")]
    Panicked { pool: &'static str, message: String },
    #[error("the {0} pool is shutting down")]
    Closed(&'static str),
}
