//! Dispatch's own database (SQLite, WAL, `synchronous=FULL`): every sighting received, keyed by
//! its UUID so a sighting sent twice is stored once (the second copy only raises `copies`), the
//! latest position of every aircraft of every console, and a log of rejected messages.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use crate::db::{DbError, DbFailure, FileSpec, WriterReader};
use crate::dispatch::envelope::{DispatcherAck, FleetAircraft};
use crate::sightings::model::{
    AircraftRef, Category, LocatedBy, Position, Priority, Sighting, SnapshotInfo,
};
use crate::sightings::timestamp::Timestamp;

/// Default file name of dispatch's database inside the data directory.
pub const DB_FILE: &str = "dispatch.db";

/// Longest payload excerpt kept for a rejected message.
const EXCERPT_BYTES: usize = 512;

/// The file: WAL with `synchronous=FULL` (a sighting is acknowledged only once it is on disk),
/// created with its folder.
const SPEC: FileSpec = FileSpec {
    what: "dispatch database",
    schema: SCHEMA,
    wal: true,
    foreign_keys: true,
    busy_timeout: Duration::from_secs(10),
    create_folder: true,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sightings(
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    console TEXT NOT NULL,
    console_seq INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    aircraft_sysid INTEGER,
    aircraft_callsign TEXT,
    sortie TEXT,
    crew TEXT,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    alt_m REAL,
    accuracy_m REAL,
    located_by TEXT NOT NULL,
    category TEXT NOT NULL,
    priority TEXT NOT NULL,
    note TEXT NOT NULL,
    snapshot_name TEXT,
    snapshot_sha256 TEXT,
    snapshot_bytes INTEGER,
    snapshot_jpeg BLOB,
    corrects TEXT,
    received_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    copies INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS sightings_by_console ON sightings(console, console_seq);
CREATE TABLE IF NOT EXISTS fleet(
    console TEXT NOT NULL,
    sysid INTEGER NOT NULL,
    report TEXT NOT NULL,
    sent_ms INTEGER NOT NULL,
    PRIMARY KEY (console, sysid)
);
CREATE TABLE IF NOT EXISTS dispatcher_acks(
    id TEXT PRIMARY KEY REFERENCES sightings(id),
    by_name TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    published_ms INTEGER
);
CREATE TABLE IF NOT EXISTS tasks(
    id TEXT PRIMARY KEY,
    console TEXT NOT NULL,
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
    closed_by TEXT,
    closed_ms INTEGER,
    close_reason TEXT,
    -- When the broker confirmed the task (it is then sent).
    published_ms INTEGER,
    closure_published_ms INTEGER,
    -- When a step from the console confirmed it has the task (and the closure); until then
    -- dispatch sends it again.
    confirmed_ms INTEGER,
    closure_confirmed_ms INTEGER
);
CREATE INDEX IF NOT EXISTS tasks_by_console ON tasks(console, created_ms);
CREATE TABLE IF NOT EXISTS task_history(
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    task TEXT NOT NULL REFERENCES tasks(id),
    state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    by_name TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS task_history_by_task ON task_history(task, n);
CREATE TABLE IF NOT EXISTS rejected(
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    topic TEXT NOT NULL,
    reason TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    excerpt TEXT NOT NULL
);
";

const COLUMNS: &str = "id, console, console_seq, revision, time_ms, aircraft_sysid,
    aircraft_callsign, sortie, crew, lat, lon, alt_m, accuracy_m, located_by, category, priority,
    note, snapshot_name, snapshot_sha256, snapshot_bytes, corrects, received_ms, updated_ms, copies,
    (SELECT a.by_name FROM dispatcher_acks a WHERE a.id = sightings.id),
    (SELECT a.at_ms FROM dispatcher_acks a WHERE a.id = sightings.id)";

/// A sighting as dispatch holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DispatchedSighting {
    /// The console it came from.
    pub console: String,
    /// Its position in that console's queue.
    pub console_seq: i64,
    /// The sighting (newest revision received).
    #[serde(flatten)]
    pub sighting: Sighting,
    /// When dispatch first stored it.
    pub received_at: Timestamp,
    /// When dispatch last changed it (a newer revision).
    pub updated_at: Timestamp,
    /// How many copies arrived (resends after lost acknowledgements raise it; it is stored once).
    pub copies: u64,
    /// The dispatcher who acknowledged it in the command centre's page, and when.
    pub ack: Option<DispatcherAckInfo>,
}

/// A dispatcher's acknowledgement as dispatch holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DispatcherAckInfo {
    /// The dispatcher's account name.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// A dispatcher's acknowledgement still to be published to its console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpublishedAck {
    /// The console the sighting came from.
    pub console: String,
    /// What to send.
    pub ack: DispatcherAck,
}

/// The last known state of one aircraft of one console.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FleetEntry {
    /// The console flying it.
    pub console: String,
    /// When the console sent this report.
    pub sent_at: Timestamp,
    /// The aircraft.
    #[serde(flatten)]
    pub aircraft: FleetAircraft,
}

