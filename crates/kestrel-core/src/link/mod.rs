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

/// What a link is for: the aircraft side (radios, the simulator, a router in front of the
/// aircraft) or the crew side (another console or station that this one forwards to, as
/// MAVProxy's `--out`). Forwarding follows the MAVLink routing rules between all links, except
/// that an aircraft's broadcasts are not sent to the other aircraft links.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkRole {
    /// A link to aircraft.
    #[default]
    Aircraft,
    /// A forwarding endpoint: other ground stations (crew seats, MAVProxy, pymavlink scripts).
    Forward,
}

/// Identifies one remote endpoint of a link (a UDP address, a TCP client), so that a frame
/// forwarded on the link it came from skips the endpoint that sent it.
pub type PeerTag = u64;

/// A frame another station sent, carried on untouched (signature included) by the router.
#[derive(Debug, Clone)]
pub struct Forwarded {
    /// The system it is addressed to; the link sends it to the peer that system was heard
    /// from. `None` is a broadcast: every peer but `skip_peer`.
    pub target: Option<u8>,
    /// The exact bytes received.
    pub bytes: Arc<[u8]>,
    /// The peer of this link it came from, if it came from this link.
    pub skip_peer: Option<PeerTag>,
}

/// What the station hands a link to send: a message of its own (framed by the link) or a frame
/// it forwards.
// Own messages went through the channel by value before forwarding existed; boxing them would
// cost an allocation per frame.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum LinkOut {
    /// A message of this station.
    Send(Outgoing),
    /// A frame of another station, forwarded.
    Forward(Forwarded),
}

impl LinkOut {
    /// The system the frame is for, if addressed.
    pub fn target(&self) -> Option<u8> {
        match self {
            LinkOut::Send(o) => o.target,
            LinkOut::Forward(f) => f.target,
        }
    }

    /// The peer not to send it to.
    pub fn skip_peer(&self) -> Option<PeerTag> {
        match self {
            LinkOut::Send(_) => None,
            LinkOut::Forward(f) => f.skip_peer,
        }
    }
}

impl From<Outgoing> for LinkOut {
    fn from(o: Outgoing) -> Self {
        LinkOut::Send(o)
    }
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
    /// Frames of other stations forwarded out on this link.
    pub forwarded: AtomicU64,
    /// Inbound frames dropped as copies of a frame already received (a loop, a duplicating
    /// path) or as this station's own frames coming back.
    pub duplicates: AtomicU64,
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
    /// Aircraft side or forwarding endpoint.
    pub role: LinkRole,
    /// Frames of other stations forwarded out on this link.
    pub forwarded: u64,
    /// Inbound copies and echoes dropped.
    pub duplicates: u64,
    /// Seconds since the last valid frame arrived, if any did.
    pub last_heard_s: Option<f32>,
}

/// Where a frame came from: its link and the peer on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    /// The link.
    pub link: LinkId,
    /// The peer on that link.
    pub peer: PeerTag,
}

/// What the station made of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// A message of the dialect, taken.
    Known,
    /// Not decodable as a message of the dialect.
    Undecodable,
    /// A copy or an echo the router dropped: it must not teach the link where its sender is.
    Dropped,
}

/// Called for every valid frame a link receives: (where from, frame, arrival time); says what
/// became of it.
pub type FrameHandler = Arc<dyn Fn(Hop, FrameRef<'_>, Instant) -> Taken + Send + Sync>;

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
    /// Aircraft side or forwarding endpoint.
    pub role: LinkRole,
    last_in: Mutex<Option<Instant>>,
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
            role: LinkRole::Aircraft,
            last_in: Mutex::new(None),
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
            role: self.role,
            forwarded: c.forwarded.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            last_heard_s: self
                .last_in
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .map(|t| t.elapsed().as_secs_f32()),
        }
    }

    /// Decodes received bytes with `decoder`, counts, logs and hands frames on. Returns the
    /// system ids seen, so the transport can learn which peer each aircraft is behind.
    pub(crate) fn ingest(
        &self,
        decoder: &mut FrameDecoder,
        data: &[u8],
        peer: PeerTag,
        mut seen: impl FnMut(u8),
    ) {
        let now = Instant::now();
        let hop = Hop {
            link: self.id,
            peer,
        };
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
            self.signing.observe(frame.system_id(), frame.bytes());
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
            match (self.on_frame)(hop, frame, now) {
                Taken::Known => seen(frame.system_id()),
                Taken::Undecodable => {
                    undecodable += 1;
                    seen(frame.system_id());
                }
                Taken::Dropped => {}
            }
        });
        let after = decoder.stats();
        if frames > 0 {
            *self.last_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        }
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
