//! The simulator's I/O: one UDP socket or TCP listener per aircraft, a receive task per socket or
//! client that hands decoded frames straight to the aircraft (so replies leave at once), and one
//! tick task that steps every aircraft at 50 Hz and flushes what they queued. Loss, latency and
//! link-down windows are applied here, per frame and per direction; with latency, each aircraft
//! gets a delay task that releases frames in order at their due time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::Notify;

use mavlink::dialects::ardupilotmega::MavMessage;

use crate::codec::{self, Decoded, Encoder, Event, StreamDecoder, MAX_FRAME};
use crate::config::SimConfig;
use crate::faults::LinkFaults;
use crate::outbox::{Dest, Outbox, Outgoing, Peer};
use crate::signing::{AircraftSigning, ACCEPT_UNSIGNED};
use crate::vehicle::{Vehicle, COMPONENT_ID};
use kestrel_signing::VerifyCounts;

/// Wall-clock period of the simulation tick.
pub const TICK: Duration = Duration::from_millis(20);
/// How often (in ticks: 10 s) signing timestamps are written to the signing store.
const SIGNING_SAVE_TICKS: u64 = 500;
/// Most UDP peers an aircraft remembers (besides the configured GCS).
const MAX_UDP_PEERS: usize = 8;
/// A TCP client whose unsent backlog exceeds this is skipped (frames counted as dropped).
const TCP_BACKLOG_LIMIT: usize = 1 << 20;

/// Link counters for the whole simulator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Frames handed to a socket (one per destination).
    pub frames_sent: u64,
    /// Valid frames received.
    pub frames_received: u64,
    /// Outgoing frames dropped by loss injection, a link-down window or a full TCP backlog.
    pub dropped_out: u64,
    /// Incoming valid frames dropped by loss injection or a link-down window.
    pub dropped_in: u64,
    /// Incoming frame candidates rejected for a bad checksum or truncation.
    pub rejected: u64,
    /// Incoming CRC-valid frames that are not decodable (unknown id, bad enum value).
    pub undecodable: u64,
    /// Bytes handed to sockets.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Socket send errors.
    pub send_errors: u64,
}

/// The live counters behind [`SimStats`], updated lock-free from every task.
#[derive(Default)]
pub(crate) struct Counters {
    sent: AtomicU64,
    received: AtomicU64,
    dropped_out: AtomicU64,
    dropped_in: AtomicU64,
    rejected: AtomicU64,
    undecodable: AtomicU64,
    bytes_sent: AtomicU64,
    bytes_received: AtomicU64,
    send_errors: AtomicU64,
}

fn inc(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

impl Counters {
    /// A consistent-enough copy of the counters.
    pub(crate) fn snapshot(&self) -> SimStats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        SimStats {
            frames_sent: g(&self.sent),
            frames_received: g(&self.received),
            dropped_out: g(&self.dropped_out),
            dropped_in: g(&self.dropped_in),
            rejected: g(&self.rejected),
            undecodable: g(&self.undecodable),
            bytes_sent: g(&self.bytes_sent),
            bytes_received: g(&self.bytes_received),
            send_errors: g(&self.send_errors),
        }
    }
}

/// State shared between the runtime thread and the [`crate::Simulator`] handle.
pub(crate) struct Shared {
    pub aircraft: Vec<Mutex<Aircraft>>,
    pub cfg: SimConfig,
    pub start: Instant,
    pub link_down: AtomicBool,
    pub stats: Counters,
    pub cameras: Arc<crate::camera::Cameras>,
    /// Where signing keys persist between runs, if anywhere.
    pub signing_store: Option<crate::signing_store::SigningStore>,
    /// Manned traffic the aircraft's receivers hear, if any.
    pub traffic: Option<crate::traffic::TrafficScene>,
}

