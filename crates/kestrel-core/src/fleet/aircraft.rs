//! The state of one aircraft as the ground station knows it, updated frame by frame.

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime};

use mavlink::dialects::ardupilotmega::{
    MavMessage, MavModeFlag, MavState, VIDEO_STREAM_INFORMATION_DATA,
};

use super::gimbal::GimbalAttitude;
use super::link_quality::{LinkPresence, LinkState};
use super::modes::copter_mode_name;
use crate::geo::GeoPoint;
use crate::link::LinkId;

/// How many recent STATUSTEXT messages an aircraft keeps.
pub const STATUS_TEXT_KEEP: usize = 20;

/// The aircraft's home: where RTL returns to.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Home {
    /// Home position.
    pub position: GeoPoint,
    /// Home altitude above mean sea level, metres.
    pub alt_amsl_m: f32,
}

/// Battery as reported, plus the ground station's estimate of flight time left.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Battery {
    /// Remaining charge, percent, when the autopilot reports it.
    pub percent: Option<f32>,
    /// Pack voltage, volts.
    pub voltage_v: Option<f32>,
    /// Current draw, amperes.
    pub current_a: Option<f32>,
    /// Estimated minutes of flight left: the autopilot's own figure if it sends one, otherwise
    /// extrapolated from the drain rate seen while armed.
    pub minutes_left: Option<f32>,
}

/// GNSS receiver state.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Gps {
    /// GPS_FIX_TYPE: 0-1 none, 2 2D, 3 3D, 4 DGPS, 5 RTK float, 6 RTK fixed.
    pub fix_type: u8,
    /// Satellites visible.
    pub satellites: u8,
    /// Horizontal dilution of precision.
    pub hdop: Option<f32>,
}

/// A text message from the autopilot (STATUSTEXT), time-stamped on arrival.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatusText {
    /// Wall-clock arrival time.
    #[serde(with = "crate::time::unix_time")]
    pub at: SystemTime,
    /// MAV_SEVERITY: 0 emergency … 4 warning … 6 info, 7 debug.
    pub severity: u8,
    /// The text.
    pub text: String,
}

/// Everything known about one aircraft (one MAVLink system id).
#[derive(Debug, Clone, PartialEq)]
pub struct Aircraft {
    /// MAVLink system id: the aircraft's identity on the network.
    pub sysid: u8,
    /// Component id of its autopilot (usually 1).
    pub autopilot_compid: u8,
    /// MAV_TYPE from the heartbeat (2 = quadrotor).
    pub vehicle_type: u8,
    /// MAV_AUTOPILOT from the heartbeat (3 = ArduPilot).
    pub autopilot: u8,
    /// Flight mode number (ArduCopter custom_mode).
    pub custom_mode: u32,
    /// Motors armed.
    pub armed: bool,
    /// MAV_STATE (3 standby, 4 active, 5 critical, 6 emergency).
    pub system_status: u8,
    /// Last valid position; `None` until the autopilot has one (it reports 0,0 before).
    pub position: Option<GeoPoint>,
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f32,
    /// Altitude above home, metres.
    pub alt_rel_m: f32,
    /// Heading, degrees 0..360.
    pub heading_deg: f32,
    /// Ground speed, m/s.
    pub ground_speed_ms: f32,
    /// Climb rate, m/s (positive up).
    pub climb_ms: f32,
    /// Roll, pitch and yaw, degrees.
    pub attitude_deg: [f32; 3],
    /// Battery state.
    pub battery: Battery,
    /// GNSS state.
    pub gps: Gps,
    /// Home position, once reported.
    pub home: Option<Home>,
    /// Mission item being flown.
    pub mission_current: Option<u16>,
    /// Number of mission items the aircraft reported (MISSION_CURRENT.total).
    pub mission_total: Option<u16>,
    /// The last mission item reached.
    pub mission_reached: Option<u16>,
    /// Recent STATUSTEXTs, newest last.
    pub status_texts: VecDeque<StatusText>,
    /// How the aircraft is heard on each link it was heard on.
    pub links: Vec<LinkPresence>,
    /// When the aircraft was first heard.
    pub first_seen: Instant,
    /// When telemetry with a position last arrived.
    pub position_at: Option<Instant>,
    /// Set when two different autopilots use this system id on different links (their boot
    /// clocks disagree): the state shown is a mix and cannot be trusted until resolved.
    pub sysid_conflict: Option<String>,
    /// The aircraft's video stream as it described it (VIDEO_STREAM_INFORMATION, first stream),
    /// with its uri and name cleaned of control characters, quotes and spaces; the console
    /// chooses the stream to play from it (`crate::video::stream_info::choose_source`).
    pub video_stream: Option<VIDEO_STREAM_INFORMATION_DATA>,
    /// The camera gimbal's latest attitude (MOUNT_STATUS or GIMBAL_DEVICE_ATTITUDE_STATUS, from
    /// the autopilot or the gimbal's own component); see [`Aircraft::gimbal_within`].
    pub gimbal: Option<GimbalAttitude>,
    /// When `gimbal` arrived.
    pub gimbal_at: Option<Instant>,
    /// The payload camera's zoom, percent of its range (CAMERA_SETTINGS), once reported.
    pub camera_zoom_pct: Option<f32>,
    /// The payload camera's live field of view, (horizontal, vertical) degrees, from
    /// CAMERA_FOV_STATUS (it follows the zoom); see [`Aircraft::camera_fov_within`].
    pub camera_fov_deg: Option<(f64, f64)>,
    /// When `camera_fov_deg` arrived.
    pub camera_fov_at: Option<Instant>,
    /// The autopilot's subsystems as its latest SYS_STATUS reported them; `None` until one
    /// arrives. The pre-flight checklist reads the geofence and pre-arm bits from it.
    pub sensors: Option<SensorState>,
    drain_reference: Option<(Instant, f32)>,
    autopilot_minutes_left: Option<f32>,
}

