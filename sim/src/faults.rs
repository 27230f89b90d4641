//! Link impairment for one aircraft: seeded random frame loss and a fixed latency, applied
//! separately to each direction by the network layer.

use std::time::Duration;

use crate::config::Faults;

/// Loss and latency of one aircraft's link.
pub struct LinkFaults {
    loss: f64,
    latency: Duration,
    rng: fastrand::Rng,
}

impl LinkFaults {
    /// Faults for aircraft `index`, with a random stream derived from `seed`.
    pub fn new(faults: &Faults, seed: u64, index: usize) -> Self {
        Self {
            loss: faults.loss.clamp(0.0, 1.0),
            latency: Duration::from_millis(faults.latency_ms),
            rng: fastrand::Rng::with_seed(seed ^ 0x5EED_0000_0000_0000 ^ index as u64),
        }
    }

    /// Whether the next frame is lost.
    pub fn lose(&mut self) -> bool {
        self.loss > 0.0 && self.rng.f64() < self.loss
    }

    /// Delay to apply to every frame (zero for none).
    pub fn latency(&self) -> Duration {
        self.latency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_rate_matches_probability_and_is_seeded() {
        let f = Faults {
            loss: 0.3,
            ..Default::default()
        };
        let mut a = LinkFaults::new(&f, 7, 0);
        let mut b = LinkFaults::new(&f, 7, 0);
        let lost: Vec<bool> = (0..10_000).map(|_| a.lose()).collect();
        let again: Vec<bool> = (0..10_000).map(|_| b.lose()).collect();
        assert_eq!(lost, again, "same seed, same losses");
        let rate = lost.iter().filter(|x| **x).count() as f64 / 10_000.0;
        assert!((rate - 0.3).abs() < 0.02, "{rate}");
        let mut none = LinkFaults::new(&Faults::default(), 7, 0);
        assert!((0..1000).all(|_| !none.lose()));
    }
}
