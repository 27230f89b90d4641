//! The console core's video: which aircraft's streams run, started and stopped as the window's
//! views need them (a stream that is recording keeps running), each played from the source
//! chosen by [`crate::video::stream_info::choose_source`] (the operator's setting, else what the
//! aircraft announced in VIDEO_STREAM_INFORMATION, else UDP 5600 + index). Snapshots are written
//! with the aircraft's position and time into `DATA_DIR/video/snapshots`, recordings into
//! `DATA_DIR/video/recordings` with their SHA-256 in `DATA_DIR/video/evidence.jsonl`.
//!
//! The window reads [`VideoFeed`]s from the published view: the newest-frame slot (a texture is
//! uploaded from it on the UI thread only when a new frame arrived) and the stream's status.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mavlink::dialects::ardupilotmega::{MavCmd, MavMessage, COMMAND_LONG_DATA};

use crate::dispatch::live_video::LiveVideoRequest;
use crate::fleet::FleetSnapshot;
use crate::station::Station;
use crate::storage;
use crate::video::exif::GeoTag;
use crate::video::recorder::{self, RecordingRequest, RecordingSummary};
use crate::video::relay::RelayTarget;
use crate::video::snapshot::{self, SnapshotMeta, SnapshotSummary};
use crate::video::stream_info::{choose_source, SourceOrigin};
use crate::video::{LatestFrame, StreamConfig, VideoEvent, VideoSource, VideoStatus, VideoStream};

use super::callsigns::Callsigns;
use super::published::EventSink;
use super::{ConsoleConfig, ConsoleError, Core, Service};

/// How often a playing stream's camera is asked again to stream (an on-demand camera stops
/// after 15 s without being asked).
const STREAM_ASK_EVERY: Duration = Duration::from_secs(5);

/// How long shutting down waits for a stream (and its recording) to finish.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the window asks of the video core.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoIntent {
    /// Play exactly these aircraft's streams (the ones on screen); others stop unless recording.
    Watch(BTreeSet<u8>),
    /// Operator's per-aircraft source URIs (override what the aircraft announces).
    Configure {
        /// Source URI by system id.
        sources: BTreeMap<u8, String>,
    },
    /// Save the aircraft's current frame as a geotagged JPEG.
    Snapshot(u8),
    /// Start (`true`) or stop recording the aircraft's stream.
    Record(u8, bool),
}

/// What the video core tells the window.
#[derive(Debug, Clone)]
pub enum VideoNotice {
    /// Something happened to an aircraft's stream (state change, recording started/finished).
    Stream {
        /// The aircraft.
        sysid: u8,
        /// What happened.
        event: VideoEvent,
    },
    /// A snapshot was saved.
    SnapshotSaved {
        /// The aircraft.
        sysid: u8,
        /// The file, its sidecar, size, SHA-256 and metadata.
        summary: SnapshotSummary,
    },
    /// A snapshot, recording or source could not be done, and why.
    Failed {
        /// The aircraft.
        sysid: u8,
        /// What went wrong (actionable).
        error: String,
    },
    /// At start-up, recordings an earlier run left unfinished (crash, kill, power cut) were
    /// fingerprinted and logged as recovered; sent once, only when there were any.
    Recovered(crate::video::recovery::RecoveryReport),
}

/// One aircraft's stream as the window sees it.
#[derive(Clone, PartialEq)]
pub struct VideoFeed {
    /// The newest decoded frame (shared with GStreamer's thread; newest wins).
    pub latest: LatestFrame,
    /// State, statistics and recording, as of the publication.
    pub status: VideoStatus,
    /// Where the source came from.
    pub origin: SourceOrigin,
    /// A source set in the settings that could not be used, and why.
    pub source_error: Option<String>,
    /// Changes whenever the stream is restarted (new frame slot), so the window can re-arm its
    /// repaint notifier.
    pub generation: u64,
}

impl std::fmt::Debug for VideoFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFeed")
            .field("status", &self.status)
            .field("origin", &self.origin)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// A running stream.
