//! The audit trail: every command, mission upload, mode change and sighting — who, which
//! aircraft, when, what and with what result — appended to SQLite with a SHA-256 hash chain, so
//! that changing or deleting an entry afterwards is detectable (`kestrel audit verify`).
//!
//! Each entry's hash covers the previous entry's hash and all of its own fields; the first entry
//! chains from 32 zero bytes. Triggers refuse UPDATE and DELETE; the chain catches anyone who
//! edits the file by other means.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::db::{Db, DbError, DbFailure, FileSpec};

/// An entry to append: the fields the caller gives (id, time and hashes are added).
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    /// Who did it.
    pub operator: &'a str,
    /// The aircraft it concerned, if any.
    pub aircraft: Option<u8>,
    /// What kind of action.
    pub action: &'a str,
    /// What exactly.
    pub detail: &'a str,
    /// How it ended.
    pub result: &'a str,
}

/// One audited action.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub id: i64,
    /// When it happened, microseconds since the Unix epoch.
    pub at_us: i64,
    /// Who did it (the operator logged into the console, or the CLI user).
    pub operator: String,
    /// The aircraft it concerned, if any.
    pub aircraft: Option<u8>,
    /// What kind of action: `command`, `mission_upload`, `mode_change`, `sighting`, ...
    pub action: String,
    /// What exactly (e.g. "take off to 30 m").
    pub detail: String,
    /// How it ended (e.g. "accepted", "denied (FAILED): PreArm: ...").
    pub result: String,
    /// This entry's hash (hex).
    pub hash: String,
}

/// Why the audit trail could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The audit database could not be opened, read or written (a full disk says so).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A file next to the audit log (e.g. a CSV export) could not be written.
    #[error("audit log {0}: {1}")]
    Io(String, std::io::Error),
}

impl From<rusqlite::Error> for AuditError {
    fn from(e: rusqlite::Error) -> Self {
        AuditError::Db(e.into())
    }
}

impl DbFailure for AuditError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            AuditError::Db(e) => Some(e),
            AuditError::Io(..) => None,
        }
    }
}

/// Whether the file holds the log's table: a log created on a full disk may be an empty file
/// whose table was never written, which reads as a log without entries.
fn has_log(c: &rusqlite::Connection) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit')",
        [],
        |r| r.get(0),
    )
}

/// Result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Verdict {
    /// Every entry's hash matches: nothing was changed.
    Intact {
        /// How many entries were checked.
        entries: u64,
    },
    /// The chain breaks at this entry: it, or the one before it, was changed or removed.
    Broken {
        /// The first entry whose hash does not match.
        at_id: i64,
        /// What does not match, for the reviewer.
        reason: String,
    },
}

/// An open audit log. Appends are serialised; cheap enough to call on every command.
pub struct AuditLog {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    db: Db,
    last_hash: [u8; 32],
}

/// The file: WAL with `synchronous=FULL` (an entry is on disk when `append` returns), created
/// with its folder.
const SPEC: FileSpec = FileSpec {
    what: "audit log",
    schema: SCHEMA,
    wal: true,
    foreign_keys: false,
    busy_timeout: Duration::from_secs(5),
    create_folder: true,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY,
    at_us     INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    aircraft  INTEGER,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    result    TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The fields of one entry that its hash covers.
struct Record<'a> {
    id: i64,
    at_us: i64,
    operator: &'a str,
    aircraft: Option<u8>,
    action: &'a str,
    detail: &'a str,
    result: &'a str,
}

