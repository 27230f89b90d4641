//! The console core's sightings service: it opens the sightings queue in the data directory,
//! keeps the live list for the window (the feed), saves sightings the crew marks — at an
//! aircraft, at a map point or at a pixel of the video — durably before saying so, records them
//! in the audit trail, runs the sync worker to dispatch when a broker is configured (fleet
//! positions once a second included), exports Cursor-on-Target to TAK when asked, and reports the
//! dispatch connection (connected / offline with the reason / backlog). Everything runs on the
//! core's tokio runtime; the window only sends [`SightingIntent`]s and reads [`DispatchState`].

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use tokio::sync::watch;
use uuid::Uuid;

use super::dispatch_settings::DispatchSettings;
use crate::dispatch::cot::{self, CotSender};
use crate::dispatch::outbox::fleet::{report, FleetSource};
use crate::dispatch::outbox::sync::{self, SyncConfig, SyncHandle, SyncStatus};
use crate::sightings::from_video::{sighting_from_video, VideoCamera};
use crate::sightings::projection::GimbalAttitude;
use crate::sightings::{
    Category, DeliveryState, LocatedBy, NewSighting, Position, Priority, QueueCounts, Sighting,
    SightingEdit, SightingRecord, SightingStore, SnapshotData, Timestamp,
};
use crate::station::Station;
use crate::video::exif::GeoTag;
use crate::video::frame::VideoFrame;
use crate::video::snapshot::{self as video_snapshot, SnapshotMeta};

/// A gimbal attitude older than this is not trusted for a video pick (the fixed pitch is used).
const GIMBAL_FRESH: Duration = Duration::from_secs(5);
/// How long a reconfiguration waits for the old sync worker to let go of the queue.
const STOP_WAIT: Duration = Duration::from_secs(5);
/// How often aircraft positions go to TAK.
const COT_INTERVAL: Duration = Duration::from_secs(1);

/// Where a new sighting is.
#[derive(Debug, Clone, PartialEq)]
pub enum SightingPlace {
    /// At the aircraft's current position (what the crew sees below).
    Aircraft(u8),
    /// At a point picked on the map, seen from `sysid` when one is selected.
    Map {
        /// Latitude, degrees.
        lat: f64,
        /// Longitude, degrees.
        lon: f64,
        /// How precisely the point was picked, metres (from the map's scale).
        accuracy_m: Option<f64>,
        /// The aircraft the crew was watching from.
        sysid: Option<u8>,
    },
    /// At a pixel of `sysid`'s video, normalised 0..1 from the picture's top-left corner,
    /// projected to the ground.
    Video {
        /// The aircraft whose camera it is.
        sysid: u8,
        /// 0 left … 1 right.
        x: f64,
        /// 0 top … 1 bottom.
        y: f64,
    },
}

/// The video frame on screen when the sighting was marked; the core encodes it as a geotagged
/// JPEG off the window's thread and attaches it.
#[derive(Clone)]
pub struct VideoSnapshot(pub Arc<VideoFrame>);

impl std::fmt::Debug for VideoSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "VideoSnapshot({}x{} #{})",
            self.0.width, self.0.height, self.0.seq
        )
    }
}

