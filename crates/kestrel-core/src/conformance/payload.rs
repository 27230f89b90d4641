//! The payload: a gimbal manager that describes itself, points where it is told (as its attitude
//! reports show), and a camera that zooms.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::MavMessage;

use super::probe::{Probe, Stop};
use crate::payload::request::{CameraRequest, GimbalRequest, Zoom};
use crate::protocol::command::{Command, CommandOutcome};

const GIMBAL_MANAGER_INFORMATION_ID: u32 = 280;
const PITCH_DEG: f64 = -45.0;

/// GIMBAL_MANAGER_INFORMATION on request; DO_GIMBAL_MANAGER_PITCHYAW to -45° seen in the
/// attitude reports, then back level; SET_CAMERA_ZOOM accepted. Skipped when the aircraft
/// describes no gimbal (ArduPilot without a mount configured: MNT1_TYPE).
pub async fn run(p: &mut Probe<'_>) -> Result<(), Stop> {
    let mut rx = p.listen();
    let asked = p
        .command(
            "REQUEST_MESSAGE GIMBAL_MANAGER_INFORMATION",
            &Command::RequestMessage {
                message_id: GIMBAL_MANAGER_INFORMATION_ID,
            },
        )
        .await?;
    let info = match asked {
        CommandOutcome::Accepted => {
            p.first(&mut rx, Duration::from_secs(3), |m| match m {
                MavMessage::GIMBAL_MANAGER_INFORMATION(i) => Some(i.clone()),
                _ => None,
            })
            .await
        }
        _ => None,
    };
    let Some(info) = info else {
        return Err(Stop::Skip(
            "the aircraft describes no gimbal manager (on ArduPilot: configure a mount, \
             MNT1_TYPE)"
                .into(),
        ));
    };
    p.saw(format!(
        "gimbal manager for device {}: pitch {:.0}..{:.0}°, yaw {:.0}..{:.0}°",
        info.gimbal_device_id,
        info.pitch_min.to_degrees(),
        info.pitch_max.to_degrees(),
        info.yaw_min.to_degrees(),
        info.yaw_max.to_degrees()
    ));
    let point = |pitch_deg: f64| {
        GimbalRequest::Point {
            pitch_deg,
            yaw_deg: 0.0,
            earth: false,
        }
        .to_command(None)
    };
    p.accepted("point the gimbal 45° down", &point(PITCH_DEG))
        .await?;
    let took = p
        .until("the gimbal at -45°", Duration::from_secs(10), |a| {
            a.gimbal
                .is_some_and(|g| (g.pitch_deg - PITCH_DEG).abs() <= 3.0)
        })
        .await?;
    p.saw(format!(
        "its attitude reports -45° after {:.1} s",
        took.as_secs_f64()
    ));
    p.accepted("point the gimbal level", &point(0.0)).await?;
    let zoom = CameraRequest::Zoom(Zoom::Range { pct: 50.0 }).to_command(None, 0);
    match p.command("zoom the camera to 50 %", &zoom).await? {
        CommandOutcome::Accepted => Ok(()),
        CommandOutcome::Unsupported => {
            p.saw("the camera has no zoom");
            Ok(())
        }
        other => Err(Stop::Fail(format!("zoom: {other}"))),
    }
}
