//! The console's tasks (`DATA_DIR/tasks.db`, SQLite, WAL, `synchronous=FULL`): what dispatch
//! sent, what the crew answered, and the steps still to be sent back. A step is done only once
//! dispatch has acknowledged its number, so a console that dies, loses its network or meets a
//! restarted broker sends it again. Every order from dispatch is confirmed by a step (a
//! "received", or a "closed" for a closure), which is what stops dispatch resending it.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::model::{TaskOrder, TaskState, TaskUpdate, MAX_REASON_CHARS};
use crate::db::{DbError, DbFailure, FileSpec, WriterReader};
use crate::sightings::timestamp::Timestamp;

/// File name of the console's tasks inside the data directory.
pub const DB_FILE: &str = "tasks.db";

const SPEC: FileSpec = FileSpec {
    what: "tasks database",
    schema: SCHEMA,
    wal: true,
    foreign_keys: true,
    busy_timeout: Duration::from_secs(10),
    create_folder: true,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tasks(
    id TEXT PRIMARY KEY,
    sysid INTEGER,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    note TEXT NOT NULL,
    sighting TEXT,
    created_by TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_ms INTEGER NOT NULL,
    state_by TEXT,
    reason TEXT,
    received_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS task_steps(
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    task TEXT NOT NULL REFERENCES tasks(id),
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    by_name TEXT,
    reason TEXT,
    sent_ms INTEGER
);
CREATE INDEX IF NOT EXISTS task_steps_unsent ON task_steps(sent_ms, n);
";

const COLUMNS: &str = "id, sysid, lat, lon, note, sighting, created_by, created_ms, state,
    state_ms, state_by, reason, received_ms";

/// A task as the console holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConsoleTask {
    /// The task.
    pub id: Uuid,
    /// The aircraft dispatch named, if any.
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
    /// When dispatch made it.
    pub created_at: Timestamp,
    /// Where it is.
    pub state: TaskState,
    /// Since when.
    pub state_at: Timestamp,
    /// Who moved it there (the crew member, or the dispatcher who closed it).
    pub state_by: Option<String>,
    /// Why (declined, closed).
    pub reason: Option<String>,
    /// When this console received it.
    pub received_at: Timestamp,
}

/// What the crew says to a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// We go.
    Accept,
    /// We cannot, because…
    Decline(String),
    /// We are there.
    OnScene,
}

impl Answer {
    /// The state it moves the task to.
    pub fn state(&self) -> TaskState {
        match self {
            Answer::Accept => TaskState::Accepted,
            Answer::Decline(_) => TaskState::Declined,
            Answer::OnScene => TaskState::OnScene,
        }
    }
}

/// Why a task could not be stored or answered.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The database failed (a full disk says so).
    #[error(transparent)]
    Db(#[from] DbError),
    /// No such task.
    #[error("no task {0}; see `kestrel task list`")]
    Unknown(Uuid),
    /// The answer does not fit where the task is.
    #[error("task {id} is {state}: it cannot be {wanted} now")]
    TooLate {
        /// The task.
        id: Uuid,
        /// Where it is.
        state: TaskState,
        /// What was asked.
        wanted: TaskState,
    },
    /// Declined without saying why, or with too long a reason.
    #[error("a declined task needs a reason (up to {MAX_REASON_CHARS} characters) for dispatch")]
    Reason,
    /// A row could not be read back.
    #[error("the tasks database holds unexpected data: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for InboxError {
    fn from(e: rusqlite::Error) -> Self {
        InboxError::Db(e.into())
    }
}

impl DbFailure for InboxError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            InboxError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// A step still to be sent to dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct UnsentStep {
    /// Its place in the outbox.
    pub n: i64,
    /// The step.
    pub update: TaskUpdate,
}

/// The console's tasks. Cheap to clone.
#[derive(Clone)]
pub struct TaskInbox {
    db: WriterReader,
}

fn corrupt(what: impl std::fmt::Display) -> InboxError {
    InboxError::Corrupt(what.to_string())
}

fn row(r: &Row<'_>) -> Result<ConsoleTask, InboxError> {
    let id: String = r.get(0)?;
    Ok(ConsoleTask {
        id: Uuid::parse_str(&id).map_err(corrupt)?,
        sysid: r.get(1)?,
        lat: r.get(2)?,
        lon: r.get(3)?,
        note: r.get(4)?,
        sighting: r
            .get::<_, Option<String>>(5)?
            .map(|s| Uuid::parse_str(&s).map_err(corrupt))
            .transpose()?,
        created_by: r.get(6)?,
        created_at: Timestamp(r.get(7)?),
        state: r.get::<_, String>(8)?.parse().map_err(corrupt)?,
        state_at: Timestamp(r.get(9)?),
        state_by: r.get(10)?,
        reason: r.get(11)?,
        received_at: Timestamp(r.get(12)?),
    })
}

