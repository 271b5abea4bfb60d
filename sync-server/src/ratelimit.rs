//! Limits on guessing enrolment codes: per client address and for the
//! whole server, in fixed one-minute windows. A code has about 99 bits, so
//! guessing is hopeless at these rates; the limits keep it so and keep the
//! store free for real work. Counted in this process (each server of a
//! cluster limits its own share).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts one address may make per window.
pub const PER_ADDRESS: u32 = 10;
/// Failed attempts the whole server takes per window.
pub const OVERALL_FAILURES: u32 = 100;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered before expired windows are dropped.
const MAX_ADDRESSES: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

impl Window {
    fn current(&mut self, now: Instant) -> &mut u32 {
        if now.duration_since(self.start) >= WINDOW {
            *self = Window {
                start: now,
                count: 0,
            };
        }
        &mut self.count
    }

    fn wait(&self, now: Instant) -> u64 {
        WINDOW
            .saturating_sub(now.duration_since(self.start))
            .as_secs()
            .max(1)
    }
}

/// The enrolment limiter.
#[derive(Debug)]
pub struct EnrolLimiter {
    inner: Mutex<(HashMap<IpAddr, Window>, Window)>,
}

impl Default for EnrolLimiter {
    fn default() -> Self {
        let now = Instant::now();
        EnrolLimiter {
            inner: Mutex::new((
                HashMap::new(),
                Window {
                    start: now,
                    count: 0,
                },
            )),
        }
    }
}

impl EnrolLimiter {
    /// Counts an attempt from `addr`; `Err(seconds to wait)` when over a limit.
    pub fn attempt(&self, addr: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let Ok(mut g) = self.inner.lock() else {
            return Ok(());
        };
        let (map, overall) = &mut *g;
        if *overall.current(now) >= OVERALL_FAILURES {
            return Err(overall.wait(now));
        }
        let Some(addr) = addr else {
            return Ok(());
        };
        if map.len() >= MAX_ADDRESSES {
            map.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let w = map.entry(addr).or_insert(Window {
            start: now,
            count: 0,
        });
        let n = w.current(now);
        if *n >= PER_ADDRESS {
            return Err(w.wait(now));
        }
        *n += 1;
        Ok(())
    }

    /// Counts a failed attempt against the overall limit.
    pub fn failed(&self, now: Instant) {
        if let Ok(mut g) = self.inner.lock() {
            *g.1.current(now) += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_limited_and_freed_after_the_window() {
        let l = EnrolLimiter::default();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t = Instant::now();
        for _ in 0..PER_ADDRESS {
            assert!(l.attempt(Some(a), t).is_ok());
        }
        assert!(l.attempt(Some(a), t).is_err());
        assert!(l.attempt(Some(b), t).is_ok(), "other addresses go on");
        assert!(l.attempt(Some(a), t + WINDOW).is_ok());
    }

    #[test]
    fn failures_from_everywhere_are_limited_overall() {
        let l = EnrolLimiter::default();
        let t = Instant::now();
        for _ in 0..OVERALL_FAILURES {
            l.failed(t);
        }
        let wait = l.attempt(Some([10, 0, 0, 9].into()), t).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
    }
}
