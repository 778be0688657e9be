//! Slowing down password guessing on the sign-in form.
//!
//! Failed sign-ins are counted under three keys, each with its own limits:
//!
//! | key | free failures | longest wait | stops |
//! |---|---|---|---|
//! | the account **and** the client address | 5 | 15 minutes | one attacker guessing one person's password |
//! | the client address | 20 | 15 minutes | one attacker trying one password on many accounts |
//! | the account, from anywhere | 20 | 5 minutes | guessing spread over many addresses |
//!
//! After a key's free failures each further failure doubles its wait (1 s,
//! 2 s, 4 s… up to the longest), and while a key is waiting every attempt it
//! covers is refused *before* the password is checked, the right password
//! included: otherwise the wait would only slow the wrong guesses. A
//! success clears the account's keys. This is throttling, not a lockout, as
//! the NCSC's password guidance recommends: the account-wide wait is short
//! and capped, so someone guessing from elsewhere cannot keep the real
//! person out for long, while the person's own address has its own count.
//!
//! The counts live in this process's memory (several `civic serve`
//! processes each keep their own) and are bounded: at most
//! [`MAX_TRACKED`] keys, the quietest forgotten first; a key with no
//! failure for an hour is forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys kept; past this the stalest are dropped.
pub const MAX_TRACKED: usize = 100_000;

/// How long a key's count is kept after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// One kind of key's limits.
#[derive(Debug, Clone, Copy)]
struct Limit {
    free: u32,
    longest: Duration,
}

const PAIR: Limit = Limit {
    free: 5,
    longest: Duration::from_secs(15 * 60),
};
const ADDRESS: Limit = Limit {
    free: 20,
    longest: Duration::from_secs(15 * 60),
};
const ACCOUNT: Limit = Limit {
    free: 20,
    longest: Duration::from_secs(5 * 60),
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Pair(String, IpAddr),
    Address(IpAddr),
    Account(String),
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
    until: Instant,
}

/// Which limit refused an attempt, for the log (never the address or the
/// account's e-mail address: both are personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This account from this address.
    AccountFromAddress,
    /// This address, whatever the account.
    Address,
    /// This account, from anywhere.
    Account,
}

impl Scope {
    /// The scope's name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::AccountFromAddress => "account_from_address",
            Scope::Address => "address",
            Scope::Account => "account",
        }
    }
}

/// A refused attempt: how long to wait, and which limit it hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// Time left before another attempt is checked.
    pub retry_after: Duration,
    /// The limit that was hit.
    pub scope: Scope,
}

/// The failed sign-ins of this process.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    counts: Mutex<HashMap<Key, Count>>,
}

impl SignInThrottle {
    /// Whether an attempt for `account` (a normalised e-mail address) from
    /// `address` may be checked now; `Err` says how long to wait.
    pub fn check(&self, account: &str, address: Option<IpAddr>, now: Instant) -> Result<(), Wait> {
        let counts = self.lock();
        let mut longest: Option<Wait> = None;
        for (key, scope) in keys(account, address) {
            if let Some(c) = counts.get(&key)
                && c.until > now
            {
                let retry_after = c.until - now;
                if longest.is_none_or(|w| w.retry_after < retry_after) {
                    longest = Some(Wait { retry_after, scope });
                }
            }
        }
        longest.map_or(Ok(()), Err)
    }

    /// Counts a failed attempt; returns the wait it starts, if any.
    pub fn failed(&self, account: &str, address: Option<IpAddr>, now: Instant) -> Option<Wait> {
        let mut counts = self.lock();
        if counts.len() >= MAX_TRACKED {
            forget_stale(&mut counts, now);
        }
        let mut longest: Option<Wait> = None;
        for (key, scope) in keys(account, address) {
            let limit = match scope {
                Scope::AccountFromAddress => PAIR,
                Scope::Address => ADDRESS,
                Scope::Account => ACCOUNT,
            };
            let c = counts.entry(key).or_insert(Count {
                failures: 0,
                last: now,
                until: now,
            });
            if now.duration_since(c.last) > FORGET_AFTER {
                c.failures = 0;
            }
            c.failures = c.failures.saturating_add(1);
            c.last = now;
            if c.failures > limit.free {
                let wait = backoff(c.failures - limit.free, limit.longest);
                c.until = now + wait;
                if longest.is_none_or(|w| w.retry_after < wait) {
                    longest = Some(Wait {
                        retry_after: wait,
                        scope,
                    });
                }
            }
        }
        longest
    }

