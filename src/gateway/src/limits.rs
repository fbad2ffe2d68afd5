//! Brute-force protection for everything that checks a password (sign-in, a
//! password change): failed attempts counted per client address and per
//! account over a sliding window, with a short progressive delay per address.
//!
//! A sliding window (rather than a token bucket such as `governor`) matches the
//! rule people expect, "5 failures a minute", and only failures count. An
//! attempt takes its place in the count *before* the password is verified and
//! gives it back only when the password turned out right (or was never judged):
//! checking first and recording the failure afterwards let 200 parallel guesses
//! all pass the check before the first failure was recorded.
//!
//! The limits differ on purpose. One address gets `per_address` failures, then
//! waits; an account is locked only after `per_account` failures from all
//! addresses together, so a stranger's few wrong guesses do not keep its owner
//! out, while a guessing campaign spread over many addresses still stops.
//!
//! On a split site with several gateways, each tells the others of every
//! failure it counts ([`LoginLimiter::tell_peers`]), and counts theirs as its
//! own ([`LoginLimiter::count_peer_failure`]): the limits hold for the site,
//! not per gateway. (A burst spread over gateways at the same instant may get
//! a few attempts past the limit before the news arrives, within milliseconds.)

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The limits, from configuration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LoginLimits {
    /// Failures one client address may make within `window`.
    pub per_address: u32,
    /// Failures for one account, from anywhere, before it is locked for `window`.
    pub per_account: u32,
    pub window: Duration,
}

pub(crate) struct LoginLimiter {
    limits: LoginLimits,
    /// Per key, when each counted attempt began (failed, or still being judged).
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Tells the other gateways of a failure: its address and account keys.
    peers: OnceLock<PeerSink>,
}

type PeerSink = Box<dyn Fn(&PeerFailure) + Send + Sync>;

/// A failure one gateway counted, as the others hear of it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PeerFailure {
    address: String,
    account: String,
}

/// One attempt, counted as a failure until it is known to have succeeded.
/// An attempt whose request is dropped mid-way stays counted: a client that
/// disconnects must not get its guess back.
#[must_use = "say how the attempt ended, or it counts as a failure"]
pub(crate) struct Attempt {
    address: String,
    account: String,
    at: Instant,
    /// How long to wait before judging this attempt.
    pub delay: Duration,
}

/// Keys idle this long are forgotten once the map grows, to bound memory.
const PRUNE_ABOVE: usize = 10_000;
/// An email has at most 254 characters: a longer "account" must not grow memory.
const MAX_KEY: usize = 270;
/// The first step of the delay an address meets after a failure; it doubles
/// with each further failure, up to `MAX_DELAY`. Short enough that a person
/// who mistyped barely notices, long enough that parallel guesses queue up.
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// The delay before judging an attempt from an address with `failures` recent failures.
fn delay_after(failures: usize) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => {
            let doublings = u32::try_from(n - 1).unwrap_or(u32::MAX).min(16);
            FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
        }
    }
}

impl LoginLimiter {
    pub(crate) fn new(limits: LoginLimits) -> Self {
        Self {
            limits,
            attempts: Mutex::default(),
            peers: OnceLock::new(),
        }
    }

    /// From now on, every failure counted here is also given to `sink`.
    pub(crate) fn tell_peers(&self, sink: impl Fn(&PeerFailure) + Send + Sync + 'static) {
        let _ = self.peers.set(Box::new(sink));
    }

    /// Counts a failure another gateway counted, as if it were made here now.
    pub(crate) fn count_peer_failure(&self, failure: &PeerFailure) {
        let now = Instant::now();
        self.with(|attempts| {
            for key in [&failure.address, &failure.account] {
                if key.len() <= MAX_KEY + 8 {
                    attempts.entry(key.clone()).or_default().push_back(now);
                }
            }
        });
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, VecDeque<Instant>>) -> T) -> T {
        let mut attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut attempts)
    }

    /// Counts an attempt for `account` (an email as typed, or a user id) from
    /// `address`, or refuses with how long to wait when either has used up its
    /// attempts. Checking and counting happen under one lock, so no number of
    /// parallel attempts gets past the limits.
    pub(crate) fn begin(&self, address: IpAddr, account: &str) -> Result<Attempt, Duration> {
        let address = format!("address:{address}");
        let account: String = format!("account:{}", account.trim().to_lowercase())
            .chars()
            .take(MAX_KEY)
            .collect();
        let now = Instant::now();
        let window = self.limits.window;
        self.with(|attempts| {
            if attempts.len() > PRUNE_ABOVE {
                attempts.retain(|_, times| {
                    times
                        .back()
                        .is_some_and(|at| now.duration_since(*at) < window)
                });
            }
            let mut wait = Duration::ZERO;
            let mut recent = [0, 0];
            for (n, (key, limit)) in [
                (&address, self.limits.per_address),
                (&account, self.limits.per_account),
            ]
            .into_iter()
            .enumerate()
            {
                let Some(times) = attempts.get_mut(key) else {
                    continue;
                };
                while times
                    .front()
                    .is_some_and(|at| now.duration_since(*at) >= window)
                {
                    times.pop_front();
                }
                recent[n] = times.len();
                if times.len() >= limit as usize
                    && let Some(oldest) = times.front()
                {
                    wait = wait.max(window.saturating_sub(now.duration_since(*oldest)));
                }
            }
            if !wait.is_zero() {
                return Err(wait);
            }
            for key in [&address, &account] {
                attempts.entry(key.clone()).or_default().push_back(now);
            }
            Ok(Attempt {
                address,
                account,
                at: now,
                delay: delay_after(recent[0]),
            })
        })
    }

    /// The password was wrong: the attempt stays counted, here and (on a
    /// split site) at every other gateway.
    pub(crate) fn failed(&self, attempt: Attempt) {
        if let Some(sink) = self.peers.get() {
            sink(&PeerFailure {
                address: attempt.address,
                account: attempt.account,
            });
        }
    }

    /// The password was right: the account's earlier failures are forgiven
    /// (not the address's), and this attempt no longer counts against the address.
    pub(crate) fn succeeded(&self, attempt: Attempt) {
        self.with(|attempts| {
            if let Some(times) = attempts.get_mut(&attempt.account) {
                times.retain(|at| *at > attempt.at);
            }
            remove_one(attempts, &attempt.address, attempt.at);
        });
    }

    /// The password was never judged (auth was unavailable, say): the attempt
    /// is given back.
    pub(crate) fn abandoned(&self, attempt: Attempt) {
        self.with(|attempts| {
            remove_one(attempts, &attempt.account, attempt.at);
            remove_one(attempts, &attempt.address, attempt.at);
        });
    }
}

fn remove_one(attempts: &mut HashMap<String, VecDeque<Instant>>, key: &str, at: Instant) {
    if let Some(times) = attempts.get_mut(key)
        && let Some(index) = times.iter().position(|t| *t == at)
    {
        times.remove(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_from_the_second_attempt_and_stays_short() {
        let delays: Vec<_> = (0..8).map(delay_after).collect();
        assert_eq!(delays[0], Duration::ZERO);
        assert_eq!(delays[1], FIRST_DELAY);
        assert_eq!(delays[2], FIRST_DELAY * 2);
        assert!(delays.iter().all(|d| *d <= MAX_DELAY));
        assert_eq!(delay_after(usize::MAX), MAX_DELAY);
    }
}
