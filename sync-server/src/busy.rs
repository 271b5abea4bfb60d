//! Caps on requests that carry a body (record batches, evidence chunks):
//! at most [`PER_DEVICE`] at once for one device and [`TOTAL`] in all, so
//! a terminal with stale connections, or many terminals at once, cannot
//! fill the server's memory or its blocking threads. Over a cap the
//! request is answered at once (429), never queued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use fieldcase_shared::keys::DeviceId;
use fieldcase_shared::wire::ErrorCode;

use crate::api::Failure;

/// Body-carrying requests of one device at once.
pub const PER_DEVICE: usize = 4;
/// Body-carrying requests in all at once.
pub const TOTAL: usize = 32;

/// The counts.
#[derive(Debug, Default)]
pub struct Busy {
    inner: Mutex<(HashMap<DeviceId, usize>, usize)>,
}

/// Held while a request runs; frees its place when dropped.
#[derive(Debug)]
pub struct Slot {
    busy: Arc<Busy>,
    device: DeviceId,
}

impl Busy {
    /// A place for one more request of `device`, or a 429 saying why not.
    pub fn enter(self: &Arc<Self>, device: DeviceId) -> Result<Slot, Failure> {
        let mut g = self
            .inner
            .lock()
            .map_err(|_| Failure::internal("busy lock poisoned"))?;
        let (per, total) = &mut *g;
        let mine = per.entry(device).or_default();
        if *mine >= PER_DEVICE || *total >= TOTAL {
            let why = if *mine >= PER_DEVICE {
                format!("{PER_DEVICE} uploads of this device are under way already")
            } else {
                format!("the server has {TOTAL} uploads under way")
            };
            return Err(Failure::new(
                ErrorCode::RateLimited,
                format!("{why}; wait a few seconds and sync again"),
            ));
        }
        *mine += 1;
        *total += 1;
        Ok(Slot {
            busy: self.clone(),
            device,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut g) = self.busy.inner.lock() {
            let (per, total) = &mut *g;
            if let Some(n) = per.get_mut(&self.device) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    per.remove(&self.device);
                }
            }
            *total = total.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn places_are_capped_and_freed() {
        let b = Arc::new(Busy::default());
        let dev: DeviceId = "0123456789abcdef0123456789abcdef".parse().unwrap();
        let held: Vec<Slot> = (0..PER_DEVICE).map(|_| b.enter(dev).unwrap()).collect();
        assert!(b.enter(dev).is_err());
        drop(held);
        assert!(b.enter(dev).is_ok());
    }
}
