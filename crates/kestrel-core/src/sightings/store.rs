//! The console's sightings database and send queue (SQLite, WAL, `synchronous=FULL`). A sighting
//! is on disk before anyone is told it is saved; the sync worker takes queued sightings from here
//! in order and records each step: queued → delivered (the broker's PUBACK) → acknowledged
//! (dispatch stored it). Sightings can be edited until they are delivered; after that they are
//! corrected by appending a new sighting that references the original.

use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, Row};
use tokio::sync::watch;
use uuid::Uuid;

use super::model::{
    AircraftRef, Category, LocatedBy, NewSighting, Position, Priority, Sighting, SightingEdit,
    SightingError, SnapshotInfo,
};
use super::timestamp::Timestamp;
use crate::db::{DbError, DbFailure, FileSpec, Pending, WriterReader};

/// File name of the console's sightings database inside the data directory.
pub const DB_FILE: &str = "sightings.db";

/// The file: WAL with `synchronous=FULL`, so a sighting is on disk before anyone is told it is
/// saved; a connection waits up to 10 s for another process holding the lock.
const SPEC: FileSpec = FileSpec {
    what: "sightings database",
    schema: SCHEMA,
    wal: true,
    foreign_keys: true,
    busy_timeout: Duration::from_secs(10),
    create_folder: false,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sightings(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL DEFAULT 0,
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
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'acknowledged')),
    saved_ms INTEGER NOT NULL,
    delivered_ms INTEGER,
    acknowledged_ms INTEGER
);
CREATE INDEX IF NOT EXISTS sightings_by_state ON sightings(state, seq);
CREATE INDEX IF NOT EXISTS sightings_by_corrects ON sightings(corrects);
CREATE TABLE IF NOT EXISTS dispatcher_acks(
    id TEXT PRIMARY KEY,
    by_name TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL
);
";

const COLUMNS: &str = "s.seq, s.id, s.revision, s.time_ms, s.aircraft_sysid, s.aircraft_callsign,
    s.sortie, s.crew, s.lat, s.lon, s.alt_m, s.accuracy_m, s.located_by, s.category, s.priority,
    s.note, s.snapshot_name, s.snapshot_sha256, s.snapshot_bytes, s.corrects, s.state, s.saved_ms,
    s.delivered_ms, s.acknowledged_ms,
    (SELECT c.id FROM sightings c WHERE c.corrects = s.id ORDER BY c.seq DESC LIMIT 1),
    (SELECT d.by_name FROM dispatcher_acks d WHERE d.id = s.id),
    (SELECT d.at_ms FROM dispatcher_acks d WHERE d.id = s.id)";

/// The index of `s.snapshot_jpeg` when a query selects it right after [`COLUMNS`].
const JPEG_AFTER_COLUMNS: usize = 27;

/// Where a sighting is on its way to dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Saved locally, not yet confirmed by the broker; still editable.
    Queued,
    /// The broker confirmed it (MQTT PUBACK); dispatch has not confirmed yet.
    Delivered,
    /// Dispatch stored it and said so.
    Acknowledged,
}

impl DeliveryState {
    /// The name used in SQLite, JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Queued => "queued",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Acknowledged => "acknowledged",
        }
    }

    /// Whether the crew may still edit the sighting in place.
    pub fn editable(self) -> bool {
        self == DeliveryState::Queued
    }
}

impl std::fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for DeliveryState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(DeliveryState::Queued),
            "delivered" => Ok(DeliveryState::Delivered),
            "acknowledged" => Ok(DeliveryState::Acknowledged),
            other => Err(StoreError::Corrupt(format!(
                "unknown delivery state '{other}'"
            ))),
        }
    }
}

