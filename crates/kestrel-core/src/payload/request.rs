//! What a payload operator asks of a gimbal or a camera, checked against what the aircraft said
//! it can do, and the MAVLink command each request is sent as (the ones ArduPilot 4.5's gimbal
//! manager and camera library accept).

use mavlink::dialects::ardupilotmega::{MavCmd, MavFrame};

use crate::protocol::{Command, RawCommand};

use super::state::{GimbalInfo, PayloadState};

/// GIMBAL_MANAGER_FLAGS_YAW_LOCK: the yaw is relative to north.
const YAW_LOCK: f32 = 16.0;

/// A request to the gimbal.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "request")]
pub enum GimbalRequest {
    /// Point at these angles.
    Point {
        /// Pitch above the horizon, degrees (-90 straight down).
        pitch_deg: f64,
        /// Yaw, degrees clockwise (from the nose, or from north when `earth`).
        yaw_deg: f64,
        /// The yaw is from north (held while the aircraft turns).
        earth: bool,
    },
    /// Turn at these rates (0, 0 stops).
    Rate {
        /// Pitch rate, degrees per second (up positive).
        pitch_deg_s: f64,
        /// Yaw rate, degrees per second (clockwise positive).
        yaw_deg_s: f64,
    },
    /// Look at a place (region of interest) and keep looking at it.
    Roi {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// Altitude above the aircraft's home, m (0: on the ground at home's level).
        alt_m: f64,
    },
    /// Look at another aircraft and follow it.
    RoiSysid {
        /// Its system id.
        sysid: u8,
    },
    /// Stop looking at a place; hold where the gimbal points.
    RoiClear,
    /// Take primary control of the gimbal (from a mission or another station).
    TakeControl,
    /// Release control of the gimbal.
    Release,
    /// Take secondary control of the gimbal (the pilot seat, beside the payload seat in primary
    /// control).
    TakeSecondary,
}

/// How to zoom.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "zoom")]
pub enum Zoom {
    /// To this level, 0..100 % of the zoom range.
    Range {
        /// Percent of the range.
        pct: f64,
    },
    /// Keep zooming in (+1), out (-1) or stop (0).
    Continuous {
        /// Direction.
        direction: i8,
    },
    /// In or out by whole steps.
    Step {
        /// Steps (negative zooms out).
        steps: i32,
    },
}

/// A request to the camera.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "request")]
pub enum CameraRequest {
    /// Zoom.
    Zoom(Zoom),
    /// Take one still.
    Capture,
    /// Start recording video on the aircraft.
    RecordStart,
    /// Stop recording.
    RecordStop,
    /// Track what is at (x, y) (0..1 from the picture's top-left), or inside the box of that
    /// size centred there.
    Track {
        /// Picture x, 0..1.
        x: f64,
        /// Picture y, 0..1.
        y: f64,
        /// Box width, 0..1 (0: a point).
        w: f64,
        /// Box height, 0..1.
        h: f64,
    },
    /// Stop tracking.
    TrackStop,
}

/// Why a payload request cannot be sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    /// The aircraft never described a gimbal.
    #[error("aircraft {0} reports no gimbal")]
    NoGimbal(u8),
    /// The aircraft never described a camera.
    #[error("aircraft {0} reports no camera")]
    NoCamera(u8),
    /// An angle outside what the gimbal can reach.
    #[error("{axis} {value:.1}° is outside the gimbal's limits {min:.0}..{max:.0}°")]
    OutOfLimits {
        /// "pitch" or "yaw".
        axis: &'static str,
        /// What was asked.
        value: f64,
        /// The limit below.
        min: f64,
        /// The limit above.
        max: f64,
    },
    /// A value that means nothing (NaN, a latitude of 500°, a box outside the picture).
    #[error("{0}")]
    BadValue(String),
    /// The camera cannot do this.
    #[error("the camera of aircraft {sysid} cannot {what}")]
    Unsupported {
        /// The aircraft.
        sysid: u8,
        /// What it cannot do.
        what: &'static str,
    },
}

fn finite(v: f64, what: &str) -> Result<f64, PayloadError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(PayloadError::BadValue(format!("{what} must be a number")))
    }
}

fn unit(v: f64, what: &str) -> Result<f64, PayloadError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(PayloadError::BadValue(format!(
            "{what} {v} is outside the picture (0..1 from its top-left corner)"
        )))
    }
}

