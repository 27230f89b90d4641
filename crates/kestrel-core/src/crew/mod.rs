//! Crews and aircraft: the roster of officers and auxiliaries, the aircraft registry, teams
//! (exactly one officer, two auxiliaries and one aircraft), sorties with their state following
//! what the aircraft really does, and the sortie log kept for compliance. Rules are pure
//! functions over plain data; [`store::CrewStore`] keeps it all in SQLite. The use cases the
//! command line and the console share live here too: which teams a shift can use
//! ([`eligibility`]), putting a sortie on its aircraft ([`upload`]) and following sorties from
//! telemetry ([`tracking`]).

pub mod eligibility;
pub mod log;
pub mod registry;
pub mod roster;
pub mod scheduled;
pub mod sortie;
pub mod store;
pub mod team;
pub mod tracking;
pub mod upload;

pub use registry::AircraftRecord;
pub use roster::{Person, Role};
pub use sortie::{FlightObservation, Sortie, SortieDraft, SortieProgress, SortieState};
pub use store::CrewStore;
pub use team::Team;

use crate::db::{DbError, DbFailure};

/// Why the planner refuses a crew, aircraft or sortie change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CrewError {
    /// Input that cannot be used as given.
    #[error("{0}")]
    Invalid(String),
    /// A team that is not one officer, two auxiliaries and one aircraft.
    #[error("team '{team}' cannot be formed: {reason}")]
    BadTeam {
        /// The team's name.
        team: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A person or aircraft already busy at that time.
    #[error(
        "{who} is already on sortie {sortie} ({team}, {from}–{until}); choose another time or crew"
    )]
    Overlap {
        /// The person or aircraft.
        who: String,
        /// The other sortie's id.
        sortie: i64,
        /// Its team.
        team: String,
        /// Its planned start, as text.
        from: String,
        /// Its planned end, as text.
        until: String,
    },
    /// The aircraft is under maintenance.
    #[error("aircraft {callsign} is under maintenance ({note}); it cannot be planned until it is back in service")]
    InMaintenance {
        /// The aircraft.
        callsign: String,
        /// The maintenance note.
        note: String,
    },
    /// Something named does not exist.
    #[error("no {kind} named '{name}'")]
    NotFound {
        /// What was looked for (person, aircraft, team, sortie).
        kind: &'static str,
        /// The name or id.
        name: String,
    },
    /// A name already taken.
    #[error("a {kind} named '{name}' already exists")]
    Exists {
        /// What kind of thing.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// The state change is not possible from the sortie's state.
    #[error("sortie {id} is {state}; it cannot be {action}")]
    BadState {
        /// The sortie.
        id: i64,
        /// Its state.
        state: String,
        /// What was attempted.
        action: &'static str,
    },
    /// The database failed (a full disk says so).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored record could not be read back (edited by hand or damaged).
    #[error("crew database: {0}")]
    Damaged(String),
}

impl From<rusqlite::Error> for CrewError {
    fn from(e: rusqlite::Error) -> Self {
        CrewError::Db(e.into())
    }
}

impl DbFailure for CrewError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            CrewError::Db(e) => Some(e),
            _ => None,
        }
    }
}
