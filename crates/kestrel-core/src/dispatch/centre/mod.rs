//! The command centre's side of dispatch (`kestrel dispatch serve`): it receives what every
//! console sends, keeps it in its own database and hands it on to its outputs. Knows nothing of
//! the console beyond the shared topics and envelope.
//!
//! - [`receiver`]: subscribes, stores, acknowledges and follows the live fleet.
//! - [`store`]: the command centre's database.
//! - [`task_book`]: the tasks in it.
//! - [`output`]: where received sightings and fleet updates go next (TAK, the web page).
//! - [`web`]: the command centre's page in the browser (`--http`).

pub mod output;
pub mod receiver;
pub mod store;
pub mod task_book;
pub mod web;

pub use output::DispatchOutput;
pub use receiver::{AckPublisher, ReceiverConfig, ReceiverHandle, ReceiverStatus};
pub use store::DispatchStore;
