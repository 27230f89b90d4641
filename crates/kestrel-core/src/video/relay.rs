//! Sends an aircraft's live video on to dispatch while a dispatcher watches it.
//!
//! The encoded stream the console already receives (no re-encoding) is tapped at the receiving
//! pipeline's `rec` tee ([`tap`]) and handed to a separate sending pipeline ([`Relay`]):
//! MPEG-TS over SRT, calling the listener dispatch named. SRT retransmits what the network loses
//! within its latency and encrypts with the passphrase dispatch gave; a refused or broken
//! connection rebuilds only the sending pipeline after a pause, so the console's own video, its
//! recording and its decoder are never touched by the state of the network to dispatch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::watch;

use super::VideoError;

/// The first wait before rebuilding a sending pipeline that failed (doubling to
/// [`MAX_RETRY`]).
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// The longest wait between attempts to reach dispatch.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Most encoded frames held between the tap and the sending pipeline (about 4 s at 30 fps); the
/// oldest go first when the network to dispatch is slower than the video.
const TAP_QUEUE_FRAMES: u32 = 120;

/// Where to send the video: an SRT listener at dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayTarget {
    /// `srt://HOST:PORT` of dispatch's listener.
    pub url: String,
    /// SRT stream id (names the console and aircraft at dispatch).
    pub streamid: String,
    /// SRT encryption passphrase (10 to 79 characters); empty sends unencrypted.
    pub passphrase: String,
    /// SRT latency: how long lost packets may be retransmitted, milliseconds.
    pub latency_ms: u32,
}

impl RelayTarget {
    /// The srtsink URI: caller mode, with the latency and stream id.
    fn uri(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}mode=caller&latency={}",
            self.url.trim_end_matches('/'),
            self.latency_ms
        )
    }
}

/// The sending pipeline's input slot: the appsrc of the pipeline now running, if any.
#[derive(Default)]
struct Inlet {
    src: Mutex<Option<gst_app::AppSrc>>,
    /// The next buffer must be a key frame (set when a new sending pipeline starts).
    need_key: AtomicBool,
}

/// One aircraft's video on its way to dispatch. Dropping it stops sending.
pub struct Relay {
    target: RelayTarget,
    inlet: Arc<Inlet>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("url", &self.target.url)
            .field("streamid", &self.target.streamid)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Starts sending to `target` (inside a tokio runtime); frames come from [`Relay::push`].
    pub fn start(target: RelayTarget) -> Result<Arc<Relay>, VideoError> {
        super::require_elements(&["appsrc", "h264parse", "mpegtsmux", "srtsink"])?;
        let (stop, stop_rx) = watch::channel(false);
        let relay = Arc::new(Relay {
            target: target.clone(),
            inlet: Arc::new(Inlet::default()),
            _stop: stop,
        });
        tokio::spawn(send_loop(target, relay.inlet.clone(), stop_rx));
        Ok(relay)
    }

    /// Where this relay sends.
    pub fn target(&self) -> &RelayTarget {
        &self.target
    }

    /// Hands one encoded frame (with its caps) to the sending pipeline; dropped while no
    /// pipeline runs, and until a key frame after each new connection.
    pub fn push(&self, sample: &gst::Sample) {
        let Some(buffer) = sample.buffer() else {
            return;
        };
        let guard = self.inlet.src.lock().unwrap_or_else(|e| e.into_inner());
        let Some(src) = guard.as_ref() else {
            return;
        };
        if self.inlet.need_key.load(Ordering::Relaxed) {
            if buffer.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                return;
            }
            self.inlet.need_key.store(false, Ordering::Relaxed);
        }
        // The tap's caps as they are (AVC with its codec data, or byte-stream): the sending
        // parser turns either into the byte-stream MPEG-TS carries.
        if let Some(caps) = sample.caps() {
            if src.caps().as_ref().map(|c| c.as_ref()) != Some(caps) {
                src.set_caps(Some(&caps.to_owned()));
            }
        }
        // Stamped again on arrival (the receiving pipeline's clock is not this one's).
        let mut out = buffer.copy();
        {
            let b = out.make_mut();
            b.set_pts(gst::ClockTime::NONE);
            b.set_dts(gst::ClockTime::NONE);
        }
        let _ = src.push_buffer(out);
    }
}

/// The sending pipeline (H.264 only: what browsers play over WebRTC at the other end).
const SEND_DESCRIPTION: &str =
    "appsrc name=in is-live=true format=time do-timestamp=true max-bytes=8000000 block=false \
     leaky-type=downstream ! h264parse config-interval=-1 ! mpegtsmux alignment=7 ! \
     srtsink name=out sync=false async=false wait-for-connection=false";

/// Sets where the sending pipeline goes. Properties, not launch text: the values come from the
/// network and are never parsed as pipeline syntax.
fn aim(pipeline: &gst::Pipeline, target: &RelayTarget) -> Result<(), String> {
    let sink = pipeline
        .by_name("out")
        .ok_or("the sending pipeline has no output")?;
    sink.set_property("uri", target.uri());
    sink.set_property("streamid", &target.streamid);
    if !target.passphrase.is_empty() {
        sink.set_property("passphrase", &target.passphrase);
        sink.set_property_from_str("pbkeylen", "16");
    }
    Ok(())
}

