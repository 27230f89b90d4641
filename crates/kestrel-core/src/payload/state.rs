//! What the station knows of each aircraft's gimbal and camera, built only from the messages
//! they send (no I/O): which components they are and what they can do
//! (GIMBAL_MANAGER_INFORMATION, CAMERA_INFORMATION), who controls the gimbal
//! (GIMBAL_MANAGER_STATUS), where it points (GIMBAL_DEVICE_ATTITUDE_STATUS / MOUNT_STATUS), the
//! zoom and field of view (CAMERA_SETTINGS, CAMERA_FOV_STATUS), recording and stills
//! (CAMERA_CAPTURE_STATUS, CAMERA_IMAGE_CAPTURED) and tracking (CAMERA_TRACKING_IMAGE_STATUS).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use mavlink::dialects::ardupilotmega::{
    CameraCapFlags, CameraTrackingStatusFlags, GimbalManagerCapFlags, GimbalManagerFlags,
    MavMessage,
};

use crate::fleet::GimbalAttitude;
use crate::geo::GeoPoint;

/// A report older than this no longer describes the payload's present state.
pub const FRESH: Duration = Duration::from_secs(5);

/// The gimbal manager as it described itself.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GimbalInfo {
    /// Component that manages it (1: the autopilot, as on ArduPilot).
    pub component: u8,
    /// Its gimbal device id (ArduPilot: mount instance + 1).
    pub device_id: u8,
    /// Lowest pitch, degrees.
    pub pitch_min_deg: f64,
    /// Highest pitch, degrees.
    pub pitch_max_deg: f64,
    /// Yaw limit to the left, degrees.
    pub yaw_min_deg: f64,
    /// Yaw limit to the right, degrees.
    pub yaw_max_deg: f64,
    /// It can hold a yaw relative to north.
    pub yaw_lock: bool,
    /// It can point at a location (ROI).
    pub point_location: bool,
}

impl GimbalInfo {
    /// From GIMBAL_MANAGER_INFORMATION (limits in radians; NaN limits mean "none").
    pub fn from_message(
        component: u8,
        m: &mavlink::dialects::ardupilotmega::GIMBAL_MANAGER_INFORMATION_DATA,
    ) -> Self {
        let deg = |r: f32, default: f64| {
            let d = f64::from(r).to_degrees();
            if d.is_finite() {
                d
            } else {
                default
            }
        };
        Self {
            component,
            device_id: m.gimbal_device_id,
            pitch_min_deg: deg(m.pitch_min, -90.0),
            pitch_max_deg: deg(m.pitch_max, 90.0),
            yaw_min_deg: deg(m.yaw_min, -180.0),
            yaw_max_deg: deg(m.yaw_max, 180.0),
            yaw_lock: m
                .cap_flags
                .contains(GimbalManagerCapFlags::GIMBAL_MANAGER_CAP_FLAGS_HAS_YAW_LOCK),
            point_location: m.cap_flags.contains(
                GimbalManagerCapFlags::GIMBAL_MANAGER_CAP_FLAGS_CAN_POINT_LOCATION_GLOBAL,
            ),
        }
    }
}

/// Who controls the gimbal (GIMBAL_MANAGER_STATUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct GimbalControl {
    /// Primary controller's system id (0: nobody).
    pub primary_sysid: u8,
    /// Primary controller's component id.
    pub primary_compid: u8,
    /// Secondary controller's system id (0: nobody; ArduPilot always reports 0).
    pub secondary_sysid: u8,
    /// Secondary controller's component id.
    pub secondary_compid: u8,
    /// The yaw is held relative to north.
    pub yaw_lock: bool,
}

/// The camera as it described itself (CAMERA_INFORMATION).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CameraInfo {
    /// Component that answers for it.
    pub component: u8,
    /// Its camera device id (0 when the camera is its own component).
    pub device_id: u8,
    /// Vendor and model.
    pub name: String,
    /// It takes stills.
    pub capture_image: bool,
    /// It records video.
    pub capture_video: bool,
    /// It zooms.
    pub zoom: bool,
    /// It tracks a point.
    pub track_point: bool,
    /// It tracks a rectangle.
    pub track_rectangle: bool,
}

fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end])
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

