//! A camera gimbal's attitude as the aircraft reports it (ArduPilot's MOUNT_STATUS, or the
//! gimbal device's GIMBAL_DEVICE_ATTITUDE_STATUS). The fleet keeps the latest one with each
//! aircraft; projecting a point picked in the video onto the ground needs it.

use mavlink::dialects::ardupilotmega::{
    GimbalDeviceFlags, MavMessage, GIMBAL_DEVICE_ATTITUDE_STATUS_DATA, MOUNT_STATUS_DATA,
};

/// Which way a gimbal's yaw is measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum YawFrame {
    /// From the aircraft's nose (follows the aircraft).
    Vehicle,
    /// From true north (yaw-locked).
    Earth,
}

/// A stabilised gimbal's attitude: roll and pitch relative to the horizon, yaw per `yaw_frame`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GimbalAttitude {
    /// Roll, degrees (right side down positive).
    pub roll_deg: f64,
    /// Pitch, degrees (up positive; -90 looks straight down).
    pub pitch_deg: f64,
    /// Yaw, degrees clockwise.
    pub yaw_deg: f64,
    /// What the yaw is relative to.
    pub yaw_frame: YawFrame,
}

impl GimbalAttitude {
    /// From ArduPilot's MOUNT_STATUS (centidegrees; yaw relative to the aircraft's nose).
    pub fn from_mount_status(m: &MOUNT_STATUS_DATA) -> Self {
        Self {
            roll_deg: f64::from(m.pointing_b) / 100.0,
            pitch_deg: f64::from(m.pointing_a) / 100.0,
            yaw_deg: f64::from(m.pointing_c) / 100.0,
            yaw_frame: YawFrame::Vehicle,
        }
    }

    /// From whichever gimbal report `msg` is (MOUNT_STATUS or GIMBAL_DEVICE_ATTITUDE_STATUS);
    /// `None` for other messages. Keep the latest per aircraft from the station's inbound frames.
    pub fn from_message(msg: &MavMessage) -> Option<Self> {
        match msg {
            MavMessage::MOUNT_STATUS(m) => Some(Self::from_mount_status(m)),
            MavMessage::GIMBAL_DEVICE_ATTITUDE_STATUS(g) => {
                Some(Self::from_gimbal_device_attitude(g))
            }
            _ => None,
        }
    }

    /// From GIMBAL_DEVICE_ATTITUDE_STATUS: the quaternion's roll and pitch are relative to the
    /// horizon; its yaw is relative to north when the flags say earth frame (or legacy yaw
    /// lock), otherwise to the aircraft's nose.
    pub fn from_gimbal_device_attitude(g: &GIMBAL_DEVICE_ATTITUDE_STATUS_DATA) -> Self {
        let [w, x, y, z] = g.q.map(f64::from);
        let roll = (2.0 * (w * x + y * z)).atan2(1.0 - 2.0 * (x * x + y * y));
        let pitch = (2.0 * (w * y - z * x)).clamp(-1.0, 1.0).asin();
        let yaw = (2.0 * (w * z + x * y)).atan2(1.0 - 2.0 * (y * y + z * z));
        let earth = g
            .flags
            .contains(GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME)
            || (g
                .flags
                .contains(GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_LOCK)
                && !g
                    .flags
                    .contains(GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME));
        Self {
            roll_deg: roll.to_degrees(),
            pitch_deg: pitch.to_degrees(),
            yaw_deg: yaw.to_degrees(),
            yaw_frame: if earth {
                YawFrame::Earth
            } else {
                YawFrame::Vehicle
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn gimbal_messages_decode_to_angles() {
        let m = MOUNT_STATUS_DATA {
            pointing_a: -4500,
            pointing_b: 0,
            pointing_c: 9000,
            ..Default::default()
        };
        let g = GimbalAttitude::from_mount_status(&m);
        assert_eq!(
            (g.pitch_deg, g.yaw_deg, g.yaw_frame),
            (-45.0, 90.0, YawFrame::Vehicle)
        );
        // Quaternion for pitch -45° (rotation about y by -45°): w = cos(-22.5°), y = sin(-22.5°).
        let half = (-22.5f64).to_radians();
        let q = GIMBAL_DEVICE_ATTITUDE_STATUS_DATA {
            q: [half.cos() as f32, 0.0, half.sin() as f32, 0.0],
            flags: GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_EARTH_FRAME,
            ..Default::default()
        };
        let g = GimbalAttitude::from_gimbal_device_attitude(&q);
        close(g.pitch_deg, -45.0, 1e-4);
        close(g.roll_deg, 0.0, 1e-4);
        assert_eq!(g.yaw_frame, YawFrame::Earth);
        let mut q2 = q;
        q2.flags = GimbalDeviceFlags::GIMBAL_DEVICE_FLAGS_YAW_IN_VEHICLE_FRAME;
        assert_eq!(
            GimbalAttitude::from_gimbal_device_attitude(&q2).yaw_frame,
            YawFrame::Vehicle
        );
        assert_eq!(
            GimbalAttitude::from_message(&MavMessage::MOUNT_STATUS(m.clone())),
            Some(GimbalAttitude::from_mount_status(&m))
        );
    }
}
