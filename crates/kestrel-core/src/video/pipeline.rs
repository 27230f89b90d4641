//! Builds the receiving pipeline for a [`VideoSource`]: network source → (jitter buffer →
//! depayloader) → parser → `tee name=rec` (where a recording branch attaches) → queue →
//! decoder → videoconvert → RGBA → `appsink name=sink`, tuned for latency (small jitter
//! buffer, `sync=false`, one-buffer appsink that drops). RTSP and MPEG-TS learn their codec
//! from the stream, so their decoding tail is built when the source pad appears.
//!
//! Every pipeline built here is registered by weak reference so tests (and `kestrel video
//! probe`) can check that reconnecting never leaks pipelines: [`live_pipelines`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use super::decoder::{self, DecoderChoice, DecoderPreference};
use super::frame::{FrameData, LatestFrame, VideoFrame};
use super::source::{Codec, VideoSource};
use super::stats::Counters;
use super::VideoError;

/// UDP receive buffer asked of the kernel: a few 720p key frames.
const UDP_BUFFER_BYTES: u32 = 4 * 1024 * 1024;

/// How long rtspsrc waits for UDP data before giving up on UDP (microseconds).
const RTSP_UDP_TIMEOUT_US: u64 = 3_000_000;

/// Lower transport for RTSP: UDP first; TCP once UDP proved blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RtspTransport {
    /// RTP over UDP (lowest latency).
    Udp,
    /// RTP interleaved in the RTSP TCP connection (passes firewalls and NAT).
    Tcp,
}

/// How to build the pipeline.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Decoder preference from settings.
    pub decoder: DecoderPreference,
    /// False once a hardware decoder failed on this stream.
    pub allow_hardware: bool,
    /// RTSP lower transport to ask for.
    pub rtsp_transport: RtspTransport,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            decoder: DecoderPreference::from_env(),
            allow_hardware: true,
            rtsp_transport: RtspTransport::Udp,
        }
    }
}

/// Facts about one running pipeline that streaming threads learn.
#[derive(Debug, Default)]
pub struct PipelineFacts {
    /// Codec of the encoded stream, once known.
    pub codec: Mutex<Option<Codec>>,
    /// Decoder in use, once chosen.
    pub decoder: Mutex<Option<DecoderChoice>>,
    /// RTSP: the server answered with a session description (it is reachable).
    pub sdp_received: AtomicBool,
    /// Bytes that arrived from the network (before depayloading and parsing): data is
    /// arriving even if no picture can be made of it.
    pub received: AtomicU64,
}

/// A built (not yet playing) receiving pipeline. Dropping it sets the pipeline to Null, so
/// a forgotten receiver never keeps streaming threads alive.
#[derive(Debug)]
pub struct Receiver {
    /// The pipeline; the caller sets its state.
    pub pipeline: gst::Pipeline,
    /// What its streaming threads learn.
    pub facts: Arc<PipelineFacts>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

static LIVE: Mutex<Vec<glib::WeakRef<gst::Pipeline>>> = Mutex::new(Vec::new());

fn register(p: &gst::Pipeline) {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|w| w.upgrade().is_some());
    live.push(p.downgrade());
}

/// How many receiving pipelines built by this process still exist (not yet freed).
pub fn live_pipelines() -> usize {
    let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|w| w.upgrade().is_some());
    live.len()
}

/// RTP caps for `codec` (what udpsrc must announce for the depayloader).
pub fn rtp_caps(codec: Codec) -> String {
    let name = match codec {
        Codec::H264 => "H264",
        Codec::H265 => "H265",
    };
    format!(
        "application/x-rtp,media=(string)video,clock-rate=(int)90000,encoding-name=(string){name}"
    )
}

fn depay_parse(codec: Codec) -> (&'static str, &'static str) {
    match codec {
        Codec::H264 => ("rtph264depay", "h264parse"),
        Codec::H265 => ("rtph265depay", "h265parse"),
    }
}

