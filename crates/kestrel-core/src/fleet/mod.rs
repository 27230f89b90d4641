//! The fleet: every aircraft the station hears, keyed by MAVLink system id, and cheap snapshots of
//! it for readers (the console, the command line, dispatch). Nothing here does I/O: frames come in
//! through [`Fleet::apply`] with the time they arrived.

mod aircraft;
pub mod arming;
pub mod gimbal;
pub mod history;
mod link_quality;
pub mod modes;

use std::sync::Arc;
use std::time::Instant;

use mavlink::dialects::ardupilotmega::{MavAutopilot, MavMessage, MavType};

pub use aircraft::{Aircraft, Battery, Gps, Home, SensorState, StatusText, STATUS_TEXT_KEEP};
pub use arming::{ArmingChange, ArmingWatch};
pub use gimbal::{GimbalAttitude, YawFrame};
pub use history::{AircraftHistory, FleetHistory, HistoryPolicy, Sample};
pub use link_quality::{LinkPresence, LinkState, DEGRADED_LOSS, LOST_AFTER};

use crate::link::LinkId;

const NO_INDEX: u16 = u16::MAX;

/// What applying a frame changed, for the caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The frame updated a known aircraft (or was ignored).
    Updated,
    /// The frame was the first heartbeat of a new aircraft.
    Discovered(u8),
}

/// All aircraft heard so far. Aircraft are stored behind `Arc` so that a snapshot is a vector of
/// pointer copies; a write after a snapshot copies only the aircraft it touches.
#[derive(Debug, Clone)]
pub struct Fleet {
    aircraft: Vec<Arc<Aircraft>>,
    index: [u16; 256],
    epoch: Instant,
}

impl Default for Fleet {
    fn default() -> Self {
        Self {
            aircraft: Vec::new(),
            index: [NO_INDEX; 256],
            epoch: Instant::now(),
        }
    }
}

/// The autopilot's boot clock carried by a message, in milliseconds.
fn boot_time_ms(msg: &MavMessage) -> Option<u32> {
    match msg {
        MavMessage::GLOBAL_POSITION_INT(m) => Some(m.time_boot_ms),
        MavMessage::ATTITUDE(m) => Some(m.time_boot_ms),
        MavMessage::SYSTEM_TIME(m) => Some(m.time_boot_ms),
        _ => None,
    }
}

impl Fleet {
    /// An empty fleet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one decoded frame heard on `link`.
    ///
    /// An aircraft comes into being with its first HEARTBEAT from a vehicle (not another ground
    /// station); frames from unknown systems before that are ignored.
    #[inline]
    pub fn apply(
        &mut self,
        link: LinkId,
        sysid: u8,
        compid: u8,
        seq: u8,
        msg: &MavMessage,
        now: Instant,
    ) -> Applied {
        let mut outcome = Applied::Updated;
        let mut slot = self.index[sysid as usize];
        if slot == NO_INDEX {
            let MavMessage::HEARTBEAT(hb) = msg else {
                return Applied::Updated;
            };
            if hb.mavtype == MavType::MAV_TYPE_GCS
                || hb.autopilot == MavAutopilot::MAV_AUTOPILOT_INVALID
                || sysid == 0
            {
                return Applied::Updated;
            }
            slot = self.insert(Aircraft::new(sysid, compid, now));
            outcome = Applied::Discovered(sysid);
        }
        let aircraft = Arc::make_mut(&mut self.aircraft[slot as usize]);
        if compid == aircraft.autopilot_compid {
            let presence = aircraft.presence_mut(link, now);
            presence.on_frame(seq, now);
            if matches!(msg, MavMessage::HEARTBEAT(_)) {
                presence.last_heartbeat = Some(now);
            }
            if let Some(boot) = boot_time_ms(msg) {
                let arrival = now.saturating_duration_since(self.epoch).as_millis() as i64;
                let offset = arrival - i64::from(boot);
                let changed = presence
                    .boot_offset_ms
                    .is_none_or(|o| (o - offset).abs() > 1000);
                presence.boot_offset_ms = Some(offset);
                if changed && aircraft.links.len() > 1 {
                    aircraft.check_conflict();
                }
            }
            aircraft.apply(msg, now);
        } else {
            if let Some(p) = aircraft.links.iter_mut().find(|p| p.link == link) {
                // Other components (gimbal, camera) keep the link alive but do not drive
                // telemetry.
                p.last_heard = now;
            }
            // A camera component describes the aircraft's video stream; a gimbal component
            // reports where the camera points.
            if matches!(
                msg,
                MavMessage::VIDEO_STREAM_INFORMATION(_)
                    | MavMessage::CAMERA_SETTINGS(_)
                    | MavMessage::MOUNT_STATUS(_)
                    | MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(_)
                    | MavMessage::CAMERA_FOV_STATUS(_)
            ) {
                aircraft.apply(msg, now);
            }
        }
        outcome
    }

