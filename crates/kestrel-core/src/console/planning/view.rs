//! Planning as the window draws it: key areas, crews, sorties, the route being planned and the
//! last shift schedule.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::crew::{AircraftRecord, Person, Sortie, Team};
use crate::plan::areas::KeyArea;
use crate::plan::routes::{PatrolRoute, RouteIssue};
use crate::plan::schedule::Schedule;

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
#[derive(Debug, Clone, Default, PartialEq)]
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
