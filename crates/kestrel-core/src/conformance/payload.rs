//! The payload: a gimbal manager that describes itself, points where it is told (as its attitude
//! reports show), and a camera that zooms.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::MavMessage;

use super::probe::{Probe, Stop};
use crate::payload::request::{CameraRequest, GimbalRequest, Zoom};
use crate::protocol::command::{Command, CommandOutcome};

const GIMBAL_MANAGER_INFORMATION_ID: u32 = 280;
const PITCH_DEG: f64 = -45.0;

/// GIMBAL_MANAGER_INFORMATION on request; DO_GIMBAL_MANAGER_PITCHYAW to -45° (or -75° when
/// the gimbal rests near -45°) seen in the attitude reports, then back level, seen too; SET_CAMERA_ZOOM accepted. Skipped when the aircraft
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
    // A target away from where the gimbal rests, so reaching it shows it moved (ArduPilot's
    // servo mount rests mid-range, e.g. -35° with limits -90..20°).
    let rest = p
        .until("the gimbal's attitude", Duration::from_secs(5), |a| {
            a.gimbal.is_some()
        })
        .await
        .ok()
        .and_then(|_| p.aircraft().ok())
        .and_then(|a| a.gimbal.map(|g| g.pitch_deg));
    let target = match rest {
        Some(r) if (r - PITCH_DEG).abs() < 15.0 => PITCH_DEG - 30.0,
        _ => PITCH_DEG,
    }
    .max(info.pitch_min.to_degrees() as f64);
    if let Some(r) = rest {
        p.saw(format!("the gimbal rests at {r:.0}°"));
    }
    p.accepted(
        &format!("point the gimbal {:.0}° down", -target),
        &point(target),
    )
    .await?;
    let took = p
        .until(
            &format!("the gimbal at {target:.0}°"),
            Duration::from_secs(10),
            |a| {
                a.gimbal
                    .is_some_and(|g| (g.pitch_deg - target).abs() <= 3.0)
            },
        )
        .await?;
    p.saw(format!(
        "its attitude reports {target:.0}° after {:.1} s",
        took.as_secs_f64()
    ));
    let level = 0.0f64.clamp(
        info.pitch_min.to_degrees() as f64,
        info.pitch_max.to_degrees() as f64,
    );
    p.accepted("point the gimbal level", &point(level)).await?;
    p.until(
        &format!("the gimbal back at {level:.0}°"),
        Duration::from_secs(10),
        |a| a.gimbal.is_some_and(|g| (g.pitch_deg - level).abs() <= 3.0),
    )
    .await?;
    p.saw(format!("its attitude reports {level:.0}° again"));
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