/// A sighting as the console holds it: the sighting plus its delivery history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SightingRecord {
    /// Position in the send queue (sightings go out in this order).
    pub seq: i64,
    /// The sighting.
    #[serde(flatten)]
    pub sighting: Sighting,
    /// Delivery state.
    pub state: DeliveryState,
    /// When it was saved on this console.
    pub saved_at: Timestamp,
    /// When the broker confirmed it.
    pub delivered_at: Option<Timestamp>,
    /// When dispatch confirmed it.
    pub acknowledged_at: Option<Timestamp>,
    /// The newest sighting that corrects this one, if any.
    pub corrected_by: Option<Uuid>,
    /// A dispatcher who acknowledged it in the command centre's page: a person has seen it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatcher_ack: Option<DispatcherAcknowledgement>,
}

/// Who at the command centre acknowledged a sighting, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DispatcherAcknowledgement {
    /// The dispatcher's account name.
    pub by: String,
    /// When (dispatch's clock).
    pub at: Timestamp,
}

/// How many sightings are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueCounts {
    /// Waiting for the broker.
    pub queued: u64,
    /// Waiting for dispatch.
    pub delivered: u64,
    /// Done.
    pub acknowledged: u64,
}

impl QueueCounts {
    /// Sightings dispatch has not confirmed yet.
    pub fn unacknowledged(&self) -> u64 {
        self.queued + self.delivered
    }
}

/// A sighting ready to publish, with its snapshot bytes.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// Queue position.
    pub seq: i64,
    /// The sighting (at its current revision).
    pub sighting: Sighting,
    /// The snapshot JPEG, when one is attached.
    pub jpeg: Option<Vec<u8>>,
}

/// Why the store refused or failed; messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed: it could not be opened, a query or the commit failed (then the
    /// sighting is NOT saved; a full disk says so), or the writer has stopped.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The sighting itself was refused.
    #[error(transparent)]
    Invalid(#[from] SightingError),
    /// Edit or correction of an id that is not in the queue.
    #[error("no sighting with id {0}")]
    NotFound(Uuid),
    /// Dispatch may already hold it, so it can only be corrected by appending.
    #[error("sighting {id} was already sent to dispatch ({state}); add a correction instead of editing it")]
    AlreadySent {
        /// The sighting.
        id: Uuid,
        /// How far it got.
        state: DeliveryState,
    },
    /// A correction of a sighting still in the queue: edit it instead.
    #[error("sighting {0} has not been sent yet; edit it instead of adding a correction")]
    NotSent(Uuid),
    /// An edit with no field set.
    #[error("the edit changes nothing")]
    EmptyEdit,
    /// The console id would not make a valid MQTT topic level.
    #[error("'{0}' cannot be a console id: use 1-64 letters, digits, '-' or '_'")]
    BadConsoleId(String),
    /// A row could not be read back (edited by hand or damaged).
    #[error("the sightings database holds unexpected data: {0}")]
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.into())
    }
}

impl DbFailure for StoreError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            StoreError::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Whether `id` can name a console in MQTT topics (no `/`, `+`, `#`).
pub fn valid_console_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The console's sightings database: the list the crew sees and the queue the sync worker drains.
/// Cheap to clone; all clones share one writer thread.
#[derive(Clone)]
pub struct SightingStore {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    db: WriterReader,
    console_id: Mutex<String>,
}

impl SightingStore {
    /// Opens (creating if needed) the store in `data_dir` (`DATA_DIR/sightings.db`), creating
    /// the folder if needed.
    pub fn open_in(data_dir: &Path) -> Result<Self, StoreError> {
        let spec = FileSpec {
            create_folder: true,
            ..SPEC
        };
        Self::open_as(&data_dir.join(DB_FILE), &spec)
    }

