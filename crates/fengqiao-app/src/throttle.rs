//! Throttling of what can be guessed or flooded: counts events per key over a window and locks a
//! key for a while once it has had too many — longer each time, but never for more than
//! [`MAX_LOCK`], so an attacker can slow a real user down but never lock them out for good.
//!
//! Logins count failures per (account, address), per address and per account; a real user at
//! their own address is held back by the account-wide limit only, which is high and short. The
//! citizen's status lookup counts wrong phone tails per case and per address; anonymous reports
//! count every report per address.

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
pub(crate) struct Limit {
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
/// Wrong phone tails for one case: ten, then locked (10,000 tails cannot be tried).
pub(crate) const CASE_TAIL: Limit = Limit {
    allowed: 10,
    first_lock: Duration::minutes(5),
};
/// Wrong phone tails from one address, over any cases.
pub(crate) const ADDRESS_TAIL: Limit = Limit {
    allowed: 30,
    first_lock: Duration::minutes(5),
};
/// Anonymous reports from one address.
pub(crate) const ADDRESS_REPORTS: Limit = Limit {
    allowed: 10,
    first_lock: Duration::minutes(2),
};

/// Counts and locks per key; see the module's documentation.
#[derive(Default)]
pub(crate) struct Throttle {
    keys: Mutex<HashMap<String, Failures>>,
}

/// The keys a login is counted under.
pub(crate) fn login_keys(username: &str, from: Option<&str>) -> Vec<(String, Limit)> {
    let account = username.trim().to_lowercase();
    let mut out = vec![(format!("a\u{1f}{account}"), ACCOUNT)];
    if let Some(addr) = from {
        out.push((format!("p\u{1f}{account}\u{1f}{addr}"), PAIR));
        out.push((format!("i\u{1f}{addr}"), ADDRESS));
    }
    out
}

/// The keys a successful login clears: its account's, not its address's.
pub(crate) fn account_keys(keys: &[(String, Limit)]) -> Vec<(String, Limit)> {
    keys.iter()
        .filter(|(k, _)| !k.starts_with("i\u{1f}"))
        .cloned()
        .collect()
}

impl Throttle {
    /// When the next attempt under these keys may be made, if not now.
    pub(crate) fn locked_until(
        &self,
        keys: &[(String, Limit)],
        now: Timestamp,
    ) -> Option<Timestamp> {
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.iter()
            .filter_map(|(k, _)| map.get(k).and_then(|f| f.locked_until))
            .filter(|until| *until > now)
            .max()
    }

    /// Counts one event under each key; returns the lock it caused, if any.
    pub(crate) fn count(&self, keys: &[(String, Limit)], now: Timestamp) -> Option<Timestamp> {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            let cutoff = now - Duration::minutes(WINDOW_MINUTES);
            map.retain(|_, f| f.first_at > cutoff || f.locked_until.is_some_and(|u| u > now));
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let mut lock = None;
        for (key, limit) in keys {
            let f = map.entry(key.clone()).or_insert(Failures {
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

    /// Forgets what was counted under these keys (a successful login, for its account).
    pub(crate) fn clear(&self, keys: &[(String, Limit)]) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in keys {
            map.remove(key);
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
        let th = Throttle::default();
        let keys = login_keys("op", Some("192.0.2.7"));
        for _ in 0..5 {
            assert_eq!(th.count(&keys, t0()), None);
        }
        let first = th.count(&keys, t0()).unwrap();
        assert_eq!(first - t0(), Duration::minutes(1));
        assert_eq!(th.locked_until(&keys, t0()), Some(first));
        let elsewhere = login_keys("op", Some("198.51.100.1"));
        assert_eq!(th.locked_until(&elsewhere, t0()), None, "another address");
        let mut last = first;
        for _ in 0..30 {
            last = th.count(&keys, t0()).unwrap();
        }
        assert!(last - t0() <= MAX_LOCK, "{}", last - t0());
        let later = t0() + MAX_LOCK + Duration::seconds(1);
        assert_eq!(th.locked_until(&keys, later), None);
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let th = Throttle::default();
        let keys = login_keys("op", Some("192.0.2.7"));
        for _ in 0..21 {
            th.count(&keys, t0());
        }
        th.clear(&account_keys(&keys));
        assert_eq!(
            th.locked_until(&login_keys("op", None), t0()),
            None,
            "the account is clear"
        );
        assert!(
            th.locked_until(&login_keys("someone", Some("192.0.2.7")), t0())
                .is_some(),
            "an address that failed twenty times stays slowed"
        );
    }
}
