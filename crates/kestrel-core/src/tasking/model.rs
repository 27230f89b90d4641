//! What a task is, for both sides: its states (which only move forward, so a message that
//! arrives twice or late changes nothing), the order dispatch sends and the steps a console
//! reports. The messages that carry them are in `crate::dispatch::tasks`.

use uuid::Uuid;

use crate::sightings::timestamp::Timestamp;

/// Longest task note, in characters.
pub const MAX_TASK_NOTE_CHARS: usize = 2000;

/// Longest reason (for declining or closing), in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Where a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Stored at dispatch; the broker has not confirmed it yet.
    Queued,
    /// The broker has it (it keeps it for the console if the console is away).
    Sent,
    /// The console has it.
    Received,
    /// The crew will go.
    Accepted,
    /// The crew cannot go (the reason says why).
    Declined,
    /// The tasked aircraft is there.
    OnScene,
    /// The dispatcher closed it.
    Closed,
}

impl TaskState {
    /// Every state, in order.
    pub const ALL: [TaskState; 7] = [
        TaskState::Queued,
        TaskState::Sent,
        TaskState::Received,
        TaskState::Accepted,
        TaskState::Declined,
        TaskState::OnScene,
        TaskState::Closed,
    ];

    /// The state's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Sent => "sent",
            TaskState::Received => "received",
            TaskState::Accepted => "accepted",
            TaskState::Declined => "declined",
            TaskState::OnScene => "on_scene",
            TaskState::Closed => "closed",
        }
    }

    /// Order of progress: a task only moves to a state of higher rank (accepted and declined
    /// share one: the crew answers once).
    pub fn rank(self) -> u8 {
        match self {
            TaskState::Queued => 0,
            TaskState::Sent => 1,
            TaskState::Received => 2,
            TaskState::Accepted | TaskState::Declined => 3,
            TaskState::OnScene => 4,
            TaskState::Closed => 5,
        }
    }

    /// Whether a task in this state may move to `next`.
    pub fn may_become(self, next: TaskState) -> bool {
        next.rank() > self.rank() && !(self == TaskState::Declined && next == TaskState::OnScene)
    }

    /// Whether the task is over.
    pub fn is_open(self) -> bool {
        self != TaskState::Closed
    }
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TaskState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a task state"))
    }
}

/// A task as dispatch sends it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskOrder {
    /// The task (UUID v7, made by dispatch).
    pub id: Uuid,
    /// The aircraft of the console it is for, if one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysid: Option<u8>,
    /// Where to go, degrees.
    pub lat: f64,
    /// Where to go, degrees.
    pub lon: f64,
    /// What to do there.
    pub note: String,
    /// The sighting it came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sighting: Option<Uuid>,
    /// The dispatcher who sent it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// Set when the dispatcher has closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<TaskClosure>,
}

/// How a task was closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskClosure {
    /// The dispatcher.
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why, if said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One step of a task, console → dispatch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskUpdate {
    /// The task.
    pub id: Uuid,
    /// Its new state: received, accepted, declined or on_scene.
    pub state: TaskState,
    /// When (the console's clock).
    pub at: Timestamp,
    /// Who at the console (a crew member's name or the seat), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Why (for declined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The step's number in the console's outbox: dispatch acknowledges it by this number on
    /// the console's ack topic, and the console sends it again until it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
}

/// Checks a position and note as a task needs them.
pub fn check_order(lat: f64, lon: f64, note: &str) -> Result<(), String> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(format!("latitude {lat} is out of range"));
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(format!("longitude {lon} is out of range"));
    }
    if note.trim().is_empty() {
        return Err("a task needs a note saying what to do".into());
    }
    if note.chars().count() > MAX_TASK_NOTE_CHARS {
        return Err(format!(
            "the note is longer than {MAX_TASK_NOTE_CHARS} characters"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_only_move_forward() {
        use TaskState::*;
        assert!(
            Queued.may_become(Sent) && Sent.may_become(Accepted) && Accepted.may_become(OnScene)
        );
        assert!(!Accepted.may_become(Declined) && !Declined.may_become(Accepted));
        assert!(!Declined.may_become(OnScene) && Declined.may_become(Closed));
        assert!(!Closed.may_become(Received) && !OnScene.may_become(Received));
        for s in TaskState::ALL {
            assert_eq!(s.as_str().parse::<TaskState>(), Ok(s));
        }
    }
}