/// The subsystems an autopilot reports in SYS_STATUS (MAV_SYS_STATUS_SENSOR bits): which it
/// has, which are switched on and which are healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SensorState {
    /// Present on the aircraft.
    pub present: u32,
    /// Switched on.
    pub enabled: u32,
    /// Working (a cleared bit is a fault: e.g. a breached fence, failing pre-arm checks).
    pub health: u32,
}

impl SensorState {
    /// Whether the subsystem `bit` is present and switched on.
    pub fn is_enabled(&self, bit: u32) -> bool {
        self.present & bit != 0 && self.enabled & bit != 0
    }

    /// Whether the subsystem `bit` is present and reports itself healthy.
    pub fn is_healthy(&self, bit: u32) -> bool {
        self.present & bit != 0 && self.health & bit != 0
    }
}

impl Aircraft {
    /// A newly discovered aircraft.
    pub fn new(sysid: u8, compid: u8, now: Instant) -> Self {
        Self {
            sysid,
            autopilot_compid: compid,
            vehicle_type: 0,
            autopilot: 0,
            custom_mode: 0,
            armed: false,
            system_status: 0,
            position: None,
            alt_amsl_m: 0.0,
            alt_rel_m: 0.0,
            heading_deg: 0.0,
            ground_speed_ms: 0.0,
            climb_ms: 0.0,
            attitude_deg: [0.0; 3],
            battery: Battery::default(),
            gps: Gps::default(),
            home: None,
            mission_current: None,
            mission_total: None,
            mission_reached: None,
            status_texts: VecDeque::new(),
            links: Vec::new(),
            first_seen: now,
            position_at: None,
            sysid_conflict: None,
            video_stream: None,
            gimbal: None,
            gimbal_at: None,
            camera_zoom_pct: None,
            camera_fov_deg: None,
            camera_fov_at: None,
            sensors: None,
            drain_reference: None,
            autopilot_minutes_left: None,
        }
    }

    /// The flight mode's name (ArduCopter names).
    pub fn mode_name(&self) -> String {
        copter_mode_name(self.custom_mode)
    }

    /// The gimbal's attitude if it was reported within `max_age` before `now`; an older one no
    /// longer says where the camera looks.
    pub fn gimbal_within(&self, now: Instant, max_age: Duration) -> Option<GimbalAttitude> {
        let at = self.gimbal_at?;
        (now.saturating_duration_since(at) < max_age)
            .then_some(self.gimbal)
            .flatten()
    }

