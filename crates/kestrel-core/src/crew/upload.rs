//! Putting a sortie's mission on its aircraft, the one way the command line and the console do
//! it (the plan goes up with [`Station::upload_plan`]):
//! - [`upload_sortie`]: a sortie planned ahead (`kestrel crew sortie upload`) is sent and marked
//!   uploaded; when the upload fails it stays planned, to be sent again.
//! - [`upload_flight`]: a route flown now (the console's "Upload to aircraft") is recorded as a
//!   sortie for the team flying the aircraft, replacing one uploaded and not flown yet, then sent;
//!   when the upload fails the sortie is aborted with the reason, since it never flew.

use super::{CrewError, CrewStore, Sortie, SortieDraft, SortieState, Team};
use crate::plan::mission::MissionPlan;
use crate::protocol::{PlanUpload, PlanUploadError, TransferPolicy};
use crate::station::Station;

/// Why a sortie's mission was not put on its aircraft.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SortieUploadError {
    /// The crew database refused or failed (no such sortie or team, overlapping sortie…).
    #[error(transparent)]
    Crew(#[from] CrewError),
    /// The sortie already flew or was cancelled.
    #[error("sortie {id} is {state}; only planned sorties are uploaded")]
    NotPlanned {
        /// The sortie.
        id: i64,
        /// Where it stands.
        state: SortieState,
    },
    /// The sortie's aircraft cannot be addressed.
    #[error("aircraft {callsign} has no MAVLink system id; register it with --sysid")]
    NoSysid {
        /// The aircraft.
        callsign: String,
    },
    /// The sortie was recorded without a mission.
    #[error("sortie {id} has no mission")]
    NoMission {
        /// The sortie.
        id: i64,
    },
    /// The team asked for flies another aircraft.
    #[error("team {team} flies {callsign} ({}), not aircraft {sysid}; choose its team or select its aircraft", flies_as(*.flies))]
    WrongAircraft {
        /// The team.
        team: String,
        /// Its aircraft.
        callsign: String,
        /// Its aircraft's system id, if registered.
        flies: Option<u8>,
        /// The aircraft the mission was meant for.
        sysid: u8,
    },
    /// The transfer failed (which list, and what went before it).
    #[error(transparent)]
    Upload(#[from] PlanUploadError),
    /// The mission is on the aircraft, but the sortie could not be marked uploaded.
    #[error("the mission is on aircraft {sysid}, but sortie {sortie} could not be marked uploaded: {source}")]
    Unrecorded {
        /// The aircraft.
        sysid: u8,
        /// The sortie.
        sortie: i64,
        /// What was sent.
        upload: PlanUpload,
        /// Why the sortie was not updated.
        #[source]
        source: Box<CrewError>,
    },
}

fn flies_as(sysid: Option<u8>) -> String {
    sysid.map_or("no system id".to_string(), |i| format!("system id {i}"))
}

impl SortieUploadError {
    /// Whether the whole plan reached the aircraft despite the error.
    pub fn plan_on_aircraft(&self) -> bool {
        matches!(self, SortieUploadError::Unrecorded { .. })
    }
}

/// A planned sortie ready to be sent: its aircraft's system id and its mission.
#[derive(Debug, Clone, PartialEq)]
pub struct SortieMission {
    /// The sortie.
    pub sortie: Sortie,
    /// Its aircraft's callsign.
    pub callsign: String,
    /// Its aircraft's MAVLink system id.
    pub sysid: u8,
    /// What goes on the aircraft.
    pub plan: MissionPlan,
}

/// A sortie whose mission is on its aircraft.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadedSortie {
    /// The sortie, now uploaded.
    pub sortie: Sortie,
    /// What was sent.
    pub upload: PlanUpload,
}

