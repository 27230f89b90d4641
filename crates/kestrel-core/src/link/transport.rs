//! The tokio tasks that move bytes for each kind of link: UDP (listening or sending), TCP (server
//! or client, reconnecting), serial ports and tlog replay. Each one decodes what it receives through
//! [`LinkContext::ingest`] and writes what the station sends, addressed to the peer that the target
//! aircraft was heard from.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mavlink::MavHeader;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use super::frame::{encode_v2, FrameDecoder};
use super::tlog::TlogReader;
use super::{LinkCondition, LinkContext, LinkOut, LinkSpec, Outgoing, PeerTag};

/// Why a link could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum LinkOpenError {
    /// The local address is taken or not ours.
    #[error("cannot listen on {addr}: {source} (is another program, e.g. another ground station, using this port?)")]
    Bind {
        /// The address we tried to listen on.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The recorded file cannot be opened.
    #[error("cannot read tlog {path}: {source}")]
    Tlog {
        /// The file.
        path: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Turns outgoing messages into frames with this link's sequence numbers.
struct Encoder {
    seq: u8,
    ids: (u8, u8),
}

/// MAVLink id of SETUP_SIGNING, whose payload is a secret key: never written to a tlog.
const SETUP_SIGNING_ID: u32 = 256;

impl Encoder {
    fn header(&mut self) -> MavHeader {
        let header = MavHeader {
            system_id: u32::from(self.ids.0),
            component_id: self.ids.1,
            sequence: self.seq,
        };
        self.seq = self.seq.wrapping_add(1);
        header
    }

    /// The frames that carry `out` to a peer behind which the aircraft `behind` are heard: one
    /// signed with each signing key concerned, plus an unsigned one for aircraft that do not sign
    /// (when nobody is known to be behind the peer yet: one signed with each key held, or one
    /// unsigned when no key is held).
    fn frames(&mut self, ctx: &LinkContext, out: &LinkOut, behind: &[u8]) -> Vec<Vec<u8>> {
        match out {
            LinkOut::Send(out) => self.own_frames(ctx, out, behind),
            // Another station's frame goes on as received: its header, sequence and signature
            // are the sender's (it was written to the tlog when it arrived).
            LinkOut::Forward(f) => {
                ctx.counters.forwarded.fetch_add(1, Ordering::Relaxed);
                vec![f.bytes.to_vec()]
            }
        }
    }

    fn own_frames(&mut self, ctx: &LinkContext, out: &Outgoing, behind: &[u8]) -> Vec<Vec<u8>> {
        let mut keys: Vec<crate::security::SigningKey> = Vec::new();
        let mut unsigned = false;
        if ctx.signing.active() {
            let mut consider = |sysid: u8| match ctx.signing.key_for(sysid) {
                Some(k) if !keys.contains(&k) => keys.push(k),
                Some(_) => {}
                None => unsigned = true,
            };
            match out.target {
                Some(t) => consider(t),
                // Nobody heard behind this link yet (its first heartbeat): signed with every
                // key held, so no frame leaves unsigned once a key is held; an aircraft that
                // does not sign accepts signed frames.
                None if behind.is_empty() => keys = ctx.signing.keys_held(),
                None => behind.iter().for_each(|s| consider(*s)),
            }
            unsigned |= keys.is_empty();
        } else {
            unsigned = true;
        }
        let mut frames = Vec::with_capacity(keys.len() + 1);
        if unsigned {
            let header = self.header();
            frames.push(encode_v2(header, &out.message));
        }
        for key in &keys {
            let header = self.header();
            let ts = ctx.signing.next_timestamp();
            frames.push(crate::security::signing::encode_signed(
                header,
                &out.message,
                key,
                ctx.id.0 as u8,
                ts,
            ));
        }
        if let Some(t) = &ctx.tlog {
            if mavlink::Message::message_id(&out.message) != SETUP_SIGNING_ID {
                for f in &frames {
                    let _ = t.write_frame(f);
                }
            }
        }
        frames
    }
}

fn count_out(ctx: &LinkContext, bytes: usize) {
    ctx.counters.frames_out.fetch_add(1, Ordering::Relaxed);
    ctx.counters
        .bytes_out
        .fetch_add(bytes as u64, Ordering::Relaxed);
}

fn count_dropped(ctx: &LinkContext) {
    ctx.counters.dropped_out.fetch_add(1, Ordering::Relaxed);
}

/// Opens the link's socket(s) now — so that a port already in use is reported to the caller — and
/// returns the future that runs the link until it is aborted.
pub async fn open(
    ctx: Arc<LinkContext>,
    outgoing: mpsc::UnboundedReceiver<LinkOut>,
) -> Result<LinkTask, LinkOpenError> {
    let fut: LinkTask = match ctx.spec.clone() {
        LinkSpec::UdpIn(addr) => {
            let sock = UdpSocket::bind(addr)
                .await
                .map_err(|source| LinkOpenError::Bind { addr, source })?;
            Box::pin(run_udp(ctx, sock, None, outgoing))
        }
        LinkSpec::UdpOut(remote) => {
            let local: SocketAddr = if remote.is_ipv4() {
                "0.0.0.0:0".parse().expect("literal")
            } else {
                "[::]:0".parse().expect("literal")
            };
            let sock = UdpSocket::bind(local)
                .await
                .map_err(|source| LinkOpenError::Bind {
                    addr: local,
                    source,
                })?;
            if remote.ip().is_unspecified() || remote.ip().is_multicast() {
                let _ = sock.set_broadcast(true);
            }
            Box::pin(run_udp(ctx, sock, Some(remote), outgoing))
        }
        LinkSpec::TcpIn(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| LinkOpenError::Bind { addr, source })?;
            Box::pin(run_tcp_server(ctx, listener, outgoing))
        }
        LinkSpec::TcpOut(remote) => Box::pin(run_tcp_client(ctx, remote, outgoing)),
        LinkSpec::Serial { port, baud } => Box::pin(run_serial(ctx, port, baud, outgoing)),
        LinkSpec::TlogReplay { path, speed } => {
            let reader = TlogReader::open(&path).map_err(|source| LinkOpenError::Tlog {
                path: path.display().to_string(),
                source,
            })?;
            Box::pin(run_replay(ctx, reader, speed, outgoing))
        }
    };
    Ok(fut)
}

/// The future that runs one link until it is dropped or aborted.
pub type LinkTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// The tag a peer is known by outside its link.
trait Tagged {
    fn tag(&self) -> PeerTag;
}

impl Tagged for SocketAddr {
    fn tag(&self) -> PeerTag {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

impl Tagged for u64 {
    fn tag(&self) -> PeerTag {
        *self
    }
}

/// Remote endpoints of a link and which aircraft is behind which.
struct PeerTable<K> {
    peers: HashMap<K, (FrameDecoder, Instant)>,
    by_sysid: HashMap<u8, K>,
}

impl<K: std::hash::Hash + Eq + Copy + Tagged> PeerTable<K> {
    fn new() -> Self {
        Self {
            peers: HashMap::new(),
            by_sysid: HashMap::new(),
        }
    }

    fn ingest(&mut self, ctx: &LinkContext, peer: K, data: &[u8]) {
        let entry = self
            .peers
            .entry(peer)
            .or_insert_with(|| (FrameDecoder::new(), Instant::now()));
        entry.1 = Instant::now();
        let by_sysid = &mut self.by_sysid;
        ctx.ingest(&mut entry.0, data, peer.tag(), |sysid| {
            by_sysid.insert(sysid, peer);
        });
        ctx.set_peers(self.peers.len());
    }

    /// Peers to send `out` to: the target's own peer if known, otherwise every peer — never
    /// the peer a forwarded frame came from.
    fn destinations(&self, out: &LinkOut) -> Vec<K> {
        let skip = out.skip_peer();
        let mut dests: Vec<K> = match out.target().and_then(|t| self.by_sysid.get(&t)) {
            Some(p) => vec![*p],
            None => self.peers.keys().copied().collect(),
        };
        if let Some(skip) = skip {
            dests.retain(|k| k.tag() != skip);
        }
        dests
    }

    /// System ids heard from one peer.
    fn sysids_behind(&self, peer: &K) -> Vec<u8> {
        self.by_sysid
            .iter()
            .filter(|(_, p)| *p == peer)
            .map(|(s, _)| *s)
            .collect()
    }

    /// Every system id heard on the link.
    fn all_sysids(&self) -> Vec<u8> {
        self.by_sysid.keys().copied().collect()
    }

    fn remove(&mut self, peer: &K) {
        self.peers.remove(peer);
        self.by_sysid.retain(|_, p| p != peer);
    }

    /// Forgets UDP peers silent for a long time (an aircraft that moved to another address).
    fn expire(&mut self, older_than: Duration) {
        let now = Instant::now();
        let stale: Vec<K> = self
            .peers
            .iter()
            .filter(|(_, (_, t))| now.duration_since(*t) > older_than)
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            self.remove(&k);
        }
    }
}

async fn run_udp(
    ctx: Arc<LinkContext>,
    sock: UdpSocket,
    fixed_remote: Option<SocketAddr>,
    mut outgoing: mpsc::UnboundedReceiver<LinkOut>,
) {
    ctx.set_condition(LinkCondition::Up);
    let mut table: PeerTable<SocketAddr> = PeerTable::new();
    let mut enc = Encoder {
        seq: 0,
        ids: ctx.gcs_ids,
    };
    let mut buf = vec![0u8; 65536];
    let mut expiry = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            r = sock.recv_from(&mut buf) => match r {
                Ok((n, from)) => table.ingest(&ctx, from, &buf[..n]),
                // ICMP port unreachable on Linux surfaces here; the peer may come back.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
                Err(e) => {
                    ctx.set_condition(LinkCondition::Down(e.to_string()));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            },
            out = outgoing.recv() => {
                let Some(out) = out else { return };
                let dests = match fixed_remote {
                    Some(r) if out.skip_peer() == Some(r.tag()) => vec![],
                    Some(r) => vec![r],
                    None => table.destinations(&out),
                };
                if dests.is_empty() && matches!(out, LinkOut::Send(_)) {
                    count_dropped(&ctx);
                }
                for d in dests {
                    let behind = match fixed_remote {
                        Some(_) => table.all_sysids(),
                        None => table.sysids_behind(&d),
                    };
                    for bytes in enc.frames(&ctx, &out, &behind) {
                        match sock.send_to(&bytes, d).await {
                            Ok(_) => {
                                count_out(&ctx, bytes.len());
                                if ctx.condition() != LinkCondition::Up {
                                    ctx.set_condition(LinkCondition::Up);
                                }
                            }
                            Err(e) => ctx.set_condition(LinkCondition::Down(format!("send to {d}: {e}"))),
                        }
                    }
                }
            }
            _ = expiry.tick() => {
                if fixed_remote.is_none() {
                    table.expire(Duration::from_secs(60));
                    ctx.set_peers(table.peers.len());
                }
            }
        }
    }
}

/// Notes a system id heard on a single-peer link (TCP client, serial).
fn remember(behind: &mut Vec<u8>, sysid: u8) {
    if !behind.contains(&sysid) {
        behind.push(sysid);
    }
}

/// A TCP connection's reader forwards chunks here, tagged with the client number.
enum TcpEvent {
    Data(u64, Vec<u8>),
    Closed(u64),
}

async fn run_tcp_server(
    ctx: Arc<LinkContext>,
    listener: TcpListener,
    mut outgoing: mpsc::UnboundedReceiver<LinkOut>,
) {
    ctx.set_condition(LinkCondition::Up);
    let (ev_tx, mut ev_rx) = mpsc::channel::<TcpEvent>(256);
    let mut writers: HashMap<u64, tokio::net::tcp::OwnedWriteHalf> = HashMap::new();
    let mut table: PeerTable<u64> = PeerTable::new();
    let mut enc = Encoder {
        seq: 0,
        ids: ctx.gcs_ids,
    };
    let mut next_client = 0u64;
    loop {
        tokio::select! {
            acc = listener.accept() => {
                if let Ok((stream, _)) = acc {
                    let _ = stream.set_nodelay(true);
                    let id = next_client;
                    next_client += 1;
                    let (mut rd, wr) = stream.into_split();
                    writers.insert(id, wr);
                    let tx = ev_tx.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 16384];
                        loop {
                            match rd.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    if tx.send(TcpEvent::Data(id, buf[..n].to_vec())).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                        let _ = tx.send(TcpEvent::Closed(id)).await;
                    });
                }
            }
            ev = ev_rx.recv() => match ev {
                Some(TcpEvent::Data(id, data)) => table.ingest(&ctx, id, &data),
                Some(TcpEvent::Closed(id)) => {
                    table.remove(&id);
                    writers.remove(&id);
                    ctx.set_peers(writers.len());
                }
                None => return,
            },
            out = outgoing.recv() => {
                let Some(out) = out else { return };
                let mut dests = table.destinations(&out);
                if dests.is_empty() && out.skip_peer().is_none() {
                    dests = writers.keys().copied().collect();
                }
                if dests.is_empty() && matches!(out, LinkOut::Send(_)) {
                    count_dropped(&ctx);
                }
                for d in dests {
                    let behind = table.sysids_behind(&d);
                    let frames = enc.frames(&ctx, &out, &behind);
                    if let Some(w) = writers.get_mut(&d) {
                        for bytes in frames {
                            if w.write_all(&bytes).await.is_ok() {
                                count_out(&ctx, bytes.len());
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn run_tcp_client(
    ctx: Arc<LinkContext>,
    remote: String,
    mut outgoing: mpsc::UnboundedReceiver<LinkOut>,
) {
    let mut enc = Encoder {
        seq: 0,
        ids: ctx.gcs_ids,
    };
    let mut backoff = Duration::from_millis(500);
    loop {
        // Keep showing the last failure while retrying, so a user (or the CLI) sees why.
        if !matches!(ctx.condition(), LinkCondition::Down(_)) {
            ctx.set_condition(LinkCondition::Connecting);
        }
        let attempt =
            tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(&remote)).await;
        let stream = match attempt {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                ctx.set_condition(LinkCondition::Down(format!(
                    "cannot connect to {remote}: {e}"
                )));
                drain_while_down(&ctx, &mut outgoing, backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
            Err(_) => {
                ctx.set_condition(LinkCondition::Down(format!(
                    "cannot connect to {remote}: no answer within 3 s"
                )));
                drain_while_down(&ctx, &mut outgoing, backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        backoff = Duration::from_millis(500);
        let _ = stream.set_nodelay(true);
        ctx.set_condition(LinkCondition::Up);
        ctx.set_peers(1);
        let (mut rd, mut wr) = stream.into_split();
        let mut decoder = FrameDecoder::new();
        let mut buf = vec![0u8; 16384];
        let mut behind: Vec<u8> = Vec::new();
        let reason = 'conn: loop {
            tokio::select! {
                r = rd.read(&mut buf) => match r {
                    Ok(0) => break "connection closed by the remote end".to_string(),
                    Ok(n) => ctx.ingest(&mut decoder, &buf[..n], 0, |s| remember(&mut behind, s)),
                    Err(e) => break e.to_string(),
                },
                out = outgoing.recv() => {
                    let Some(out) = out else { return };
                    for bytes in enc.frames(&ctx, &out, &behind) {
                        if let Err(e) = wr.write_all(&bytes).await {
                            break 'conn e.to_string();
                        }
                        count_out(&ctx, bytes.len());
                    }
                }
            }
        };
        ctx.set_peers(0);
        ctx.set_condition(LinkCondition::Down(format!(
            "{remote}: {reason}; reconnecting"
        )));
        drain_while_down(&ctx, &mut outgoing, backoff).await;
    }
}

/// Waits `delay`, counting (and discarding) whatever the station tries to send meanwhile.
async fn drain_while_down(
    ctx: &LinkContext,
    outgoing: &mut mpsc::UnboundedReceiver<LinkOut>,
    delay: Duration,
) {
    let deadline = tokio::time::sleep(delay);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            out = outgoing.recv() => {
                if out.is_none() { return; }
                count_dropped(ctx);
            }
        }
    }
}

async fn run_serial(
    ctx: Arc<LinkContext>,
    port: String,
    baud: u32,
    outgoing: mpsc::UnboundedReceiver<LinkOut>,
) {
    let task_ctx = ctx.clone();
    let outgoing = std::sync::Mutex::new(outgoing);
    let _ = tokio::task::spawn_blocking(move || {
        let ctx = task_ctx;
        let mut outgoing = outgoing.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut enc = Encoder {
            seq: 0,
            ids: ctx.gcs_ids,
        };
        loop {
            if Arc::strong_count(&ctx) == 1 {
                return; // station gone
            }
            let opened = serialport::new(&port, baud)
                .timeout(Duration::from_millis(20))
                .open();
            let mut dev = match opened {
                Ok(d) => d,
                Err(e) => {
                    ctx.set_condition(LinkCondition::Down(format!(
                        "cannot open serial port {port}: {e}; retrying"
                    )));
                    std::thread::sleep(Duration::from_secs(2));
                    while outgoing.try_recv().is_ok() {
                        count_dropped(&ctx);
                    }
                    continue;
                }
            };
            ctx.set_condition(LinkCondition::Up);
            ctx.set_peers(1);
            let mut decoder = FrameDecoder::new();
            let mut buf = [0u8; 4096];
            let mut behind: Vec<u8> = Vec::new();
            loop {
                if Arc::strong_count(&ctx) == 1 {
                    return;
                }
                match dev.read(&mut buf) {
                    Ok(n) if n > 0 => {
                        ctx.ingest(&mut decoder, &buf[..n], 0, |s| remember(&mut behind, s))
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(e) => {
                        ctx.set_condition(LinkCondition::Down(format!(
                            "serial port {port}: {e}; reopening"
                        )));
                        break;
                    }
                }
                loop {
                    match outgoing.try_recv() {
                        Ok(out) => {
                            for bytes in enc.frames(&ctx, &out, &behind) {
                                if std::io::Write::write_all(&mut dev, &bytes).is_ok() {
                                    count_out(&ctx, bytes.len());
                                }
                            }
                        }
                        Err(mpsc::error::TryRecvError::Empty) => break,
                        Err(mpsc::error::TryRecvError::Disconnected) => return,
                    }
                }
            }
            ctx.set_peers(0);
            std::thread::sleep(Duration::from_secs(1));
        }
    })
    .await;
}

async fn run_replay(
    ctx: Arc<LinkContext>,
    mut reader: TlogReader<std::io::BufReader<std::fs::File>>,
    speed: f64,
    mut outgoing: mpsc::UnboundedReceiver<LinkOut>,
) {
    ctx.set_condition(LinkCondition::Up);
    ctx.set_peers(1);
    // Frames go through a fresh decoder one by one so counters and handlers see them as live.
    let mut decoder = FrameDecoder::new();
    let started = tokio::time::Instant::now();
    let mut first: Option<u64> = None;
    let mut replayed = 0u64;
    loop {
        let record = match reader.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => {
                ctx.set_condition(LinkCondition::Closed(format!("replay stopped: {e}")));
                return;
            }
        };
        let t0 = *first.get_or_insert(record.micros);
        let offset = record.micros.saturating_sub(t0) as f64 / speed;
        let due = started + Duration::from_micros(offset as u64);
        if due > tokio::time::Instant::now() {
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                out = outgoing.recv() => { if out.is_none() { return; } }
            }
        }
        while outgoing.try_recv().is_ok() {}
        ctx.ingest(&mut decoder, &record.frame, 0, |_| {});
        replayed += 1;
    }
    ctx.set_peers(0);
    ctx.set_condition(LinkCondition::Closed(format!(
        "replay finished: {replayed} frames ({} damaged records skipped)",
        reader.skipped
    )));
    // Keep the link task alive (and quiet) until it is removed.
    while outgoing.recv().await.is_some() {}
}
