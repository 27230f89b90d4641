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

use super::envelope::{
    check_console, check_header, malformed, valid_dispatcher_name, EnvelopeError, MAX_ACKS, VERSION,
};
use crate::sightings::timestamp::Timestamp;

pub use crate::tasking::model::{
    check_order, TaskClosure, TaskOrder, TaskState, TaskUpdate, MAX_REASON_CHARS,
    MAX_TASK_NOTE_CHARS,
};

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
    use uuid::Uuid;

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
}
