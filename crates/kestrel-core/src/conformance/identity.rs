//! Who the autopilot says it is (HEARTBEAT, AUTOPILOT_VERSION) and its parameters: read, write,
//! read back, restore, and a name it does not have.

use mavlink::dialects::ardupilotmega::{MavMessage, MavProtocolCapability};

use super::probe::{Probe, Stop};
use crate::station::Station;

const AUTOPILOT_VERSION_ID: u32 = 148;
/// MAV_AUTOPILOT_ARDUPILOTMEGA.
const ARDUPILOT: u8 = 3;

/// "ArduPilot (MAV_AUTOPILOT 3), quadrotor (MAV_TYPE 2)" for aircraft `sysid`.
pub fn describe(station: &Station, sysid: u8) -> String {
    let snap = station.snapshot();
    let Some(a) = snap.aircraft.iter().find(|a| a.sysid == sysid) else {
        return "not heard".into();
    };
    let autopilot = match a.autopilot {
        ARDUPILOT => "ArduPilot",
        12 => "PX4",
        _ => "an autopilot",
    };
    let vehicle = match a.vehicle_type {
        2 => "quadrotor",
        13 => "hexarotor",
        14 => "octorotor",
        1 => "fixed wing",
        _ => "vehicle",
    };
    format!(
        "{autopilot} (MAV_AUTOPILOT {}), {vehicle} (MAV_TYPE {})",
        a.autopilot, a.vehicle_type
    )
}

/// HEARTBEAT names ArduPilot; AUTOPILOT_VERSION, asked for with REQUEST_MESSAGE, arrives with
/// the capabilities the station relies on (MAVLink 2, MISSION_INT, COMMAND_INT, fence, rally).
pub async fn run(p: &mut Probe<'_>) -> Result<(), Stop> {
    let a = p.aircraft()?;
    p.saw(format!("heartbeat: {}", describe(p.station, p.sysid)));
    if a.autopilot != ARDUPILOT {
        return Err(Stop::Fail(format!(
            "the heartbeat names MAV_AUTOPILOT {}, not ArduPilot ({ARDUPILOT}): the suite checks \
             ArduPilot's behaviour",
            a.autopilot
        )));
    }
    let version = p
        .request("AUTOPILOT_VERSION", AUTOPILOT_VERSION_ID, |m| match m {
            MavMessage::AUTOPILOT_VERSION(v) => Some(v.clone()),
            _ => None,
        })
        .await?;
    let v = version.flight_sw_version;
    let custom: String = version
        .flight_custom_version
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| char::from(*b))
        .collect();
    p.saw(format!(
        "firmware {}.{}.{} (type {}), build {custom}",
        v >> 24,
        (v >> 16) & 0xff,
        (v >> 8) & 0xff,
        v & 0xff
    ));
    let needed = [
        (
            MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MAVLINK2,
            "MAVLINK2",
        ),
        (
            MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_INT,
            "MISSION_INT",
        ),
        (
            MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_COMMAND_INT,
            "COMMAND_INT",
        ),
        (
            MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_FENCE,
            "MISSION_FENCE",
        ),
        (
            MavProtocolCapability::MAV_PROTOCOL_CAPABILITY_MISSION_RALLY,
            "MISSION_RALLY",
        ),
    ];
    let missing: Vec<&str> = needed
        .iter()
        .filter(|(c, _)| !version.capabilities.contains(*c))
        .map(|(_, n)| *n)
        .collect();
    let present: Vec<&str> = needed
        .iter()
        .filter(|(c, _)| version.capabilities.contains(*c))
        .map(|(_, n)| *n)
        .collect();
    p.saw(format!("capabilities: {}", present.join(", ")));
    if !missing.is_empty() {
        return Err(Stop::Fail(format!(
            "AUTOPILOT_VERSION lacks {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// A parameter every ArduCopter has, in centimetres.
const PARAM: &str = "RTL_ALT";
/// A name no autopilot has.
const UNKNOWN: &str = "KESTREL_NOSUCH";

/// RTL_ALT read, set 100 higher, read back, restored; an unknown name gets no value (ArduPilot
/// does not answer a PARAM_REQUEST_READ for a name it lacks).
pub async fn parameters(p: &mut Probe<'_>) -> Result<(), Stop> {
    let original = read(p.station, p.sysid, PARAM)
        .await?
        .ok_or_else(|| Stop::Fail(format!("{PARAM}: no PARAM_VALUE after three requests")))?;
    p.saw(format!("{PARAM} = {original}"));
    let changed = original + 100.0;
    let set = p.station.set_param(p.sysid, PARAM, changed).await;
    p.saw(format!(
        "set {PARAM} = {changed}: {}",
        set.as_ref()
            .map_or_else(|e| e.to_string(), |_| "confirmed".into())
    ));
    let back = read(p.station, p.sysid, PARAM).await?;
    // Put it back before judging, whatever happened.
    let restored = p.station.set_param(p.sysid, PARAM, original).await;
    p.saw(format!(
        "restore {PARAM} = {original}: {}",
        restored
            .as_ref()
            .map_or_else(|e| e.to_string(), |_| "confirmed".into())
    ));
    set.map_err(|e| Stop::Fail(e.to_string()))?;
    if back != Some(changed) {
        return Err(Stop::Fail(format!(
            "{PARAM} read back as {back:?} after setting {changed}"
        )));
    }
    restored.map_err(|e| Stop::Fail(e.to_string()))?;
    match read(p.station, p.sysid, UNKNOWN).await? {
        None => p.saw(format!("{UNKNOWN}: no answer (no such parameter)")),
        Some(v) => {
            return Err(Stop::Fail(format!(
                "the aircraft gave a value ({v}) for a parameter it cannot have ({UNKNOWN})"
            )))
        }
    }
    Ok(())
}

async fn read(station: &Station, sysid: u8, name: &str) -> Result<Option<f32>, Stop> {
    station
        .read_param(sysid, name)
        .await
        .map_err(|e| Stop::Fail(format!("reading {name}: {e}")))
}
