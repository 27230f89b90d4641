//! Dispatch: getting sightings from the consoles to the command centre, exactly once, over a
//! standard MQTT broker (Mosquitto, EMQX, VerneMQ), and on to TAK as Cursor-on-Target.
//!
//! - [`broker`]: broker URLs, TLS trust and credentials.
//! - [`topics`] and [`envelope`]: the topic layout and the versioned JSON messages (see README.md,
//!   "Dispatch").
//! - [`sync`]: the console's worker that drains the sightings queue and publishes the fleet.
//! - [`receiver`] and [`store`]: the command centre's side, with its own database.
//! - [`fleet`]: fleet snapshots flattened for the command-centre map.
//! - [`cot`]: Cursor-on-Target XML over UDP multicast or TCP.
//! - [`backoff`]: reconnect delays.
//! - [`tls`]: TLS trust and client certificates shared by the broker and the CoT stream.

pub mod backoff;
pub mod broker;
pub mod cot;
pub mod envelope;
pub mod fleet;
pub mod receiver;
pub mod store;
pub mod sync;
pub mod tls;
pub mod topics;

pub use broker::{BrokerConfig, BrokerUrl, Credentials};
pub use receiver::{ReceiverConfig, ReceiverHandle, ReceiverStatus};
pub use store::DispatchStore;
pub use sync::{SyncConfig, SyncHandle, SyncStatus};
