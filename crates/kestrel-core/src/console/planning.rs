//! Planning in the console's core: the key areas (AreaStore), the crew registry (CrewStore), the
//! patrol route being planned, uploading a sortie to an aircraft, following sorties from
//! telemetry and the shift schedule. All of it runs on one worker thread of its own, in the order
//! the window asked, so the window never waits on SQLite, the planner or the mission protocol; the
//! result of every request comes back as a [`PlanningOutcome`] and the state as a [`PlanningView`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::crew::{
    AircraftRecord, CrewError, CrewStore, FlightObservation, Person, Sortie, SortieDraft,
    SortieState, Team,
};
use crate::fleet::FleetSnapshot;
use crate::geo::GeoPoint;
use crate::plan::areas::{geojson, AreaStore, Category, KeyArea};
use crate::plan::mission::{MissionItem, MissionKind};
use crate::plan::routes::{
    plan_route, PatrolRoute, Pattern, Performance, RouteIssue, RouteOptions, RouteRequest,
};
use crate::plan::schedule::{schedule, EventOverride, Schedule, ScheduleRequest, ScheduleTeam};
use crate::plan::time::now_unix;
use crate::protocol::TransferPolicy;
use crate::station::Station;

use super::bridge::MissionBook;

/// How often sorties are advanced from telemetry.
const OBSERVE_EVERY: Duration = Duration::from_secs(1);

/// What to plan a route from (the window's route form).
#[derive(Debug, Clone, PartialEq)]
pub struct RouteSpec {
    /// Key areas to patrol, by name (no-fly zones are always avoided, never patrolled).
    pub areas: Vec<String>,
    /// How they are covered.
    pub pattern: Pattern,
    /// Patrol altitude above home, metres.
    pub alt_m: f64,
    /// The aircraft, by callsign in the registry (`None`: default performance).
    pub aircraft: Option<String>,
    /// Launch and landing point.
    pub home: GeoPoint,
}

/// What the window asks of planning.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanningIntent {
    /// Read the stores again.
    Reload,
    /// Store a key area; `previous` is its old name when it was renamed.
    SaveArea {
        /// The area.
        area: KeyArea,
        /// Its name before the edit.
        previous: Option<String>,
    },
    /// Remove a key area.
    DeleteArea(String),
    /// Import key areas from a GeoJSON, KML or KMZ file (all or nothing).
    Import {
        /// The file.
        path: PathBuf,
        /// Remove every area not in the file.
        replace: bool,
    },
    /// Export every key area to a GeoJSON file.
    Export(PathBuf),
    /// Plan a patrol route (replaces the one being planned).
    GenerateRoute(RouteSpec),
    /// Move a waypoint of the route being planned (dragged on the map).
    MoveWaypoint {
        /// Sortie number.
        sortie: usize,
        /// Point number.
        point: usize,
        /// Where to.
        to: GeoPoint,
    },
    /// Drop the route being planned.
    ClearRoute,
    /// Upload one sortie of the route to an aircraft and record it for a team.
    Upload {
        /// Sortie number of the route.
        sortie: usize,
        /// The aircraft's system id.
        sysid: u8,
        /// The team flying it (`None`: the team whose aircraft has this system id, if any).
        team: Option<String>,
    },
    /// Run the shift scheduler over every team and key area.
    Schedule {
        /// Shift start, Unix seconds.
        start: i64,
        /// Shift end, Unix seconds.
        end: i64,
        /// Event mode: shorter revisit intervals.
        events: Vec<EventOverride>,
    },
    /// Write the sortie log as CSV.
    ExportLog(PathBuf),
    /// Record the sorties of the last shift schedule (each with its perimeter route).
    CreateScheduledSorties,
    /// Form a team: exactly one officer, two auxiliaries and one aircraft.
    FormTeam {
        /// Team name.
        name: String,
        /// The three people.
        members: Vec<String>,
        /// The aircraft's callsign.
        aircraft: String,
    },
    // --- roster ---
    /// Put a person on the roster.
    AddPerson(Person),
    /// Take a person off the roster (refused while on a team or an open sortie).
    RemovePerson(String),
    /// Register an aircraft (`new`) or change a registered one (its callsign is the key).
    SaveAircraft {
        /// The aircraft.
        aircraft: AircraftRecord,
        /// Registering rather than editing.
        new: bool,
    },
    /// Put an aircraft under maintenance (`Some(note)`) or back in service (`None`).
    SetMaintenance {
        /// Its callsign.
        callsign: String,
        /// What is being done.
        note: Option<String>,
    },
    /// Remove an aircraft from the registry (refused while a team flies it or a sortie uses it).
    RemoveAircraft(String),
    /// Disband a team (refused while it has a sortie planned, uploaded or flying).
    DisbandTeam(String),
}

