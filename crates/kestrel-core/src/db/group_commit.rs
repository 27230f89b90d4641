//! Group commit for SQLite: one writer thread owns the connection, takes every job waiting in its
//! channel, runs them in one transaction (each inside its own savepoint, so one failing job does
//! not undo the others), commits with a full sync, and only then answers each caller. A thousand
//! callers cost a handful of fsyncs, and no caller is told "saved" before its data is on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::{oneshot, watch};

use super::error::{locate, DbError, DbFailure};

/// Most jobs folded into one transaction.
const MAX_BATCH: usize = 2048;

/// Delivers a job's answer once its batch has committed (or failed to).
type Done = Box<dyn FnOnce(Result<(), DbError>) + Send>;
/// A job: runs against the connection (or, when `None`, learns its batch never started) and
/// returns whether it failed plus the callback that delivers its answer after the commit.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Done) + Send>;

/// A job's answer, delivered after its transaction committed. Await it, or poll it with
/// `try_recv` from a thread that must not block (the UI); the channel closing early means the
/// writer stopped.
pub type Pending<T, E> = oneshot::Receiver<Result<T, E>>;

/// Handle to the writer thread; cheap to clone. The thread ends when the last handle is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    tx: crossbeam_channel::Sender<Job>,
    commits: watch::Receiver<u64>,
    file: Arc<File>,
    _thread: Arc<ThreadGuard>,
}

/// The file the writer commits to, for naming it in errors.
struct File {
    path: PathBuf,
    what: &'static str,
}

struct ThreadGuard(Option<JoinHandle<()>>);

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        // The channel closes when the last sender goes; the thread then finishes its batch and
        // exits. Joining here would block an async caller, so the thread is left to finish.
        let _ = self.0.take();
    }
}

impl GroupCommit {
    /// Starts the writer thread on `conn`, the database `path` holding `what` (opened in WAL
    /// mode with `synchronous=FULL`, see [`super::FileSpec`]).
    pub fn start(conn: Connection, path: &Path, what: &'static str) -> Result<Self, DbError> {
        let file = Arc::new(File {
            path: path.to_path_buf(),
            what,
        });
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        let (commit_tx, commits) = watch::channel(0u64);
        let name = what.split(' ').next().unwrap_or("db");
        let in_thread = file.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-writer"))
            .spawn(move || writer_loop(conn, rx, commit_tx, &in_thread))
            .map_err(|e| DbError::thread(path, what, e))?;
        Ok(Self {
            tx,
            commits,
            file,
            _thread: Arc::new(ThreadGuard(Some(thread))),
        })
    }

    /// Queues `f` to run inside the next transaction; the answer arrives once that transaction
    /// has committed (or failed). SQLite failures in `f`, and a failed commit, name the file.
    pub fn execute<T, E, F>(&self, f: F) -> Pending<T, E>
    where
        T: Send + 'static,
        E: DbFailure + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, pending) = oneshot::channel();
        let file = self.file.clone();
        let job: Job = Box::new(move |conn| {
            let result = conn.map(|c| f(c).map_err(|e| locate(e, &file.path, file.what, c)));
            let failed = !matches!(result, Some(Ok(_)));
            let done: Done = Box::new(move |commit| {
                let answer = match (commit, result) {
                    (Err(e), _) => Err(E::from(e)),
                    (Ok(()), Some(answer)) => answer,
                    (Ok(()), None) => Err(E::from(file.closed())),
                };
                let _ = reply.send(answer);
            });
            (failed, done)
        });
        if let Err(crossbeam_channel::SendError(_job)) = self.tx.send(job) {
            let (reply, pending) = oneshot::channel();
            let _ = reply.send(Err(E::from(self.file.closed())));
            return pending;
        }
        pending
    }

    /// Waits for a pending answer; a writer that vanished without answering is an error saying
    /// the database is closed.
    pub async fn wait<T, E: From<DbError>>(&self, pending: Pending<T, E>) -> Result<T, E> {
        match pending.await {
            Ok(answer) => answer,
            Err(_) => Err(E::from(self.file.closed())),
        }
    }

    /// Counts committed transactions; changes after every commit, so readers know to reload.
    pub fn commits(&self) -> watch::Receiver<u64> {
        self.commits.clone()
    }
}

impl File {
    fn closed(&self) -> DbError {
        DbError::closed(&self.path, self.what)
    }
}

fn writer_loop(
    conn: Connection,
    rx: crossbeam_channel::Receiver<Job>,
    commits: watch::Sender<u64>,
    file: &File,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(64);
    let mut dones: Vec<Done> = Vec::with_capacity(64);
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let outcome = run_batch(&conn, &mut batch, &mut dones);
        if outcome.is_ok() {
            commits.send_modify(|n| *n = n.wrapping_add(1));
        }
        let shared = outcome.map_err(|e| DbError::commit(&file.path, file.what, &conn, e));
        for done in dones.drain(..) {
            done(shared.clone());
        }
    }
}

fn run_batch(
    conn: &Connection,
    batch: &mut Vec<Job>,
    dones: &mut Vec<Done>,
) -> Result<(), rusqlite::Error> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Every job still has to be answered: none of them runs, all get the error.
        for job in batch.drain(..) {
            dones.push(job(None).1);
        }
        return Err(e);
    }
    let mut jobs = batch.drain(..);
    let mut failure = None;
    for job in jobs.by_ref() {
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            dones.push(job(None).1);
            failure = Some(e);
            break;
        }
        let (failed, done) = job(Some(conn));
        dones.push(done);
        let end = if failed {
            "ROLLBACK TO job; RELEASE job"
        } else {
            "RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            failure = Some(e);
            break;
        }
    }
    if let Some(e) = failure {
        for job in jobs {
            dones.push(job(None).1);
        }
        let _ = conn.execute_batch("ROLLBACK");
        return Err(e);
    }
    drop(jobs);
    match conn.execute_batch("COMMIT") {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path) -> Connection {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t(x INTEGER PRIMARY KEY);",
        )
        .unwrap();
        c
    }

    fn start(path: &Path) -> GroupCommit {
        GroupCommit::start(open(path), path, "test database").unwrap()
    }

    fn insert(gc: &GroupCommit, x: i64) -> Pending<usize, DbError> {
        gc.execute(move |c| Ok(c.execute("INSERT INTO t(x) VALUES (?1)", [x])?))
    }

    #[tokio::test]
    async fn a_failing_job_does_not_undo_its_neighbours() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let gc = start(&path);
        let pending: Vec<_> = [1, 2, 2, 3].into_iter().map(|x| insert(&gc, x)).collect();
        let mut results = Vec::new();
        for p in pending {
            results.push(gc.wait(p).await);
        }
        assert_eq!(
            results.iter().map(Result::is_ok).collect::<Vec<_>>(),
            vec![true, true, false, true]
        );
        // The failure names the file it happened in.
        let e = results[2].as_ref().unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("test database {}: ", path.display())),
            "{e}"
        );
        assert!(e.contains("UNIQUE"), "{e}");
        let n: i64 = gc
            .wait(gc.execute(|c| -> Result<i64, DbError> {
                Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?)
            }))
            .await
            .unwrap();
        assert_eq!(n, 3);
    }

    #[tokio::test]
    async fn answers_only_after_data_is_readable_from_another_connection() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let gc = start(&path);
        let reader = open(&path);
        for x in 0..50 {
            gc.wait(insert(&gc, x)).await.unwrap();
            let seen: i64 = reader
                .query_row("SELECT COUNT(*) FROM t WHERE x = ?1", [x], |r| r.get(0))
                .unwrap();
            assert_eq!(seen, 1);
        }
    }
}