/// A message dispatch refused.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Rejection {
    /// When.
    pub at: Timestamp,
    /// The topic it came on.
    pub topic: String,
    /// Why it was refused.
    pub reason: String,
    /// Its size.
    pub bytes: u64,
    /// Its first bytes, as text.
    pub excerpt: String,
}

impl Rejection {
    /// A rejection of `payload` on `topic` now.
    pub fn new(topic: &str, reason: String, payload: &[u8]) -> Self {
        let cut = &payload[..payload.len().min(EXCERPT_BYTES)];
        Self {
            at: Timestamp::now(),
            topic: topic.to_string(),
            reason,
            bytes: payload.len() as u64,
            excerpt: String::from_utf8_lossy(cut).into_owned(),
        }
    }
}

/// A checked sighting ready to store.
#[derive(Debug, Clone)]
pub struct IncomingSighting {
    /// The console it came from (from the topic).
    pub console: String,
    /// Its position in the console's queue.
    pub seq: i64,
    /// The sighting.
    pub sighting: Sighting,
    /// Its snapshot bytes.
    pub jpeg: Option<Vec<u8>>,
}

/// What storing a sighting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// First copy: stored.
    Stored {
        /// The revision now held.
        revision: u32,
    },
    /// A newer revision replaced the held one.
    Updated {
        /// The revision now held.
        revision: u32,
    },
    /// Already held at this or a newer revision: counted, not stored again.
    Duplicate {
        /// The revision held.
        revision: u32,
    },
    /// Refused: the id belongs to a sighting from another console.
    Conflict(String),
}

impl StoreOutcome {
    /// The revision to acknowledge, unless refused.
    pub fn ack_revision(&self) -> Option<u32> {
        match self {
            StoreOutcome::Stored { revision }
            | StoreOutcome::Updated { revision }
            | StoreOutcome::Duplicate { revision } => Some(*revision),
            StoreOutcome::Conflict(_) => None,
        }
    }
}

/// One batch of received messages to apply in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    /// Sightings.
    pub sightings: Vec<IncomingSighting>,
    /// Fleet reports: (console, sent at, aircraft).
    pub fleet: Vec<(String, Timestamp, Vec<FleetAircraft>)>,
    /// Refused messages.
    pub rejected: Vec<Rejection>,
}

impl Batch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.sightings.is_empty() && self.fleet.is_empty() && self.rejected.is_empty()
    }
}

/// Why dispatch's database failed.
#[derive(Debug, thiserror::Error)]
pub enum DispatchStoreError {
    /// The database failed: it could not be opened, a query or the commit failed (a full disk
    /// says so), or the writer has stopped.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A row could not be read back (edited by hand or damaged).
    #[error("the dispatch database holds unexpected data: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for DispatchStoreError {
    fn from(e: rusqlite::Error) -> Self {
        DispatchStoreError::Db(e.into())
    }
}

impl DbFailure for DispatchStoreError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            DispatchStoreError::Db(e) => Some(e),
            DispatchStoreError::Corrupt(_) => None,
        }
    }
}

