//! Live video for the command centre's page: which aircraft's video is being received, who is
//! watching it, and asking the consoles for it.
//!
//! A dispatcher opening an aircraft's video gets a WebRTC viewer ([`crate::video::webrtc`]).
//! The first viewer of an aircraft opens an SRT listener on a port from the configured range
//! ([`crate::video::srt_ingest`]) and the hub asks the aircraft's console, over the broker, to
//! send its video there; it asks again every [`ASK_EVERY`] while anyone watches. When the last
//! viewer goes, the hub stops asking, the console's lease runs out and it stops sending, and the
//! listener closes [`LINGER`] later (a dispatcher who reopens at once finds it still there).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::dispatch::centre::receiver::VideoAsker;
use crate::dispatch::live_video::LiveVideoRequest;
use crate::video::srt_ingest::{Ingest, IngestConfig};
use crate::video::webrtc::{self, Viewer, ViewerError};

/// How often consoles are asked again for the video someone watches.
pub const ASK_EVERY: Duration = Duration::from_secs(4);

/// How long each request holds at the console (several asks fit in it).
const LEASE: Duration = Duration::from_secs(15);

/// How long a listener nobody watches stays open.
const LINGER: Duration = Duration::from_secs(10);

/// A viewer whose browser has not connected this long after its answer is given up.
const NEVER_CONNECTED: Duration = Duration::from_secs(30);

/// Most viewers at once over all aircraft (each is a pipeline and a UDP port pair).
const MAX_VIEWERS: usize = 64;

/// How dispatch receives live video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoConfig {
    /// Local address the SRT listeners bind, e.g. `0.0.0.0`.
    pub bind: String,
    /// The UDP ports they may use (one per aircraft being watched), inclusive.
    pub ports: (u16, u16),
    /// The host consoles reach dispatch at (goes into the `srt://HOST:PORT` they are sent).
    pub advertise: String,
    /// SRT latency, milliseconds: how long lost packets are retransmitted on the way.
    pub latency_ms: u32,
}

/// Why a viewer could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Every port of the range is in use.
    #[error(
        "no free port for more live video (ports {0}-{1} are all in use); widen --video-ports"
    )]
    NoPort(u16, u16),
    /// Too many viewers.
    #[error("{MAX_VIEWERS} live videos are already open at this dispatch; close one first")]
    Full,
    /// The viewer's WebRTC set-up failed.
    #[error(transparent)]
    Viewer(#[from] ViewerError),
    /// The listener could not start.
    #[error("{0}")]
    Ingest(String),
}

/// One aircraft's video being received.
struct Feed {
    ingest: Arc<Ingest>,
    request: LiveVideoRequest,
    nobody_since: Option<Instant>,
}

struct Watching {
    key: (String, u8),
    viewer: Viewer,
    user: String,
    since: Instant,
}

#[derive(Default)]
struct Inner {
    feeds: HashMap<(String, u8), Feed>,
    viewers: HashMap<Uuid, Watching>,
}

/// What the page is told about an open viewer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ViewerInfo {
    /// The viewer's id (its resource is `/api/video/sessions/ID`).
    pub id: Uuid,
    /// The console.
    pub console: String,
    /// The aircraft.
    pub sysid: u8,
    /// Who watches.
    pub user: String,
    /// The WebRTC connection state.
    pub state: &'static str,
    /// Frames dispatch has received of this aircraft's video.
    pub frames_received: u64,
    /// Seconds since it was opened.
    pub open_s: u64,
}

/// The live-video hub of one `dispatch serve`.
pub struct VideoHub {
    config: VideoConfig,
    asker: VideoAsker,
    inner: Mutex<Inner>,
    next_id: AtomicU64,
}

