//! One database with a writer thread and a reader connection: the shape of the sightings and
//! dispatch stores. Writes are group-committed ([`GroupCommit`]) and answered only after their
//! transaction is on disk; reads run on their own connection, which WAL keeps from waiting on
//! the writer.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::watch;

use super::connection::{connect, open, read_alone, FileSpec};
use super::error::{locate, DbError, DbFailure};
use super::group_commit::{GroupCommit, Pending};

/// A database with one writer thread and one reader connection. Cheap to clone; all clones
/// share the thread and the connection.
#[derive(Clone)]
pub struct WriterReader {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    what: &'static str,
    writer: GroupCommit,
    reader: Mutex<Connection>,
    /// Opened by [`WriterReader::open_to_read`]: every change is refused.
    read_only: bool,
}

impl WriterReader {
    /// Opens (creating if needed) the database at `path` as `spec` says (`spec.wal` should be
    /// set: the reader relies on it), runs `setup` on the writer's connection before the writer
    /// starts (e.g. to read or create an id), and starts the writer.
    pub fn open<T>(
        path: &Path,
        spec: &FileSpec,
        setup: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<(Self, T), DbError> {
        let writer = open(path, spec)?;
        let set_up = setup(&writer).map_err(|e| DbError::open(path, spec.what, e))?;
        let reader = connect(path, spec)?;
        let writer = GroupCommit::start(writer, path, spec.what)?;
        let store = Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                what: spec.what,
                writer,
                reader: Mutex::new(reader),
                read_only: false,
            }),
        };
        Ok((store, set_up))
    }

    /// Opens an existing database to read it where the usual open fails (on a full disk
    /// SQLite cannot size the WAL's shared-memory file): one connection holds the file alone
    /// with its WAL index in memory, and every change is refused with an error that says why.
    pub fn open_to_read(path: &Path, spec: &FileSpec) -> Result<Self, DbError> {
        let reader = read_alone(path, spec).map_err(|e| DbError::open(path, spec.what, e))?;
        // A writer that never receives work: submissions are refused before they reach it.
        let idle = Connection::open_in_memory().map_err(|e| DbError::open(path, spec.what, e))?;
        let writer = GroupCommit::start(idle, path, spec.what)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                what: spec.what,
                writer,
                reader: Mutex::new(reader),
                read_only: true,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on the reader connection (reads the disk: call it off the UI thread). SQLite
    /// failures in it name the file.
    pub fn read<T, E: DbFailure>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let conn = self.inner.reader.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn).map_err(|e| locate(e, &self.inner.path, self.inner.what, &conn))
    }

    /// Queues `f` to run in the writer's next transaction; the answer arrives once that
    /// transaction has committed. For the UI, which polls the answer instead of waiting.
    pub fn submit<T, E, F>(&self, f: F) -> Pending<T, E>
    where
        T: Send + 'static,
        E: DbFailure + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        if self.inner.read_only {
            let (reply, pending) = tokio::sync::oneshot::channel();
            let _ = reply.send(Err(E::from(DbError::read_only(
                &self.inner.path,
                self.inner.what,
            ))));
            return pending;
        }
        self.inner.writer.execute(f)
    }

    /// Runs `f` in the writer's next transaction and answers once it has committed.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: DbFailure + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.wait(self.submit(f)).await
    }

    /// Waits for an answer from [`WriterReader::submit`].
    pub async fn wait<T, E: From<DbError>>(&self, pending: Pending<T, E>) -> Result<T, E> {
        self.inner.writer.wait(pending).await
    }

    /// Changes after every commit made through this database, so a list on screen knows to
    /// reload.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.inner.writer.commits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SPEC: FileSpec = FileSpec {
        what: "test database",
        schema: "CREATE TABLE IF NOT EXISTS t(x INTEGER PRIMARY KEY);",
        wal: true,
        foreign_keys: true,
        busy_timeout: Duration::from_secs(1),
        create_folder: false,
    };

    #[tokio::test]
    async fn writes_are_readable_once_answered_and_failures_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let (db, n) = WriterReader::open(&path, &SPEC, |c| {
            c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get::<_, i64>(0))
        })
        .unwrap();
        assert_eq!(n, 0);
        let mut commits = db.commits();
        db.write(|c| -> Result<_, DbError> { Ok(c.execute("INSERT INTO t(x) VALUES (7)", [])?) })
            .await
            .unwrap();
        assert!(commits.has_changed().unwrap());
        commits.mark_unchanged();
        let seen: i64 = db
            .read(|c| -> Result<_, DbError> {
                Ok(c.query_row("SELECT x FROM t", [], |r| r.get(0))?)
            })
            .unwrap();
        assert_eq!(seen, 7);
        let e = db
            .read(|c| -> Result<i64, DbError> {
                Ok(c.query_row("SELECT nothing FROM t", [], |r| r.get(0))?)
            })
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("test database {}: ", path.display())),
            "{e}"
        );
        let pending = db.submit(|c| -> Result<_, DbError> {
            Ok(c.execute("INSERT INTO t(x) VALUES (7)", [])?)
        });
        let e = db.wait(pending).await.unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        assert_eq!(db.path(), path);
    }

    #[test]
    fn a_setup_failure_is_an_open_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let e = WriterReader::open(&path, &SPEC, |c| {
            c.execute("INSERT INTO nowhere VALUES (1)", [])
        })
        .err()
        .unwrap();
        assert!(
            e.to_string().starts_with("cannot open the test database "),
            "{e}"
        );
    }
}