/// Sortie `id` if it can be uploaded: planned (or uploaded, to send again), with a mission and an
/// aircraft that has a system id. Checked before any link is opened.
pub fn planned_mission(store: &CrewStore, id: i64) -> Result<SortieMission, SortieUploadError> {
    let sortie = store.sortie(id)?;
    if !matches!(sortie.state(), SortieState::Planned | SortieState::Uploaded) {
        return Err(SortieUploadError::NotPlanned {
            id,
            state: sortie.state(),
        });
    }
    let ac = store.aircraft_by_callsign(&sortie.team.aircraft)?;
    let sysid = ac.sysid.ok_or_else(|| SortieUploadError::NoSysid {
        callsign: ac.callsign.clone(),
    })?;
    let plan = sortie
        .plan
        .clone()
        .ok_or(SortieUploadError::NoMission { id })?;
    Ok(SortieMission {
        sortie,
        callsign: ac.callsign,
        sysid,
        plan,
    })
}

/// Sends a planned sortie's mission (see [`planned_mission`]) and marks the sortie uploaded. A
/// failed upload leaves the sortie as it was.
pub async fn upload_sortie(
    store: &mut CrewStore,
    station: &Station,
    mission: &SortieMission,
    policy: TransferPolicy,
) -> Result<UploadedSortie, SortieUploadError> {
    send(
        store,
        station,
        mission.sortie.id,
        mission.sysid,
        &mission.plan,
        policy,
    )
    .await
}

/// A route's sortie to fly now on one aircraft.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightRequest {
    /// The aircraft.
    pub sysid: u8,
    /// The team flying it (`None`: the team whose aircraft has this system id, if any).
    pub team: Option<String>,
    /// The route's name for the sortie log.
    pub route_name: String,
    /// What goes on the aircraft.
    pub plan: MissionPlan,
    /// Planned start, Unix seconds.
    pub start: i64,
    /// Planned end, Unix seconds.
    pub end: i64,
}

/// What [`upload_flight`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct FlightUpload {
    /// The sortie recorded and uploaded (`None`: no team flies the aircraft, so none was
    /// recorded).
    pub sortie: Option<Sortie>,
    /// What was sent.
    pub upload: PlanUpload,
}

/// Records `req` as a sortie of its team and sends its mission. The team is the one asked for
/// (refused if it flies another aircraft), else the one flying the aircraft; without a team the
/// mission is sent and no sortie recorded. A sortie of the aircraft planned or uploaded and not
/// flown yet is aborted as replaced. The sortie is recorded before anything is sent, so a wrong
/// crew is refused first; if the upload then fails, it is aborted with the reason.
pub async fn upload_flight(
    store: &mut CrewStore,
    station: &Station,
    req: &FlightRequest,
    policy: TransferPolicy,
) -> Result<FlightUpload, SortieUploadError> {
    let sysid = req.sysid;
    let created = match flight_team(store, sysid, req.team.as_deref())? {
        Some(team) => Some(record_flight(store, &team, req)?),
        None => None,
    };
    match created {
        Some(c) => match send(store, station, c.id, sysid, &req.plan, policy).await {
            Ok(done) => Ok(FlightUpload {
                sortie: Some(done.sortie),
                upload: done.upload,
            }),
            Err(e @ SortieUploadError::Upload(_)) => {
                // Best effort: the upload's own error is what the planner needs to see.
                let _ = store.abort(c.id, &e.to_string());
                Err(e)
            }
            Err(e) => Err(e),
        },
        None => Ok(FlightUpload {
            sortie: None,
            upload: station.upload_plan(sysid, &req.plan, policy).await?,
        }),
    }
}

/// The team flying `sysid`: `team` if given (checked to fly it), else the team whose aircraft
/// has this system id, if any.
fn flight_team(
    store: &CrewStore,
    sysid: u8,
    team: Option<&str>,
) -> Result<Option<Team>, SortieUploadError> {
    let Some(name) = team else {
        let callsign = store
            .aircraft()?
            .into_iter()
            .find(|a| a.sysid == Some(sysid))
            .map(|a| a.callsign);
        let teams = store.teams()?;
        return Ok(callsign.and_then(|c| teams.into_iter().find(|t| t.aircraft == c)));
    };
    let t = store.team(name)?;
    let flies = store.aircraft_by_callsign(&t.aircraft)?;
    if flies.sysid != Some(sysid) {
        return Err(SortieUploadError::WrongAircraft {
            team: t.name,
            callsign: flies.callsign,
            flies: flies.sysid,
            sysid,
        });
    }
    Ok(Some(t))
}

