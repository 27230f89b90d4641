//! Planning: the mission model shared by every format, readers/writers for QGroundControl
//! `.plan` and WPL 110 waypoint files, key areas, patrol routes and the shift schedule.

pub mod acceptance;
pub mod areas;
pub mod geo;
pub mod mission;
pub mod qgc;
pub mod routes;
pub mod schedule;
pub mod terrain;
pub mod wpl;

use std::path::Path;

pub use mission::{MissionItem, MissionKind, MissionPlan};

/// Why a plan file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// The file cannot be read or written.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Not the format it claims to be (bad JSON, wrong header); says where.
    #[error("{0}")]
    Format(String),
    /// Well-formed but not flyable or out of range (e.g. latitude 500°); says which item.
    #[error("{0}")]
    Invalid(String),
    /// An altitude above terrain cannot be turned into one the aircraft flies: says which item
    /// and which terrain tile is missing.
    #[error("{0}")]
    Terrain(String),
}

/// Reads a `.plan` (JSON) or WPL 110 file, recognised by its content.
pub fn load(path: &Path) -> Result<MissionPlan, PlanFileError> {
    load_with_terrain(path, None)
}

/// Reads a plan file, computing altitudes QGroundControl set above terrain from `terrain`.
pub fn load_with_terrain(
    path: &Path,
    terrain: Option<&dyn crate::terrain::Terrain>,
) -> Result<MissionPlan, PlanFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| PlanFileError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let with_path = |e: PlanFileError| match e {
        PlanFileError::Format(m) => PlanFileError::Format(format!("{}: {m}", path.display())),
        PlanFileError::Invalid(m) => PlanFileError::Invalid(format!("{}: {m}", path.display())),
        PlanFileError::Terrain(m) => PlanFileError::Terrain(format!("{}: {m}", path.display())),
        other => other,
    };
    if text.trim_start().starts_with(wpl::HEADER) {
        wpl::parse(&text).map_err(with_path)
    } else {
        qgc::parse_with_terrain(&text, terrain).map_err(with_path)
    }
}

/// Writes a plan; `.waypoints` and `.txt` get WPL 110 (mission only), anything else `.plan` JSON.
pub fn save(path: &Path, plan: &MissionPlan) -> Result<(), PlanFileError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = if ext == "waypoints" || ext == "txt" {
        wpl::write(plan)
    } else {
        qgc::write(plan)
    };
    std::fs::write(path, text).map_err(|source| PlanFileError::Io {
        path: path.display().to_string(),
        source,
    })
}
