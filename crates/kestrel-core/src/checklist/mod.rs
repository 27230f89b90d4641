//! The pilot's pre-flight checklist, per aircraft type: what must hold before the motors arm.
//! Some items are checked from telemetry (battery, GNSS, link, signing, geofence, the
//! autopilot's own pre-arm checks, manned traffic nearby) and some only a person can tick (the
//! airframe inspected, the take-off area clear, the crew briefed).
//!
//! [`items`] says which items an aircraft type has; [`evaluate`] judges each against what the
//! aircraft reports; [`book`] keeps who ticked what for each aircraft, forgets it when the
//! aircraft lands and disarms (the next sortie is checked afresh), and decides whether an arm
//! command may go out: with "enforce" on, the core refuses to arm until the checklist is
//! complete, as QGroundControl's enforced checklist does. When an aircraft arms, the checklist
//! as it stood is written to the audit trail and to the sortie it flies.

pub mod book;
pub mod evaluate;
pub mod items;
pub mod reading;

pub use book::{ArmingRecord, ChecklistBook};
pub use evaluate::{evaluate, ChecklistReport, ItemResult, ItemState, Observation, Tick};
pub use items::{items_for, AircraftKind, ItemId};
pub use reading::{FenceReading, Reading};

use std::collections::BTreeSet;

/// How the unit runs its checklist: whether it is enforced, which items it leaves out, and the
/// limits of the items checked from telemetry. Kept in the console's settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ChecklistSettings {
    /// Refuse to arm an aircraft until its checklist is complete.
    pub enforce: bool,
    /// Items this unit does not use (e.g. `signing` for a unit without signing keys).
    pub omit: BTreeSet<ItemId>,
    /// Least battery charge to take off with, percent.
    pub battery_min_pct: f32,
    /// Fewest satellites in view for a good fix.
    pub gps_min_satellites: u8,
    /// Largest horizontal dilution of precision for a good fix.
    pub gps_max_hdop: f32,
    /// Most packet loss on the best link, as a fraction (0.05: 5 %).
    pub link_max_loss: f32,
    /// No manned aircraft within this distance, metres.
    pub traffic_clear_m: f64,
}

impl Default for ChecklistSettings {
    fn default() -> Self {
        Self {
            enforce: false,
            omit: BTreeSet::new(),
            battery_min_pct: 80.0,
            gps_min_satellites: 8,
            gps_max_hdop: 2.0,
            link_max_loss: 0.05,
            traffic_clear_m: 3000.0,
        }
    }
}

impl ChecklistSettings {
    /// Whether the limits make sense (a checklist that can never pass, or always passes, is a
    /// mistake worth saying).
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=100.0).contains(&self.battery_min_pct) {
            return Err(format!(
                "the least battery charge must be 0-100 %, not {}",
                self.battery_min_pct
            ));
        }
        if !(self.gps_max_hdop.is_finite() && self.gps_max_hdop > 0.0) {
            return Err("the largest HDOP must be above 0".into());
        }
        if !(0.0..=1.0).contains(&self.link_max_loss) {
            return Err("the most link loss must be 0-100 %".into());
        }
        if !(self.traffic_clear_m.is_finite() && self.traffic_clear_m >= 0.0) {
            return Err("the traffic distance must be 0 m or more".into());
        }
        Ok(())
    }
}
