//! Sorties: a team flying a route from a planned start. Two rules keep the plan honest — no
//! person or aircraft on two overlapping sorties, no aircraft under maintenance — and the state
//! (planned → uploaded → flying → completed | aborted) follows what the aircraft really does:
//! [`advance`] is a pure function from the last progress and one telemetry observation.

use super::{CrewError, Team};
use crate::fleet::Aircraft;
use crate::geo::GeoPoint;
use crate::plan::geo::haversine_m;
use crate::plan::mission::MissionPlan;
use crate::time::DateTime;

/// Where a sortie stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortieState {
    /// Planned, not yet on the aircraft.
    Planned,
    /// The mission is on the aircraft.
    Uploaded,
    /// The aircraft took off.
    Flying,
    /// Landed after flying the whole mission.
    Completed,
    /// Cancelled, or landed before finishing the mission.
    Aborted,
}

impl SortieState {
    /// Every state.
    pub const ALL: [SortieState; 5] = [
        SortieState::Planned,
        SortieState::Uploaded,
        SortieState::Flying,
        SortieState::Completed,
        SortieState::Aborted,
    ];

    /// The name used in files and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            SortieState::Planned => "planned",
            SortieState::Uploaded => "uploaded",
            SortieState::Flying => "flying",
            SortieState::Completed => "completed",
            SortieState::Aborted => "aborted",
        }
    }

    /// Completed or aborted: nothing changes any more.
    pub fn is_final(self) -> bool {
        matches!(self, SortieState::Completed | SortieState::Aborted)
    }
}

impl std::fmt::Display for SortieState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SortieState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SortieState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown sortie state '{s}'"))
    }
}

/// What happened on a sortie so far (the compliance log's figures).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SortieProgress {
    /// Where it stands.
    pub state: Option<SortieState>,
    /// Takeoff time (Unix seconds).
    pub takeoff_at: Option<f64>,
    /// Landing time (Unix seconds).
    pub landed_at: Option<f64>,
    /// Ground distance flown, metres.
    pub distance_m: f64,
    /// Highest altitude above home, metres.
    pub max_alt_m: f64,
    /// Warnings and errors the autopilot reported in flight.
    pub alerts: u32,
    /// Sightings reported during the sortie.
    pub sightings: u32,
    /// Highest mission item the aircraft flew.
    pub highest_item: u16,
    /// Last position seen (for the distance).
    pub last_position: Option<GeoPoint>,
    /// Arrival time of the newest alert already counted.
    pub last_alert_at: f64,
    /// Why it was aborted, or how it ended.
    pub note: Option<String>,
    /// The pre-flight checklist as it stood when the aircraft armed for this sortie.
    #[serde(default)]
    pub checklist: Option<String>,
    /// Who sat in which crew seat when the aircraft armed ("pilot li (system 255); …").
    #[serde(default)]
    pub seats: Option<String>,
}

impl SortieProgress {
    /// The state (planned when never set).
    pub fn state(&self) -> SortieState {
        self.state.unwrap_or(SortieState::Planned)
    }
}

/// One telemetry sample of the aircraft flying a sortie.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlightObservation {
    /// When (Unix seconds).
    pub at: f64,
    /// Motors armed.
    pub armed: bool,
    /// Flight mode name.
    pub mode: String,
    /// Altitude above home, metres.
    pub rel_alt_m: f64,
    /// Position, when known.
    pub position: Option<GeoPoint>,
    /// Mission item being flown.
    pub mission_current: Option<u16>,
    /// Arrival times (Unix seconds) of the warnings and errors the autopilot has sent recently.
    pub alert_times: Vec<f64>,
}

/// Severity at or above which (numerically at or below) a STATUSTEXT counts as an alert: WARNING.
pub const ALERT_SEVERITY: u8 = 4;

impl FlightObservation {
    /// A sample from the fleet snapshot's view of an aircraft.
    pub fn from_aircraft(a: &Aircraft, at: f64) -> Self {
        let unix = |t: std::time::SystemTime| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        };
        Self {
            at,
            armed: a.armed,
            mode: a.mode_name(),
            rel_alt_m: f64::from(a.alt_rel_m),
            position: a.position,
            mission_current: a.mission_current,
            alert_times: a
                .status_texts
                .iter()
                .filter(|t| t.severity <= ALERT_SEVERITY)
                .map(|t| unix(t.at))
                .collect(),
        }
    }
}

