//! Fleet positions for the dispatch map: the console's fleet snapshot flattened into the
//! `fleet` message's aircraft list, published once a second by the sync worker.

use std::sync::Arc;

use crate::dispatch::envelope::FleetAircraft;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Fleet;
    use crate::link::LinkId;
    use mavlink::dialects::ardupilotmega::*;
    use std::time::Instant;

    #[test]
    fn a_snapshot_becomes_the_fleet_report_dispatch_reads() {
        let now = Instant::now();
        let mut fleet = Fleet::new();
        let hb = MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 3,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED,
            system_status: MavState::MAV_STATE_ACTIVE,
            mavlink_version: 3,
        });
        let pos = MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: 525_163_000,
            lon: 133_777_000,
            alt: 120_000,
            relative_alt: 86_000,
            hdg: 27_000,
            ..Default::default()
        });
        fleet.apply(LinkId(0), 2, 1, 0, &hb, now);
        fleet.apply(LinkId(0), 2, 1, 1, &pos, now);
        fleet.apply(LinkId(0), 5, 1, 0, &hb, now);
        let r = report(&fleet.snapshot(now));
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].sysid, 2);
        assert!((r[0].lat.unwrap() - 52.5163).abs() < 1e-9);
        assert!((r[0].alt_rel_m - 86.0).abs() < 1e-6);
        assert!((r[0].heading_deg - 270.0).abs() < 1e-6);
        assert_eq!(r[0].mode, "AUTO");
        assert!(r[0].armed);
        assert_eq!(r[0].link, "connected");
        assert_eq!((r[1].sysid, r[1].lat), (5, None));
    }
}
