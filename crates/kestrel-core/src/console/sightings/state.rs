//! Sightings and dispatch as the window shows them: the list with delivery states, and the
//! connection to dispatch with the backlog.

use std::sync::Arc;

use crate::sightings::{QueueCounts, SightingRecord, Timestamp};

/// The sightings part of the console's view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SightingsView {
    /// The newest sightings in the queue (at most `sightings::feed::LIVE_LIMIT`), oldest first,
    /// with their delivery states.
    pub list: Arc<Vec<SightingRecord>>,
    /// Sightings in the whole queue (more than `list` holds after a long shift).
    pub total: u64,
    /// The connection to dispatch and the backlog.
    pub dispatch: DispatchState,
}

/// The state of the connection to dispatch.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum DispatchConnection {
    /// No broker configured: sightings are kept and queued locally.
    #[default]
    Off,
    /// Connecting for the first time.
    Connecting,
    /// Connected to the broker.
    Connected,
    /// Not connected; retrying.
    Offline {
        /// Why the last attempt failed or the connection ended.
        reason: String,
    },
    /// The configuration cannot work (bad URL, unreadable credentials or CA, another worker
    /// owns the queue); nothing is retried until it is changed.
    Failed(String),
    /// The sightings queue cannot be opened, so nothing can be marked.
    NoQueue(String),
}

/// Dispatch as the window shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DispatchState {
    /// The connection.
    pub connection: DispatchConnection,
    /// Sightings per delivery state.
    pub counts: QueueCounts,
    /// This console's id on the broker.
    pub console_id: String,
    /// The broker, when configured.
    pub broker: Option<String>,
    /// Where CoT goes, when exported.
    pub cot: Option<String>,
    /// When the next connection attempt is due, while offline.
    pub retry_at: Option<Timestamp>,
    /// Why CoT export does not reach TAK right now (a refused certificate, a dropped stream);
    /// `None` while it works or is off.
    pub cot_down: Option<String>,
}

impl DispatchState {
    /// Sightings dispatch has not acknowledged yet.
    pub fn backlog(&self) -> u64 {
        self.counts.unacknowledged()
    }
}