impl PartialEq for VideoSnapshot {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What the crew marked.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkRequest {
    /// Where.
    pub place: SightingPlace,
    /// What.
    pub category: Category,
    /// How urgent.
    pub priority: Priority,
    /// Free text.
    pub note: String,
    /// A JPEG to attach (e.g. a photo), when one is at hand.
    pub snapshot_jpeg: Option<Vec<u8>>,
    /// The video frame to attach as a JPEG (ignored when `snapshot_jpeg` is given).
    pub video_frame: Option<VideoSnapshot>,
}

impl MarkRequest {
    /// A sighting of `category` at `place`, normal priority, no note.
    pub fn new(place: SightingPlace, category: Category) -> Self {
        Self {
            place,
            category,
            priority: Priority::Normal,
            note: String::new(),
            snapshot_jpeg: None,
            video_frame: None,
        }
    }
}

/// What the window asks the sightings service.
#[derive(Debug, Clone)]
pub enum SightingIntent {
    /// Save a new sighting (answered by [`SightingEvent::Saved`] once it is on disk).
    Mark {
        /// From [`super::ConsoleHandle::next_command_id`], to match the answer.
        id: u64,
        /// The sighting.
        request: MarkRequest,
    },
    /// Change a sighting that is still queued (answered by [`SightingEvent::Edited`]).
    Edit {
        /// The sighting.
        id: Uuid,
        /// The changes.
        edit: SightingEdit,
    },
    /// Append a correction to a sighting already sent (answered by [`SightingEvent::Edited`]).
    Correct {
        /// The sighting corrected.
        id: Uuid,
        /// The changes.
        edit: SightingEdit,
    },
    /// Use new dispatch settings (restarts the sync worker and CoT export).
    Configure(Box<DispatchSettings>),
    /// New callsigns for the fleet reports and new sightings.
    SetCallsigns(BTreeMap<u8, String>),
}

/// What the sightings service tells the window.
#[derive(Debug, Clone, PartialEq)]
pub enum SightingEvent {
    /// A marked sighting is durably saved (or why not).
    Saved {
        /// The request's id.
        request: u64,
        /// The saved sighting, or an actionable reason.
        result: Result<Sighting, String>,
    },
    /// An edit or correction is saved (the correction is a new sighting), or why not.
    Edited {
        /// The sighting edited or corrected.
        id: Uuid,
        /// The edited sighting or the correction.
        result: Result<Sighting, String>,
    },
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
    // --- cot tls ---
    /// Why CoT export does not reach TAK right now (a refused certificate, a dropped stream);
    /// `None` while it works or is off.
    pub cot_down: Option<String>,
    // --- end cot tls ---
}

impl DispatchState {
    /// Sightings dispatch has not acknowledged yet.
    pub fn backlog(&self) -> u64 {
        self.counts.unacknowledged()
    }
}

/// Counts per delivery state of a list.
pub fn count(list: &[SightingRecord]) -> QueueCounts {
    let mut c = QueueCounts::default();
    for r in list {
        match r.state {
            DeliveryState::Queued => c.queued += 1,
            DeliveryState::Delivered => c.delivered += 1,
            DeliveryState::Acknowledged => c.acknowledged += 1,
        }
    }
    c
}

/// The line written to the audit trail for a sighting (the same as `kestrel sighting` writes).
pub fn audit_detail(s: &Sighting) -> String {
    format!(
        "{} {} ({}) at {:.6}, {:.6}: {}",
        s.id, s.category, s.priority, s.position.lat, s.position.lon, s.note
    )
}

type Gimbals = Arc<Mutex<HashMap<u8, (Instant, GimbalAttitude)>>>;
type Callsigns = Arc<Mutex<BTreeMap<u8, String>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The sightings service inside the console's core.
pub(crate) struct SightingsCore {
    station: Station,
    data_dir: Option<PathBuf>,
    store: Option<SightingStore>,
    queue_error: Option<String>,
    feed: Option<watch::Receiver<Arc<Vec<SightingRecord>>>>,
    settings: DispatchSettings,
    sync: Option<SyncHandle>,
    sync_status: Option<watch::Receiver<SyncStatus>>,
    config_error: Option<String>,
    cot: Option<(CotSender, tokio::task::AbortHandle)>,
    gimbals: Gimbals,
    callsigns: Callsigns,
    events: Sender<super::Event>,
}

impl SightingsCore {
    /// Opens the queue in `data_dir` and starts what `settings` ask for (inside the runtime).
    pub(crate) async fn start(
        station: Station,
        data_dir: Option<PathBuf>,
        settings: DispatchSettings,
        callsigns: BTreeMap<u8, String>,
        events: Sender<super::Event>,
    ) -> Self {
        let (store, queue_error) = match &data_dir {
            None => (
                None,
                Some("no data directory, so sightings cannot be saved".to_string()),
            ),
            Some(dir) => {
                let dir = dir.clone();
                match tokio::task::spawn_blocking(move || SightingStore::open_in(&dir)).await {
                    Ok(Ok(s)) => (Some(s), None),
                    Ok(Err(e)) => (None, Some(e.to_string())),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
        };
        if let Some(e) = &queue_error {
            log::warn!("sightings: {e}");
        }
        let feed = store
            .as_ref()
            .map(|s| crate::sightings::feed::watch_list(s.clone()));
        let gimbals: Gimbals = Arc::default();
        tokio::spawn(track_gimbals(station.clone(), gimbals.clone()));
        let mut core = Self {
            station,
            data_dir,
            store,
            queue_error,
            feed,
            settings: DispatchSettings::default(),
            sync: None,
            sync_status: None,
            config_error: None,
            cot: None,
            gimbals,
            callsigns: Arc::new(Mutex::new(callsigns)),
            events,
        };
        core.configure(settings).await;
        core
    }

    /// Stops the sync worker (the queue stays as it is on disk).
    pub(crate) async fn shutdown(&mut self) {
        if let Some(h) = self.sync.take() {
            let _ = tokio::time::timeout(STOP_WAIT, h.stop()).await;
        }
        if let Some((_, task)) = self.cot.take() {
            task.abort();
        }
    }

    /// (Re)starts the sync worker and CoT export for `settings`.
    async fn configure(&mut self, settings: DispatchSettings) {
        self.shutdown().await;
        self.sync_status = None;
        self.config_error = None;
        self.settings = settings;
        if let Err(e) = self.settings.validate() {
            self.config_error = Some(e);
            return;
        }
        match self.settings.cot_target() {
            Ok(Some(target)) => match CotSender::connect(target, &self.settings.cot_tls()) {
                Ok(sender) => {
                    let task = tokio::spawn(export_fleet(
                        self.station.clone(),
                        sender.clone(),
                        self.console_id(),
                        self.callsigns.clone(),
                    ));
                    self.cot = Some((sender, task.abort_handle()));
                }
                Err(e) => self.config_error = Some(e.to_string()),
            },
            Ok(None) => {}
            Err(e) => self.config_error = Some(e),
        }
        let Some(store) = self.store.clone() else {
            return;
        };
        let id = self.settings.console_id.trim().to_string();
        if !id.is_empty() && id != store.console_id() {
            if let Err(e) = store.set_console_id(&id).await {
                self.config_error = Some(e.to_string());
                return;
            }
        }
        let broker = match self.settings.broker_config() {
            Ok(Some(b)) => b,
            Ok(None) => return,
            Err(e) => {
                self.config_error = Some(e);
                return;
            }
        };
        let station = self.station.clone();
        let callsigns = self.callsigns.clone();
        let fleet: FleetSource = Arc::new(move || {
            let names = lock(&callsigns).clone();
            let mut r = report(&station.snapshot());
            for a in &mut r {
                a.callsign = names.get(&a.sysid).cloned();
            }
            r
        });
        match sync::start(store, SyncConfig::new(broker), Some(fleet)) {
            Ok(h) => {
                self.sync_status = Some(h.status());
                self.sync = Some(h);
            }
            Err(e) => self.config_error = Some(e.to_string()),
        }
    }

    fn console_id(&self) -> String {
        let id = self.settings.console_id.trim();
        if !id.is_empty() {
            return id.to_string();
        }
        self.store
            .as_ref()
            .map(|s| s.console_id())
            .unwrap_or_default()
    }

    /// The list and the dispatch state, as of now (cheap: no disk access).
    pub(crate) fn state(&self) -> (Arc<Vec<SightingRecord>>, DispatchState) {
        let list = self
            .feed
            .as_ref()
            .map(|f| f.borrow().clone())
            .unwrap_or_default();
        let status = self.sync_status.as_ref().map(|s| s.borrow().clone());
        let connection = if let Some(e) = &self.queue_error {
            DispatchConnection::NoQueue(e.clone())
        } else if let Some(e) = &self.config_error {
            DispatchConnection::Failed(e.clone())
        } else if let Some(s) = &status {
            if self.sync.as_ref().is_some_and(|h| h.is_finished()) {
                DispatchConnection::Failed("the sync worker stopped; see the log".into())
            } else if s.connected {
                DispatchConnection::Connected
            } else if let Some(e) = &s.last_error {
                DispatchConnection::Offline { reason: e.clone() }
            } else {
                DispatchConnection::Connecting
            }
        } else {
            DispatchConnection::Off
        };
        let state = DispatchState {
            connection,
            counts: count(&list),
            console_id: self.console_id(),
            broker: self
                .settings
                .enabled()
                .then(|| self.settings.broker.trim().to_string()),
            cot: self.cot.as_ref().map(|(c, _)| c.target().to_string()),
            retry_at: status.filter(|s| !s.connected).and_then(|s| s.retry_at),
            cot_down: self.cot.as_ref().and_then(|(c, _)| match c.status() {
                cot::CotStatus::Down(why) => Some(why),
                _ => None,
            }),
        };
        (list, state)
    }

    /// Handles one intent; never waits for the disk (saves finish in the background).
    pub(crate) async fn handle(&mut self, intent: SightingIntent) {
        match intent {
            SightingIntent::Mark { id, request } => self.mark(id, request),
            SightingIntent::Edit { id, edit } => self.edit(id, edit, false),
            SightingIntent::Correct { id, edit } => self.edit(id, edit, true),
            SightingIntent::Configure(settings) => self.configure(*settings).await,
            SightingIntent::SetCallsigns(c) => *lock(&self.callsigns) = c,
        }
    }

    /// The sighting a request describes, from the latest fleet snapshot, and the video frame to
    /// encode with its metadata.
    fn resolve(
        &self,
        mut request: MarkRequest,
    ) -> Result<(NewSighting, Option<(VideoSnapshot, SnapshotMeta)>), String> {
        let frame = request.video_frame.take();
        let snap = self.station.snapshot();
        let aircraft = |sysid: u8| {
            snap.get(sysid)
                .ok_or_else(|| format!("aircraft {sysid} is not heard on any link"))
        };
        let mut new = match request.place {
            SightingPlace::Aircraft(sysid) => {
                let a = aircraft(sysid)?;
                NewSighting::at_aircraft(a, request.category).ok_or_else(|| {
                    format!("aircraft {sysid} has no position yet; mark the sighting on the map")
                })?
            }
            SightingPlace::Map {
                lat,
                lon,
                accuracy_m,
                sysid,
            } => {
                let mut s = NewSighting::new(
                    request.category,
                    Position {
                        accuracy_m,
                        ..Position::new(lat, lon)
                    },
                );
                s.located_by = LocatedBy::Map;
                s.aircraft.sysid = sysid;
                s
            }
            SightingPlace::Video { sysid, x, y } => {
                let a = aircraft(sysid)?;
                let gimbal = lock(&self.gimbals)
                    .get(&sysid)
                    .filter(|(at, _)| at.elapsed() < GIMBAL_FRESH)
                    .map(|(_, g)| *g);
                let c = self.settings.camera;
                let camera = VideoCamera {
                    hfov_deg: c.hfov_deg,
                    aspect: c.aspect,
                    fixed_pitch_deg: c.fixed_pitch_deg,
                };
                sighting_from_video(a, gimbal, &camera, x, y, request.category)
                    .map_err(|e| e.to_string())?
            }
        };
        new.priority = request.priority;
        new.note = request.note;
        if let Some(sysid) = new.aircraft.sysid {
            new.aircraft.callsign = lock(&self.callsigns).get(&sysid).cloned();
        }
        if let Some(jpeg) = request.snapshot_jpeg {
            let name = format!("video-{}.jpg", Timestamp::now().millis());
            new.snapshot = Some(SnapshotData::from_jpeg(name, jpeg).map_err(|e| e.to_string())?);
            return Ok((new, None));
        }
        let video = frame.map(|f| {
            let a = new.aircraft.sysid.and_then(|id| snap.get(id));
            let meta = SnapshotMeta {
                aircraft: new
                    .aircraft
                    .callsign
                    .clone()
                    .or_else(|| new.aircraft.sysid.map(|id| format!("aircraft {id}")))
                    .unwrap_or_default(),
                time: None,
                position: a.and_then(|a| {
                    a.position.map(|p| GeoTag {
                        lat: p.lat,
                        lon: p.lon,
                        alt_m: Some(f64::from(a.alt_amsl_m)),
                        heading_deg: Some(f64::from(a.heading_deg)),
                    })
                }),
                source: String::new(),
            };
            (f, meta)
        });
        Ok((new, video))
    }

    fn mark(&self, request_id: u64, request: MarkRequest) {
        let events = self.events.clone();
        let answer = move |result: Result<Sighting, String>| {
            let _ = events.send(super::Event::Sighting(SightingEvent::Saved {
                request: request_id,
                result,
            }));
        };
        let Some(store) = self.store.clone() else {
            answer(Err(self
                .queue_error
                .clone()
                .unwrap_or_else(|| "the sightings queue is not open".into())));
            return;
        };
        let (mut new, video) = match self.resolve(request) {
            Ok(n) => n,
            Err(e) => {
                answer(Err(e));
                return;
            }
        };
        let station = self.station.clone();
        let crew_db = self
            .data_dir
            .as_ref()
            .map(|d| d.join(crate::crew::store::FILE_NAME));
        let cot = self.cot.as_ref().map(|(c, _)| c.clone());
        let console = self.console_id();
        tokio::spawn(async move {
            let sortie = match (new.aircraft.sysid, crew_db) {
                (Some(sysid), Some(db)) => {
                    tokio::task::spawn_blocking(move || active_sortie(&db, sysid))
                        .await
                        .ok()
                        .flatten()
                }
                _ => None,
            };
            if let Some((id, team)) = &sortie {
                new.sortie = Some(id.to_string());
                new.crew = Some(team.clone());
            }
            if let Some((frame, meta)) = video {
                new.snapshot = tokio::task::spawn_blocking(move || encode_frame(&frame.0, &meta))
                    .await
                    .ok()
                    .flatten();
            }
            let result = store.add(new).await.map_err(|e| e.to_string());
            if let Ok(s) = &result {
                station.audit(
                    s.aircraft.sysid,
                    "sighting",
                    audit_detail(s),
                    "saved".into(),
                );
                if let Some(c) = &cot {
                    c.send(cot::sighting_event(s, &console));
                }
            }
            answer(result);
        });
    }

    fn edit(&self, id: Uuid, edit: SightingEdit, correction: bool) {
        let events = self.events.clone();
        let answer = move |result: Result<Sighting, String>| {
            let _ = events.send(super::Event::Sighting(SightingEvent::Edited { id, result }));
        };
        let Some(store) = self.store.clone() else {
            answer(Err("the sightings queue is not open".into()));
            return;
        };
        let station = self.station.clone();
        let cot = self.cot.as_ref().map(|(c, _)| c.clone());
        let console = self.console_id();
        tokio::spawn(async move {
            let result = if correction {
                store.correct(id, edit).await
            } else {
                store.edit(id, edit).await
            }
            .map_err(|e| e.to_string());
            if let Ok(s) = &result {
                let action = if correction {
                    "sighting_correction"
                } else {
                    "sighting_edit"
                };
                station.audit(s.aircraft.sysid, action, audit_detail(s), "saved".into());
                if let Some(c) = &cot {
                    c.send(cot::sighting_event(s, &console));
                }
            }
            answer(result);
        });
    }
}

/// The frame as a geotagged JPEG; `None` (and a warning: the sighting is saved without it) if it
/// cannot be encoded.
fn encode_frame(frame: &VideoFrame, meta: &SnapshotMeta) -> Option<SnapshotData> {
    let time = meta.time.unwrap_or(frame.received_wall);
    let encoded = video_snapshot::encode(frame, meta)
        .map_err(|e| e.to_string())
        .and_then(|(jpeg, _)| {
            SnapshotData::from_jpeg(video_snapshot::file_name(&meta.aircraft, time), jpeg)
                .map_err(|e| e.to_string())
        });
    match encoded {
        Ok(s) => Some(s),
        Err(e) => {
            log::warn!("sighting saved without its video snapshot: {e}");
            None
        }
    }
}

/// The sortie (id, team name) `sysid` is flying, from the crew database if there is one.
fn active_sortie(db: &std::path::Path, sysid: u8) -> Option<(i64, String)> {
    if !db.exists() {
        return None;
    }
    let mut store = crate::crew::CrewStore::open(db).ok()?;
    let sortie = store.active_sortie_for(sysid).ok()??;
    if let Err(e) = store.add_sightings(sortie.id, 1) {
        log::warn!("sortie {}: sighting not counted: {e}", sortie.id);
    }
    Some((sortie.id, sortie.team.name))
}

/// Keeps the latest gimbal attitude of each aircraft from the station's inbound frames.
async fn track_gimbals(station: Station, gimbals: Gimbals) {
    let mut rx = station.subscribe();
    loop {
        match rx.recv().await {
            Ok(inbound) => {
                if let Some(g) = GimbalAttitude::from_message(&inbound.message) {
                    lock(&gimbals).insert(inbound.sysid(), (inbound.at, g));
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Sends every aircraft's position to TAK once a second.
async fn export_fleet(station: Station, sender: CotSender, console: String, callsigns: Callsigns) {
    let mut tick = tokio::time::interval(COT_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let names = lock(&callsigns).clone();
        let now = Timestamp::now();
        for mut a in report(&station.snapshot()) {
            a.callsign = names.get(&a.sysid).cloned();
            if let Some(ev) = cot::aircraft_event(&console, &a, now) {
                sender.send(ev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_video_frame_becomes_a_geotagged_jpeg_snapshot() {
        let rgba: Vec<u8> = (0..64 * 36 * 4).map(|i| (i % 251) as u8).collect();
        let frame = VideoFrame::from_rgba(64, 36, rgba).unwrap();
        let meta = SnapshotMeta {
            aircraft: "EAGLE 2".into(),
            position: Some(GeoTag {
                lat: 36.45,
                lon: 115.98,
                alt_m: Some(80.0),
                heading_deg: Some(90.0),
            }),
            ..Default::default()
        };
        let snap = encode_frame(&frame, &meta).unwrap();
        assert!(snap.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(snap.file_name.ends_with(".jpg"), "{}", snap.file_name);
        assert_eq!(snap.info().sha256.len(), 64);
    }

    #[test]
    fn counts_follow_delivery_states() {
        let (s, _) = NewSighting::new(Category::Fire, Position::new(1.0, 2.0)).into_sighting();
        let rec = |state| SightingRecord {
            seq: 1,
            sighting: s.clone(),
            state,
            saved_at: Timestamp(0),
            delivered_at: None,
            acknowledged_at: None,
            corrected_by: None,
        };
        let c = count(&[
            rec(DeliveryState::Queued),
            rec(DeliveryState::Delivered),
            rec(DeliveryState::Acknowledged),
            rec(DeliveryState::Queued),
        ]);
        assert_eq!((c.queued, c.delivered, c.acknowledged), (2, 1, 1));
        assert_eq!(
            DispatchState {
                counts: c,
                ..Default::default()
            }
            .backlog(),
            3
        );
    }
}
