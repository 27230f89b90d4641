//! Call-outs: what an observer (or the payload operator) must tell the pilot at once, with one
//! key or button. They appear on the pilot seat as a banner with a sound until acknowledged.

use std::fmt;

/// One call-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutKind {
    /// Other air traffic near the aircraft.
    Traffic,
    /// An obstacle (wire, tree, building) in the aircraft's way.
    Obstacle,
    /// People below the aircraft.
    PeopleBelow,
    /// The observer has lost sight of the aircraft.
    LostVisual,
    /// Land now.
    LandNow,
}

impl CallOutKind {
    /// Every call-out, in the order of their keys (1-5).
    pub const ALL: [CallOutKind; 5] = [
        CallOutKind::Traffic,
        CallOutKind::Obstacle,
        CallOutKind::PeopleBelow,
        CallOutKind::LostVisual,
        CallOutKind::LandNow,
    ];

    /// English words, for logs, the audit trail and the command line.
    pub fn words(self) -> &'static str {
        match self {
            CallOutKind::Traffic => "traffic",
            CallOutKind::Obstacle => "obstacle",
            CallOutKind::PeopleBelow => "people below",
            CallOutKind::LostVisual => "lost visual",
            CallOutKind::LandNow => "land now",
        }
    }

    /// Whether the call-out asks the pilot to act at once (shown in red).
    pub fn is_urgent(self) -> bool {
        matches!(self, CallOutKind::LandNow | CallOutKind::Obstacle)
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            CallOutKind::Traffic => 1,
            CallOutKind::Obstacle => 2,
            CallOutKind::PeopleBelow => 3,
            CallOutKind::LostVisual => 4,
            CallOutKind::LandNow => 5,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == c)
    }
}

impl fmt::Display for CallOutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// A call-out name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown call-out '{0}'; use traffic, obstacle, people-below, lost-visual or land-now")]
pub struct UnknownCallOut(pub String);

impl std::str::FromStr for CallOutKind {
    type Err = UnknownCallOut;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', '_'], " ");
        Self::ALL
            .into_iter()
            .find(|k| k.words() == norm)
            .ok_or_else(|| UnknownCallOut(s.to_string()))
    }
}