/// Which request an outcome answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanningTask {
    /// Loading the stores.
    Load,
    /// Saving or deleting a key area.
    Area,
    /// Importing or exporting GeoJSON.
    File,
    /// Planning or editing a route.
    Route,
    /// Uploading a sortie.
    Upload,
    /// The shift schedule.
    Schedule,
    /// The sortie log.
    Log,
    /// Forming a team.
    Team,
    // --- roster ---
    /// Adding or removing a person.
    Roster,
    /// Registering, editing, removing an aircraft or changing its maintenance state.
    Registry,
    /// Disbanding a team.
    Disband,
}

/// The answer to one planning request: what was done, or why not (in words for the planner).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningOutcome {
    /// Which request.
    pub task: PlanningTask,
    /// What was done, or why not.
    pub result: Result<String, String>,
}

/// The route being planned, with its problems as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutePlan {
    /// The route.
    pub route: PatrolRoute,
    /// What is wrong with it (after a waypoint was dragged).
    pub issues: Vec<RouteIssue>,
    /// The aircraft it was planned for.
    pub aircraft: Option<String>,
}

/// The shift schedule last run, with notes about teams left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftPlan {
    /// The timeline.
    pub schedule: Schedule,
    /// Shift start and end, Unix seconds.
    pub window: (i64, i64),
    /// Teams left out, and why.
    pub notes: Vec<String>,
}

/// Everything about planning the window draws from. Cheap to clone (shared pointers).
#[derive(Debug, Clone, Default)]
pub struct PlanningView {
    /// Every key area, by name.
    pub areas: Arc<Vec<KeyArea>>,
    /// The aircraft registry.
    pub aircraft: Arc<Vec<AircraftRecord>>,
    /// Every team.
    pub teams: Arc<Vec<Team>>,
    /// The roster of officers and auxiliaries.
    pub people: Arc<Vec<Person>>,
    /// Sorties planned from yesterday on, newest last.
    pub sorties: Arc<Vec<Sortie>>,
    /// The route being planned.
    pub route: Option<Arc<RoutePlan>>,
    /// The last shift schedule.
    pub shift: Option<Arc<ShiftPlan>>,
    /// Label of each registered aircraft by system id: its team's name, else its callsign.
    pub names: Arc<BTreeMap<u8, String>>,
    /// Requests not answered yet.
    pub busy: usize,
    /// Why the stores could not be opened, if they could not.
    pub store_error: Option<String>,
    /// Increases with every change.
    pub rev: u64,
}

impl PlanningView {
    /// A key area by name.
    pub fn area(&self, name: &str) -> Option<&KeyArea> {
        self.areas.iter().find(|a| a.name == name)
    }
}

enum Job {
    Do(PlanningIntent),
    Observe(FleetSnapshot),
}

/// The core's end of planning: owned by the console core, which forwards intents and fleet
/// snapshots; the worker thread behind it does the work.
pub(crate) struct PlanningCore {
    jobs: Sender<Job>,
    view: Arc<Mutex<Arc<PlanningView>>>,
    pending: Arc<AtomicUsize>,
    last_observe: Option<Instant>,
}