    /// Clears the account's counts after a successful sign-in (the
    /// address's own count stays: it may be guessing other accounts).
    pub fn succeeded(&self, account: &str, address: Option<IpAddr>) {
        let mut counts = self.lock();
        counts.remove(&Key::Account(account.to_owned()));
        if let Some(a) = address {
            counts.remove(&Key::Pair(account.to_owned(), a));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Count>> {
        // The map holds counts only: one left by a panicking thread is still usable.
        self.counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn keys(account: &str, address: Option<IpAddr>) -> Vec<(Key, Scope)> {
    let mut keys = vec![(Key::Account(account.to_owned()), Scope::Account)];
    if let Some(a) = address {
        keys.push((Key::Pair(account.to_owned(), a), Scope::AccountFromAddress));
        keys.push((Key::Address(a), Scope::Address));
    }
    keys
}

/// 1 s for the first failure past the free ones, doubling, capped.
fn backoff(over: u32, longest: Duration) -> Duration {
    let secs = 1u64.checked_shl(over.saturating_sub(1)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(longest)
}

/// Drops counts with no failure for an hour and, if that is not enough,
/// the stalest half, so the map cannot grow without bound.
fn forget_stale(counts: &mut HashMap<Key, Count>, now: Instant) {
    // A wait never outlasts its last failure by more than the longest wait
    // (15 minutes), so a count an hour old holds nobody up.
    counts.retain(|_, c| now.duration_since(c.last) <= FORGET_AFTER);
    if counts.len() >= MAX_TRACKED {
        let mut lasts: Vec<Instant> = counts.values().map(|c| c.last).collect();
        lasts.sort_unstable();
        let cut = lasts[lasts.len() / 2];
        counts.retain(|_, c| c.last > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHO: &str = "jo@example.org";

    fn ip(last: u8) -> Option<IpAddr> {
        Some(IpAddr::from([192, 0, 2, last]))
    }

    #[test]
    fn five_free_failures_then_doubling_waits_from_one_address() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..5 {
            assert_eq!(t.check(WHO, ip(1), now), Ok(()));
            assert_eq!(t.failed(WHO, ip(1), now), None);
        }
        let wait = t.failed(WHO, ip(1), now).map(|w| (w.retry_after, w.scope));
        assert_eq!(
            wait,
            Some((Duration::from_secs(1), Scope::AccountFromAddress))
        );
        assert!(
            t.check(WHO, ip(1), now).is_err(),
            "the right password waits too"
        );
        let later = now + Duration::from_secs(1);
        assert_eq!(t.check(WHO, ip(1), later), Ok(()));
        let wait = t.failed(WHO, ip(1), later).map(|w| w.retry_after);
        assert_eq!(wait, Some(Duration::from_secs(2)));
    }

    #[test]
    fn another_address_is_not_held_up_by_one_attackers_guesses() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..10 {
            t.failed(WHO, ip(66), now);
        }
        assert!(t.check(WHO, ip(66), now).is_err());
        assert_eq!(t.check(WHO, ip(7), now), Ok(()), "the person's own address");
    }

    #[test]
    fn the_account_wait_is_capped_at_five_minutes() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        // Guesses from many addresses: only the account-wide count grows.
        let mut last = None;
        for i in 0..200u8 {
            last = t.failed(WHO, ip(i), now);
        }
        let last = last.map(|w| (w.scope, w.retry_after));
        assert_eq!(last, Some((Scope::Account, Duration::from_secs(300))));
        assert!(t.check(WHO, ip(250), now).is_err());
        assert_eq!(
            t.check(WHO, ip(250), now + Duration::from_secs(300)),
            Ok(())
        );
    }

    #[test]
    fn spraying_many_accounts_from_one_address_is_slowed() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for i in 0..21 {
            t.failed(&format!("user{i}@example.org"), ip(9), now);
        }
        let wait = t.check("someone-else@example.org", ip(9), now);
        assert_eq!(wait.map_err(|w| w.scope), Err(Scope::Address));
    }

    #[test]
    fn success_clears_the_account_and_failures_are_forgotten_after_an_hour() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..6 {
            t.failed(WHO, ip(1), now);
        }
        t.succeeded(WHO, ip(1));
        assert_eq!(t.check(WHO, ip(1), now), Ok(()));
        for _ in 0..5 {
            t.failed(WHO, ip(2), now);
        }
        let much_later = now + Duration::from_secs(2 * 3600);
        assert_eq!(t.failed(WHO, ip(2), much_later), None, "count restarted");
    }

    #[test]
    fn waits_double_and_stop_at_the_cap() {
        let cap = Duration::from_secs(900);
        let got: Vec<u64> = (1..=12).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }

    #[test]
    fn the_map_stays_bounded() {
        let t = SignInThrottle::default();
        let now = Instant::now();
        for i in 0..(MAX_TRACKED as u32 / 3 + 10) {
            let addr = IpAddr::from(i.to_be_bytes());
            t.failed(
                "x@example.org",
                Some(addr),
                now + Duration::from_nanos(u64::from(i)),
            );
        }
        assert!(t.lock().len() <= MAX_TRACKED);
    }
}
