//! Following sorties from telemetry: every aircraft in a fleet snapshot advances the sortie it is
//! flying or about to fly (see [`super::sortie::advance`]). `kestrel crew sortie track` and the
//! console's planning worker both call [`track`] with each fresh snapshot.

use super::{CrewError, CrewStore, FlightObservation, SortieState};
use crate::fleet::FleetSnapshot;

/// What one observation did to one sortie.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SortieStep {
    /// The sortie.
    pub sortie: i64,
    /// Its aircraft's callsign.
    pub aircraft: String,
    /// Its state before.
    pub from: SortieState,
    /// Its state after.
    pub to: SortieState,
    /// Whether anything recorded about it changed (state, distance, altitude, alerts…).
    pub progressed: bool,
}

impl SortieStep {
    /// The sortie changed state (e.g. uploaded → flying).
    pub fn changed_state(&self) -> bool {
        self.from != self.to
    }

    /// Worth showing again: it changed state, or it is flying and its figures moved.
    pub fn worth_showing(&self) -> bool {
        self.progressed && (self.changed_state() || self.to == SortieState::Flying)
    }
}

/// The result of following one snapshot.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Aircraft in the snapshot that have an uploaded or flying sortie.
    pub active: usize,
    /// What happened to each of their sorties, in snapshot order.
    pub steps: Vec<SortieStep>,
    /// Aircraft whose sortie could not be read or written, and why (the others are still
    /// followed).
    pub errors: Vec<(u8, CrewError)>,
}

/// Advances the sortie of every aircraft in `snap` by what it shows at `now` (Unix seconds).
pub fn track(store: &mut CrewStore, snap: &FleetSnapshot, now: f64) -> Tracking {
    let mut tracking = Tracking::default();
    for a in &snap.aircraft {
        let sortie = match store.active_sortie_for(a.sysid) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                tracking.errors.push((a.sysid, e));
                continue;
            }
        };
        tracking.active += 1;
        match store.observe(sortie.id, &FlightObservation::from_aircraft(a, now)) {
            Ok(after) => tracking.steps.push(SortieStep {
                sortie: sortie.id,
                aircraft: sortie.team.aircraft.clone(),
                from: sortie.state(),
                to: after.state(),
                progressed: after.progress != sortie.progress,
            }),
            Err(e) => tracking.errors.push((a.sysid, e)),
        }
    }
    tracking
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crew::{AircraftRecord, Person, Role, SortieDraft};
    use crate::fleet::Fleet;
    use crate::link::LinkId;
    use mavlink::dialects::ardupilotmega::*;
    use std::time::Instant;

    fn step(from: SortieState, to: SortieState, progressed: bool) -> SortieStep {
        SortieStep {
            sortie: 1,
            aircraft: "Falcon-1".into(),
            from,
            to,
            progressed,
        }
    }

    #[test]
    fn a_flying_sortie_is_shown_again_when_its_figures_move_others_only_on_a_new_state() {
        use SortieState::*;
        assert!(step(Uploaded, Flying, true).worth_showing());
        assert!(step(Flying, Flying, true).worth_showing());
        assert!(!step(Flying, Flying, false).worth_showing());
        assert!(!step(Uploaded, Uploaded, true).worth_showing());
        assert!(step(Flying, Completed, true).changed_state());
    }

    /// Team East flies Falcon-1 (system id 1) with an uploaded sortie.
    fn crew_with_an_uploaded_sortie() -> (CrewStore, i64) {
        let mut s = CrewStore::open(std::path::Path::new(":memory:")).unwrap();
        for (name, role) in [
            ("Li Wei", Role::Officer),
            ("Wang Fang", Role::Auxiliary),
            ("Zhao Lei", Role::Auxiliary),
        ] {
            s.add_person(&Person {
                name: name.into(),
                role,
                badge: None,
            })
            .unwrap();
        }
        s.add_aircraft(&AircraftRecord {
            callsign: "Falcon-1".into(),
            model: "M30T".into(),
            serial: "S1".into(),
            endurance_min: 35.0,
            cruise_ms: 10.0,
            hfov_deg: 70.0,
            sysid: Some(1),
            maintenance: None,
        })
        .unwrap();
        s.add_team(
            "East",
            &["Li Wei".into(), "Wang Fang".into(), "Zhao Lei".into()],
            &["Falcon-1".into()],
        )
        .unwrap();
        let c = s
            .create_sortie(&SortieDraft {
                team: "East".into(),
                route_name: "r".into(),
                plan: None,
                start: 1_750_000_000,
                end: 1_750_001_000,
            })
            .unwrap();
        s.mark_uploaded(c.id).unwrap();
        (s, c.id)
    }

    /// Aircraft 1 armed `relative_alt_mm` above home, and aircraft 5 that has no sortie.
    fn snapshot(relative_alt_mm: i32) -> FleetSnapshot {
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
            lat: 364_560_000,
            lon: 1_159_850_000,
            relative_alt: relative_alt_mm,
            ..Default::default()
        });
        fleet.apply(LinkId(0), 1, 1, 0, &hb, now);
        fleet.apply(LinkId(0), 1, 1, 1, &pos, now);
        fleet.apply(LinkId(0), 5, 1, 0, &hb, now);
        fleet.snapshot(now)
    }

    #[test]
    fn an_armed_aircraft_in_the_air_starts_its_uploaded_sortie() {
        let (mut s, id) = crew_with_an_uploaded_sortie();
        let on_ground = track(&mut s, &snapshot(0), 1_750_000_010.0);
        assert_eq!(on_ground.active, 1, "aircraft 5 has no sortie");
        assert!(on_ground.errors.is_empty());
        assert!(!on_ground.steps[0].changed_state());
        let airborne = track(&mut s, &snapshot(20_000), 1_750_000_020.0);
        assert_eq!(
            airborne.steps,
            [SortieStep {
                sortie: id,
                aircraft: "Falcon-1".into(),
                from: SortieState::Uploaded,
                to: SortieState::Flying,
                progressed: true,
            }]
        );
        assert_eq!(s.sortie(id).unwrap().state(), SortieState::Flying);
    }
}