/// The decoding tail after the network part: (depayloader →) parser → `tee name=rec` →
/// queue → decoder → videoconvert → RGBA caps. `rtp` adds the depayloader.
pub fn tail_description(codec: Codec, rtp: bool, dec: &DecoderChoice) -> String {
    let (depay, parse) = depay_parse(codec);
    let depay = if rtp {
        // After a loss, ask the sender (RTCP PLI, where it listens) for a fresh keyframe;
        // only the H.264 depayloader has this property.
        let ask_keyframe = match codec {
            Codec::H264 => " request-keyframe=true",
            Codec::H265 => "",
        };
        format!("{depay} name=depay{ask_keyframe} ! ")
    } else {
        String::new()
    };
    format!(
        "{depay}{parse} name=parse config-interval=-1 ! tee name=rec allow-not-linked=true ! \
         queue name=decq max-size-buffers=16 max-size-bytes=0 max-size-time=0 ! {} ! \
         videoconvert name=convert ! capsfilter caps=video/x-raw,format=RGBA",
        dec.launch_fragment()
    )
}

/// The whole pipeline for RTP over UDP.
pub fn udp_description(
    host: &str,
    port: u16,
    codec: Codec,
    latency_ms: u32,
    dec: &DecoderChoice,
) -> String {
    format!(
        "udpsrc name=src address={host} port={port} buffer-size={UDP_BUFFER_BYTES} caps=\"{}\" ! \
         rtpjitterbuffer name=jitter latency={latency_ms} drop-on-latency=true ! {} ! \
         appsink name=sink",
        rtp_caps(codec),
        tail_description(codec, true, dec)
    )
}

/// Builds the receiving pipeline for `source`, delivering frames into `latest`.
pub fn build(
    source: &VideoSource,
    opts: &PipelineOptions,
    latest: &LatestFrame,
    counters: &Arc<Counters>,
) -> Result<Receiver, VideoError> {
    super::init()?;
    let facts = Arc::new(PipelineFacts::default());
    let pipeline = match source {
        VideoSource::Udp {
            host,
            port,
            codec,
            latency_ms,
        } => {
            let (depay, parse) = depay_parse(*codec);
            super::require_elements(&[
                "udpsrc",
                "rtpjitterbuffer",
                depay,
                parse,
                "videoconvert",
                "appsink",
            ])?;
            let dec = decoder::choose(*codec, &opts.decoder, opts.allow_hardware)?;
            let desc = udp_description(host, *port, *codec, *latency_ms, &dec);
            let p = launch(&desc)?;
            *lock(&facts.codec) = Some(*codec);
            *lock(&facts.decoder) = Some(dec);
            instrument(p.upcast_ref(), counters);
            p
        }
        VideoSource::MpegTs { host, port, .. } => {
            super::require_elements(&["udpsrc", "tsdemux", "videoconvert", "appsink"])?;
            let desc = format!(
                "udpsrc name=src address={host} port={port} buffer-size={UDP_BUFFER_BYTES} \
                 caps=\"video/mpegts,systemstream=(boolean)true,packetsize=(int)188\" ! \
                 tsdemux name=demux latency=100 \
                 appsink name=sink"
            );
            let p = launch(&desc)?;
            let demux = p
                .by_name("demux")
                .ok_or_else(|| VideoError::Pipeline("tsdemux missing".into()))?;
            link_dynamic(&p, &demux, false, opts, counters, &facts);
            p
        }
        VideoSource::Rtsp { url, latency_ms } => {
            super::require_elements(&["rtspsrc", "videoconvert", "appsink"])?;
            let p = gst::Pipeline::new();
            let protocols = match opts.rtsp_transport {
                RtspTransport::Udp => "udp",
                RtspTransport::Tcp => "tcp",
            };
            let src = gst::ElementFactory::make("rtspsrc")
                .name("src")
                .property("location", url.as_str())
                .property("latency", *latency_ms)
                .property("drop-on-latency", true)
                .property("do-retransmission", false)
                .property("timeout", RTSP_UDP_TIMEOUT_US)
                .property("tcp-timeout", 5_000_000u64)
                .property_from_str("protocols", protocols)
                .build()
                .map_err(|e| VideoError::Pipeline(format!("rtspsrc: {e}")))?;
            let sink = gst::ElementFactory::make("appsink")
                .name("sink")
                .build()
                .map_err(|e| VideoError::Pipeline(format!("appsink: {e}")))?;
            p.add_many([&src, &sink])
                .map_err(|e| VideoError::Pipeline(e.to_string()))?;
            let f = facts.clone();
            src.connect("on-sdp", false, move |_| {
                f.sdp_received.store(true, Ordering::Relaxed);
                None
            });
            link_dynamic(&p, &src, true, opts, counters, &facts);
            p
        }
        VideoSource::Pipeline(desc) => {
            let p = launch(desc)?;
            if let Some(tee) = p.by_name("rec") {
                count_bytes(&tee, "sink", counters);
            }
            p
        }
    };
    if let Some(pad) = pipeline
        .by_name("src")
        .filter(|s| s.factory().is_some_and(|f| f.name() == "udpsrc"))
        .and_then(|s| s.static_pad("src"))
    {
        count_received(&pad, &facts);
    }
    let sink = pipeline
        .by_name("sink")
        .and_then(|s| s.downcast::<gst_app::AppSink>().ok())
        .ok_or_else(|| {
            VideoError::Pipeline("the pipeline has no `appsink name=sink` at its end".into())
        })?;
    attach_sink(&sink, latest.clone(), counters.clone());
    register(&pipeline);
    Ok(Receiver { pipeline, facts })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn launch(desc: &str) -> Result<gst::Pipeline, VideoError> {
    let el = gst::parse::launch(desc)
        .map_err(|e| VideoError::Pipeline(format!("cannot build `{desc}`: {e}")))?;
    match el.downcast::<gst::Pipeline>() {
        Ok(p) => Ok(p),
        Err(el) => {
            // A single element: wrap it.
            let p = gst::Pipeline::new();
            p.add(&el)
                .map_err(|e| VideoError::Pipeline(e.to_string()))?;
            Ok(p)
        }
    }
}

/// Counts encoded bytes leaving the parser and pictures leaving the decoder.
fn instrument(bin: &gst::Bin, counters: &Arc<Counters>) {
    if let Some(parse) = bin.by_name("parse") {
        count_bytes(&parse, "src", counters);
    }
    if let Some(dec) = bin.by_name("dec") {
        if let Some(pad) = dec.static_pad("src") {
            let c = counters.clone();
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                c.frames_decoded.fetch_add(1, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            });
        }
    }
}

