//! The aircraft registry: each aircraft the unit owns, with what the planner needs to know
//! (endurance, cruise speed, camera field of view) and whether it is in service.

use super::CrewError;
use crate::plan::routes::Performance;

/// One registered aircraft.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AircraftRecord {
    /// Radio callsign, unique.
    pub callsign: String,
    /// Make and model.
    pub model: String,
    /// Manufacturer serial number (compliance logs).
    pub serial: String,
    /// Flight time on a full battery, minutes.
    pub endurance_min: f64,
    /// Cruise speed, m/s.
    pub cruise_ms: f64,
    /// Camera horizontal field of view, degrees.
    pub hfov_deg: f64,
    /// MAVLink system id it flies with, to follow its sorties from telemetry.
    pub sysid: Option<u8>,
    /// `Some(note)` while under maintenance; `None` when in service.
    pub maintenance: Option<String>,
}

impl AircraftRecord {
    /// Refuses numbers no aircraft has.
    pub fn validate(&self) -> Result<(), CrewError> {
        if self.callsign.trim().is_empty() {
            return Err(CrewError::Invalid("an aircraft needs a callsign".into()));
        }
        self.performance()
            .validate()
            .map_err(|e| CrewError::Invalid(format!("aircraft {}: {e}", self.callsign)))
    }

    /// What the route planner needs, with default climb/descent rates and reserve.
    pub fn performance(&self) -> Performance {
        Performance {
            endurance_min: self.endurance_min,
            cruise_ms: self.cruise_ms,
            hfov_deg: self.hfov_deg,
            ..Performance::default()
        }
    }

    /// Whether it may be planned.
    pub fn in_service(&self) -> bool {
        self.maintenance.is_none()
    }
}