/// Records the sortie of `req` for `team`, replacing the aircraft's sortie not flown yet.
fn record_flight(
    store: &mut CrewStore,
    team: &Team,
    req: &FlightRequest,
) -> Result<Sortie, CrewError> {
    if let Ok(Some(old)) = store.active_sortie_for(req.sysid) {
        if matches!(old.state(), SortieState::Planned | SortieState::Uploaded) {
            store.abort(old.id, "replaced by a newer upload")?;
        }
    }
    store.create_sortie(&SortieDraft {
        team: team.name.clone(),
        route_name: req.route_name.clone(),
        plan: Some(req.plan.clone()),
        start: req.start,
        end: req.end,
    })
}

/// Sends `plan` to `sysid` and marks sortie `id` uploaded.
async fn send(
    store: &mut CrewStore,
    station: &Station,
    id: i64,
    sysid: u8,
    plan: &MissionPlan,
    policy: TransferPolicy,
) -> Result<UploadedSortie, SortieUploadError> {
    let upload = station.upload_plan(sysid, plan, policy).await?;
    match store.mark_uploaded(id) {
        Ok(sortie) => Ok(UploadedSortie { sortie, upload }),
        Err(source) => Err(SortieUploadError::Unrecorded {
            sysid,
            sortie: id,
            upload,
            source: Box::new(source),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crew::{AircraftRecord, Person, Role};
    use crate::plan::mission::MissionItem;
    use crate::station::StationConfig;

    /// Team East flies Falcon-1 (system id 1); Falcon-2 (system id 2) has no team.
    fn crew() -> CrewStore {
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
        for (callsign, sysid) in [
            ("Falcon-1", Some(1)),
            ("Falcon-2", Some(2)),
            ("Falcon-3", None),
        ] {
            s.add_aircraft(&AircraftRecord {
                callsign: callsign.into(),
                model: "M30T".into(),
                serial: callsign.into(),
                endurance_min: 35.0,
                cruise_ms: 10.0,
                hfov_deg: 70.0,
                sysid,
                maintenance: None,
            })
            .unwrap();
        }
        s.add_team(
            "East",
            &["Li Wei".into(), "Wang Fang".into(), "Zhao Lei".into()],
            &["Falcon-1".into()],
        )
        .unwrap();
        s
    }

    fn plan() -> MissionPlan {
        MissionPlan {
            home: Some((36.45, 115.98, 35.0)),
            mission: vec![MissionItem::nav(16, 36.451, 115.981, 30.0)],
            ..Default::default()
        }
    }

    fn request(sysid: u8, team: Option<&str>) -> FlightRequest {
        FlightRequest {
            sysid,
            team: team.map(str::to_string),
            route_name: "coverage Station square (1/1)".into(),
            plan: plan(),
            start: 1_750_000_000,
            end: 1_750_001_000,
        }
    }

    /// A station that knows no aircraft: every upload fails at once.
    fn no_aircraft() -> Station {
        Station::start(StationConfig::default()).unwrap()
    }

    #[test]
    fn only_a_planned_sortie_with_a_mission_and_an_addressable_aircraft_is_uploaded() {
        let mut s = crew();
        let draft = |plan| SortieDraft {
            team: "East".into(),
            route_name: "r".into(),
            plan,
            start: 1_750_000_000,
            end: 1_750_001_000,
        };
        let with = s.create_sortie(&draft(Some(plan()))).unwrap();
        let m = planned_mission(&s, with.id).unwrap();
        assert_eq!((m.sysid, m.callsign.as_str()), (1, "Falcon-1"));
        assert_eq!(m.plan, plan());
        s.abort(with.id, "rain").unwrap();
        assert_eq!(
            planned_mission(&s, with.id),
            Err(SortieUploadError::NotPlanned {
                id: with.id,
                state: SortieState::Aborted
            })
        );
        let without = s
            .create_sortie(&SortieDraft {
                start: 1_760_000_000,
                end: 1_760_001_000,
                ..draft(None)
            })
            .unwrap();
        assert_eq!(
            planned_mission(&s, without.id),
            Err(SortieUploadError::NoMission { id: without.id })
        );
        assert!(matches!(
            planned_mission(&s, 99),
            Err(SortieUploadError::Crew(CrewError::NotFound { .. }))
        ));
    }

    #[tokio::test]
    async fn a_planned_sortie_whose_upload_fails_stays_planned() {
        let mut s = crew();
        let c = s
            .create_sortie(&SortieDraft {
                team: "East".into(),
                route_name: "r".into(),
                plan: Some(plan()),
                start: 1_750_000_000,
                end: 1_750_001_000,
            })
            .unwrap();
        let m = planned_mission(&s, c.id).unwrap();
        let e = upload_sortie(&mut s, &no_aircraft(), &m, TransferPolicy::default())
            .await
            .unwrap_err();
        assert!(
            matches!(&e, SortieUploadError::Upload(u) if u.sysid == 1 && u.uploaded.is_empty()),
            "{e:?}"
        );
        assert_eq!(s.sortie(c.id).unwrap().state(), SortieState::Planned);
    }

    #[tokio::test]
    async fn a_flight_whose_upload_fails_is_recorded_for_the_aircrafts_team_and_aborted_with_the_reason(
    ) {
        let mut s = crew();
        let e = upload_flight(
            &mut s,
            &no_aircraft(),
            &request(1, None),
            TransferPolicy::default(),
        )
        .await
        .unwrap_err();
        let sorties = s.sorties().unwrap();
        assert_eq!(sorties.len(), 1);
        assert_eq!(sorties[0].team.name, "East");
        assert_eq!(sorties[0].state(), SortieState::Aborted);
        assert_eq!(sorties[0].progress.note, Some(e.to_string()));
        assert!(
            e.to_string()
                .starts_with("mission upload to aircraft 1 failed"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn an_unflown_sortie_of_the_aircraft_is_replaced_by_the_new_flight() {
        let mut s = crew();
        let old = s
            .create_sortie(&SortieDraft {
                team: "East".into(),
                route_name: "old".into(),
                plan: Some(plan()),
                start: 1_750_000_000,
                end: 1_750_001_000,
            })
            .unwrap();
        s.mark_uploaded(old.id).unwrap();
        let _ = upload_flight(
            &mut s,
            &no_aircraft(),
            &request(1, Some("East")),
            TransferPolicy::default(),
        )
        .await;
        let old = s.sortie(old.id).unwrap();
        assert_eq!(old.state(), SortieState::Aborted);
        assert_eq!(
            old.progress.note.as_deref(),
            Some("replaced by a newer upload")
        );
        assert_eq!(s.sorties().unwrap().len(), 2, "the new sortie is recorded");
    }

    #[tokio::test]
    async fn a_team_that_flies_another_aircraft_is_refused_before_anything_is_recorded() {
        let mut s = crew();
        let e = upload_flight(
            &mut s,
            &no_aircraft(),
            &request(2, Some("East")),
            TransferPolicy::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "team East flies Falcon-1 (system id 1), not aircraft 2; choose its team or select its aircraft"
        );
        assert!(s.sorties().unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_aircraft_no_team_flies_gets_the_mission_and_no_sortie() {
        let mut s = crew();
        let e = upload_flight(
            &mut s,
            &no_aircraft(),
            &request(2, None),
            TransferPolicy::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, SortieUploadError::Upload(_)), "{e:?}");
        assert!(s.sorties().unwrap().is_empty());
    }
}
