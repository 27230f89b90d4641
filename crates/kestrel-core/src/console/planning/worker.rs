//! The planning worker: one thread doing what the window asked, in order — key areas, routes,
//! uploads, the schedule, the roster — and publishing the state each request produced together
//! with its answer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::crew::eligibility::schedule_teams;
use crate::crew::tracking::track;
use crate::crew::upload::{upload_flight, FlightRequest};
use crate::crew::{AircraftRecord, CrewError, CrewStore, Team};
use crate::fleet::FleetSnapshot;
use crate::geo::GeoPoint;
use crate::plan::areas::{geojson, AreaStore, Category, KeyArea};
use crate::plan::mission::{MissionItem, MissionKind};
use crate::plan::routes::{plan_route, Performance, RouteOptions, RouteRequest};
use crate::plan::schedule::{schedule, EventOverride, ScheduleRequest};
use crate::protocol::TransferPolicy;
use crate::station::Station;
use crate::time::now_unix;

use super::{
    Job, PlanningError, PlanningIntent, PlanningOutcome, PlanningTask, PlanningView, RoutePlan,
    RouteSpec, ShiftPlan,
};
use crate::console::callsigns::Callsigns;
use crate::console::missions::MissionBook;
use crate::console::published::lock;
use crate::console::published::EventSink;
use crate::console::Core;

struct Stores {
    areas: AreaStore,
    crew: CrewStore,
}

/// The planning thread's state: the stores, the route being planned, the last schedule.
pub(super) struct Worker {
    events: EventSink,
    callsigns: Callsigns,
    data_dir: Option<PathBuf>,
    stores: Option<Stores>,
    route: Option<Arc<RoutePlan>>,
    shift: Option<Arc<ShiftPlan>>,
    shift_request: Option<ScheduleRequest>,
    view: Arc<Mutex<Arc<PlanningView>>>,
    station: Station,
    runtime: tokio::runtime::Handle,
    missions: MissionBook,
    rev: u64,
    pending: Arc<AtomicUsize>,
}

/// The key areas the demo seeds around its Liaocheng home.
pub const DEMO_AREAS: &str = include_str!("../../../../../assets/demo_areas.geojson");

fn open_stores(data_dir: Option<&Path>) -> Result<Stores, PlanningError> {
    match data_dir {
        Some(dir) => Ok(Stores {
            areas: AreaStore::open_in(dir)?,
            crew: CrewStore::open_in(dir)?,
        }),
        None => Ok(Stores {
            areas: AreaStore::open(Path::new(":memory:"))?,
            crew: CrewStore::open(Path::new(":memory:"))?,
        }),
    }
}