impl Record<'_> {
    /// The entry's hash, chained from the previous entry's hash.
    fn hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(self.id.to_le_bytes());
        h.update(self.at_us.to_le_bytes());
        for field in [self.operator, self.action, self.detail, self.result] {
            h.update((field.len() as u64).to_le_bytes());
            h.update(field.as_bytes());
        }
        match self.aircraft {
            Some(a) => h.update([1, a]),
            None => h.update([0, 0]),
        }
        h.finalize().into()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditLog {
    /// Opens (or creates) the audit log at `path`.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        Self::with_db(path, Db::open(path, &SPEC)?)
    }

    /// Opens an existing audit log to read and verify it, also when its disk is full (the
    /// reviewer's `kestrel audit verify` must work then). Appending through it may fail.
    pub fn open_to_read(path: &Path) -> Result<Self, AuditError> {
        Self::with_db(path, Db::open_to_read(path, &SPEC)?)
    }

    fn with_db(path: &Path, db: Db) -> Result<Self, AuditError> {
        let last: Option<Vec<u8>> = db.sql(|c| {
            if !has_log(c)? {
                return Ok(None);
            }
            c.query_row("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()
        })?;
        let mut last_hash = [0u8; 32];
        if let Some(h) = last {
            if h.len() == 32 {
                last_hash.copy_from_slice(&h);
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            inner: Mutex::new(Inner { db, last_hash }),
        })
    }

    /// Where the log lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and returns its id.
    pub fn append(
        &self,
        operator: &str,
        aircraft: Option<u8>,
        action: &str,
        detail: &str,
        result: &str,
    ) -> Result<i64, AuditError> {
        self.append_many(&[NewEntry {
            operator,
            aircraft,
            action,
            detail,
            result,
        }])
    }

    /// Appends entries in one transaction (all or none) and returns the id of the last one:
    /// for bulk imports and for building large logs in benchmarks, where a commit per entry
    /// would dominate.
    pub fn append_many(&self, entries: &[NewEntry<'_>]) -> Result<i64, AuditError> {
        let at_us = crate::time::unix_micros(SystemTime::now());
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let mut prev = inner.last_hash;
        let id = inner.db.transaction(|tx| -> Result<i64, AuditError> {
            let mut id: i64 =
                tx.query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO audit (id, at_us, operator, aircraft, action, detail, result, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for e in entries {
                id += 1;
                let hash = Record {
                    id,
                    at_us,
                    operator: e.operator,
                    aircraft: e.aircraft,
                    action: e.action,
                    detail: e.detail,
                    result: e.result,
                }
                .hash(&prev);
                insert.execute(params![
                    id,
                    at_us,
                    e.operator,
                    e.aircraft,
                    e.action,
                    e.detail,
                    e.result,
                    &prev[..],
                    &hash[..]
                ])?;
                prev = hash;
            }
            Ok(id)
        })?;
        inner.last_hash = prev;
        Ok(id)
    }

    /// Walks the whole chain and says whether it is intact.
    pub fn verify(&self) -> Result<Verdict, AuditError> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner
            .db
            .sql(|c| {
                if !has_log(c)? {
                    return Ok(Verdict::Intact { entries: 0 });
                }
                let mut stmt = c.prepare(
                    "SELECT id, at_us, operator, aircraft, action, detail, result, prev_hash, hash
                 FROM audit ORDER BY id",
                )?;
                let mut rows = stmt.query([])?;
                let mut prev = [0u8; 32];
                let mut expected_id = 1i64;
                let mut n = 0u64;
                while let Some(r) = rows.next()? {
                    let id: i64 = r.get(0)?;
                    if id != expected_id {
                        return Ok(Verdict::Broken {
                            at_id: expected_id,
                            reason: format!("entry {expected_id} is missing (next is {id})"),
                        });
                    }
                    let stored_prev: Vec<u8> = r.get(7)?;
                    let stored: Vec<u8> = r.get(8)?;
                    let aircraft: Option<i64> = r.get(3)?;
                    let (operator, action, detail, result): (String, String, String, String) =
                        (r.get(2)?, r.get(4)?, r.get(5)?, r.get(6)?);
                    let computed = Record {
                        id,
                        at_us: r.get(1)?,
                        operator: &operator,
                        aircraft: aircraft.and_then(|a| u8::try_from(a).ok()),
                        action: &action,
                        detail: &detail,
                        result: &result,
                    }
                    .hash(&prev);
                    if stored_prev != prev {
                        return Ok(Verdict::Broken {
                            at_id: id,
                            reason: format!("entry {id} does not follow entry {}", id - 1),
                        });
                    }
                    if stored != computed {
                        return Ok(Verdict::Broken {
                            at_id: id,
                            reason: format!("entry {id} was changed after it was written"),
                        });
                    }
                    prev = computed;
                    expected_id += 1;
                    n += 1;
                }
                Ok(Verdict::Intact { entries: n })
            })
            .map_err(AuditError::from)
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, AuditError> {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let entries = inner.db.sql(|c| {
            if !has_log(c)? {
                return Ok(Vec::new());
            }
            let mut stmt = c.prepare(
                "SELECT id, at_us, operator, aircraft, action, detail, result, hash FROM audit ORDER BY id",
            )?;
            let rows = stmt.query_map([], |r| {
                let aircraft: Option<i64> = r.get(3)?;
                let hash: Vec<u8> = r.get(7)?;
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at_us: r.get(1)?,
                    operator: r.get(2)?,
                    aircraft: aircraft.and_then(|a| u8::try_from(a).ok()),
                    action: r.get(4)?,
                    detail: r.get(5)?,
                    result: r.get(6)?,
                    hash: hex(&hash),
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(entries)
    }
}

/// Writes entries as CSV (RFC 4180 quoting) for `kestrel audit export --csv`.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    fn q(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from("id,time_utc_us,operator,aircraft,action,detail,result,hash\n");
    for e in entries {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            e.id,
            e.at_us,
            q(&e.operator),
            e.aircraft.map(|a| a.to_string()).unwrap_or_default(),
            q(&e.action),
            q(&e.detail),
            q(&e.result),
            e.hash
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn chain_is_intact_after_appends_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let log = AuditLog::open(&path).unwrap();
        log.append("wang", Some(1), "command", "arm", "accepted")
            .unwrap();
        log.append("wang", Some(1), "command", "take off to 30 m", "accepted")
            .unwrap();
        drop(log);
        let log = AuditLog::open(&path).unwrap();
        log.append("li", None, "sighting", "crowd at gate 3", "queued")
            .unwrap();
        assert_eq!(log.verify().unwrap(), Verdict::Intact { entries: 3 });
        assert_eq!(log.entries().unwrap().len(), 3);
    }

    #[test]
    fn updates_and_deletes_are_refused_and_tampering_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let log = AuditLog::open(&path).unwrap();
        for i in 0..5 {
            log.append("wang", Some(2), "command", &format!("step {i}"), "accepted")
                .unwrap();
        }
        drop(log);
        let conn = Connection::open(&path).unwrap();
        assert!(conn
            .execute("UPDATE audit SET result='denied' WHERE id=3", [])
            .is_err());
        assert!(conn.execute("DELETE FROM audit WHERE id=3", []).is_err());
        // Someone who drops the triggers and edits an entry is still caught.
        conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
            .unwrap();
        conn.execute("UPDATE audit SET result='denied' WHERE id=3", [])
            .unwrap();
        drop(conn);
        let log = AuditLog::open(&path).unwrap();
        match log.verify().unwrap() {
            Verdict::Broken { at_id, .. } => assert_eq!(at_id, 3),
            v => panic!("tampering not detected: {v:?}"),
        }
        drop(log);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("DROP TRIGGER audit_no_delete;").unwrap();
        conn.execute("DELETE FROM audit WHERE id=2", []).unwrap();
        drop(conn);
        let log = AuditLog::open(&path).unwrap();
        assert!(matches!(
            log.verify().unwrap(),
            Verdict::Broken { at_id: 2, .. }
        ));
    }

    #[test]
    fn batched_appends_continue_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(&dir.path().join("audit.db")).unwrap();
        assert_eq!(log.append("a", Some(1), "command", "arm", "ok").unwrap(), 1);
        let batch = [NewEntry {
            operator: "b",
            aircraft: None,
            action: "sighting",
            detail: "crowd",
            result: "saved",
        }; 3];
        assert_eq!(log.append_many(&batch).unwrap(), 4);
        assert_eq!(
            log.append("a", Some(1), "command", "land", "ok").unwrap(),
            5
        );
        assert_eq!(log.verify().unwrap(), Verdict::Intact { entries: 5 });
        assert_eq!(log.entries().unwrap()[2].action, "sighting");
    }

    #[test]
    fn csv_quotes_commas_and_quotes() {
        let e = AuditEntry {
            id: 1,
            at_us: 5,
            operator: "a,b".into(),
            aircraft: Some(3),
            action: "command".into(),
            detail: "say \"hi\"".into(),
            result: "ok".into(),
            hash: "ab".into(),
        };
        let csv = to_csv(&[e]);
        assert!(
            csv.contains("\"a,b\"") && csv.contains("\"say \"\"hi\"\"\""),
            "{csv}"
        );
    }
}
