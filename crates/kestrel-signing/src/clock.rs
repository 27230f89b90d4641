//! The signing clock: timestamps count 10 µs units since 2015-01-01 00:00 UTC, and the ones a
//! sender puts on its frames must only ever increase, even when the wall clock steps back.

/// Unix time of the signing epoch, 2015-01-01 00:00:00 UTC.
const EPOCH_2015_UNIX_S: u64 = 1_420_070_400;

/// The signing timestamp of the wall clock now: 10 µs units since 2015-01-01 (0 if the system
/// clock is set before that).
pub fn timestamp_now() -> u64 {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    us.saturating_sub(EPOCH_2015_UNIX_S * 1_000_000) / 10
}

/// Hands out signing timestamps that only ever increase, even across restarts when a floor from
/// persisted state is given.
#[derive(Debug, Clone)]
pub struct SigningClock {
    last: u64,
}

impl SigningClock {
    /// A clock that will never hand out a timestamp at or below `floor`.
    pub fn new(floor: u64) -> Self {
        Self { last: floor }
    }

    /// The next timestamp: now, or one more than the last if the wall clock is behind it.
    pub fn tick(&mut self) -> u64 {
        self.last = timestamp_now().max(self.last.saturating_add(1));
        self.last
    }

    /// The last timestamp handed out (or the floor, before the first tick).
    pub fn last(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_increase_even_when_the_floor_is_ahead_of_the_wall_clock() {
        let ahead = timestamp_now() + 1_000_000;
        let mut c = SigningClock::new(ahead);
        let a = c.tick();
        let b = c.tick();
        assert_eq!(a, ahead + 1);
        assert_eq!(b, ahead + 2);
        assert_eq!(c.last(), b);
    }

    #[test]
    fn a_fresh_clock_follows_the_wall_clock() {
        let before = timestamp_now();
        let t = SigningClock::new(0).tick();
        assert!(t >= before && t <= timestamp_now());
        // 2015 is long gone: the timestamp is more than ten years of 10 µs units.
        assert!(t > 10 * 365 * 24 * 3600 * 100_000);
    }
}