impl Worker {
    /// A worker that publishes into `view` and counts down `pending` as it answers.
    pub(super) fn new(
        core: &Core,
        view: Arc<Mutex<Arc<PlanningView>>>,
        pending: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            events: core.events.clone(),
            callsigns: core.callsigns.clone(),
            data_dir: core.data_dir.clone(),
            stores: None,
            route: None,
            shift: None,
            shift_request: None,
            view,
            station: core.station.clone(),
            runtime: core.runtime.clone(),
            missions: core.missions.clone(),
            rev: 0,
            pending,
        }
    }

    /// Answers the window's requests until the service goes.
    pub(super) fn run(mut self, jobs: Receiver<Job>, demo: bool) {
        let loaded = open_stores(self.data_dir.as_deref()).and_then(
            |mut s| -> Result<Stores, PlanningError> {
                if demo && s.areas.list()?.is_empty() {
                    let areas = geojson::parse(DEMO_AREAS)?;
                    s.areas.import(&areas, false)?;
                }
                Ok(s)
            },
        );
        let store_error = loaded.as_ref().err().map(|e| e.to_string());
        self.stores = loaded.ok();
        self.publish(store_error.clone());
        if let Some(e) = store_error {
            self.answer(PlanningOutcome {
                task: PlanningTask::Load,
                result: Err(e),
            });
        }
        while let Ok(job) = jobs.recv() {
            match job {
                Job::Observe(snap) => {
                    if self.observe(&snap) {
                        self.publish(None);
                    }
                }
                Job::Do(intent) => {
                    let outcome = self.handle(intent);
                    self.pending.fetch_sub(1, Ordering::SeqCst);
                    self.publish(None);
                    self.answer(outcome);
                }
            }
        }
    }

    /// Tells the window `outcome` in the same frame as the state it produced.
    fn answer(&self, outcome: PlanningOutcome) {
        let state = lock(&self.view).clone();
        self.events
            .emit_with_view(outcome, move |view| view.planning = state);
    }

    fn publish(&mut self, store_error: Option<String>) {
        self.rev += 1;
        let mut v = PlanningView {
            route: self.route.clone(),
            shift: self.shift.clone(),
            store_error,
            rev: self.rev,
            ..Default::default()
        };
        if let Some(s) = &self.stores {
            let read = || -> Result<_, PlanningError> {
                let areas = s.areas.list()?;
                let aircraft = s.crew.aircraft()?;
                let teams = s.crew.teams()?;
                let since = now_unix() as i64 - 24 * 3600;
                let sorties = s.crew.sorties_between(since, i64::MAX)?;
                let people = s.crew.people()?;
                Ok((areas, aircraft, teams, sorties, people))
            };
            match read() {
                Ok((areas, aircraft, teams, sorties, people)) => {
                    v.people = Arc::new(people);
                    v.names = Arc::new(aircraft_names(&aircraft, &teams));
                    self.callsigns.set_registry((*v.names).clone());
                    v.areas = Arc::new(areas);
                    v.aircraft = Arc::new(aircraft);
                    v.teams = Arc::new(teams);
                    v.sorties = Arc::new(sorties);
                }
                Err(e) => v.store_error = Some(e.to_string()),
            }
        } else if v.store_error.is_none() {
            v.store_error = lock(&self.view).store_error.clone();
        }
        v.busy = self.pending.load(Ordering::SeqCst);
        *lock(&self.view) = Arc::new(v);
    }

    fn stores(&mut self) -> Result<&mut Stores, PlanningError> {
        self.stores.as_mut().ok_or(PlanningError::NoStores)
    }

    fn handle(&mut self, intent: PlanningIntent) -> PlanningOutcome {
        use PlanningTask as T;
        let (task, result) = match intent {
            PlanningIntent::Reload => (T::Load, Ok(String::new())),
            PlanningIntent::SaveArea { area, previous } => {
                (T::Area, self.save_area(area, previous))
            }
            PlanningIntent::DeleteArea(name) => (
                T::Area,
                self.stores().and_then(|s| {
                    s.areas
                        .remove(&name)
                        .map(|_| format!("key area '{name}' deleted"))
                        .map_err(PlanningError::from)
                }),
            ),
            PlanningIntent::Import { path, replace } => (T::File, self.import(&path, replace)),
            PlanningIntent::Export(path) => (T::File, self.export(&path)),
            PlanningIntent::GenerateRoute(spec) => (T::Route, self.generate(spec)),
            PlanningIntent::MoveWaypoint { sortie, point, to } => {
                (T::Route, self.move_waypoint(sortie, point, to))
            }
            PlanningIntent::ClearRoute => {
                self.route = None;
                (T::Route, Ok(String::new()))
            }
            PlanningIntent::Upload {
                sortie,
                sysid,
                team,
            } => (T::Upload, self.upload(sortie, sysid, team)),
            PlanningIntent::Schedule {
                start,
                end,
                events,
                home,
            } => (T::Schedule, self.schedule(start, end, events, home)),
            PlanningIntent::ExportLog(path) => (T::Log, self.export_log(&path)),
            PlanningIntent::CreateScheduledSorties => (T::Schedule, self.create_scheduled()),
            PlanningIntent::FormTeam {
                name,
                members,
                aircraft,
            } => (
                T::Team,
                self.stores().and_then(|s| {
                    s.crew
                        .add_team(&name, &members, &[aircraft])
                        .map(|t| format!("team {} formed with {}", t.name, t.aircraft))
                        .map_err(PlanningError::from)
                }),
            ),
            PlanningIntent::AddPerson(p) => (
                T::Roster,
                self.crew(|c| {
                    c.add_person(&p)?;
                    Ok(format!("{} added to the roster as {}", p.name, p.role))
                }),
            ),
            PlanningIntent::RemovePerson(name) => (
                T::Roster,
                self.crew(|c| {
                    c.remove_person(&name)?;
                    Ok(format!("{name} removed from the roster"))
                }),
            ),
            PlanningIntent::SaveAircraft { aircraft, new } => (
                T::Registry,
                self.crew(|c| {
                    if new {
                        c.add_aircraft(&aircraft)?;
                        Ok(format!("aircraft {} registered", aircraft.callsign))
                    } else {
                        c.update_aircraft(&aircraft)?;
                        Ok(format!("aircraft {} saved", aircraft.callsign))
                    }
                }),
            ),
            PlanningIntent::SetMaintenance { callsign, note } => (
                T::Registry,
                self.crew(|c| {
                    c.set_maintenance(&callsign, note.as_deref())?;
                    Ok(match &note {
                        Some(n) => format!("aircraft {callsign} is under maintenance: {n}"),
                        None => format!("aircraft {callsign} is back in service"),
                    })
                }),
            ),
            PlanningIntent::RemoveAircraft(callsign) => (
                T::Registry,
                self.crew(|c| {
                    c.remove_aircraft(&callsign)?;
                    Ok(format!("aircraft {callsign} removed from the registry"))
                }),
            ),
            PlanningIntent::DisbandTeam(name) => (
                T::Disband,
                self.crew(|c| {
                    c.remove_team(&name)?;
                    Ok(format!("team {name} disbanded"))
                }),
            ),
        };
        PlanningOutcome {
            task,
            result: result.map_err(|e| e.to_string()),
        }
    }

    /// Runs one change of the crew database, the core's refusal in words for the planner.
    fn crew(
        &mut self,
        f: impl FnOnce(&mut CrewStore) -> Result<String, CrewError>,
    ) -> Result<String, PlanningError> {
        Ok(f(&mut self.stores()?.crew)?)
    }

    fn save_area(
        &mut self,
        area: KeyArea,
        previous: Option<String>,
    ) -> Result<String, PlanningError> {
        let s = self.stores()?;
        area.validate()?;
        if let Some(old) = previous.filter(|o| *o != area.name) {
            if s.areas.get(&area.name).is_ok() {
                return Err(PlanningError::AreaExists(area.name.clone()));
            }
            s.areas.upsert(&area)?;
            s.areas.remove(&old)?;
        } else {
            s.areas.upsert(&area)?;
        }
        Ok(format!("key area '{}' saved", area.name))
    }

    fn import(&mut self, path: &Path, replace: bool) -> Result<String, PlanningError> {
        let bytes = std::fs::read(path).map_err(|source| PlanningError::Read {
            path: path.into(),
            source,
        })?;
        let in_file = |source| PlanningError::File {
            path: path.into(),
            source,
        };
        let areas = crate::plan::areas::parse_file(path, &bytes).map_err(in_file)?;
        let n = self
            .stores()?
            .areas
            .import(&areas, replace)
            .map_err(in_file)?;
        Ok(format!("{n} key areas imported from {}", path.display()))
    }

    fn export(&mut self, path: &Path) -> Result<String, PlanningError> {
        let areas = self.stores()?.areas.list()?;
        let text =
            crate::plan::areas::write_file(path, &areas).map_err(|source| PlanningError::File {
                path: path.into(),
                source,
            })?;
        std::fs::write(path, text).map_err(|source| PlanningError::Write {
            path: path.into(),
            source,
        })?;
        Ok(format!(
            "{} key areas exported to {}",
            areas.len(),
            path.display()
        ))
    }

    fn generate(&mut self, spec: RouteSpec) -> Result<String, PlanningError> {
        let s = self.stores()?;
        let all = s.areas.list()?;
        let mut targets = Vec::new();
        for name in &spec.areas {
            match all.iter().find(|a| &a.name == name) {
                Some(a) if a.category == Category::NoFly => {
                    return Err(PlanningError::NoFlyPatrol(name.clone()))
                }
                Some(a) => targets.push(a.clone()),
                None => return Err(PlanningError::NoSuchArea(name.clone())),
            }
        }
        if targets.is_empty() {
            return Err(PlanningError::NoAreaChosen);
        }
        let aircraft = match &spec.aircraft {
            Some(c) => {
                let a = s.crew.aircraft_by_callsign(c)?;
                if let Some(note) = &a.maintenance {
                    return Err(CrewError::InMaintenance {
                        callsign: a.callsign.clone(),
                        note: note.clone(),
                    }
                    .into());
                }
                a.performance()
            }
            None => Performance::default(),
        };
        let req = RouteRequest {
            pattern: spec.pattern,
            targets,
            no_fly: all
                .iter()
                .filter(|a| a.category == Category::NoFly)
                .cloned()
                .collect(),
            home: spec.home,
            aircraft,
            options: RouteOptions {
                alt_m: spec.alt_m,
                ..RouteOptions::default()
            },
            rally: Vec::new(),
        };
        let route = plan_route(&req)?;
        let issues = route.check();
        let t = route.totals();
        let msg = format!(
            "{} route: {:.2} km, {:.1} min, {} sortie(s)",
            route.pattern,
            t.length_m / 1000.0,
            t.flight_time_s / 60.0,
            route.sorties.len()
        );
        self.route = Some(Arc::new(RoutePlan {
            route,
            issues,
            aircraft: spec.aircraft,
        }));
        Ok(msg)
    }

    fn move_waypoint(
        &mut self,
        sortie: usize,
        point: usize,
        to: GeoPoint,
    ) -> Result<String, PlanningError> {
        let plan = self.route.as_ref().ok_or(PlanningError::NoRoute("edit"))?;
        let mut plan = (**plan).clone();
        plan.issues = plan.route.move_point(sortie, point, to);
        // The problems are listed with the route; the answer only says what was done.
        let msg = format!("point {} of sortie {} moved", point + 1, sortie + 1);
        self.route = Some(Arc::new(plan));
        Ok(msg)
    }

    fn upload(
        &mut self,
        sortie: usize,
        sysid: u8,
        team: Option<String>,
    ) -> Result<String, PlanningError> {
        let plan = self.route.clone().ok_or(PlanningError::NoRoute("upload"))?;
        if let Some(i) = plan.issues.first() {
            return Err(PlanningError::RouteBroken(Box::new(i.clone())));
        }
        let rs = plan
            .route
            .sorties
            .get(sortie)
            .ok_or(PlanningError::NoSortie(sortie + 1))?;
        let mission = plan
            .route
            .mission_plans()
            .into_iter()
            .nth(sortie)
            .ok_or(PlanningError::NoSortie(sortie + 1))?;
        if self.station.snapshot().get(sysid).is_none() {
            return Err(PlanningError::NotConnected(sysid));
        }
        // Nothing is claimed for an upload whose sortie cannot be recorded.
        self.stores()?;
        let start = now_unix() as i64;
        let request = FlightRequest {
            sysid,
            team,
            route_name: format!(
                "{} {} ({}/{})",
                plan.route.pattern,
                plan.route.areas.join(", "),
                sortie + 1,
                plan.route.sorties.len()
            ),
            plan: mission,
            start,
            end: start + rs.stats.flight_time_s.ceil() as i64 + 60,
        };
        // No mission download may run while the upload does (they would share the protocol).
        let claimed = Instant::now();
        while !self.missions.claim(sysid) {
            if claimed.elapsed() > Duration::from_secs(20) {
                return Err(PlanningError::MissionBusy(sysid));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let (station, runtime) = (self.station.clone(), self.runtime.clone());
        let sent = self.stores().map(|s| {
            runtime.block_on(upload_flight(
                &mut s.crew,
                &station,
                &request,
                TransferPolicy::default(),
            ))
        });
        self.missions.release(sysid);
        let sent = sent?;
        let on_aircraft = match &sent {
            Ok(_) => true,
            Err(e) => e.plan_on_aircraft(),
        };
        if on_aircraft {
            let items: Vec<MissionItem> = request.plan.wire_items(MissionKind::Mission);
            self.missions.set(sysid, items);
        }
        let done = sent?;
        let count = request.plan.wire_items(MissionKind::Mission).len();
        match done.sortie {
            Some(c) => Ok(format!(
                "sortie {} uploaded to aircraft {sysid} ({count} items) for {}",
                c.id, c.team.name
            )),
            None => Ok(format!(
                "mission uploaded to aircraft {sysid} ({count} items); no team flies this aircraft, so no sortie was recorded"
            )),
        }
    }

    fn schedule(
        &mut self,
        start: i64,
        end: i64,
        events: Vec<EventOverride>,
        home: GeoPoint,
    ) -> Result<String, PlanningError> {
        let s = self.stores()?;
        let areas = s.areas.list()?;
        let all = s.crew.teams()?;
        let registry = s.crew.aircraft()?;
        let eligible = schedule_teams(&all, &registry)?;
        let notes: Vec<String> = eligible.left_out.iter().map(|l| l.to_string()).collect();
        let teams = eligible.teams;
        let req = ScheduleRequest {
            shift_start: start,
            shift_end: end,
            home,
            teams,
            areas,
            turnaround_min: 10.0,
            events,
            options: RouteOptions::default(),
        };
        let sched = schedule(&req)?;
        self.shift_request = Some(req);
        let msg = format!(
            "{} sorties planned; {} key area(s) cannot be covered",
            sched.sorties.len(),
            sched.uncovered.len()
        );
        self.shift = Some(Arc::new(ShiftPlan {
            schedule: sched,
            window: (start, end),
            notes,
        }));
        Ok(msg)
    }

    fn create_scheduled(&mut self) -> Result<String, PlanningError> {
        let (Some(shift), Some(req)) = (self.shift.clone(), self.shift_request.clone()) else {
            return Err(PlanningError::NoSchedule);
        };
        let drafts = crate::crew::scheduled::sortie_drafts(&shift.schedule, &req)?;
        let s = self.stores()?;
        let mut ids = Vec::new();
        let done = |ids: &[i64]| {
            ids.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for draft in &drafts {
            match s.crew.create_sortie(draft) {
                Ok(c) => ids.push(c.id),
                Err(e) if ids.is_empty() => return Err(e.into()),
                Err(source) => {
                    return Err(PlanningError::PartlyRecorded {
                        source: Box::new(source),
                        recorded: done(&ids),
                    })
                }
            }
        }
        Ok(format!("{} sorties recorded: {}", ids.len(), done(&ids)))
    }

    fn export_log(&mut self, path: &Path) -> Result<String, PlanningError> {
        let s = self.stores()?;
        let sorties = s.crew.sorties()?;
        let registry = s.crew.aircraft()?;
        let rows = crate::crew::log::rows(&sorties, &registry);
        std::fs::write(path, crate::crew::log::to_csv(&rows)).map_err(|source| {
            PlanningError::Write {
                path: path.into(),
                source,
            }
        })?;
        Ok(format!(
            "{} sorties written to {}",
            rows.len(),
            path.display()
        ))
    }

    /// Advances the sorties of aircraft in the snapshot; whether any changed.
    fn observe(&mut self, snap: &FleetSnapshot) -> bool {
        let Some(s) = self.stores.as_mut() else {
            return false;
        };
        track(&mut s.crew, snap, now_unix())
            .steps
            .iter()
            .any(|step| step.worth_showing())
    }
}

/// The console label of each registered aircraft: its team's name, else its callsign.
fn aircraft_names(aircraft: &[AircraftRecord], teams: &[Team]) -> BTreeMap<u8, String> {
    aircraft
        .iter()
        .filter_map(|a| {
            let sysid = a.sysid?;
            let label = teams
                .iter()
                .find(|t| t.aircraft == a.callsign)
                .map(|t| format!("{} · {}", t.name, a.callsign))
                .unwrap_or_else(|| a.callsign.clone());
            Some((sysid, label))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_areas_are_valid_key_areas() {
        let areas = geojson::parse(DEMO_AREAS).unwrap();
        assert!(areas.iter().any(|a| a.category == Category::NoFly));
        assert!(areas.len() >= 4);
    }

    #[test]
    fn registered_aircraft_are_named_after_their_team() {
        let ac = |c: &str, s| AircraftRecord {
            callsign: c.into(),
            model: "M300".into(),
            serial: "1".into(),
            endurance_min: 30.0,
            cruise_ms: 10.0,
            hfov_deg: 70.0,
            sysid: s,
            maintenance: None,
        };
        let team = Team {
            name: "East".into(),
            officer: "Li".into(),
            auxiliaries: ["Wang".into(), "Zhao".into()],
            aircraft: "K1".into(),
        };
        let names = aircraft_names(
            &[ac("K1", Some(3)), ac("K2", Some(4)), ac("K3", None)],
            &[team],
        );
        assert_eq!(names.get(&3).map(String::as_str), Some("East · K1"));
        assert_eq!(names.get(&4).map(String::as_str), Some("K2"));
        assert_eq!(names.len(), 2);
    }
}