    fn insert(&mut self, aircraft: Aircraft) -> u16 {
        let sysid = aircraft.sysid;
        let at = self.aircraft.partition_point(|a| a.sysid < sysid);
        self.aircraft.insert(at, Arc::new(aircraft));
        for (i, a) in self.aircraft.iter().enumerate().skip(at) {
            self.index[a.sysid as usize] = i as u16;
        }
        self.index[sysid as usize]
    }

    /// Rolls the one-second rate/loss windows of links that went silent (call about once a second).
    pub fn tick(&mut self, now: Instant) {
        for a in &mut self.aircraft {
            let stale = a
                .links
                .iter()
                .any(|l| now.duration_since(l.last_heard).as_secs_f32() >= 1.0);
            if stale {
                let a = Arc::make_mut(a);
                for l in &mut a.links {
                    if now.duration_since(l.last_heard).as_secs_f32() >= 1.0 {
                        l.roll_window(now);
                    }
                }
            }
        }
    }

    /// One aircraft by system id.
    pub fn get(&self, sysid: u8) -> Option<&Arc<Aircraft>> {
        match self.index[sysid as usize] {
            NO_INDEX => None,
            i => self.aircraft.get(i as usize),
        }
    }

    /// The link to command `sysid` over, if it has been heard at all.
    pub fn best_link(&self, sysid: u8, now: Instant) -> Option<LinkId> {
        self.get(sysid)
            .and_then(|a| a.best_link(now))
            .map(|p| p.link)
    }

    /// Forgets which links an aircraft was heard on after a link is removed.
    pub fn forget_link(&mut self, link: LinkId) {
        for a in &mut self.aircraft {
            if a.links.iter().any(|l| l.link == link) {
                Arc::make_mut(a).links.retain(|l| l.link != link);
            }
        }
    }

    /// A consistent copy of the fleet at `now`, cheap enough to take every UI frame.
    pub fn snapshot(&self, now: Instant) -> FleetSnapshot {
        FleetSnapshot {
            taken_at: now,
            aircraft: self.aircraft.clone(),
        }
    }

    /// Number of aircraft known.
    pub fn len(&self) -> usize {
        self.aircraft.len()
    }

    /// Whether no aircraft has been heard yet.
    pub fn is_empty(&self) -> bool {
        self.aircraft.is_empty()
    }
}

/// The fleet as it was at one instant, sorted by system id. Holding it never blocks the core.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetSnapshot {
    /// When the snapshot was taken; ages and link states are judged against it.
    pub taken_at: Instant,
    /// The aircraft, sorted by system id.
    pub aircraft: Vec<Arc<Aircraft>>,
}

impl Default for FleetSnapshot {
    fn default() -> Self {
        Self::empty()
    }
}

impl FleetSnapshot {
    /// One aircraft by system id.
    pub fn get(&self, sysid: u8) -> Option<&Aircraft> {
        self.aircraft
            .binary_search_by_key(&sysid, |a| a.sysid)
            .ok()
            .map(|i| &*self.aircraft[i])
    }