impl CameraInfo {
    /// From CAMERA_INFORMATION.
    pub fn from_message(
        component: u8,
        m: &mavlink::dialects::ardupilotmega::CAMERA_INFORMATION_DATA,
    ) -> Self {
        let f = m.flags;
        Self {
            component,
            device_id: m.camera_device_id,
            name: format!("{} {}", text(&m.vendor_name), text(&m.model_name))
                .trim()
                .to_string(),
            capture_image: f.contains(CameraCapFlags::CAMERA_CAP_FLAGS_CAPTURE_IMAGE),
            capture_video: f.contains(CameraCapFlags::CAMERA_CAP_FLAGS_CAPTURE_VIDEO),
            zoom: f.contains(CameraCapFlags::CAMERA_CAP_FLAGS_HAS_BASIC_ZOOM),
            track_point: f.contains(CameraCapFlags::CAMERA_CAP_FLAGS_HAS_TRACKING_POINT),
            track_rectangle: f.contains(CameraCapFlags::CAMERA_CAP_FLAGS_HAS_TRACKING_RECTANGLE),
        }
    }
}

/// The camera's field of view and what it looks at (CAMERA_FOV_STATUS).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FieldOfView {
    /// Horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// Vertical field of view, degrees.
    pub vfov_deg: f64,
    /// Where the camera is.
    pub camera: Option<GeoPoint>,
    /// The ground point in the centre of the picture (`None` above the horizon).
    pub look_at: Option<GeoPoint>,
}

fn e7(v: i32) -> Option<f64> {
    (v != i32::MAX).then(|| f64::from(v) * 1e-7)
}

fn point(lat: i32, lon: i32) -> Option<GeoPoint> {
    let (lat, lon) = (e7(lat)?, e7(lon)?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && (lat, lon) != (0.0, 0.0))
        .then_some(GeoPoint { lat, lon })
}

/// One still the camera reported taking (CAMERA_IMAGE_CAPTURED).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CapturedImage {
    /// The camera's index of the image.
    pub index: i32,
    /// Where the camera was.
    pub position: Option<GeoPoint>,
    /// Altitude above mean sea level, m.
    pub alt_m: f64,
    /// When it was taken (the camera's clock), if it said.
    #[serde(with = "crate::time::unix_time::option")]
    pub taken: Option<SystemTime>,
    /// Where the camera keeps it.
    pub url: String,
    /// The camera says it succeeded.
    pub ok: bool,
}

/// What the camera tracks, as it reports (CAMERA_TRACKING_IMAGE_STATUS).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TrackingImage {
    /// Tracking and holding the target.
    pub active: bool,
    /// Lost the target for now (coasting) or failed.
    pub lost: bool,
    /// The target's centre in the picture (0..1 from the top-left), if known.
    pub point: Option<(f64, f64)>,
    /// The box around it (x0, y0, x1, y1), if known.
    pub rect: Option<(f64, f64, f64, f64)>,
}

/// Everything known of one aircraft's payload.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PayloadState {
    /// The gimbal manager, once it answered.
    pub gimbal: Option<GimbalInfo>,
    /// Who controls the gimbal, if it reported.
    pub control: Option<GimbalControl>,
    /// Where the gimbal points.
    pub attitude: Option<GimbalAttitude>,
    /// The camera, once it answered.
    pub camera: Option<CameraInfo>,
    /// Zoom, 0..100 % of its range (CAMERA_SETTINGS).
    pub zoom_pct: Option<f64>,
    /// Field of view and the ground point looked at.
    pub fov: Option<FieldOfView>,
    /// Recording video now (CAMERA_CAPTURE_STATUS).
    pub recording: Option<bool>,
    /// How long the recording runs, s.
    pub recording_s: Option<f64>,
    /// Stills the camera counts.
    pub image_count: Option<i32>,
    /// The last stills reported taken, newest last (at most [`PayloadState::KEEP_IMAGES`]).
    pub images: Vec<CapturedImage>,
    /// The camera's tracking report, if it sends one.
    pub tracking: Option<TrackingImage>,
    /// The camera has sent CAMERA_IMAGE_CAPTURED at least once (ArduPilot 4.5 never does).
    pub reports_captures: bool,
    /// The camera has sent CAMERA_TRACKING_IMAGE_STATUS at least once (ArduPilot never does).
    pub reports_tracking: bool,
    #[serde(skip)]
    pub(crate) heard: BTreeMap<&'static str, Instant>,
}

impl PayloadState {
    /// How many captured stills are kept.
    pub const KEEP_IMAGES: usize = 20;

    /// When message `name` (e.g. "CAMERA_FOV_STATUS") last arrived.
    pub fn heard(&self, name: &str) -> Option<Instant> {
        self.heard.get(name).copied()
    }

    /// Whether `name` arrived within [`FRESH`] before `now`.
    pub fn fresh(&self, name: &str, now: Instant) -> bool {
        self.heard(name)
            .is_some_and(|t| now.saturating_duration_since(t) <= FRESH)
    }