impl Shared {
    /// Writes every aircraft's signing key and timestamp to the store (if there is one).
    fn persist_signing(&self) {
        let Some(store) = &self.signing_store else {
            return;
        };
        let keys = self
            .aircraft
            .iter()
            .filter_map(|a| {
                let mut a = lock(a);
                a.signing_changed = false;
                let s = a.signing.as_ref()?;
                Some((
                    a.vehicle.sysid(),
                    crate::signing_store::StoredKey {
                        key: *s.key(),
                        timestamp: s.timestamp(),
                    },
                ))
            })
            .collect();
        if let Err(e) = store.save(&keys) {
            eprintln!("kestrel-sim: {e:#}");
        }
    }
}

impl Shared {
    /// Simulated seconds since start.
    pub fn sim_now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.cfg.speedup
    }

    fn down(&self, now: f64) -> bool {
        self.link_down.load(Ordering::Relaxed) || self.cfg.link_down_window(now)
    }
}

/// Locks an aircraft, recovering from a poisoned lock (a panic elsewhere must not stop the rest).
pub(crate) fn lock(m: &Mutex<Aircraft>) -> MutexGuard<'_, Aircraft> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One encoded frame held back by latency injection.
struct Frame {
    len: usize,
    data: [u8; MAX_FRAME],
}

impl Frame {
    fn new(bytes: &[u8]) -> Self {
        let mut data = [0u8; MAX_FRAME];
        let len = bytes.len().min(MAX_FRAME);
        data[..len].copy_from_slice(&bytes[..len]);
        Self { len, data }
    }
}

/// An outgoing TCP client connection: a byte backlog drained by its writer task.
struct TcpClient {
    peer: Peer,
    backlog: Mutex<Vec<u8>>,
    notify: Notify,
    alive: AtomicBool,
}

/// How an aircraft's frames reach its peers.
enum Transport {
    Udp {
        socket: Arc<UdpSocket>,
        /// The configured GCS first, then peers that sent to us.
        peers: Vec<(SocketAddr, Peer)>,
        next_id: u32,
    },
    Tcp {
        clients: Vec<Arc<TcpClient>>,
        next_id: u32,
    },
    Closed,
}

impl Transport {
    /// The peer handle for a UDP source address, remembering new ones.
    fn learn_udp(&mut self, addr: SocketAddr) -> Peer {
        let Transport::Udp { peers, next_id, .. } = self else {
            return Peer(u32::MAX);
        };
        if let Some((_, p)) = peers.iter().find(|(a, _)| *a == addr) {
            return *p;
        }
        let p = Peer(*next_id);
        *next_id += 1;
        if peers.len() > MAX_UDP_PEERS {
            // Forget the oldest learned peer, never the configured GCS at index 0.
            peers.remove(1);
        }
        peers.push((addr, p));
        p
    }

    fn send(&mut self, dest: Dest, bytes: &[u8], stats: &Counters) {
        match self {
            Transport::Udp { socket, peers, .. } => {
                for (addr, p) in peers.iter() {
                    if dest == Dest::All || dest == Dest::To(*p) {
                        match socket.try_send_to(bytes, *addr) {
                            Ok(n) => {
                                inc(&stats.sent, 1);
                                inc(&stats.bytes_sent, n as u64);
                            }
                            Err(_) => inc(&stats.send_errors, 1),
                        }
                    }
                }
            }
            Transport::Tcp { clients, .. } => {
                clients.retain(|c| c.alive.load(Ordering::Relaxed));
                for c in clients.iter() {
                    if dest == Dest::All || dest == Dest::To(c.peer) {
                        let mut backlog = c.backlog.lock().unwrap_or_else(|e| e.into_inner());
                        if backlog.len() + bytes.len() > TCP_BACKLOG_LIMIT {
                            inc(&stats.dropped_out, 1);
                            continue;
                        }
                        backlog.extend_from_slice(bytes);
                        drop(backlog);
                        c.notify.notify_one();
                        inc(&stats.sent, 1);
                        inc(&stats.bytes_sent, bytes.len() as u64);
                    }
                }
            }
            Transport::Closed => {}
        }
    }
}