impl GimbalRequest {
    /// Checks the values, against the gimbal's limits when it reported them.
    pub fn validate(&self, limits: Option<&GimbalInfo>) -> Result<(), PayloadError> {
        match *self {
            GimbalRequest::Point {
                pitch_deg, yaw_deg, ..
            } => {
                let p = finite(pitch_deg, "pitch")?;
                let y = finite(yaw_deg, "yaw")?;
                let (pmin, pmax, ymin, ymax) = limits.map_or((-90.0, 90.0, -180.0, 180.0), |g| {
                    (
                        g.pitch_min_deg,
                        g.pitch_max_deg,
                        g.yaw_min_deg,
                        g.yaw_max_deg,
                    )
                });
                // Half a degree of slack for rounding in the reported radians.
                if p < pmin - 0.5 || p > pmax + 0.5 {
                    return Err(PayloadError::OutOfLimits {
                        axis: "pitch",
                        value: p,
                        min: pmin,
                        max: pmax,
                    });
                }
                if y < ymin - 0.5 || y > ymax + 0.5 {
                    return Err(PayloadError::OutOfLimits {
                        axis: "yaw",
                        value: y,
                        min: ymin,
                        max: ymax,
                    });
                }
                Ok(())
            }
            GimbalRequest::Rate {
                pitch_deg_s,
                yaw_deg_s,
            } => {
                for (v, w) in [(pitch_deg_s, "pitch rate"), (yaw_deg_s, "yaw rate")] {
                    if finite(v, w)?.abs() > 360.0 {
                        return Err(PayloadError::BadValue(format!(
                            "{w} {v}°/s is faster than 360°/s"
                        )));
                    }
                }
                Ok(())
            }
            GimbalRequest::Roi { lat, lon, alt_m } => {
                if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                    return Err(PayloadError::BadValue(format!(
                        "latitude {lat} is outside -90..90"
                    )));
                }
                if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                    return Err(PayloadError::BadValue(format!(
                        "longitude {lon} is outside -180..180"
                    )));
                }
                if !(alt_m.is_finite() && (-1000.0..=10000.0).contains(&alt_m)) {
                    return Err(PayloadError::BadValue(format!(
                        "altitude {alt_m} m is outside -1000..10000 m"
                    )));
                }
                Ok(())
            }
            GimbalRequest::RoiSysid { sysid: 0 } => Err(PayloadError::BadValue(
                "0 is the broadcast id, not an aircraft".into(),
            )),
            _ => Ok(()),
        }
    }

    /// In words, for logs, the audit trail and the console.
    pub fn describe(&self) -> String {
        match *self {
            GimbalRequest::Point {
                pitch_deg,
                yaw_deg,
                earth,
            } => format!(
                "point the gimbal to pitch {pitch_deg:.1}°, yaw {yaw_deg:.1}° {}",
                if earth { "from north" } else { "from the nose" }
            ),
            GimbalRequest::Rate {
                pitch_deg_s,
                yaw_deg_s,
            } => format!("turn the gimbal at pitch {pitch_deg_s:.1}°/s, yaw {yaw_deg_s:.1}°/s"),
            GimbalRequest::Roi { lat, lon, alt_m } => {
                format!("look at {lat:.6}, {lon:.6} ({alt_m:.0} m)")
            }
            GimbalRequest::RoiSysid { sysid } => format!("look at aircraft {sysid}"),
            GimbalRequest::RoiClear => "stop looking at a place".into(),
            GimbalRequest::TakeControl => "take control of the gimbal".into(),
            GimbalRequest::Release => "release the gimbal".into(),
            GimbalRequest::TakeSecondary => "take secondary control of the gimbal".into(),
        }
    }

    /// The command it is sent as, to the gimbal manager `gimbal` (the autopilot if unknown).
    pub fn to_command(&self, gimbal: Option<&GimbalInfo>) -> Command {
        let component = gimbal.map_or(1, |g| g.component);
        let device = gimbal.map_or(0.0, |g| f32::from(g.device_id));
        let nan = f32::NAN;
        let (command, params, position) = match *self {
            GimbalRequest::Point {
                pitch_deg,
                yaw_deg,
                earth,
            } => (
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [
                    pitch_deg as f32,
                    yaw_deg as f32,
                    nan,
                    nan,
                    if earth { YAW_LOCK } else { 0.0 },
                    0.0,
                    device,
                ],
                None,
            ),
            GimbalRequest::Rate {
                pitch_deg_s,
                yaw_deg_s,
            } => (
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW,
                [
                    nan,
                    nan,
                    pitch_deg_s as f32,
                    yaw_deg_s as f32,
                    0.0,
                    0.0,
                    device,
                ],
                None,
            ),
            GimbalRequest::Roi { lat, lon, alt_m } => (
                MavCmd::MAV_CMD_DO_SET_ROI_LOCATION,
                [device, 0.0, 0.0, 0.0, 0.0, 0.0, alt_m as f32],
                Some((
                    (lat * 1e7).round() as i32,
                    (lon * 1e7).round() as i32,
                    MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
                )),
            ),
            GimbalRequest::RoiSysid { sysid } => (
                MavCmd::MAV_CMD_DO_SET_ROI_SYSID,
                [f32::from(sysid), device, 0.0, 0.0, 0.0, 0.0, 0.0],
                None,
            ),
            GimbalRequest::RoiClear => (
                MavCmd::MAV_CMD_DO_SET_ROI_NONE,
                [device, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                None,
            ),
            // -2: "set myself in control"; -3: release; -1: leave the secondary as it is.
            GimbalRequest::TakeControl => (
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
                [-2.0, -2.0, -1.0, -1.0, 0.0, 0.0, device],
                None,
            ),
            GimbalRequest::Release => (
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
                [-3.0, -3.0, -1.0, -1.0, 0.0, 0.0, device],
                None,
            ),
            GimbalRequest::TakeSecondary => (
                MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_CONFIGURE,
                [-1.0, -1.0, -2.0, -2.0, 0.0, 0.0, device],
                None,
            ),
        };
        Command::Raw(RawCommand {
            command,
            params,
            position,
            component,
            description: self.describe(),
        })
    }
}