fn load(c: &Connection, id: Uuid) -> Result<Option<ConsoleTask>, InboxError> {
    let mut stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM tasks WHERE id = ?1"))?;
    match stmt
        .query_row([id.to_string()], |r| Ok(row(r)))
        .optional()?
    {
        Some(t) => Ok(Some(t?)),
        None => Ok(None),
    }
}

impl TaskInbox {
    /// Opens (creating if needed) the console's tasks in `data_dir`.
    pub fn open_in(data_dir: &Path) -> Result<Self, InboxError> {
        let (db, ()) = WriterReader::open(&data_dir.join(DB_FILE), &SPEC, |_| Ok(()))?;
        Ok(Self { db })
    }

    /// Stores what dispatch sent: new tasks are received (and a "received" step queued for
    /// dispatch), closures close. Returns the tasks that changed.
    pub async fn receive(&self, orders: Vec<TaskOrder>) -> Result<Vec<Uuid>, InboxError> {
        self.db
            .write(move |c| {
                let now = Timestamp::now().millis();
                let mut changed = Vec::new();
                for o in orders {
                    let id = o.id.to_string();
                    let added = c.execute(
                        &format!(
                            "INSERT INTO tasks({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                                'received', ?9, NULL, NULL, ?9) ON CONFLICT(id) DO NOTHING"
                        ),
                        params![
                            id,
                            o.sysid,
                            o.lat,
                            o.lon,
                            o.note,
                            o.sighting.map(|s| s.to_string()),
                            o.created_by,
                            o.created_at.millis(),
                            now
                        ],
                    )?;
                    if added == 1 {
                        queue_step(c, &id, TaskState::Received, now, None, None)?;
                        changed.push(o.id);
                    }
                    let closing = o.closed.is_some();
                    if let Some(closed) = o.closed {
                        let n = c.execute(
                            "UPDATE tasks SET state = 'closed', state_ms = ?2, state_by = ?3,
                                reason = ?4 WHERE id = ?1 AND state != 'closed'",
                            params![id, closed.at.millis(), closed.by, closed.reason],
                        )?;
                        if n == 1 {
                            queue_step(c, &id, TaskState::Closed, now, None, None)?;
                            if !changed.contains(&o.id) {
                                changed.push(o.id);
                            }
                        }
                    }
                    // Sent again: dispatch has not seen our confirmation. Unless one is still
                    // on its way, confirm again with where the task is.
                    if added == 0 && !changed.contains(&o.id) {
                        let waiting: bool = c.query_row(
                            "SELECT EXISTS(SELECT 1 FROM task_steps WHERE task = ?1 AND sent_ms IS NULL)",
                            [&id],
                            |r| r.get(0),
                        )?;
                        if !waiting {
                            let state = if closing {
                                TaskState::Closed
                            } else {
                                TaskState::Received
                            };
                            queue_step(c, &id, state, now, None, None)?;
                        }
                    }
                }
                Ok::<_, InboxError>(changed)
            })
            .await
    }

    /// The crew's answer, by `by` (a crew member or seat): recorded and queued for dispatch.
    pub async fn answer(
        &self,
        id: Uuid,
        answer: Answer,
        by: Option<String>,
    ) -> Result<ConsoleTask, InboxError> {
        let reason = match &answer {
            Answer::Decline(r) => {
                let r = r.trim().to_string();
                if r.is_empty() || r.chars().count() > MAX_REASON_CHARS {
                    return Err(InboxError::Reason);
                }
                Some(r)
            }
            _ => None,
        };
        let wanted = answer.state();
        self.db
            .write(move |c| {
                let held = load(c, id)?.ok_or(InboxError::Unknown(id))?;
                if !held.state.may_become(wanted) {
                    return Err(InboxError::TooLate {
                        id,
                        state: held.state,
                        wanted,
                    });
                }
                let now = Timestamp::now().millis();
                let id_text = id.to_string();
                c.execute(
                    "UPDATE tasks SET state = ?2, state_ms = ?3, state_by = ?4, reason = ?5
                     WHERE id = ?1",
                    params![id_text, wanted.as_str(), now, by, reason],
                )?;
                queue_step(c, &id_text, wanted, now, by.as_deref(), reason.as_deref())?;
                load(c, id)?.ok_or(InboxError::Unknown(id))
            })
            .await
    }