    /// An empty snapshot (before anything is heard).
    pub fn empty() -> Self {
        Self {
            taken_at: Instant::now(),
            aircraft: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::*;
    use std::time::Duration;

    fn heartbeat(armed: bool, mode: u32) -> MavMessage {
        MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: mode,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: if armed {
                MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED
                    | MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
            } else {
                MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
            },
            system_status: MavState::MAV_STATE_ACTIVE,
            mavlink_version: 3,
        })
    }

    #[test]
    fn discovers_from_heartbeat_and_ignores_ground_stations() {
        let now = Instant::now();
        let mut fleet = Fleet::new();
        let pos = MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: 364560000,
            lon: 1159850000,
            relative_alt: 12_000,
            ..Default::default()
        });
        assert_eq!(fleet.apply(LinkId(0), 3, 1, 0, &pos, now), Applied::Updated);
        assert!(fleet.is_empty());
        let mut gcs = heartbeat(false, 0);
        if let MavMessage::HEARTBEAT(h) = &mut gcs {
            h.mavtype = MavType::MAV_TYPE_GCS;
            h.autopilot = MavAutopilot::MAV_AUTOPILOT_INVALID;
        }
        fleet.apply(LinkId(0), 255, 190, 0, &gcs, now);
        assert!(fleet.is_empty());
        assert_eq!(
            fleet.apply(LinkId(0), 3, 1, 1, &heartbeat(true, 4), now),
            Applied::Discovered(3)
        );
        fleet.apply(LinkId(0), 3, 1, 2, &pos, now);
        let snap = fleet.snapshot(now);
        let a = snap.get(3).unwrap();
        assert_eq!(a.mode_name(), "GUIDED");
        assert!(a.armed);
        assert!((a.position.unwrap().lat - 36.456).abs() < 1e-9);
        assert!((a.alt_rel_m - 12.0).abs() < 1e-6);
    }

    #[test]
    fn snapshot_is_not_changed_by_later_frames() {
        let now = Instant::now();
        let mut fleet = Fleet::new();
        fleet.apply(LinkId(0), 1, 1, 0, &heartbeat(false, 0), now);
        let before = fleet.snapshot(now);
        fleet.apply(LinkId(0), 1, 1, 1, &heartbeat(true, 6), now);
        assert!(!before.get(1).unwrap().armed);
        assert_eq!(fleet.snapshot(now).get(1).unwrap().mode_name(), "RTL");
    }

    #[test]
    fn aircraft_heard_on_two_links_is_one_aircraft_commanded_over_the_better_link() {
        let t0 = Instant::now();
        let mut fleet = Fleet::new();
        for i in 0..50u8 {
            let t = t0 + Duration::from_millis(u64::from(i) * 20);
            fleet.apply(LinkId(0), 1, 1, i, &heartbeat(false, 0), t);
            // Link 1 loses every other frame.
            if i % 2 == 0 {
                fleet.apply(LinkId(1), 1, 1, i, &heartbeat(false, 0), t);
            }
        }
        let now = t0 + Duration::from_millis(1000);
        fleet.tick(now + Duration::from_secs(1));
        assert_eq!(fleet.len(), 1);
        assert_eq!(fleet.best_link(1, now), Some(LinkId(0)));
        assert_eq!(fleet.get(1).unwrap().links.len(), 2);
    }

    #[test]
    fn two_autopilots_with_one_sysid_are_a_conflict_not_a_merge() {
        let t0 = Instant::now();
        let mut fleet = Fleet::new();
        let att = |boot: u32| {
            MavMessage::ATTITUDE(ATTITUDE_DATA {
                time_boot_ms: boot,
                ..Default::default()
            })
        };
        fleet.apply(LinkId(0), 4, 1, 0, &heartbeat(false, 0), t0);
        fleet.apply(LinkId(1), 4, 1, 0, &heartbeat(false, 0), t0);
        // Same autopilot on both links: same boot clock.
        fleet.apply(
            LinkId(0),
            4,
            1,
            1,
            &att(60_000),
            t0 + Duration::from_millis(10),
        );
        fleet.apply(
            LinkId(1),
            4,
            1,
            1,
            &att(60_000),
            t0 + Duration::from_millis(30),
        );
        assert!(fleet.get(4).unwrap().sysid_conflict.is_none());
        // A second autopilot that booted 10 minutes later appears on link 1.
        fleet.apply(
            LinkId(1),
            4,
            1,
            2,
            &att(5_000),
            t0 + Duration::from_millis(50),
        );
        let why = fleet
            .get(4)
            .unwrap()
            .sysid_conflict
            .clone()
            .expect("conflict");
        assert!(why.contains("system id 4"), "{why}");
    }

    #[test]
    fn the_gimbal_attitude_is_kept_with_the_aircraft_from_either_component() {
        let t0 = Instant::now();
        let mut fleet = Fleet::new();
        fleet.apply(LinkId(0), 2, 1, 0, &heartbeat(true, 3), t0);
        assert_eq!(fleet.get(2).unwrap().gimbal, None);
        // ArduPilot's autopilot reports its mount...
        let mount = MavMessage::MOUNT_STATUS(MOUNT_STATUS_DATA {
            pointing_a: -4500,
            pointing_c: 9000,
            ..Default::default()
        });
        let t1 = t0 + Duration::from_millis(100);
        fleet.apply(LinkId(0), 2, 1, 1, &mount, t1);
        let before = fleet.snapshot(t1);
        let a = before.get(2).unwrap();
        let g = a.gimbal.expect("gimbal attitude");
        assert_eq!((g.pitch_deg, g.yaw_deg), (-45.0, 90.0));
        assert_eq!(g.yaw_frame, YawFrame::Vehicle);
        assert_eq!(a.gimbal_at, Some(t1));
        // ...and a gimbal device (its own component, MAV_COMP_ID_GIMBAL) its attitude, here
        // pitched 60° down.
        let half = (-30f64).to_radians();
        let device =
            MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(GIMBAL_DEVICE_ATTITUDE_STATUS_DATA {
                q: [half.cos() as f32, 0.0, half.sin() as f32, 0.0],
                flags: GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME,
                ..Default::default()
            });
        let t2 = t0 + Duration::from_millis(200);
        fleet.apply(LinkId(0), 2, 154, 0, &device, t2);
        let a = fleet.get(2).unwrap();
        let g = a.gimbal.expect("gimbal attitude");
        assert!((g.pitch_deg + 60.0).abs() < 1e-3, "{g:?}");
        assert_eq!(g.yaw_frame, YawFrame::Earth);
        // The snapshot taken before is not changed; the new one carries the new attitude.
        assert_eq!(before.get(2).unwrap().gimbal_at, Some(t1));
        assert_eq!(fleet.snapshot(t2).get(2).unwrap().gimbal_at, Some(t2));
        // Fresh for a while, then too old to say where the camera looks.
        let fresh = Duration::from_secs(5);
        assert_eq!(a.gimbal_within(t2 + Duration::from_secs(1), fresh), Some(g));
        assert_eq!(a.gimbal_within(t2 + Duration::from_secs(6), fresh), None);
        // Garbage angles do not replace a good attitude.
        let nan = MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(GIMBAL_DEVICE_ATTITUDE_STATUS_DATA {
            q: [f32::NAN, 0.0, 0.0, 0.0],
            ..Default::default()
        });
        fleet.apply(LinkId(0), 2, 154, 1, &nan, t2 + Duration::from_millis(10));
        assert_eq!(fleet.get(2).unwrap().gimbal, Some(g));
    }

    #[test]
    fn sorted_by_sysid() {
        let now = Instant::now();
        let mut fleet = Fleet::new();
        for s in [5u8, 2, 9, 1] {
            fleet.apply(LinkId(0), s, 1, 0, &heartbeat(false, 0), now);
        }
        let ids: Vec<u8> = fleet
            .snapshot(now)
            .aircraft
            .iter()
            .map(|a| a.sysid)
            .collect();
        assert_eq!(ids, vec![1, 2, 5, 9]);
        assert_eq!(fleet.get(9).unwrap().sysid, 9);
    }
}
