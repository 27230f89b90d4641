//! Why a planning request was refused, typed: the stores' and planners' own errors, and what the
//! planning worker itself checks. Each says what to do; the window shows it as it reads.

use std::path::PathBuf;

use crate::crew::eligibility::EligibilityError;
use crate::crew::scheduled::TeamRouteError;
use crate::crew::upload::SortieUploadError;
use crate::crew::CrewError;
use crate::plan::areas::AreaError;
use crate::plan::routes::{RouteError, RouteIssue};
use crate::plan::schedule::ScheduleError;

/// A planning request that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum PlanningError {
    /// The key-area and crew databases did not open (the view says why).
    #[error("the planning databases could not be opened")]
    NoStores,
    /// The key areas refused (a crossing polygon, a duplicate name, the database).
    #[error(transparent)]
    Areas(#[from] AreaError),
    /// The crew database refused (a team without two auxiliaries, an aircraft in maintenance…).
    #[error(transparent)]
    Crew(Box<CrewError>),
    /// The route planner refused.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The shift scheduler refused.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// No team can be scheduled.
    #[error(transparent)]
    Eligibility(#[from] EligibilityError),
    /// A team's scheduled sortie has no flyable route.
    #[error(transparent)]
    TeamRoute(#[from] TeamRouteError),
    /// Uploading a sortie failed.
    #[error(transparent)]
    Upload(Box<SortieUploadError>),
    /// A key-area file is not what it should be.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: AreaError,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A renamed key area would take the name of another.
    #[error("a key area named '{0}' already exists; choose another name")]
    AreaExists(String),
    /// A no-fly zone was ticked for patrolling.
    #[error("'{0}' is a no-fly zone; it is avoided, not patrolled")]
    NoFlyPatrol(String),
    /// A key area the request names does not exist.
    #[error("no key area named '{0}'")]
    NoSuchArea(String),
    /// A route over no key area.
    #[error("choose at least one key area to patrol")]
    NoAreaChosen,
    /// There is no route to act on (`to` says what was asked: "edit", "upload").
    #[error("there is no route to {0}; generate one first")]
    NoRoute(&'static str),
    /// The route being planned breaks a rule.
    #[error("the route cannot be flown as it stands: {0}")]
    RouteBroken(Box<RouteIssue>),
    /// The route has no sortie of that number (1-based).
    #[error("the route has no sortie {0}")]
    NoSortie(usize),
    /// The aircraft is not heard on any link.
    #[error("aircraft {0} is not connected; check its link under Connections")]
    NotConnected(u8),
    /// A mission download of the aircraft would cross the upload.
    #[error("aircraft {0} is still sending its mission; try again in a moment")]
    MissionBusy(u8),
    /// Sorties were asked for before any schedule.
    #[error("run the scheduler first")]
    NoSchedule,
    /// Recording a shift's sorties stopped part way.
    #[error("{source} (sorties {recorded} were recorded before)")]
    PartlyRecorded {
        /// Why the next one was refused.
        source: Box<CrewError>,
        /// The ones recorded, by id.
        recorded: String,
    },
}

impl From<SortieUploadError> for PlanningError {
    fn from(e: SortieUploadError) -> Self {
        PlanningError::Upload(Box::new(e))
    }
}

impl From<CrewError> for PlanningError {
    fn from(e: CrewError) -> Self {
        PlanningError::Crew(Box::new(e))
    }
}