/// Dispatch's database. Cheap to clone.
#[derive(Clone)]
pub struct DispatchStore {
    pub(super) db: WriterReader,
}

impl DispatchStore {
    /// Opens (creating if needed, with its folder) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DispatchStoreError> {
        let (db, ()) = WriterReader::open(path, &SPEC, |_| Ok(()))?;
        Ok(Self { db })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Applies a batch in one durable transaction; returns one outcome per sighting, in order.
    pub async fn apply(&self, batch: Batch) -> Result<Vec<StoreOutcome>, DispatchStoreError> {
        self.db.write(move |c| apply_batch(c, batch)).await
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DispatchStoreError>,
    ) -> Result<T, DispatchStoreError> {
        self.db.read(f)
    }

    /// Every sighting, in the order received.
    pub fn list(&self) -> Result<Vec<DispatchedSighting>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM sightings ORDER BY n"))?;
            let rows = stmt.query_map([], |r| Ok(dispatched(r)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }

    /// One sighting by id.
    pub fn get(&self, id: Uuid) -> Result<Option<DispatchedSighting>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM sightings WHERE id = ?1"))?;
            match stmt
                .query_row([id.to_string()], |r| Ok(dispatched(r)))
                .optional()?
            {
                Some(s) => Ok(Some(s?)),
                None => Ok(None),
            }
        })
    }

    /// The newest `limit` sightings, newest first (for the command centre's page).
    pub fn recent(&self, limit: usize) -> Result<Vec<DispatchedSighting>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM sightings ORDER BY n DESC LIMIT ?1"
            ))?;
            let rows =
                stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| Ok(dispatched(r)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }

    /// Records that dispatcher `by` acknowledged sighting `id`. The first acknowledgement
    /// stands: acknowledging again returns the one held. `None` when dispatch holds no such
    /// sighting.
    pub async fn acknowledge(
        &self,
        id: Uuid,
        by: &str,
    ) -> Result<Option<(DispatchedSighting, UnpublishedAck)>, DispatchStoreError> {
        let by = by.to_string();
        let now = Timestamp::now().millis();
        let console: Option<String> = self
            .db
            .write(move |c| {
                let id = id.to_string();
                let console: Option<String> = c
                    .query_row("SELECT console FROM sightings WHERE id = ?1", [&id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if console.is_some() {
                    c.execute(
                        "INSERT INTO dispatcher_acks(id, by_name, at_ms) VALUES (?1, ?2, ?3)
                         ON CONFLICT(id) DO NOTHING",
                        params![id, by, now],
                    )?;
                }
                Ok::<_, DispatchStoreError>(console)
            })
            .await?;
        let Some(console) = console else {
            return Ok(None);
        };
        let Some(held) = self.get(id)? else {
            return Ok(None);
        };
        let Some(info) = held.ack.clone() else {
            return Err(DispatchStoreError::Corrupt(format!(
                "the acknowledgement of {id} was written but cannot be read back"
            )));
        };
        Ok(Some((
            held,
            UnpublishedAck {
                console,
                ack: DispatcherAck {
                    id,
                    by: info.by,
                    at: info.at,
                },
            },
        )))
    }

    /// Dispatchers' acknowledgements not yet handed to the broker, oldest first: the receiver
    /// sends them when it (re)connects, so one made while the broker was down still arrives.
    pub fn unpublished_acks(&self) -> Result<Vec<UnpublishedAck>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT s.console, a.id, a.by_name, a.at_ms FROM dispatcher_acks a
                 JOIN sightings s ON s.id = a.id WHERE a.published_ms IS NULL ORDER BY a.at_ms",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (console, id, by, at) = row?;
                out.push(UnpublishedAck {
                    console,
                    ack: DispatcherAck {
                        id: Uuid::parse_str(&id).map_err(|e| {
                            DispatchStoreError::Corrupt(format!("acknowledged id {id}: {e}"))
                        })?,
                        by,
                        at: Timestamp(at),
                    },
                });
            }
            Ok(out)
        })
    }

    /// Marks dispatchers' acknowledgements as handed to the broker (QoS 1: from there the
    /// broker keeps them for the console until it comes back).
    pub async fn mark_acks_published(&self, ids: Vec<Uuid>) -> Result<(), DispatchStoreError> {
        let now = Timestamp::now().millis();
        self.db
            .write(move |c| {
                let mut stmt =
                    c.prepare_cached("UPDATE dispatcher_acks SET published_ms = ?2 WHERE id = ?1")?;
                for id in ids {
                    stmt.execute(params![id.to_string(), now])?;
                }
                Ok::<_, DispatchStoreError>(())
            })
            .await
    }

    /// The snapshot JPEG of a sighting.
    pub fn snapshot_jpeg(&self, id: Uuid) -> Result<Option<Vec<u8>>, DispatchStoreError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT snapshot_jpeg FROM sightings WHERE id = ?1",
                [id.to_string()],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )
            .optional()?
            .flatten())
        })
    }

    /// Number of sightings held.
    pub fn count(&self) -> Result<u64, DispatchStoreError> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT COUNT(*) FROM sightings", [], |r| r.get::<_, i64>(0))?
                    .max(0) as u64,
            )
        })
    }

    /// The last known position of every aircraft of every console.
    pub fn fleet(&self) -> Result<Vec<FleetEntry>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT console, sent_ms, report FROM fleet ORDER BY console, sysid",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (console, sent, report) = row?;
                let aircraft: FleetAircraft = serde_json::from_str(&report)
                    .map_err(|e| DispatchStoreError::Corrupt(format!("fleet report: {e}")))?;
                out.push(FleetEntry {
                    console,
                    sent_at: Timestamp(sent),
                    aircraft,
                });
            }
            Ok(out)
        })
    }

    /// Rejected messages, oldest first.
    pub fn rejected(&self) -> Result<Vec<Rejection>, DispatchStoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT at_ms, topic, reason, bytes, excerpt FROM rejected ORDER BY n",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(Rejection {
                    at: Timestamp(r.get(0)?),
                    topic: r.get(1)?,
                    reason: r.get(2)?,
                    bytes: r.get::<_, i64>(3)?.max(0) as u64,
                    excerpt: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

