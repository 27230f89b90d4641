//! Cursor-on-Target (CoT) export to TAK (ATAK, WinTAK, TAK Server): sightings and aircraft
//! positions as CoT 2.0 XML events, sent by UDP (by default to the SA multicast group
//! 239.2.3.1:6969), streamed over TCP to a TAK server's plain CoT input (usually port 8087), or
//! over TLS to its SSL input (`ssl://HOST:8089`), which checks the server against a CA file and
//! shows it Kestrel's client certificate (see [`super::tls`]). Streams reconnect with backoff.
//! CoT is a live picture, not a record: events are dropped while TAK is unreachable.

use std::fmt;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use super::backoff::Backoff;
use super::envelope::FleetAircraft;
use super::tls::ClientIdentity;
use crate::sightings::model::{Category, Sighting};
use crate::sightings::timestamp::Timestamp;

/// TAK's standard situational-awareness multicast group.
pub const DEFAULT_TARGET: &str = "udp://239.2.3.1:6969";

/// CoT's "unknown" for heights and errors.
const UNKNOWN: f64 = 9_999_999.0;

/// How long TAK shows a sighting without an update.
pub const SIGHTING_STALE: Duration = Duration::from_secs(6 * 3600);

/// How long TAK shows an aircraft position without an update.
pub const AIRCRAFT_STALE: Duration = Duration::from_secs(15);

/// Where CoT goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CotTarget {
    /// UDP datagrams, one event each (multicast when the address is a multicast group).
    Udp(SocketAddr),
    /// A TCP stream of events to `HOST:PORT`, reconnecting.
    Tcp(String),
    /// A TLS stream of events to a TAK server's SSL input `HOST:PORT` (conventionally 8089),
    /// reconnecting; needs [`CotTls`].
    Ssl(String),
}

impl fmt::Display for CotTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CotTarget::Udp(a) => write!(f, "udp://{a}"),
            CotTarget::Tcp(a) => write!(f, "tcp://{a}"),
            CotTarget::Ssl(a) => write!(f, "ssl://{a}"),
        }
    }
}

/// Why a CoT target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a CoT target; use udp://239.2.3.1:6969 (multicast), udp://HOST:PORT, tcp://HOST:PORT or ssl://HOST:8089 (a TAK server's SSL port)")]
pub struct CotTargetError(pub String);

impl FromStr for CotTarget {
    type Err = CotTargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CotTargetError(s.to_string());
        if let Some(rest) = s.strip_prefix("udp://") {
            rest.parse().map(CotTarget::Udp).map_err(|_| err())
        } else if let Some(rest) = s.strip_prefix("tcp://") {
            host_port(rest).ok_or_else(err)?;
            Ok(CotTarget::Tcp(rest.to_string()))
        } else if let Some(rest) = s.strip_prefix("ssl://") {
            host_port(rest).ok_or_else(err)?;
            Ok(CotTarget::Ssl(rest.to_string()))
        } else {
            Err(err())
        }
    }
}

/// Splits `HOST:PORT` (`[v6]:PORT` too) into the host (without brackets) and a non-zero port.
fn host_port(s: &str) -> Option<(&str, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port = port.parse::<u16>().ok().filter(|p| *p != 0)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty() && !host.contains(['/', '@', ' '])).then_some((host, port))
}

/// The TLS files of an `ssl://` target: the CA that signed the TAK server's certificate and
/// Kestrel's client certificate and key (TAK servers require one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CotTls {
    /// PEM file of the CA that signed the server's certificate (`None`: the system's CAs).
    pub ca_file: Option<PathBuf>,
    /// The client certificate and where its private key is.
    pub identity: Option<ClientIdentity>,
}

/// Why CoT export cannot start (a target and TLS files that do not go together, unreadable
/// files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("CoT: {0}")]
pub struct CotError(pub String);

/// Whether events reach the target, for the console and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CotStatus {
    /// Not connected yet.
    Connecting,
    /// Sending (UDP: the socket is open).
    Connected,
    /// Not sending, and why in words; a stream keeps retrying.
    Down(String),
}

/// Escapes text for XML attributes and content.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// The CoT type for a category: hostile-unknown ground things as "a-u-G…", help needed as a
/// MEDEVAC request, everything else as a spot point of interest.
pub fn cot_type(category: Category) -> &'static str {
    match category {
        Category::Person | Category::Crowd => "a-u-G",
        Category::Vehicle => "a-u-G-E-V",
        Category::Rescue => "b-r-f-h-c",
        Category::TrafficIncident | Category::Fire | Category::Other => "b-m-p-s-p-i",
    }
}

