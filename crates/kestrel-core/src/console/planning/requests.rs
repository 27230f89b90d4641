//! What the window asks of planning, and the answers.

use std::path::PathBuf;

use crate::crew::{AircraftRecord, Person};
use crate::geo::GeoPoint;
use crate::plan::areas::KeyArea;
use crate::plan::routes::Pattern;
use crate::plan::schedule::EventOverride;

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
        /// Where the teams launch and land.
        home: GeoPoint,
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