/// Above this altitude (metres above home) an armed aircraft counts as airborne.
pub const AIRBORNE_ALT_M: f64 = 1.5;

/// The next progress of a sortie after one observation of its aircraft. `last_item` is the
/// wire index of the mission's final item (its return to launch); landing after reaching it
/// completes the sortie, landing before aborts it.
pub fn advance(p: &SortieProgress, obs: &FlightObservation, last_item: u16) -> SortieProgress {
    let mut n = p.clone();
    match p.state() {
        SortieState::Uploaded => {
            if obs.armed && obs.rel_alt_m > AIRBORNE_ALT_M {
                n.state = Some(SortieState::Flying);
                n.takeoff_at = Some(obs.at);
                n.last_position = obs.position;
                n.max_alt_m = obs.rel_alt_m;
                n.last_alert_at = obs
                    .alert_times
                    .iter()
                    .copied()
                    .fold(p.last_alert_at, f64::max);
                if let Some(c) = obs.mission_current {
                    n.highest_item = c;
                }
            }
        }
        SortieState::Flying => {
            if let (Some(a), Some(b)) = (p.last_position, obs.position) {
                let d = haversine_m(a, b);
                if d >= 0.5 {
                    n.distance_m += d;
                    n.last_position = Some(b);
                }
            } else if obs.position.is_some() {
                n.last_position = obs.position;
            }
            n.max_alt_m = n.max_alt_m.max(obs.rel_alt_m);
            if let Some(c) = obs.mission_current {
                n.highest_item = n.highest_item.max(c);
            }
            let new_alerts: Vec<f64> = obs
                .alert_times
                .iter()
                .copied()
                .filter(|t| *t > p.last_alert_at)
                .collect();
            n.alerts += new_alerts.len() as u32;
            n.last_alert_at = new_alerts.into_iter().fold(p.last_alert_at, f64::max);
            if !obs.armed {
                n.landed_at = Some(obs.at);
                if n.highest_item >= last_item {
                    n.state = Some(SortieState::Completed);
                    n.note = Some("mission flown to its end".into());
                } else {
                    n.state = Some(SortieState::Aborted);
                    n.note = Some(format!(
                        "landed after mission item {} of {} (last mode {})",
                        n.highest_item, last_item, obs.mode
                    ));
                }
            }
        }
        SortieState::Planned | SortieState::Completed | SortieState::Aborted => {}
    }
    n
}

/// A sortie to be created: who, with what route, when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SortieDraft {
    /// The team flying it.
    pub team: String,
    /// A name for the route (file name, pattern and areas…).
    pub route_name: String,
    /// The mission to upload.
    pub plan: Option<MissionPlan>,
    /// Planned start (Unix seconds).
    pub start: i64,
    /// Planned end (Unix seconds), including landing.
    pub end: i64,
}

/// A planned (or flown) sortie.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sortie {
    /// Its number.
    pub id: i64,
    /// The team, as it was when the sortie was planned.
    pub team: Team,
    /// The route's name.
    pub route_name: String,
    /// The mission.
    pub plan: Option<MissionPlan>,
    /// Planned start (Unix seconds).
    pub start: i64,
    /// Planned end (Unix seconds).
    pub end: i64,
    /// What happened.
    pub progress: SortieProgress,
}

impl Sortie {
    /// Where it stands.
    pub fn state(&self) -> SortieState {
        self.progress.state()
    }

    /// The wire index of the mission's last item (home is 0), 0 without a mission.
    pub fn last_item(&self) -> u16 {
        self.plan
            .as_ref()
            .map_or(0, |p| p.mission.len().min(u16::MAX as usize) as u16)
    }
}