fn event_head(out: &mut String, uid: &str, kind: &str, start: Timestamp, stale: Duration) {
    let now = Timestamp::now();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <event version=\"2.0\" uid=\"{}\" type=\"{kind}\" how=\"h-e\" time=\"{now}\" start=\"{start}\" stale=\"{}\">",
        xml_escape(uid),
        now.plus(stale)
    );
}

fn point(out: &mut String, lat: f64, lon: f64, hae: Option<f64>, ce: Option<f64>) {
    let _ = write!(
        out,
        "<point lat=\"{lat:.7}\" lon=\"{lon:.7}\" hae=\"{:.1}\" ce=\"{:.1}\" le=\"{UNKNOWN:.1}\"/>",
        hae.unwrap_or(UNKNOWN),
        ce.unwrap_or(UNKNOWN)
    );
}

/// A sighting as a CoT event (uid `kestrel-sighting-UUID`, so updates replace it in TAK).
pub fn sighting_event(s: &Sighting, console: &str) -> String {
    let mut out = String::with_capacity(768);
    event_head(
        &mut out,
        &format!("kestrel-sighting-{}", s.id),
        cot_type(s.category),
        s.time,
        SIGHTING_STALE,
    );
    point(
        &mut out,
        s.position.lat,
        s.position.lon,
        s.position.alt_m,
        s.position.accuracy_m,
    );
    let callsign = format!(
        "{} {}",
        s.category.as_str().replace('_', " ").to_uppercase(),
        &s.time.to_string()[11..16]
    );
    let mut remarks = format!("[{}] {}", s.priority, s.note);
    if let Some(orig) = s.corrects {
        let _ = write!(remarks, " (corrects {orig})");
    }
    let _ = write!(
        out,
        "<detail><contact callsign=\"{}\"/><remarks source=\"kestrel.{}\">{}</remarks>\
         <kestrel id=\"{}\" category=\"{}\" priority=\"{}\" console=\"{}\"{}/></detail></event>",
        xml_escape(&callsign),
        xml_escape(console),
        xml_escape(&remarks),
        s.id,
        s.category,
        s.priority,
        xml_escape(console),
        s.aircraft
            .sysid
            .map(|id| format!(" aircraft=\"{id}\""))
            .unwrap_or_default(),
    );
    out
}

/// An aircraft position as a CoT event (friendly rotary-wing UAV), `None` without a position.
pub fn aircraft_event(console: &str, a: &FleetAircraft, at: Timestamp) -> Option<String> {
    let (lat, lon) = (a.lat?, a.lon?);
    let mut out = String::with_capacity(512);
    event_head(
        &mut out,
        &format!("kestrel-{console}-{}", a.sysid),
        "a-f-A-M-H-Q",
        at,
        AIRCRAFT_STALE,
    );
    point(&mut out, lat, lon, Some(f64::from(a.alt_amsl_m)), None);
    let callsign = a
        .callsign
        .clone()
        .unwrap_or_else(|| format!("{console}-{}", a.sysid));
    let _ = write!(
        out,
        "<detail><contact callsign=\"{}\"/><track course=\"{:.1}\" speed=\"{:.1}\"/>\
         <remarks>{} {}{}</remarks></detail></event>",
        xml_escape(&callsign),
        a.heading_deg,
        a.ground_speed_ms,
        xml_escape(&a.mode),
        if a.armed { "armed" } else { "disarmed" },
        a.battery_pct
            .map(|b| format!(", battery {b:.0}%"))
            .unwrap_or_default(),
    );
    Some(out)
}

/// Sends CoT events in the background; [`CotSender::send`] never blocks (events are dropped when
/// the target cannot keep up or is unreachable).
#[derive(Clone)]
pub struct CotSender {
    tx: mpsc::Sender<String>,
    target: CotTarget,
    status: watch::Receiver<CotStatus>,
}

/// How long a stream must have lived for its loss to restart the reconnect delays from the
/// shortest.
const STABLE_CONNECTION: Duration = Duration::from_secs(10);

/// What a stream connects with: TLS settings and the name the server's certificate must carry.
type TlsSetup = (
    tokio_rustls::TlsConnector,
    rustls::pki_types::ServerName<'static>,
);

