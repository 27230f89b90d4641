//! Round-trip time estimation for stop-and-wait transfers (Jacobson/Karels, as TCP does), so the
//! mission protocol resends a lost item after about one round trip instead of a fixed quarter
//! second: on a lossy radio link that is what keeps a 500-item upload near its lossless time.

use std::time::Duration;

/// Smoothed round-trip time and its variation.
#[derive(Debug, Clone, Copy)]
pub struct RttEstimator {
    srtt: Option<f64>,
    rttvar: f64,
    floor: Duration,
    ceiling: Duration,
}

impl RttEstimator {
    /// An estimator whose timeouts stay within `floor..=ceiling`; until it has a sample it answers
    /// `ceiling`.
    pub fn new(floor: Duration, ceiling: Duration) -> Self {
        Self {
            srtt: None,
            rttvar: 0.0,
            floor,
            ceiling: ceiling.max(floor),
        }
    }

    /// Adds one measured round trip (only from exchanges that were not resent: Karn's rule).
    pub fn sample(&mut self, rtt: Duration) {
        let r = rtt.as_secs_f64();
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2.0;
            }
            Some(s) => {
                self.rttvar = 0.75 * self.rttvar + 0.25 * (s - r).abs();
                self.srtt = Some(0.875 * s + 0.125 * r);
            }
        }
    }

    /// How long to wait before resending.
    pub fn timeout(&self) -> Duration {
        match self.srtt {
            None => self.ceiling,
            Some(s) => {
                // A little slack over srtt + 4·rttvar absorbs scheduling jitter on a busy machine.
                let t = s * 1.1 + 4.0 * self.rttvar + 0.002;
                Duration::from_secs_f64(t).clamp(self.floor, self.ceiling)
            }
        }
    }

    /// The smoothed round trip, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt.map(Duration::from_secs_f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converges_to_a_steady_link_and_respects_bounds() {
        let mut e = RttEstimator::new(Duration::from_millis(10), Duration::from_millis(250));
        assert_eq!(e.timeout(), Duration::from_millis(250));
        for _ in 0..50 {
            e.sample(Duration::from_millis(50));
        }
        let t = e.timeout();
        assert!(
            t > Duration::from_millis(50) && t < Duration::from_millis(65),
            "{t:?}"
        );
        for _ in 0..50 {
            e.sample(Duration::from_micros(100));
        }
        assert_eq!(e.timeout(), Duration::from_millis(10));
        for _ in 0..50 {
            e.sample(Duration::from_secs(2));
        }
        assert_eq!(e.timeout(), Duration::from_millis(250));
    }
}