/// One aircraft with its link.
pub(crate) struct Aircraft {
    pub vehicle: Vehicle,
    out: Outbox,
    enc: Encoder,
    faults: LinkFaults,
    /// Frames held back by latency injection, both directions in arrival order (the delay is
    /// the same for all, so that is also release order). None without latency.
    delayed: Option<DelaySender>,
    transport: Transport,
    /// The signing key and stream timestamps, once SETUP_SIGNING installed a key.
    pub signing: Option<AircraftSigning>,
    /// What signing checks accepted and ignored (kept when signing is removed).
    pub signing_counts: VerifyCounts,
    /// Scratch buffer for signed outgoing frames.
    signed: Vec<u8>,
    /// A key was installed or removed since the signing store was last written.
    pub signing_changed: bool,
}

impl Aircraft {
    fn new(vehicle: Vehicle, faults: LinkFaults, transport: Transport) -> Self {
        Self {
            vehicle,
            out: Outbox::default(),
            enc: Encoder::default(),
            faults,
            delayed: None,
            transport,
            signing: None,
            signing_counts: VerifyCounts::default(),
            signed: Vec::with_capacity(MAX_FRAME),
            signing_changed: false,
        }
    }

    /// Handles a decoded event from `peer` (`raw` is the frame as received), applying inbound
    /// faults, then signature checks when signing is on.
    fn receive(
        &mut self,
        ev: Event,
        raw: &[u8],
        peer: Peer,
        now: f64,
        down: bool,
        stats: &Counters,
    ) {
        let d = match ev {
            Event::BadCrc => return inc(&stats.rejected, 1),
            Event::Undecodable => return inc(&stats.undecodable, 1),
            Event::Frame(d) => d,
        };
        inc(&stats.received, 1);
        if down || self.faults.lose() {
            return inc(&stats.dropped_in, 1);
        }
        if let Some(signing) = &mut self.signing {
            let msgid = match &d {
                Decoded::Msg(_, m) => mavlink::Message::message_id(m),
                Decoded::UnknownCommand { .. } => u32::MAX,
            };
            if !ACCEPT_UNSIGNED.contains(&msgid) {
                let outcome = signing.check(raw);
                self.signing_counts.record(outcome);
                if outcome.is_err() {
                    return;
                }
            }
        }
        match &self.delayed {
            None => self.deliver(now, peer, d),
            Some(tx) => {
                let _ = tx.send((Instant::now() + self.faults.latency(), Delayed::In(peer, d)));
            }
        }
    }

    fn deliver(&mut self, now: f64, peer: Peer, d: Decoded) {
        match d {
            Decoded::Msg(_, MavMessage::SETUP_SIGNING(s)) => {
                // Installed (or removed) at once, like ArduPilot; no reply is sent.
                if s.target_system == self.vehicle.sysid() {
                    self.signing = AircraftSigning::from_setup(s.secret_key, s.initial_timestamp);
                    self.signing_changed = true;
                }
            }
            Decoded::Msg(h, m) => self.vehicle.handle(now, peer, &h, &m, &mut self.out),
            Decoded::UnknownCommand {
                header,
                command,
                target_system,
                target_component,
            } => self.vehicle.handle_unknown_command(
                peer,
                &header,
                command,
                target_system,
                target_component,
                &mut self.out,
            ),
        }
    }

    /// Encodes and sends (or drops, or delays) everything the vehicle queued.
    fn flush(&mut self, down: bool, stats: &Counters) {
        let sysid = self.vehicle.sysid();
        let latency = self.faults.latency();
        let wall = Instant::now();
        for item in self.out.drain() {
            let dest = match &item {
                Outgoing::Msg(d, _) => *d,
                Outgoing::RawCommandAck { dest, .. } => *dest,
            };
            let mut bytes = self.enc.encode(sysid, COMPONENT_ID, &item);
            if let Some(signing) = &mut self.signing {
                signing.sign(bytes, &mut self.signed);
                bytes = &self.signed;
            }
            if down || self.faults.lose() {
                inc(&stats.dropped_out, 1);
            } else if let Some(tx) = &self.delayed {
                let _ = tx.send((wall + latency, Delayed::Out(dest, Frame::new(bytes))));
            } else {
                self.transport.send(dest, bytes, stats);
            }
        }
    }

