//! Brute-force protection: failed sign-ins counted per account and per client
//! address over a sliding window. A sliding window (rather than a token bucket
//! such as `governor`) matches the rule people expect: "5 failures a minute",
//! and only failures count, which a rate limiter checked before the attempt can't express.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    attempts: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

/// Keys idle this long are forgotten once the map grows, to bound memory.
const PRUNE_ABOVE: usize = 10_000;

impl LoginLimiter {
    pub fn new(attempts: u32, window: Duration) -> Self {
        Self {
            attempts: attempts as usize,
            window,
            failures: Mutex::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, VecDeque<Instant>>) -> T) -> T {
        let mut failures = self
            .failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut failures)
    }

    /// `Err(retry_after)` when any key has used up its attempts.
    pub fn check(&self, keys: &[String]) -> Result<(), Duration> {
        let now = Instant::now();
        self.with(|failures| {
            let mut wait = Duration::ZERO;
            for key in keys {
                if let Some(times) = failures.get_mut(key) {
                    while times
                        .front()
                        .is_some_and(|at| now.duration_since(*at) >= self.window)
                    {
                        times.pop_front();
                    }
                    if times.len() >= self.attempts
                        && let Some(oldest) = times.front()
                    {
                        wait = wait.max(self.window.saturating_sub(now.duration_since(*oldest)));
                    }
                }
            }
            if wait.is_zero() { Ok(()) } else { Err(wait) }
        })
    }

    pub fn fail(&self, keys: &[String]) {
        let now = Instant::now();
        self.with(|failures| {
            if failures.len() > PRUNE_ABOVE {
                failures.retain(|_, times| {
                    times
                        .back()
                        .is_some_and(|at| now.duration_since(*at) < self.window)
                });
            }
            for key in keys {
                failures.entry(key.clone()).or_default().push_back(now);
            }
        });
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn succeed(&self, key: &str) {
        self.with(|failures| failures.remove(key));
    }
}