    /// The camera's field of view (horizontal, vertical degrees) if reported within `max_age`
    /// before `now`.
    pub fn camera_fov_within(&self, now: Instant, max_age: Duration) -> Option<(f64, f64)> {
        let at = self.camera_fov_at?;
        (now.saturating_duration_since(at) < max_age)
            .then_some(self.camera_fov_deg)
            .flatten()
    }

    /// The healthiest link state over all links the aircraft is heard on.
    pub fn link_state(&self, now: Instant) -> LinkState {
        self.links
            .iter()
            .map(|l| l.state(now))
            .min_by_key(|s| s.rank())
            .unwrap_or(LinkState::Lost)
    }

    /// The link to command this aircraft over: best state, then least loss, then most recent.
    pub fn best_link(&self, now: Instant) -> Option<&LinkPresence> {
        self.links.iter().min_by(|a, b| {
            a.state(now)
                .rank()
                .cmp(&b.state(now).rank())
                .then(a.loss.total_cmp(&b.loss))
                .then(b.last_heard.cmp(&a.last_heard))
        })
    }

    /// Age of the newest heartbeat on any link.
    pub fn heartbeat_age(&self, now: Instant) -> Option<Duration> {
        self.links.iter().filter_map(|l| l.heartbeat_age(now)).min()
    }

    /// Re-judges whether the links disagree about which autopilot this is.
    pub(super) fn check_conflict(&mut self) {
        const TOLERANCE_MS: i64 = 3000;
        let offsets: Vec<(crate::link::LinkId, i64)> = self
            .links
            .iter()
            .filter_map(|l| l.boot_offset_ms.map(|o| (l.link, o)))
            .collect();
        self.sysid_conflict = offsets.iter().enumerate().find_map(|(i, (la, a))| {
            offsets[i + 1..].iter().find_map(|(lb, b)| {
                ((a - b).abs() > TOLERANCE_MS).then(|| {
                    format!(
                        "two different aircraft use system id {} ({la} and {lb}: their clocks differ by {:.0} s)",
                        self.sysid,
                        (a - b).abs() as f64 / 1000.0
                    )
                })
            })
        });
    }

    pub(super) fn presence_mut(&mut self, link: LinkId, now: Instant) -> &mut LinkPresence {
        let at = match self.links.iter().position(|l| l.link == link) {
            Some(i) => i,
            None => {
                self.links.push(LinkPresence::new(link, now));
                self.links.len() - 1
            }
        };
        &mut self.links[at]
    }

