//! Recent history of every aircraft — position, altitude, speed and battery sampled a few times a
//! second over the last minutes — for flown trails on the map and the telemetry plots. Fed from
//! fleet snapshots; no I/O.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::FleetSnapshot;

/// One sample of one aircraft.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Seconds since the history started (monotonic).
    pub t: f64,
    /// Latitude, degrees (NaN before a position is known).
    pub lat: f64,
    /// Longitude, degrees (NaN before a position is known).
    pub lon: f64,
    /// Altitude above home, metres.
    pub alt_rel_m: f32,
    /// Ground speed, m/s.
    pub speed_ms: f32,
    /// Battery percent (NaN when not reported).
    pub battery_pct: f32,
}

impl Sample {
    /// Whether the sample carries a position.
    pub fn has_position(&self) -> bool {
        self.lat.is_finite() && self.lon.is_finite()
    }
}

/// The samples of one aircraft, oldest first.
#[derive(Debug, Clone, Default)]
pub struct AircraftHistory {
    samples: VecDeque<Sample>,
}

impl AircraftHistory {
    /// All samples kept, oldest first.
    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }

    /// The newest sample.
    pub fn last(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// Samples not older than `window` before `now_t` (seconds on the history's clock).
    pub fn since(&self, now_t: f64, window: f64) -> impl Iterator<Item = &Sample> {
        let from = now_t - window;
        let start = self.samples.partition_point(|s| s.t < from);
        self.samples.range(start..)
    }
}

/// How often samples are taken and how long they are kept.
#[derive(Debug, Clone, Copy)]
pub struct HistoryPolicy {
    /// At most one sample per aircraft per this interval.
    pub interval: Duration,
    /// Samples older than this are dropped.
    pub keep: Duration,
}

impl Default for HistoryPolicy {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(500),
            keep: Duration::from_secs(10 * 60),
        }
    }
}

/// The history of every aircraft, keyed by system id.
#[derive(Debug, Clone)]
pub struct FleetHistory {
    started: Instant,
    policy: HistoryPolicy,
    aircraft: BTreeMap<u8, AircraftHistory>,
}

impl FleetHistory {
    /// An empty history whose clock starts at `started`.
    pub fn new(started: Instant, policy: HistoryPolicy) -> Self {
        Self {
            started,
            policy,
            aircraft: BTreeMap::new(),
        }
    }

    /// Seconds on the history's clock at `at`.
    pub fn t(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.started).as_secs_f64()
    }

    /// Records the snapshot: one sample per aircraft if its last one is at least one interval old.
    pub fn record(&mut self, snap: &FleetSnapshot) {
        let t = self.t(snap.taken_at);
        let interval = self.policy.interval.as_secs_f64();
        let keep = self.policy.keep.as_secs_f64();
        for a in &snap.aircraft {
            let h = self.aircraft.entry(a.sysid).or_default();
            // A little slack, so that telemetry arriving every 100 ms is sampled every fifth
            // time, not every fifth or sixth depending on rounding.
            if h.samples.back().is_some_and(|s| t - s.t < interval * 0.95) {
                continue;
            }
            let (lat, lon) = a
                .position
                .map(|p| (p.lat, p.lon))
                .unwrap_or((f64::NAN, f64::NAN));
            h.samples.push_back(Sample {
                t,
                lat,
                lon,
                alt_rel_m: a.alt_rel_m,
                speed_ms: a.ground_speed_ms,
                battery_pct: a.battery.percent.unwrap_or(f32::NAN),
            });
            while h.samples.front().is_some_and(|s| t - s.t > keep) {
                h.samples.pop_front();
            }
        }
    }

    /// One aircraft's history.
    pub fn get(&self, sysid: u8) -> Option<&AircraftHistory> {
        self.aircraft.get(&sysid)
    }

    /// Number of samples held over all aircraft.
    pub fn len(&self) -> usize {
        self.aircraft.values().map(|h| h.samples.len()).sum()
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Fleet;
    use crate::link::LinkId;
    use mavlink::dialects::ardupilotmega::*;

    #[test]
    fn samples_at_most_once_per_interval_and_forgets_old_ones() {
        let t0 = Instant::now();
        let mut fleet = Fleet::new();
        let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            ..Default::default()
        });
        fleet.apply(LinkId(0), 1, 1, 0, &hb, t0);
        let mut h = FleetHistory::new(
            t0,
            HistoryPolicy {
                interval: Duration::from_millis(500),
                keep: Duration::from_secs(10),
            },
        );
        for i in 0..200u32 {
            let at = t0 + Duration::from_millis(u64::from(i) * 100);
            let pos = MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
                lat: 364_560_000 + i as i32,
                lon: 1_159_850_000,
                relative_alt: (i * 100) as i32,
                ..Default::default()
            });
            fleet.apply(LinkId(0), 1, 1, i as u8, &pos, at);
            h.record(&fleet.snapshot(at));
        }
        let a = h.get(1).unwrap();
        // 20 s at 10 Hz, one sample per 0.5 s, 10 s kept.
        assert!(
            (20..=22).contains(&a.samples().len()),
            "{}",
            a.samples().len()
        );
        let last = a.last().unwrap();
        assert!(last.has_position());
        assert!((last.alt_rel_m - 19.5).abs() < 0.01, "{}", last.alt_rel_m);
        assert_eq!(a.since(last.t, 2.0).count(), 5);
    }
}
