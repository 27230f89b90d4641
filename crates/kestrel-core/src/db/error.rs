//! The one error for database failures: it names the file and what it should hold, and turns a
//! full disk — SQLite's `SQLITE_FULL`, or an I/O error whose cause was `ENOSPC` — into one
//! message that says what to do.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, ErrorCode};

/// Why a Kestrel database could not be used. Every store's own error wraps it.
///
/// Built from a SQLite error inside a store's code (`?` converts), it is completed with the file
/// by the database room ([`super::Db`], [`super::WriterReader`]) before any caller sees it. Its
/// message includes what SQLite or the system said, so it has no separate source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", describe(.path, .what, .kind))]
pub struct DbError {
    path: PathBuf,
    what: &'static str,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// The disk is full (SQLite said so, or an I/O error came from `ENOSPC`).
    DiskFull,
    /// The folder for the file could not be created.
    Folder(Arc<std::io::Error>),
    /// The file could not be opened or set up.
    Open(Arc<rusqlite::Error>),
    /// The file is something else (not a database, or a database with other tables).
    NotKestrel(Arc<rusqlite::Error>),
    /// A statement failed.
    Sqlite(Arc<rusqlite::Error>),
    /// A transaction could not be committed: nothing of it was saved.
    Commit(Arc<rusqlite::Error>),
    /// The writer thread could not be started.
    Thread(Arc<std::io::Error>),
    /// The writer thread has stopped (the store is closing).
    Closed,
    /// The database was opened to read only, on a full disk.
    ReadOnly,
}

/// The message: the file, what it should hold, what went wrong and, for a full disk, what to do.
fn describe(path: &Path, what: &str, kind: &Kind) -> String {
    let path = path.display();
    match kind {
        Kind::DiskFull => format!(
            "the disk holding {path} is full: nothing was lost; free some space and try again"
        ),
        Kind::Folder(e) => format!("cannot create the folder for the {what} {path}: {e}"),
        Kind::Open(e) => format!("cannot open the {what} {path}: {e}"),
        Kind::NotKestrel(e) => format!("{path} is not a Kestrel {what}: {e}"),
        // Raised inside a store's code and not yet given its file (never reaches a caller).
        Kind::Sqlite(e) if what.is_empty() => format!("database error: {e}"),
        Kind::Sqlite(e) => format!("{what} {path}: {e}"),
        Kind::Commit(e) => format!("{what} {path}: the change was not saved: {e}"),
        Kind::Thread(e) => format!("cannot start the writer of the {what} {path}: {e}"),
        Kind::Closed => format!("the {what} {path} is closed (its writer has stopped)"),
        Kind::ReadOnly => format!(
            "the {what} {path} is open to read only (its disk is full): nothing was saved; free \
             some space and try again"
        ),
    }
}

/// Two errors are equal when they say the same thing (the SQLite and I/O errors inside cannot
/// be compared otherwise); lets store errors that derive `PartialEq` wrap a `DbError`.
impl PartialEq for DbError {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl From<rusqlite::Error> for DbError {
    /// A SQLite failure inside a store's code; the room adds the file before a caller sees it.
    fn from(e: rusqlite::Error) -> Self {
        Self::new(Path::new(""), "", sqlite_kind(e, None))
    }
}

impl DbError {
    fn new(path: &Path, what: &'static str, kind: Kind) -> Self {
        Self {
            path: path.to_path_buf(),
            what,
            kind,
        }
    }

    /// `path` (holding `what`, e.g. "crew database") could not be opened or set up.
    pub(crate) fn open(path: &Path, what: &'static str, e: rusqlite::Error) -> Self {
        let kind = match sqlite_kind(e, None) {
            Kind::Sqlite(e) if code(&e) == Some(ErrorCode::NotADatabase) => Kind::NotKestrel(e),
            // Opening needs room for the journal files: on a disk with (almost) none left, an
            // I/O failure means the disk is full.
            Kind::Sqlite(e)
                if code(&e) == Some(ErrorCode::SystemIoFailure) && nearly_full(path) =>
            {
                Kind::DiskFull
            }
            Kind::Sqlite(e) => Kind::Open(e),
            other => other,
        };
        Self::new(path, what, kind)
    }