impl CameraRequest {
    /// Checks the values and that the camera (as it described itself in `state`) can do it.
    pub fn validate(&self, sysid: u8, state: Option<&PayloadState>) -> Result<(), PayloadError> {
        let cam = state.and_then(|s| s.camera.as_ref());
        let can = |ok: bool, what: &'static str| {
            if cam.is_none() || ok {
                Ok(())
            } else {
                Err(PayloadError::Unsupported { sysid, what })
            }
        };
        match *self {
            CameraRequest::Zoom(z) => {
                can(cam.is_some_and(|c| c.zoom), "zoom")?;
                match z {
                    Zoom::Range { pct } if !(pct.is_finite() && (0.0..=100.0).contains(&pct)) => {
                        Err(PayloadError::BadValue(format!(
                            "zoom {pct} is outside 0..100 % of the zoom range"
                        )))
                    }
                    Zoom::Continuous { direction } if !(-1..=1).contains(&direction) => Err(
                        PayloadError::BadValue("zoom direction is -1, 0 or 1".into()),
                    ),
                    _ => Ok(()),
                }
            }
            CameraRequest::Capture => can(cam.is_some_and(|c| c.capture_image), "take stills"),
            CameraRequest::RecordStart | CameraRequest::RecordStop => {
                can(cam.is_some_and(|c| c.capture_video), "record video")
            }
            CameraRequest::Track { x, y, w, h } => {
                unit(x, "x")?;
                unit(y, "y")?;
                unit(w, "box width")?;
                unit(h, "box height")?;
                if w > 0.0 || h > 0.0 {
                    can(cam.is_some_and(|c| c.track_rectangle), "track a box")
                } else {
                    can(cam.is_some_and(|c| c.track_point), "track a point")
                }
            }
            CameraRequest::TrackStop => Ok(()),
        }
    }

    /// In words.
    pub fn describe(&self) -> String {
        match *self {
            CameraRequest::Zoom(Zoom::Range { pct }) => format!("zoom to {pct:.0} %"),
            CameraRequest::Zoom(Zoom::Continuous { direction }) => match direction {
                d if d > 0 => "zoom in".into(),
                d if d < 0 => "zoom out".into(),
                _ => "stop zooming".into(),
            },
            CameraRequest::Zoom(Zoom::Step { steps }) => format!("zoom {steps:+} steps"),
            CameraRequest::Capture => "take a still".into(),
            CameraRequest::RecordStart => "start recording".into(),
            CameraRequest::RecordStop => "stop recording".into(),
            CameraRequest::Track { x, y, w, h } if w > 0.0 || h > 0.0 => {
                format!("track the box {w:.2}×{h:.2} at {x:.2}, {y:.2}")
            }
            CameraRequest::Track { x, y, .. } => format!("track the point {x:.2}, {y:.2}"),
            CameraRequest::TrackStop => "stop tracking".into(),
        }
    }

    /// The command it is sent as, to the camera in `state` (the autopilot if unknown).
    /// `next_image` numbers a still (IMAGE_START_CAPTURE's sequence number).
    pub fn to_command(&self, state: Option<&PayloadState>, next_image: u32) -> Command {
        let cam = state.and_then(|s| s.camera.as_ref());
        let component = cam.map_or(1, |c| c.component);
        // IMAGE_START_CAPTURE's param1 names the camera device (0: all of them).
        let id = cam.map_or(0.0, |c| f32::from(c.device_id));
        let (command, params) = match *self {
            CameraRequest::Zoom(Zoom::Step { steps }) => (
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [0.0, steps as f32, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            CameraRequest::Zoom(Zoom::Continuous { direction }) => (
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [1.0, f32::from(direction), 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            CameraRequest::Zoom(Zoom::Range { pct }) => (
                MavCmd::MAV_CMD_SET_CAMERA_ZOOM,
                [2.0, pct as f32, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            CameraRequest::Capture => (
                MavCmd::MAV_CMD_IMAGE_START_CAPTURE,
                [id, 0.0, 1.0, next_image as f32, 0.0, 0.0, 0.0],
            ),
            CameraRequest::RecordStart => (
                MavCmd::MAV_CMD_VIDEO_START_CAPTURE,
                [0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ),
            CameraRequest::RecordStop => (MavCmd::MAV_CMD_VIDEO_STOP_CAPTURE, [0.0; 7]),
            CameraRequest::Track { x, y, w, h } if w > 0.0 || h > 0.0 => {
                let (x0, y0) = ((x - w / 2.0).max(0.0), (y - h / 2.0).max(0.0));
                let (x1, y1) = ((x + w / 2.0).min(1.0), (y + h / 2.0).min(1.0));
                (
                    MavCmd::MAV_CMD_CAMERA_TRACK_RECTANGLE,
                    [x0 as f32, y0 as f32, x1 as f32, y1 as f32, 0.0, 0.0, 0.0],
                )
            }
            CameraRequest::Track { x, y, .. } => (
                MavCmd::MAV_CMD_CAMERA_TRACK_POINT,
                [x as f32, y as f32, 0.02, 0.0, 0.0, 0.0, 0.0],
            ),
            CameraRequest::TrackStop => (MavCmd::MAV_CMD_CAMERA_STOP_TRACKING, [0.0; 7]),
        };
        Command::Raw(RawCommand {
            command,
            params,
            position: None,
            component,
            description: self.describe(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> GimbalInfo {
        GimbalInfo {
            component: 1,
            device_id: 1,
            pitch_min_deg: -90.0,
            pitch_max_deg: 30.0,
            yaw_min_deg: -180.0,
            yaw_max_deg: 180.0,
            yaw_lock: true,
            point_location: true,
        }
    }

    #[test]
    fn angles_outside_the_limits_are_named() {
        let r = GimbalRequest::Point {
            pitch_deg: 45.0,
            yaw_deg: 0.0,
            earth: false,
        };
        let e = r.validate(Some(&limits())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "pitch 45.0° is outside the gimbal's limits -90..30°"
        );
        assert!(GimbalRequest::Point {
            pitch_deg: f64::NAN,
            yaw_deg: 0.0,
            earth: false
        }
        .validate(None)
        .is_err());
        assert!(GimbalRequest::Roi {
            lat: 95.0,
            lon: 0.0,
            alt_m: 0.0
        }
        .validate(None)
        .is_err());
    }

    #[test]
    fn requests_become_the_commands_ardupilot_accepts() {
        let Command::Raw(r) = GimbalRequest::Point {
            pitch_deg: -30.0,
            yaw_deg: 10.0,
            earth: true,
        }
        .to_command(Some(&limits())) else {
            panic!()
        };
        assert_eq!(r.command, MavCmd::MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW);
        assert_eq!(&r.params[..2], &[-30.0, 10.0]);
        assert!(r.params[2].is_nan() && r.params[3].is_nan());
        assert_eq!((r.params[4], r.params[6]), (16.0, 1.0));
        let Command::Raw(r) = GimbalRequest::Roi {
            lat: 36.5,
            lon: 116.0,
            alt_m: 0.0,
        }
        .to_command(None) else {
            panic!()
        };
        assert_eq!(r.command, MavCmd::MAV_CMD_DO_SET_ROI_LOCATION);
        assert_eq!(
            r.position.map(|p| (p.0, p.1)),
            Some((365_000_000, 1_160_000_000))
        );
        let Command::Raw(r) = CameraRequest::Track {
            x: 0.5,
            y: 0.5,
            w: 0.2,
            h: 0.1,
        }
        .to_command(None, 0) else {
            panic!()
        };
        assert_eq!(r.command, MavCmd::MAV_CMD_CAMERA_TRACK_RECTANGLE);
        assert_eq!(&r.params[..4], &[0.4, 0.45, 0.6, 0.55]);
    }

    #[test]
    fn a_camera_that_cannot_is_told_so() {
        let s = PayloadState {
            camera: Some(super::super::state::CameraInfo {
                component: 1,
                device_id: 1,
                name: "x".into(),
                capture_image: false,
                capture_video: true,
                zoom: true,
                track_point: false,
                track_rectangle: false,
            }),
            ..Default::default()
        };
        let e = CameraRequest::Capture.validate(4, Some(&s)).unwrap_err();
        assert_eq!(e.to_string(), "the camera of aircraft 4 cannot take stills");
        assert!(CameraRequest::Zoom(Zoom::Range { pct: 120.0 })
            .validate(4, Some(&s))
            .is_err());
        assert!(CameraRequest::Zoom(Zoom::Range { pct: 50.0 })
            .validate(4, Some(&s))
            .is_ok());
    }
}
