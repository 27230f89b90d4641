//! The station: the running headless core. It owns the links, keeps the fleet state current from
//! every frame they receive, sends the ground station's heartbeat on every link, routes messages to
//! the right aircraft over its healthiest link, and lets protocol services (commands, missions)
//! watch the inbound traffic. The console and the command line are both thin layers over it.

// REQUEST_DATA_STREAM is superseded, but it is what makes ArduPilot start streaming.
#![allow(deprecated)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use mavlink::dialects::ardupilotmega::{
    MavAutopilot, MavMessage, MavModeFlag, MavState, MavType, HEARTBEAT_DATA,
    REQUEST_DATA_STREAM_DATA,
};
use mavlink::MavHeader;
use tokio::sync::{broadcast, mpsc};
use tokio::task::AbortHandle;

use crate::audit::AuditLog;
use crate::fleet::{Applied, Fleet, FleetSnapshot};
use crate::link::tlog::TlogWriter;
use crate::link::transport::{self, LinkOpenError};
use crate::link::{
    FrameHandler, FrameRef, Hop, LinkContext, LinkId, LinkOut, LinkRole, LinkSpec, LinkStatus,
    Outgoing, Taken,
};
use crate::router::{FrameInfo, RouteLink, Router, RouterCounts, Verdict};
use crate::security::{KeyStore, SigningTable};

/// How the station presents itself and what it records.
#[derive(Debug, Clone)]
pub struct StationConfig {
    /// The ground station's MAVLink system id (255 by convention).
    pub gcs_sysid: u8,
    /// The ground station's component id (190, MAV_COMP_ID_MISSIONPLANNER).
    pub gcs_compid: u8,
    /// Write every frame to this `.tlog`, when set.
    pub tlog: Option<PathBuf>,
    /// Start a new part of the telemetry log once one holds this many bytes (`None`: one file).
    pub tlog_part_bytes: Option<u64>,
    /// How often the station's HEARTBEAT goes out on every link.
    pub heartbeat_interval: Duration,
    /// Ask newly discovered aircraft for telemetry streams (REQUEST_DATA_STREAM), as real
    /// autopilots may stream nothing until a ground station asks.
    pub request_streams_hz: Option<u16>,
    /// Record every command, upload and mode change in this audit database, when set.
    pub audit: Option<PathBuf>,
    /// Who is operating this station, as written in the audit trail.
    pub operator: String,
    /// Keep per-aircraft signing keys and the signing clock in this owner-only folder; aircraft
    /// with a stored key sign from the start. Without it, keys live only in memory.
    pub keys_dir: Option<PathBuf>,
}

impl Default for StationConfig {
    fn default() -> Self {
        Self {
            gcs_sysid: 255,
            gcs_compid: 190,
            tlog: None,
            tlog_part_bytes: None,
            heartbeat_interval: Duration::from_secs(1),
            request_streams_hz: Some(4),
            audit: None,
            operator: "operator".into(),
            keys_dir: None,
        }
    }
}

/// A decoded frame from an aircraft, as protocol services see it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The link it arrived on.
    pub link: LinkId,
    /// Sender and sequence.
    pub header: MavHeader,
    /// The message.
    pub message: MavMessage,
    /// When it arrived.
    pub at: Instant,
}

impl Inbound {
    /// Sender system id.
    pub fn sysid(&self) -> u8 {
        self.header.system_id as u8
    }
}

/// Why a message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Nothing with this system id has been heard, so there is no link to it.
    #[error("no aircraft with system id {0} has been heard on any link")]
    UnknownAircraft(u8),
    /// The station has no link at all.
    #[error("no link is open")]
    NoLinks,
    /// This station may not send it: its crew seat holds no flight controls (with why).
    #[error("refused: {0}")]
    Refused(String),
}

/// Why a link could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddLinkError {
    /// The transport could not be opened.
    #[error(transparent)]
    Open(#[from] LinkOpenError),
}

struct LinkEntry {
    ctx: Arc<LinkContext>,
    out: mpsc::UnboundedSender<LinkOut>,
    task: AbortHandle,
}