    /// Updates the state from one message of this aircraft.
    pub fn apply(&mut self, msg: &MavMessage, now: Instant) {
        match msg {
            MavMessage::HEARTBEAT(hb) => {
                self.vehicle_type = hb.mavtype as u8;
                self.autopilot = hb.autopilot as u8;
                self.custom_mode = hb.custom_mode;
                let armed = hb
                    .base_mode
                    .contains(MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED);
                if armed != self.armed {
                    self.drain_reference = None;
                }
                self.armed = armed;
                self.system_status = hb.system_status as u8;
            }
            MavMessage::GLOBAL_POSITION_INT(p) => {
                // Out-of-range coordinates are garbage from a broken or hostile sender: ignored.
                let plausible =
                    p.lat.unsigned_abs() <= 900_000_000 && p.lon.unsigned_abs() <= 1_800_000_000;
                if !plausible {
                    return;
                }
                if p.lat != 0 || p.lon != 0 {
                    self.position = Some(GeoPoint {
                        lat: f64::from(p.lat) * 1e-7,
                        lon: f64::from(p.lon) * 1e-7,
                    });
                    self.position_at = Some(now);
                }
                self.alt_amsl_m = p.alt as f32 / 1000.0;
                self.alt_rel_m = p.relative_alt as f32 / 1000.0;
                let (vx, vy) = (f32::from(p.vx) / 100.0, f32::from(p.vy) / 100.0);
                self.ground_speed_ms = vx.hypot(vy);
                self.climb_ms = -f32::from(p.vz) / 100.0;
                if p.hdg != u16::MAX {
                    self.heading_deg = f32::from(p.hdg) / 100.0;
                }
            }
            MavMessage::ATTITUDE(a) => {
                // Huge radians overflow to infinite degrees: keep only finite angles.
                let deg = [
                    a.roll.to_degrees(),
                    a.pitch.to_degrees(),
                    a.yaw.to_degrees(),
                ];
                if deg.iter().all(|d| d.is_finite()) {
                    self.attitude_deg = deg;
                }
            }
            MavMessage::VFR_HUD(v) => {
                if !(v.groundspeed.is_finite() && v.climb.is_finite()) {
                    return;
                }
                self.ground_speed_ms = v.groundspeed;
                self.climb_ms = v.climb;
                self.heading_deg = f32::from(v.heading).rem_euclid(360.0);
            }
            MavMessage::SYS_STATUS(s) => {
                self.sensors = Some(SensorState {
                    present: s.onboard_control_sensors_present.bits(),
                    enabled: s.onboard_control_sensors_enabled.bits(),
                    health: s.onboard_control_sensors_health.bits(),
                });
                if s.voltage_battery != u16::MAX {
                    self.battery.voltage_v = Some(f32::from(s.voltage_battery) / 1000.0);
                }
                if s.current_battery >= 0 {
                    self.battery.current_a = Some(f32::from(s.current_battery) / 100.0);
                }
                if (0..=100).contains(&s.battery_remaining) {
                    self.update_battery_percent(f32::from(s.battery_remaining), now);
                }
            }
            MavMessage::BATTERY_STATUS(b) if b.id == 0 => {
                if (0..=100).contains(&b.battery_remaining) {
                    self.update_battery_percent(f32::from(b.battery_remaining), now);
                }
                self.autopilot_minutes_left =
                    (b.time_remaining > 0).then(|| b.time_remaining as f32 / 60.0);
                self.refresh_minutes_left(now);
            }
            MavMessage::GPS_RAW_INT(g) => {
                self.gps.fix_type = g.fix_type as u8;
                self.gps.satellites = if g.satellites_visible == u8::MAX {
                    0
                } else {
                    g.satellites_visible
                };
                self.gps.hdop = (g.eph != u16::MAX).then(|| f32::from(g.eph) / 100.0);
            }
            MavMessage::HOME_POSITION(h)
                if h.latitude.unsigned_abs() <= 900_000_000
                    && h.longitude.unsigned_abs() <= 1_800_000_000 =>
            {
                self.home = Some(Home {
                    position: GeoPoint {
                        lat: f64::from(h.latitude) * 1e-7,
                        lon: f64::from(h.longitude) * 1e-7,
                    },
                    alt_amsl_m: h.altitude as f32 / 1000.0,
                });
            }
            MavMessage::MISSION_CURRENT(m) => {
                self.mission_current = Some(m.seq);
                if m.total != u16::MAX && m.total != 0 {
                    self.mission_total = Some(m.total);
                }
            }
            MavMessage::MISSION_ITEM_REACHED(m) => self.mission_reached = Some(m.seq),
            MavMessage::VIDEO_STREAM_INFORMATION(v) if v.stream_id <= 1 => {
                self.video_stream = Some(sanitise_video_info(v));
            }
            MavMessage::MOUNT_STATUS(_) | MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(_) => {
                // Garbage angles (a broken or hostile sender) are ignored, as for ATTITUDE.
                let finite = |g: &GimbalAttitude| {
                    [g.roll_deg, g.pitch_deg, g.yaw_deg]
                        .iter()
                        .all(|d| d.is_finite())
                };
                if let Some(g) = GimbalAttitude::from_message(msg).filter(finite) {
                    self.gimbal = Some(g);
                    self.gimbal_at = Some(now);
                }
            }
            MavMessage::CAMERA_SETTINGS(c) if (0.0..=100.0).contains(&c.zoomLevel) => {
                self.camera_zoom_pct = Some(c.zoomLevel);
            }
            MavMessage::CAMERA_FOV_STATUS(f) => {
                let (h, v) = (f64::from(f.hfov), f64::from(f.vfov));
                if h.is_finite() && h > 0.0 && h < 180.0 {
                    let v = if v.is_finite() && v > 0.0 && v < 180.0 {
                        v
                    } else {
                        h * 9.0 / 16.0
                    };
                    self.camera_fov_deg = Some((h, v));
                    self.camera_fov_at = Some(now);
                }
            }
            MavMessage::STATUSTEXT(t) => {
                let text = t
                    .text
                    .to_str()
                    .unwrap_or("")
                    .trim_end_matches('\0')
                    .to_string();
                if self.status_texts.len() == STATUS_TEXT_KEEP {
                    self.status_texts.pop_front();
                }
                self.status_texts.push_back(StatusText {
                    at: SystemTime::now(),
                    severity: t.severity as u8,
                    text,
                });
            }
            _ => {}
        }
    }

