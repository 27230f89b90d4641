//! Each simulated aircraft's payload: a 3-axis stabilised gimbal and a zoom camera, speaking the
//! MAVLink gimbal protocol v2 and the camera protocol the way ArduPilot's mount and camera
//! libraries do (both answer as the autopilot, component 1, gimbal device 1, camera device 1).
//!
//! Gimbal: GIMBAL_MANAGER_INFORMATION on request; GIMBAL_MANAGER_STATUS and
//! GIMBAL_DEVICE_ATTITUDE_STATUS streamed; MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW (angles or rates),
//! GIMBAL_MANAGER_SET_PITCHYAW, GIMBAL_MANAGER_SET_MANUAL_CONTROL, DO_SET_ROI_LOCATION /
//! _SYSID / _NONE, legacy DO_MOUNT_CONTROL, DO_GIMBAL_MANAGER_CONFIGURE (who controls it).
//! Pitch is limited to -90..+30°, yaw to ±180° from the nose, and both slew at most
//! [`SLEW_DEG_S`].
//!
//! Camera: CAMERA_INFORMATION, CAMERA_SETTINGS, CAMERA_FOV_STATUS (streamed: where the camera is
//! and the ground point it looks at), CAMERA_CAPTURE_STATUS, SET_CAMERA_ZOOM (range,
//! continuous; step only with the extras), IMAGE_START/STOP_CAPTURE, VIDEO_START/STOP_CAPTURE,
//! CAMERA_TRACK_POINT / _RECTANGLE / STOP_TRACKING. While tracking, the gimbal keeps the
//! tracked scene target (or ground point) centred.
//!
//! ArduPilot 4.5 sends neither CAMERA_IMAGE_CAPTURED nor CAMERA_TRACKING_IMAGE_STATUS; with
//! [`Payload::extras`] off (`SimConfig::camera_extras = false`) this camera does not either,
//! so that the ground station is tested against both.

use mavlink::dialects::ardupilotmega::*;

use crate::commands::Sender;
use crate::geo::{deg_to_e7, Origin};
use crate::outbox::{Dest, Outbox};
use crate::scene::{self, CameraView, TargetKind};

/// Fastest the gimbal turns on each axis, degrees per second.
pub const SLEW_DEG_S: f64 = 120.0;
/// Lowest pitch (straight down), degrees.
pub const PITCH_MIN: f64 = -90.0;
/// Highest pitch, degrees.
pub const PITCH_MAX: f64 = 30.0;
/// Yaw limit either side of the nose, degrees.
pub const YAW_LIMIT: f64 = 180.0;
/// Horizontal field of view at 1× zoom, degrees.
pub const BASE_HFOV_DEG: f64 = 60.0;
/// Longest zoom, times.
pub const MAX_ZOOM: f64 = 20.0;
/// Picture aspect ratio of the camera.
pub const ASPECT: f64 = 16.0 / 9.0;
/// Gimbal device id of the one gimbal (ArduPilot: mount instance + 1).
pub const GIMBAL_DEVICE_ID: u8 = 1;
/// Camera device id of the one camera (ArduPilot: camera instance + 1).
pub const CAMERA_DEVICE_ID: u8 = 1;
/// Continuous zoom at full rate doubles (or halves) the zoom every this many seconds.
const ZOOM_DOUBLING_S: f64 = 1.0;

const ATTITUDE_INTERVAL_S: f64 = 0.2;
const STATUS_INTERVAL_S: f64 = 1.0;
const FOV_INTERVAL_S: f64 = 0.5;
const TRACKING_INTERVAL_S: f64 = 0.2;

/// Message ids the payload answers MAV_CMD_REQUEST_MESSAGE for.
mod ids {
    pub const CAMERA_INFORMATION: u32 = 259;
    pub const CAMERA_SETTINGS: u32 = 260;
    pub const CAMERA_CAPTURE_STATUS: u32 = 262;
    pub const CAMERA_FOV_STATUS: u32 = 271;
    pub const CAMERA_TRACKING_IMAGE_STATUS: u32 = 275;
    pub const GIMBAL_MANAGER_INFORMATION: u32 = 280;
    pub const GIMBAL_MANAGER_STATUS: u32 = 281;
    pub const GIMBAL_DEVICE_ATTITUDE_STATUS: u32 = 285;
}

/// Where the aircraft is and faces: what the payload needs from the rest of the aircraft.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pose {
    /// Metres north of the origin (true position).
    pub north: f64,
    /// Metres east of the origin.
    pub east: f64,
    /// Height above the ground, m.
    pub height: f64,
    /// Heading, degrees clockwise from north.
    pub heading_deg: f64,
    /// Simulated time, s.
    pub t: f64,
    /// The aircraft flies its mission (AUTO): the mission then controls the gimbal unless a
    /// ground station took control.
    pub in_mission: bool,
}

/// What the gimbal is told to do.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Aim {
    /// Hold these angles (pitch; yaw from the nose, or from north when `earth`).
    Angles { pitch: f64, yaw: f64, earth: bool },
    /// Turn at these rates, degrees per second.
    Rates {
        pitch_rate: f64,
        yaw_rate: f64,
        earth: bool,
    },
    /// Look at a place: metres north, east, height above ground.
    Location { north: f64, east: f64, height: f64 },
    /// Look at another aircraft.
    Sysid(u8),
    /// Follow what the camera tracks.
    Track,
}