fn apply_batch(c: &Connection, batch: Batch) -> Result<Vec<StoreOutcome>, DispatchStoreError> {
    let now = Timestamp::now().millis();
    let mut outcomes = Vec::with_capacity(batch.sightings.len());
    {
        let mut find = c.prepare_cached("SELECT console, revision FROM sightings WHERE id = ?1")?;
        let mut bump =
            c.prepare_cached("UPDATE sightings SET copies = copies + 1 WHERE id = ?1")?;
        for inc in batch.sightings {
            let s = &inc.sighting;
            let id = s.id.to_string();
            let held: Option<(String, u32)> = find
                .query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let outcome = match held {
                None => {
                    store(c, &inc, now)?;
                    StoreOutcome::Stored { revision: s.revision }
                }
                Some((console, _)) if console != inc.console => StoreOutcome::Conflict(format!(
                    "sighting {id} from console '{}' reuses the id of a sighting from console '{console}'",
                    inc.console
                )),
                Some((_, held_rev)) if s.revision > held_rev => {
                    store(c, &inc, now)?;
                    StoreOutcome::Updated { revision: s.revision }
                }
                Some((_, held_rev)) => {
                    bump.execute([&id])?;
                    StoreOutcome::Duplicate { revision: held_rev }
                }
            };
            outcomes.push(outcome);
        }
    }
    {
        let mut upsert = c.prepare_cached(
            "INSERT INTO fleet(console, sysid, report, sent_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(console, sysid) DO UPDATE SET report = excluded.report, sent_ms = excluded.sent_ms
             WHERE excluded.sent_ms >= fleet.sent_ms",
        )?;
        for (console, sent, aircraft) in batch.fleet {
            for a in aircraft {
                let json = serde_json::to_string(&a).unwrap_or_default();
                upsert.execute(params![console, a.sysid, json, sent.millis()])?;
            }
        }
    }
    {
        let mut ins = c.prepare_cached(
            "INSERT INTO rejected(at_ms, topic, reason, bytes, excerpt) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for r in batch.rejected {
            ins.execute(params![
                r.at.millis(),
                r.topic,
                r.reason,
                r.bytes as i64,
                r.excerpt
            ])?;
        }
    }
    Ok(outcomes)
}

