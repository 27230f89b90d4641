//! A crew database as the flight-team lead leaves it: three people, aircraft Falcon-1 (system
//! id 1), team East, and (before a sortie) sortie 1 uploaded to the aircraft.

use std::path::Path;

use kestrel::crew::{AircraftRecord, CrewStore, Person, Role, SortieDraft};

/// Team East (`officer` with two auxiliaries) flies Falcon-1 as system id 1, with sortie 1
/// uploaded; the database in `dir`.
pub fn uploaded_sortie(dir: &Path, officer: &str, auxiliaries: [&str; 2]) {
    let mut crew = team(dir, officer, auxiliaries);
    let now = kestrel::time::now_unix() as i64;
    let s = crew
        .create_sortie(&SortieDraft {
            team: "East".into(),
            route_name: "market square".into(),
            plan: None,
            start: now,
            end: now + 1800,
        })
        .unwrap();
    crew.mark_uploaded(s.id).unwrap();
}

/// Team East (`officer` with two auxiliaries) flying Falcon-1 as system id 1, no sortie yet;
/// the database in `dir`, returned open.
pub fn team(dir: &Path, officer: &str, auxiliaries: [&str; 2]) -> CrewStore {
    let mut crew = CrewStore::open_in(dir).unwrap();
    let people = [
        (officer, Role::Officer),
        (auxiliaries[0], Role::Auxiliary),
        (auxiliaries[1], Role::Auxiliary),
    ];
    for (name, role) in people {
        crew.add_person(&Person {
            name: name.into(),
            role,
            badge: None,
        })
        .unwrap();
    }
    crew.add_aircraft(&AircraftRecord {
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
    let members: Vec<String> = people.iter().map(|(n, _)| n.to_string()).collect();
    crew.add_team("East", &members, &["Falcon-1".into()])
        .unwrap();
    crew
}