/// The first reason `draft` (flown by `team`) cannot be added next to `existing` sorties: a
/// person or the aircraft busy on an overlapping one. Aborted sorties free their crew.
pub fn find_overlap(team: &Team, start: i64, end: i64, existing: &[Sortie]) -> Option<CrewError> {
    for s in existing {
        if s.state() == SortieState::Aborted || s.end <= start || s.start >= end {
            continue;
        }
        let mut busy: Vec<String> = team
            .members()
            .iter()
            .filter(|m| s.team.members().contains(m))
            .map(|m| m.to_string())
            .collect();
        if s.team.aircraft == team.aircraft {
            busy.push(format!("aircraft {}", team.aircraft));
        }
        if let Some(who) = busy.into_iter().next() {
            return Some(CrewError::Overlap {
                who,
                sortie: s.id,
                team: s.team.name.clone(),
                from: DateTime::from_unix_secs(s.start).rfc3339(),
                until: DateTime::from_unix_secs(s.end).rfc3339(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(at: f64, armed: bool, alt: f64, item: u16, lat: f64) -> FlightObservation {
        FlightObservation {
            at,
            armed,
            mode: "AUTO".into(),
            rel_alt_m: alt,
            position: Some(GeoPoint { lat, lon: 116.0 }),
            mission_current: Some(item),
            alert_times: Vec::new(),
        }
    }

    fn uploaded() -> SortieProgress {
        SortieProgress {
            state: Some(SortieState::Uploaded),
            ..Default::default()
        }
    }

    #[test]
    fn follows_takeoff_flight_and_landing() {
        let mut p = uploaded();
        p = advance(&p, &obs(0.0, true, 0.2, 1, 36.0), 5);
        assert_eq!(
            p.state(),
            SortieState::Uploaded,
            "armed on the ground is not flying"
        );
        p = advance(&p, &obs(1.0, true, 5.0, 1, 36.0), 5);
        assert_eq!((p.state(), p.takeoff_at), (SortieState::Flying, Some(1.0)));
        p = advance(&p, &obs(60.0, true, 60.0, 3, 36.001), 5);
        let mut alert = obs(90.0, true, 58.0, 5, 36.002);
        alert.alert_times = vec![80.0];
        p = advance(&p, &alert, 5);
        p = advance(&p, &alert, 5); // the same alert again is not counted twice
        p = advance(&p, &obs(200.0, false, 0.0, 5, 36.0), 5);
        assert_eq!(p.state(), SortieState::Completed);
        assert_eq!(p.landed_at, Some(200.0));
        assert_eq!(p.max_alt_m, 60.0);
        assert_eq!(p.alerts, 1);
        // 36.000 → 36.001 → 36.002 → 36.000: four times about 111 m.
        assert!((p.distance_m - 444.8).abs() < 2.0, "{}", p.distance_m);
        // Final states stay final.
        assert_eq!(advance(&p, &obs(300.0, true, 10.0, 1, 36.0), 5), p);
    }

    #[test]
    fn landing_before_the_end_of_the_mission_aborts() {
        let mut p = advance(&uploaded(), &obs(1.0, true, 5.0, 1, 36.0), 9);
        p = advance(&p, &obs(30.0, true, 40.0, 4, 36.0), 9);
        let mut land = obs(60.0, false, 0.0, 4, 36.0);
        land.mode = "LAND".into();
        p = advance(&p, &land, 9);
        assert_eq!(p.state(), SortieState::Aborted);
        assert!(p.note.as_deref().unwrap().contains("item 4 of 9"));
    }

    #[test]
    fn a_planned_sortie_does_not_start_by_itself() {
        let p = SortieProgress::default();
        assert_eq!(
            advance(&p, &obs(1.0, true, 50.0, 2, 36.0), 5).state(),
            SortieState::Planned
        );
    }

    #[test]
    fn overlap_names_the_busy_person_or_aircraft() {
        let t = |name: &str, officer: &str, ac: &str| Team {
            name: name.into(),
            officer: officer.into(),
            auxiliaries: ["X".into(), "Y".into()],
            aircraft: ac.into(),
        };
        let existing = vec![Sortie {
            id: 7,
            team: t("Alpha", "Li", "K1"),
            route_name: "r".into(),
            plan: None,
            start: 1000,
            end: 2000,
            progress: SortieProgress::default(),
        }];
        let e = find_overlap(&t("Bravo", "Li", "K2"), 1500, 2500, &existing).unwrap();
        assert!(
            e.to_string().contains("Li is already on sortie 7 (Alpha"),
            "{e}"
        );
        let other = Team {
            auxiliaries: ["P".into(), "Q".into()],
            ..t("Bravo", "Wang", "K1")
        };
        let e = find_overlap(&other, 500, 1001, &existing).unwrap();
        assert!(e.to_string().contains("aircraft K1"));
        assert!(
            find_overlap(&other, 2000, 3000, &existing).is_none(),
            "back to back is fine"
        );
    }
}