    /// `path` was opened but its schema could not be applied: it holds something else — or,
    /// for an I/O failure on a disk with (almost) no room left, the disk is full (a new file's
    /// first write fails that way, without telling SQLite why).
    pub(crate) fn not_kestrel(path: &Path, what: &'static str, e: rusqlite::Error) -> Self {
        let kind = match sqlite_kind(e, None) {
            Kind::Sqlite(e)
                if code(&e) == Some(ErrorCode::SystemIoFailure) && nearly_full(path) =>
            {
                Kind::DiskFull
            }
            Kind::Sqlite(e) if code(&e) == Some(ErrorCode::SystemIoFailure) => Kind::Open(e),
            Kind::Sqlite(e) => Kind::NotKestrel(e),
            other => other,
        };
        Self::new(path, what, kind)
    }

    /// A statement or commit on `conn` (the file `path`) failed.
    pub(crate) fn sqlite(
        path: &Path,
        what: &'static str,
        conn: &Connection,
        e: rusqlite::Error,
    ) -> Self {
        Self::new(path, what, sqlite_kind(e, Some(system_errno(conn))))
    }

    /// Committing a transaction on `conn` (the file `path`) failed: nothing of it was saved.
    pub(crate) fn commit(
        path: &Path,
        what: &'static str,
        conn: &Connection,
        e: rusqlite::Error,
    ) -> Self {
        let kind = match sqlite_kind(e, Some(system_errno(conn))) {
            Kind::Sqlite(e) => Kind::Commit(e),
            other => other,
        };
        Self::new(path, what, kind)
    }

    /// The folder for `path` could not be created.
    pub(crate) fn folder(path: &Path, what: &'static str, e: std::io::Error) -> Self {
        let kind = if is_enospc(&e) {
            Kind::DiskFull
        } else {
            Kind::Folder(Arc::new(e))
        };
        Self::new(path, what, kind)
    }

    /// The writer thread for `path` could not be started.
    pub(crate) fn thread(path: &Path, what: &'static str, e: std::io::Error) -> Self {
        Self::new(path, what, Kind::Thread(Arc::new(e)))
    }

    /// The writer thread for `path` has stopped.
    pub(crate) fn closed(path: &Path, what: &'static str) -> Self {
        Self::new(path, what, Kind::Closed)
    }

    /// A change asked of a database opened to read only.
    pub(crate) fn read_only(path: &Path, what: &'static str) -> Self {
        Self::new(path, what, Kind::ReadOnly)
    }

    /// Names the file in an error raised inside a store's code (one without a file yet), and
    /// recognises an I/O error that came from a full disk by asking `conn` for its cause.
    pub(crate) fn locate(&mut self, path: &Path, what: &'static str, conn: &Connection) {
        if !self.path.as_os_str().is_empty() {
            return;
        }
        self.path = path.to_path_buf();
        self.what = what;
        if let Kind::Sqlite(e) = &self.kind {
            if code(e) == Some(ErrorCode::SystemIoFailure) && system_errno(conn) == ENOSPC {
                self.kind = Kind::DiskFull;
            }
        }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the disk holding the file is full (the change was not saved; freeing space and
    /// trying again will work).
    pub fn is_disk_full(&self) -> bool {
        matches!(self.kind, Kind::DiskFull)
    }
}

/// A store's error type that can carry a [`DbError`]: lets the database room name the file in a
/// SQLite failure that happened inside the store's own code.
pub trait DbFailure: From<DbError> {
    /// The database error inside, if this is one.
    fn db_error_mut(&mut self) -> Option<&mut DbError>;
}

impl DbFailure for DbError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        Some(self)
    }
}

/// Names the file in `e` if it is a database error raised inside a store's code.
pub(crate) fn locate<E: DbFailure>(
    mut e: E,
    path: &Path,
    what: &'static str,
    conn: &Connection,
) -> E {
    if let Some(db) = e.db_error_mut() {
        db.locate(path, what, conn);
    }
    e
}

#[cfg(unix)]
const ENOSPC: i32 = libc::ENOSPC;
/// `ENOSPC` where libc is not linked (its value on Windows' C runtime).
#[cfg(not(unix))]
const ENOSPC: i32 = 28;

fn is_enospc(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(ENOSPC)
}

fn code(e: &rusqlite::Error) -> Option<ErrorCode> {
    e.sqlite_error_code()
}

/// Classifies a SQLite error; `errno` is the connection's last system error, when known.
fn sqlite_kind(e: rusqlite::Error, errno: Option<i32>) -> Kind {
    let full = match code(&e) {
        Some(ErrorCode::DiskFull) => true,
        Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen) => errno == Some(ENOSPC),
        _ => false,
    };
    if full {
        Kind::DiskFull
    } else {
        Kind::Sqlite(Arc::new(e))
    }
}