impl LinkEntry {
    fn send(&self, out: Outgoing) {
        let _ = self.out.send(LinkOut::Send(out));
    }

    fn route_link(&self) -> RouteLink {
        RouteLink {
            id: self.ctx.id,
            role: self.ctx.role,
            multi_peer: matches!(self.ctx.spec, LinkSpec::UdpIn(_) | LinkSpec::TcpIn(_)),
        }
    }
}

struct Shared {
    config: StationConfig,
    fleet: Mutex<Fleet>,
    inbound: broadcast::Sender<Arc<Inbound>>,
    links: Mutex<Vec<LinkEntry>>,
    tlog: Option<Arc<TlogWriter>>,
    audit: Option<Arc<AuditLog>>,
    signing: Arc<SigningTable>,
    next_link: AtomicU32,
    heartbeat_task: Mutex<Option<AbortHandle>>,
    /// Routing between links; on once a forwarding link is added.
    router: Mutex<Router>,
    routing: std::sync::atomic::AtomicBool,
    /// Decides whether this station may send a flight command (its crew seat), if set.
    flight_gate: Mutex<Option<FlightGate>>,
    /// Decides whether an arm command may go out (the pre-flight checklist), if set.
    arming_gate: Mutex<Option<FlightGate>>,
}

/// Asked before every flight command (arm, take off, mode change, go to, mission start …): `Ok`
/// lets it go, `Err(reason)` refuses it — e.g. "the payload seat holds no flight controls". Set
/// by the crew seat of a console ([`Station::set_flight_gate`]).
pub type FlightGate = Arc<dyn Fn(u8) -> Result<(), String> + Send + Sync>;

/// Asks the gate in `slot` about `sysid` (outside its lock); no gate lets everything go.
fn ask_gate(slot: &Mutex<Option<FlightGate>>, sysid: u8) -> Result<(), String> {
    let gate = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
    gate.map_or(Ok(()), |g| g(sysid))
}

impl Drop for Shared {
    fn drop(&mut self) {
        for l in self
            .links
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            l.task.abort();
        }
        if let Some(h) = self
            .heartbeat_task
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            h.abort();
        }
    }
}

/// A running ground station. Cheap to clone; every clone is the same station. Must be created
/// inside a tokio runtime; dropping the last clone closes every link.
#[derive(Clone)]
pub struct Station {
    shared: Arc<Shared>,
}

