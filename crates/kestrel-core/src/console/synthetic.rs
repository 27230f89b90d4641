//! A synthetic fleet for benchmarks, previews and deterministic pictures of the window: N aircraft
//! circling over Liaocheng, fed through the real fleet state as the MAVLink messages an autopilot
//! streams (heartbeat, position, attitude, battery, GPS, mission progress), at a chosen time.
//! Nothing random: the same step gives the same fleet.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::*;

use crate::fleet::Fleet;
use crate::geo::GeoPoint;
use crate::link::LinkId;
use crate::plan::mission::MissionItem;

use super::demo::{offset, patrol_altitude, patrol_route, HOME};
use super::ConsoleView;

/// A fleet of `n` aircraft flying circles, stepped by the caller.
pub struct SyntheticFleet {
    fleet: Fleet,
    n: usize,
    t0: Instant,
    seqs: Vec<u8>,
    missions: Arc<BTreeMap<u8, Arc<Vec<MissionItem>>>>,
}

impl SyntheticFleet {
    /// `n` aircraft (1..=250), their clock starting at `t0`.
    pub fn new(n: usize, t0: Instant) -> Self {
        let n = n.clamp(1, 250);
        let base = GeoPoint {
            lat: HOME.0,
            lon: HOME.1,
        };
        let missions = (0..n)
            .map(|i| {
                let sysid = (i + 1) as u8;
                (sysid, Arc::new(patrol_route(start_of(base, i, n), i, n)))
            })
            .collect();
        Self {
            fleet: Fleet::new(),
            n,
            t0,
            seqs: vec![0; n],
            missions: Arc::new(missions),
        }
    }

    /// Number of aircraft.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the fleet is empty (never: at least one aircraft).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Applies one round of telemetry from every aircraft as of `t` seconds after `t0`: what a
    /// 10 Hz stream delivers every 100 ms.
    pub fn step(&mut self, t: f64) {
        let at = self.t0 + Duration::from_secs_f64(t.max(0.0));
        let base = GeoPoint {
            lat: HOME.0,
            lon: HOME.1,
        };
        for i in 0..self.n {
            let sysid = (i + 1) as u8;
            let start = start_of(base, i, self.n);
            let alt = patrol_altitude(i);
            // Fly the patrol loop (route items 2..=7) at 10 m/s.
            let route = &self.missions[&sysid];
            let (pos, heading, leg) = along_loop(&route[2..8], 10.0 * t + 250.0 * i as f64);
            let phase = heading.to_radians();
            let battery = (95.0 - t / 30.0 - i as f64 % 7.0).max(5.0) as i8;
            let home = start;
            let msgs = [
                MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                    custom_mode: crate::fleet::modes::AUTO,
                    mavtype: MavType::MAV_TYPE_QUADROTOR,
                    autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
                    base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
                        | MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED,
                    system_status: MavState::MAV_STATE_ACTIVE,
                    mavlink_version: 3,
                }),
                MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
                    time_boot_ms: (t * 1000.0) as u32,
                    lat: (pos.lat * 1e7) as i32,
                    lon: (pos.lon * 1e7) as i32,
                    alt: ((alt + 35.0) * 1000.0) as i32,
                    relative_alt: (alt * 1000.0) as i32,
                    vx: (1000.0 * phase.cos()) as i16,
                    vy: (1000.0 * phase.sin()) as i16,
                    vz: 0,
                    hdg: (heading * 100.0) as u16,
                }),
                MavMessage::ATTITUDE(ATTITUDE_DATA {
                    roll: 0.12,
                    pitch: -0.05,
                    yaw: heading.to_radians() as f32,
                    ..Default::default()
                }),
                MavMessage::VFR_HUD(VFR_HUD_DATA {
                    groundspeed: 10.0,
                    heading: heading as i16,
                    climb: 0.0,
                    alt,
                    ..Default::default()
                }),
                MavMessage::SYS_STATUS(SYS_STATUS_DATA {
                    voltage_battery: 15_800,
                    current_battery: 1_250,
                    battery_remaining: battery,
                    ..Default::default()
                }),
                MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
                    fix_type: GpsFixType::GPS_FIX_TYPE_3D_FIX,
                    satellites_visible: 14,
                    eph: 80,
                    ..Default::default()
                }),
                MavMessage::HOME_POSITION(HOME_POSITION_DATA {
                    latitude: (home.lat * 1e7) as i32,
                    longitude: (home.lon * 1e7) as i32,
                    altitude: 35_000,
                    ..Default::default()
                }),
                MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
                    seq: 2 + ((leg + 1) % 6) as u16,
                    total: 9,
                    ..Default::default()
                }),
            ];
            for m in &msgs {
                // Each aircraft numbers its own frames, with no gaps: no loss.
                self.seqs[i] = self.seqs[i].wrapping_add(1);
                self.fleet.apply(LinkId(0), sysid, 1, self.seqs[i], m, at);
            }
        }
    }

    /// The view the window would get at `t` seconds (after the last [`SyntheticFleet::step`]).
    pub fn view(&self, t: f64, seq: u64) -> ConsoleView {
        let at = self.t0 + Duration::from_secs_f64(t.max(0.0));
        ConsoleView {
            fleet: self.fleet.snapshot(at),
            missions: self.missions.clone(),
            seq,
            ..Default::default()
        }
    }
}

