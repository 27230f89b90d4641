//! The command centre's web page (`kestrel dispatch serve --http ADDR`): every console's aircraft
//! live on a map, key areas, sightings with their pictures as they arrive, and acknowledgement by
//! a named dispatcher, which travels back to the console. Served from the binary itself (no CDN,
//! no internet), over HTTP or HTTPS, to logged-in dispatcher accounts only.
//!
//! - [`accounts`]: dispatcher accounts (Argon2id hashes) and roles.
//! - [`sessions`]: session cookies, CSRF tokens and the login brake.
//! - [`feed`]: the live fleet and the events pushed to open pages (a receiver output).
//! - [`assets`]: the page's files, built in.
//! - `api`: the HTTP routes (documented in README.md, "Command centre in the browser").
//! - `listener`: plain TCP or TLS connections for the HTTP server.
//! - [`video`]: live video from the consoles to the page over WebRTC.

pub mod accounts;
mod api;
pub mod assets;
pub mod feed;
mod listener;
pub mod sessions;
pub mod video;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::accounts::AccountStore;
use self::feed::WebFeed;
use self::sessions::{LoginLimiter, Sessions};
use self::video::VideoHub;
use crate::audit::AuditLog;
use crate::dispatch::centre::receiver::AckPublisher;
use crate::dispatch::centre::store::DispatchStore;
use crate::tiles::TileBytes;

/// How the page is served.
pub struct WebConfig {
    /// Where to listen, e.g. 127.0.0.1:8080 (0.0.0.0:8443 to serve the whole command centre).
    pub addr: SocketAddr,
    /// HTTPS with this certificate chain and private key (PEM files); plain HTTP without.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Dispatcher accounts.
    pub accounts: AccountStore,
    /// Map tiles for the page; `None` draws no base map.
    pub tiles: Option<TileBytes>,
    /// The tiles' attribution line.
    pub attribution: String,
    /// Key areas, as a GeoJSON FeatureCollection ([`page_areas`]).
    pub areas_geojson: String,
    /// This dispatch's name, shown in the page's header.
    pub dispatch_name: String,
    /// Where logins, acknowledgements and tasks are recorded; `None` records nothing.
    pub audit: Option<AuditLog>,
    /// Live video for the page; `None` offers none.
    pub video: Option<Arc<VideoHub>>,
}

/// Key areas as the page gets them: a GeoJSON FeatureCollection with each area's shape, name,
/// category, priority, revisit interval and altitude only. Nothing else goes to browsers: a
/// camera's RTSP address can carry its password, and extra properties are whatever an import held.
pub fn page_areas(areas: &[crate::plan::areas::KeyArea]) -> String {
    let features: Vec<serde_json::Value> = areas
        .iter()
        .map(|a| {
            let mut f = crate::plan::areas::geojson::area_to_feature(a);
            if let Some(p) = f["properties"].as_object_mut() {
                p.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "name" | "category" | "priority" | "revisit_min" | "alt_m"
                    )
                });
            }
            f
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// Why the page cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {source} (is another server on that port, or is the address not this machine's?)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        source: std::io::Error,
    },
    /// The certificate or key cannot be used.
    #[error("HTTPS: {0}")]
    Tls(String),
}

/// A running web server.
pub struct WebHandle {
    addr: SocketAddr,
    https: bool,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WebHandle {
    /// The address it listens on (the port is real when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address, e.g. `http://127.0.0.1:8080/`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}/",
            if self.https { "https" } else { "http" },
            self.addr
        )
    }

    /// Closes the listener and waits for open requests to finish (open event streams end).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// What every request handler shares.
struct Shared {
    store: DispatchStore,
    feed: Arc<WebFeed>,
    acks: AckPublisher,
    accounts: AccountStore,
    sessions: Sessions,
    limiter: LoginLimiter,
    tiles: Option<TileBytes>,
    attribution: String,
    areas_geojson: String,
    dispatch_name: String,
    https: bool,
    stopping: watch::Receiver<bool>,
    audit: Option<AuditLog>,
    video: Option<Arc<VideoHub>>,
}

impl Shared {
    /// Records that a dispatcher is about to act; `Err` (the reason) when the entry cannot be
    /// written, and then the action must not happen: nothing stands without its audit entry.
    fn audit_first(&self, who: &str, action: &str, detail: &str) -> Result<(), String> {
        match &self.audit {
            Some(log) => log
                .append(who, None, action, detail, "requested")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Records how a dispatcher's action ended. The action has happened; a failure to record
    /// its outcome is logged loudly for the evidence custodian (its request is on record).
    fn audit(&self, who: &str, action: &str, detail: &str) {
        if let Some(log) = &self.audit {
            if let Err(e) = log.append(who, None, action, detail, "done") {
                log::error!(
                    "dispatch web: {who}'s {action} ({detail}) happened but could not be audited: {e}"
                );
            }
        }
    }
}

/// Starts serving the page (inside a tokio runtime). Binds now, so a taken port or a bad
/// certificate is an error here rather than a silent background failure.
pub async fn start(
    config: WebConfig,
    store: DispatchStore,
    feed: Arc<WebFeed>,
    acks: AckPublisher,
) -> Result<WebHandle, WebError> {
    let tls = match &config.tls {
        Some((cert, key)) => Some(Arc::new(
            crate::dispatch::tls::server_config(cert, key).map_err(WebError::Tls)?,
        )),
        None => None,
    };
    let https = tls.is_some();
    let tcp = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| WebError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = tcp.local_addr().map_err(|source| WebError::Bind {
        addr: config.addr,
        source,
    })?;
    let listener = listener::WebListener::start(tcp, tls);
    let (stop, stopping) = watch::channel(false);
    let shared = Arc::new(Shared {
        store,
        feed,
        acks,
        accounts: config.accounts,
        sessions: Sessions::default(),
        limiter: LoginLimiter::default(),
        tiles: config.tiles,
        attribution: config.attribution,
        areas_geojson: config.areas_geojson,
        dispatch_name: config.dispatch_name,
        https,
        stopping: stopping.clone(),
        audit: config.audit,
        video: config.video.clone(),
    });
    if let Some(hub) = config.video {
        tokio::spawn(hub.run(stopping.clone()));
    }
    let app = api::router(shared);
    let mut until = stopping;
    let task = tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<listener::ClientAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = until.wait_for(|s| *s).await;
        })
        .await;
        if let Err(e) = served {
            log::warn!("dispatch web: the server stopped: {e}");
        }
    });
    Ok(WebHandle {
        addr,
        https,
        stop,
        task,
    })
}