    /// Every task, newest first.
    pub fn list(&self) -> Result<Vec<ConsoleTask>, InboxError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM tasks ORDER BY created_ms DESC, id DESC"
            ))?;
            let rows = stmt.query_map([], |r| Ok(row(r)))?;
            let mut out = Vec::new();
            for r in rows {
                out.push(r??);
            }
            Ok(out)
        })
    }

    /// One task.
    pub fn get(&self, id: Uuid) -> Result<Option<ConsoleTask>, InboxError> {
        self.db.read(|c| load(c, id))
    }

    /// Steps dispatch has not acknowledged, oldest first.
    pub fn unsent(&self) -> Result<Vec<UnsentStep>, InboxError> {
        self.db.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT n, task, state, at_ms, by_name, reason FROM task_steps
                 WHERE sent_ms IS NULL ORDER BY n LIMIT 1000",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for r in rows {
                let (n, task, state, at, by, reason) = r?;
                out.push(UnsentStep {
                    n,
                    update: TaskUpdate {
                        id: Uuid::parse_str(&task).map_err(corrupt)?,
                        state: state.parse().map_err(corrupt)?,
                        at: Timestamp(at),
                        by,
                        reason,
                        seq: Some(n),
                    },
                });
            }
            Ok(out)
        })
    }

    /// Records that dispatch acknowledged these steps (by number).
    pub async fn mark_sent(&self, steps: Vec<i64>) -> Result<(), InboxError> {
        self.db
            .write(move |c| {
                let now = Timestamp::now().millis();
                let mut stmt =
                    c.prepare_cached("UPDATE task_steps SET sent_ms = ?2 WHERE n = ?1")?;
                for n in steps {
                    stmt.execute(params![n, now])?;
                }
                Ok::<_, InboxError>(())
            })
            .await
    }

    /// A change counter: it moves whenever any connection commits to the file (for the
    /// console's view to refresh).
    pub fn data_version(&self) -> Result<i64, InboxError> {
        self.db
            .read(|c| Ok(c.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))?))
    }
}

fn queue_step(
    c: &Connection,
    id: &str,
    state: TaskState,
    at: i64,
    by: Option<&str>,
    reason: Option<&str>,
) -> Result<(), InboxError> {
    c.execute(
        "INSERT INTO task_steps(task, state, at_ms, by_name, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, state.as_str(), at, by, reason],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasking::model::TaskClosure;

    fn order() -> TaskOrder {
        TaskOrder {
            id: Uuid::now_v7(),
            sysid: Some(1),
            lat: 36.45,
            lon: 115.98,
            note: "grey van by the north gate".into(),
            sighting: None,
            created_by: "li.na".into(),
            created_at: Timestamp::now(),
            closed: None,
        }
    }

    #[tokio::test]
    async fn a_task_is_received_once_answered_and_its_steps_wait_for_the_broker() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = TaskInbox::open_in(dir.path()).unwrap();
        let o = order();
        assert_eq!(inbox.receive(vec![o.clone()]).await.unwrap(), [o.id]);
        // Delivered again (QoS 1): nothing new.
        assert!(inbox.receive(vec![o.clone()]).await.unwrap().is_empty());
        assert!(matches!(
            inbox.answer(o.id, Answer::Decline("  ".into()), None).await,
            Err(InboxError::Reason)
        ));
        let t = inbox
            .answer(o.id, Answer::Accept, Some("pilot".into()))
            .await
            .unwrap();
        assert_eq!(t.state, TaskState::Accepted);
        assert!(matches!(
            inbox
                .answer(o.id, Answer::Decline("busy".into()), None)
                .await,
            Err(InboxError::TooLate { .. })
        ));
        let unsent = inbox.unsent().unwrap();
        let states: Vec<TaskState> = unsent.iter().map(|s| s.update.state).collect();
        assert_eq!(states, [TaskState::Received, TaskState::Accepted]);
        assert_eq!(unsent[1].update.seq, Some(unsent[1].n));
        inbox
            .mark_sent(unsent.iter().map(|s| s.n).collect())
            .await
            .unwrap();
        assert!(inbox.unsent().unwrap().is_empty());
        // Reopened (the console restarted), it still holds the task.
        drop(inbox);
        let inbox = TaskInbox::open_in(dir.path()).unwrap();
        assert_eq!(inbox.list().unwrap()[0].state, TaskState::Accepted);
        let mut closing = o.clone();
        closing.closed = Some(TaskClosure {
            by: "li.na".into(),
            at: Timestamp::now(),
            reason: Some("found".into()),
        });
        // Sent again because dispatch lost our confirmation: confirmed again.
        assert!(inbox.receive(vec![o.clone()]).await.unwrap().is_empty());
        assert_eq!(inbox.unsent().unwrap()[0].update.state, TaskState::Received);
        let again: Vec<i64> = inbox.unsent().unwrap().iter().map(|s| s.n).collect();
        inbox.mark_sent(again).await.unwrap();
        assert_eq!(inbox.receive(vec![closing.clone()]).await.unwrap(), [o.id]);
        assert_eq!(inbox.unsent().unwrap()[0].update.state, TaskState::Closed);
        let t = inbox.get(o.id).unwrap().unwrap();
        assert_eq!(t.state, TaskState::Closed);
        assert_eq!(t.reason.as_deref(), Some("found"));
        assert!(matches!(
            inbox.answer(o.id, Answer::OnScene, None).await,
            Err(InboxError::TooLate { .. })
        ));
    }
}
