//! The restart policy and each concern's supervision record: backoff, restart
//! intensity, the degraded state and its recovery after a quiet period.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::faults::FaultPlan;
use super::metrics::ConcernMetrics;
use super::{ConcernName, Failure, SigningKey};

/// How concerns are supervised. Defaults follow Erlang/OTP and Akka practice:
/// exponential backoff with jitter, and an intensity limit over a period.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RestartPolicy {
    /// First restart delay; doubles with each restart inside the window.
    #[serde(with = "humantime_serde")]
    pub backoff_min: Duration,
    #[serde(with = "humantime_serde")]
    pub backoff_max: Duration,
    /// More than this many restarts inside `restart_window` degrades the concern.
    pub restart_limit: u32,
    #[serde(with = "humantime_serde")]
    pub restart_window: Duration,
    /// How long a degraded concern refuses calls before it serves again.
    #[serde(with = "humantime_serde")]
    pub quiet_period: Duration,
    /// Default deadline of a call across concerns.
    #[serde(with = "humantime_serde")]
    pub call_timeout: Duration,
    /// How often the watchdog looks for concerns whose actor died outside a handler.
    #[serde(with = "humantime_serde")]
    pub watchdog_interval: Duration,
    /// Messages a concern queues before senders wait (backpressure).
    pub mailbox_capacity: usize,
    /// Calls timing out this many times in a row mean the concern is wedged
    /// (perhaps a handler blocking its thread): it is restarted on a fresh thread.
    pub timeout_limit: u32,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            restart_limit: 5,
            restart_window: Duration::from_secs(30),
            quiet_period: Duration::from_secs(30),
            call_timeout: Duration::from_secs(5),
            watchdog_interval: Duration::from_millis(250),
            mailbox_capacity: 256,
            timeout_limit: 3,
        }
    }
}

/// Jitter spreads restarts of concerns that failed together, as in Akka's BackoffSupervisor.
const JITTER: f64 = 0.2;

impl RestartPolicy {
    /// The delay before the `nth` restart inside the window (1-based).
    pub fn backoff(&self, nth: u32) -> Duration {
        let doubling = 2u32.saturating_pow(nth.saturating_sub(1).min(31));
        let base = self
            .backoff_min
            .saturating_mul(doubling)
            .min(self.backoff_max);
        let factor = 1.0 + rand::rng().random_range(-JITTER..=JITTER);
        base.mul_f64(factor)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConcernState {
    Up,
    /// Restarted and waiting out its backoff; calls queue and are served after.
    Restarting,
    /// Restarted too often: calls are refused at once until the quiet period ends.
    Degraded,
    /// Run by another process of a split site, and none answered just now.
    Unreachable,
}

/// What `/readyz` and the status page show for one concern.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConcernStatus {
    pub concern: ConcernName,
    pub state: ConcernState,
    pub restarts: u64,
    pub panics: u64,
    pub recent_restarts: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    pub pending_faults: u32,
}

#[derive(Default)]
struct Record {
    recent_restarts: VecDeque<Instant>,
    restarting_until: Option<Instant>,
    degraded_until: Option<Instant>,
    restarts: u64,
    panics: u64,
    consecutive_timeouts: u32,
}

/// Shared between a concern's actor, its handle and the watchdog.
pub struct ConcernCell {
    pub name: ConcernName,
    pub policy: RestartPolicy,
    pub metrics: ConcernMetrics,
    pub faults: FaultPlan,
    /// Verifies the principal on every message this concern receives.
    pub key: SigningKey,
    record: Mutex<Record>,
}

impl ConcernCell {
    pub fn new(
        name: ConcernName,
        policy: RestartPolicy,
        metrics: ConcernMetrics,
        key: SigningKey,
    ) -> Self {
        metrics.set_up(true);
        Self {
            name,
            policy,
            metrics,
            key,
            faults: FaultPlan::default(),
            record: Mutex::default(),
        }
    }