impl CotSender {
    /// Starts sending to a `udp://` or `tcp://` target (must be called inside a tokio runtime).
    /// An `ssl://` target needs [`CotSender::connect`]; here it only reports why it is down.
    pub fn start(target: CotTarget) -> Self {
        Self::connect(target.clone(), &CotTls::default()).unwrap_or_else(|e| {
            let (tx, _) = mpsc::channel(1);
            let (_, status) = watch::channel(CotStatus::Down(e.to_string()));
            Self { tx, target, status }
        })
    }

    /// Starts sending to `target` with `tls` for an `ssl://` target (must be called inside a
    /// tokio runtime). Reads the TLS files now, so a wrong path is an error here rather than a
    /// silent stream; TLS files given for a target without TLS are refused too.
    pub fn connect(target: CotTarget, tls: &CotTls) -> Result<Self, CotError> {
        let setup = match (&target, tls) {
            (CotTarget::Ssl(addr), tls) => Some(tls_setup(addr, tls)?),
            (
                _,
                CotTls {
                    ca_file: None,
                    identity: None,
                },
            ) => None,
            (t, _) => {
                return Err(CotError(format!(
                    "a CA file or client certificate is given for {t}, which has no TLS; use ssl://HOST:8089"
                )))
            }
        };
        let (tx, rx) = mpsc::channel(1024);
        let (status_tx, status) = watch::channel(CotStatus::Connecting);
        let t = target.clone();
        tokio::spawn(async move {
            match t {
                CotTarget::Udp(addr) => udp_loop(addr, rx, status_tx).await,
                CotTarget::Tcp(addr) => {
                    stream_loop(format!("tcp://{addr}"), addr, None, rx, status_tx).await
                }
                CotTarget::Ssl(addr) => {
                    stream_loop(format!("ssl://{addr}"), addr, setup, rx, status_tx).await
                }
            }
        });
        Ok(Self { tx, target, status })
    }

    /// Where events go.
    pub fn target(&self) -> &CotTarget {
        &self.target
    }

    /// Whether events reach the target now.
    pub fn status(&self) -> CotStatus {
        self.status.borrow().clone()
    }

    /// Waits until the status changes (for tests and status displays).
    pub async fn status_changed(&mut self) -> CotStatus {
        let _ = self.status.changed().await;
        self.status()
    }

    /// Queues one event.
    pub fn send(&self, event: String) {
        let _ = self.tx.try_send(event);
    }
}

fn tls_setup(addr: &str, tls: &CotTls) -> Result<TlsSetup, CotError> {
    let (host, _) =
        host_port(addr).ok_or_else(|| CotError(format!("'{addr}' is not HOST:PORT")))?;
    if tls.identity.is_none() {
        return Err(CotError(format!(
            "ssl://{addr} needs Kestrel's client certificate (TAK servers require one): give the certificate and key PEM files"
        )));
    }
    let config = super::tls::client_config(
        tls.ca_file.as_deref(),
        tls.identity.as_ref(),
        "give the TAK server's CA file",
    )
    .map_err(CotError)?;
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| CotError(format!("'{host}' is not a host name or address: {e}")))?;
    Ok((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
}

async fn udp_loop(
    addr: SocketAddr,
    mut rx: mpsc::Receiver<String>,
    status: watch::Sender<CotStatus>,
) {
    let bind: SocketAddr = if addr.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = match tokio::net::UdpSocket::bind(bind).await {
        Ok(s) => s,
        Err(e) => {
            log::error!("CoT: cannot open a UDP socket: {e}; CoT export is off");
            let _ = status.send(CotStatus::Down(format!("cannot open a UDP socket: {e}")));
            return;
        }
    };
    if addr.ip().is_multicast() && addr.is_ipv4() {
        let _ = socket.set_multicast_ttl_v4(8);
    }
    let _ = status.send(CotStatus::Connected);
    let mut warned = false;
    while let Some(ev) = rx.recv().await {
        if let Err(e) = socket.send_to(ev.as_bytes(), addr).await {
            if !warned {
                log::warn!("CoT: cannot send to udp://{addr}: {e}");
                warned = true;
            }
        } else {
            warned = false;
        }
    }
}

/// A connected CoT stream, plain or TLS.
trait CotStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> CotStream for T {}

async fn open(addr: &str, tls: Option<&TlsSetup>) -> Result<Box<dyn CotStream>, String> {
    let connect = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        match tls {
            None => Ok(Box::new(tcp) as Box<dyn CotStream>),
            Some((connector, name)) => connector
                .connect(name.clone(), tcp)
                .await
                .map(|s| Box::new(s) as Box<dyn CotStream>)
                .map_err(|e| super::tls::describe(&e)),
        }
    };
    tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .unwrap_or_else(|_| Err("no answer within 10 s".into()))
}

