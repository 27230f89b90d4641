//! A browser watching live video at dispatch over WebRTC: one GStreamer `webrtcbin` per viewer,
//! fed the H.264 dispatch receives ([`super::srt_ingest`]) without re-encoding, packed as RTP
//! with the payload type the browser offered. Signalling is one HTTP exchange in the manner of
//! WHEP: the browser's SDP offer in, the answer with every ICE candidate out (no trickle), so
//! nothing but the page's own HTTPS connection is needed to set a viewer up.
//!
//! Each viewer has its own pipeline: a slow or vanished browser never holds up the others.

use std::sync::Arc;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;

use super::srt_ingest::Ingest;
use super::VideoError;

/// The longest wait for each signalling step (remote description, answer, ICE gathering).
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The H.264 format a browser offered: the payload type and its fmtp parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Offer {
    /// RTP payload type the browser expects.
    pub payload: u8,
    /// `profile-level-id` (hex), if given.
    pub profile_level_id: Option<String>,
    /// `packetization-mode`.
    pub packetization_mode: u8,
}

/// Finds the H.264 format to answer with in an SDP offer's first video section: packetization
/// mode 1 (what `rtph264pay` sends) with Constrained Baseline preferred, as the simulator and
/// most drone encoders send.
pub fn h264_in_offer(sdp: &str) -> Option<H264Offer> {
    let mut in_video = false;
    let mut seen_video = false;
    let mut h264: Vec<u8> = Vec::new();
    let mut fmtp: Vec<(u8, String)> = Vec::new();
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            if seen_video && in_video {
                break;
            }
            in_video = m.starts_with("video");
            seen_video |= in_video;
            continue;
        }
        if !in_video {
            continue;
        }
        if let Some(rest) = line.strip_prefix("a=rtpmap:") {
            let mut it = rest.splitn(2, ' ');
            let (Some(pt), Some(codec)) = (it.next(), it.next()) else {
                continue;
            };
            if codec.to_ascii_uppercase().starts_with("H264/90000") {
                if let Ok(pt) = pt.parse() {
                    h264.push(pt);
                }
            }
        } else if let Some(rest) = line.strip_prefix("a=fmtp:") {
            let mut it = rest.splitn(2, ' ');
            if let (Some(pt), Some(params)) = (it.next(), it.next()) {
                if let Ok(pt) = pt.parse() {
                    fmtp.push((pt, params.to_string()));
                }
            }
        }
    }
    let describe = |pt: u8| {
        let params = fmtp
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, s)| s.as_str())
            .unwrap_or("");
        let get = |key: &str| {
            params
                .split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.to_string())
        };
        H264Offer {
            payload: pt,
            profile_level_id: get("profile-level-id"),
            packetization_mode: get("packetization-mode")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        }
    };
    let offers: Vec<H264Offer> = h264.into_iter().map(describe).collect();
    let mode1 = |o: &&H264Offer| o.packetization_mode == 1;
    let baseline = |o: &&H264Offer| {
        o.profile_level_id
            .as_deref()
            .is_some_and(|p| p.len() == 6 && p[..2].eq_ignore_ascii_case("42"))
    };
    offers
        .iter()
        .filter(mode1)
        .find(|o| {
            baseline(o)
                && o.profile_level_id
                    .as_deref()
                    .is_some_and(|p| p[2..4].eq_ignore_ascii_case("e0"))
        })
        .or_else(|| offers.iter().filter(mode1).find(baseline))
        .or_else(|| offers.iter().find(mode1))
        .cloned()
}

/// Why a viewer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ViewerError {
    /// The offer is not SDP, or offers no H.264 this stream can be sent as.
    #[error("{0}")]
    Offer(String),
    /// GStreamer could not set the viewer up.
    #[error(transparent)]
    Video(#[from] VideoError),
    /// WebRTC negotiation failed or took too long.
    #[error("WebRTC negotiation: {0}")]
    Negotiation(String),
}

/// One browser watching one stream. Dropping it ends the viewer's pipeline.
pub struct Viewer {
    id: u64,
    pipeline: gst::Pipeline,
    webrtc: gst::Element,
    ingest: Arc<Ingest>,
    /// The first error of the viewer's pipeline (it then sends nothing more).
    failed: Arc<std::sync::Mutex<Option<String>>>,
}

impl std::fmt::Debug for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Viewer")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The answer to a browser's offer, with the viewer that serves it.
#[derive(Debug)]
pub struct Answer {
    /// The viewer (keep it for as long as the browser watches).
    pub viewer: Viewer,
    /// The SDP answer, with dispatch's ICE candidates in it.
    pub sdp: String,
}

