//! One live stream with a supervisor: builds the pipeline, watches its bus and its frames,
//! says "no signal" when frames stop (within a second), tears the pipeline down (state Null,
//! dropped) and builds a fresh one so the stream comes back by itself, falls back from a
//! failing hardware decoder to software and from RTSP over UDP to TCP (once, never back), and
//! runs recordings (continuing in a new part after a loss).
//!
//! The supervisor is a tokio task; GStreamer's bus messages reach it through a sync handler
//! that only forwards them, and frames go straight from the appsink callback into
//! [`LatestFrame`]. The UI reads [`VideoStream::latest`] and [`VideoStream::status`] and polls
//! [`VideoStream::events`]; nothing here blocks the caller.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::{mpsc, oneshot};

use super::decoder::{DecoderChoice, DecoderPreference};
use super::frame::LatestFrame;
use super::pipeline::{self, PipelineOptions, Receiver, RtspTransport};
use super::recorder::{self, RecordingBranch, RecordingRequest, RecordingSummary};
use super::relay::{self, Relay, RelayTarget, Tap};
use super::snapshot::{self, SnapshotMeta, SnapshotSummary};
use super::source::{Codec, VideoSource};
use super::stats::{Counters, RateMeter, StreamStats};
use super::VideoError;

/// How often the supervisor looks at the frame counters.
const TICK: Duration = Duration::from_millis(100);
/// After a loss, wait this long without frames before rebuilding the pipeline.
const RESTART_AFTER: Duration = Duration::from_millis(1500);
/// First wait before retrying after an error; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A pipeline that receives data but shows no picture for this long is rebuilt (doubling).
const NO_PICTURE_LIMIT: Duration = Duration::from_secs(4);

/// What to play and how.
#[derive(Clone, Debug)]
pub struct StreamConfig {
    /// Where the video comes from.
    pub source: VideoSource,
    /// The aircraft's name or callsign, for recordings and snapshots.
    pub aircraft: String,
    /// Decoder preference (default: `KESTREL_VIDEO_DECODER`, else automatic).
    pub decoder: DecoderPreference,
    /// "No signal" after this long without a new frame.
    pub no_signal_after: Duration,
    /// Before the first frame, say "no signal" after this long instead of "connecting".
    pub connect_grace: Duration,
    /// Evidence log (JSON lines) for finished recordings, if any.
    pub evidence_log: Option<PathBuf>,
}

impl StreamConfig {
    /// Defaults for `source` shown as `aircraft`.
    pub fn new(source: VideoSource, aircraft: impl Into<String>) -> Self {
        Self {
            source,
            aircraft: aircraft.into(),
            decoder: DecoderPreference::from_env(),
            no_signal_after: Duration::from_millis(700),
            connect_grace: Duration::from_secs(3),
            evidence_log: None,
        }
    }
}

/// Where the stream stands, for the video view's banner.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StreamState {
    /// Waiting for the first picture.
    Connecting,
    /// Pictures are arriving.
    Playing,
    /// No new picture since `since` (wall clock); reconnecting by itself.
    NoSignal {
        /// When the last picture arrived (or the stream started, if none did).
        #[serde(with = "crate::time::unix_time")]
        since: SystemTime,
    },
    /// The pipeline failed; retrying after a pause.
    Error {
        /// What failed, for the operator.
        message: String,
    },
    /// Stopped on request.
    Stopped,
}

/// The recording in progress, for the REC indicator.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RecordingInfo {
    /// The file being written, if video is flowing into one.
    pub path: Option<PathBuf>,
    /// Part number (a stream loss starts a new part).
    pub part: u32,
    /// When this recording was requested.
    #[serde(with = "crate::time::unix_time")]
    pub since: SystemTime,
}

/// A snapshot of the stream for the UI and `kestrel video probe`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VideoStatus {
    /// The source (password hidden).
    pub source: String,
    /// Where the stream stands.
    pub state: StreamState,
    /// Frame rate, resolution, bitrate, drops, latency.
    pub stats: StreamStats,
    /// Codec, once known.
    pub codec: Option<Codec>,
    /// Decoder in use, once chosen.
    pub decoder: Option<DecoderChoice>,
    /// RTSP lower transport in use (RTSP sources only).
    pub rtsp_transport: Option<RtspTransport>,
    /// How many times the pipeline was rebuilt.
    pub reconnects: u32,
    /// The last error, kept after recovery for the log.
    pub last_error: Option<String>,
    /// Recording in progress.
    pub recording: Option<RecordingInfo>,
    /// Where this stream is also being sent for dispatch to watch (`srt://HOST:PORT`).
    pub relaying_to: Option<String>,
}

