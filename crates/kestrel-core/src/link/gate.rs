//! Per-source rate accounting: a flood of frames from one system id (a rogue transmitter, a
//! looping router) is cut off at the link before it is decoded, so real aircraft on the same link
//! keep being heard. Real autopilots send a few hundred frames a second at most.

use std::time::Instant;

/// Frames per second one system id may send on one link before the excess is dropped.
pub const DEFAULT_LIMIT_PER_SEC: u32 = 2000;

/// Counts frames per system id in one-second windows.
#[derive(Debug)]
pub struct SourceGate {
    limit: u32,
    epoch: Instant,
    counts: Box<[(u32, u32); 256]>,
}

impl SourceGate {
    /// A gate letting each system id through at up to `limit` frames per second.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            epoch: Instant::now(),
            counts: Box::new([(u32::MAX, 0); 256]),
        }
    }

    /// Whether a frame from `sysid` arriving at `now` is let through.
    #[inline]
    pub fn admit(&mut self, sysid: u8, now: Instant) -> bool {
        let window = now.saturating_duration_since(self.epoch).as_secs() as u32;
        let slot = &mut self.counts[sysid as usize];
        if slot.0 != window {
            *slot = (window, 0);
        }
        slot.1 = slot.1.saturating_add(1);
        slot.1 <= self.limit
    }
}

impl Default for SourceGate {
    fn default() -> Self {
        Self::new(DEFAULT_LIMIT_PER_SEC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_flooding_source_is_cut_and_others_pass() {
        let mut g = SourceGate::new(100);
        let t = Instant::now();
        let admitted = (0..1000).filter(|_| g.admit(200, t)).count();
        assert_eq!(admitted, 100);
        assert!(g.admit(1, t));
        assert!(g.admit(200, t + Duration::from_secs(1)));
    }
}