impl PlanningCore {
    /// Starts the worker: opens the stores in `data_dir` (in memory when `None`), seeds the demo
    /// key areas into an empty store when `demo`, and sends outcomes to `done` with the state they
    /// produced.
    pub(crate) fn start(
        data_dir: Option<PathBuf>,
        demo: bool,
        station: Station,
        runtime: tokio::runtime::Handle,
        missions: Arc<Mutex<MissionBook>>,
        done: impl Fn(PlanningOutcome, Arc<PlanningView>) + Send + 'static,
    ) -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        let view = Arc::new(Mutex::new(Arc::new(PlanningView::default())));
        let pending = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            data_dir,
            stores: None,
            route: None,
            shift: None,
            shift_request: None,
            view: view.clone(),
            station,
            runtime,
            missions,
            rev: 0,
            pending: pending.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("kestrel-planning".into())
            .spawn(move || worker.run(rx, demo, done));
        if let Err(e) = spawned {
            let v = PlanningView {
                store_error: Some(format!("cannot start planning: {e}")),
                ..Default::default()
            };
            *super::bridge::lock(&view) = Arc::new(v);
        }
        Self {
            jobs: tx,
            view,
            pending,
            last_observe: None,
        }
    }

    /// Queues a request.
    pub(crate) fn send(&self, intent: PlanningIntent) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let _ = self.jobs.send(Job::Do(intent));
    }

    /// Lets sorties follow the fleet (at most once a second).
    pub(crate) fn observe(&mut self, snap: &FleetSnapshot) {
        if self
            .last_observe
            .is_some_and(|t| t.elapsed() < OBSERVE_EVERY)
        {
            return;
        }
        self.last_observe = Some(Instant::now());
        if self.jobs.is_empty() {
            let _ = self.jobs.send(Job::Observe(snap.clone()));
        }
    }

    /// The latest planning state.
    pub(crate) fn view(&self) -> Arc<PlanningView> {
        let v = super::bridge::lock(&self.view).clone();
        let busy = self.pending.load(Ordering::SeqCst);
        if v.busy == busy {
            return v;
        }
        let mut fresh = (*v).clone();
        fresh.busy = busy;
        Arc::new(fresh)
    }
}

struct Stores {
    areas: AreaStore,
    crew: CrewStore,
}

struct Worker {
    data_dir: Option<PathBuf>,
    stores: Option<Stores>,
    route: Option<Arc<RoutePlan>>,
    shift: Option<Arc<ShiftPlan>>,
    shift_request: Option<ScheduleRequest>,
    view: Arc<Mutex<Arc<PlanningView>>>,
    station: Station,
    runtime: tokio::runtime::Handle,
    missions: Arc<Mutex<MissionBook>>,
    rev: u64,
    pending: Arc<AtomicUsize>,
}

/// The key areas the demo seeds around its Liaocheng home.
pub const DEMO_AREAS: &str = include_str!("../../../../assets/demo_areas.geojson");

fn open_stores(data_dir: Option<&Path>) -> Result<Stores, String> {
    match data_dir {
        Some(dir) => Ok(Stores {
            areas: AreaStore::open_in(dir).map_err(|e| e.to_string())?,
            crew: CrewStore::open_in(dir).map_err(|e| e.to_string())?,
        }),
        None => Ok(Stores {
            areas: AreaStore::open(Path::new(":memory:")).map_err(|e| e.to_string())?,
            crew: CrewStore::open(Path::new(":memory:")).map_err(|e| e.to_string())?,
        }),
    }
}