    /// Opens the store in `data_dir` to read it, also on a full disk (where [`Self::open_in`]
    /// fails); changes through it are then refused, saying why.
    pub fn open_to_read(data_dir: &Path) -> Result<Self, StoreError> {
        let usual = match Self::open_in(data_dir) {
            Ok(store) => return Ok(store),
            Err(e) => e,
        };
        let path = data_dir.join(DB_FILE);
        if !path.is_file() {
            return Err(usual);
        }
        let Ok(db) = WriterReader::open_to_read(&path, &SPEC) else {
            return Err(usual);
        };
        let console_id = db.read(|c| {
            c.query_row("SELECT value FROM meta WHERE key = 'console_id'", [], |r| {
                r.get::<_, String>(0)
            })
            .map_err(StoreError::from)
        })?;
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                db,
                console_id: Mutex::new(console_id),
            }),
        })
    }

    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_as(path, &SPEC)
    }

    fn open_as(path: &Path, spec: &FileSpec) -> Result<Self, StoreError> {
        let (db, console_id) = WriterReader::open(path, spec, |c| {
            let fresh = format!("console-{}", &Uuid::new_v4().simple().to_string()[..8]);
            c.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('console_id', ?1)",
                [&fresh],
            )?;
            c.query_row("SELECT value FROM meta WHERE key = 'console_id'", [], |r| {
                r.get::<_, String>(0)
            })
        })?;
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                db,
                console_id: Mutex::new(console_id),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        self.inner.db.path()
    }

    /// This console's id: names its MQTT topics. Generated once per database.
    pub fn console_id(&self) -> String {
        self.inner
            .console_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Renames this console (e.g. to the team's radio callsign), durably.
    pub async fn set_console_id(&self, id: &str) -> Result<(), StoreError> {
        if !valid_console_id(id) {
            return Err(StoreError::BadConsoleId(id.to_string()));
        }
        let value = id.to_string();
        self.run(move |c| {
            c.execute(
                "INSERT INTO meta(key, value) VALUES ('console_id', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [&value],
            )?;
            Ok(())
        })
        .await?;
        *self
            .inner
            .console_id
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = id.to_string();
        Ok(())
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.inner.db.write(f).await
    }

    /// Queues a new sighting; the answer comes once it is on disk. For the UI, which polls the
    /// answer with `try_recv` instead of waiting.
    pub fn submit(&self, new: NewSighting) -> Pending<Sighting, StoreError> {
        let (sighting, snapshot) = new.into_sighting();
        let checked = sighting.validate();
        self.inner.db.submit(move |c| {
            checked?;
            insert(c, &sighting, snapshot.as_ref().map(|s| s.jpeg.as_slice()))?;
            Ok(sighting)
        })
    }

    /// Saves a new sighting durably and returns it.
    pub async fn add(&self, new: NewSighting) -> Result<Sighting, StoreError> {
        self.inner.db.wait(self.submit(new)).await
    }

    /// Edits a sighting that has not been delivered yet (its revision goes up, so the newest
    /// version is what dispatch keeps). Refused once the sighting is delivered.
    pub fn submit_edit(&self, id: Uuid, edit: SightingEdit) -> Pending<Sighting, StoreError> {
        self.inner.db.submit(move |c| {
            if edit.is_empty() {
                return Err(StoreError::EmptyEdit);
            }
            let rec = load(c, id)?.ok_or(StoreError::NotFound(id))?;
            if !rec.state.editable() {
                return Err(StoreError::AlreadySent {
                    id,
                    state: rec.state,
                });
            }
            let mut s = rec.sighting;
            let before = s.revision;
            edit.apply(&mut s);
            s.revision += 1;
            s.validate()?;
            update_queued(c, &s, before)?;
            Ok(s)
        })
    }

    /// Takes back the change that saved `saved` when its audit entry could not be written, so
    /// that no sighting stands without one: a new sighting or correction (`previous` is `None`)
    /// is removed, an edit returns to `previous`. Refused when the sighting has changed or been
    /// sent since.
    pub async fn take_back(
        &self,
        saved: &Sighting,
        previous: Option<Sighting>,
    ) -> Result<(), StoreError> {
        let id = saved.id;
        let revision = saved.revision;
        self.inner
            .db
            .wait(self.inner.db.submit(move |c| {
                let changed = match &previous {
                    None => c.execute(
                        "DELETE FROM sightings WHERE id = ?1 AND revision = ?2 AND state = 'queued'",
                        params![id.to_string(), revision],
                    )?,
                    Some(p) => update_queued(c, p, revision)?,
                };
                if changed == 1 {
                    return Ok(());
                }
                let state = load(c, id)?.ok_or(StoreError::NotFound(id))?.state;
                Err(StoreError::AlreadySent { id, state })
            }))
            .await
    }

    /// Edits an undelivered sighting; see [`SightingStore::submit_edit`].
    pub async fn edit(&self, id: Uuid, edit: SightingEdit) -> Result<Sighting, StoreError> {
        self.inner.db.wait(self.submit_edit(id, edit)).await
    }

    /// Corrects a sighting that was already sent: appends a new sighting (new id, same time,
    /// aircraft, sortie, crew and snapshot) with the changes, referencing the original.
    pub fn submit_correction(
        &self,
        original: Uuid,
        edit: SightingEdit,
    ) -> Pending<Sighting, StoreError> {
        self.inner.db.submit(move |c| {
            if edit.is_empty() {
                return Err(StoreError::EmptyEdit);
            }
            let rec = load(c, original)?.ok_or(StoreError::NotFound(original))?;
            if rec.state.editable() {
                return Err(StoreError::NotSent(original));
            }
            let mut s = rec.sighting;
            edit.apply(&mut s);
            s.id = Uuid::now_v7();
            s.revision = 0;
            s.corrects = Some(original);
            s.validate()?;
            let jpeg: Option<Vec<u8>> = c
                .query_row(
                    "SELECT snapshot_jpeg FROM sightings WHERE id = ?1",
                    [original.to_string()],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            insert(c, &s, jpeg.as_deref())?;
            Ok(s)
        })
    }

    /// Appends a correction; see [`SightingStore::submit_correction`].
    pub async fn correct(
        &self,
        original: Uuid,
        edit: SightingEdit,
    ) -> Result<Sighting, StoreError> {
        self.inner
            .db
            .wait(self.submit_correction(original, edit))
            .await
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.inner.db.read(f)
    }

    /// Every sighting in queue order (oldest first). Reads the disk: call it off the UI thread.
    pub fn list(&self) -> Result<Vec<SightingRecord>, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM sightings s ORDER BY s.seq"))?;
            let rows = stmt.query_map([], |r| Ok(record(r)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }

    /// The newest `limit` sightings, oldest first: what a console keeps on screen, so that a long
    /// shift's whole queue never has to live in memory (`list` reads them all).
    pub fn recent(&self, limit: usize) -> Result<Vec<SightingRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM sightings s ORDER BY s.seq DESC LIMIT ?1"
            ))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([limit], |r| Ok(record(r)))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            out.reverse();
            Ok(out)
        })
    }

    /// One sighting by id.
    pub fn get(&self, id: Uuid) -> Result<Option<SightingRecord>, StoreError> {
        self.read(|c| load(c, id))
    }

    /// The snapshot JPEG attached to a sighting.
    pub fn snapshot_jpeg(&self, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
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

    /// How many sightings are in each state.
    pub fn counts(&self) -> Result<QueueCounts, StoreError> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT state, COUNT(*) FROM sightings GROUP BY state")?;
            let mut counts = QueueCounts::default();
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                let n = n.max(0) as u64;
                match DeliveryState::from_str(&state)? {
                    DeliveryState::Queued => counts.queued = n,
                    DeliveryState::Delivered => counts.delivered = n,
                    DeliveryState::Acknowledged => counts.acknowledged = n,
                }
            }
            Ok(counts)
        })
    }

    /// Changes after every commit made through this store, so a list on screen knows to reload.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.inner.db.commits()
    }

    /// SQLite's `data_version`: changes when another process commits to the database.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.read(|c| Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?))
    }

    /// Sightings in `state` after queue position `after`, oldest first: at most `limit` of them
    /// and, past the first, at most `max_bytes` of snapshots. The flag says whether more may
    /// follow (a limit was reached).
    pub fn outbound(
        &self,
        state: DeliveryState,
        after: i64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<(Vec<Outbound>, bool), StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS}, s.snapshot_jpeg FROM sightings s
                 WHERE s.state = ?1 AND s.seq > ?2 ORDER BY s.seq LIMIT ?3"
            ))?;
            let mut rows = stmt.query(params![state.as_str(), after, limit as i64])?;
            let mut out = Vec::new();
            let mut bytes = 0usize;
            while let Some(r) = rows.next()? {
                let size = match r.get_ref(25)? {
                    rusqlite::types::ValueRef::Blob(b) => b.len(),
                    _ => 0,
                };
                if !out.is_empty() && bytes + size > max_bytes {
                    return Ok((out, true));
                }
                bytes += size;
                let rec = record(r)?;
                out.push(Outbound {
                    seq: rec.seq,
                    sighting: rec.sighting,
                    jpeg: r.get(JPEG_AFTER_COLUMNS)?,
                });
            }
            let more = out.len() == limit;
            Ok((out, more))
        })
    }

    /// One sighting ready to publish (for a resend).
    pub fn outbound_one(&self, id: Uuid) -> Result<Option<Outbound>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS}, s.snapshot_jpeg FROM sightings s WHERE s.id = ?1"
            ))?;
            let row = stmt
                .query_row([id.to_string()], |r| {
                    Ok(record(r).map(|rec| (rec, r.get::<_, Option<Vec<u8>>>(JPEG_AFTER_COLUMNS))))
                })
                .optional()?;
            match row {
                Some(res) => {
                    let (rec, jpeg) = res?;
                    Ok(Some(Outbound {
                        seq: rec.seq,
                        sighting: rec.sighting,
                        jpeg: jpeg?,
                    }))
                }
                None => Ok(None),
            }
        })
    }

    /// Delivered sightings dispatch has not acknowledged yet: (id, revision), oldest first.
    pub fn unacknowledged_deliveries(&self, limit: usize) -> Result<Vec<(Uuid, u32)>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, revision FROM sightings WHERE state = 'delivered' ORDER BY seq LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, rev) = row?;
                out.push((parse_uuid(&id)?, rev));
            }
            Ok(out)
        })
    }

    /// Records the broker's PUBACK for these (id, revision) pairs. Returns the queue positions of
    /// sightings that stay queued because they were edited while in flight (resend them).
    pub async fn mark_delivered(&self, items: Vec<(Uuid, u32)>) -> Result<Vec<i64>, StoreError> {
        self.run(move |c| {
            let now = Timestamp::now().millis();
            let mut stale = Vec::new();
            let mut update = c.prepare_cached(
                "UPDATE sightings SET state = 'delivered', delivered_ms = ?3
                 WHERE id = ?1 AND revision = ?2 AND state = 'queued'",
            )?;
            let mut check = c.prepare_cached(
                "SELECT seq FROM sightings WHERE id = ?1 AND revision > ?2 AND state = 'queued'",
            )?;
            for (id, rev) in items {
                let id = id.to_string();
                if update.execute(params![id, rev, now])? == 0 {
                    if let Some(seq) = check.query_row(params![id, rev], |r| r.get(0)).optional()? {
                        stale.push(seq);
                    }
                }
            }
            Ok(stale)
        })
        .await
    }

    /// Records dispatch's acknowledgement for these (id, revision) pairs; an acknowledgement of
    /// an older revision than the one queued is ignored. Returns how many sightings changed.
    pub async fn mark_acknowledged(&self, items: Vec<(Uuid, u32)>) -> Result<usize, StoreError> {
        self.run(move |c| {
            let now = Timestamp::now().millis();
            let mut n = 0;
            let mut update = c.prepare_cached(
                "UPDATE sightings SET state = 'acknowledged', acknowledged_ms = ?3,
                    delivered_ms = COALESCE(delivered_ms, ?3)
                 WHERE id = ?1 AND revision = ?2 AND state != 'acknowledged'",
            )?;
            for (id, rev) in items {
                n += update.execute(params![id.to_string(), rev, now])?;
            }
            Ok(n)
        })
        .await
    }

    /// Records dispatchers' acknowledgements (id, dispatcher, when) in one transaction; the
    /// first one of a sighting stands. A sighting a dispatcher has seen is stored at dispatch,
    /// so it counts as acknowledged even if dispatch's own ack was lost. Returns how many were
    /// new.
    pub async fn record_dispatcher_acks(
        &self,
        items: Vec<(Uuid, String, Timestamp)>,
    ) -> Result<usize, StoreError> {
        self.run(move |c| {
            let now = Timestamp::now().millis();
            let mut n = 0;
            let mut insert = c.prepare_cached(
                "INSERT INTO dispatcher_acks(id, by_name, at_ms, received_ms)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM sightings WHERE id = ?1)
                 ON CONFLICT(id) DO NOTHING",
            )?;
            let mut settle = c.prepare_cached(
                "UPDATE sightings SET state = 'acknowledged',
                    acknowledged_ms = COALESCE(acknowledged_ms, ?2),
                    delivered_ms = COALESCE(delivered_ms, ?2)
                 WHERE id = ?1 AND state = 'delivered'",
            )?;
            for (id, by, at) in items {
                let id = id.to_string();
                n += insert.execute(params![id, by, at.millis(), now])?;
                settle.execute(params![id, now])?;
            }
            Ok(n)
        })
        .await
    }
}