struct Running {
    stream: Arc<VideoStream>,
    source: VideoSource,
    origin: SourceOrigin,
    source_error: Option<String>,
    generation: u64,
    /// The operator asked to record and has not stopped.
    recording: bool,
    /// Where it is being sent for dispatch, as last told to the stream.
    relay: Option<RelayTarget>,
}

/// Dispatch wants an aircraft's video until `until` (renewed by each request).
struct RelayWanted {
    target: RelayTarget,
    until: std::time::Instant,
}

/// The video of the console.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VideoView {
    /// The core plays video (the window shows its video views and asks for streams).
    pub enabled: bool,
    /// The streams playing, by system id.
    pub feeds: Arc<BTreeMap<u8, VideoFeed>>,
}

/// The video streams of the console core.
pub struct VideoService {
    station: Station,
    events: EventSink,
    callsigns: Callsigns,
    enabled: bool,
    data_dir: Option<PathBuf>,
    streams: BTreeMap<u8, Running>,
    wanted: BTreeSet<u8>,
    sources: BTreeMap<u8, String>,
    generation: u64,
    /// When the disk was last checked under running recordings.
    disk_checked: Option<std::time::Instant>,
    /// When each playing aircraft's camera was last asked to stream.
    asked: BTreeMap<u8, std::time::Instant>,
    /// Dispatch's requests for live video, as they arrive.
    live_requests: crossbeam_channel::Receiver<LiveVideoRequest>,
    /// The aircraft dispatch is watching.
    relays: BTreeMap<u8, RelayWanted>,
}

/// How often the disk is checked while recording.
const DISK_CHECK_EVERY: Duration = Duration::from_secs(2);

impl Service for VideoService {
    type Intent = VideoIntent;
    type Event = VideoNotice;
    type View = VideoView;

    /// With video off in the configuration it plays nothing (headless uses of other
    /// features); with it on, first recovers what an earlier run left unfinished.
    async fn start(core: &Core, config: &ConsoleConfig) -> Result<Self, ConsoleError> {
        let service = Self {
            station: core.station.clone(),
            events: core.events.clone(),
            callsigns: core.callsigns.clone(),
            enabled: config.video,
            data_dir: core.data_dir.clone(),
            streams: BTreeMap::new(),
            wanted: BTreeSet::new(),
            sources: BTreeMap::new(),
            generation: 0,
            disk_checked: None,
            asked: BTreeMap::new(),
            live_requests: core.live_video.rx.clone(),
            relays: BTreeMap::new(),
        };
        service.start_recovery();
        Ok(service)
    }

    async fn handle(&mut self, intent: VideoIntent) {
        let snap = self.station.snapshot();
        match intent {
            VideoIntent::Watch(set) => self.wanted = set,
            VideoIntent::Configure { sources } => self.sources = sources,
            VideoIntent::Snapshot(sysid) => self.snapshot(sysid, &snap),
            VideoIntent::Record(sysid, on) => self.record(sysid, on),
        }
        self.reconcile(&snap);
    }

    /// Forwards what the streams report (state changes, recordings) to the window, and stops
    /// recordings before the disk runs out.
    fn poll(&mut self) {
        self.guard_disk();
        if self.take_live_requests() {
            let snap = self.station.snapshot();
            self.reconcile(&snap);
        }
        for (sysid, r) in &self.streams {
            for event in r.stream.events().try_iter() {
                self.events.emit(VideoNotice::Stream {
                    sysid: *sysid,
                    event,
                });
            }
        }
    }

    fn publish(&mut self, fleet: &FleetSnapshot) -> VideoView {
        self.reconcile(fleet);
        if self.enabled {
            self.ask_cameras();
        }
        VideoView {
            enabled: self.enabled,
            feeds: self.feeds(),
        }
    }

    /// Stops every stream, finishing recordings, and waits for their pipelines to go.
    async fn shutdown(&mut self) {
        let streams = std::mem::take(&mut self.streams);
        for (_, r) in streams {
            match Arc::try_unwrap(r.stream) {
                Ok(stream) => {
                    let _ = tokio::time::timeout(STOP_TIMEOUT, stream.stop()).await;
                }
                Err(shared) => drop(shared),
            }
        }
    }
}

impl VideoService {
    fn name(&self, sysid: u8) -> String {
        stream_name(self.callsigns.get(sysid), sysid)
    }