fn viewer_description(pt: u8) -> String {
    format!(
        "appsrc name=in is-live=true format=time do-timestamp=true leaky-type=downstream \
         max-bytes=4000000 caps=video/x-h264,stream-format=byte-stream,alignment=au ! \
         h264parse config-interval=-1 ! \
         rtph264pay config-interval=-1 aggregate-mode=zero-latency pt={pt} ! \
         application/x-rtp,media=video,encoding-name=H264,payload={pt},clock-rate=90000 ! \
         webrtcbin name=webrtc bundle-policy=max-bundle latency=0"
    )
}

/// Waits for a webrtcbin promise and returns its reply.
fn settle(promise: &gst::Promise, what: &str) -> Result<Option<gst::Structure>, ViewerError> {
    // `wait` blocks until the promise is answered; webrtcbin answers each within milliseconds,
    // and interrupts it if the pipeline stops.
    match promise.wait() {
        gst::PromiseResult::Replied => Ok(promise.get_reply().map(|s| s.to_owned())),
        other => Err(ViewerError::Negotiation(format!("{what}: {other:?}"))),
    }
}

/// Sets up a viewer for `offer` (SDP text) on `ingest` and returns its answer. Blocking (a few
/// hundred milliseconds at most): call it off the async threads.
pub fn answer(offer: &str, ingest: &Arc<Ingest>, id: u64) -> Result<Answer, ViewerError> {
    super::require_elements(&["webrtcbin", "rtph264pay", "nicesrc", "nicesink", "appsrc"])?;
    let h264 = h264_in_offer(offer).ok_or_else(|| {
        ViewerError::Offer(
            "the browser offers no H.264 with packetization-mode 1; use a browser that plays \
             H.264 over WebRTC (Chromium, Chrome, Firefox, Safari)"
                .into(),
        )
    })?;
    let sdp = gst_sdp::SDPMessage::parse_buffer(offer.as_bytes())
        .map_err(|e| ViewerError::Offer(format!("the offer is not SDP: {e}")))?;
    let pipeline = gst::parse::launch(&viewer_description(h264.payload))
        .map_err(|e| VideoError::Pipeline(format!("viewer: {e}")))?
        .downcast::<gst::Pipeline>()
        .map_err(|_| VideoError::Pipeline("viewer: not a pipeline".into()))?;
    let webrtc = pipeline
        .by_name("webrtc")
        .ok_or_else(|| VideoError::Pipeline("viewer: no webrtcbin".into()))?;
    let src = pipeline
        .by_name("in")
        .and_then(|e| e.downcast::<gst_app::AppSrc>().ok())
        .ok_or_else(|| VideoError::Pipeline("viewer: no appsrc".into()))?;
    // Answer with exactly the format the browser asked for.
    if let Some(t) =
        webrtc.emit_by_name::<Option<gst_webrtc::WebRTCRTPTransceiver>>("get-transceiver", &[&0i32])
    {
        let prefs = gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("encoding-name", "H264")
            .field("payload", i32::from(h264.payload))
            .field("clock-rate", 90000i32)
            .field("packetization-mode", h264.packetization_mode.to_string());
        // No profile-level-id: the payloader states the stream's own (e.g. 42c00d for the
        // simulator's Constrained Baseline), which must not clash with the offer's; browsers
        // decode any baseline/main/high stream they are sent.
        t.set_property("codec-preferences", prefs.build());
        t.set_property(
            "direction",
            gst_webrtc::WebRTCRTPTransceiverDirection::Sendonly,
        );
    }
    let failed = Arc::new(std::sync::Mutex::new(None::<String>));
    if let Some(bus) = pipeline.bus() {
        let failed = failed.clone();
        bus.set_sync_handler(move |_, msg| {
            if let gst::MessageView::Error(e) = msg.view() {
                let from = msg.src().map(|s| s.name().to_string()).unwrap_or_default();
                log::warn!("video viewer: {from}: {}", e.error());
                failed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(|| format!("{from}: {}", e.error()));
            }
            gst::BusSyncReply::Drop
        });
    }
    let viewer = Viewer {
        id,
        pipeline: pipeline.clone(),
        webrtc: webrtc.clone(),
        ingest: ingest.clone(),
        failed,
    };
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| VideoError::Pipeline(format!("viewer: cannot start: {e}")))?;

    let offer = gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Offer, sdp);
    let promise = gst::Promise::new();
    webrtc.emit_by_name::<()>("set-remote-description", &[&offer, &promise]);
    settle(&promise, "the offer was refused")?;

    let promise = gst::Promise::new();
    webrtc.emit_by_name::<()>("create-answer", &[&None::<gst::Structure>, &promise]);
    let reply = settle(&promise, "no answer")?
        .ok_or_else(|| ViewerError::Negotiation("no answer".into()))?;
    if let Ok(err) = reply.get::<gst::glib::Error>("error") {
        return Err(ViewerError::Negotiation(err.to_string()));
    }
    let answer = reply
        .get::<gst_webrtc::WebRTCSessionDescription>("answer")
        .map_err(|e| ViewerError::Negotiation(format!("no answer: {e}")))?;
    let promise = gst::Promise::new();
    webrtc.emit_by_name::<()>("set-local-description", &[&answer, &promise]);
    settle(&promise, "the answer was refused")?;

    wait_for_gathering(&webrtc)?;
    let local = webrtc
        .property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description")
        .ok_or_else(|| ViewerError::Negotiation("no local description".into()))?;
    let sdp = local
        .sdp()
        .as_text()
        .map_err(|e| ViewerError::Negotiation(e.to_string()))?;
    if !sdp.contains("H264") {
        return Err(ViewerError::Offer(
            "the browser's offer and this stream have no H.264 format in common".into(),
        ));
    }
    ingest.subscribe(id, src);
    Ok(Answer { viewer, sdp })
}