/// Streams events to `addr`, connecting at once and again with backoff whenever the server
/// cannot be reached or drops the connection (noticed by reading: TAK servers send little, but a
/// closed or refused connection shows up there at once).
async fn stream_loop(
    url: String,
    addr: String,
    tls: Option<TlsSetup>,
    mut rx: mpsc::Receiver<String>,
    status: watch::Sender<CotStatus>,
) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(30));
    let mut stream: Option<Box<dyn CotStream>> = None;
    let mut retry_at = tokio::time::Instant::now();
    let mut buf = vec![0u8; 4096];
    // A connection that lived a while was a good one: start the delays again from the shortest.
    // One dropped at once (a refused client certificate shows up just after the handshake) keeps
    // the delays growing, so a misconfigured console does not hammer the server.
    let mut connected_at = tokio::time::Instant::now();
    let down = |why: String, backoff: &mut Backoff, connected_at: Option<tokio::time::Instant>| {
        if connected_at.is_some_and(|t| t.elapsed() >= STABLE_CONNECTION) {
            backoff.reset();
        }
        let d = backoff.next_delay();
        log::warn!("CoT: {url}: {why}; retrying in {d:?}");
        let _ = status.send(CotStatus::Down(format!("{url}: {why}")));
        tokio::time::Instant::now() + d
    };
    loop {
        if stream.is_none() && tokio::time::Instant::now() >= retry_at {
            match open(&addr, tls.as_ref()).await {
                Ok(s) => {
                    log::info!("CoT: connected to {url}");
                    let _ = status.send(CotStatus::Connected);
                    connected_at = tokio::time::Instant::now();
                    stream = Some(s);
                }
                Err(e) => retry_at = down(format!("cannot connect: {e}"), &mut backoff, None),
            }
        }
        let connected = stream.is_some();
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { return };
                if let Some(s) = stream.as_mut() {
                    let sent = async {
                        s.write_all(ev.as_bytes()).await?;
                        s.flush().await
                    };
                    if let Err(e) = sent.await {
                        stream = None;
                        retry_at = down(
                            format!("dropped: {}", super::tls::describe(&e)),
                            &mut backoff,
                            Some(connected_at),
                        );
                    }
                }
            }
            r = async { stream.as_mut().expect("connected").read(&mut buf).await }, if connected => {
                match r {
                    Ok(0) => {
                        stream = None;
                        retry_at = down(
                            "the server closed the connection".into(),
                            &mut backoff,
                            Some(connected_at),
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        stream = None;
                        retry_at = down(
                            format!("dropped: {}", super::tls::describe(&e)),
                            &mut backoff,
                            Some(connected_at),
                        );
                    }
                }
            }
            _ = tokio::time::sleep_until(retry_at), if !connected => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sightings::{NewSighting, Position, Priority};

    fn sighting() -> Sighting {
        let mut n = NewSighting::new(Category::Vehicle, Position::new(52.5200001, 13.405))
            .note("blue van <plate \"B-KX 12\"> & trailer");
        n.priority = Priority::High;
        n.aircraft.sysid = Some(2);
        let mut s = n.into_sighting().0;
        s.position.accuracy_m = Some(12.5);
        s
    }

    fn attr<'a>(xml: &'a str, element: &str, name: &str) -> &'a str {
        let el = &xml[xml
            .find(&format!("<{element} "))
            .unwrap_or_else(|| panic!("no <{element}> in {xml}"))..];
        let key = format!(" {name}=\"");
        let start = el.find(&key).unwrap_or_else(|| panic!("no {name} in {el}")) + key.len();
        &el[start..start + el[start..].find('"').unwrap()]
    }

    #[tokio::test]
    async fn a_sighting_arrives_as_cot_xml_over_udp() {
        let rx = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let target = CotTarget::Udp(rx.local_addr().unwrap());
        let sender = CotSender::start(target);
        let s = sighting();
        sender.send(sighting_event(&s, "team-3"));
        let mut buf = vec![0u8; 65536];
        let (n, _) = tokio::time::timeout(Duration::from_secs(10), rx.recv_from(&mut buf))
            .await
            .expect("no CoT datagram within 10 s")
            .unwrap();
        let xml = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\""), "{xml}");
        assert_eq!(attr(xml, "event", "version"), "2.0");
        assert_eq!(
            attr(xml, "event", "uid"),
            format!("kestrel-sighting-{}", s.id)
        );
        assert_eq!(attr(xml, "event", "type"), "a-u-G-E-V");
        assert_eq!(attr(xml, "event", "start"), s.time.to_string());
        let time: Timestamp = attr(xml, "event", "time").parse().unwrap();
        let stale: Timestamp = attr(xml, "event", "stale").parse().unwrap();
        assert_eq!(
            stale.millis() - time.millis(),
            SIGHTING_STALE.as_millis() as i64
        );
        assert_eq!(attr(xml, "point", "lat"), "52.5200001");
        assert_eq!(attr(xml, "point", "lon"), "13.4050000");
        assert_eq!(attr(xml, "point", "ce"), "12.5");
        assert_eq!(attr(xml, "point", "hae"), "9999999.0");
        assert_eq!(attr(xml, "kestrel", "priority"), "high");
        assert_eq!(attr(xml, "kestrel", "aircraft"), "2");
        // The note's markup characters are escaped, so the XML stays well-formed.
        assert!(
            xml.contains(
                "[high] blue van &lt;plate &quot;B-KX 12&quot;&gt; &amp; trailer</remarks>"
            ),
            "{xml}"
        );
        assert!(xml.ends_with("</detail></event>"));
    }

    #[tokio::test]
    async fn aircraft_positions_stream_over_tcp() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sender = CotSender::start(format!("tcp://{addr}").parse().unwrap());
        let a = FleetAircraft {
            sysid: 4,
            callsign: Some("EAGLE 4".into()),
            lat: Some(48.0),
            lon: Some(11.0),
            alt_amsl_m: 612.0,
            alt_rel_m: 80.0,
            heading_deg: 270.0,
            ground_speed_ms: 9.5,
            mode: "AUTO".into(),
            armed: true,
            battery_pct: Some(64.0),
            link: "connected".into(),
        };
        sender.send(aircraft_event("team-3", &a, Timestamp::now()).unwrap());
        let (mut conn, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .unwrap()
            .unwrap();
        let mut xml = String::new();
        while !xml.ends_with("</event>") {
            let mut buf = [0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert!(n > 0, "connection closed early: {xml}");
            xml.push_str(std::str::from_utf8(&buf[..n]).unwrap());
        }
        assert_eq!(attr(&xml, "event", "uid"), "kestrel-team-3-4");
        assert_eq!(attr(&xml, "event", "type"), "a-f-A-M-H-Q");
        assert_eq!(attr(&xml, "point", "hae"), "612.0");
        assert_eq!(attr(&xml, "contact", "callsign"), "EAGLE 4");
        assert_eq!(attr(&xml, "track", "course"), "270.0");
        assert!(aircraft_event("x", &FleetAircraft { lat: None, ..a }, Timestamp::now()).is_none());
    }

    #[test]
    fn targets_parse() {
        assert_eq!(
            DEFAULT_TARGET.parse::<CotTarget>().unwrap(),
            CotTarget::Udp("239.2.3.1:6969".parse().unwrap())
        );
        assert_eq!(
            "tcp://tak.local:8087".parse::<CotTarget>().unwrap(),
            CotTarget::Tcp("tak.local:8087".into())
        );
        assert!("http://x:1".parse::<CotTarget>().is_err());
        assert!("tcp://x".parse::<CotTarget>().is_err());
        assert_eq!(
            "ssl://tak.local:8089".parse::<CotTarget>().unwrap(),
            CotTarget::Ssl("tak.local:8089".into())
        );
        assert_eq!(
            CotTarget::Ssl("[::1]:8089".into()).to_string(),
            "ssl://[::1]:8089"
        );
        assert_eq!(host_port("[::1]:8089"), Some(("::1", 8089)));
        for bad in [
            "ssl://:8089",
            "ssl://tak:0",
            "ssl://user@tak:8089",
            "ssl://tak",
        ] {
            let e = bad.parse::<CotTarget>().unwrap_err().to_string();
            assert!(e.contains("ssl://HOST:8089"), "{e}");
        }
    }
}