impl Worker {
    fn run(
        mut self,
        jobs: Receiver<Job>,
        demo: bool,
        done: impl Fn(PlanningOutcome, Arc<PlanningView>),
    ) {
        let loaded = open_stores(self.data_dir.as_deref()).and_then(|mut s| {
            if demo && s.areas.list().map_err(|e| e.to_string())?.is_empty() {
                let areas = geojson::parse(DEMO_AREAS).map_err(|e| e.to_string())?;
                s.areas.import(&areas, false).map_err(|e| e.to_string())?;
            }
            Ok(s)
        });
        let store_error = loaded.as_ref().err().cloned();
        self.stores = loaded.ok();
        self.publish(store_error.clone());
        if let Some(e) = store_error {
            done(
                PlanningOutcome {
                    task: PlanningTask::Load,
                    result: Err(e),
                },
                self.current_view(),
            );
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
                    done(outcome, self.current_view());
                }
            }
        }
    }

    fn current_view(&self) -> Arc<PlanningView> {
        super::bridge::lock(&self.view).clone()
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
            let read = || -> Result<_, String> {
                let areas = s.areas.list().map_err(|e| e.to_string())?;
                let aircraft = s.crew.aircraft().map_err(|e| e.to_string())?;
                let teams = s.crew.teams().map_err(|e| e.to_string())?;
                let since = now_unix() as i64 - 24 * 3600;
                let sorties = s
                    .crew
                    .sorties_between(since, i64::MAX)
                    .map_err(|e| e.to_string())?;
                let people = s.crew.people().map_err(|e| e.to_string())?;
                Ok((areas, aircraft, teams, sorties, people))
            };
            match read() {
                Ok((areas, aircraft, teams, sorties, people)) => {
                    v.people = Arc::new(people);
                    v.names = Arc::new(aircraft_names(&aircraft, &teams));
                    v.areas = Arc::new(areas);
                    v.aircraft = Arc::new(aircraft);
                    v.teams = Arc::new(teams);
                    v.sorties = Arc::new(sorties);
                }
                Err(e) => v.store_error = Some(e),
            }
        } else if v.store_error.is_none() {
            v.store_error = super::bridge::lock(&self.view).store_error.clone();
        }
        v.busy = self.pending.load(Ordering::SeqCst);
        *super::bridge::lock(&self.view) = Arc::new(v);
    }

    fn stores(&mut self) -> Result<&mut Stores, String> {
        self.stores
            .as_mut()
            .ok_or_else(|| "the planning databases could not be opened".to_string())
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
                        .map_err(|e| e.to_string())
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
            PlanningIntent::Schedule { start, end, events } => {
                (T::Schedule, self.schedule(start, end, events))
            }
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
                        .map_err(|e| e.to_string())
                }),
            ),
            // --- roster ---
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
        PlanningOutcome { task, result }
    }

    /// Runs one change of the crew database, the core's refusal in words for the planner.
    fn crew(
        &mut self,
        f: impl FnOnce(&mut CrewStore) -> Result<String, CrewError>,
    ) -> Result<String, String> {
        f(&mut self.stores()?.crew).map_err(|e| e.to_string())
    }

    fn save_area(&mut self, area: KeyArea, previous: Option<String>) -> Result<String, String> {
        let s = self.stores()?;
        area.validate().map_err(|e| e.to_string())?;
        if let Some(old) = previous.filter(|o| *o != area.name) {
            if s.areas.get(&area.name).is_ok() {
                return Err(format!(
                    "a key area named '{}' already exists; choose another name",
                    area.name
                ));
            }
            s.areas.upsert(&area).map_err(|e| e.to_string())?;
            s.areas.remove(&old).map_err(|e| e.to_string())?;
        } else {
            s.areas.upsert(&area).map_err(|e| e.to_string())?;
        }
        Ok(format!("key area '{}' saved", area.name))
    }

    fn import(&mut self, path: &Path, replace: bool) -> Result<String, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let areas = crate::plan::areas::parse_file(path, &bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let n = self
            .stores()?
            .areas
            .import(&areas, replace)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(format!("{n} key areas imported from {}", path.display()))
    }

    fn export(&mut self, path: &Path) -> Result<String, String> {
        let areas = self.stores()?.areas.list().map_err(|e| e.to_string())?;
        let text = crate::plan::areas::write_file(path, &areas)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(format!(
            "{} key areas exported to {}",
            areas.len(),
            path.display()
        ))
    }

    fn generate(&mut self, spec: RouteSpec) -> Result<String, String> {
        let s = self.stores()?;
        let all = s.areas.list().map_err(|e| e.to_string())?;
        let mut targets = Vec::new();
        for name in &spec.areas {
            match all.iter().find(|a| &a.name == name) {
                Some(a) if a.category == Category::NoFly => {
                    return Err(format!(
                        "'{name}' is a no-fly zone; it is avoided, not patrolled"
                    ))
                }
                Some(a) => targets.push(a.clone()),
                None => return Err(format!("no key area named '{name}'")),
            }
        }
        if targets.is_empty() {
            return Err("choose at least one key area to patrol".into());
        }
        let aircraft = match &spec.aircraft {
            Some(c) => {
                let a = s.crew.aircraft_by_callsign(c).map_err(|e| e.to_string())?;
                if let Some(note) = &a.maintenance {
                    return Err(CrewError::InMaintenance {
                        callsign: a.callsign.clone(),
                        note: note.clone(),
                    }
                    .to_string());
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
        let route = plan_route(&req).map_err(|e| e.to_string())?;
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
    ) -> Result<String, String> {
        let plan = self
            .route
            .as_ref()
            .ok_or_else(|| "there is no route to edit; generate one first".to_string())?;
        let mut plan = (**plan).clone();
        plan.issues = plan.route.move_point(sortie, point, to);
        // The problems are listed with the route; the answer only says what was done.
        let msg = format!("point {} of sortie {} moved", point + 1, sortie + 1);
        self.route = Some(Arc::new(plan));
        Ok(msg)
    }

    fn upload(&mut self, sortie: usize, sysid: u8, team: Option<String>) -> Result<String, String> {
        let plan = self
            .route
            .clone()
            .ok_or_else(|| "there is no route to upload; generate one first".to_string())?;
        if let Some(i) = plan.issues.first() {
            return Err(format!("the route cannot be flown as it stands: {i}"));
        }
        let rs = plan
            .route
            .sorties
            .get(sortie)
            .ok_or_else(|| format!("the route has no sortie {}", sortie + 1))?;
        let mission = plan
            .route
            .mission_plans()
            .into_iter()
            .nth(sortie)
            .ok_or_else(|| format!("the route has no sortie {}", sortie + 1))?;
        if self.station.snapshot().get(sysid).is_none() {
            return Err(format!(
                "aircraft {sysid} is not connected; check its link under Connections"
            ));
        }
        // The team: the one asked for, else the one flying this aircraft.
        let s = self.stores()?;
        let team = match team {
            Some(t) => Some(s.crew.team(&t).map_err(|e| e.to_string())?),
            None => {
                let registry = s.crew.aircraft().map_err(|e| e.to_string())?;
                let callsign = registry
                    .iter()
                    .find(|a| a.sysid == Some(sysid))
                    .map(|a| a.callsign.clone());
                let teams = s.crew.teams().map_err(|e| e.to_string())?;
                callsign.and_then(|c| teams.into_iter().find(|t| t.aircraft == c))
            }
        };
        // Plan the sortie first: the planner refuses a wrong crew before anything is sent.
        let created = match &team {
            Some(t) => {
                let flies = s
                    .crew
                    .aircraft_by_callsign(&t.aircraft)
                    .map_err(|e| e.to_string())?;
                if flies.sysid != Some(sysid) {
                    return Err(format!(
                        "team {} flies {} ({}), not aircraft {sysid}; choose its team or select its aircraft",
                        t.name,
                        flies.callsign,
                        flies.sysid.map_or("no system id".to_string(), |i| format!("system id {i}"))
                    ));
                }
                // A sortie uploaded and not flown yet is replaced by the new upload.
                if let Ok(Some(old)) = s.crew.active_sortie_for(sysid) {
                    if matches!(old.state(), SortieState::Planned | SortieState::Uploaded) {
                        s.crew
                            .abort(old.id, "replaced by a newer upload")
                            .map_err(|e| e.to_string())?;
                    }
                }
                let start = now_unix() as i64;
                let draft = SortieDraft {
                    team: t.name.clone(),
                    route_name: format!(
                        "{} {} ({}/{})",
                        plan.route.pattern,
                        plan.route.areas.join(", "),
                        sortie + 1,
                        plan.route.sorties.len()
                    ),
                    plan: Some(mission.clone()),
                    start,
                    end: start + rs.stats.flight_time_s.ceil() as i64 + 60,
                };
                Some(s.crew.create_sortie(&draft).map_err(|e| e.to_string())?)
            }
            None => None,
        };
        // No mission download may run while the upload does (they would share the protocol).
        let claimed = Instant::now();
        while !super::bridge::lock(&self.missions).claim(sysid) {
            if claimed.elapsed() > Duration::from_secs(20) {
                return Err(format!(
                    "aircraft {sysid} is still sending its mission; try again in a moment"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let station = self.station.clone();
        let upload = mission.clone();
        let sent: Result<(), String> = self.runtime.block_on(async move {
            for kind in MissionKind::ALL {
                if kind != MissionKind::Mission && upload.items(kind).is_empty() {
                    continue;
                }
                station
                    .upload_items(
                        sysid,
                        kind,
                        &upload.wire_items(kind),
                        TransferPolicy::default(),
                    )
                    .await
                    .map_err(|e| {
                        format!("{} upload to aircraft {sysid} failed: {e}", kind.name())
                    })?;
            }
            Ok(())
        });
        super::bridge::lock(&self.missions).release(sysid);
        if sent.is_ok() {
            let items: Vec<MissionItem> = mission.wire_items(MissionKind::Mission);
            super::bridge::lock(&self.missions).set(sysid, items);
        }
        let count = mission.wire_items(MissionKind::Mission).len();
        let s = self.stores()?;
        if let Err(e) = sent {
            if let Some(c) = &created {
                let _ = s.crew.abort(c.id, &e);
            }
            return Err(e);
        }
        match created {
            Some(c) => {
                let c = s.crew.mark_uploaded(c.id).map_err(|e| e.to_string())?;
                Ok(format!(
                    "sortie {} uploaded to aircraft {sysid} ({count} items) for {}",
                    c.id, c.team.name
                ))
            }
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
    ) -> Result<String, String> {
        let s = self.stores()?;
        let areas = s.areas.list().map_err(|e| e.to_string())?;
        let mut teams = Vec::new();
        let mut notes = Vec::new();
        for t in s.crew.teams().map_err(|e| e.to_string())? {
            let ac = s
                .crew
                .aircraft_by_callsign(&t.aircraft)
                .map_err(|e| e.to_string())?;
            if let Some(note) = &ac.maintenance {
                notes.push(
                    CrewError::InMaintenance {
                        callsign: ac.callsign.clone(),
                        note: note.clone(),
                    }
                    .to_string()
                        + &format!(" (team {} left out)", t.name),
                );
                continue;
            }
            teams.push(ScheduleTeam {
                name: t.name.clone(),
                aircraft: ac.callsign.clone(),
                performance: ac.performance(),
            });
        }
        if teams.is_empty() {
            return Err("no team is available: form one (one officer, two auxiliaries, one aircraft in service) with `kestrel crew team add`".into());
        }
        let req = ScheduleRequest {
            shift_start: start,
            shift_end: end,
            home: GeoPoint {
                lat: super::demo::HOME.0,
                lon: super::demo::HOME.1,
            },
            teams,
            areas,
            turnaround_min: 10.0,
            events,
            options: RouteOptions::default(),
        };
        let sched = schedule(&req).map_err(|e| e.to_string())?;
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

    fn create_scheduled(&mut self) -> Result<String, String> {
        let (Some(shift), Some(req)) = (self.shift.clone(), self.shift_request.clone()) else {
            return Err("run the scheduler first".into());
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
                Err(e) if ids.is_empty() => return Err(e.to_string()),
                Err(e) => return Err(format!("{e} (sorties {} were recorded before)", done(&ids))),
            }
        }
        Ok(format!("{} sorties recorded: {}", ids.len(), done(&ids)))
    }

    fn export_log(&mut self, path: &Path) -> Result<String, String> {
        let s = self.stores()?;
        let sorties = s.crew.sorties().map_err(|e| e.to_string())?;
        let registry = s.crew.aircraft().map_err(|e| e.to_string())?;
        let rows = crate::crew::log::rows(&sorties, &registry);
        std::fs::write(path, crate::crew::log::to_csv(&rows))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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
        let now = now_unix();
        let mut changed = false;
        for a in &snap.aircraft {
            let Ok(Some(sortie)) = s.crew.active_sortie_for(a.sysid) else {
                continue;
            };
            if let Ok(after) = s
                .crew
                .observe(sortie.id, &FlightObservation::from_aircraft(a, now))
            {
                changed |= after.progress != sortie.progress
                    && (after.state() != sortie.state() || after.state() == SortieState::Flying);
            }
        }
        changed
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