/// Stores the first copy of a sighting, or replaces a held one with a newer revision (keeping
/// which console sent it and when it was first received, and counting the copy).
fn store(c: &Connection, inc: &IncomingSighting, now: i64) -> Result<(), DispatchStoreError> {
    let s = &inc.sighting;
    let mut stmt = c.prepare_cached(
        "INSERT INTO sightings(id, console, console_seq, revision, time_ms, aircraft_sysid,
            aircraft_callsign, sortie, crew, lat, lon, alt_m, accuracy_m, located_by, category,
            priority, note, snapshot_name, snapshot_sha256, snapshot_bytes, snapshot_jpeg, corrects,
            received_ms, updated_ms, copies)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?23, 1)
         ON CONFLICT(id) DO UPDATE SET console_seq = excluded.console_seq,
            revision = excluded.revision, time_ms = excluded.time_ms,
            aircraft_sysid = excluded.aircraft_sysid, aircraft_callsign = excluded.aircraft_callsign,
            sortie = excluded.sortie, crew = excluded.crew, lat = excluded.lat, lon = excluded.lon,
            alt_m = excluded.alt_m, accuracy_m = excluded.accuracy_m,
            located_by = excluded.located_by, category = excluded.category,
            priority = excluded.priority, note = excluded.note,
            snapshot_name = excluded.snapshot_name, snapshot_sha256 = excluded.snapshot_sha256,
            snapshot_bytes = excluded.snapshot_bytes, snapshot_jpeg = excluded.snapshot_jpeg,
            corrects = excluded.corrects, updated_ms = excluded.updated_ms, copies = copies + 1",
    )?;
    stmt.execute(params![
        s.id.to_string(),
        inc.console,
        inc.seq,
        s.revision,
        s.time.millis(),
        s.aircraft.sysid,
        s.aircraft.callsign,
        s.sortie,
        s.crew,
        s.position.lat,
        s.position.lon,
        s.position.alt_m,
        s.position.accuracy_m,
        s.located_by.as_str(),
        s.category.as_str(),
        s.priority.as_str(),
        s.note,
        s.snapshot.as_ref().map(|x| x.file_name.as_str()),
        s.snapshot.as_ref().map(|x| x.sha256.as_str()),
        s.snapshot.as_ref().map(|x| x.bytes as i64),
        inc.jpeg.as_deref(),
        s.corrects.map(|u| u.to_string()),
        now,
    ])?;
    Ok(())
}

fn corrupt<E: std::fmt::Display>(e: E) -> DispatchStoreError {
    DispatchStoreError::Corrupt(e.to_string())
}

