//! Fleet positions for the command-centre map: the console's fleet snapshot flattened into the
//! `fleet` message's aircraft list, published once a second by the sync worker.

use std::sync::Arc;

use super::envelope::FleetAircraft;
use crate::fleet::{Aircraft, FleetSnapshot};
use crate::station::Station;

/// Where the sync worker gets the fleet from each second (e.g. the station's snapshot, with
/// callsigns from the crew roster filled in).
pub type FleetSource = Arc<dyn Fn() -> Vec<FleetAircraft> + Send + Sync>;

/// One aircraft as dispatch sees it.
pub fn aircraft_report(a: &Aircraft, snap: &FleetSnapshot) -> FleetAircraft {
    FleetAircraft {
        sysid: a.sysid,
        callsign: None,
        lat: a.position.map(|p| p.lat),
        lon: a.position.map(|p| p.lon),
        alt_amsl_m: a.alt_amsl_m,
        alt_rel_m: a.alt_rel_m,
        heading_deg: a.heading_deg,
        ground_speed_ms: a.ground_speed_ms,
        mode: a.mode_name(),
        armed: a.armed,
        battery_pct: a.battery.percent,
        link: a.link_state(snap.taken_at).as_str().to_string(),
    }
}

/// Every aircraft in a snapshot.
pub fn report(snap: &FleetSnapshot) -> Vec<FleetAircraft> {
    snap.aircraft
        .iter()
        .map(|a| aircraft_report(a, snap))
        .collect()
}

/// A fleet source reading `station`'s live snapshot.
pub fn station_source(station: Station) -> FleetSource {
    Arc::new(move || report(&station.snapshot()))
}
