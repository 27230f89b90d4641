//! Dispatch: getting sightings from the consoles to the command centre, exactly once, over a
//! standard MQTT broker (Mosquitto, EMQX, VerneMQ), and on to TAK as Cursor-on-Target.
//!
//! Two programs meet here, one on each side of the broker, and each has a room of its own:
//! - [`outbox`]: the console's side — the worker that drains the sightings queue and publishes
//!   the fleet.
//! - [`centre`]: the command centre's side (`kestrel dispatch serve`) — the receiver, its own
//!   database and the outputs it feeds.
//!
//! They never import each other; what they share sits here:
//! - [`topics`] and [`envelope`]: the topic layout and the versioned JSON messages (see README.md,
//!   "Dispatch").
//! - [`broker`]: broker URLs, TLS trust and credentials.
//! - [`tasks`]: tasks the command centre sends teams, and their states.
//! - [`live_video`]: dispatch asking a console for an aircraft's live video.
//! - [`backoff`]: reconnect delays.
//! - [`tls`]: TLS trust and client certificates shared by the broker and the CoT stream.
//! - [`cot`]: Cursor-on-Target XML over UDP multicast or TCP. Both sides speak it (the console
//!   exports its own fleet and sightings to TAK, the centre forwards what every console sends),
//!   and it needs only the shared envelope and TLS, so it sits with them rather than on one side.

pub mod backoff;
pub mod broker;
pub mod centre;
pub mod cot;
pub mod envelope;
pub mod live_video;
pub mod outbox;
pub mod tasks;
pub mod tls;
pub mod topics;

pub use broker::{BrokerConfig, BrokerUrl, Credentials};
pub use centre::{DispatchStore, ReceiverConfig, ReceiverHandle, ReceiverStatus};
pub use outbox::{SyncConfig, SyncHandle, SyncStatus};