/// Waits until webrtcbin has gathered all its ICE candidates (they go in the answer).
fn wait_for_gathering(webrtc: &gst::Element) -> Result<(), ViewerError> {
    let complete = |w: &gst::Element| {
        w.property::<gst_webrtc::WebRTCICEGatheringState>("ice-gathering-state")
            == gst_webrtc::WebRTCICEGatheringState::Complete
    };
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let tx = std::sync::Mutex::new(tx);
    let handler = webrtc.connect_notify(Some("ice-gathering-state"), move |w, _| {
        if complete(w) {
            let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(());
        }
    });
    let done = complete(webrtc) || rx.recv_timeout(STEP_TIMEOUT).is_ok();
    webrtc.disconnect(handler);
    if done {
        Ok(())
    } else {
        Err(ViewerError::Negotiation(format!(
            "ICE candidates not gathered within {} s",
            STEP_TIMEOUT.as_secs()
        )))
    }
}

impl Viewer {
    /// Why the viewer's pipeline stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether the viewer is over: its browser went (connection failed or closed) or its
    /// pipeline failed.
    pub fn gone(&self) -> bool {
        use gst_webrtc::WebRTCPeerConnectionState as S;
        self.failure().is_some()
            || matches!(
                self.webrtc.property::<S>("connection-state"),
                S::Failed | S::Closed
            )
    }

    /// The peer connection's state as WebRTC names it ("new", "connecting", "connected", ...).
    pub fn state(&self) -> &'static str {
        use gst_webrtc::WebRTCPeerConnectionState as S;
        match self.webrtc.property::<S>("connection-state") {
            S::New => "new",
            S::Connecting => "connecting",
            S::Connected => "connected",
            S::Disconnected => "disconnected",
            S::Failed => "failed",
            S::Closed => "closed",
            _ => "unknown",
        }
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.ingest.unsubscribe(self.id);
        let _ = self.pipeline.set_state(gst::State::Null);
        if let Some(bus) = self.pipeline.bus() {
            bus.unset_sync_handler();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROMIUM_OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96 102 104 106\r\n\
        a=rtpmap:96 VP8/90000\r\n\
        a=rtpmap:102 H264/90000\r\n\
        a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n\
        a=rtpmap:104 H264/90000\r\n\
        a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n\
        a=rtpmap:106 H264/90000\r\n\
        a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";

    #[test]
    fn the_answer_takes_constrained_baseline_in_packetization_mode_one() {
        let o = h264_in_offer(CHROMIUM_OFFER).unwrap();
        assert_eq!(o.payload, 106);
        assert_eq!(o.profile_level_id.as_deref(), Some("42e01f"));
        assert_eq!(o.packetization_mode, 1);
    }

    #[test]
    fn an_offer_without_h264_is_refused() {
        let vp8 = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
        assert_eq!(h264_in_offer(vp8), None);
        let mode0 = "m=video 9 X 104\r\na=rtpmap:104 H264/90000\r\n\
                     a=fmtp:104 packetization-mode=0;profile-level-id=42e01f\r\n";
        assert_eq!(h264_in_offer(mode0), None);
    }
}