/// Writes the editable fields and revision of `s` over a queued row still at `revision`;
/// returns the rows changed.
fn update_queued(c: &Connection, s: &Sighting, revision: u32) -> Result<usize, StoreError> {
    Ok(c.execute(
        "UPDATE sightings SET revision = ?2, lat = ?3, lon = ?4, alt_m = ?5,
            accuracy_m = ?6, located_by = ?7, category = ?8, priority = ?9, note = ?10
         WHERE id = ?1 AND state = 'queued' AND revision = ?11",
        params![
            s.id.to_string(),
            s.revision,
            s.position.lat,
            s.position.lon,
            s.position.alt_m,
            s.position.accuracy_m,
            s.located_by.as_str(),
            s.category.as_str(),
            s.priority.as_str(),
            s.note,
            revision,
        ],
    )?)
}

fn insert(c: &Connection, s: &Sighting, jpeg: Option<&[u8]>) -> Result<(), StoreError> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO sightings(id, revision, time_ms, aircraft_sysid, aircraft_callsign, sortie,
            crew, lat, lon, alt_m, accuracy_m, located_by, category, priority, note,
            snapshot_name, snapshot_sha256, snapshot_bytes, snapshot_jpeg, corrects, saved_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21)",
    )?;
    stmt.execute(params![
        s.id.to_string(),
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
        jpeg,
        s.corrects.map(|u| u.to_string()),
        Timestamp::now().millis(),
    ])?;
    Ok(())
}