    /// Starts the streams that are wanted and not running (or whose source changed), stops the
    /// ones no longer wanted (unless recording).
    fn reconcile(&mut self, snap: &FleetSnapshot) {
        if !self.enabled {
            return;
        }
        let keep: BTreeSet<u8> = self
            .streams
            .iter()
            .filter(|(_, r)| r.recording || r.stream.status().recording.is_some())
            .map(|(s, _)| *s)
            .chain(self.wanted.iter().copied())
            .chain(self.relays.keys().copied())
            .collect();
        self.streams.retain(|sysid, _| keep.contains(sysid));
        for sysid in keep {
            let (source, origin, source_error) = choose(&self.sources, sysid, snap);
            if let Some(r) = self.streams.get(&sysid) {
                if r.source == source || r.recording {
                    continue;
                }
            }
            self.streams.remove(&sysid);
            let mut cfg = StreamConfig::new(source.clone(), self.name(sysid));
            cfg.evidence_log = self.data_dir.as_deref().map(recorder::evidence_log_path);
            match VideoStream::start(cfg) {
                Ok(stream) => {
                    self.generation += 1;
                    self.streams.insert(
                        sysid,
                        Running {
                            stream: Arc::new(stream),
                            source,
                            origin,
                            source_error,
                            generation: self.generation,
                            recording: false,
                            relay: None,
                        },
                    );
                }
                Err(e) => self.events.emit(VideoNotice::Failed {
                    sysid,
                    error: e.to_string(),
                }),
            }
        }
        self.aim_relays();
    }

    /// Tells each stream whether (and where) to send itself to dispatch.
    fn aim_relays(&mut self) {
        for (sysid, r) in self.streams.iter_mut() {
            let want = self.relays.get(sysid).map(|w| w.target.clone());
            if r.relay != want {
                r.stream.set_relay(want.clone());
                r.relay = want;
            }
        }
    }

    /// Takes dispatch's new requests and drops the expired ones; `true` if what is sent changed.
    fn take_live_requests(&mut self) -> bool {
        let now = std::time::Instant::now();
        let mut changed = false;
        for req in self.live_requests.try_iter() {
            if !self.enabled {
                continue;
            }
            let target = RelayTarget {
                url: req.url.clone(),
                streamid: req.streamid.clone(),
                passphrase: req.passphrase.clone(),
                latency_ms: req.latency_ms,
            };
            let until = now + req.lease();
            match self.relays.get_mut(&req.aircraft) {
                Some(w) if w.target == target => w.until = until,
                _ => {
                    log::info!(
                        "video: dispatch asks for aircraft {}'s video at {}",
                        req.aircraft,
                        req.url
                    );
                    self.relays
                        .insert(req.aircraft, RelayWanted { target, until });
                    changed = true;
                }
            }
        }
        let before = self.relays.len();
        self.relays.retain(|_, w| w.until > now);
        changed || self.relays.len() != before
    }