fn count_bytes(el: &gst::Element, pad: &str, counters: &Arc<Counters>) {
    if let Some(pad) = el.static_pad(pad) {
        let c = counters.clone();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buf) = info.buffer() {
                c.encoded_bytes
                    .fetch_add(buf.size() as u64, Ordering::Relaxed);
            }
            gst::PadProbeReturn::Ok
        });
    }
}

/// Counts bytes arriving on `pad` (network input) into `facts.received`.
fn count_received(pad: &gst::Pad, facts: &Arc<PipelineFacts>) {
    let f = facts.clone();
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        move |_, info| {
            let n = match &info.data {
                Some(gst::PadProbeData::Buffer(b)) => b.size() as u64,
                Some(gst::PadProbeData::BufferList(l)) => l.calculate_size() as u64,
                _ => 0,
            };
            f.received.fetch_add(n, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        },
    );
}

/// The codec a dynamic source pad carries, from its caps (RTP or elementary stream).
fn codec_of_caps(caps: &gst::CapsRef) -> Option<Codec> {
    let s = caps.structure(0)?;
    match s.name().as_str() {
        "application/x-rtp" => {
            if s.get::<&str>("media").ok()? != "video" {
                return None;
            }
            match s
                .get::<&str>("encoding-name")
                .ok()?
                .to_ascii_uppercase()
                .as_str()
            {
                "H264" => Some(Codec::H264),
                "H265" => Some(Codec::H265),
                _ => None,
            }
        }
        "video/x-h264" => Some(Codec::H264),
        "video/x-h265" => Some(Codec::H265),
        _ => None,
    }
}

