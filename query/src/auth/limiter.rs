//! Failed-login rate limiting per client IP.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// A source of "now" (tests inject a manual clock).
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// `[http] auth-failure-*` settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimiterConfig {
    /// Failures within `window` that block the client; 0 disables the limiter.
    pub max_failures: u32,
    pub window: Duration,
    /// How long a blocked client is refused (429) before it may try again.
    pub block: Duration,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            max_failures: 5,
            window: Duration::from_secs(60),
            block: Duration::from_secs(60),
        }
    }
}

#[derive(Clone, Copy)]
struct Entry {
    first_failure: Instant,
    failures: u32,
    blocked_until: Option<Instant>,
}

/// Counts failed logins per IP. A client with `max_failures` failures within `window` (counted
/// from its first failure) is blocked for `block`; a success clears its record.
pub struct FailureLimiter {
    config: LimiterConfig,
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

/// Most clients remembered; beyond it expired records are dropped first, then all.
const MAX_TRACKED: usize = 65_536;

impl FailureLimiter {
    pub fn new(config: LimiterConfig, clock: Arc<dyn Clock>) -> FailureLimiter {
        FailureLimiter {
            config,
            clock,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(remaining)` while `ip` is blocked.
    pub fn blocked(&self, ip: IpAddr) -> Option<Duration> {
        if self.config.max_failures == 0 {
            return None;
        }
        let now = self.clock.now();
        let e = self.entries.lock();
        let until = e.get(&ip)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    /// Records a failed login of `ip`.
    pub fn failure(&self, ip: IpAddr) {
        if self.config.max_failures == 0 {
            return;
        }
        let now = self.clock.now();
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_TRACKED && !entries.contains_key(&ip) {
            let window = self.config.window;
            entries.retain(|_, e| {
                now.duration_since(e.first_failure) < window
                    || e.blocked_until.is_some_and(|u| u > now)
            });
            if entries.len() >= MAX_TRACKED {
                entries.clear();
            }
        }
        let e = entries.entry(ip).or_insert(Entry {
            first_failure: now,
            failures: 0,
            blocked_until: None,
        });
        let expired_block = e.blocked_until.is_some_and(|u| u <= now);
        if expired_block || now.duration_since(e.first_failure) >= self.config.window {
            *e = Entry {
                first_failure: now,
                failures: 0,
                blocked_until: None,
            };
        }
        e.failures += 1;
        if e.failures >= self.config.max_failures {
            e.blocked_until = Some(now + self.config.block);
        }
    }

    /// Records a successful login of `ip`: its failures are forgotten.
    pub fn success(&self, ip: IpAddr) {
        self.entries.lock().remove(&ip);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A clock tests move by hand.
    pub(crate) struct ManualClock(Mutex<Instant>);

    impl ManualClock {
        pub(crate) fn new() -> Arc<ManualClock> {
            Arc::new(ManualClock(Mutex::new(Instant::now())))
        }
        pub(crate) fn advance(&self, d: Duration) {
            *self.0.lock() += d;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            *self.0.lock()
        }
    }

    fn limiter(clock: &Arc<ManualClock>) -> FailureLimiter {
        FailureLimiter::new(
            LimiterConfig {
                max_failures: 3,
                window: Duration::from_secs(60),
                block: Duration::from_secs(30),
            },
            Arc::clone(clock) as Arc<dyn Clock>,
        )
    }

    #[test]
    fn blocks_after_max_failures_then_releases() {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        let ip: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        l.failure(ip);
        l.failure(ip);
        assert_eq!(l.blocked(ip), None);
        l.failure(ip);
        assert_eq!(l.blocked(ip), Some(Duration::from_secs(30)));
        assert_eq!(l.blocked(other), None, "limits are per client");
        clock.advance(Duration::from_secs(29));
        assert!(l.blocked(ip).is_some());
        clock.advance(Duration::from_secs(1));
        assert_eq!(l.blocked(ip), None);
        // After the block a fresh window starts: one failure does not block again.
        l.failure(ip);
        assert_eq!(l.blocked(ip), None);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        let ip: IpAddr = [10, 0, 0, 1].into();
        l.failure(ip);
        l.failure(ip);
        clock.advance(Duration::from_secs(60));
        l.failure(ip);
        assert_eq!(l.blocked(ip), None);
    }

    #[test]
    fn success_resets() {
        let clock = ManualClock::new();
        let l = limiter(&clock);
        let ip: IpAddr = [10, 0, 0, 1].into();
        l.failure(ip);
        l.failure(ip);
        l.success(ip);
        l.failure(ip);
        l.failure(ip);
        assert_eq!(l.blocked(ip), None);
    }

    #[test]
    fn zero_disables() {
        let l = FailureLimiter::new(
            LimiterConfig {
                max_failures: 0,
                ..LimiterConfig::default()
            },
            Arc::new(MonotonicClock),
        );
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..100 {
            l.failure(ip);
        }
        assert_eq!(l.blocked(ip), None);
    }
}
