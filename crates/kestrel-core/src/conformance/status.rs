//! What the autopilot says of itself in SYS_STATUS, which the pilot's pre-flight checklist
//! reads: the geofence follows FENCE_ENABLE (ArduPilot marks MAV_SYS_STATUS_GEOFENCE enabled
//! when FENCE_ENABLE is 1, and not when it is 0), and the pre-arm bit is reported, healthy once
//! the autopilot would arm.

use std::time::Duration;

use mavlink::dialects::ardupilotmega::MavSysStatusSensor;

use super::probe::{Probe, Stop};

/// How long SYS_STATUS (1-2 Hz on ArduPilot) may take to show a change.
const SHOWS_WITHIN: Duration = Duration::from_secs(6);

/// FENCE_ENABLE set to 1 and 0 shows in SYS_STATUS's geofence bit, then is restored; the pre-arm
/// bit is present and healthy on an aircraft ready on the ground.
pub async fn run(p: &mut Probe<'_>) -> Result<(), Stop> {
    p.on_the_ground()?;
    let fence = MavSysStatusSensor::MAV_SYS_STATUS_GEOFENCE.bits();
    let prearm = MavSysStatusSensor::MAV_SYS_STATUS_PREARM_CHECK.bits();
    let original = p
        .station
        .read_param(p.sysid, "FENCE_ENABLE")
        .await
        .map_err(|e| Stop::Fail(format!("reading FENCE_ENABLE: {e}")))?
        .ok_or_else(|| Stop::Fail("FENCE_ENABLE: no PARAM_VALUE".into()))?;
    p.saw(format!("FENCE_ENABLE = {original}"));
    let result = follow(p, fence).await;
    // Put it back before judging, whatever happened.
    let restored = p.station.set_param(p.sysid, "FENCE_ENABLE", original).await;
    p.saw(format!(
        "restore FENCE_ENABLE = {original}: {}",
        restored
            .as_ref()
            .map_or_else(|e| e.to_string(), |_| "confirmed".into())
    ));
    result?;
    restored.map_err(|e| Stop::Fail(e.to_string()))?;
    let waited = p
        .until("the pre-arm bit healthy", Duration::from_secs(60), |a| {
            a.sensors.is_some_and(|s| s.is_healthy(prearm))
        })
        .await?;
    p.saw(format!(
        "pre-arm checks reported passing after {:.1} s",
        waited.as_secs_f64()
    ));
    Ok(())
}

/// The geofence bit follows FENCE_ENABLE both ways.
async fn follow(p: &mut Probe<'_>, fence: u32) -> Result<(), Stop> {
    for (value, on) in [(1.0, true), (0.0, false)] {
        p.station
            .set_param(p.sysid, "FENCE_ENABLE", value)
            .await
            .map_err(|e| Stop::Fail(format!("set FENCE_ENABLE = {value}: {e}")))?;
        let what = format!(
            "the geofence bit {} with FENCE_ENABLE {value}",
            if on { "on" } else { "off" }
        );
        let took = p
            .until(&what, SHOWS_WITHIN, |a| {
                a.sensors.is_some_and(|s| s.is_enabled(fence) == on)
            })
            .await?;
        p.saw(format!("{what} after {:.1} s", took.as_secs_f64()));
    }
    Ok(())
}