    /// Asks the camera of every stream playing to stream (MAV_CMD_VIDEO_START_STREAMING), again
    /// every [`STREAM_ASK_EVERY`]: a camera that encodes only while watched keeps streaming,
    /// one nobody watches any more stops by itself.
    fn ask_cameras(&mut self) {
        let now = std::time::Instant::now();
        self.asked.retain(|s, _| self.streams.contains_key(s));
        for sysid in self.streams.keys() {
            if self
                .asked
                .get(sysid)
                .is_some_and(|t| now.duration_since(*t) < STREAM_ASK_EVERY)
            {
                continue;
            }
            let _ = self.station.send_to(
                *sysid,
                MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                    command: MavCmd::MAV_CMD_VIDEO_START_STREAMING,
                    target_system: *sysid,
                    target_component: 0,
                    ..Default::default()
                }),
            );
            self.asked.insert(*sysid, now);
        }
    }

    /// The feeds for the next published view.
    fn feeds(&self) -> Arc<BTreeMap<u8, VideoFeed>> {
        // Statuses change every tick: rebuild (cheap: a handful of streams).
        let feeds: BTreeMap<u8, VideoFeed> = self
            .streams
            .iter()
            .map(|(sysid, r)| {
                (
                    *sysid,
                    VideoFeed {
                        latest: r.stream.latest(),
                        status: r.stream.status(),
                        origin: r.origin,
                        source_error: r.source_error.clone(),
                        generation: r.generation,
                    },
                )
            })
            .collect();
        Arc::new(feeds)
    }

    fn snapshot(&self, sysid: u8, snap: &FleetSnapshot) {
        let fail = |error: String| self.events.emit(VideoNotice::Failed { sysid, error });
        let Some(r) = self.streams.get(&sysid) else {
            return fail(format!("no video of aircraft {sysid} is playing"));
        };
        let dir = match video_dir(self.data_dir.as_deref(), "snapshots") {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        let position = snap.get(sysid).and_then(|a| {
            a.position.map(|p| GeoTag {
                lat: p.lat,
                lon: p.lon,
                alt_m: Some(f64::from(a.alt_amsl_m)),
                heading_deg: Some(f64::from(a.heading_deg)),
            })
        });
        let now = SystemTime::now();
        let meta = SnapshotMeta {
            aircraft: self.name(sysid),
            time: Some(now),
            position,
            source: String::new(),
        };
        let path = unique(&dir, &snapshot::file_name(&meta.aircraft, now));
        let stream = r.stream.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let notice = match stream.snapshot(meta, path).await {
                Ok(summary) => VideoNotice::SnapshotSaved { sysid, summary },
                Err(e) => VideoNotice::Failed {
                    sysid,
                    error: e.to_string(),
                },
            };
            events.emit(notice);
        });
    }

    /// Closes every recording (cleanly: finished and hashed into the evidence log) once the
    /// disk is down to [`storage::room::recording_floor`], and says so.
    fn guard_disk(&mut self) {
        let (Some(dir), true) = (&self.data_dir, self.streams.values().any(|r| r.recording)) else {
            return;
        };
        if self
            .disk_checked
            .is_some_and(|t| t.elapsed() < DISK_CHECK_EVERY)
        {
            return;
        }
        self.disk_checked = Some(std::time::Instant::now());
        let Ok(space) = storage::DiskSpace::of(dir) else {
            return;
        };
        if space.available >= storage::room::recording_floor(space.total) {
            return;
        }
        let recording: Vec<u8> = self
            .streams
            .iter()
            .filter(|(_, r)| r.recording)
            .map(|(id, _)| *id)
            .collect();
        for sysid in recording {
            self.record(sysid, false);
            self.events.emit(VideoNotice::Failed {
                sysid,
                error: format!(
                    "recording stopped: the disk is nearly full ({} free); what was recorded \
                     is closed and hashed in the evidence log. Free some space (`kestrel \
                     storage prune`) to record again",
                    storage::space::human_bytes(space.available)
                ),
            });
        }
    }

    fn record(&mut self, sysid: u8, on: bool) {
        let events = self.events.clone();
        let fail = |error: String| events.emit(VideoNotice::Failed { sysid, error });
        let dir = if on {
            match video_dir(self.data_dir.as_deref(), "recordings") {
                Ok(d) => Some(d),
                Err(e) => return fail(e),
            }
        } else {
            None
        };
        if let Some(d) = &dir {
            let floor = storage::DiskSpace::of(d)
                .map(|s| storage::room::recording_floor(s.total))
                .unwrap_or(0);
            if let Err(e) = storage::ensure_room(d, floor) {
                return fail(format!("recording not started: {e}"));
            }
        }
        let evidence_log = self.data_dir.as_deref().map(recorder::evidence_log_path);
        let name = self.name(sysid);
        let Some(r) = self.streams.get_mut(&sysid) else {
            return fail(format!("no video of aircraft {sysid} is playing"));
        };
        r.recording = on;
        let stream = r.stream.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let result = match dir {
                Some(path) => stream
                    .start_recording(RecordingRequest {
                        path,
                        aircraft: name,
                        evidence_log,
                    })
                    .await
                    .map(|_| ()),
                None => stream
                    .stop_recording()
                    .await
                    .map(|_: Vec<RecordingSummary>| ()),
            };
            if let Err(e) = result {
                events.emit(VideoNotice::Failed {
                    sysid,
                    error: e.to_string(),
                });
            }
        });
    }

    /// Recovers the recordings an earlier run left unfinished, in the background, and tells
    /// the window once if there were any. Called once at start, before recording.
    fn start_recovery(&self) {
        let Some(data_dir) = self.data_dir.clone().filter(|_| self.enabled) else {
            return;
        };
        let events = self.events.clone();
        tokio::task::spawn_blocking(move || {
            let report = crate::video::recovery::recover(&recorder::evidence_log_path(&data_dir));
            if !(report.recovered.is_empty() && report.problems.is_empty()) {
                events.emit(VideoNotice::Recovered(report));
            }
        });
    }
}

