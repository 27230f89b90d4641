//! How Kestrel reaches an MQTT broker: the URL (`mqtt://HOST:PORT`, `mqtts://HOST:PORT`), the
//! TLS trust (a CA file, or the system's roots), and the user name and password — read from a
//! file or the environment, never from the command line, where other users could see them.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{
    ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Packet,
    TlsConfiguration, Transport,
};
use tokio::sync::{mpsc, watch};

/// Environment variable holding the broker user name.
pub const ENV_USERNAME: &str = "KESTREL_BROKER_USERNAME";
/// Environment variable holding the broker password.
pub const ENV_PASSWORD: &str = "KESTREL_BROKER_PASSWORD";

/// Largest MQTT packet Kestrel sends or accepts (a sighting with a maximal snapshot fits).
pub const MAX_PACKET_BYTES: usize = 16 * 1024 * 1024;

/// Where the broker is and whether to use TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// `mqtts://`: TLS.
    pub tls: bool,
    /// Host name or IP address.
    pub host: String,
    /// TCP port (default 1883, or 8883 with TLS).
    pub port: u16,
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for BrokerUrl {
    type Err = BrokerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            BrokerError::BadUrl(format!(
                "'{s}' {why}; use mqtt://HOST:PORT or mqtts://HOST:PORT (TLS)"
            ))
        };
        let (tls, rest) = if let Some(r) = s.strip_prefix("mqtts://") {
            (true, r)
        } else if let Some(r) = s.strip_prefix("mqtt://") {
            (false, r)
        } else {
            return Err(bad("is not a broker URL"));
        };
        let rest = rest.trim_end_matches('/');
        if rest.contains('/') || rest.contains('@') || rest.contains('?') {
            return Err(bad("has a path, query or user name in it (credentials go in a file or the environment)"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("has an unclosed '['"))?;
            (h, after.strip_prefix(':'))
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("has no host"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("has an invalid port"))?,
            None if tls => 8883,
            None => 1883,
        };
        Ok(Self {
            tls,
            host: host.to_string(),
            port,
        })
    }
}

/// A broker user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl Credentials {
    /// A user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }

    /// Reads a credentials file: the user name on the first line, the password on the second.
    pub fn from_file(path: &Path) -> Result<Self, BrokerError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            BrokerError::Credentials(format!(
                "cannot read credentials file {}: {e}",
                path.display()
            ))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    log::warn!(
                        "credentials file {} can be read by other users; chmod 600 it",
                        path.display()
                    );
                }
            }
        }
        let mut lines = text.lines();
        let username = lines.next().unwrap_or("").trim().to_string();
        let password = lines
            .next()
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        if username.is_empty() || password.is_empty() {
            return Err(BrokerError::Credentials(format!(
                "credentials file {} must hold the user name on line 1 and the password on line 2",
                path.display()
            )));
        }
        Ok(Self { username, password })
    }

    /// Reads `KESTREL_BROKER_USERNAME` and `KESTREL_BROKER_PASSWORD`; `None` if neither is set.
    pub fn from_env() -> Result<Option<Self>, BrokerError> {
        let user = std::env::var(ENV_USERNAME).ok().filter(|v| !v.is_empty());
        let pass = std::env::var(ENV_PASSWORD).ok().filter(|v| !v.is_empty());
        match (user, pass) {
            (None, None) => Ok(None),
            (Some(u), Some(p)) => Ok(Some(Self::new(u, p))),
            _ => Err(BrokerError::Credentials(format!(
                "set both {ENV_USERNAME} and {ENV_PASSWORD}, or neither"
            ))),
        }
    }
}

/// Why a broker configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrokerError {
    /// The broker URL is not `mqtt://HOST:PORT` or `mqtts://HOST:PORT`, or carries a secret.
    #[error("{0}")]
    BadUrl(String),
    /// The credentials file or environment variables are missing or unreadable.
    #[error("{0}")]
    Credentials(String),
    /// The CA or TLS settings cannot be used.
    #[error("{0}")]
    Tls(String),
}

/// Everything needed to connect to the broker; building it reads the CA file, so mistakes show
/// up at start rather than at the first reconnect.
#[derive(Clone)]
pub struct BrokerConfig {
    /// The broker.
    pub url: BrokerUrl,
    credentials: Option<Credentials>,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// MQTT keep-alive: how soon a dead connection is noticed.
    pub keep_alive: Duration,
}

impl fmt::Debug for BrokerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerConfig")
            .field("url", &self.url.to_string())
            .field("credentials", &self.credentials)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl BrokerConfig {
    /// A broker at `url`; with TLS, trusting `ca_file` (PEM) or else the system's roots.
    pub fn new(
        url: BrokerUrl,
        ca_file: Option<&Path>,
        credentials: Option<Credentials>,
    ) -> Result<Self, BrokerError> {
        let tls = match (url.tls, ca_file) {
            (true, ca) => Some(Arc::new(tls_config(ca)?)),
            (false, Some(ca)) => {
                return Err(BrokerError::Tls(format!(
                    "--ca {} given for a plain mqtt:// broker; use mqtts://{}:{} for TLS",
                    ca.display(),
                    url.host,
                    url.port
                )))
            }
            (false, None) => None,
        };
        Ok(Self {
            url,
            credentials,
            tls,
            keep_alive: Duration::from_secs(15),
        })
    }

    /// MQTT options for a client called `client_id`.
    pub fn options(&self, client_id: &str, clean_session: bool) -> MqttOptions {
        let mut o = MqttOptions::new(client_id, self.url.host.clone(), self.url.port);
        o.set_keep_alive(self.keep_alive);
        o.set_clean_session(clean_session);
        o.set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
        if let Some(c) = &self.credentials {
            o.set_credentials(c.username.clone(), c.password.clone());
        }
        if let Some(tls) = &self.tls {
            o.set_transport(Transport::Tls(TlsConfiguration::Rustls(tls.clone())));
        }
        o
    }
}

