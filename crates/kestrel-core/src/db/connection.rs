//! Opening a Kestrel database the one way: the folder if the store wants it, the connection,
//! the pragmas its durability needs, its schema — each failure naming the file and what it
//! should hold — and [`Db`], one open connection for the stores that work synchronously.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};

use super::error::{locate, DbError, DbFailure};

/// What a store's file is and how it is opened.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// What the file holds, for messages: "crew database" ("… is not a Kestrel crew database").
    pub what: &'static str,
    /// SQL run at every open (`CREATE TABLE IF NOT EXISTS …`).
    pub schema: &'static str,
    /// Write-ahead log with `synchronous=FULL` (a commit is on disk when it returns, and readers
    /// do not block the writer) instead of SQLite's default rollback journal.
    pub wal: bool,
    /// Whether SQLite enforces the schema's foreign keys.
    pub foreign_keys: bool,
    /// How long a connection waits for another one holding the file's lock.
    pub busy_timeout: Duration,
    /// Whether a missing folder for the file is created.
    pub create_folder: bool,
}

/// Opens (creating if needed) the database at `path` as `spec` says and applies its schema.
pub fn open(path: &Path, spec: &FileSpec) -> Result<Connection, DbError> {
    let conn = connect(path, spec)?;
    conn.execute_batch(spec.schema)
        .map_err(|e| DbError::not_kestrel(path, spec.what, e))?;
    Ok(conn)
}

/// Opens an existing database to read it, also on a full disk: when the usual open fails (on a
/// full disk SQLite cannot size the WAL's shared-memory file: "disk I/O error"), the file is
/// opened alone, with the WAL index in the process's memory (exclusive locking) and without
/// creating or changing anything. The usual error is returned if that fails too.
pub fn open_to_read(path: &Path, spec: &FileSpec) -> Result<Connection, DbError> {
    match open(path, spec) {
        Ok(conn) => Ok(conn),
        Err(usual) if path.is_file() => read_alone(path, spec).map_err(|_| usual),
        Err(usual) => Err(usual),
    }
}

/// A connection that holds the file alone and keeps the WAL index in memory.
pub(crate) fn read_alone(path: &Path, spec: &FileSpec) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(spec.busy_timeout)?;
    // Before the first access, so that SQLite never maps the shared-memory file.
    conn.execute_batch("PRAGMA locking_mode=EXCLUSIVE;")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}

/// Opens another connection to a database already set up by [`open`] (no schema).
pub(crate) fn connect(path: &Path, spec: &FileSpec) -> Result<Connection, DbError> {
    if spec.create_folder {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| DbError::folder(path, spec.what, e))?;
        }
    }
    let fail = |e| DbError::open(path, spec.what, e);
    let conn = Connection::open(path).map_err(fail)?;
    conn.busy_timeout(spec.busy_timeout).map_err(fail)?;
    if spec.wal {
        // journal_mode answers with a row, so it is read rather than executed.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(fail)?;
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(fail)?;
    }
    if spec.foreign_keys {
        conn.execute_batch("PRAGMA foreign_keys=ON;")
            .map_err(fail)?;
    }
    Ok(conn)
}

/// One open database for a store that works synchronously on one connection (crew, key areas,
/// audit): runs the store's SQL and names the file in any failure.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    what: &'static str,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path`; see [`open`].
    pub fn open(path: &Path, spec: &FileSpec) -> Result<Self, DbError> {
        Ok(Self {
            conn: open(path, spec)?,
            path: path.to_path_buf(),
            what: spec.what,
        })
    }

    /// Opens an existing database to read it, also on a full disk; see [`open_to_read`].
    pub fn open_to_read(path: &Path, spec: &FileSpec) -> Result<Self, DbError> {
        Ok(Self {
            conn: open_to_read(path, spec)?,
            path: path.to_path_buf(),
            what: spec.what,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs SQL on the connection.
    pub fn sql<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        f(&self.conn).map_err(|e| DbError::sqlite(&self.path, self.what, &self.conn, e))
    }

    /// Runs a store's code on the connection; SQLite failures in it (converted with `?`) are
    /// told which file they happened in.
    pub fn with<T, E: DbFailure>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        f(&self.conn).map_err(|e| locate(e, &self.path, self.what, &self.conn))
    }

    /// Runs a store's code in one transaction: committed when it returns `Ok`, rolled back
    /// when it returns an error.
    pub fn transaction<T, E: DbFailure>(
        &mut self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let (path, what) = (&self.path, self.what);
        let result = (|| {
            let tx = self.conn.transaction().map_err(DbError::from)?;
            let value = f(&tx)?;
            tx.commit().map_err(DbError::from)?;
            Ok(value)
        })();
        result.map_err(|e| locate(e, path, what, &self.conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: FileSpec = FileSpec {
        what: "test database",
        schema: "CREATE TABLE IF NOT EXISTS t(x INTEGER PRIMARY KEY);",
        wal: true,
        foreign_keys: true,
        busy_timeout: Duration::from_secs(1),
        create_folder: true,
    };

    #[test]
    fn opens_with_the_pragmas_the_store_asks_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("t.db");
        let db = Db::open(&path, &SPEC).unwrap();
        let (mode, sync, fk): (String, i64, i64) = db
            .sql(|c| {
                Ok((
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
                    c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        let plain = FileSpec {
            wal: false,
            foreign_keys: false,
            ..SPEC
        };
        let db = Db::open(&dir.path().join("plain.db"), &plain).unwrap();
        let mode: String = db
            .sql(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn a_missing_folder_is_created_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("t.db");
        let keep = FileSpec {
            create_folder: false,
            ..SPEC
        };
        let e = Db::open(&path, &keep).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("cannot open the test database {}", path.display())),
            "{e}"
        );
        assert!(!path.parent().unwrap().exists());
        Db::open(&path, &SPEC).unwrap();
    }

    #[test]
    fn a_file_that_is_something_else_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(
            &path,
            "not a database, just some notes that are long enough to matter\n".repeat(20),
        )
        .unwrap();
        let e = Db::open(&path, &SPEC).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "{} is not a Kestrel test database",
                path.display()
            )),
            "{e}"
        );
        // A database of another program: its names clash with the schema.
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE notes(y); CREATE INDEX t ON notes(y);")
            .unwrap();
        let e = Db::open(&other, &SPEC).unwrap_err();
        assert!(
            e.to_string().contains("is not a Kestrel test database"),
            "{e}"
        );
    }

    #[test]
    fn failures_inside_a_stores_code_name_the_file_and_transactions_roll_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut db = Db::open(&path, &SPEC).unwrap();
        let e = db
            .with(|c| -> Result<(), DbError> {
                c.execute("INSERT INTO nowhere VALUES (1)", [])?;
                Ok(())
            })
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("test database {}: ", path.display())),
            "{e}"
        );
        let e = db
            .transaction(|tx| -> Result<(), DbError> {
                tx.execute("INSERT INTO t(x) VALUES (1)", [])?;
                tx.execute("INSERT INTO t(x) VALUES (1)", [])?;
                Ok(())
            })
            .unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        assert_eq!(db.path(), path);
        let n: i64 = db
            .sql(|c| c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(n, 0);
    }
}