/// Builds, runs and rebuilds the sending pipeline until the relay is dropped.
async fn send_loop(target: RelayTarget, inlet: Arc<Inlet>, mut stop: watch::Receiver<bool>) {
    let mut retry = FIRST_RETRY;
    loop {
        let started = std::time::Instant::now();
        let failure = match run_once(&target, &inlet, &mut stop).await {
            Ok(()) => return,
            Err(why) => why,
        };
        log::info!("video relay to {}: {failure}", target.url);
        if started.elapsed() > MAX_RETRY * 2 {
            retry = FIRST_RETRY;
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = stop.changed() => return,
        }
        retry = (retry * 2).min(MAX_RETRY);
    }
}

/// Runs one sending pipeline: `Ok` when stopped, `Err(why)` when it failed.
async fn run_once(
    target: &RelayTarget,
    inlet: &Arc<Inlet>,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), String> {
    let pipeline = gst::parse::launch(SEND_DESCRIPTION)
        .map_err(|e| format!("cannot build the sending pipeline: {e}"))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| "the sending pipeline is not a pipeline".to_string())?;
    aim(&pipeline, target)?;
    let src = pipeline
        .by_name("in")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .ok_or("the sending pipeline has no input")?;
    let result = super::branch::play_until_stopped(
        pipeline,
        stop,
        "the connection ended",
        format!("cannot reach {}", target.url),
        || {
            inlet.need_key.store(true, Ordering::Relaxed);
            *inlet.src.lock().unwrap_or_else(|e| e.into_inner()) = Some(src);
        },
    )
    .await;
    *inlet.src.lock().unwrap_or_else(|e| e.into_inner()) = None;
    result
}

/// A branch on a receiving pipeline's `rec` tee feeding a [`Relay`].
pub struct Tap {
    bin: gst::Bin,
    parent: gst::Bin,
    tee: gst::Element,
    tee_pad: gst::Pad,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").finish_non_exhaustive()
    }
}

/// Hangs a tap on `pipeline`'s `rec` tee feeding `relay`. A full queue drops its oldest
/// frames, so a slow network to dispatch never holds up the console's own video.
pub fn tap(pipeline: &gst::Pipeline, relay: Arc<Relay>) -> Result<Tap, VideoError> {
    let tee = pipeline.by_name("rec").ok_or_else(|| {
        VideoError::Pipeline("this source cannot be relayed: no `tee name=rec`".into())
    })?;
    let bin = gst::parse::bin_from_description(
        &format!(
            "queue leaky=downstream max-size-buffers={TAP_QUEUE_FRAMES} max-size-bytes=0 \
             max-size-time=0 ! appsink name=tap sync=false async=false"
        ),
        true,
    )
    .map_err(|e| VideoError::Pipeline(format!("relay tap: {e}")))?;
    let sink = bin
        .by_name("tap")
        .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
        .ok_or_else(|| VideoError::Pipeline("relay tap has no appsink".into()))?;
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                if let Ok(sample) = sink.pull_sample() {
                    relay.push(&sample);
                }
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    let (parent, tee_pad) = super::branch::hang_on_tee(pipeline, &tee, &bin, "relay branch")
        .map_err(VideoError::Pipeline)?;
    let ghost = bin
        .static_pad("sink")
        .ok_or_else(|| VideoError::Pipeline("relay tap has no input".into()))?;
    tee_pad
        .link(&ghost)
        .map_err(|e| VideoError::Pipeline(format!("cannot attach the relay: {e:?}")))?;
    Ok(Tap {
        bin,
        parent,
        tee,
        tee_pad,
    })
}

impl Tap {
    /// Takes the tap off a pipeline that keeps running (blocking briefly: call off the async
    /// threads).
    pub fn detach(self) {
        let Tap {
            bin,
            parent,
            tee,
            tee_pad,
        } = self;
        if let Some(ghost) = bin.static_pad("sink") {
            let _ = tee_pad.unlink(&ghost);
        }
        tee.release_request_pad(&tee_pad);
        let _ = bin.set_state(gst::State::Null);
        let _ = parent.remove(&bin);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sending_uri_calls_dispatch_with_its_latency() {
        let t = RelayTarget {
            url: "srt://10.0.0.5:8890".into(),
            streamid: "c1/3".into(),
            passphrase: String::new(),
            latency_ms: 300,
        };
        assert_eq!(t.uri(), "srt://10.0.0.5:8890?mode=caller&latency=300");
        let t = RelayTarget {
            url: "srt://10.0.0.5:8890?foo=1".into(),
            ..t
        };
        assert_eq!(t.uri(), "srt://10.0.0.5:8890?foo=1&mode=caller&latency=300");
    }
}
