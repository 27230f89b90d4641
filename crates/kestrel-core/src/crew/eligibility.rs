//! Which teams a shift can be scheduled with: every team whose aircraft is in service. A team
//! whose aircraft is under maintenance is left out with a note saying why, so the planner sees
//! it rather than finding it missing. `kestrel plan schedule` and the console's scheduler both
//! ask here.

use std::fmt;

use super::{AircraftRecord, CrewError, Team};
use crate::plan::schedule::ScheduleTeam;

/// A team left out of the schedule because its aircraft is under maintenance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftOut {
    /// The team.
    pub team: String,
    /// Its aircraft.
    pub callsign: String,
    /// The maintenance note.
    pub note: String,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "team {} left out: aircraft {} is under maintenance ({})",
            self.team, self.callsign, self.note
        )
    }
}

/// The teams a shift can be scheduled with, and those left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Eligible {
    /// Teams whose aircraft is in service, with its performance, in the order given.
    pub teams: Vec<ScheduleTeam>,
    /// Teams left out, and why.
    pub left_out: Vec<LeftOut>,
}

/// Why no shift can be scheduled with the teams given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EligibilityError {
    /// A team's aircraft is not in the registry.
    #[error(transparent)]
    Crew(#[from] CrewError),
    /// Not one team can fly.
    #[error("no team is available: form one (one officer, two auxiliaries, one aircraft in service) with `kestrel crew team add`{}", left_out_note(.left_out))]
    NoTeam {
        /// The teams there are, all left out (empty when there are none).
        left_out: Vec<LeftOut>,
    },
}

fn left_out_note(left_out: &[LeftOut]) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    let each: Vec<String> = left_out.iter().map(LeftOut::to_string).collect();
    format!(" ({})", each.join("; "))
}

/// Sorts `teams` into those that can fly a shift and those left out, looking each team's
/// aircraft up in `registry`. Refuses when none can fly.
pub fn schedule_teams(
    teams: &[Team],
    registry: &[AircraftRecord],
) -> Result<Eligible, EligibilityError> {
    let mut eligible = Eligible {
        teams: Vec::new(),
        left_out: Vec::new(),
    };
    for t in teams {
        let ac = registry
            .iter()
            .find(|a| a.callsign == t.aircraft)
            .ok_or_else(|| CrewError::NotFound {
                kind: "aircraft",
                name: t.aircraft.clone(),
            })?;
        match &ac.maintenance {
            Some(note) => eligible.left_out.push(LeftOut {
                team: t.name.clone(),
                callsign: ac.callsign.clone(),
                note: note.clone(),
            }),
            None => eligible.teams.push(ScheduleTeam {
                name: t.name.clone(),
                aircraft: ac.callsign.clone(),
                performance: ac.performance(),
            }),
        }
    }
    if eligible.teams.is_empty() {
        return Err(EligibilityError::NoTeam {
            left_out: eligible.left_out,
        });
    }
    Ok(eligible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aircraft(callsign: &str, maintenance: Option<&str>) -> AircraftRecord {
        AircraftRecord {
            callsign: callsign.into(),
            model: "M30T".into(),
            serial: "S1".into(),
            endurance_min: 35.0,
            cruise_ms: 12.0,
            hfov_deg: 70.0,
            sysid: None,
            maintenance: maintenance.map(str::to_string),
        }
    }

    fn team(name: &str, aircraft: &str) -> Team {
        Team {
            name: name.into(),
            officer: "Li Wei".into(),
            auxiliaries: ["Wang Fang".into(), "Zhao Lei".into()],
            aircraft: aircraft.into(),
        }
    }

    #[test]
    fn a_team_whose_aircraft_is_under_maintenance_is_left_out_with_the_reason() {
        let registry = [
            aircraft("Falcon-1", None),
            aircraft("Falcon-2", Some("gimbal replaced")),
        ];
        let e = schedule_teams(
            &[team("Alpha", "Falcon-1"), team("Bravo", "Falcon-2")],
            &registry,
        )
        .unwrap();
        let names: Vec<&str> = e.teams.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Alpha"]);
        assert_eq!(e.teams[0].aircraft, "Falcon-1");
        assert_eq!(e.teams[0].performance, registry[0].performance());
        assert_eq!(
            e.left_out
                .iter()
                .map(LeftOut::to_string)
                .collect::<Vec<_>>(),
            ["team Bravo left out: aircraft Falcon-2 is under maintenance (gimbal replaced)"]
        );
    }

    #[test]
    fn no_team_in_service_is_refused_naming_those_left_out() {
        let registry = [aircraft("Falcon-2", Some("gimbal replaced"))];
        let e = schedule_teams(&[team("Bravo", "Falcon-2")], &registry).unwrap_err();
        assert!(matches!(&e, EligibilityError::NoTeam { left_out } if left_out.len() == 1));
        let text = e.to_string();
        assert!(text.starts_with("no team is available"), "{text}");
        assert!(text.contains("team Bravo left out"), "{text}");
        assert!(matches!(
            schedule_teams(&[], &registry),
            Err(EligibilityError::NoTeam { left_out }) if left_out.is_empty()
        ));
    }

    #[test]
    fn a_team_flying_an_unregistered_aircraft_is_an_error() {
        assert_eq!(
            schedule_teams(&[team("Alpha", "Ghost")], &[aircraft("Falcon-1", None)]),
            Err(EligibilityError::Crew(CrewError::NotFound {
                kind: "aircraft",
                name: "Ghost".into()
            }))
        );
    }
}
