//! Links: the byte pipes between the station and aircraft. A link is made from a connection
//! string ([`LinkSpec`]), runs as a tokio task ([`transport`]), cuts its bytes into frames
//! ([`frame`]), hands each valid frame to the station, and sends what the station asks it to.
//! Every frame in either direction can be written to a telemetry log ([`tlog`]).

pub mod frame;
pub mod gate;
pub mod spec;
pub mod tlog;
pub mod transport;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mavlink::dialects::ardupilotmega::MavMessage;

pub use frame::{DecodeStats, FrameDecoder, FrameRef};
pub use spec::{LinkSpec, LinkSpecError};

/// Identifies one link for the lifetime of a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LinkId(pub u32);

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link {}", self.0)
    }
}

/// A message the station wants sent on a link: to one aircraft (`target`) or to every peer.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The aircraft it is for; the link sends it to the peer that aircraft was heard from.
    /// `None` sends to every peer (heartbeats).
    pub target: Option<u8>,
    /// The message; the link gives it a header and sequence number.
    pub message: MavMessage,
}

/// Whether a link is carrying traffic, as shown in the connections panel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum LinkCondition {
    /// Opening the socket, connecting, or waiting to retry.
    Connecting,
    /// Open and able to carry frames.
    Up,
    /// Not working, with the reason (e.g. "connection refused"); it will retry where that makes sense.
    Down(String),
    /// Finished (a replay reached its end) or removed.
    Closed(String),
}

/// Counters of one link, updated lock-free by its task.
#[derive(Debug, Default)]
pub struct LinkCounters {
    /// Valid frames received.
    pub frames_in: AtomicU64,
    /// Frames sent.
    pub frames_out: AtomicU64,
    /// Bytes received.
    pub bytes_in: AtomicU64,
    /// Bytes sent.
    pub bytes_out: AtomicU64,
    /// Frames with a bad checksum.
    pub crc_errors: AtomicU64,
    /// Frames of messages this dialect does not know, or that failed to decode.
    pub unknown: AtomicU64,
    /// Frames the station wanted to send while the link was down.
    pub dropped_out: AtomicU64,
    /// Inbound frames refused by signature checks (unsigned, forged or replayed).
    pub signature_rejected: AtomicU64,
    /// Inbound frames dropped because their source sent far more than any aircraft would.
    pub rate_limited: AtomicU64,
}

/// What the station sees of a link: its name, condition and counters.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct LinkStatus {
    /// The link's id.
    pub id: LinkId,
    /// The connection string it was made from.
    pub name: String,
    /// Up, down (with why), connecting or closed.
    pub condition: LinkCondition,
    /// Valid frames received.
    pub frames_in: u64,
    /// Frames sent.
    pub frames_out: u64,
    /// Frames with a bad checksum.
    pub crc_errors: u64,
    /// Undecodable or unknown frames.
    pub unknown: u64,
    /// Frames refused by signature checks.
    pub signature_rejected: u64,
    /// Frames dropped because their source flooded the link.
    pub rate_limited: u64,
    /// Number of remote endpoints currently known (UDP peers, TCP clients).
    pub peers: usize,
    /// The user trusts this link enough to send signing keys over it.
    pub trusted: bool,
}