fn load(c: &Connection, id: Uuid) -> Result<Option<SightingRecord>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM sightings s WHERE s.id = ?1"
    ))?;
    match stmt
        .query_row([id.to_string()], |r| Ok(record(r)))
        .optional()?
    {
        Some(rec) => Ok(Some(rec?)),
        None => Ok(None),
    }
}

fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|_| StoreError::Corrupt(format!("bad sighting id '{s}'")))
}

/// Reads one row selected with [`COLUMNS`].
fn record(r: &Row<'_>) -> Result<SightingRecord, StoreError> {
    let id: String = r.get(1)?;
    let snapshot = match (
        r.get::<_, Option<String>>(16)?,
        r.get::<_, Option<String>>(17)?,
        r.get::<_, Option<i64>>(18)?,
    ) {
        (Some(file_name), Some(sha256), Some(bytes)) => Some(SnapshotInfo {
            file_name,
            bytes: bytes.max(0) as u64,
            sha256,
        }),
        _ => None,
    };
    let sighting = Sighting {
        id: parse_uuid(&id)?,
        revision: r.get(2)?,
        time: Timestamp(r.get(3)?),
        aircraft: AircraftRef {
            sysid: r.get(4)?,
            callsign: r.get(5)?,
        },
        sortie: r.get(6)?,
        crew: r.get(7)?,
        position: Position {
            lat: r.get(8)?,
            lon: r.get(9)?,
            alt_m: r.get(10)?,
            accuracy_m: r.get(11)?,
        },
        located_by: LocatedBy::from_str(&r.get::<_, String>(12)?)?,
        category: Category::from_str(&r.get::<_, String>(13)?)?,
        priority: Priority::from_str(&r.get::<_, String>(14)?)?,
        note: r.get(15)?,
        snapshot,
        corrects: r
            .get::<_, Option<String>>(19)?
            .map(|s| parse_uuid(&s))
            .transpose()?,
    };
    Ok(SightingRecord {
        seq: r.get(0)?,
        sighting,
        state: DeliveryState::from_str(&r.get::<_, String>(20)?)?,
        saved_at: Timestamp(r.get(21)?),
        delivered_at: r.get::<_, Option<i64>>(22)?.map(Timestamp),
        acknowledged_at: r.get::<_, Option<i64>>(23)?.map(Timestamp),
        corrected_by: r
            .get::<_, Option<String>>(24)?
            .map(|s| parse_uuid(&s))
            .transpose()?,
        dispatcher_ack: match (
            r.get::<_, Option<String>>(25)?,
            r.get::<_, Option<i64>>(26)?,
        ) {
            (Some(by), Some(at)) => Some(DispatcherAcknowledgement {
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
    use crate::sightings::model::SnapshotData;

    fn fire(note: &str) -> NewSighting {
        NewSighting::new(Category::Fire, Position::new(52.52, 13.405)).note(note)
    }

    #[tokio::test]
    async fn sightings_survive_reopening_in_queue_order() {
        let dir = tempfile::tempdir().unwrap();
        let ids = {
            let store = SightingStore::open_in(dir.path()).unwrap();
            let mut ids = Vec::new();
            for i in 0..5 {
                ids.push(store.add(fire(&format!("n{i}"))).await.unwrap().id);
            }
            ids
        };
        let store = SightingStore::open_in(dir.path()).unwrap();
        let list = store.list().unwrap();
        assert_eq!(list.iter().map(|r| r.sighting.id).collect::<Vec<_>>(), ids);
        assert!(list.iter().all(|r| r.state == DeliveryState::Queued));
        assert_eq!(list[3].sighting.note, "n3");
        assert_eq!(store.counts().unwrap().queued, 5);
    }

    #[tokio::test]
    async fn a_change_whose_audit_failed_is_taken_back_while_queued() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let kept = store.add(fire("kept")).await.unwrap();
        let edit = SightingEdit {
            note: Some("flames".into()),
            ..Default::default()
        };
        let edited = store.edit(kept.id, edit).await.unwrap();
        store.take_back(&edited, Some(kept.clone())).await.unwrap();
        let back = store.get(kept.id).unwrap().unwrap().sighting;
        assert_eq!((back.note.as_str(), back.revision), ("kept", 0));

        let unaudited = store.add(fire("unaudited")).await.unwrap();
        store.take_back(&unaudited, None).await.unwrap();
        assert!(store.get(unaudited.id).unwrap().is_none());
        assert_eq!(store.counts().unwrap().queued, 1);

        // Once sent it stays: dispatch may hold it.
        store.mark_delivered(vec![(kept.id, 0)]).await.unwrap();
        assert!(matches!(
            store.take_back(&kept, None).await,
            Err(StoreError::AlreadySent { .. })
        ));
        assert!(store.get(kept.id).unwrap().is_some());
    }

    #[tokio::test]
    async fn console_id_is_stable_and_validated() {
        let dir = tempfile::tempdir().unwrap();
        let first = SightingStore::open_in(dir.path()).unwrap().console_id();
        assert!(valid_console_id(&first), "{first}");
        let store = SightingStore::open_in(dir.path()).unwrap();
        assert_eq!(store.console_id(), first);
        assert!(matches!(
            store.set_console_id("team/1").await,
            Err(StoreError::BadConsoleId(_))
        ));
        store.set_console_id("kestrel-7").await.unwrap();
        assert_eq!(
            SightingStore::open_in(dir.path()).unwrap().console_id(),
            "kestrel-7"
        );
    }

    #[tokio::test]
    async fn edit_until_delivered_then_only_corrections() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let s = store.add(fire("smoke")).await.unwrap();
        assert!(matches!(
            store
                .correct(
                    s.id,
                    SightingEdit {
                        note: Some("x".into()),
                        ..Default::default()
                    }
                )
                .await,
            Err(StoreError::NotSent(_))
        ));
        let edited = store
            .edit(
                s.id,
                SightingEdit {
                    note: Some("flames".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.revision, 1);
        // A PUBACK for the old revision does not mark the edited sighting delivered.
        let stale = store.mark_delivered(vec![(s.id, 0)]).await.unwrap();
        assert_eq!(stale.len(), 1);
        assert_eq!(
            store.get(s.id).unwrap().unwrap().state,
            DeliveryState::Queued
        );
        assert!(store
            .mark_delivered(vec![(s.id, 1)])
            .await
            .unwrap()
            .is_empty());
        let err = store
            .edit(
                s.id,
                SightingEdit {
                    note: Some("late".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("add a correction"), "{err}");
        let fix = store
            .correct(
                s.id,
                SightingEdit {
                    category: Some(Category::Rescue),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(fix.corrects, Some(s.id));
        assert_eq!(fix.note, "flames");
        assert_eq!(fix.time, s.time);
        let orig = store.get(s.id).unwrap().unwrap();
        assert_eq!(orig.sighting.category, Category::Fire);
        assert_eq!(orig.sighting.note, "flames");
        assert_eq!(orig.corrected_by, Some(fix.id));
        assert_eq!(
            store.get(fix.id).unwrap().unwrap().state,
            DeliveryState::Queued
        );
    }

    #[tokio::test]
    async fn acknowledgements_of_old_revisions_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let s = store.add(fire("a")).await.unwrap();
        store
            .edit(
                s.id,
                SightingEdit {
                    note: Some("b".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(store.mark_acknowledged(vec![(s.id, 0)]).await.unwrap(), 0);
        assert_eq!(store.mark_acknowledged(vec![(s.id, 1)]).await.unwrap(), 1);
        let rec = store.get(s.id).unwrap().unwrap();
        assert_eq!(rec.state, DeliveryState::Acknowledged);
        assert!(rec.delivered_at.is_some() && rec.acknowledged_at.is_some());
    }

    #[tokio::test]
    async fn invalid_sightings_are_refused_and_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let err = store
            .add(NewSighting::new(
                Category::Person,
                Position::new(120.0, 0.0),
            ))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("latitude"), "{err}");
        assert!(store.list().unwrap().is_empty());
    }

    #[tokio::test]
    async fn snapshot_bytes_are_kept_with_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xDB, 9, 9, 9];
        let mut new = fire("photo");
        new.snapshot = Some(SnapshotData::from_jpeg("cam.jpg", jpeg.clone()).unwrap());
        let s = store.add(new).await.unwrap();
        assert_eq!(store.snapshot_jpeg(s.id).unwrap(), Some(jpeg.clone()));
        let (out, more) = store
            .outbound(DeliveryState::Queued, 0, 10, usize::MAX)
            .unwrap();
        assert!(!more);
        assert_eq!(out[0].jpeg.as_deref(), Some(jpeg.as_slice()));
        assert_eq!(
            out[0].sighting.snapshot.as_ref().unwrap().sha256,
            crate::sightings::model::sha256_hex(&jpeg)
        );
    }
}
