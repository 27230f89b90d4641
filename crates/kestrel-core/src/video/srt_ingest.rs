//! Dispatch's end of a console's live video: an SRT listener that takes the MPEG-TS a console's
//! [`super::relay::Relay`] sends, unpacks the H.264 inside (no re-encoding) and hands every
//! frame to each subscribed viewer (see [`super::webrtc`]). A console that drops off is waited
//! for again at once (the listener is rebuilt), so its next connection resumes the picture for
//! viewers who stayed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::watch;

use super::VideoError;

/// The pause before listening again after a console's connection ended.
const RELISTEN_AFTER: Duration = Duration::from_millis(200);

/// Where dispatch listens for one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestConfig {
    /// Local address to listen on, e.g. `0.0.0.0`.
    pub bind: String,
    /// UDP port.
    pub port: u16,
    /// SRT passphrase the console must use (10 to 79 characters); empty accepts unencrypted.
    pub passphrase: String,
    /// SRT latency, milliseconds.
    pub latency_ms: u32,
}

/// Something that takes frames: a viewer's input.
pub type Subscriber = gst_app::AppSrc;

#[derive(Default)]
struct Shared {
    /// Each viewer's input, and whether it still waits for a key frame.
    subscribers: Mutex<BTreeMap<u64, (Subscriber, bool)>>,
    frames: AtomicU64,
    /// The stream's caps, once seen.
    caps: Mutex<Option<gst::Caps>>,
}

/// One stream being received at dispatch. Dropping it stops listening.
pub struct Ingest {
    config: IngestConfig,
    shared: Arc<Shared>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("port", &self.config.port)
            .finish_non_exhaustive()
    }
}

impl Ingest {
    /// Starts listening (inside a tokio runtime).
    pub fn start(config: IngestConfig) -> Result<Arc<Ingest>, VideoError> {
        super::require_elements(&["srtsrc", "tsdemux", "h264parse", "appsink"])?;
        let (stop, stop_rx) = watch::channel(false);
        let ingest = Arc::new(Ingest {
            config: config.clone(),
            shared: Arc::new(Shared::default()),
            _stop: stop,
        });
        tokio::spawn(listen_loop(config, ingest.shared.clone(), stop_rx));
        Ok(ingest)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.config.port
    }

    /// Frames received so far.
    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }

    /// The stream's caps once it has been seen.
    pub fn caps(&self) -> Option<gst::Caps> {
        self.shared
            .caps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Starts handing frames to `src` under `id`, from the next key frame.
    pub fn subscribe(&self, id: u64, src: Subscriber) {
        self.shared
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, (src, true));
    }

    /// Stops handing frames to `id`.
    pub fn unsubscribe(&self, id: u64) {
        self.shared
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

fn listen_description() -> &'static str {
    "srtsrc name=in keep-listening=false ! tsdemux name=demux demux. ! \
     h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! \
     appsink name=out sync=false async=false"
}

async fn listen_loop(config: IngestConfig, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        match listen_once(&config, &shared, &mut stop).await {
            Ok(()) => return,
            Err(why) => log::info!("video ingest on port {}: {why}", config.port),
        }
        tokio::select! {
            _ = tokio::time::sleep(RELISTEN_AFTER) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn listen_once(
    config: &IngestConfig,
    shared: &Arc<Shared>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let pipeline = gst::parse::launch(listen_description())
        .map_err(|e| format!("cannot build the listening pipeline: {e}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "not a pipeline".to_string())?;
    let src = pipeline.by_name("in").ok_or("no srtsrc")?;
    src.set_property(
        "uri",
        format!(
            "srt://{}:{}?mode=listener&latency={}",
            config.bind, config.port, config.latency_ms
        ),
    );
    if !config.passphrase.is_empty() {
        src.set_property("passphrase", &config.passphrase);
        src.set_property_from_str("pbkeylen", "16");
    }
    let sink = pipeline
        .by_name("out")
        .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
        .ok_or("no appsink")?;
    let fan = shared.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                if let Ok(sample) = sink.pull_sample() {
                    fan_out(&fan, &sample);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    super::branch::play_until_stopped(
        pipeline,
        stop,
        "the console's connection ended",
        format!("cannot listen on port {}", config.port),
        || {},
    )
    .await
}

/// Hands one frame to every subscriber (a shallow copy each: the bytes are shared).
fn fan_out(shared: &Shared, sample: &gst::Sample) {
    let Some(buffer) = sample.buffer() else {
        return;
    };
    if shared.frames.fetch_add(1, Ordering::Relaxed) == 0 {
        log::info!("video ingest: the first frame arrived from the console");
    }
    if let Some(caps) = sample.caps() {
        let mut held = shared.caps.lock().unwrap_or_else(|e| e.into_inner());
        if held.as_ref().map(|c| c.as_ref()) != Some(caps) {
            *held = Some(caps.to_owned());
        }
    }
    let key = !buffer.flags().contains(gst::BufferFlags::DELTA_UNIT);
    let mut subscribers = shared.subscribers.lock().unwrap_or_else(|e| e.into_inner());
    for (src, waiting) in subscribers.values_mut() {
        // A viewer's picture starts at a key frame: what comes before it cannot be decoded.
        if *waiting && !key {
            continue;
        }
        *waiting = false;
        let mut out = buffer.copy();
        {
            let b = out.make_mut();
            b.set_pts(gst::ClockTime::NONE);
            b.set_dts(gst::ClockTime::NONE);
        }
        let _ = src.push_buffer(out);
    }
}
