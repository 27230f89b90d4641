//! Tasks in dispatch's database: created by a dispatcher, sent to their console, moved on by
//! the console's steps, closed by a dispatcher. Every state change is kept in `task_history`.
//! A task counts as *sent* once the broker has it (`published_ms`), but is sent again until a
//! step from its console confirms the console has it (`confirmed_ms`; for the closure,
//! `closure_confirmed_ms`): a broker restarted without persistence forgets what it held.

use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::store::{DispatchStore, DispatchStoreError};
use crate::dispatch::tasks::{check_order, TaskClosure, TaskOrder, TaskState, TaskUpdate};
use crate::sightings::timestamp::Timestamp;

/// A task a dispatcher asks for.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct NewTask {
    /// The console (team) to send.
    pub console: String,
    /// One of its aircraft, if it matters which.
    #[serde(default)]
    pub sysid: Option<u8>,
    /// Where, degrees.
    pub lat: f64,
    /// Where, degrees.
    pub lon: f64,
    /// What to do there.
    pub note: String,
    /// The sighting it answers, if any.
    #[serde(default)]
    pub sighting: Option<Uuid>,
}

/// One step in a task's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskStep {
    /// The state reached.
    pub state: TaskState,
    /// When.
    pub at: Timestamp,
    /// Who (a dispatcher, or whoever the console named).
    pub by: Option<String>,
    /// Why (declined, closed).
    pub reason: Option<String>,
}

/// A task as dispatch holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DispatchTask {
    /// The task.
    pub id: Uuid,
    /// The console it is for.
    pub console: String,
    /// The aircraft, if one was named.
    pub sysid: Option<u8>,
    /// Where, degrees.
    pub lat: f64,
    /// Where, degrees.
    pub lon: f64,
    /// What to do.
    pub note: String,
    /// The sighting it answers.
    pub sighting: Option<Uuid>,
    /// The dispatcher who sent it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
    /// Where it is now.
    pub state: TaskState,
    /// Since when.
    pub state_at: Timestamp,
    /// Who moved it there.
    pub state_by: Option<String>,
    /// Why (declined, closed).
    pub reason: Option<String>,
    /// Every step, oldest first.
    pub history: Vec<TaskStep>,
}

impl DispatchTask {
    /// The message the console gets for it.
    pub fn order(&self, closure: Option<TaskClosure>) -> TaskOrder {
        TaskOrder {
            id: self.id,
            sysid: self.sysid,
            lat: self.lat,
            lon: self.lon,
            note: self.note.clone(),
            sighting: self.sighting,
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            closed: closure,
        }
    }
}

/// A task (or its closure) still to be handed to the broker.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsentTask {
    /// The console it is for.
    pub console: String,
    /// What to send.
    pub order: TaskOrder,
}

const TASK_COLUMNS: &str = "id, console, sysid, lat, lon, note, sighting, created_by, created_ms,
    state, state_ms, state_by, reason, closed_by, closed_ms, close_reason";

fn corrupt(what: impl std::fmt::Display) -> DispatchStoreError {
    DispatchStoreError::Corrupt(format!("task: {what}"))
}

fn uuid(text: &str) -> Result<Uuid, DispatchStoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(format!("{text}: {e}")))
}

/// A row without its history.
fn task_row(r: &Row<'_>) -> Result<(DispatchTask, Option<TaskClosure>), DispatchStoreError> {
    let closure = match (
        r.get::<_, Option<String>>(13)?,
        r.get::<_, Option<i64>>(14)?,
    ) {
        (Some(by), Some(at)) => Some(TaskClosure {
            by,
            at: Timestamp(at),
            reason: r.get(15)?,
        }),
        _ => None,
    };
    Ok((
        DispatchTask {
            id: uuid(&r.get::<_, String>(0)?)?,
            console: r.get(1)?,
            sysid: r.get(2)?,
            lat: r.get(3)?,
            lon: r.get(4)?,
            note: r.get(5)?,
            sighting: r
                .get::<_, Option<String>>(6)?
                .map(|s| uuid(&s))
                .transpose()?,
            created_by: r.get(7)?,
            created_at: Timestamp(r.get(8)?),
            state: r.get::<_, String>(9)?.parse().map_err(corrupt)?,
            state_at: Timestamp(r.get(10)?),
            state_by: r.get(11)?,
            reason: r.get(12)?,
            history: Vec::new(),
        },
        closure,
    ))
}

fn history(c: &Connection, id: &str) -> Result<Vec<TaskStep>, DispatchStoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT state, at_ms, by_name, reason FROM task_history WHERE task = ?1 ORDER BY n",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (state, at, by, reason) = row?;
        out.push(TaskStep {
            state: state.parse().map_err(corrupt)?,
            at: Timestamp(at),
            by,
            reason,
        });
    }
    Ok(out)
}