    fn with_record<T>(&self, f: impl FnOnce(&mut Record) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of plain
        // counters; the record is still usable.
        let mut record = self
            .record
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut record)
    }

    /// The current state; a degraded concern whose quiet period has passed
    /// comes back here, with its restart history cleared.
    pub fn state(&self) -> ConcernState {
        self.with_record(|record| self.settle(record, Instant::now()))
    }

    fn settle(&self, record: &mut Record, now: Instant) -> ConcernState {
        if let Some(until) = record.degraded_until {
            if now < until {
                return ConcernState::Degraded;
            }
            record.degraded_until = None;
            record.recent_restarts.clear();
            tracing::info!(concern = %self.name, "quiet period over; concern is up again");
        }
        match record.restarting_until {
            Some(until) if now < until => ConcernState::Restarting,
            _ => {
                record.restarting_until = None;
                ConcernState::Up
            }
        }
    }

    /// The answer to give at once instead of calling a degraded concern.
    pub fn refusal(&self) -> Option<Failure> {
        self.with_record(|record| {
            let now = Instant::now();
            match self.settle(record, now) {
                ConcernState::Degraded => Some(Failure::Unavailable {
                    concern: self.name,
                    retry_after_secs: retry_after(record.degraded_until, now),
                }),
                _ => None,
            }
        })
    }

    pub fn record_panic(&self) {
        self.metrics.panics.inc();
        self.with_record(|record| record.panics += 1);
    }

    /// Counts a call that timed out; true when the run of timeouts reaches the
    /// limit and the concern should be restarted on a fresh thread.
    pub fn record_timeout(&self) -> bool {
        self.with_record(|record| {
            record.consecutive_timeouts += 1;
            let wedged = record.consecutive_timeouts >= self.policy.timeout_limit;
            if wedged {
                record.consecutive_timeouts = 0;
            }
            wedged
        })
    }

    /// A call was answered in time: the run of timeouts is broken.
    pub fn record_answer(&self) {
        self.with_record(|record| record.consecutive_timeouts = 0);
    }

    /// Counts a restart and returns how long the fresh actor waits before serving.
    pub fn record_restart(&self) -> Duration {
        self.metrics.restarts.inc();
        self.with_record(|record| {
            let now = Instant::now();
            record.restarts += 1;
            while record
                .recent_restarts
                .front()
                .is_some_and(|at| now.duration_since(*at) > self.policy.restart_window)
            {
                record.recent_restarts.pop_front();
            }
            record.recent_restarts.push_back(now);
            let recent = record.recent_restarts.len();
            if recent > self.policy.restart_limit as usize {
                record.degraded_until = Some(now + self.policy.quiet_period);
                record.restarting_until = None;
                tracing::warn!(
                    concern = %self.name,
                    restarts = recent,
                    quiet_period = ?self.policy.quiet_period,
                    "restart limit exceeded; concern is degraded and refuses calls until the quiet period ends"
                );
                return Duration::ZERO;
            }
            let backoff = self.policy.backoff(u32::try_from(recent).unwrap_or(u32::MAX));
            record.restarting_until = Some(now + backoff);
            backoff
        })
    }

    pub fn status(&self) -> ConcernStatus {
        let pending_faults = self.faults.pending();
        self.with_record(|record| {
            let now = Instant::now();
            let state = self.settle(record, now);
            ConcernStatus {
                concern: self.name,
                state,
                restarts: record.restarts,
                panics: record.panics,
                // Counted at read time: the window moves on between restarts too.
                recent_restarts: record
                    .recent_restarts
                    .iter()
                    .filter(|at| now.duration_since(**at) <= self.policy.restart_window)
                    .count(),
                retry_after_secs: (state == ConcernState::Degraded)
                    .then(|| retry_after(record.degraded_until, now)),
                pending_faults,
            }
        })
    }
}

fn retry_after(until: Option<Instant>, now: Instant) -> u64 {
    until
        .map(|until| until.saturating_duration_since(now).as_secs_f64().ceil() as u64)
        .unwrap_or(0)
        .max(1)
}