/// Links the first video pad of `src` (rtspsrc or tsdemux) to a decoding tail built for its
/// codec; other pads go to fakesinks so they never stall the source.
fn link_dynamic(
    pipeline: &gst::Pipeline,
    src: &gst::Element,
    rtp: bool,
    opts: &PipelineOptions,
    counters: &Arc<Counters>,
    facts: &Arc<PipelineFacts>,
) {
    let weak = pipeline.downgrade();
    let opts = opts.clone();
    let counters = counters.clone();
    let facts = facts.clone();
    let linked = Arc::new(AtomicBool::new(false));
    src.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let caps = pad.current_caps().or_else(|| Some(pad.query_caps(None)));
        let codec = caps.as_ref().and_then(|c| codec_of_caps(c));
        match codec {
            Some(codec) if !linked.swap(true, Ordering::SeqCst) => {
                if let Err(e) = link_tail(&pipeline, pad, codec, rtp, &opts, &counters, &facts) {
                    let _ = pipeline.post_message(
                        gst::message::Error::builder(gst::CoreError::Negotiation, &e.to_string())
                            .build(),
                    );
                }
            }
            _ => discard(&pipeline, pad),
        }
    });
}

fn link_tail(
    pipeline: &gst::Pipeline,
    pad: &gst::Pad,
    codec: Codec,
    rtp: bool,
    opts: &PipelineOptions,
    counters: &Arc<Counters>,
    facts: &Arc<PipelineFacts>,
) -> Result<(), VideoError> {
    let dec = decoder::choose(codec, &opts.decoder, opts.allow_hardware)?;
    let (depay, parse) = depay_parse(codec);
    if rtp {
        super::require_elements(&[depay, parse])?;
    } else {
        super::require_elements(&[parse])?;
    }
    let tail = gst::parse::bin_from_description(&tail_description(codec, rtp, &dec), true)
        .map_err(|e| VideoError::Pipeline(format!("decoding tail: {e}")))?;
    instrument(&tail, counters);
    *lock(&facts.codec) = Some(codec);
    *lock(&facts.decoder) = Some(dec);
    let sink = pipeline
        .by_name("sink")
        .ok_or_else(|| VideoError::Pipeline("appsink missing".into()))?;
    pipeline
        .add(&tail)
        .map_err(|e| VideoError::Pipeline(e.to_string()))?;
    tail.link(&sink)
        .map_err(|e| VideoError::Pipeline(format!("cannot link decoder to appsink: {e}")))?;
    tail.sync_state_with_parent()
        .map_err(|e| VideoError::Pipeline(e.to_string()))?;
    let tail_sink = tail
        .static_pad("sink")
        .ok_or_else(|| VideoError::Pipeline("decoding tail has no input".into()))?;
    if rtp {
        count_received(&tail_sink, facts);
    }
    pad.link(&tail_sink)
        .map_err(|e| VideoError::Pipeline(format!("cannot link the {codec} stream: {e:?}")))?;
    Ok(())
}

fn discard(pipeline: &gst::Pipeline, pad: &gst::Pad) {
    let Ok(fake) = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .property("async", false)
        .build()
    else {
        return;
    };
    if pipeline.add(&fake).is_ok() {
        let _ = fake.sync_state_with_parent();
        if let Some(sinkpad) = fake.static_pad("sink") {
            let _ = pad.link(&sinkpad);
        }
    }
}

