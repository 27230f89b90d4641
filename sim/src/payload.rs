//! The aircraft's payload camera as ArduPilot's camera library drives it from the autopilot
//! (component 1): MAV_CMD_SET_CAMERA_ZOOM sets the zoom, answered with CAMERA_SETTINGS (zoom
//! level as a percentage of the range), as QGroundControl and Kestrel's payload seat expect.

use mavlink::dialects::ardupilotmega::{CameraMode, MavMessage, MavResult, CAMERA_SETTINGS_DATA};

/// MAV_CMD_SET_CAMERA_ZOOM param1: ZOOM_TYPE_STEP (one step in or out).
const ZOOM_TYPE_STEP: i32 = 0;
/// ZOOM_TYPE_RANGE: param2 is the zoom in percent of the range.
const ZOOM_TYPE_RANGE: i32 = 2;
/// How much one step changes the zoom, %.
const STEP_PCT: f32 = 10.0;

/// The payload camera's state.
#[derive(Clone, Debug, Default)]
pub struct PayloadCamera {
    /// Zoom, percent of the range (0 wide, 100 full zoom).
    pub zoom_pct: f32,
}

impl PayloadCamera {
    /// Applies MAV_CMD_SET_CAMERA_ZOOM(`zoom_type`, `value`).
    pub fn set_zoom(&mut self, zoom_type: f32, value: f32) -> MavResult {
        if !value.is_finite() {
            return MavResult::MAV_RESULT_DENIED;
        }
        match zoom_type as i32 {
            ZOOM_TYPE_RANGE if (0.0..=100.0).contains(&value) => self.zoom_pct = value,
            ZOOM_TYPE_STEP => {
                self.zoom_pct = (self.zoom_pct + value.signum() * STEP_PCT).clamp(0.0, 100.0)
            }
            ZOOM_TYPE_RANGE => return MavResult::MAV_RESULT_DENIED,
            _ => return MavResult::MAV_RESULT_UNSUPPORTED,
        }
        MavResult::MAV_RESULT_ACCEPTED
    }

    /// CAMERA_SETTINGS as of now.
    pub fn settings(&self, time_boot_ms: u32) -> MavMessage {
        MavMessage::CAMERA_SETTINGS(CAMERA_SETTINGS_DATA {
            time_boot_ms,
            mode_id: CameraMode::CAMERA_MODE_VIDEO,
            zoomLevel: self.zoom_pct,
            focusLevel: f32::NAN,
            camera_device_id: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_by_range_and_by_step_stays_within_the_range() {
        let mut c = PayloadCamera::default();
        assert_eq!(c.set_zoom(2.0, 60.0), MavResult::MAV_RESULT_ACCEPTED);
        assert_eq!(c.zoom_pct, 60.0);
        assert_eq!(c.set_zoom(2.0, 140.0), MavResult::MAV_RESULT_DENIED);
        for _ in 0..6 {
            c.set_zoom(0.0, 1.0);
        }
        assert_eq!(c.zoom_pct, 100.0);
        assert_eq!(c.set_zoom(9.0, 1.0), MavResult::MAV_RESULT_UNSUPPORTED);
    }
}