    /// Queues ADSB_VEHICLE for every target, and COLLISION for those inside the avoidance
    /// boxes while flying (as ArduPilot's AP_Avoidance reports them).
    fn forward_traffic(
        &mut self,
        scene: &crate::traffic::TrafficScene,
        targets: &[crate::traffic::TrafficState],
    ) {
        let st = self.vehicle.state();
        let local = scene.local(st.lat, st.lon);
        let alt = crate::config::HOME_ALT_AMSL_M + st.rel_alt_m;
        for t in targets {
            self.out.broadcast(crate::traffic::adsb_vehicle(t));
            if st.armed {
                if let Some(m) = crate::traffic::collision(t, local, alt) {
                    self.out.broadcast(m);
                }
            }
        }
    }

    /// One simulation tick: model step, then output.
    fn tick(&mut self, now: f64, down: bool, stats: &Counters) {
        self.vehicle.step(now, &mut self.out);
        self.flush(down, stats);
    }
}

/// A frame held back by latency injection.
enum Delayed {
    /// Received from a peer, to be handed to the aircraft.
    In(Peer, Decoded),
    /// Encoded by the aircraft, to be sent.
    Out(Dest, Frame),
}

type DelaySender = tokio::sync::mpsc::UnboundedSender<(Instant, Delayed)>;

/// Releases an aircraft's delayed frames at their due time, in order.
async fn delay_pump(
    shared: Arc<Shared>,
    index: usize,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<(Instant, Delayed)>,
) {
    while let Some((due, item)) = rx.recv().await {
        tokio::time::sleep_until(due.into()).await;
        let now = shared.sim_now();
        let down = shared.down(now);
        let mut a = lock(&shared.aircraft[index]);
        match item {
            Delayed::In(peer, d) => {
                a.deliver(now, peer, d);
                a.flush(down, &shared.stats);
            }
            Delayed::Out(dest, f) => a.transport.send(dest, &f.data[..f.len], &shared.stats),
        }
    }
}

/// Sockets bound by `start`, before the runtime thread takes them over.
pub(crate) enum Listeners {
    Udp(Vec<Arc<UdpSocket>>),
    Tcp(Vec<TcpListener>),
}

/// Builds the aircraft and binds their sockets (must run inside the runtime's context).
pub(crate) fn bind(
    cfg: &SimConfig,
    vehicles: Vec<Vehicle>,
) -> anyhow::Result<(Vec<Mutex<Aircraft>>, Listeners, Vec<SocketAddr>)> {
    use anyhow::Context;
    let mut aircraft = Vec::with_capacity(vehicles.len());
    let mut addrs = Vec::with_capacity(vehicles.len());
    let mut udp = Vec::new();
    let mut tcp = Vec::new();
    for (i, v) in vehicles.into_iter().enumerate() {
        let faults = LinkFaults::new(&cfg.faults, cfg.seed, i);
        let transport = match cfg.endpoint {
            crate::Endpoint::Udp(gcs) => {
                let ip = if gcs.ip().is_loopback() {
                    gcs.ip()
                } else if gcs.is_ipv4() {
                    std::net::Ipv4Addr::UNSPECIFIED.into()
                } else {
                    std::net::Ipv6Addr::UNSPECIFIED.into()
                };
                let local = SocketAddr::new(ip, 0);
                let std = std::net::UdpSocket::bind(local)
                    .with_context(|| format!("cannot bind a UDP socket on {local}"))?;
                std.set_nonblocking(true)?;
                let socket = Arc::new(UdpSocket::from_std(std)?);
                addrs.push(socket.local_addr()?);
                udp.push(socket.clone());
                Transport::Udp {
                    socket,
                    peers: vec![(gcs, Peer(0))],
                    next_id: 1,
                }
            }
            crate::Endpoint::Tcp(base) => {
                let port = if base.port() == 0 {
                    0
                } else {
                    u16::try_from(usize::from(base.port()) + 10 * i)
                        .context("TCP port out of range")?
                };
                let local = SocketAddr::new(base.ip(), port);
                let std = std::net::TcpListener::bind(local)
                    .with_context(|| format!("cannot listen on {local}"))?;
                std.set_nonblocking(true)?;
                let listener = TcpListener::from_std(std)?;
                addrs.push(listener.local_addr()?);
                tcp.push(listener);
                Transport::Tcp {
                    clients: Vec::new(),
                    next_id: 0,
                }
            }
        };
        aircraft.push(Mutex::new(Aircraft::new(v, faults, transport)));
    }
    let listeners = if tcp.is_empty() {
        Listeners::Udp(udp)
    } else {
        Listeners::Tcp(tcp)
    };
    Ok((aircraft, listeners, addrs))
}