/// Things that happened, in order, for the console's log and notifications.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum VideoEvent {
    /// The stream changed state.
    State(StreamState),
    /// The pipeline is being rebuilt, and why.
    Reconnecting {
        /// Why.
        reason: String,
    },
    /// A recording file was opened.
    RecordingStarted {
        /// The file.
        path: PathBuf,
        /// Part number.
        part: u32,
    },
    /// A recording file was finished and fingerprinted.
    RecordingFinished(RecordingSummary),
    /// A recording could not be started or finished.
    RecordingFailed {
        /// What went wrong.
        message: String,
    },
}

enum Command {
    StartRecording(RecordingRequest, oneshot::Sender<Result<(), VideoError>>),
    StopRecording(oneshot::Sender<Result<Vec<RecordingSummary>, VideoError>>),
    Relay(Option<RelayTarget>),
    Stop(oneshot::Sender<()>),
}

/// A running stream. Dropping it stops the stream in the background (finishing any
/// recording); [`VideoStream::stop`] does the same and waits.
pub struct VideoStream {
    cmd: mpsc::UnboundedSender<Command>,
    latest: LatestFrame,
    status: Arc<Mutex<VideoStatus>>,
    events: crossbeam_channel::Receiver<VideoEvent>,
    source: VideoSource,
    aircraft: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl VideoStream {
    /// Starts the stream on the current tokio runtime.
    pub fn start(cfg: StreamConfig) -> Result<Self, VideoError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            VideoError::Pipeline("video streams must be started inside a tokio runtime".into())
        })?;
        Self::start_on(&handle, cfg)
    }

    /// Starts the stream on `runtime` (for callers like the UI thread that are not inside it).
    pub fn start_on(
        runtime: &tokio::runtime::Handle,
        cfg: StreamConfig,
    ) -> Result<Self, VideoError> {
        super::init()?;
        let latest = LatestFrame::new();
        let status = Arc::new(Mutex::new(VideoStatus {
            source: cfg.source.redacted(),
            state: StreamState::Connecting,
            stats: StreamStats::default(),
            codec: cfg.source.codec(),
            decoder: None,
            rtsp_transport: matches!(cfg.source, VideoSource::Rtsp { .. })
                .then_some(RtspTransport::Udp),
            reconnects: 0,
            last_error: None,
            recording: None,
            relaying_to: None,
        }));
        let (ev_tx, ev_rx) = crossbeam_channel::bounded(256);
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let sup = Supervisor {
            source: cfg.source.clone(),
            aircraft: cfg.aircraft.clone(),
            cfg,
            latest: latest.clone(),
            counters: Arc::new(Counters::default()),
            status: status.clone(),
            events: ev_tx,
            cmd: cmd_rx,
            opts: PipelineOptions::default(),
            recording: None,
            no_signal_since: None,
            started: Instant::now(),
            started_wall: SystemTime::now(),
            picture_limit: NO_PICTURE_LIMIT,
            relay: None,
            tap: None,
        };
        let source = sup.source.clone();
        let aircraft = sup.aircraft.clone();
        let task = runtime.spawn(sup.run());
        Ok(Self {
            cmd: cmd_tx,
            latest,
            status,
            events: ev_rx,
            source,
            aircraft,
            task: Some(task),
        })
    }

    /// The newest-frame slot (clone it into the UI).
    pub fn latest(&self) -> LatestFrame {
        self.latest.clone()
    }

    /// The current state and statistics.
    pub fn status(&self) -> VideoStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Events since the last call (state changes, recordings); non-blocking.
    pub fn events(&self) -> &crossbeam_channel::Receiver<VideoEvent> {
        &self.events
    }

    /// The source this stream plays.
    pub fn source(&self) -> &VideoSource {
        &self.source
    }

    /// Starts recording to `req.path`. Returns once the request is accepted; the file opens
    /// at the next key frame (a [`VideoEvent::RecordingStarted`] follows).
    pub async fn start_recording(&self, req: RecordingRequest) -> Result<(), VideoError> {
        recorder::Container::from_path(&recorder::part_path(&req, SystemTime::now(), 1)?)?;
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(Command::StartRecording(req, tx))
            .map_err(|_| VideoError::Stopped)?;
        rx.await.map_err(|_| VideoError::Stopped)?
    }

    /// Stops recording; returns every finished part (usually one).
    pub async fn stop_recording(&self) -> Result<Vec<RecordingSummary>, VideoError> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(Command::StopRecording(tx))
            .map_err(|_| VideoError::Stopped)?;
        rx.await.map_err(|_| VideoError::Stopped)?
    }

    /// Fire-and-forget recording start for the UI thread; the outcome arrives as events.
    pub fn request_recording(&self, req: RecordingRequest) {
        let (tx, _rx) = oneshot::channel();
        let _ = self.cmd.send(Command::StartRecording(req, tx));
    }

    /// Sends this stream on to dispatch (`Some`), or stops sending (`None`). The stream itself
    /// is not disturbed: the sending runs beside it and reconnects by itself.
    pub fn set_relay(&self, target: Option<RelayTarget>) {
        let _ = self.cmd.send(Command::Relay(target));
    }

    /// Fire-and-forget recording stop for the UI thread; the outcome arrives as events.
    pub fn request_stop_recording(&self) {
        let (tx, _rx) = oneshot::channel();
        let _ = self.cmd.send(Command::StopRecording(tx));
    }

    /// Writes the current frame to `path` as a geotagged JPEG (off the calling thread).
    pub async fn snapshot(
        &self,
        mut meta: SnapshotMeta,
        path: PathBuf,
    ) -> Result<SnapshotSummary, VideoError> {
        let frame = self
            .latest
            .get()
            .ok_or_else(|| VideoError::NoFrame(self.source.redacted()))?;
        if meta.aircraft.is_empty() {
            meta.aircraft = self.aircraft.clone();
        }
        if meta.source.is_empty() {
            meta.source = self.source.redacted();
        }
        tokio::task::spawn_blocking(move || snapshot::write(&frame, &meta, &path))
            .await
            .map_err(|e| VideoError::Pipeline(e.to_string()))?
    }

    /// Stops the stream, finishing any recording, and waits until its pipeline is gone.
    pub async fn stop(mut self) {
        let (tx, rx) = oneshot::channel();
        if self.cmd.send(Command::Stop(tx)).is_ok() {
            let _ = rx.await;
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for VideoStream {
    fn drop(&mut self) {
        let (tx, _rx) = oneshot::channel();
        let _ = self.cmd.send(Command::Stop(tx));
    }
}

/// A recording the operator asked for, spanning parts.
struct ActiveRecording {
    req: RecordingRequest,
    since: SystemTime,
    part: u32,
    branch: Option<RecordingBranch>,
    finished: Vec<RecordingSummary>,
    /// Stop retrying to open a part after it failed (until the next pipeline).
    failed: bool,
    /// Whether the open part has been announced (it has video in it).
    announced: bool,
}

/// Why a pipeline is being replaced.
enum Restart {
    Lost,
    NoPicture,
    Failed { message: String, from_decoder: bool },
    Ended,
    Stop(Option<oneshot::Sender<()>>),
}

struct Supervisor {
    cfg: StreamConfig,
    source: VideoSource,
    aircraft: String,
    latest: LatestFrame,
    counters: Arc<Counters>,
    status: Arc<Mutex<VideoStatus>>,
    events: crossbeam_channel::Sender<VideoEvent>,
    cmd: mpsc::UnboundedReceiver<Command>,
    opts: PipelineOptions,
    recording: Option<ActiveRecording>,
    no_signal_since: Option<SystemTime>,
    started: Instant,
    started_wall: SystemTime,
    picture_limit: Duration,
    /// Where dispatch wants this stream sent, while it does.
    relay: Option<Arc<Relay>>,
    /// The relay's branch on the current pipeline.
    tap: Option<Tap>,
}

impl Supervisor {
    fn emit(&self, ev: VideoEvent) {
        let _ = self.events.try_send(ev);
    }

    fn with_status(&self, f: impl FnOnce(&mut VideoStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn set_state(&self, state: StreamState) {
        let changed = {
            let mut st = self.status.lock().unwrap_or_else(|e| e.into_inner());
            let changed = st.state != state;
            st.state = state.clone();
            changed
        };
        if changed {
            self.emit(VideoEvent::State(state));
        }
    }

    fn publish_recording(&self) {
        let info = self.recording.as_ref().map(|r| RecordingInfo {
            path: r
                .branch
                .as_ref()
                .filter(|_| r.announced)
                .map(|b| b.path().to_path_buf()),
            part: r.part,
            since: r.since,
        });
        self.with_status(|s| s.recording = info);
    }

    async fn run(mut self) {
        self.opts.decoder = self.cfg.decoder.clone();
        let mut backoff = FIRST_BACKOFF;
        loop {
            let receiver =
                match pipeline::build(&self.source, &self.opts, &self.latest, &self.counters) {
                    Ok(r) => r,
                    Err(e) => {
                        let msg = e.to_string();
                        // A decoder that cannot even be linked is given up for software.
                        if !matches!(self.opts.decoder, DecoderPreference::Software) {
                            self.opts.allow_hardware = false;
                        }
                        self.with_status(|s| {
                            s.last_error = Some(msg.clone());
                            s.reconnects += 1;
                        });
                        self.set_state(StreamState::Error { message: msg });
                        if self.pause(backoff).await {
                            return;
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                };
            let outcome = self.play(&receiver).await;
            let good = outcome.had_frames;
            if good {
                self.picture_limit = NO_PICTURE_LIMIT;
            }
            self.finish_recording_part().await;
            // The tap goes with its pipeline; the relay waits for the next one.
            self.tap = None;
            teardown(receiver.pipeline.clone()).await;
            if good
                && self.no_signal_since.is_none()
                && !matches!(outcome.restart, Restart::Stop(_))
            {
                self.no_signal_since = Some(SystemTime::now());
                self.set_state(StreamState::NoSignal {
                    since: SystemTime::now(),
                });
            }
            let stop = match outcome.restart {
                Restart::Stop(reply) => Some(reply),
                Restart::Lost => {
                    self.emit(VideoEvent::Reconnecting {
                        reason: "stream lost".into(),
                    });
                    None
                }
                Restart::NoPicture => {
                    let reason = "video data arrives but no picture can be decoded from it \
                                  (wrong codec, or the sender does not repeat its parameter sets)"
                        .to_string();
                    self.with_status(|s| s.last_error = Some(reason.clone()));
                    self.emit(VideoEvent::Reconnecting { reason });
                    None
                }
                Restart::Ended => {
                    self.emit(VideoEvent::Reconnecting {
                        reason: "the source ended the stream".into(),
                    });
                    None
                }
                Restart::Failed {
                    message,
                    from_decoder,
                } => {
                    let hw = lock_opt(&receiver.facts.decoder)
                        .map(|d| d.hardware)
                        .unwrap_or(false);
                    if from_decoder && hw && self.opts.allow_hardware {
                        self.opts.allow_hardware = false;
                    }
                    if matches!(self.source, VideoSource::Rtsp { .. })
                        && self.opts.rtsp_transport == RtspTransport::Udp
                        && receiver.facts.sdp_received.load(Ordering::Relaxed)
                        && receiver.facts.received.load(Ordering::Relaxed) == 0
                    {
                        // The server answered but no UDP packet got through: switch to TCP,
                        // once, for the life of this stream.
                        self.opts.rtsp_transport = RtspTransport::Tcp;
                        self.with_status(|s| s.rtsp_transport = Some(RtspTransport::Tcp));
                    }
                    self.with_status(|s| s.last_error = Some(message.clone()));
                    if self.no_signal_since.is_none() && !good {
                        self.set_state(StreamState::Error {
                            message: message.clone(),
                        });
                    }
                    self.emit(VideoEvent::Reconnecting { reason: message });
                    None
                }
            };
            if let Some(reply) = stop {
                let _ = self.stop_recording_now();
                self.set_state(StreamState::Stopped);
                if let Some(r) = reply {
                    let _ = r.send(());
                }
                return;
            }
            self.with_status(|s| s.reconnects += 1);
            if good {
                backoff = FIRST_BACKOFF;
            }
            if self.pause(backoff).await {
                return;
            }
            if !good {
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }

    /// Waits `d`, still answering commands. Returns true if asked to stop.
    async fn pause(&mut self, d: Duration) -> bool {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return false,
                cmd = self.cmd.recv() => match cmd {
                    None => {
                        self.set_state(StreamState::Stopped);
                        return true;
                    }
                    Some(Command::Stop(reply)) => {
                        let _ = self.stop_recording_now();
                        self.set_state(StreamState::Stopped);
                        let _ = reply.send(());
                        return true;
                    }
                    Some(Command::StartRecording(req, reply)) => {
                        let _ = reply.send(self.want_recording(req));
                    }
                    Some(Command::StopRecording(reply)) => {
                        let r = self.stop_recording_now();
                        let _ = reply.send(r);
                    }
                    Some(Command::Relay(target)) => self.set_relay(target, None).await,
                },
            }
        }
    }

    /// Starts, moves or stops sending this stream to dispatch.
    async fn set_relay(&mut self, target: Option<RelayTarget>, r: Option<&Receiver>) {
        if self.relay.as_ref().map(|x| x.target()) == target.as_ref() {
            return;
        }
        if let Some(tap) = self.tap.take() {
            let _ = tokio::task::spawn_blocking(move || tap.detach()).await;
        }
        self.relay = match target {
            None => None,
            Some(t) => match Relay::start(t) {
                Ok(relay) => Some(relay),
                Err(e) => {
                    log::warn!("video: cannot send {} to dispatch: {e}", self.aircraft);
                    self.with_status(|s| s.last_error = Some(e.to_string()));
                    None
                }
            },
        };
        let to = self.relay.as_ref().map(|x| x.target().url.clone());
        self.with_status(|s| s.relaying_to = to);
        if let Some(r) = r {
            self.attach_relay(r);
        }
    }

    /// Hangs the relay's tap on the pipeline once it can take one.
    fn attach_relay(&mut self, r: &Receiver) {
        let Some(relay) = &self.relay else {
            return;
        };
        if self.tap.is_some() {
            return;
        }
        let codec = *r.facts.codec.lock().unwrap_or_else(|e| e.into_inner());
        if !recorder::ready_to_attach(&r.pipeline, codec) {
            return;
        }
        match relay::tap(&r.pipeline, relay.clone()) {
            Ok(tap) => self.tap = Some(tap),
            Err(e) => log::warn!("video: cannot send {} to dispatch: {e}", self.aircraft),
        }
    }

    fn want_recording(&mut self, req: RecordingRequest) -> Result<(), VideoError> {
        if self.recording.is_some() {
            return Err(VideoError::Recording("already recording".into()));
        }
        if let VideoSource::Pipeline(desc) = &self.source {
            if !desc.contains("name=rec") {
                return Err(VideoError::Recording(
                    "this custom pipeline cannot be recorded: put `tee name=rec` on its encoded \
                     stream (after the parser)"
                        .into(),
                ));
            }
        }
        recorder::part_path(&req, SystemTime::now(), 1)?;
        self.recording = Some(ActiveRecording {
            req,
            since: SystemTime::now(),
            part: 0,
            branch: None,
            finished: Vec::new(),
            failed: false,
            announced: false,
        });
        self.publish_recording();
        Ok(())
    }

    /// Hangs the next recording part on the pipeline if a recording is wanted. It is attached
    /// before video flows so the first key frame goes in; it is announced once it has data.
    fn attach_recording(&mut self, r: &Receiver) {
        let source = self.source.redacted();
        let codec = *r.facts.codec.lock().unwrap_or_else(|e| e.into_inner());
        let Some(rec) = self.recording.as_mut() else {
            return;
        };
        let mut event = None;
        if let Some(branch) = &rec.branch {
            if !rec.announced && branch.has_data() {
                rec.announced = true;
                event = Some(VideoEvent::RecordingStarted {
                    path: branch.path().to_path_buf(),
                    part: rec.part,
                });
            }
        } else if !rec.failed && recorder::ready_to_attach(&r.pipeline, codec) {
            let part = rec.part + 1;
            let result = recorder::part_path(&rec.req, SystemTime::now(), part).and_then(|path| {
                recorder::attach(
                    &r.pipeline,
                    &path,
                    &rec.req.aircraft,
                    &source,
                    part,
                    codec,
                    rec.req.evidence_log.as_deref(),
                )
            });
            match result {
                Ok(branch) => {
                    rec.part = part;
                    rec.branch = Some(branch);
                    rec.announced = false;
                }
                Err(e) => {
                    rec.failed = true;
                    event = Some(VideoEvent::RecordingFailed {
                        message: e.to_string(),
                    });
                }
            }
        }
        if let Some(event) = event {
            self.emit(event);
            self.publish_recording();
        }
    }

    /// Finishes the open part (if any) before its pipeline goes away.
    async fn finish_recording_part(&mut self) {
        let Some(rec) = self.recording.as_mut() else {
            return;
        };
        rec.failed = false;
        let Some(branch) = rec.branch.take() else {
            return;
        };
        if !branch.has_data() {
            // Nothing arrived since it was attached: no file, no part.
            rec.part -= 1;
            branch.discard().await;
            return;
        }
        let log = rec.req.evidence_log.clone();
        let event = match recorder::finish(branch, log.as_deref()).await {
            Ok(summary) => {
                if let Some(rec) = self.recording.as_mut() {
                    rec.finished.push(summary.clone());
                }
                VideoEvent::RecordingFinished(summary)
            }
            Err(e) => VideoEvent::RecordingFailed {
                message: e.to_string(),
            },
        };
        self.emit(event);
        self.publish_recording();
    }

    fn stop_recording_now(&mut self) -> Result<Vec<RecordingSummary>, VideoError> {
        // The open part (if any) is finished by the caller that owns the pipeline; here only
        // parts without a pipeline remain.
        let Some(rec) = self.recording.take() else {
            return Err(VideoError::Recording("not recording".into()));
        };
        self.publish_recording();
        if rec.finished.is_empty() {
            return Err(VideoError::Recording(
                "nothing was recorded: no video arrived while recording".into(),
            ));
        }
        Ok(rec.finished)
    }

    /// Plays one pipeline until it has to be replaced.
    async fn play(&mut self, r: &Receiver) -> PlayOutcome {
        let (bus_tx, mut bus_rx) = mpsc::unbounded_channel::<gst::Message>();
        let bus = r.pipeline.bus();
        if let Some(bus) = &bus {
            bus.set_sync_handler(move |_, msg| {
                use gst::MessageView;
                if matches!(msg.view(), MessageView::Error(_) | MessageView::Eos(_)) {
                    let _ = bus_tx.send(msg.clone());
                }
                gst::BusSyncReply::Drop
            });
        }
        let mut outcome = PlayOutcome {
            had_frames: false,
            restart: Restart::Lost,
        };
        if let Err(e) = r.pipeline.set_state(gst::State::Playing) {
            outcome.restart = Restart::Failed {
                message: format!("cannot start the pipeline: {e}"),
                from_decoder: false,
            };
            return outcome;
        }
        let codec = *r.facts.codec.lock().unwrap_or_else(|e| e.into_inner());
        self.with_status(|s| {
            if codec.is_some() {
                s.codec = codec;
            }
        });
        let mut meter = RateMeter::new(&self.counters);
        let mut last_frames = self.counters.frames_delivered.load(Ordering::Relaxed);
        let mut last_progress = Instant::now();
        let pipeline_start = Instant::now();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = self.cmd.recv() => match cmd {
                    None => { outcome.restart = Restart::Stop(None); break; }
                    Some(Command::Stop(reply)) => { outcome.restart = Restart::Stop(Some(reply)); break; }
                    Some(Command::StartRecording(req, reply)) => {
                        let _ = reply.send(self.want_recording(req));
                        self.attach_recording(r);
                    }
                    Some(Command::StopRecording(reply)) => {
                        self.finish_recording_part().await;
                        let res = self.stop_recording_now();
                        let _ = reply.send(res);
                    }
                    Some(Command::Relay(target)) => self.set_relay(target, Some(r)).await,
                },
                msg = bus_rx.recv() => {
                    let Some(msg) = msg else { continue };
                    match msg.view() {
                        gst::MessageView::Error(e) => {
                            let from = msg.src().map(|s| s.name().to_string()).unwrap_or_default();
                            let mut message = format!("{}", e.error());
                            if let Some(d) = e.debug() {
                                if let Some(first) = d.lines().next() {
                                    message.push_str(&format!(" ({from}: {first})"));
                                }
                            }
                            outcome.restart = Restart::Failed {
                                message,
                                from_decoder: from == "dec",
                            };
                            break;
                        }
                        gst::MessageView::Eos(_) => { outcome.restart = Restart::Ended; break; }
                        _ => {}
                    }
                }
                _ = tick.tick() => {
                    let now = Instant::now();
                    let frames = self.counters.frames_delivered.load(Ordering::Relaxed);
                    if frames != last_frames {
                        last_frames = frames;
                        last_progress = now;
                        if !outcome.had_frames {
                            outcome.had_frames = true;
                            meter.reset_rates(&self.counters);
                            let dec = r.facts.decoder.lock().unwrap_or_else(|e| e.into_inner()).clone();
                            let codec = *r.facts.codec.lock().unwrap_or_else(|e| e.into_inner());
                            self.with_status(|s| { s.decoder = dec; if codec.is_some() { s.codec = codec; } });
                        }
                        self.no_signal_since = None;
                        self.set_state(StreamState::Playing);
                    }
                    let idle = now.duration_since(last_progress);
                    let ever = self.latest.count() > 0;
                    if outcome.had_frames && idle >= self.cfg.no_signal_after {
                        if self.no_signal_since.is_none() {
                            // "Since" is when the last picture arrived.
                            let last = self.latest.get().map(|f| f.received_wall);
                            self.no_signal_since =
                                Some(last.unwrap_or_else(|| SystemTime::now() - idle));
                        }
                    } else if !ever && self.started.elapsed() >= self.cfg.connect_grace && self.no_signal_since.is_none() {
                        self.no_signal_since = Some(self.started_wall);
                    }
                    if let Some(since) = self.no_signal_since {
                        self.set_state(StreamState::NoSignal { since });
                        meter.reset_rates(&self.counters);
                    }
                    let mut stats = meter.sample(&self.counters, Duration::from_millis(1000));
                    if let Some(j) = r.pipeline.by_name("jitter") {
                        stats.packets_lost = jitter_lost(&j);
                    }
                    self.with_status(|s| s.stats = stats);
                    self.attach_recording(r);
                    self.attach_relay(r);
                    if outcome.had_frames && idle >= RESTART_AFTER {
                        outcome.restart = Restart::Lost;
                        break;
                    }
                    if !outcome.had_frames
                        && r.facts.received.load(Ordering::Relaxed) > 0
                        && pipeline_start.elapsed() >= self.picture_limit
                    {
                        self.picture_limit = (self.picture_limit * 2).min(Duration::from_secs(60));
                        outcome.restart = Restart::NoPicture;
                        break;
                    }
                }
            }
        }
        if let Some(bus) = &bus {
            bus.unset_sync_handler();
        }
        outcome
    }
}

struct PlayOutcome {
    had_frames: bool,
    restart: Restart,
}

fn lock_opt<T: Clone>(m: &Mutex<Option<T>>) -> Option<T> {
    m.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Packets the jitter buffer declared lost.
fn jitter_lost(jitter: &gst::Element) -> u64 {
    jitter
        .property::<gst::Structure>("stats")
        .get::<u64>("num-lost")
        .unwrap_or(0)
}

/// Stops and frees a pipeline off the async threads (state changes can block briefly).
async fn teardown(pipeline: gst::Pipeline) {
    let _ = tokio::task::spawn_blocking(move || {
        let _ = pipeline.set_state(gst::State::Null);
        if let Some(bus) = pipeline.bus() {
            bus.unset_sync_handler();
        }
        drop(pipeline);
    })
    .await;
}