/// What the camera tracks.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tracked {
    /// A moving scene target.
    Target(TargetKind),
    /// A fixed ground point (north, east).
    Ground(f64, f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Tracking {
    what: Tracked,
    mode: CameraTrackingMode,
}

/// Arguments of a COMMAND_LONG / COMMAND_INT as the payload reads them.
#[derive(Clone, Copy, Debug)]
pub struct CommandArgs {
    /// The command.
    pub command: MavCmd,
    /// param1..param7 (COMMAND_INT: x, y as numbers, z).
    pub raw: [f32; 7],
    /// Latitude, degrees (NaN when none was given).
    pub lat: f64,
    /// Longitude, degrees (NaN when none was given).
    pub lon: f64,
    /// Altitude as sent.
    pub alt: f32,
    /// Altitude frame number.
    pub frame: u8,
}

/// The gimbal and the camera of one aircraft.
#[derive(Clone, Debug)]
pub struct Payload {
    /// Also send CAMERA_IMAGE_CAPTURED and CAMERA_TRACKING_IMAGE_STATUS and accept step zoom
    /// (what a dedicated camera would do; ArduPilot 4.5 does none of it).
    pub extras: bool,
    sysid: u8,
    /// Pitch above the horizon, degrees.
    pitch: f64,
    /// Yaw from the nose, degrees.
    yaw: f64,
    aim: Aim,
    primary: (u8, u8),
    secondary: (u8, u8),
    zoom: f64,
    zoom_rate: f64,
    recording_since: Option<f64>,
    images: i32,
    interval_capture: Option<(f64, f64, i32)>,
    tracking: Option<Tracking>,
    /// Where the aircraft named by ROI_SYSID is (north, east, height), when known.
    sysid_target: Option<(f64, f64, f64)>,
    pose: Pose,
    last_heading: f64,
    origin: Origin,
    next_attitude: f64,
    next_status: f64,
    next_fov: f64,
    next_tracking: f64,
}

fn wrap180(a: f64) -> f64 {
    (a + 180.0).rem_euclid(360.0) - 180.0
}

fn approach(from: f64, to: f64, max_step: f64) -> f64 {
    let d = to - from;
    from + d.clamp(-max_step, max_step)
}

/// Quaternion (w, x, y, z) of roll 0, `pitch`, `yaw` (degrees).
fn quaternion(pitch: f64, yaw: f64) -> [f32; 4] {
    let (sp, cp) = (pitch.to_radians() / 2.0).sin_cos();
    let (sy, cy) = (yaw.to_radians() / 2.0).sin_cos();
    [cp * cy, -sp * sy, sp * cy, cp * sy].map(|v| v as f32)
}

impl Payload {
    /// A level gimbal looking ahead, 1× zoom, nobody in control.
    pub fn new(sysid: u8, origin: Origin) -> Self {
        Self {
            extras: true,
            sysid,
            pitch: 0.0,
            yaw: 0.0,
            aim: Aim::Angles {
                pitch: 0.0,
                yaw: 0.0,
                earth: false,
            },
            primary: (0, 0),
            secondary: (0, 0),
            zoom: 1.0,
            zoom_rate: 0.0,
            recording_since: None,
            images: 0,
            interval_capture: None,
            tracking: None,
            sysid_target: None,
            pose: Pose::default(),
            last_heading: 0.0,
            origin,
            next_attitude: 0.0,
            next_status: 0.0,
            next_fov: 0.0,
            next_tracking: 0.0,
        }
    }

    /// Gimbal pitch above the horizon, degrees.
    pub fn pitch_deg(&self) -> f64 {
        self.pitch
    }

    /// Gimbal yaw from the nose, degrees.
    pub fn yaw_deg(&self) -> f64 {
        self.yaw
    }

    /// Zoom, times.
    pub fn zoom(&self) -> f64 {
        self.zoom
    }

    /// Zoom as a percentage of its range (CAMERA_SETTINGS' zoomLevel).
    pub fn zoom_pct(&self) -> f32 {
        ((self.zoom - 1.0) / (MAX_ZOOM - 1.0) * 100.0) as f32
    }

    /// Horizontal field of view now, degrees.
    pub fn hfov_deg(&self) -> f64 {
        2.0 * ((BASE_HFOV_DEG.to_radians() / 2.0).tan() / self.zoom)
            .atan()
            .to_degrees()
    }

    /// Images taken so far.
    pub fn images(&self) -> i32 {
        self.images
    }

    /// Recording video now.
    pub fn recording(&self) -> bool {
        self.recording_since.is_some()
    }

    /// Tracking something now.
    pub fn tracking(&self) -> bool {
        self.tracking.is_some()
    }

    /// Which system and component control the gimbal (0, 0: nobody).
    pub fn primary_control(&self) -> (u8, u8) {
        self.effective_primary()
    }

    /// The aircraft ROI_SYSID points at, so the simulator can tell where it is.
    pub fn wants_sysid(&self) -> Option<u8> {
        match self.aim {
            Aim::Sysid(s) => Some(s),
            _ => None,
        }
    }

    /// Where the aircraft named by ROI_SYSID is now (north, east, height), or `None`.
    pub fn set_sysid_target(&mut self, at: Option<(f64, f64, f64)>) {
        self.sysid_target = at;
    }

    /// What the camera sees now.
    pub fn view(&self) -> CameraView {
        CameraView {
            north: self.pose.north,
            east: self.pose.east,
            height: self.pose.height.max(0.3),
            yaw_deg: wrap180(self.pose.heading_deg + self.yaw),
            pitch_deg: self.pitch,
            hfov_deg: self.hfov_deg(),
            aspect: ASPECT,
            t: self.pose.t,
        }
    }

    fn effective_primary(&self) -> (u8, u8) {
        if self.primary == (0, 0) && self.pose.in_mission {
            (self.sysid, crate::vehicle::COMPONENT_ID)
        } else {
            self.primary
        }
    }

    /// Advances by `dt` seconds to `pose` and queues the streamed messages that are due.
    pub fn step(&mut self, dt: f64, pose: Pose, out: &mut Outbox) {
        self.last_heading = self.pose.heading_deg;
        self.pose = pose;
        let dt = dt.max(0.0);
        // Zoom.
        if self.zoom_rate != 0.0 {
            let factor = 2f64.powf(self.zoom_rate * dt / ZOOM_DOUBLING_S);
            self.zoom = (self.zoom * factor).clamp(1.0, MAX_ZOOM);
        }
        // Where to look, in (pitch, yaw from the nose).
        let heading = pose.heading_deg;
        let desired = match self.aim {
            Aim::Angles { pitch, yaw, earth } => {
                Some((pitch, if earth { wrap180(yaw - heading) } else { yaw }))
            }
            Aim::Rates {
                pitch_rate,
                yaw_rate,
                earth,
            } => {
                // Earth-frame rates hold the direction against the aircraft's turns.
                let turn = if earth {
                    -self.heading_change(heading)
                } else {
                    0.0
                };
                let base_yaw = self.yaw + turn;
                Some((
                    self.pitch + pitch_rate.clamp(-SLEW_DEG_S, SLEW_DEG_S) * dt,
                    base_yaw + yaw_rate.clamp(-SLEW_DEG_S, SLEW_DEG_S) * dt,
                ))
            }
            Aim::Location {
                north,
                east,
                height,
            } => Some(self.aim_at(north, east, height)),
            Aim::Sysid(_) => self.sysid_target.map(|(n, e, h)| self.aim_at(n, e, h)),
            Aim::Track => match self.tracking.map(|t| t.what) {
                Some(Tracked::Target(kind)) => {
                    let t = scene::targets(pose.t)
                        .into_iter()
                        .find(|t| t.kind == kind)
                        .map(|t| (t.north, t.east));
                    t.map(|(n, e)| self.aim_at(n, e, 0.0))
                }
                Some(Tracked::Ground(n, e)) => Some(self.aim_at(n, e, 0.0)),
                None => None,
            },
        };
        if let Some((p, y)) = desired {
            let step = SLEW_DEG_S * dt;
            let p = p.clamp(PITCH_MIN, PITCH_MAX);
            self.pitch = approach(self.pitch, p, step).clamp(PITCH_MIN, PITCH_MAX);
            let dy = wrap180(y - self.yaw);
            self.yaw = wrap180(self.yaw + dy.clamp(-step, step));
        }
        if let Some((interval, next, left)) = self.interval_capture {
            if pose.t >= next {
                self.capture(out);
                let left = left - 1;
                self.interval_capture = (left != 0).then_some((interval, next + interval, left));
            }
        }
        let now = pose.t;
        if now >= self.next_attitude {
            self.next_attitude = now + ATTITUDE_INTERVAL_S;
            out.broadcast(self.attitude_status());
        }
        if now >= self.next_status {
            self.next_status = now + STATUS_INTERVAL_S;
            out.broadcast(self.manager_status());
            if self.recording() {
                out.broadcast(self.capture_status());
            }
        }
        if now >= self.next_fov {
            self.next_fov = now + FOV_INTERVAL_S;
            out.broadcast(self.fov_status());
        }
        if self.extras && self.tracking.is_some() && now >= self.next_tracking {
            self.next_tracking = now + TRACKING_INTERVAL_S;
            out.broadcast(self.tracking_status());
        }
    }

    /// How far the aircraft turned since the last step, degrees.
    fn heading_change(&self, heading: f64) -> f64 {
        wrap180(heading - self.last_heading)
    }

    /// (pitch, yaw from the nose) that centre a point `height` m above the ground.
    fn aim_at(&self, north: f64, east: f64, height: f64) -> (f64, f64) {
        let (p, y) = scene::aim_at(
            self.pose.north,
            self.pose.east,
            self.pose.height - height,
            north,
            east,
        );
        (p, wrap180(y - self.pose.heading_deg))
    }

    /// GIMBAL_MANAGER_SET_PITCHYAW and GIMBAL_MANAGER_SET_MANUAL_CONTROL (other messages are
    /// ignored). Returns whether the message was the payload's.
    pub fn handle_message(&mut self, msg: &MavMessage) -> bool {
        match msg {
            MavMessage::GIMBAL_MANAGER_SET_PITCHYAW(m) => {
                if !device_ok(m.gimbal_device_id) {
                    return true;
                }
                let earth = m
                    .flags
                    .contains(GimbalManagerFlags::GIMBAL_MANAGER_FLAGS_YAW_LOCK);
                if m.pitch.is_finite() && m.yaw.is_finite() {
                    self.set_angles(
                        f64::from(m.pitch).to_degrees(),
                        f64::from(m.yaw).to_degrees(),
                        earth,
                    );
                } else if m.pitch_rate.is_finite() && m.yaw_rate.is_finite() {
                    self.set_rates(
                        f64::from(m.pitch_rate).to_degrees(),
                        f64::from(m.yaw_rate).to_degrees(),
                        earth,
                    );
                }
                true
            }
            MavMessage::GIMBAL_MANAGER_SET_MANUAL_CONTROL(m) => {
                if !device_ok(m.gimbal_device_id) {
                    return true;
                }
                let earth = m
                    .flags
                    .contains(GimbalManagerFlags::GIMBAL_MANAGER_FLAGS_YAW_LOCK);
                if m.pitch.is_finite() && m.yaw.is_finite() {
                    // -1..1 over the axis' range.
                    let p = f64::from(m.pitch.clamp(-1.0, 1.0));
                    let pitch = if p < 0.0 {
                        -p * PITCH_MIN
                    } else {
                        p * PITCH_MAX
                    };
                    let yaw = f64::from(m.yaw.clamp(-1.0, 1.0)) * YAW_LIMIT;
                    self.set_angles(pitch, yaw, earth);
                } else if m.pitch_rate.is_finite() && m.yaw_rate.is_finite() {
                    self.set_rates(
                        f64::from(m.pitch_rate.clamp(-1.0, 1.0)) * SLEW_DEG_S,
                        f64::from(m.yaw_rate.clamp(-1.0, 1.0)) * SLEW_DEG_S,
                        earth,
                    );
                }
                true
            }
            _ => false,
        }
    }

    fn set_angles(&mut self, pitch: f64, yaw: f64, earth: bool) {
        self.tracking = None;
        self.aim = Aim::Angles {
            pitch: pitch.clamp(PITCH_MIN, PITCH_MAX),
            yaw: wrap180(yaw),
            earth,
        };
    }

    fn set_rates(&mut self, pitch_rate: f64, yaw_rate: f64, earth: bool) {
        self.tracking = None;
        self.aim = Aim::Rates {
            pitch_rate,
            yaw_rate,
            earth,
        };
    }

    fn hold(&mut self) {
        self.aim = Aim::Angles {
            pitch: self.pitch,
            yaw: self.yaw,
            earth: false,
        };
    }

    /// Runs a payload command, or returns `None` when `a` is not one (the autopilot's then).
    pub fn execute(
        &mut self,
        from: Sender,
        a: &CommandArgs,
        out: &mut Outbox,
    ) -> Option<MavResult> {
        use MavCmd::*;
        use MavResult::*;
        let [p1, p2, p3, p4, p5, _p6, p7] = a.raw;
        let ok = |b: bool| {
            if b {
                MAV_RESULT_ACCEPTED
            } else {
                MAV_RESULT_DENIED
            }
        };
        Some(match a.command {
            MAV_CMD_REQUEST_MESSAGE => {
                let msg = self.requested(p1 as u32)?;
                return Some(match msg {
                    Some(m) => {
                        out.send(Dest::To(from.peer), m);
                        MAV_RESULT_ACCEPTED
                    }
                    None => MAV_RESULT_FAILED,
                });
            }
            MAV_CMD_REQUEST_CAMERA_INFORMATION => {
                out.send(Dest::To(from.peer), self.camera_information());
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW => {
                if !device_ok(p7 as u8) {
                    return Some(MAV_RESULT_FAILED);
                }
                let flags = GimbalManagerFlags::from_bits_truncate(p5 as u32);
                let earth = flags.contains(GimbalManagerFlags::GIMBAL_MANAGER_FLAGS_YAW_LOCK);
                if p1.is_finite() && p2.is_finite() {
                    self.set_angles(f64::from(p1), f64::from(p2), earth);
                    MAV_RESULT_ACCEPTED
                } else if p3.is_finite() && p4.is_finite() {
                    self.set_rates(f64::from(p3), f64::from(p4), earth);
                    MAV_RESULT_ACCEPTED
                } else {
                    MAV_RESULT_DENIED
                }
            }
            MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE => {
                if !device_ok(p7 as u8) {
                    return Some(MAV_RESULT_FAILED);
                }
                // As ArduPilot: -2 takes control, -3 gives it up only if the sender holds it.
                let caller = (from.sysid, from.compid);
                let pick = |sys: f32, comp: f32, old: (u8, u8)| -> (u8, u8) {
                    match sys as i32 {
                        -1 => old,
                        -2 => caller,
                        -3 if old == caller => (0, 0),
                        -3 => old,
                        s if (0..=255).contains(&s) => (s as u8, comp.clamp(0.0, 255.0) as u8),
                        _ => old,
                    }
                };
                self.primary = pick(p1, p2, self.primary);
                // ArduPilot keeps no secondary controller (it always reports 0); the gimbal
                // manager of the MAVLink spec (with the extras) does.
                if self.extras {
                    self.secondary = pick(p3, p4, self.secondary);
                }
                out.broadcast(self.manager_status());
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_DO_SET_ROI_LOCATION | MAV_CMD_DO_SET_ROI => {
                if !(a.lat.is_finite() && a.lon.is_finite()) {
                    return Some(MAV_RESULT_DENIED);
                }
                let (north, east) = self.origin.to_local(a.lat, a.lon);
                let height = if a.alt.is_finite() {
                    let z = f64::from(a.alt);
                    if crate::mission::frame::is_amsl(a.frame) {
                        z - crate::config::HOME_ALT_AMSL_M
                    } else {
                        z
                    }
                } else {
                    0.0
                };
                self.tracking = None;
                self.aim = Aim::Location {
                    north,
                    east,
                    height,
                };
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_DO_SET_ROI_SYSID => {
                let s = p1 as i32;
                if !(1..=255).contains(&s) {
                    return Some(MAV_RESULT_DENIED);
                }
                self.tracking = None;
                self.aim = Aim::Sysid(s as u8);
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_DO_SET_ROI_NONE => {
                self.tracking = None;
                self.hold();
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_DO_MOUNT_CONTROL => {
                // param7 is the mount mode: 2 = MAV_MOUNT_MODE_MAVLINK_TARGETING.
                match p7 as i32 {
                    2 => {
                        self.set_angles(f64::from(p1), f64::from(p3), false);
                        MAV_RESULT_ACCEPTED
                    }
                    1 | 0 => {
                        // Neutral / retract: level, straight ahead.
                        self.set_angles(0.0, 0.0, false);
                        MAV_RESULT_ACCEPTED
                    }
                    _ => MAV_RESULT_DENIED,
                }
            }
            MAV_CMD_SET_CAMERA_ZOOM => match p1 as i32 {
                // ZOOM_TYPE_STEP: a dedicated camera only.
                0 if self.extras && p2.is_finite() => {
                    self.zoom_rate = 0.0;
                    self.zoom = (self.zoom + f64::from(p2).round()).clamp(1.0, MAX_ZOOM);
                    out.broadcast(self.settings());
                    MAV_RESULT_ACCEPTED
                }
                0 => MAV_RESULT_UNSUPPORTED,
                1 if p2.is_finite() => {
                    self.zoom_rate = f64::from(p2).clamp(-1.0, 1.0);
                    MAV_RESULT_ACCEPTED
                }
                2 if p2.is_finite() && (0.0..=100.0).contains(&p2) => {
                    self.zoom_rate = 0.0;
                    self.zoom = 1.0 + (MAX_ZOOM - 1.0) * f64::from(p2) / 100.0;
                    out.broadcast(self.settings());
                    MAV_RESULT_ACCEPTED
                }
                1 | 2 => MAV_RESULT_DENIED,
                _ => MAV_RESULT_UNSUPPORTED,
            },
            MAV_CMD_IMAGE_START_CAPTURE => {
                let interval = f64::from(p2);
                let count = p3 as i32;
                if count == 1 || interval <= 0.0 || !interval.is_finite() {
                    self.capture(out);
                } else if count >= 0 {
                    self.capture(out);
                    let left = if count == 0 { -1 } else { count - 1 };
                    self.interval_capture = Some((interval, self.pose.t + interval, left));
                } else {
                    return Some(MAV_RESULT_DENIED);
                }
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_IMAGE_STOP_CAPTURE => {
                self.interval_capture = None;
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_VIDEO_START_CAPTURE => {
                if self.recording_since.is_none() {
                    self.recording_since = Some(self.pose.t);
                }
                out.broadcast(self.capture_status());
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_VIDEO_STOP_CAPTURE => {
                self.recording_since = None;
                out.broadcast(self.capture_status());
                MAV_RESULT_ACCEPTED
            }
            MAV_CMD_CAMERA_TRACK_POINT => {
                let (x, y) = (f64::from(p1), f64::from(p2));
                if !((0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y)) {
                    return Some(MAV_RESULT_DENIED);
                }
                let radius = if p3.is_finite() {
                    f64::from(p3).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                ok(self.start_tracking(
                    (x, y),
                    (x - radius, y - radius, x + radius, y + radius),
                    CameraTrackingMode::CAMERA_TRACKING_MODE_POINT,
                ))
            }
            MAV_CMD_CAMERA_TRACK_RECTANGLE => {
                let r = [p1, p2, p3, p4].map(f64::from);
                if !r.iter().all(|v| (0.0..=1.0).contains(v)) || r[0] > r[2] || r[1] > r[3] {
                    return Some(MAV_RESULT_DENIED);
                }
                ok(self.start_tracking(
                    ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0),
                    (r[0], r[1], r[2], r[3]),
                    CameraTrackingMode::CAMERA_TRACKING_MODE_RECTANGLE,
                ))
            }
            MAV_CMD_CAMERA_STOP_TRACKING => {
                if self.tracking.take().is_some() {
                    self.hold();
                }
                MAV_RESULT_ACCEPTED
            }
            _ => return None,
        })
    }

    /// Starts tracking what is at picture point `centre` (or inside `rect`, both 0..1):
    /// the scene target nearest to it if one is there, otherwise that ground point.
    fn start_tracking(
        &mut self,
        centre: (f64, f64),
        rect: (f64, f64, f64, f64),
        mode: CameraTrackingMode,
    ) -> bool {
        let view = self.view();
        // A small margin: a click a few pixels off a person still picks the person.
        let margin = 0.06;
        let picked = scene::targets(self.pose.t)
            .into_iter()
            .filter_map(|t| view.project(t.north, t.east).map(|p| (t, p)))
            .filter(|(_, (x, y))| {
                *x >= rect.0 - margin
                    && *x <= rect.2 + margin
                    && *y >= rect.1 - margin
                    && *y <= rect.3 + margin
            })
            .min_by(|a, b| {
                let da = (a.1 .0 - centre.0).hypot(a.1 .1 - centre.1);
                let db = (b.1 .0 - centre.0).hypot(b.1 .1 - centre.1);
                da.total_cmp(&db)
            });
        let what = match picked {
            Some((t, _)) => Tracked::Target(t.kind),
            None => match view.ground_at(centre.0, centre.1) {
                Some((n, e)) => Tracked::Ground(n, e),
                None => return false,
            },
        };
        self.tracking = Some(Tracking { what, mode });
        self.aim = Aim::Track;
        true
    }

    fn capture(&mut self, out: &mut Outbox) {
        self.images += 1;
        if self.extras {
            out.broadcast(self.image_captured());
        }
        out.broadcast(self.capture_status());
    }

    /// The message answering REQUEST_MESSAGE(`id`): `None` when `id` is not a payload
    /// message, `Some(None)` when this camera does not send it.
    fn requested(&self, id: u32) -> Option<Option<MavMessage>> {
        Some(match id {
            ids::CAMERA_INFORMATION => Some(self.camera_information()),
            ids::CAMERA_SETTINGS => Some(self.settings()),
            ids::CAMERA_CAPTURE_STATUS => Some(self.capture_status()),
            ids::CAMERA_FOV_STATUS => Some(self.fov_status()),
            ids::CAMERA_TRACKING_IMAGE_STATUS => self.extras.then(|| self.tracking_status()),
            ids::GIMBAL_MANAGER_INFORMATION => Some(self.manager_information()),
            ids::GIMBAL_MANAGER_STATUS => Some(self.manager_status()),
            ids::GIMBAL_DEVICE_ATTITUDE_STATUS => Some(self.attitude_status()),
            _ => return None,
        })
    }

    fn time_boot_ms(&self) -> u32 {
        (self.pose.t * 1000.0) as u32
    }

    /// GIMBAL_MANAGER_INFORMATION: capabilities and limits.
    pub fn manager_information(&self) -> MavMessage {
        use GimbalManagerCapFlags as F;
        MavMessage::GIMBAL_MANAGER_INFORMATION(GIMBAL_MANAGER_INFORMATION_DATA {
            time_boot_ms: self.time_boot_ms(),
            cap_flags: F::GIMBAL_MANAGER_CAP_FLAGS_HAS_NEUTRAL
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_ROLL_AXIS
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_ROLL_LOCK
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_PITCH_AXIS
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_PITCH_LOCK
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_YAW_AXIS
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_YAW_FOLLOW
                | F::GIMBAL_MANAGER_CAP_FLAGS_HAS_YAW_LOCK
                | F::GIMBAL_MANAGER_CAP_FLAGS_SUPPORTS_YAW_IN_EARTH_FRAME
                | F::GIMBAL_MANAGER_CAP_FLAGS_CAN_POINT_LOCATION_GLOBAL,
            roll_min: (-30f32).to_radians(),
            roll_max: 30f32.to_radians(),
            pitch_min: (PITCH_MIN as f32).to_radians(),
            pitch_max: (PITCH_MAX as f32).to_radians(),
            yaw_min: (-YAW_LIMIT as f32).to_radians(),
            yaw_max: (YAW_LIMIT as f32).to_radians(),
            gimbal_device_id: GIMBAL_DEVICE_ID,
        })
    }

    /// GIMBAL_MANAGER_STATUS: flags and who controls the gimbal.
    pub fn manager_status(&self) -> MavMessage {
        let (ps, pc) = self.effective_primary();
        MavMessage::GIMBAL_MANAGER_STATUS(GIMBAL_MANAGER_STATUS_DATA {
            time_boot_ms: self.time_boot_ms(),
            flags: self.manager_flags(),
            gimbal_device_id: GIMBAL_DEVICE_ID,
            primary_control_sysid: ps,
            primary_control_compid: pc,
            secondary_control_sysid: self.secondary.0,
            secondary_control_compid: self.secondary.1,
        })
    }

    fn yaw_locked(&self) -> bool {
        match self.aim {
            Aim::Angles { earth, .. } | Aim::Rates { earth, .. } => earth,
            Aim::Location { .. } | Aim::Sysid(_) | Aim::Track => true,
        }
    }

    fn manager_flags(&self) -> GimbalManagerFlags {
        use GimbalManagerFlags as F;
        let mut f = F::GIMBAL_MANAGER_FLAGS_ROLL_LOCK | F::GIMBAL_MANAGER_FLAGS_PITCH_LOCK;
        if self.yaw_locked() {
            f |= F::GIMBAL_MANAGER_FLAGS_YAW_LOCK;
        }
        f
    }

    /// GIMBAL_DEVICE_ATTITUDE_STATUS: roll and pitch against the horizon, yaw from the nose
    /// (flag YAW_IN_VEHICLE_FRAME, as ArduPilot sends it), the aircraft's heading as delta_yaw.
    pub fn attitude_status(&self) -> MavMessage {
        use GimbalDeviceFlags as F;
        let mut flags = F::GIMBAL_DEVICE_FLAGS_ROLL_LOCK
            | F::GIMBAL_DEVICE_FLAGS_PITCH_LOCK
            | F::GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME;
        if self.yaw_locked() {
            flags |= F::GIMBAL_DEVICE_FLAGS_YAW_LOCK;
        }
        MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(GIMBAL_DEVICE_ATTITUDE_STATUS_DATA {
            time_boot_ms: self.time_boot_ms(),
            q: quaternion(self.pitch, self.yaw),
            angular_velocity_x: f32::NAN,
            angular_velocity_y: f32::NAN,
            angular_velocity_z: f32::NAN,
            failure_flags: GimbalDeviceErrorFlags::empty(),
            flags,
            target_system: 0,
            target_component: 0,
            delta_yaw: (self.pose.heading_deg as f32).to_radians(),
            delta_yaw_velocity: f32::NAN,
            gimbal_device_id: GIMBAL_DEVICE_ID,
        })
    }

    /// CAMERA_INFORMATION: what the camera can do.
    pub fn camera_information(&self) -> MavMessage {
        use CameraCapFlags as F;
        let mut vendor = [0u8; 32];
        let mut model = [0u8; 32];
        for (d, s) in vendor.iter_mut().zip(b"Kestrel-sim") {
            *d = *s;
        }
        for (d, s) in model.iter_mut().zip(b"Zoom 20x") {
            *d = *s;
        }
        // A 1/2.3" sensor (6.17 × 4.55 mm) behind a lens giving BASE_HFOV_DEG at 1×.
        let sensor_h = 6.17f32;
        let focal = (f64::from(sensor_h) / 2.0 / (BASE_HFOV_DEG.to_radians() / 2.0).tan()) as f32;
        MavMessage::CAMERA_INFORMATION(CAMERA_INFORMATION_DATA {
            time_boot_ms: self.time_boot_ms(),
            firmware_version: 0x0104_0000,
            focal_length: focal,
            sensor_size_h: sensor_h,
            sensor_size_v: 4.55,
            flags: F::CAMERA_CAP_FLAGS_CAPTURE_VIDEO
                | F::CAMERA_CAP_FLAGS_CAPTURE_IMAGE
                | F::CAMERA_CAP_FLAGS_HAS_BASIC_ZOOM
                | F::CAMERA_CAP_FLAGS_HAS_VIDEO_STREAM
                | F::CAMERA_CAP_FLAGS_HAS_TRACKING_POINT
                | F::CAMERA_CAP_FLAGS_HAS_TRACKING_RECTANGLE,
            resolution_h: 1920,
            resolution_v: 1080,
            cam_definition_version: 0,
            vendor_name: vendor,
            model_name: model,
            lens_id: 0,
            cam_definition_uri: "".into(),
            gimbal_device_id: GIMBAL_DEVICE_ID,
            camera_device_id: CAMERA_DEVICE_ID,
        })
    }

    /// CAMERA_SETTINGS: mode and zoom (0..100 % of the zoom range, as ArduPilot reports it).
    pub fn settings(&self) -> MavMessage {
        MavMessage::CAMERA_SETTINGS(CAMERA_SETTINGS_DATA {
            time_boot_ms: self.time_boot_ms(),
            mode_id: CameraMode::CAMERA_MODE_VIDEO,
            zoomLevel: self.zoom_pct(),
            focusLevel: f32::NAN,
            camera_device_id: CAMERA_DEVICE_ID,
        })
    }

    /// CAMERA_CAPTURE_STATUS: recording, images taken.
    pub fn capture_status(&self) -> MavMessage {
        MavMessage::CAMERA_CAPTURE_STATUS(CAMERA_CAPTURE_STATUS_DATA {
            time_boot_ms: self.time_boot_ms(),
            image_interval: self.interval_capture.map_or(0.0, |c| c.0 as f32),
            recording_time_ms: self
                .recording_since
                .map_or(0, |s| ((self.pose.t - s) * 1000.0) as u32),
            available_capacity: 32_000.0,
            image_status: if self.interval_capture.is_some() {
                3
            } else {
                0
            },
            video_status: u8::from(self.recording()),
            image_count: self.images,
            camera_device_id: CAMERA_DEVICE_ID,
        })
    }

    fn global(&self, north: f64, east: f64) -> (i32, i32) {
        let (lat, lon) = self.origin.to_global(north, east);
        (deg_to_e7(lat), deg_to_e7(lon))
    }

    fn camera_alt_mm(&self) -> i32 {
        ((crate::config::HOME_ALT_AMSL_M + self.pose.height) * 1000.0) as i32
    }

    /// CAMERA_FOV_STATUS: where the camera is, the ground point in the picture's centre
    /// (INT32_MAX when it looks above the horizon), its orientation and field of view.
    pub fn fov_status(&self) -> MavMessage {
        let view = self.view();
        let (lat_camera, lon_camera) = self.global(self.pose.north, self.pose.east);
        let (lat_image, lon_image, alt_image) = match view.ground_at(0.5, 0.5) {
            Some((n, e)) => {
                let (la, lo) = self.global(n, e);
                (la, lo, (crate::config::HOME_ALT_AMSL_M * 1000.0) as i32)
            }
            None => (i32::MAX, i32::MAX, i32::MAX),
        };
        MavMessage::CAMERA_FOV_STATUS(CAMERA_FOV_STATUS_DATA {
            time_boot_ms: self.time_boot_ms(),
            lat_camera,
            lon_camera,
            alt_camera: self.camera_alt_mm(),
            lat_image,
            lon_image,
            alt_image,
            q: quaternion(view.pitch_deg, view.yaw_deg),
            hfov: view.hfov_deg as f32,
            vfov: view.vfov_deg() as f32,
            camera_device_id: CAMERA_DEVICE_ID,
        })
    }

    /// CAMERA_IMAGE_CAPTURED for the latest image: where it was taken and how the camera
    /// pointed.
    pub fn image_captured(&self) -> MavMessage {
        let view = self.view();
        let (lat, lon) = self.global(self.pose.north, self.pose.east);
        let time_utc = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        let url = format!("sim://{}/IMG_{:04}.jpg", self.sysid, self.images);
        MavMessage::CAMERA_IMAGE_CAPTURED(CAMERA_IMAGE_CAPTURED_DATA {
            time_utc,
            time_boot_ms: self.time_boot_ms(),
            lat,
            lon,
            alt: self.camera_alt_mm(),
            relative_alt: (self.pose.height * 1000.0) as i32,
            q: quaternion(view.pitch_deg, view.yaw_deg),
            image_index: self.images - 1,
            camera_id: CAMERA_DEVICE_ID,
            capture_result: MavBool::MAV_BOOL_TRUE,
            file_url: url.as_str().into(),
        })
    }

    /// CAMERA_TRACKING_IMAGE_STATUS: where the tracked thing is in the picture.
    pub fn tracking_status(&self) -> MavMessage {
        let view = self.view();
        let mut data = CAMERA_TRACKING_IMAGE_STATUS_DATA {
            point_x: f32::NAN,
            point_y: f32::NAN,
            radius: f32::NAN,
            rec_top_x: f32::NAN,
            rec_top_y: f32::NAN,
            rec_bottom_x: f32::NAN,
            rec_bottom_y: f32::NAN,
            tracking_status: CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_IDLE,
            tracking_mode: CameraTrackingMode::CAMERA_TRACKING_MODE_NONE,
            target_data: CameraTrackingTargetData::CAMERA_TRACKING_TARGET_DATA_IN_STATUS,
            camera_device_id: CAMERA_DEVICE_ID,
        };
        let Some(tr) = self.tracking else {
            return MavMessage::CAMERA_TRACKING_IMAGE_STATUS(data);
        };
        let (n, e, hn, he) = match tr.what {
            Tracked::Target(kind) => match scene::targets(self.pose.t)
                .into_iter()
                .find(|t| t.kind == kind)
            {
                Some(t) => (t.north, t.east, t.half_n, t.half_e),
                None => return MavMessage::CAMERA_TRACKING_IMAGE_STATUS(data),
            },
            Tracked::Ground(n, e) => (n, e, 1.0, 1.0),
        };
        data.tracking_mode = tr.mode;
        match view.project(n, e) {
            Some((x, y)) if (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y) => {
                data.tracking_status =
                    CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_ACTIVE;
                data.point_x = x as f32;
                data.point_y = y as f32;
                let corners = [
                    (n - hn, e - he),
                    (n + hn, e + he),
                    (n - hn, e + he),
                    (n + hn, e - he),
                ]
                .map(|(cn, ce)| view.project(cn, ce).unwrap_or((x, y)));
                let (mut x0, mut y0, mut x1, mut y1) = (x, y, x, y);
                for (cx, cy) in corners {
                    x0 = x0.min(cx);
                    y0 = y0.min(cy);
                    x1 = x1.max(cx);
                    y1 = y1.max(cy);
                }
                data.rec_top_x = x0 as f32;
                data.rec_top_y = y0 as f32;
                data.rec_bottom_x = x1 as f32;
                data.rec_bottom_y = y1 as f32;
                data.radius = ((x1 - x0).max(y1 - y0) / 2.0) as f32;
            }
            _ => {
                data.tracking_status =
                    CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_COASTING;
            }
        }
        MavMessage::CAMERA_TRACKING_IMAGE_STATUS(data)
    }
}

fn device_ok(id: u8) -> bool {
    id == 0 || id == GIMBAL_DEVICE_ID
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::Peer;

    fn sender() -> Sender {
        Sender {
            peer: Peer(0),
            sysid: 255,
            compid: 190,
        }
    }

    fn cmd(command: MavCmd, raw: [f32; 7]) -> CommandArgs {
        CommandArgs {
            command,
            raw,
            lat: f64::NAN,
            lon: f64::NAN,
            alt: 0.0,
            frame: 3,
        }
    }

    fn pose(t: f64) -> Pose {
        Pose {
            north: 0.0,
            east: 0.0,
            height: 30.0,
            heading_deg: 90.0,
            t,
            in_mission: false,
        }
    }

    fn run(p: &mut Payload, from: f64, seconds: f64) {
        let mut out = Outbox::default();
        let mut t = from;
        while t < from + seconds {
            t += 0.05;
            p.step(0.05, pose(t), &mut out);
        }
    }

    fn payload() -> Payload {
        Payload::new(1, Origin::new(36.0, 116.0))
    }

    #[test]
    fn pitchyaw_slews_within_limits_in_either_frame() {
        let mut p = payload();
        let mut out = Outbox::default();
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [-45.0, 30.0, f32::NAN, f32::NAN, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_ACCEPTED));
        // Slew-rate limited: after 0.1 s it has not arrived.
        run(&mut p, 0.0, 0.1);
        assert!(p.pitch_deg() > -45.0);
        run(&mut p, 0.1, 1.0);
        assert!((p.pitch_deg() + 45.0).abs() < 1e-6 && (p.yaw_deg() - 30.0).abs() < 1e-6);
        // Earth frame: yaw 0 (north) with the aircraft facing east is -90 from the nose.
        p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [-100.0, 0.0, f32::NAN, f32::NAN, 16.0, 0.0, 0.0],
            ),
            &mut out,
        );
        run(&mut p, 1.1, 2.0);
        assert!((p.yaw_deg() + 90.0).abs() < 1e-6, "{}", p.yaw_deg());
        assert_eq!(p.pitch_deg(), PITCH_MIN, "clamped to the limit");
        // A second gimbal does not exist.
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [0.0, 0.0, f32::NAN, f32::NAN, 0.0, 0.0, 2.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_FAILED));
    }

    #[test]
    fn roi_centres_the_place_and_the_status_names_the_controller() {
        let mut p = payload();
        let mut out = Outbox::default();
        let origin = Origin::new(36.0, 116.0);
        let (lat, lon) = origin.to_global(40.0, 0.0);
        let mut a = cmd(MavCmd::MAV_CMD_DO_SET_ROI_LOCATION, [0.0; 7]);
        a.lat = lat;
        a.lon = lon;
        assert_eq!(
            p.execute(sender(), &a, &mut out),
            Some(MavResult::MAV_RESULT_ACCEPTED)
        );
        run(&mut p, 0.0, 3.0);
        let (x, y) = p.view().project(40.0, 0.0).unwrap();
        assert!((x - 0.5).abs() < 1e-3 && (y - 0.5).abs() < 1e-3, "{x} {y}");
        p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
                [-2.0, -2.0, -1.0, -1.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(p.primary_control(), (255, 190));
        let MavMessage::GIMBAL_MANAGER_STATUS(s) = p.manager_status() else {
            panic!()
        };
        assert_eq!(
            (s.primary_control_sysid, s.primary_control_compid),
            (255, 190)
        );
    }

    #[test]
    fn only_the_controller_releases_the_gimbal_and_only_the_spec_manager_keeps_a_secondary() {
        let mut p = payload();
        let mut out = Outbox::default();
        let payload_seat = Sender {
            sysid: 254,
            ..sender()
        };
        let configure = |p: &mut Payload, from: Sender, raw: [f32; 4], out: &mut Outbox| {
            let args = cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
                [raw[0], raw[1], raw[2], raw[3], 0.0, 0.0, 0.0],
            );
            p.execute(from, &args, out)
        };
        configure(&mut p, payload_seat, [-2.0, -2.0, -1.0, -1.0], &mut out);
        // The pilot seat (255) cannot release the payload seat's control, and is secondary.
        configure(&mut p, sender(), [-3.0, -3.0, -2.0, -2.0], &mut out);
        let MavMessage::GIMBAL_MANAGER_STATUS(s) = p.manager_status() else {
            panic!()
        };
        assert_eq!(
            (s.primary_control_sysid, s.secondary_control_sysid),
            (254, 255)
        );
        configure(&mut p, payload_seat, [-3.0, -3.0, -1.0, -1.0], &mut out);
        assert_eq!(p.primary_control(), (0, 0));
        // ArduPilot's manager reports no secondary.
        let mut ap = payload();
        ap.extras = false;
        configure(&mut ap, sender(), [-1.0, -1.0, -2.0, -2.0], &mut out);
        let MavMessage::GIMBAL_MANAGER_STATUS(s) = ap.manager_status() else {
            panic!()
        };
        assert_eq!(s.secondary_control_sysid, 0);
    }

    #[test]
    fn zoom_narrows_the_view_and_arducopter_mode_refuses_steps() {
        let mut p = payload();
        let mut out = Outbox::default();
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [2.0, 100.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_ACCEPTED));
        assert!((p.zoom() - MAX_ZOOM).abs() < 1e-9);
        assert!(p.hfov_deg() < BASE_HFOV_DEG / 10.0);
        p.extras = false;
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_UNSUPPORTED));
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [2.0, 150.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_DENIED));
    }

    #[test]
    fn capture_reports_only_with_the_extras() {
        let mut p = payload();
        let mut out = Outbox::default();
        p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_IMAGE_START_CAPTURE,
                [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert!(out
            .messages()
            .any(|m| matches!(m, MavMessage::CAMERA_IMAGE_CAPTURED(c) if c.image_index == 0)));
        out.clear();
        p.extras = false;
        p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_IMAGE_START_CAPTURE,
                [0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert!(!out
            .messages()
            .any(|m| matches!(m, MavMessage::CAMERA_IMAGE_CAPTURED(_))));
        assert!(out
            .messages()
            .any(|m| matches!(m, MavMessage::CAMERA_CAPTURE_STATUS(c) if c.image_count == 2)));
    }

    #[test]
    fn tracking_keeps_the_person_centred() {
        let mut p = payload();
        let mut out = Outbox::default();
        let t0 = 1.0;
        let person = scene::person(t0);
        // Look at the person first, then ask to track where it is in the picture.
        let (pitch, yaw) = scene::aim_at(0.0, 0.0, 30.0, person.north, person.east);
        p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [pitch as f32, yaw as f32, f32::NAN, f32::NAN, 16.0, 0.0, 0.0],
            ),
            &mut out,
        );
        run(&mut p, 0.0, t0);
        let (x, y) = p.view().project(person.north, person.east).unwrap();
        let r = p.execute(
            sender(),
            &cmd(
                MavCmd::MAV_CMD_CAMERA_TRACK_POINT,
                [x as f32, y as f32, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            &mut out,
        );
        assert_eq!(r, Some(MavResult::MAV_RESULT_ACCEPTED));
        run(&mut p, t0, 20.0);
        let now = scene::person(t0 + 20.0);
        let (x, y) = p.view().project(now.north, now.east).unwrap();
        assert!((x - 0.5).abs() < 0.05 && (y - 0.5).abs() < 0.05, "{x} {y}");
        let MavMessage::CAMERA_TRACKING_IMAGE_STATUS(s) = p.tracking_status() else {
            panic!()
        };
        assert_eq!(
            s.tracking_status,
            CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_ACTIVE
        );
        p.execute(
            sender(),
            &cmd(MavCmd::MAV_CMD_CAMERA_STOP_TRACKING, [0.0; 7]),
            &mut out,
        );
        assert!(!p.tracking());
    }

    #[test]
    fn attitude_status_decodes_to_the_gimbal_angles() {
        let mut p = payload();
        p.pitch = -30.0;
        p.yaw = 45.0;
        let MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(g) = p.attitude_status() else {
            panic!()
        };
        let [w, x, y, z] = g.q.map(f64::from);
        let pitch = (2.0 * (w * y - z * x)).asin().to_degrees();
        let yaw = (2.0 * (w * z + x * y))
            .atan2(1.0 - 2.0 * (y * y + z * z))
            .to_degrees();
        assert!(
            (pitch + 30.0).abs() < 1e-3 && (yaw - 45.0).abs() < 1e-3,
            "{pitch} {yaw}"
        );
    }
}