/// Socket options for every Kestrel MQTT connection: no Nagle delay (a sighting or an ack is one
/// small packet that must go out now, not 40 ms later) and a 10 s connect timeout.
pub fn network_options() -> NetworkOptions {
    let mut n = NetworkOptions::new();
    n.set_tcp_nodelay(true);
    n.set_connection_timeout(10);
    n
}

fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, BrokerError> {
    super::tls::client_config(ca_file, None, "give the broker's CA with --ca FILE")
        .map_err(BrokerError::Tls)
}

/// A connection failure in words a user can act on.
pub fn describe(url: &BrokerUrl, e: &ConnectionError) -> String {
    match e {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::BadUserNamePassword => format!(
                "{url} refused the user name or password (set them in a credentials file or {ENV_USERNAME}/{ENV_PASSWORD})"
            ),
            ConnectReturnCode::NotAuthorized => format!(
                "{url} refused the connection as not authorised: check the user name or password (credentials file or {ENV_USERNAME}/{ENV_PASSWORD}) and the broker's ACL"
            ),
            other => format!("{url} refused the connection: {other:?}"),
        },
        ConnectionError::Io(io) => format!("cannot reach the broker at {url}: {io}"),
        ConnectionError::Tls(t) => format!(
            "TLS with {url} failed: {t} (is --ca the CA that signed the broker's certificate, and does the certificate name the host?)"
        ),
        ConnectionError::NetworkTimeout => format!("no answer from the broker at {url} (timed out)"),
        other => format!("connection to {url} lost: {other}"),
    }
}

/// The MQTT events of one connection, polled on their own task.
pub type Events = mpsc::UnboundedReceiver<Result<Event, ConnectionError>>;

/// Aborts a task when dropped, so a session's poller never outlives the session.
pub struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Polls `eventloop` on its own task until its first error, so that whatever the session waits
/// on never stalls keep-alives; polling stops when the returned guard is dropped.
pub fn spawn_poller(mut eventloop: EventLoop) -> (Events, AbortOnDrop) {
    let (tx, events) = mpsc::unbounded_channel();
    let poller = tokio::spawn(async move {
        loop {
            let ev = eventloop.poll().await;
            let failed = ev.is_err();
            if tx.send(ev).is_err() || failed {
                break;
            }
        }
    });
    (events, AbortOnDrop(poller.abort_handle()))
}

/// Waits up to 30 s for the broker at `url` to accept the connection: `Ok(true)` once it has,
/// `Ok(false)` if `stop` changed first, or why it failed in words a user can act on.
pub async fn wait_connack(
    events: &mut Events,
    url: &BrokerUrl,
    stop: &mut watch::Receiver<bool>,
) -> Result<bool, String> {
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(Ok(Event::Incoming(Packet::ConnAck(_)))) => return Ok(true),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(describe(url, &e)),
                None => return Err(format!("connection to {url} ended")),
            },
            _ = &mut deadline => return Err(format!("no answer from the broker at {url} within 30 s")),
            _ = stop.changed() => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_default_ports_and_refuse_other_schemes() {
        let u: BrokerUrl = "mqtt://broker.local".parse().unwrap();
        assert_eq!(
            (u.tls, u.host.as_str(), u.port),
            (false, "broker.local", 1883)
        );
        let u: BrokerUrl = "mqtts://10.0.0.5:8884".parse().unwrap();
        assert_eq!((u.tls, u.host.as_str(), u.port), (true, "10.0.0.5", 8884));
        let u: BrokerUrl = "mqtts://[::1]".parse().unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 8883));
        assert_eq!(u.to_string(), "mqtts://[::1]:8883");
        for bad in [
            "tcp://x:1",
            "mqtt://",
            "mqtt://x:0",
            "mqtt://x:99999",
            "mqtt://user:pw@x:1",
            "x:1883",
        ] {
            let e = bad.parse::<BrokerUrl>().unwrap_err().to_string();
            assert!(e.contains("mqtt://HOST:PORT"), "{bad}: {e}");
        }
    }

    #[test]
    fn credentials_file_needs_two_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("creds");
        std::fs::write(&p, "console7\ns3cret pass\n").unwrap();
        let c = Credentials::from_file(&p).unwrap();
        assert_eq!(c.username, "console7");
        assert_eq!(c.password, "s3cret pass");
        assert!(!format!("{c:?}").contains("s3cret"));
        std::fs::write(&p, "only-user\n").unwrap();
        assert!(Credentials::from_file(&p)
            .unwrap_err()
            .to_string()
            .contains("line 2"));
    }

    #[test]
    fn tls_needs_a_readable_ca_and_plain_mqtt_refuses_one() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let url: BrokerUrl = "mqtts://localhost:1".parse().unwrap();
        assert!(BrokerConfig::new(url, Some(&missing), None)
            .unwrap_err()
            .to_string()
            .contains("nope.pem"));
        let plain: BrokerUrl = "mqtt://localhost:1".parse().unwrap();
        assert!(BrokerConfig::new(plain, Some(&missing), None)
            .unwrap_err()
            .to_string()
            .contains("mqtts://"));
    }
}