/// Runs the simulator until `shutdown` resolves (or its sender is dropped).
pub(crate) async fn run(
    shared: Arc<Shared>,
    listeners: Listeners,
    sbs: Option<std::net::TcpListener>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let sbs_task = match sbs.map(TcpListener::from_std) {
        Some(Ok(l)) => Some(tokio::spawn(sbs_serve(shared.clone(), l))),
        Some(Err(e)) => {
            eprintln!("kestrel-sim: SBS-1 feed not served: {e}");
            None
        }
        None => None,
    };
    if shared.cfg.faults.latency_ms > 0 {
        for (i, a) in shared.aircraft.iter().enumerate() {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            lock(a).delayed = Some(tx);
            tokio::spawn(delay_pump(shared.clone(), i, rx));
        }
    }
    match listeners {
        Listeners::Udp(sockets) => {
            for (i, s) in sockets.into_iter().enumerate() {
                tokio::spawn(udp_receive(shared.clone(), i, s));
            }
        }
        Listeners::Tcp(ls) => {
            for (i, l) in ls.into_iter().enumerate() {
                tokio::spawn(tcp_accept(shared.clone(), i, l));
            }
        }
    }
    let ticker = tokio::spawn(tick_loop(shared.clone()));
    let _ = shutdown.await;
    ticker.abort();
    if let Some(t) = sbs_task {
        t.abort();
    }
    shared.persist_signing();
    // Close sockets while the runtime is still alive.
    for a in &shared.aircraft {
        let mut a = lock(a);
        if let Transport::Tcp { clients, .. } = &a.transport {
            for c in clients {
                c.alive.store(false, Ordering::Relaxed);
                c.notify.notify_one();
            }
        }
        a.transport = Transport::Closed;
    }
}

async fn tick_loop(shared: Arc<Shared>) {
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks = 0u64;
    let mut next_traffic = 0.0;
    loop {
        interval.tick().await;
        let now = shared.sim_now();
        let down = shared.down(now);
        let mut changed = false;
        let mut signing = false;
        // Once a simulated second, every aircraft forwards what its ADS-B receiver hears.
        let heard = match &shared.traffic {
            Some(scene) if now >= next_traffic => {
                next_traffic = now + 1.0;
                Some((scene, scene.at(now)))
            }
            _ => None,
        };
        roi_sysid_positions(&shared);
        for a in &shared.aircraft {
            let mut a = lock(a);
            if let Some((scene, targets)) = &heard {
                a.forward_traffic(scene, targets);
            }
            a.tick(now, down, &shared.stats);
            changed |= a.signing_changed;
            signing |= a.signing.is_some();
        }
        // Keys are written when installed or removed, timestamps every SIGNING_SAVE_TICKS.
        ticks += 1;
        if shared.signing_store.is_some()
            && (changed || (signing && ticks.is_multiple_of(SIGNING_SAVE_TICKS)))
        {
            shared.persist_signing();
        }
    }
}