impl Station {
    /// Starts a station with no links yet.
    pub fn start(config: StationConfig) -> std::io::Result<Station> {
        let tlog = match &config.tlog {
            Some(p) => Some(Arc::new(
                match config.tlog_part_bytes {
                    Some(max) => TlogWriter::rotating(p, max),
                    None => TlogWriter::create(p),
                }
                .map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("cannot create tlog {}: {e}", p.display()),
                    )
                })?,
            )),
            None => None,
        };
        let audit = match &config.audit {
            Some(p) => Some(Arc::new(AuditLog::open(p).map_err(std::io::Error::other)?)),
            None => None,
        };
        let store = match &config.keys_dir {
            Some(dir) => Some(KeyStore::open(dir)?),
            None => None,
        };
        let signing = Arc::new(SigningTable::new(store));
        let (inbound, _) = broadcast::channel(8192);
        let config_sysid = config.gcs_sysid;
        let shared = Arc::new(Shared {
            config,
            fleet: Mutex::new(Fleet::new()),
            inbound,
            links: Mutex::new(Vec::new()),
            tlog,
            audit,
            signing,
            next_link: AtomicU32::new(0),
            heartbeat_task: Mutex::new(None),
            router: Mutex::new(Router::new(config_sysid, Instant::now())),
            routing: Default::default(),
            flight_gate: Mutex::new(None),
            arming_gate: Mutex::new(None),
        });
        let hb = tokio::spawn(heartbeat_loop(Arc::downgrade(&shared)));
        *shared
            .heartbeat_task
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(hb.abort_handle());
        Ok(Station { shared })
    }

    /// The configuration the station was started with.
    pub fn config(&self) -> &StationConfig {
        &self.shared.config
    }

    /// Opens a link. Fails at once if a local port cannot be bound; a remote that does not answer
    /// shows up in the link's condition instead (and is retried).
    pub async fn add_link(&self, spec: LinkSpec) -> Result<LinkId, AddLinkError> {
        self.add_link_as(spec, LinkRole::Aircraft).await
    }

    /// Opens a forwarding endpoint (MAVProxy's `--out`): other ground stations behind it see
    /// every aircraft this station hears and reach them through it, by the MAVLink routing
    /// rules ([`crate::router`]). Routing between all links starts with the first one.
    pub async fn add_forward(&self, spec: LinkSpec) -> Result<LinkId, AddLinkError> {
        let id = self.add_link_as(spec, LinkRole::Forward).await?;
        self.shared.routing.store(true, Ordering::Relaxed);
        Ok(id)
    }

    /// Opens a link of either role.
    pub async fn add_link_as(
        &self,
        spec: LinkSpec,
        role: LinkRole,
    ) -> Result<LinkId, AddLinkError> {
        let id = LinkId(self.shared.next_link.fetch_add(1, Ordering::Relaxed));
        let weak = Arc::downgrade(&self.shared);
        let handler: FrameHandler = Arc::new(move |hop, frame, at| match weak.upgrade() {
            Some(shared) => on_frame(&shared, hop, frame, at),
            None => Taken::Known,
        });
        let mut ctx = LinkContext::new(
            id,
            spec,
            handler,
            self.shared.tlog.clone(),
            (self.shared.config.gcs_sysid, self.shared.config.gcs_compid),
            self.shared.signing.clone(),
        );
        ctx.role = role;
        let ctx = Arc::new(ctx);
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let fut = transport::open(ctx.clone(), out_rx).await?;
        let task = tokio::spawn(fut).abort_handle();
        self.lock_links().push(LinkEntry {
            ctx,
            out: out_tx.clone(),
            task,
        });
        // Say hello at once so that aircraft behind this link learn our address.
        let _ = out_tx.send(LinkOut::Send(Outgoing {
            target: None,
            message: gcs_heartbeat(),
        }));
        Ok(id)
    }

    /// Closes a link and forgets which aircraft were heard on it.
    pub fn remove_link(&self, id: LinkId) -> bool {
        let removed = {
            let mut links = self.lock_links();
            let before = links.len();
            links.retain(|l| {
                if l.ctx.id == id {
                    l.task.abort();
                    false
                } else {
                    true
                }
            });
            before != links.len()
        };
        if removed {
            self.lock_fleet().forget_link(id);
            self.lock_router().forget_link(id);
        }
        removed
    }

    /// The status of every link.
    pub fn links(&self) -> Vec<LinkStatus> {
        self.lock_links().iter().map(|l| l.ctx.status()).collect()
    }

    /// A consistent copy of the fleet state; cheap (pointer copies).
    pub fn snapshot(&self) -> FleetSnapshot {
        self.lock_fleet().snapshot(Instant::now())
    }

    /// Watches every decoded inbound frame from now on. Slow receivers lose the oldest frames.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Inbound>> {
        self.shared.inbound.subscribe()
    }

    /// Sends a message to one aircraft over its healthiest link.
    pub fn send_to(&self, sysid: u8, message: MavMessage) -> Result<LinkId, SendError> {
        let link = self
            .lock_fleet()
            .best_link(sysid, Instant::now())
            .ok_or(SendError::UnknownAircraft(sysid))?;
        let links = self.lock_links();
        let entry = links
            .iter()
            .find(|l| l.ctx.id == link)
            .ok_or(SendError::UnknownAircraft(sysid))?;
        entry.send(Outgoing {
            target: Some(sysid),
            message,
        });
        Ok(link)
    }

    /// Sends a message to any system — an aircraft over its healthiest link, another ground
    /// station (a crew seat) over the link it was heard on, or, when it has not been heard, on
    /// every link (each sends it to the peer the system is behind, or to all).
    pub fn send_to_system(&self, sysid: u8, message: MavMessage) -> Result<(), SendError> {
        if self.send_to(sysid, message.clone()).is_ok() {
            return Ok(());
        }
        let route = self.lock_router().route_to(sysid);
        let links = self.lock_links();
        if links.is_empty() {
            return Err(SendError::NoLinks);
        }
        for l in links.iter().filter(|l| route.is_none_or(|r| r == l.ctx.id)) {
            l.send(Outgoing {
                target: Some(sysid),
                message: message.clone(),
            });
        }
        Ok(())
    }

    /// What the router has done (copies and echoes dropped, frames routed), and the other
    /// ground stations heard over forwarding links.
    pub fn routing(&self) -> (RouterCounts, Vec<u8>) {
        let r = self.lock_router();
        (r.counts(), r.ground_stations())
    }

    /// Whether this station forwards between its links.
    pub fn is_routing(&self) -> bool {
        self.shared.routing.load(Ordering::Relaxed)
    }

    /// Sets what decides whether a flight command may go out (the console's crew seat).
    pub fn set_flight_gate(&self, gate: Option<FlightGate>) {
        *self
            .shared
            .flight_gate
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = gate;
    }

    /// Whether a flight command to `sysid` may go out now, and if not why.
    pub fn check_flight(&self, sysid: u8) -> Result<(), String> {
        ask_gate(&self.shared.flight_gate, sysid)
    }

    /// Sets what decides whether an arm command may go out (the pre-flight checklist).
    pub fn set_arming_gate(&self, gate: Option<FlightGate>) {
        *self
            .shared
            .arming_gate
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = gate;
    }

    /// Whether an arm command to `sysid` may go out now (the flight gate first, then the
    /// arming gate), and if not why.
    pub fn check_arming(&self, sysid: u8) -> Result<(), String> {
        self.check_flight(sysid)?;
        ask_gate(&self.shared.arming_gate, sysid)
    }

    /// Sends a message to one aircraft over a chosen link (e.g. a trusted one).
    pub fn send_via(&self, link: LinkId, sysid: u8, message: MavMessage) -> Result<(), SendError> {
        let links = self.lock_links();
        let entry = links
            .iter()
            .find(|l| l.ctx.id == link)
            .ok_or(SendError::NoLinks)?;
        entry.send(Outgoing {
            target: Some(sysid),
            message,
        });
        Ok(())
    }

    /// Marks a link as trusted (e.g. a USB cable on the bench): only over such a link are signing
    /// keys sent to aircraft. Returns false if there is no such link.
    pub fn set_trusted(&self, link: LinkId, trusted: bool) -> bool {
        match self.lock_links().iter().find(|l| l.ctx.id == link) {
            Some(l) => {
                l.ctx
                    .trusted
                    .store(trusted, std::sync::atomic::Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    pub(crate) fn trusted_links(&self) -> Vec<LinkId> {
        self.lock_links()
            .iter()
            .filter(|l| l.ctx.trusted.load(std::sync::atomic::Ordering::Relaxed))
            .map(|l| l.ctx.id)
            .collect()
    }

    /// The station's signing state (keys, verifiers, clock).
    pub fn signing(&self) -> &Arc<SigningTable> {
        &self.shared.signing
    }

    /// Sends a message on every link, to every peer.
    pub fn broadcast(&self, message: MavMessage) -> Result<(), SendError> {
        let links = self.lock_links();
        if links.is_empty() {
            return Err(SendError::NoLinks);
        }
        for l in links.iter() {
            l.send(Outgoing {
                target: None,
                message: message.clone(),
            });
        }
        Ok(())
    }

    /// Waits until at least `count` aircraft have been heard with a position, or `timeout` passes.
    /// Returns the snapshot at that moment either way.
    pub async fn wait_for_aircraft(&self, count: usize, timeout: Duration) -> FleetSnapshot {
        let deadline = Instant::now() + timeout;
        loop {
            let snap = self.snapshot();
            let ready = snap
                .aircraft
                .iter()
                .filter(|a| a.position.is_some())
                .count();
            if ready >= count || Instant::now() >= deadline {
                return snap;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Appends to the audit trail (if one is configured) off the async threads; the entry is
    /// written even if the caller moves on at once.
    pub fn audit(&self, aircraft: Option<u8>, action: &str, detail: String, result: String) {
        let Some(log) = self.shared.audit.clone() else {
            return;
        };
        let operator = self.shared.config.operator.clone();
        let action = action.to_string();
        let write = move || {
            if let Err(e) = log.append(&operator, aircraft, &action, &detail, &result) {
                eprintln!("kestrel: audit trail not written: {e}");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn_blocking(write);
            }
            Err(_) => write(),
        }
    }

    /// Writes an audit entry and says whether it is on disk, for actions that must not stand
    /// without one (sightings); `Ok` when no audit trail is configured.
    pub async fn audit_now(
        &self,
        aircraft: Option<u8>,
        action: &str,
        detail: String,
        result: String,
    ) -> Result<(), String> {
        let Some(log) = self.shared.audit.clone() else {
            return Ok(());
        };
        let operator = self.shared.config.operator.clone();
        let action = action.to_string();
        tokio::task::spawn_blocking(move || {
            log.append(&operator, aircraft, &action, &detail, &result)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    }

    /// Who operates this station (recorded in the audit trail and with the crew's answers).
    pub fn operator(&self) -> String {
        self.shared.config.operator.clone()
    }

    /// The audit trail, if one is configured.
    pub fn audit_log(&self) -> Option<Arc<AuditLog>> {
        self.shared.audit.clone()
    }

    /// The telemetry log being written, if any.
    pub fn tlog_path(&self) -> Option<PathBuf> {
        self.shared.tlog.as_ref().map(|t| t.path())
    }

    /// Flushes the telemetry log to disk.
    pub fn flush_tlog(&self) {
        if let Some(t) = &self.shared.tlog {
            let _ = t.flush();
        }
    }

    fn lock_fleet(&self) -> std::sync::MutexGuard<'_, Fleet> {
        self.shared.fleet.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_links(&self) -> std::sync::MutexGuard<'_, Vec<LinkEntry>> {
        self.shared.links.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_router(&self) -> std::sync::MutexGuard<'_, Router> {
        self.shared.router.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Asks the router what to do with a frame: `None` drops it; otherwise the links to forward it
/// on (empty when it stays here).
fn route(
    shared: &Shared,
    hop: Hop,
    frame: FrameRef<'_>,
    message: &MavMessage,
    at: Instant,
) -> Option<Vec<(LinkId, Option<crate::link::PeerTag>)>> {
    use mavlink::Message as _;
    let target = message
        .target_system_id()
        .map(|s| (s, message.target_component_id().unwrap_or(0)));
    let links = shared.links.lock().unwrap_or_else(|e| e.into_inner());
    let route_links: Vec<RouteLink> = links.iter().map(LinkEntry::route_link).collect();
    let verdict = shared
        .router
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .route(
            hop,
            FrameInfo {
                source: frame.system_id(),
                target,
                bytes: frame.bytes(),
            },
            &route_links,
            at,
        );
    match verdict {
        Verdict::Drop(_) => {
            if let Some(l) = links.iter().find(|l| l.ctx.id == hop.link) {
                l.ctx.counters.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            None
        }
        Verdict::LocalOnly => Some(Vec::new()),
        Verdict::Deliver { forward } => Some(forward),
    }
}

/// Carries a frame on, untouched, to the links the router chose.
fn forward(
    shared: &Shared,
    frame: FrameRef<'_>,
    message: &MavMessage,
    to: Vec<(LinkId, Option<crate::link::PeerTag>)>,
) {
    use mavlink::Message as _;
    let bytes: Arc<[u8]> = frame.bytes().into();
    let target = message.target_system_id().filter(|s| *s != 0);
    let links = shared.links.lock().unwrap_or_else(|e| e.into_inner());
    for (id, skip_peer) in to {
        if let Some(l) = links.iter().find(|l| l.ctx.id == id) {
            let _ = l.out.send(LinkOut::Forward(crate::link::Forwarded {
                target,
                bytes: bytes.clone(),
                skip_peer,
            }));
        }
    }
}

/// The inbound path of every frame: decode, route (when forwarding), update the fleet, notify
/// watchers, forward.
fn on_frame(shared: &Arc<Shared>, hop: Hop, frame: FrameRef<'_>, at: Instant) -> Taken {
    let Ok(message) = frame.decode() else {
        return Taken::Undecodable;
    };
    let link = hop.link;
    let mut onward = Vec::new();
    if shared.routing.load(Ordering::Relaxed) {
        match route(shared, hop, frame, &message, at) {
            None => return Taken::Dropped,
            Some(to) => onward = to,
        }
    }
    let applied = shared
        .fleet
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .apply(
            link,
            frame.system_id(),
            frame.component_id(),
            frame.sequence(),
            &message,
            at,
        );
    if let (Applied::Discovered(sysid), Some(hz)) = (applied, shared.config.request_streams_hz) {
        request_streams(shared, link, sysid, hz);
    }
    if !onward.is_empty() {
        forward(shared, frame, &message, onward);
    }
    if shared.inbound.receiver_count() > 0 {
        let _ = shared.inbound.send(Arc::new(Inbound {
            link,
            header: frame.header(),
            message,
            at,
        }));
    }
    Taken::Known
}

fn request_streams(shared: &Shared, link: LinkId, sysid: u8, hz: u16) {
    let links = shared.links.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(l) = links.iter().find(|l| l.ctx.id == link) {
        // Ask once, of every component, which video stream the aircraft has (its camera or the
        // autopilot answers with VIDEO_STREAM_INFORMATION; the fleet keeps it).
        l.send(Outgoing {
            target: Some(sysid),
            message: video_stream_request(sysid),
        });
        l.send(Outgoing {
            target: Some(sysid),
            message: MavMessage::REQUEST_DATA_STREAM(REQUEST_DATA_STREAM_DATA {
                req_message_rate: hz,
                target_system: sysid,
                target_component: 1,
                req_stream_id: mavlink::dialects::ardupilotmega::MavDataStream::MAV_DATA_STREAM_ALL,
                start_stop: 1,
            }),
        });
    }
}

/// MAV_CMD_REQUEST_MESSAGE(VIDEO_STREAM_INFORMATION, all streams) to every component of
/// `sysid`.
pub fn video_stream_request(sysid: u8) -> MavMessage {
    MavMessage::COMMAND_LONG(mavlink::dialects::ardupilotmega::COMMAND_LONG_DATA {
        param1: VIDEO_STREAM_INFORMATION_ID as f32,
        command: mavlink::dialects::ardupilotmega::MavCmd::MAV_CMD_REQUEST_MESSAGE,
        target_system: sysid,
        target_component: 0,
        ..Default::default()
    })
}

/// MAVLink message id of VIDEO_STREAM_INFORMATION.
const VIDEO_STREAM_INFORMATION_ID: u32 = 269;

/// The station's own HEARTBEAT: a ground station, no autopilot.
pub fn gcs_heartbeat() -> MavMessage {
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        custom_mode: 0,
        mavtype: MavType::MAV_TYPE_GCS,
        autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
        base_mode: MavModeFlag::empty(),
        system_status: MavState::MAV_STATE_ACTIVE,
        mavlink_version: 3,
    })
}

async fn heartbeat_loop(shared: Weak<Shared>) {
    let interval = match shared.upgrade() {
        Some(s) => s.config.heartbeat_interval,
        None => return,
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        for l in shared
            .links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            l.send(Outgoing {
                target: None,
                message: gcs_heartbeat(),
            });
        }
        shared
            .fleet
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tick(Instant::now());
        if let Some(t) = &shared.tlog {
            let _ = t.flush();
        }
    }
}