    fn update_battery_percent(&mut self, pct: f32, now: Instant) {
        self.battery.percent = Some(pct);
        if self.armed {
            match self.drain_reference {
                Some((_, ref_pct)) if pct > ref_pct + 2.0 => {
                    // Battery swapped or recalibrated: start over.
                    self.drain_reference = Some((now, pct));
                }
                None => self.drain_reference = Some((now, pct)),
                _ => {}
            }
        }
        self.refresh_minutes_left(now);
    }

    fn refresh_minutes_left(&mut self, now: Instant) {
        let pct = self.battery.percent;
        let estimate = match (self.drain_reference, pct) {
            (Some((t0, p0)), Some(p)) if self.armed => {
                let minutes = now.duration_since(t0).as_secs_f32() / 60.0;
                let used = p0 - p;
                (minutes >= 0.25 && used >= 0.5).then(|| p / (used / minutes))
            }
            _ => None,
        };
        self.battery.minutes_left = self.autopilot_minutes_left.or(estimate);
    }

    /// Whether the aircraft reports itself in a critical or emergency state.
    pub fn is_critical(&self) -> bool {
        self.system_status >= MavState::MAV_STATE_CRITICAL as u8
    }
}

/// Longest uri kept (the MAVLink field holds 160 characters).
const VIDEO_URI_MAX: usize = 160;

/// Text of a MAVLink char array up to its first NUL, keeping only printable ASCII without
/// spaces, quotes or backslashes (the uri ends up in a GStreamer description and on screen).
fn clean_field(bytes: &[u8], max: usize, allow_space: bool) -> String {
    bytes
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .filter(|c| {
            c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '\'' | '`')
                || (allow_space && *c == ' ')
        })
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// VIDEO_STREAM_INFORMATION with its text fields made safe to show and to parse.
pub fn sanitise_video_info(v: &VIDEO_STREAM_INFORMATION_DATA) -> VIDEO_STREAM_INFORMATION_DATA {
    let mut out = v.clone();
    out.uri = clean_field(&v.uri[..], VIDEO_URI_MAX, false)
        .as_str()
        .into();
    out.name = clean_field(&v.name[..], 32, true).as_str().into();
    out
}

#[cfg(test)]
mod video_tests {
    use super::*;

    #[test]
    fn video_stream_information_is_kept_with_a_clean_uri() {
        let mut a = Aircraft::new(1, 1, Instant::now());
        let info = VIDEO_STREAM_INFORMATION_DATA {
            stream_id: 1,
            uri: "udp://0.0.0.0:5601\"\n ! filesink location=/etc/x".into(),
            name: "cam\u{7}era 1".into(),
            ..Default::default()
        };
        a.apply(&MavMessage::VIDEO_STREAM_INFORMATION(info), Instant::now());
        let got = a.video_stream.as_ref().unwrap();
        assert_eq!(
            got.uri.to_str().unwrap(),
            "udp://0.0.0.0:5601!filesinklocation=/etc/x"
        );
        assert_eq!(got.name.to_str().unwrap(), "camera 1");
        // Whatever the junk, it never reaches a pipeline description.
        let (src, _) = crate::video::stream_info::choose_source(None, Some(got), 0);
        assert!(!src.to_string().contains("filesink"), "{src}");
        // A second stream (stream_id 2) does not replace the first.
        let second = VIDEO_STREAM_INFORMATION_DATA {
            stream_id: 2,
            uri: "udp://0.0.0.0:5700".into(),
            ..Default::default()
        };
        a.apply(
            &MavMessage::VIDEO_STREAM_INFORMATION(second),
            Instant::now(),
        );
        assert!(a
            .video_stream
            .as_ref()
            .unwrap()
            .uri
            .to_str()
            .unwrap()
            .contains("5601"));
    }
}