/// Serves the traffic as SBS-1 lines to every client that connects, once a simulated second.
async fn sbs_serve(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let period = Duration::from_secs_f64(1.0 / shared.cfg.speedup);
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(scene) = &shared.traffic else {
                    return;
                };
                let unix = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                let text: String = scene
                    .at(shared.sim_now())
                    .iter()
                    .map(|t| crate::traffic::sbs_lines(t, unix))
                    .collect();
                if stream.write_all(text.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Tells each gimbal pointed at another aircraft (MAV_CMD_DO_SET_ROI_SYSID) where that aircraft
/// is, as ArduPilot learns it from the other aircraft's position reports.
fn roi_sysid_positions(shared: &Shared) {
    for a in &shared.aircraft {
        let Some(sysid) = lock(a).vehicle.payload.wants_sysid() else {
            continue;
        };
        let at = shared
            .aircraft
            .get(usize::from(sysid).wrapping_sub(1))
            .map(|b| {
                let b = lock(b);
                let body = &b.vehicle.ap.body;
                (body.pos[0], body.pos[1], body.alt())
            });
        lock(a).vehicle.payload.set_sysid_target(at);
    }
}

async fn udp_receive(shared: Arc<Shared>, index: usize, socket: Arc<UdpSocket>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, addr) = match socket.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(_) => {
                // e.g. ICMP port unreachable reported on some platforms: keep listening.
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            }
        };
        inc(&shared.stats.bytes_received, n as u64);
        let now = shared.sim_now();
        let down = shared.down(now);
        let mut guard = lock(&shared.aircraft[index]);
        let a = &mut *guard;
        let peer = a.transport.learn_udp(addr);
        codec::decode_datagram_raw(&buf[..n], |ev, raw| {
            a.receive(ev, raw, peer, now, down, &shared.stats)
        });
        a.flush(down, &shared.stats);
    }
}

async fn tcp_accept(shared: Arc<Shared>, index: usize, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, peer)) => {
                // The camera streams to the ground station that connected.
                shared.cameras.retarget(index, peer.ip());
                s
            }
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let client = {
            let mut a = lock(&shared.aircraft[index]);
            let Transport::Tcp { clients, next_id } = &mut a.transport else {
                return;
            };
            let c = Arc::new(TcpClient {
                peer: Peer(*next_id),
                backlog: Mutex::new(Vec::new()),
                notify: Notify::new(),
                alive: AtomicBool::new(true),
            });
            *next_id += 1;
            clients.push(c.clone());
            c
        };
        tokio::spawn(tcp_write(client.clone(), wr));
        tokio::spawn(tcp_read(shared.clone(), index, client, rd));
    }
}

async fn tcp_write(client: Arc<TcpClient>, mut wr: tokio::net::tcp::OwnedWriteHalf) {
    let mut pending = Vec::new();
    while client.alive.load(Ordering::Relaxed) {
        client.notify.notified().await;
        {
            let mut backlog = client.backlog.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut pending, &mut *backlog);
        }
        if !pending.is_empty() && wr.write_all(&pending).await.is_err() {
            client.alive.store(false, Ordering::Relaxed);
        }
        pending.clear();
    }
}

async fn tcp_read(
    shared: Arc<Shared>,
    index: usize,
    client: Arc<TcpClient>,
    mut rd: tokio::net::tcp::OwnedReadHalf,
) {
    let mut buf = vec![0u8; 8192];
    let mut decoder = StreamDecoder::default();
    loop {
        let n = match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        inc(&shared.stats.bytes_received, n as u64);
        let now = shared.sim_now();
        let down = shared.down(now);
        let mut guard = lock(&shared.aircraft[index]);
        let a = &mut *guard;
        decoder.push_raw(&buf[..n], |ev, raw| {
            a.receive(ev, raw, client.peer, now, down, &shared.stats)
        });
        a.flush(down, &shared.stats);
    }
    client.alive.store(false, Ordering::Relaxed);
    client.notify.notify_one();
}