/// Where an aircraft is after flying `distance_m` around the closed loop of `items` (from the
/// first), its heading in degrees and the index of the leg it is on.
fn along_loop(items: &[MissionItem], distance_m: f64) -> (GeoPoint, f64, usize) {
    let pts: Vec<GeoPoint> = items
        .iter()
        .map(|it| GeoPoint {
            lat: it.x,
            lon: it.y,
        })
        .collect();
    let leg_len = |a: GeoPoint, b: GeoPoint| {
        let (n, e) = north_east(a, b);
        n.hypot(e)
    };
    let total: f64 = (0..pts.len())
        .map(|k| leg_len(pts[k], pts[(k + 1) % pts.len()]))
        .sum();
    let mut d = distance_m.rem_euclid(total.max(1.0));
    for k in 0..pts.len() {
        let (a, b) = (pts[k], pts[(k + 1) % pts.len()]);
        let len = leg_len(a, b);
        if d <= len || k + 1 == pts.len() {
            let f = if len > 0.0 { (d / len).min(1.0) } else { 0.0 };
            let (n, e) = north_east(a, b);
            let p = offset(a, n * f, e * f);
            let heading = e.atan2(n).to_degrees().rem_euclid(360.0);
            return (p, heading, k);
        }
        d -= len;
    }
    (pts[0], 0.0, 0)
}

/// Metres north and east from `a` to `b`.
fn north_east(a: GeoPoint, b: GeoPoint) -> (f64, f64) {
    const M_PER_DEG: f64 = 111_320.0;
    (
        (b.lat - a.lat) * M_PER_DEG,
        (b.lon - a.lon) * M_PER_DEG * a.lat.to_radians().cos(),
    )
}

fn start_of(base: GeoPoint, i: usize, n: usize) -> GeoPoint {
    // Bases spread on a 150 m ring, so that homes do not overlap.
    let a = std::f64::consts::TAU * i as f64 / n as f64;
    offset(base, 150.0 * a.cos(), 150.0 * a.sin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aircraft_flies_armed_with_a_position_and_a_route() {
        let t0 = Instant::now();
        let mut f = SyntheticFleet::new(10, t0);
        f.step(0.0);
        f.step(1.0);
        let v = f.view(1.0, 1);
        assert_eq!(v.fleet.aircraft.len(), 10);
        for a in &v.fleet.aircraft {
            assert!(a.armed);
            assert!(a.position.is_some());
            assert_eq!(
                a.link_state(v.fleet.taken_at),
                crate::fleet::LinkState::Connected
            );
        }
        assert_eq!(v.missions.len(), 10);
    }
}