/// Called for every valid frame a link receives: (link, frame, arrival time); returns whether the
/// frame decoded into a known message.
pub type FrameHandler = Arc<dyn Fn(LinkId, FrameRef<'_>, Instant) -> bool + Send + Sync>;

/// Everything a link task shares with the station.
pub struct LinkContext {
    /// The link's id.
    pub id: LinkId,
    /// Its connection string.
    pub spec: LinkSpec,
    /// Receives every valid inbound frame.
    pub on_frame: FrameHandler,
    /// Writes every frame in both directions, when logging is on.
    pub tlog: Option<Arc<tlog::TlogWriter>>,
    /// Counters.
    pub counters: LinkCounters,
    /// Source system id and component id of frames this station sends.
    pub gcs_ids: (u8, u8),
    /// Which aircraft sign, with which keys; consulted for every frame in both directions.
    pub signing: Arc<crate::security::SigningTable>,
    /// Whether the user trusts this link enough to send signing keys over it.
    pub trusted: std::sync::atomic::AtomicBool,
    gate: Mutex<gate::SourceGate>,
    condition: Mutex<LinkCondition>,
    peers: std::sync::atomic::AtomicUsize,
}

impl LinkContext {
    /// A context for a new link.
    pub fn new(
        id: LinkId,
        spec: LinkSpec,
        on_frame: FrameHandler,
        tlog: Option<Arc<tlog::TlogWriter>>,
        gcs_ids: (u8, u8),
        signing: Arc<crate::security::SigningTable>,
    ) -> Self {
        Self {
            id,
            spec,
            on_frame,
            tlog,
            counters: LinkCounters::default(),
            gcs_ids,
            signing,
            trusted: Default::default(),
            gate: Mutex::new(gate::SourceGate::default()),
            condition: Mutex::new(LinkCondition::Connecting),
            peers: Default::default(),
        }
    }

    /// Sets the link's condition.
    pub fn set_condition(&self, c: LinkCondition) {
        *self.condition.lock().unwrap_or_else(|e| e.into_inner()) = c;
    }

    /// The link's condition.
    pub fn condition(&self) -> LinkCondition {
        self.condition
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_peers(&self, n: usize) {
        self.peers.store(n, Ordering::Relaxed);
    }

    /// A copy of the link's status for display.
    pub fn status(&self) -> LinkStatus {
        let c = &self.counters;
        LinkStatus {
            id: self.id,
            name: self.spec.to_string(),
            condition: self.condition(),
            frames_in: c.frames_in.load(Ordering::Relaxed),
            frames_out: c.frames_out.load(Ordering::Relaxed),
            crc_errors: c.crc_errors.load(Ordering::Relaxed),
            unknown: c.unknown.load(Ordering::Relaxed),
            signature_rejected: c.signature_rejected.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            peers: self.peers.load(Ordering::Relaxed),
            trusted: self.trusted.load(Ordering::Relaxed),
        }
    }

    /// Decodes received bytes with `decoder`, counts, logs and hands frames on. Returns the
    /// system ids seen, so the transport can learn which peer each aircraft is behind.
    pub(crate) fn ingest(&self, decoder: &mut FrameDecoder, data: &[u8], mut seen: impl FnMut(u8)) {
        let now = Instant::now();
        self.counters
            .bytes_in
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let before = decoder.stats();
        let mut frames = 0u64;
        let mut undecodable = 0u64;
        let mut rejected = 0u64;
        let mut limited = 0u64;
        let signing = self.signing.active();
        let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
        decoder.feed(data, |frame| {
            frames += 1;
            if !gate.admit(frame.system_id(), now) {
                limited += 1;
                return;
            }
            if let Some(t) = &self.tlog {
                let _ = t.write_frame(frame.bytes());
            }
            let target = || {
                use mavlink::Message as _;
                frame.decode().ok().and_then(|m| m.target_system_id())
            };
            if signing
                && self
                    .signing
                    .verify_frame(frame.system_id(), frame.bytes(), target)
                    .is_err()
            {
                rejected += 1;
                return;
            }
            seen(frame.system_id());
            if !(self.on_frame)(self.id, frame, now) {
                undecodable += 1;
            }
        });
        let after = decoder.stats();
        self.counters.frames_in.fetch_add(frames, Ordering::Relaxed);
        if rejected > 0 {
            self.counters
                .signature_rejected
                .fetch_add(rejected, Ordering::Relaxed);
        }
        if limited > 0 {
            self.counters
                .rate_limited
                .fetch_add(limited, Ordering::Relaxed);
        }
        self.counters
            .crc_errors
            .fetch_add(after.crc_errors - before.crc_errors, Ordering::Relaxed);
        self.counters.unknown.fetch_add(
            after.unknown_messages - before.unknown_messages + undecodable,
            Ordering::Relaxed,
        );
    }
}