fn load(c: &Connection, id: Uuid) -> Result<Option<DispatchTask>, DispatchStoreError> {
    let mut stmt = c.prepare_cached(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"))?;
    let row = stmt
        .query_row([id.to_string()], |r| Ok(task_row(r)))
        .optional()?;
    match row {
        None => Ok(None),
        Some(t) => {
            let (mut task, _) = t?;
            task.history = history(c, &task.id.to_string())?;
            Ok(Some(task))
        }
    }
}

/// Moves a task to `state` if it may go there; records the step. Returns whether it moved.
fn step(
    c: &Connection,
    id: &str,
    state: TaskState,
    at: i64,
    by: Option<&str>,
    reason: Option<&str>,
) -> Result<bool, DispatchStoreError> {
    let held: Option<String> = c
        .query_row("SELECT state FROM tasks WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let Some(held) = held else {
        return Ok(false);
    };
    let held: TaskState = held.parse().map_err(corrupt)?;
    if !held.may_become(state) {
        return Ok(false);
    }
    c.execute(
        "UPDATE tasks SET state = ?2, state_ms = ?3, state_by = ?4, reason = ?5 WHERE id = ?1",
        params![id, state.as_str(), at, by, reason],
    )?;
    c.execute(
        "INSERT INTO task_history(task, state, at_ms, by_name, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, state.as_str(), at, by, reason],
    )?;
    Ok(true)
}

/// Records a step that came too late to move its task (the dispatcher closed it meanwhile),
/// once. Returns whether it was recorded.
fn late_step(c: &Connection, id: &str, u: &TaskUpdate) -> Result<bool, DispatchStoreError> {
    let closed: bool = c.query_row(
        "SELECT state = 'closed' FROM tasks WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if !closed || u.state.rank() <= TaskState::Received.rank() {
        return Ok(false);
    }
    let known: bool = c.query_row(
        "SELECT EXISTS(SELECT 1 FROM task_history WHERE task = ?1 AND state = ?2)",
        params![id, u.state.as_str()],
        |r| r.get(0),
    )?;
    if known {
        return Ok(false);
    }
    c.execute(
        "INSERT INTO task_history(task, state, at_ms, by_name, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, u.state.as_str(), u.at.millis(), u.by, u.reason],
    )?;
    Ok(true)
}

impl DispatchStore {
    /// Stores a new task from dispatcher `by` (state queued). The console must be one dispatch
    /// has heard from; refused with a sentence otherwise.
    pub async fn create_task(
        &self,
        new: NewTask,
        by: &str,
    ) -> Result<Result<DispatchTask, String>, DispatchStoreError> {
        if let Err(why) = check_order(new.lat, new.lon, &new.note) {
            return Ok(Err(why));
        }
        let by = by.to_string();
        let id = Uuid::now_v7();
        let created = self
            .db
            .write(move |c| {
                let known: bool = c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM fleet WHERE console = ?1)
                         OR EXISTS(SELECT 1 FROM sightings WHERE console = ?1)",
                    [&new.console],
                    |r| r.get(0),
                )?;
                if !known {
                    return Ok(Err(format!(
                        "dispatch has never heard from a team '{}'",
                        new.console
                    )));
                }
                let now = Timestamp::now().millis();
                let id_text = id.to_string();
                c.execute(
                    "INSERT INTO tasks(id, console, sysid, lat, lon, note, sighting, created_by,
                        created_ms, state, state_ms, state_by)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?9, ?8)",
                    params![
                        id_text,
                        new.console,
                        new.sysid,
                        new.lat,
                        new.lon,
                        new.note.trim(),
                        new.sighting.map(|s| s.to_string()),
                        by,
                        now
                    ],
                )?;
                c.execute(
                    "INSERT INTO task_history(task, state, at_ms, by_name) VALUES (?1, 'queued', ?2, ?3)",
                    params![id_text, now, by],
                )?;
                Ok::<_, DispatchStoreError>(Ok(()))
            })
            .await?;
        if let Err(why) = created {
            return Ok(Err(why));
        }
        self.task(id)?
            .map(Ok)
            .ok_or_else(|| corrupt(format!("{id} was written but cannot be read back")))
    }

    /// Closes a task (dispatcher `by`, with an optional reason). `None`: no such task.
    pub async fn close_task(
        &self,
        id: Uuid,
        by: &str,
        reason: Option<String>,
    ) -> Result<Option<DispatchTask>, DispatchStoreError> {
        let by = by.to_string();
        let reason = reason.filter(|r| !r.trim().is_empty());
        let found = self
            .db
            .write(move |c| {
                let id = id.to_string();
                let now = Timestamp::now().millis();
                if step(c, &id, TaskState::Closed, now, Some(&by), reason.as_deref())? {
                    c.execute(
                        "UPDATE tasks SET closed_by = ?2, closed_ms = ?3, close_reason = ?4,
                            closure_published_ms = NULL, closure_confirmed_ms = NULL WHERE id = ?1",
                        params![id, by, now, reason],
                    )?;
                }
                Ok::<_, DispatchStoreError>(
                    c.query_row("SELECT 1 FROM tasks WHERE id = ?1", [&id], |_| Ok(()))
                        .optional()?
                        .is_some(),
                )
            })
            .await?;
        if !found {
            return Ok(None);
        }
        self.task(id)
    }

    /// Applies steps a console sent; returns the tasks that changed. Steps for tasks of other
    /// consoles, unknown tasks or backwards moves change nothing; any step of the task's own
    /// console confirms that the console holds it (a "closed" step, its closure).
    pub async fn apply_task_updates(
        &self,
        console: &str,
        updates: Vec<TaskUpdate>,
    ) -> Result<Vec<Uuid>, DispatchStoreError> {
        let console = console.to_string();
        self.db
            .write(move |c| {
                let now = Timestamp::now().millis();
                let mut changed = Vec::new();
                for u in updates {
                    let id = u.id.to_string();
                    let owner: Option<String> = c
                        .query_row("SELECT console FROM tasks WHERE id = ?1", [&id], |r| {
                            r.get(0)
                        })
                        .optional()?;
                    if owner.as_deref() != Some(console.as_str()) {
                        continue;
                    }
                    c.execute(
                        "UPDATE tasks SET confirmed_ms = COALESCE(confirmed_ms, ?2) WHERE id = ?1",
                        params![id, now],
                    )?;
                    if u.state == TaskState::Closed {
                        c.execute(
                            "UPDATE tasks SET closure_confirmed_ms = ?2
                             WHERE id = ?1 AND closed_ms IS NOT NULL",
                            params![id, now],
                        )?;
                        continue;
                    }
                    // A console that answers has the task, whatever the broker said.
                    let mut moved = false;
                    if u.state.rank() > TaskState::Received.rank() {
                        moved |= step(c, &id, TaskState::Received, u.at.millis(), None, None)?;
                    }
                    let advanced = step(
                        c,
                        &id,
                        u.state,
                        u.at.millis(),
                        u.by.as_deref(),
                        u.reason.as_deref(),
                    )?;
                    // Too late to move the task (closed meanwhile), but what the team reported
                    // still belongs in its history.
                    if !advanced && late_step(c, &id, &u)? {
                        moved = true;
                    }
                    if moved || advanced {
                        changed.push(u.id);
                    }
                }
                Ok::<_, DispatchStoreError>(changed)
            })
            .await
    }

    /// Tasks and closures their console has not confirmed yet, oldest first: to send (again).
    pub fn unsent_tasks(&self) -> Result<Vec<UnsentTask>, DispatchStoreError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks
                 WHERE confirmed_ms IS NULL
                    OR (closed_ms IS NOT NULL AND closure_confirmed_ms IS NULL)
                 ORDER BY created_ms"
            ))?;
            let rows = stmt.query_map([], |r| Ok(task_row(r)))?;
            let mut out = Vec::new();
            for row in rows {
                let (task, closure) = row??;
                out.push(UnsentTask {
                    console: task.console.clone(),
                    order: task.order(closure),
                });
            }
            Ok(out)
        })
    }

    /// Records that the broker confirmed these orders (a task, or its closure when `closed`);
    /// a queued task becomes sent. Returns the tasks whose state changed.
    pub async fn mark_tasks_sent(
        &self,
        sent: Vec<(Uuid, bool)>,
    ) -> Result<Vec<Uuid>, DispatchStoreError> {
        self.db
            .write(move |c| {
                let now = Timestamp::now().millis();
                let mut changed = Vec::new();
                for (id, closed) in sent {
                    let id_text = id.to_string();
                    c.execute(
                        "UPDATE tasks SET published_ms = COALESCE(published_ms, ?2) WHERE id = ?1",
                        params![id_text, now],
                    )?;
                    if closed {
                        c.execute(
                            "UPDATE tasks SET closure_published_ms = ?2 WHERE id = ?1",
                            params![id_text, now],
                        )?;
                    } else if step(c, &id_text, TaskState::Sent, now, None, None)? {
                        changed.push(id);
                    }
                }
                Ok::<_, DispatchStoreError>(changed)
            })
            .await
    }

    /// One task with its history.
    pub fn task(&self, id: Uuid) -> Result<Option<DispatchTask>, DispatchStoreError> {
        self.db.read(|c| load(c, id))
    }

    /// The newest `limit` tasks, newest first, with their histories.
    pub fn tasks(&self, limit: usize) -> Result<Vec<DispatchTask>, DispatchStoreError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM tasks ORDER BY created_ms DESC, id DESC LIMIT ?1"
            ))?;
            let rows =
                stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| Ok(task_row(r)))?;
            let mut out = Vec::new();
            for row in rows {
                let (mut task, _) = row??;
                task.history = history(c, &task.id.to_string())?;
                out.push(task);
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::centre::store::Batch;
    use crate::dispatch::envelope::FleetAircraft;

    async fn store_with_team() -> (tempfile::TempDir, DispatchStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = DispatchStore::open(&dir.path().join("dispatch.db")).unwrap();
        let aircraft = FleetAircraft {
            sysid: 1,
            callsign: None,
            lat: Some(36.4),
            lon: Some(115.9),
            alt_amsl_m: 0.0,
            alt_rel_m: 0.0,
            heading_deg: 0.0,
            ground_speed_ms: 0.0,
            mode: "LOITER".into(),
            armed: false,
            battery_pct: None,
            link: "connected".into(),
        };
        store
            .apply(Batch {
                fleet: vec![("team-1".into(), Timestamp::now(), vec![aircraft])],
                ..Default::default()
            })
            .await
            .unwrap();
        (dir, store)
    }

    fn task_to(console: &str) -> NewTask {
        NewTask {
            console: console.into(),
            sysid: Some(1),
            lat: 36.45,
            lon: 115.98,
            note: "look for a grey van".into(),
            sighting: None,
        }
    }

    #[tokio::test]
    async fn a_task_goes_queued_sent_received_accepted_on_scene_closed_and_never_back() {
        let (_dir, store) = store_with_team().await;
        assert!(store
            .create_task(task_to("team-9"), "li.na")
            .await
            .unwrap()
            .unwrap_err()
            .contains("never heard from a team 'team-9'"));
        let t = store
            .create_task(task_to("team-1"), "li.na")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.state, TaskState::Queued);
        assert_eq!(store.unsent_tasks().unwrap().len(), 1);
        assert_eq!(
            store.mark_tasks_sent(vec![(t.id, false)]).await.unwrap(),
            [t.id]
        );
        // Sent, but until the console confirms it, it is sent again.
        assert_eq!(store.unsent_tasks().unwrap().len(), 1);
        let step = |state, reason: Option<&str>| TaskUpdate {
            id: t.id,
            state,
            at: Timestamp::now(),
            by: Some("pilot".into()),
            reason: reason.map(String::from),
            seq: None,
        };
        // Another console cannot move it; accepting implies received.
        assert!(store
            .apply_task_updates("team-2", vec![step(TaskState::Accepted, None)])
            .await
            .unwrap()
            .is_empty());
        store
            .apply_task_updates("team-1", vec![step(TaskState::Accepted, None)])
            .await
            .unwrap();
        assert!(store.unsent_tasks().unwrap().is_empty());
        // A late "received" and a contradicting "declined" change nothing.
        store
            .apply_task_updates(
                "team-1",
                vec![
                    step(TaskState::Received, None),
                    step(TaskState::Declined, Some("busy")),
                ],
            )
            .await
            .unwrap();
        assert_eq!(
            store.task(t.id).unwrap().unwrap().state,
            TaskState::Accepted
        );
        store
            .apply_task_updates("team-1", vec![step(TaskState::OnScene, None)])
            .await
            .unwrap();
        let closed = store
            .close_task(t.id, "li.na", Some("van found".into()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(closed.state, TaskState::Closed);
        let states: Vec<TaskState> = closed.history.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [
                TaskState::Queued,
                TaskState::Sent,
                TaskState::Received,
                TaskState::Accepted,
                TaskState::OnScene,
                TaskState::Closed
            ]
        );
        // The closure still has to reach the console.
        let unsent = store.unsent_tasks().unwrap();
        assert_eq!(unsent.len(), 1);
        assert_eq!(
            unsent[0].order.closed.as_ref().unwrap().reason.as_deref(),
            Some("van found")
        );
        store.mark_tasks_sent(vec![(t.id, true)]).await.unwrap();
        assert_eq!(store.unsent_tasks().unwrap().len(), 1);
        store
            .apply_task_updates("team-1", vec![step(TaskState::Closed, None)])
            .await
            .unwrap();
        assert!(store.unsent_tasks().unwrap().is_empty());
        assert_eq!(store.task(t.id).unwrap().unwrap().state, TaskState::Closed);
        assert_eq!(store.tasks(10).unwrap().len(), 1);
    }
}