    /// The field of view if it was reported within [`FRESH`] before `now`.
    pub fn fov_within(&self, now: Instant) -> Option<FieldOfView> {
        self.fov.filter(|_| self.fresh("CAMERA_FOV_STATUS", now))
    }

    /// Applies one message from component `compid`; returns whether it was a payload message.
    pub fn apply(&mut self, compid: u8, msg: &MavMessage, now: Instant) -> bool {
        let name = match msg {
            MavMessage::GIMBAL_MANAGER_INFORMATION(m) => {
                self.gimbal = Some(GimbalInfo::from_message(compid, m));
                "GIMBAL_MANAGER_INFORMATION"
            }
            MavMessage::GIMBAL_MANAGER_STATUS(m) => {
                self.control = Some(GimbalControl {
                    primary_sysid: m.primary_control_sysid,
                    primary_compid: m.primary_control_compid,
                    secondary_sysid: m.secondary_control_sysid,
                    secondary_compid: m.secondary_control_compid,
                    yaw_lock: m
                        .flags
                        .contains(GimbalManagerFlags::GIMBAL_MANAGER_FLAGS_YAW_LOCK),
                });
                "GIMBAL_MANAGER_STATUS"
            }
            MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(_) | MavMessage::MOUNT_STATUS(_) => {
                match GimbalAttitude::from_message(msg).filter(|g| {
                    [g.roll_deg, g.pitch_deg, g.yaw_deg]
                        .iter()
                        .all(|d| d.is_finite())
                }) {
                    Some(g) => self.attitude = Some(g),
                    None => return true,
                }
                "GIMBAL_DEVICE_ATTITUDE_STATUS"
            }
            MavMessage::CAMERA_INFORMATION(m) => {
                self.camera = Some(CameraInfo::from_message(compid, m));
                "CAMERA_INFORMATION"
            }
            MavMessage::CAMERA_SETTINGS(m) => {
                let z = f64::from(m.zoomLevel);
                if z.is_finite() {
                    self.zoom_pct = Some(z.clamp(0.0, 100.0));
                }
                "CAMERA_SETTINGS"
            }
            MavMessage::CAMERA_FOV_STATUS(m) => {
                let (h, v) = (f64::from(m.hfov), f64::from(m.vfov));
                if !(h.is_finite() && h > 0.0 && h < 180.0) {
                    return true;
                }
                self.fov = Some(FieldOfView {
                    hfov_deg: h,
                    vfov_deg: if v.is_finite() && v > 0.0 && v < 180.0 {
                        v
                    } else {
                        h * 9.0 / 16.0
                    },
                    camera: point(m.lat_camera, m.lon_camera),
                    look_at: point(m.lat_image, m.lon_image),
                });
                "CAMERA_FOV_STATUS"
            }
            MavMessage::CAMERA_CAPTURE_STATUS(m) => {
                self.recording = Some(m.video_status == 1);
                self.recording_s =
                    Some(f64::from(m.recording_time_ms) / 1000.0).filter(|_| m.video_status == 1);
                self.image_count = Some(m.image_count);
                "CAMERA_CAPTURE_STATUS"
            }
            MavMessage::CAMERA_IMAGE_CAPTURED(m) => {
                self.reports_captures = true;
                let taken = (m.time_utc > 0)
                    .then(|| SystemTime::UNIX_EPOCH + Duration::from_micros(m.time_utc));
                let image = CapturedImage {
                    index: m.image_index,
                    position: point(m.lat, m.lon),
                    alt_m: f64::from(m.alt) / 1000.0,
                    taken,
                    url: m
                        .file_url
                        .to_str()
                        .unwrap_or("")
                        .trim_end_matches('\0')
                        .chars()
                        .filter(|c| !c.is_control())
                        .collect(),
                    ok: m.capture_result.bits() == 1,
                };
                if !self.images.iter().any(|i| i.index == image.index) {
                    self.images.push(image);
                    if self.images.len() > Self::KEEP_IMAGES {
                        self.images.remove(0);
                    }
                }
                "CAMERA_IMAGE_CAPTURED"
            }
            MavMessage::CAMERA_TRACKING_IMAGE_STATUS(m) => {
                self.reports_tracking = true;
                let s = m.tracking_status;
                let unit = |v: f32| {
                    let v = f64::from(v);
                    (v.is_finite() && (0.0..=1.0).contains(&v)).then_some(v)
                };
                let point = unit(m.point_x).zip(unit(m.point_y));
                let rect = match (
                    unit(m.rec_top_x),
                    unit(m.rec_top_y),
                    unit(m.rec_bottom_x),
                    unit(m.rec_bottom_y),
                ) {
                    (Some(a), Some(b), Some(c), Some(d)) => Some((a, b, c, d)),
                    _ => None,
                };
                self.tracking = Some(TrackingImage {
                    active: s
                        .contains(CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_ACTIVE),
                    lost: s.contains(CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_ERROR)
                        || s.contains(
                            CameraTrackingStatusFlags::CAMERA_TRACKING_STATUS_FLAGS_COASTING,
                        ),
                    point,
                    rect,
                });
                "CAMERA_TRACKING_IMAGE_STATUS"
            }
            _ => return false,
        };
        self.heard.insert(name, now);
        true
    }
}