/// Whether the disk holding `path` has less room left than a small database needs to start.
fn nearly_full(path: &Path) -> bool {
    crate::disk_space::DiskSpace::of(path).is_ok_and(|d| d.available < 256 * 1024)
}

/// The operating system's error number behind the connection's last failed I/O (0 if none).
fn system_errno(conn: &Connection) -> i32 {
    // SAFETY: the handle is valid while `conn` is borrowed; sqlite3_system_errno only reads it.
    unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_says_what_to_do_and_names_the_file() {
        let conn = Connection::open_in_memory().unwrap();
        let path = Path::new("/data/kestrel/sightings.db");
        let full = DbError::sqlite(path, "sightings database", &conn, failure(ffi::SQLITE_FULL));
        assert!(full.is_disk_full());
        assert_eq!(
            full.to_string(),
            "the disk holding /data/kestrel/sightings.db is full: nothing was lost; free some space and try again"
        );
        // Raised inside a store's code, then located by the room: the same message.
        let mut inside = DbError::from(failure(ffi::SQLITE_FULL));
        inside.locate(path, "sightings database", &conn);
        assert_eq!(inside, full);
        // At open, and while creating the folder.
        assert_eq!(
            DbError::open(path, "sightings database", failure(ffi::SQLITE_FULL)),
            full
        );
        let commit = DbError::commit(path, "sightings database", &conn, failure(ffi::SQLITE_FULL));
        assert_eq!(commit, full);
        let enospc = std::io::Error::from_raw_os_error(ENOSPC);
        assert_eq!(DbError::folder(path, "sightings database", enospc), full);
    }

    #[test]
    fn other_failures_name_the_file_and_what_it_should_hold() {
        let conn = Connection::open_in_memory().unwrap();
        let path = Path::new("/d/crew.sqlite");
        let e = DbError::open(path, "crew database", failure(ffi::SQLITE_NOTADB));
        assert!(!e.is_disk_full());
        assert!(
            e.to_string()
                .starts_with("/d/crew.sqlite is not a Kestrel crew database: "),
            "{e}"
        );
        let e = DbError::open(path, "crew database", failure(ffi::SQLITE_CANTOPEN));
        assert!(
            e.to_string()
                .starts_with("cannot open the crew database /d/crew.sqlite: "),
            "{e}"
        );
        // An I/O error with no full disk behind it stays an I/O error.
        let e = DbError::sqlite(path, "crew database", &conn, failure(ffi::SQLITE_IOERR));
        assert!(!e.is_disk_full());
        assert!(
            e.to_string().starts_with("crew database /d/crew.sqlite: "),
            "{e}"
        );
        assert_eq!(e.path(), path);
        let e = DbError::commit(path, "crew database", &conn, failure(ffi::SQLITE_BUSY));
        assert!(e.to_string().contains("the change was not saved"), "{e}");
        let e = DbError::closed(path, "crew database");
        assert_eq!(
            e.to_string(),
            "the crew database /d/crew.sqlite is closed (its writer has stopped)"
        );
    }
}
