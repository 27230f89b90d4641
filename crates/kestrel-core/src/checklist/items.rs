//! The checklist's items and which aircraft types have which.

use std::fmt;
use std::str::FromStr;

/// One item of the pre-flight checklist.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ItemId {
    /// Propellers, arms, payload and battery latch inspected (ticked).
    Airframe,
    /// Control surfaces move freely and the right way (fixed wing, VTOL; ticked).
    ControlSurfaces,
    /// Battery charged enough for the sortie (telemetry).
    Battery,
    /// A 3D fix with enough satellites and a small HDOP (telemetry).
    Gps,
    /// The aircraft heard well on a link (telemetry).
    Link,
    /// MAVLink signing working with the aircraft (telemetry).
    Signing,
    /// A geofence switched on in the aircraft (telemetry, SYS_STATUS).
    Geofence,
    /// The autopilot's own pre-arm checks pass (telemetry, SYS_STATUS).
    Prearm,
    /// No manned aircraft near (ADS-B).
    Traffic,
    /// Take-off and landing area clear of people and obstacles (ticked).
    AreaClear,
    /// Crew briefed on the route, roles and emergency procedure (ticked).
    CrewBriefed,
}

impl ItemId {
    /// Every item, in the order a checklist shows them.
    pub const ALL: [ItemId; 11] = [
        ItemId::Airframe,
        ItemId::ControlSurfaces,
        ItemId::Battery,
        ItemId::Gps,
        ItemId::Link,
        ItemId::Signing,
        ItemId::Geofence,
        ItemId::Prearm,
        ItemId::Traffic,
        ItemId::AreaClear,
        ItemId::CrewBriefed,
    ];

    /// The name used on the command line, in settings and in the audit trail.
    pub fn name(self) -> &'static str {
        match self {
            ItemId::Airframe => "airframe",
            ItemId::ControlSurfaces => "control-surfaces",
            ItemId::Battery => "battery",
            ItemId::Gps => "gps",
            ItemId::Link => "link",
            ItemId::Signing => "signing",
            ItemId::Geofence => "geofence",
            ItemId::Prearm => "prearm",
            ItemId::Traffic => "traffic",
            ItemId::AreaClear => "area-clear",
            ItemId::CrewBriefed => "crew-briefed",
        }
    }

    /// Whether only a person can tick it (nothing in telemetry says so).
    pub fn is_manual(self) -> bool {
        matches!(
            self,
            ItemId::Airframe | ItemId::ControlSurfaces | ItemId::AreaClear | ItemId::CrewBriefed
        )
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ItemId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        ItemId::ALL
            .into_iter()
            .find(|i| i.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = ItemId::ALL.iter().map(|i| i.name()).collect();
                format!(
                    "'{s}' is not a checklist item; the items are {}",
                    names.join(", ")
                )
            })
    }
}

/// The kinds of aircraft whose checklists differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AircraftKind {
    /// Quad-, hexa-, octo-, tricopters and helicopters.
    Multicopter,
    /// Fixed-wing aircraft.
    FixedWing,
    /// Vertical take-off fixed wing.
    Vtol,
    /// Anything else (or not reported yet).
    Other,
}

impl AircraftKind {
    /// The kind of an aircraft from its HEARTBEAT's MAV_TYPE.
    pub fn from_mav_type(mav_type: u8) -> Self {
        match mav_type {
            2 | 3 | 4 | 13 | 14 | 15 => AircraftKind::Multicopter,
            1 => AircraftKind::FixedWing,
            19..=22 | 29 => AircraftKind::Vtol,
            _ => AircraftKind::Other,
        }
    }

    /// Its name, for tables and the audit trail.
    pub fn name(self) -> &'static str {
        match self {
            AircraftKind::Multicopter => "multicopter",
            AircraftKind::FixedWing => "fixed wing",
            AircraftKind::Vtol => "VTOL",
            AircraftKind::Other => "aircraft",
        }
    }
}

/// The items of the checklist for an aircraft of `kind`, in order, less those the unit omits.
pub fn items_for(kind: AircraftKind, omit: &std::collections::BTreeSet<ItemId>) -> Vec<ItemId> {
    ItemId::ALL
        .into_iter()
        .filter(|i| *i != ItemId::ControlSurfaces || kind != AircraftKind::Multicopter)
        .filter(|i| !omit.contains(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn a_multicopter_has_no_control_surfaces_to_check_and_a_plane_has() {
        let none = BTreeSet::new();
        let quad = items_for(AircraftKind::from_mav_type(2), &none);
        assert!(!quad.contains(&ItemId::ControlSurfaces));
        assert!(quad.contains(&ItemId::Gps) && quad.contains(&ItemId::CrewBriefed));
        let plane = items_for(AircraftKind::from_mav_type(1), &none);
        assert!(plane.contains(&ItemId::ControlSurfaces));
    }

    #[test]
    fn omitted_items_are_left_out_and_names_parse_back() {
        let omit = BTreeSet::from([ItemId::Signing]);
        assert!(!items_for(AircraftKind::Multicopter, &omit).contains(&ItemId::Signing));
        for i in ItemId::ALL {
            assert_eq!(i.name().parse::<ItemId>(), Ok(i));
        }
        assert_eq!("AREA_CLEAR".parse::<ItemId>(), Ok(ItemId::AreaClear));
        let err = "propellers".parse::<ItemId>().unwrap_err();
        assert!(err.contains("area-clear"), "{err}");
    }
}