/// The source to play for `sysid` now, and a settings error if the configured one is bad.
fn choose(
    sources: &BTreeMap<u8, String>,
    sysid: u8,
    snap: &FleetSnapshot,
) -> (VideoSource, SourceOrigin, Option<String>) {
    let (configured, error) = match sources.get(&sysid).filter(|s| !s.trim().is_empty()) {
        Some(uri) => match uri.parse::<VideoSource>() {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e.to_string())),
        },
        None => (None, None),
    };
    let announced = snap.get(sysid).and_then(|a| a.video_stream.as_ref());
    let index = u16::from(sysid.saturating_sub(1));
    let (source, origin) = choose_source(configured.as_ref(), announced, index);
    (source, origin, error)
}

/// `DATA_DIR/video/SUB`, created if needed.
fn video_dir(data_dir: Option<&Path>, sub: &str) -> Result<PathBuf, String> {
    let base = data_dir.ok_or_else(|| {
        "no data directory to save video into: start the console with --data-dir DIR".to_string()
    })?;
    let dir = base.join("video").join(sub);
    crate::paths::ensure_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// The name of an aircraft's stream in file names and metadata: its callsign, else `Team N`
/// as the window calls it in English (evidence is named the same whatever the window's
/// language).
fn stream_name(callsign: Option<String>, sysid: u8) -> String {
    callsign
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| format!("Team {sysid}"))
}

/// `dir/name`, or `dir/stem-2.ext`, ... if that exists (two snapshots in the same second).
fn unique(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "jpg"));
    (2..1000)
        .map(|n| dir.join(format!("{stem}-{n}.{ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operators_source_wins_and_a_bad_one_is_explained() {
        let mut sources = BTreeMap::new();
        let snap = FleetSnapshot::empty();
        // Nothing set, nothing announced: UDP 5600 + index (system id 3 is index 2).
        let (src, origin, err) = choose(&sources, 3, &snap);
        assert_eq!(
            (src.to_string().as_str(), origin, err),
            ("udp://0.0.0.0:5602", SourceOrigin::Default, None)
        );
        sources.insert(3, "rtsp://10.0.0.9:8554/cam".into());
        let (src, origin, _) = choose(&sources, 3, &snap);
        assert_eq!(
            (src.to_string().as_str(), origin),
            ("rtsp://10.0.0.9:8554/cam", SourceOrigin::Configured)
        );
        sources.insert(3, "udp://0.0.0.0:notaport".into());
        let (src, origin, err) = choose(&sources, 3, &snap);
        assert_eq!(origin, SourceOrigin::Default);
        assert_eq!(src.to_string(), "udp://0.0.0.0:5602");
        assert!(err.unwrap().contains("port"));
    }

    #[test]
    fn saving_without_a_data_directory_says_how_to_fix_it() {
        assert!(video_dir(None, "snapshots")
            .unwrap_err()
            .contains("--data-dir"));
        assert_eq!(stream_name(None, 7), "Team 7");
        assert_eq!(stream_name(Some(" ".into()), 7), "Team 7");
        assert_eq!(stream_name(Some("Falcon".into()), 7), "Falcon");
    }

    #[test]
    fn two_snapshots_in_one_second_do_not_overwrite_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let first = unique(dir.path(), "T_1.jpg");
        std::fs::write(&first, b"x").unwrap();
        assert_eq!(unique(dir.path(), "T_1.jpg"), dir.path().join("T_1-2.jpg"));
    }
}
