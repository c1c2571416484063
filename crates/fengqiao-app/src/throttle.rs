//! Failed-login throttling: counts failures per (account, address), per address and per
//! account over a window, and locks a key for a while once it has failed too often — longer
//! each time, but never for more than [`MAX_LOCK`], so an attacker can slow a real user down but
//! never lock them out for good. A real user at their own address is held back by the
//! account-wide limit only, which is high and short.

use crate::Timestamp;
use chrono::Duration;
use std::collections::HashMap;
use std::sync::Mutex;

/// How far back failures count.
const WINDOW_MINUTES: i64 = 15;
/// The longest any lock lasts.
const MAX_LOCK: Duration = Duration::minutes(15);
/// Most keys remembered; the oldest quiet ones are forgotten first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first_at: Timestamp,
    locked_until: Option<Timestamp>,
}

/// One limit: failures allowed within the window before the key is locked, and the first lock.
#[derive(Debug, Clone, Copy)]
struct Limit {
    allowed: u32,
    first_lock: Duration,
}

const PAIR: Limit = Limit {
    allowed: 5,
    first_lock: Duration::minutes(1),
};
const ADDRESS: Limit = Limit {
    allowed: 20,
    first_lock: Duration::minutes(1),
};
const ACCOUNT: Limit = Limit {
    allowed: 50,
    first_lock: Duration::seconds(30),
};

#[derive(Default)]
pub(crate) struct LoginThrottle {
    keys: Mutex<HashMap<String, Failures>>,
}

fn keys(username: &str, from: Option<&str>) -> Vec<(String, Limit)> {
    let account = username.trim().to_lowercase();
    let mut out = vec![(format!("a\u{1f}{account}"), ACCOUNT)];
    if let Some(addr) = from {
        out.push((format!("p\u{1f}{account}\u{1f}{addr}"), PAIR));
        out.push((format!("i\u{1f}{addr}"), ADDRESS));
    }
    out
}

impl LoginThrottle {
    /// When a login for this account from this address may next be tried, if not now.
    pub(crate) fn locked_until(
        &self,
        username: &str,
        from: Option<&str>,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys(username, from)
            .iter()
            .filter_map(|(k, _)| map.get(k).and_then(|f| f.locked_until))
            .filter(|until| *until > now)
            .max()
    }

    /// Counts a failed login; returns the lock it caused, if any.
    pub(crate) fn failed(
        &self,
        username: &str,
        from: Option<&str>,
        now: Timestamp,
    ) -> Option<Timestamp> {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            let cutoff = now - Duration::minutes(WINDOW_MINUTES);
            map.retain(|_, f| f.first_at > cutoff || f.locked_until.is_some_and(|u| u > now));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let mut lock = None;
        for (key, limit) in keys(username, from) {
            let f = map.entry(key).or_insert(Failures {
                count: 0,
                first_at: now,
                locked_until: None,
            });
            if now - f.first_at > Duration::minutes(WINDOW_MINUTES) {
                *f = Failures {
                    count: 0,
                    first_at: now,
                    locked_until: None,
                };
            }
            f.count += 1;
            if f.count > limit.allowed {
                let doublings = (f.count - limit.allowed - 1).min(10);
                let length = (limit.first_lock * 2i32.pow(doublings)).min(MAX_LOCK);
                let until = now + length;
                f.locked_until = Some(until);
                lock = lock.max(Some(until));
            }
        }
        lock
    }

    /// A successful login clears what was counted against this account from this address.
    pub(crate) fn succeeded(&self, username: &str, from: Option<&str>) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in keys(username, from) {
            if !key.starts_with("i\u{1f}") {
                map.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap()
    }

    #[test]
    fn five_failures_lock_the_pair_for_a_minute_then_longer_but_never_forever() {
        let th = LoginThrottle::default();
        let from = Some("192.0.2.7");
        for _ in 0..5 {
            assert_eq!(th.failed("op", from, t0()), None);
        }
        let first = th.failed("op", from, t0()).unwrap();
        assert_eq!(first - t0(), Duration::minutes(1));
        assert_eq!(th.locked_until("op", from, t0()), Some(first));
        assert_eq!(
            th.locked_until("op", Some("198.51.100.1"), t0()),
            None,
            "another address"
        );
        let mut last = first;
        for _ in 0..30 {
            last = th.failed("op", from, t0()).unwrap();
        }
        assert!(last - t0() <= MAX_LOCK, "{}", last - t0());
        assert_eq!(
            th.locked_until("op", from, t0() + MAX_LOCK + Duration::seconds(1)),
            None
        );
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let th = LoginThrottle::default();
        for _ in 0..21 {
            th.failed("op", Some("192.0.2.7"), t0());
        }
        th.succeeded("op", Some("192.0.2.7"));
        assert!(
            th.locked_until("someone", Some("192.0.2.7"), t0())
                .is_some(),
            "an address that failed twenty times stays slowed"
        );
    }
}
