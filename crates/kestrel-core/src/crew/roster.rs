//! The roster: the people who fly. Officers are pilots in command; auxiliaries are the visual
//! observer and the payload/video operator.

use super::CrewError;

/// What a person may do in a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Police officer: pilot in command.
    Officer,
    /// Auxiliary officer: visual observer or payload operator.
    Auxiliary,
}

impl Role {
    /// The name used on the command line and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Auxiliary => "auxiliary",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "officer" => Ok(Role::Officer),
            "auxiliary" | "aux" => Ok(Role::Auxiliary),
            _ => Err(format!("unknown role '{s}'; expected officer or auxiliary")),
        }
    }
}

/// One person on the roster.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    /// Unique name, as used on the radio and in logs.
    pub name: String,
    /// Officer or auxiliary.
    pub role: Role,
    /// Badge or service number.
    pub badge: Option<String>,
}

impl Person {
    /// Checks the name.
    pub fn validate(&self) -> Result<(), CrewError> {
        if self.name.trim().is_empty() {
            return Err(CrewError::Invalid("a person needs a name".into()));
        }
        Ok(())
    }
}
