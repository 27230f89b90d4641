//! The console's side of dispatch: its outbox of sightings, drained to the broker, and the fleet
//! report published beside it. Knows nothing of the receiving side beyond the shared topics and
//! envelope.
//!
//! - [`sync`]: the worker that drains the sightings queue and publishes the fleet.
//! - [`fleet`]: the console's fleet snapshot flattened into the `fleet` message.

pub mod fleet;
pub mod sync;

pub use fleet::FleetSource;
pub use sync::{SyncConfig, SyncHandle, SyncStatus};