impl VideoHub {
    /// A hub asking consoles through `asker`.
    pub fn new(config: VideoConfig, asker: VideoAsker) -> Arc<Self> {
        Arc::new(Self {
            config,
            asker,
            inner: Mutex::new(Inner::default()),
            next_id: AtomicU64::new(1),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens a viewer of `console`'s aircraft `sysid` for the browser's SDP `offer`; returns
    /// its id and the SDP answer. Blocking (WebRTC set-up): call it off the async threads, in
    /// the runtime.
    pub fn open(
        &self,
        console: &str,
        sysid: u8,
        offer: &str,
        user: &str,
    ) -> Result<(Uuid, String), HubError> {
        let key = (console.to_string(), sysid);
        let ingest = {
            let mut inner = self.lock();
            if inner.viewers.len() >= MAX_VIEWERS {
                return Err(HubError::Full);
            }
            match inner.feeds.get_mut(&key) {
                Some(feed) => {
                    feed.nobody_since = None;
                    feed.ingest.clone()
                }
                None => {
                    let feed = self.open_feed(&inner, console, sysid)?;
                    let ingest = feed.ingest.clone();
                    self.asker.ask(console, feed.request.clone());
                    inner.feeds.insert(key.clone(), feed);
                    ingest
                }
            }
        };
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let answer = match webrtc::answer(offer, &ingest, n) {
            Ok(a) => a,
            Err(e) => {
                self.after_viewer_left(&key);
                return Err(e.into());
            }
        };
        let id = Uuid::new_v4();
        let mut inner = self.lock();
        inner.viewers.insert(
            id,
            Watching {
                key,
                viewer: answer.viewer,
                user: user.to_string(),
                since: Instant::now(),
            },
        );
        Ok((id, answer.sdp))
    }

    /// Starts receiving an aircraft's video on a free port of the range.
    fn open_feed(&self, inner: &Inner, console: &str, sysid: u8) -> Result<Feed, HubError> {
        let (lo, hi) = self.config.ports;
        let used: Vec<u16> = inner.feeds.values().map(|f| f.ingest.port()).collect();
        let port = (lo..=hi)
            .filter(|p| !used.contains(p))
            .find(|p| std::net::UdpSocket::bind((self.config.bind.as_str(), *p)).is_ok())
            .ok_or(HubError::NoPort(lo, hi))?;
        let passphrase = Uuid::new_v4().simple().to_string();
        let ingest = Ingest::start(IngestConfig {
            bind: self.config.bind.clone(),
            port,
            passphrase: passphrase.clone(),
            latency_ms: self.config.latency_ms,
        })
        .map_err(|e| HubError::Ingest(e.to_string()))?;
        let host = if self.config.advertise.contains(':') && !self.config.advertise.starts_with('[')
        {
            format!("[{}]", self.config.advertise)
        } else {
            self.config.advertise.clone()
        };
        log::info!("dispatch video: receiving {console}/{sysid} on port {port}");
        Ok(Feed {
            ingest,
            request: LiveVideoRequest {
                aircraft: sysid,
                url: format!("srt://{host}:{port}"),
                streamid: format!("{console}/{sysid}"),
                passphrase,
                latency_ms: self.config.latency_ms,
                lease_s: LEASE.as_secs() as u32,
            },
            nobody_since: None,
        })
    }

    /// Closes a viewer; `false` if there is none with that id (or it is someone else's).
    pub fn close(&self, id: Uuid, user: &str) -> bool {
        let removed = {
            let mut inner = self.lock();
            match inner.viewers.get(&id) {
                Some(w) if w.user == user => inner.viewers.remove(&id),
                _ => None,
            }
        };
        let Some(w) = removed else {
            return false;
        };
        self.after_viewer_left(&w.key);
        // The pipeline stops off the lock.
        drop(w);
        true
    }

    /// Starts the listener's linger when nobody watches `key` any more.
    fn after_viewer_left(&self, key: &(String, u8)) {
        let mut inner = self.lock();
        let watched = inner.viewers.values().any(|w| &w.key == key);
        if let (false, Some(feed)) = (watched, inner.feeds.get_mut(key)) {
            feed.nobody_since.get_or_insert_with(Instant::now);
        }
    }

    /// The open viewers.
    pub fn viewers(&self) -> Vec<ViewerInfo> {
        let inner = self.lock();
        let mut list: Vec<ViewerInfo> = inner
            .viewers
            .iter()
            .map(|(id, w)| ViewerInfo {
                id: *id,
                console: w.key.0.clone(),
                sysid: w.key.1,
                user: w.user.clone(),
                state: w.viewer.state(),
                frames_received: inner.feeds.get(&w.key).map_or(0, |f| f.ingest.frames()),
                open_s: w.since.elapsed().as_secs(),
            })
            .collect();
        list.sort_by_key(|v| std::cmp::Reverse(v.open_s));
        list
    }

    /// One round of upkeep: drops viewers whose browser went, closes listeners nobody watched
    /// for [`LINGER`], and asks consoles again for the video still watched.
    pub fn tend(&self) {
        let gone: Vec<Watching> = {
            let mut inner = self.lock();
            let ids: Vec<Uuid> = inner
                .viewers
                .iter()
                .filter(|(_, w)| {
                    w.viewer.gone()
                        || (w.since.elapsed() > NEVER_CONNECTED && w.viewer.state() != "connected")
                })
                .map(|(id, _)| *id)
                .collect();
            ids.iter()
                .filter_map(|id| inner.viewers.remove(id))
                .collect()
        };
        for w in &gone {
            log::info!(
                "dispatch video: {}'s viewer of {}/{} ended ({})",
                w.user,
                w.key.0,
                w.key.1,
                w.viewer.state()
            );
            self.after_viewer_left(&w.key);
        }
        drop(gone);
        let mut inner = self.lock();
        inner
            .feeds
            .retain(|_, f| f.nobody_since.is_none_or(|t| t.elapsed() < LINGER));
        for ((console, _), feed) in &inner.feeds {
            if feed.nobody_since.is_none() {
                self.asker.ask(console, feed.request.clone());
            }
        }
    }

    /// Tends the hub every [`ASK_EVERY`] until `stop` turns true.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(ASK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let hub = self.clone();
                    let _ = tokio::task::spawn_blocking(move || hub.tend()).await;
                }
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
            }
        }
    }
}