/// Every aircraft's payload, by system id.
#[derive(Debug, Clone, Default)]
pub struct PayloadBook {
    aircraft: BTreeMap<u8, PayloadState>,
}

impl PayloadBook {
    /// Applies one message from (`sysid`, `compid`); returns whether it changed the book.
    pub fn apply(&mut self, sysid: u8, compid: u8, msg: &MavMessage, now: Instant) -> bool {
        if sysid == 0 {
            return false;
        }
        // Only create an entry for payload messages.
        let mut probe = PayloadState::default();
        match self.aircraft.get_mut(&sysid) {
            Some(s) => s.apply(compid, msg, now),
            None => {
                if probe.apply(compid, msg, now) {
                    self.aircraft.insert(sysid, probe);
                    true
                } else {
                    false
                }
            }
        }
    }

    /// The payload of aircraft `sysid`, if it reported anything.
    pub fn get(&self, sysid: u8) -> Option<&PayloadState> {
        self.aircraft.get(&sysid)
    }

    /// Every aircraft's payload.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &PayloadState)> {
        self.aircraft.iter().map(|(k, v)| (*k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::*;

    #[test]
    fn messages_build_the_state_and_bad_values_are_ignored() {
        let now = Instant::now();
        let mut book = PayloadBook::default();
        assert!(!book.apply(3, 1, &MavMessage::HEARTBEAT(Default::default()), now));
        assert!(book.get(3).is_none());
        let info = GIMBAL_MANAGER_INFORMATION_DATA {
            pitch_min: (-90f32).to_radians(),
            pitch_max: 30f32.to_radians(),
            yaw_min: f32::NAN,
            yaw_max: f32::NAN,
            gimbal_device_id: 1,
            cap_flags: GimbalManagerCapFlags::GIMBAL_MANAGER_CAP_FLAGS_HAS_YAW_LOCK,
            ..Default::default()
        };
        assert!(book.apply(3, 1, &MavMessage::GIMBAL_MANAGER_INFORMATION(info), now));
        let g = book.get(3).unwrap().gimbal.unwrap();
        assert!((g.pitch_min_deg + 90.0).abs() < 1e-4 && (g.pitch_max_deg - 30.0).abs() < 1e-4);
        assert_eq!((g.yaw_min_deg, g.yaw_max_deg), (-180.0, 180.0));
        assert!(g.yaw_lock && !g.point_location);
        // A field of view of NaN is not kept.
        let fov = CAMERA_FOV_STATUS_DATA {
            hfov: f32::NAN,
            ..Default::default()
        };
        book.apply(3, 1, &MavMessage::CAMERA_FOV_STATUS(fov), now);
        assert!(book.get(3).unwrap().fov.is_none());
        let fov = CAMERA_FOV_STATUS_DATA {
            hfov: 30.0,
            vfov: 17.0,
            lat_image: 364_560_000,
            lon_image: 1_159_850_000,
            lat_camera: i32::MAX,
            lon_camera: i32::MAX,
            ..Default::default()
        };
        book.apply(3, 1, &MavMessage::CAMERA_FOV_STATUS(fov), now);
        let f = book.get(3).unwrap().fov_within(now).unwrap();
        assert_eq!(f.hfov_deg, 30.0);
        assert!(f.camera.is_none());
        assert!((f.look_at.unwrap().lat - 36.456).abs() < 1e-9);
        assert!(book.get(3).unwrap().fov_within(now + FRESH * 2).is_none());
        // The same image reported twice is kept once.
        let img = CAMERA_IMAGE_CAPTURED_DATA {
            image_index: 4,
            capture_result: MavBool::MAV_BOOL_TRUE,
            ..Default::default()
        };
        book.apply(3, 1, &MavMessage::CAMERA_IMAGE_CAPTURED(img.clone()), now);
        book.apply(3, 1, &MavMessage::CAMERA_IMAGE_CAPTURED(img), now);
        let s = book.get(3).unwrap();
        assert_eq!(s.images.len(), 1);
        assert!(s.reports_captures && !s.reports_tracking);
    }
}