fn dispatched(r: &Row<'_>) -> Result<DispatchedSighting, DispatchStoreError> {
    let snapshot = match (
        r.get::<_, Option<String>>(17)?,
        r.get::<_, Option<String>>(18)?,
        r.get::<_, Option<i64>>(19)?,
    ) {
        (Some(file_name), Some(sha256), Some(bytes)) => Some(SnapshotInfo {
            file_name,
            bytes: bytes.max(0) as u64,
            sha256,
        }),
        _ => None,
    };
    let sighting = Sighting {
        id: Uuid::parse_str(&r.get::<_, String>(0)?).map_err(corrupt)?,
        revision: r.get(3)?,
        time: Timestamp(r.get(4)?),
        aircraft: AircraftRef {
            sysid: r.get(5)?,
            callsign: r.get(6)?,
        },
        sortie: r.get(7)?,
        crew: r.get(8)?,
        position: Position {
            lat: r.get(9)?,
            lon: r.get(10)?,
            alt_m: r.get(11)?,
            accuracy_m: r.get(12)?,
        },
        located_by: LocatedBy::from_str(&r.get::<_, String>(13)?).map_err(corrupt)?,
        category: Category::from_str(&r.get::<_, String>(14)?).map_err(corrupt)?,
        priority: Priority::from_str(&r.get::<_, String>(15)?).map_err(corrupt)?,
        note: r.get(16)?,
        snapshot,
        corrects: r
            .get::<_, Option<String>>(20)?
            .map(|s| Uuid::parse_str(&s).map_err(corrupt))
            .transpose()?,
    };
    Ok(DispatchedSighting {
        console: r.get(1)?,
        console_seq: r.get(2)?,
        sighting,
        received_at: Timestamp(r.get(21)?),
        updated_at: Timestamp(r.get(22)?),
        copies: r.get::<_, i64>(23)?.max(0) as u64,
        ack: match (
            r.get::<_, Option<String>>(24)?,
            r.get::<_, Option<i64>>(25)?,
        ) {
            (Some(by), Some(at)) => Some(DispatcherAckInfo {
                by,
                at: Timestamp(at),
            }),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sightings::NewSighting;

    fn incoming(console: &str, s: &Sighting) -> IncomingSighting {
        IncomingSighting {
            console: console.into(),
            seq: 1,
            sighting: s.clone(),
            jpeg: None,
        }
    }

    #[tokio::test]
    async fn duplicates_are_counted_not_stored_and_newer_revisions_win() {
        let dir = tempfile::tempdir().unwrap();
        let store = DispatchStore::open(&dir.path().join("d.db")).unwrap();
        let s = NewSighting::new(Category::Vehicle, Position::new(1.0, 2.0))
            .into_sighting()
            .0;
        let mut newer = s.clone();
        newer.revision = 1;
        newer.note = "red van".into();
        let batch = Batch {
            sightings: vec![
                incoming("c1", &s),
                incoming("c1", &s),
                incoming("c1", &newer),
                incoming("c1", &s),
                incoming("c2", &s),
            ],
            ..Default::default()
        };
        let out = store.apply(batch).await.unwrap();
        assert_eq!(out[0], StoreOutcome::Stored { revision: 0 });
        assert_eq!(out[1], StoreOutcome::Duplicate { revision: 0 });
        assert_eq!(out[2], StoreOutcome::Updated { revision: 1 });
        assert_eq!(out[3], StoreOutcome::Duplicate { revision: 1 });
        assert!(matches!(out[4], StoreOutcome::Conflict(_)));
        let list = store.list().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].sighting.note, "red van");
        assert_eq!(list[0].copies, 4);
    }

    #[tokio::test]
    async fn fleet_keeps_the_newest_report_and_rejections_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = DispatchStore::open(&dir.path().join("d.db")).unwrap();
        let a = |lat: f64| FleetAircraft {
            sysid: 3,
            callsign: Some("K3".into()),
            lat: Some(lat),
            lon: Some(2.0),
            alt_amsl_m: 0.0,
            alt_rel_m: 0.0,
            heading_deg: 0.0,
            ground_speed_ms: 0.0,
            mode: "AUTO".into(),
            armed: true,
            battery_pct: Some(50.0),
            link: "connected".into(),
        };
        let batch = Batch {
            fleet: vec![
                ("c1".into(), Timestamp(2000), vec![a(2.0)]),
                ("c1".into(), Timestamp(1000), vec![a(1.0)]),
            ],
            rejected: vec![Rejection::new(
                "kestrel/v1/consoles/c1/sightings",
                "not JSON".into(),
                b"junk",
            )],
            ..Default::default()
        };
        store.apply(batch).await.unwrap();
        let fleet = store.fleet().unwrap();
        assert_eq!(fleet.len(), 1);
        assert_eq!(fleet[0].aircraft.lat, Some(2.0));
        let rej = store.rejected().unwrap();
        assert_eq!(rej[0].reason, "not JSON");
        assert_eq!(rej[0].excerpt, "junk");
    }
}
