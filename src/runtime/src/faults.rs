//! Fault injection: a queue of faults a concern applies to the next messages it handles.
//! Off unless the server starts with `--fault-injection`; the gateway guards that.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ConcernName;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The handler panics (inside the guard): the caller gets "crashed", the actor restarts.
    Panic,
    /// The handler never finishes: the caller gets a timeout at its deadline.
    Hang,
    /// The handler returns an error.
    Error,
    /// The handler waits `delay_ms` and then answers normally (slow dependency).
    Delay,
    /// The handler blocks the concern's thread for `delay_ms` (a wedged handler):
    /// callers time out; after `timeout_limit` timeouts in a row the concern is
    /// restarted on a fresh thread.
    Block,
    /// The actor dies outside any handler (like a panic in a timer): the watchdog
    /// must notice and respawn it.
    Crash,
}

/// One fault, as it is applied to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Panic,
    Hang,
    Error,
    Delay(Duration),
    Block(Duration),
    Crash,
}

/// `POST /api/v1/admin/faults` body.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    pub concern: ConcernName,
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

fn one() -> u32 {
    1
}

impl FaultRequest {
    pub const MAX_COUNT: u32 = 1000;
    pub const MAX_DELAY_MS: u64 = 60_000;

    /// The fault to queue, or a sentence saying what is wrong with the request.
    pub fn fault(&self) -> Result<Fault, String> {
        if self.count == 0 || self.count > Self::MAX_COUNT {
            return Err(format!("count must be between 1 and {}", Self::MAX_COUNT));
        }
        Ok(match (self.kind, self.delay_ms) {
            (FaultKind::Delay, Some(ms)) if ms <= Self::MAX_DELAY_MS => {
                Fault::Delay(Duration::from_millis(ms))
            }
            (FaultKind::Block, Some(ms)) if ms <= Self::MAX_DELAY_MS => {
                Fault::Block(Duration::from_millis(ms))
            }
            (FaultKind::Delay | FaultKind::Block, _) => {
                return Err(format!(
                    "a delay or block fault needs delay_ms between 0 and {}",
                    Self::MAX_DELAY_MS
                ));
            }
            (_, Some(_)) => {
                return Err("delay_ms only applies to the delay and block kinds".into());
            }
            (FaultKind::Panic, None) => Fault::Panic,
            (FaultKind::Hang, None) => Fault::Hang,
            (FaultKind::Error, None) => Fault::Error,
            (FaultKind::Crash, None) => Fault::Crash,
        })
    }
}

/// Faults waiting for a concern's next messages, in order, each with its count.
type Queue = Arc<Mutex<VecDeque<(Fault, u32)>>>;

/// Faults waiting for a concern's next messages.
#[derive(Default)]
pub struct FaultPlan {
    queue: Queue,
}

impl FaultPlan {
    pub fn push(&self, fault: Fault, count: u32) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.push_back((fault, count));
        }
    }

    /// The fault for the message being handled now, if any. It counts as
    /// applied only once [`TakenFault::fire`] is called.
    pub fn take(&self) -> Option<TakenFault> {
        let mut queue = self.queue.lock().ok()?;
        let (fault, left) = queue.front_mut()?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            queue.pop_front();
        }
        Some(TakenFault {
            fault,
            queue: Some(self.queue.clone()),
        })
    }

    pub fn pending(&self) -> u32 {
        self.queue
            .lock()
            .map(|queue| queue.iter().map(|(_, n)| n).sum())
            .unwrap_or(0)
    }

    pub fn clear(&self) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.clear();
        }
    }
}

/// A fault taken for one message but not applied yet. A restarting actor drops
/// the work of every message in flight, some never polled; a fault carried by
/// such work goes back to the front of the queue when it is dropped unfired,
/// so a queued fault either fires (and is counted) or stays pending.
pub struct TakenFault {
    fault: Fault,
    /// `None` once fired.
    queue: Option<Queue>,
}

impl TakenFault {
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// Marks the fault as applied: from now on it is the message's, not the queue's.
    pub fn fire(mut self) {
        self.queue = None;
    }
}

impl Drop for TakenFault {
    fn drop(&mut self) {
        let Some(queue) = self.queue.take() else {
            return;
        };
        // A poisoned lock means a panic while holding it: nothing to restore into.
        let Ok(mut queue) = queue.lock() else {
            return;
        };
        match queue.front_mut() {
            Some((fault, left)) if *fault == self.fault => *left += 1,
            _ => queue.push_front((self.fault, 1)),
        }
    }
}
