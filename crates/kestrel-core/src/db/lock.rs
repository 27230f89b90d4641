//! A lock between processes as an open exclusive transaction on a small SQLite file: held while
//! the [`FileLock`] lives, released by the operating system if the process dies.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

use super::connection::{connect, FileSpec};
use super::error::DbError;

/// A held lock; dropping it releases the lock.
pub struct FileLock {
    _conn: Connection,
}

impl FileLock {
    /// Takes the lock file at `path` (created if missing; `what` names it in errors), or
    /// `Ok(None)` at once when another connection holds it.
    pub fn try_take(path: &Path, what: &'static str) -> Result<Option<Self>, DbError> {
        let spec = FileSpec {
            what,
            schema: "",
            wal: false,
            foreign_keys: false,
            busy_timeout: Duration::ZERO,
            create_folder: false,
        };
        let conn = connect(path, &spec)?;
        match conn.execute_batch("BEGIN EXCLUSIVE") {
            Ok(()) => Ok(Some(Self { _conn: conn })),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(DbError::open(path, what, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_free_again_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let held = FileLock::try_take(&path, "test lock").unwrap();
        assert!(held.is_some());
        assert!(FileLock::try_take(&path, "test lock").unwrap().is_none());
        drop(held);
        assert!(FileLock::try_take(&path, "test lock").unwrap().is_some());
        let e = FileLock::try_take(&dir.path().join("no/such/dir/x.lock"), "test lock")
            .err()
            .unwrap();
        assert!(
            e.to_string().starts_with("cannot open the test lock "),
            "{e}"
        );
    }
}