/// Configures the appsink for latency (newest buffer only, no clock sync) and publishes each
/// RGBA sample into `latest`.
fn attach_sink(sink: &gst_app::AppSink, latest: LatestFrame, counters: Arc<Counters>) {
    sink.set_caps(Some(
        &gst::Caps::builder("video/x-raw")
            .field("format", "RGBA")
            .build(),
    ));
    sink.set_sync(false);
    sink.set_max_buffers(1);
    sink.set_drop(true);
    sink.set_property("enable-last-sample", false);
    sink.set_property("qos", false);
    let mut cached: Option<(gst::Caps, gst_video::VideoInfo)> = None;
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Flushing)?;
                let caps = sample.caps().ok_or(gst::FlowError::NotNegotiated)?;
                let info = match &cached {
                    Some((c, info)) if c.as_ref() == caps => info.clone(),
                    _ => {
                        let info = gst_video::VideoInfo::from_caps(caps)
                            .map_err(|_| gst::FlowError::NotNegotiated)?;
                        cached = Some((caps.to_owned(), info.clone()));
                        info
                    }
                };
                let buffer = sample.buffer_owned().ok_or(gst::FlowError::Error)?;
                let pts = buffer.pts();
                if let (Some(pts), Some(now)) = (pts, sink.current_running_time()) {
                    let rt = sample
                        .segment()
                        .and_then(|s| s.downcast_ref::<gst::ClockTime>())
                        .and_then(|s| s.to_running_time(pts));
                    if let Some(rt) = rt {
                        counters.add_latency_sample(now.saturating_sub(rt).useconds());
                    }
                }
                let (w, h) = (info.width(), info.height());
                let row = w as usize * 4;
                let stride = info.stride()[0] as usize;
                let offset = info.offset()[0];
                let len = row * h as usize;
                let data = if stride == row && offset == 0 && buffer.size() >= len {
                    match buffer.into_mapped_buffer_readable() {
                        Ok(m) => FrameData::Mapped(m, len),
                        Err(_) => return Err(gst::FlowError::Error),
                    }
                } else {
                    let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
                    let mut out = Vec::with_capacity(len);
                    for y in 0..h as usize {
                        let start = offset + y * stride;
                        let line = map
                            .as_slice()
                            .get(start..start + row)
                            .ok_or(gst::FlowError::Error)?;
                        out.extend_from_slice(line);
                    }
                    FrameData::Owned(out)
                };
                counters.width.store(w, Ordering::Relaxed);
                counters.height.store(h, Ordering::Relaxed);
                latest.publish(VideoFrame::new(w, h, pts.map(Duration::from), data));
                counters.frames_delivered.fetch_add(1, Ordering::Relaxed);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn sw(codec: Codec) -> DecoderChoice {
        DecoderChoice {
            element: decoder::software_decoder(codec).into(),
            hardware: false,
        }
    }

    #[test]
    fn udp_pipeline_is_low_latency() {
        let d = udp_description("0.0.0.0", 5600, Codec::H264, 50, &sw(Codec::H264));
        for needle in [
            "port=5600",
            "encoding-name=(string)H264",
            "latency=50",
            "drop-on-latency=true",
            "rtph264depay",
            "config-interval=-1",
            "tee name=rec",
            "avdec_h264 name=dec thread-type=slice",
            "output-corrupt=false",
            "request-keyframe=true",
            "format=RGBA",
            "appsink name=sink",
        ] {
            assert!(d.contains(needle), "{needle} missing in {d}");
        }
        let d = udp_description("::", 5601, Codec::H265, 50, &sw(Codec::H265));
        assert!(d.contains("rtph265depay") && d.contains("h265parse"), "{d}");
    }

    #[test]
    fn codec_comes_from_caps() {
        crate::video::init().unwrap();
        let c = gst::Caps::from_str(&rtp_caps(Codec::H265)).unwrap();
        assert_eq!(codec_of_caps(&c), Some(Codec::H265));
        let c = gst::Caps::from_str("video/x-h264,stream-format=byte-stream").unwrap();
        assert_eq!(codec_of_caps(&c), Some(Codec::H264));
        let c = gst::Caps::from_str("application/x-rtp,media=audio,encoding-name=OPUS").unwrap();
        assert_eq!(codec_of_caps(&c), None);
    }

    #[test]
    fn every_source_kind_builds() {
        let latest = LatestFrame::new();
        let counters = Arc::new(Counters::default());
        let opts = PipelineOptions {
            decoder: DecoderPreference::Software,
            ..Default::default()
        };
        for uri in [
            "udp://127.0.0.1:5999",
            "udp://127.0.0.1:5999?codec=h265",
            "mpegts://127.0.0.1:5998",
            "rtsp://127.0.0.1:1/none",
            "pipeline:videotestsrc ! videoconvert ! appsink name=sink",
        ] {
            let src: VideoSource = uri.parse().unwrap();
            let r = build(&src, &opts, &latest, &counters).unwrap();
            assert!(r.pipeline.by_name("sink").is_some(), "{uri}");
        }
        let bad: VideoSource = "pipeline:videotestsrc ! fakesink name=sink"
            .parse()
            .unwrap();
        let e = build(&bad, &opts, &latest, &counters).unwrap_err();
        assert!(e.to_string().contains("appsink"), "{e}");
    }
}
