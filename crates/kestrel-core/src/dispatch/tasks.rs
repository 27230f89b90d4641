//! Tasks: the command centre sends a team somewhere. What both sides share: the task, its
//! states, and the two messages that carry them (README.md, "Tasking").
//!
//! - `task` (dispatch → console, QoS 1, on `kestrel/v1/dispatch/tasks/{console}`): new tasks and
//!   closures.
//! - `task_update` (console → dispatch, QoS 1, on `kestrel/v1/consoles/{console}/task-updates`):
//!   received, accepted, declined, on scene, and "closed" to confirm a closure.
//!
//! Neither side trusts the broker alone (a broker restarted without persistence forgets the
//! sessions it held): dispatch sends a task, or its closure, again until a step from the console
//! confirms it, and the console sends a step again until dispatch acknowledges its number
//! (`task_steps` in the `ack` message).
//!
//! States only move forward ([`TaskState::rank`]), so a message that arrives twice or late
//! changes nothing: both sides may resend freely.

use uuid::Uuid;

use super::envelope::{
    check_console, check_header, malformed, valid_dispatcher_name, EnvelopeError, MAX_ACKS, VERSION,
};
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

/// Tasks, dispatch → console.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskMessage {
    /// Envelope version.
    pub v: u32,
    /// Always "task".
    pub kind: String,
    /// The console they are for.
    pub console: String,
    /// When dispatch sent them.
    pub sent_at: Timestamp,
    /// New or closed tasks.
    pub tasks: Vec<TaskOrder>,
}

/// Task steps, console → dispatch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskUpdateMessage {
    /// Envelope version.
    pub v: u32,
    /// Always "task_update".
    pub kind: String,
    /// The sending console.
    pub console: String,
    /// When it sent them.
    pub sent_at: Timestamp,
    /// The steps.
    pub updates: Vec<TaskUpdate>,
}

fn invalid(kind: &'static str, reason: String) -> EnvelopeError {
    EnvelopeError::Invalid { kind, reason }
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

impl TaskMessage {
    /// Tasks for `console`.
    pub fn new(console: &str, tasks: Vec<TaskOrder>) -> Self {
        Self {
            v: VERSION,
            kind: "task".into(),
            console: console.to_string(),
            sent_at: Timestamp::now(),
            tasks,
        }
    }

    /// The JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes and checks a task message that arrived on `topic_console`'s task topic.
    pub fn decode(topic_console: &str, payload: &[u8]) -> Result<Self, EnvelopeError> {
        const KIND: &str = "task";
        check_header(payload, KIND)?;
        let msg: Self = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &msg.console)?;
        if msg.tasks.is_empty() || msg.tasks.len() > MAX_ACKS {
            return Err(invalid(KIND, format!("{} tasks", msg.tasks.len())));
        }
        for t in &msg.tasks {
            check_order(t.lat, t.lon, &t.note).map_err(|e| invalid(KIND, e))?;
            if !valid_dispatcher_name(&t.created_by) {
                return Err(invalid(
                    KIND,
                    format!("'{}' is not a dispatcher name", t.created_by),
                ));
            }
            if let Some(c) = &t.closed {
                if !valid_dispatcher_name(&c.by) {
                    return Err(invalid(
                        KIND,
                        format!("'{}' is not a dispatcher name", c.by),
                    ));
                }
                if c.reason
                    .as_ref()
                    .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
                {
                    return Err(invalid(KIND, "the closing reason is too long".into()));
                }
            }
        }
        Ok(msg)
    }
}

impl TaskUpdateMessage {
    /// Steps from `console`.
    pub fn new(console: &str, updates: Vec<TaskUpdate>) -> Self {
        Self {
            v: VERSION,
            kind: "task_update".into(),
            console: console.to_string(),
            sent_at: Timestamp::now(),
            updates,
        }
    }

    /// The JSON bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes and checks a task-update message that arrived on `topic_console`'s topic.
    pub fn decode(topic_console: &str, payload: &[u8]) -> Result<Self, EnvelopeError> {
        const KIND: &str = "task_update";
        check_header(payload, KIND)?;
        let msg: Self = serde_json::from_slice(payload).map_err(malformed(KIND))?;
        check_console(topic_console, &msg.console)?;
        if msg.updates.is_empty() || msg.updates.len() > MAX_ACKS {
            return Err(invalid(KIND, format!("{} updates", msg.updates.len())));
        }
        for u in &msg.updates {
            if !matches!(
                u.state,
                TaskState::Received
                    | TaskState::Accepted
                    | TaskState::Declined
                    | TaskState::OnScene
                    | TaskState::Closed
            ) {
                return Err(invalid(
                    KIND,
                    format!("a console cannot set a task to {}", u.state),
                ));
            }
            if u.reason
                .as_ref()
                .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
                || u.by.as_ref().is_some_and(|b| b.chars().count() > 100)
            {
                return Err(invalid(KIND, "a reason or name is too long".into()));
            }
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> TaskOrder {
        TaskOrder {
            id: Uuid::now_v7(),
            sysid: Some(2),
            lat: 36.45,
            lon: 115.98,
            note: "check the east gate".into(),
            sighting: None,
            created_by: "li.na".into(),
            created_at: Timestamp(1_700_000_000_000),
            closed: None,
        }
    }

    #[test]
    fn messages_round_trip_and_refuse_what_a_console_or_dispatch_may_not_say() {
        let m = TaskMessage::new("team-1", vec![order()]);
        assert_eq!(TaskMessage::decode("team-1", &m.encode()).unwrap(), m);
        assert!(matches!(
            TaskMessage::decode("team-2", &m.encode()),
            Err(EnvelopeError::ConsoleMismatch { .. })
        ));
        let mut far = order();
        far.lat = 91.0;
        assert!(
            TaskMessage::decode("team-1", &TaskMessage::new("team-1", vec![far]).encode()).is_err()
        );
        let u = TaskUpdateMessage::new(
            "team-1",
            vec![TaskUpdate {
                id: Uuid::now_v7(),
                state: TaskState::Accepted,
                at: Timestamp(1),
                by: Some("pilot".into()),
                reason: None,
                seq: Some(7),
            }],
        );
        assert_eq!(TaskUpdateMessage::decode("team-1", &u.encode()).unwrap(), u);
        let mut sending = u.clone();
        sending.updates[0].state = TaskState::Sent;
        assert!(TaskUpdateMessage::decode("team-1", &sending.encode())
            .unwrap_err()
            .to_string()
            .contains("cannot set a task to sent"));
    }

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
