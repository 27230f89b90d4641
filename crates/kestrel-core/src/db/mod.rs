//! The database room: how every Kestrel SQLite store opens its file (one [`open`] with the
//! pragmas and schema its [`FileSpec`] names), how the sightings and dispatch stores write
//! (one writer thread that group-commits and answers only after the commit, one reader:
//! [`WriterReader`]), how the synchronous stores run their SQL ([`Db`]), the lock file that keeps
//! a second sync worker out ([`FileLock`]), and the one error for it all ([`DbError`]), in which a
//! full disk is one clear message naming the file.
//!
//! - [`error`]: [`DbError`], and [`DbFailure`], the bridge from a store's own error enum.
//! - [`connection`]: [`FileSpec`], [`open`] and [`Db`].
//! - [`group_commit`]: the writer thread.
//! - [`writer_reader`]: the writer thread with a reader connection, [`WriterReader`].
//! - [`lock`]: the lock file, [`FileLock`].

pub mod connection;
pub mod error;
pub mod group_commit;
pub mod lock;
pub mod writer_reader;

pub use connection::{open, open_to_read, Db, FileSpec};
pub use error::{DbError, DbFailure};
pub use group_commit::{GroupCommit, Pending};
pub use lock::FileLock;
pub use writer_reader::WriterReader;
