//! Test video for simulated aircraft: a moving test pattern, or (with [`SenderConfig::scene`])
//! the ground scene the aircraft's camera sees, drawn by [`crate::scene`] from the camera's
//! live pose, with the aircraft's callsign and a clock burned in, encoded with x264 (zero-latency tuning, one key frame per second) and sent
//! as RTP H.264 over UDP to the ground station (aircraft `i` → port 5600 + i, as
//! QGroundControl listens on 5600), plus the VIDEO_STREAM_INFORMATION message that announces
//! it. Self-contained: the simulator only calls [`TestVideoSender::start`] and sends
//! [`stream_information`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use mavlink::dialects::ardupilotmega::{
    MavMessage, VideoStreamEncoding, VideoStreamStatusFlags, VideoStreamType,
    VIDEO_STREAM_INFORMATION_DATA,
};

/// First UDP port; aircraft `i` streams to `VIDEO_BASE_PORT + i`.
pub const VIDEO_BASE_PORT: u16 = 5600;

/// Video codec of the test stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestCodec {
    /// H.264 (x264enc), what drones send.
    H264,
    /// H.265 (x265enc), to test the H.265 path.
    H265,
}

/// How the test video looks and where it goes.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Destination host (the ground station).
    pub host: String,
    /// Destination UDP port.
    pub port: u16,
    /// Text burned into the picture (the callsign).
    pub label: String,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Encoder bitrate, kbit/s.
    pub bitrate_kbps: u32,
    /// Codec.
    pub codec: TestCodec,
    /// Also burn in the callsign and a clock (needs GStreamer's pango plugin,
    /// `gstreamer1.0-x`); skipped when that plugin is missing.
    pub overlays: bool,
    /// Draw what this camera sees (the pose is updated by the aircraft) instead of the test
    /// pattern.
    pub scene: Option<SceneFeed>,
}

/// A camera's latest pose, shared between the aircraft (which writes it) and the sender's
/// drawing thread.
pub type SceneFeed = Arc<Mutex<Option<crate::scene::CameraView>>>;

impl SenderConfig {
    /// 640×360 at 30 fps, 1 Mbit/s, to `127.0.0.1` port 5600 + `index`, labelled `label`.
    pub fn for_aircraft(index: u16, label: impl Into<String>) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: VIDEO_BASE_PORT.saturating_add(index),
            label: label.into(),
            width: 640,
            height: 360,
            fps: 30,
            bitrate_kbps: 1000,
            codec: TestCodec::H264,
            overlays: true,
            scene: None,
        }
    }
}

fn has(element: &str) -> bool {
    gst::init().is_ok() && gst::ElementFactory::find(element).is_some()
}

fn quote(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect()
}

/// The sender as a gst-launch-1.0 description (the encoder is named `enc`, the payloader
/// `pay`). Run it with `gst-launch-1.0` to send the same stream from a shell.
pub fn launch_description(cfg: &SenderConfig) -> String {
    let overlays = if cfg.overlays && has("textoverlay") && has("clockoverlay") {
        format!(
            "textoverlay text=\"{}\" valignment=top halignment=left font-desc=\"Sans {}\" ! \
             clockoverlay halignment=right valignment=bottom time-format=\"%H:%M:%S\" \
             font-desc=\"Sans {}\" ! ",
            quote(&cfg.label),
            (cfg.height / 18).max(8),
            (cfg.height / 24).max(8)
        )
    } else {
        String::new()
    };
    let key_int = cfg.fps.max(1);
    let (enc, caps, pay) = match cfg.codec {
        TestCodec::H264 => (
            format!(
                "x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={} \
                 key-int-max={key_int} threads=1",
                cfg.bitrate_kbps
            ),
            "video/x-h264,profile=constrained-baseline",
            "rtph264pay name=pay config-interval=-1 pt=96 mtu=1400",
        ),
        TestCodec::H265 => (
            format!(
                "x265enc name=enc tune=zerolatency speed-preset=ultrafast bitrate={} \
                 key-int-max={key_int} option-string=\"repeat-headers=1\"",
                cfg.bitrate_kbps
            ),
            "video/x-h265",
            "rtph265pay name=pay config-interval=-1 pt=96 mtu=1400",
        ),
    };
    let src = if cfg.scene.is_some() {
        "appsrc name=src is-live=true format=time do-timestamp=true"
    } else {
        "videotestsrc name=src is-live=true pattern=smpte horizontal-speed=4"
    };
    format!(
        "{src} ! \
         video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 ! {overlays}\
         {enc} ! {caps} ! {pay} ! udpsink name=net host={host} port={port} sync=false async=false",
        w = cfg.width,
        h = cfg.height,
        fps = cfg.fps,
        host = quote(&cfg.host),
        port = cfg.port,
    )
}

/// A running test-video sender; dropping it stops the stream.
pub struct TestVideoSender {
    pipeline: gst::Pipeline,
    config: SenderConfig,
    painter: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl TestVideoSender {
    /// Checks that a sender for `cfg` could start (every GStreamer element there, the pipeline
    /// built) without sending anything: an on-demand camera must stay silent until asked.
    pub fn check(cfg: &SenderConfig) -> anyhow::Result<()> {
        Self::build(cfg).map(drop)
    }

    /// The sender's pipeline, built but not playing; fails with the missing element's name.
    fn build(cfg: &SenderConfig) -> anyhow::Result<gst::Pipeline> {
        gst::init()?;
        let src = if cfg.scene.is_some() {
            "appsrc"
        } else {
            "videotestsrc"
        };
        let needed: &[&str] = match cfg.codec {
            TestCodec::H264 => &[src, "x264enc", "rtph264pay", "udpsink"],
            TestCodec::H265 => &[src, "x265enc", "rtph265pay", "udpsink"],
        };
        for e in needed {
            anyhow::ensure!(
                has(e),
                "GStreamer element {e} is missing (install gstreamer1.0-plugins-base/-good/-ugly/-bad)"
            );
        }
        gst::parse::launch(&launch_description(cfg))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| anyhow::anyhow!("the test video description is not a pipeline"))
    }

    /// Starts sending; fails with the missing element's name if GStreamer lacks one.
    pub fn start(cfg: SenderConfig) -> anyhow::Result<Self> {
        let pipeline = Self::build(&cfg)?;
        pipeline.set_state(gst::State::Playing)?;
        let painter = match &cfg.scene {
            Some(feed) => {
                let appsrc = pipeline
                    .by_name("src")
                    .and_then(|e| e.downcast::<gstreamer_app::AppSrc>().ok())
                    .ok_or_else(|| anyhow::anyhow!("the scene sender has no appsrc"))?;
                let stop = Arc::new(AtomicBool::new(false));
                let thread = std::thread::Builder::new()
                    .name(format!("sim-camera-{}", cfg.port))
                    .spawn({
                        let (feed, stop, cfg) = (feed.clone(), stop.clone(), cfg.clone());
                        move || paint(&appsrc, &feed, &stop, &cfg)
                    })?;
                Some((stop, thread))
            }
            None => None,
        };
        Ok(Self {
            pipeline,
            config: cfg,
            painter,
        })
    }

    /// The running pipeline (benchmarks attach probes to the element named `enc`).
    pub fn pipeline(&self) -> &gst::Pipeline {
        &self.pipeline
    }

    /// What this sender sends.
    pub fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// The VIDEO_STREAM_INFORMATION announcing this stream.
    pub fn stream_information(&self) -> MavMessage {
        stream_information(&self.config)
    }
}

/// Draws the scene `fps` times a second from the latest pose in `feed` and pushes each picture
/// into `appsrc`, until `stop`.
fn paint(appsrc: &gstreamer_app::AppSrc, feed: &SceneFeed, stop: &AtomicBool, cfg: &SenderConfig) {
    let (w, h) = (cfg.width as usize & !1, cfg.height as usize & !1);
    let size = w * h * 3 / 2;
    let period = Duration::from_secs_f64(1.0 / f64::from(cfg.fps.max(1)));
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let view = *feed.lock().unwrap_or_else(|e| e.into_inner());
        let mut buffer = match gst::Buffer::with_size(size) {
            Ok(b) => b,
            Err(_) => return,
        };
        if let Some(b) = buffer.get_mut() {
            if let Ok(mut map) = b.map_writable() {
                match view {
                    Some(v) => crate::scene::render_i420(&v, w, h, map.as_mut_slice()),
                    None => {
                        // No pose yet: a mid-grey picture.
                        let (y, uv) = map.as_mut_slice().split_at_mut(w * h);
                        y.fill(110);
                        uv.fill(128);
                    }
                }
            }
        }
        if appsrc.push_buffer(buffer).is_err() {
            return;
        }
        next += period;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            // Drawing fell behind: skip the missed frames rather than burst.
            next = now;
        }
    }
}

impl Drop for TestVideoSender {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.painter.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// VIDEO_STREAM_INFORMATION (message 269) for a test stream, QGroundControl style: RTP/UDP,
/// `uri` = `udp://0.0.0.0:PORT` (the port the ground station listens on).
pub fn stream_information(cfg: &SenderConfig) -> MavMessage {
    let name = format!("{} camera", cfg.label);
    MavMessage::VIDEO_STREAM_INFORMATION(VIDEO_STREAM_INFORMATION_DATA {
        stream_id: 1,
        count: 1,
        mavtype: VideoStreamType::VIDEO_STREAM_TYPE_RTPUDP,
        flags: VideoStreamStatusFlags::VIDEO_STREAM_STATUS_FLAGS_RUNNING,
        framerate: cfg.fps as f32,
        resolution_h: cfg.width.min(u16::MAX as u32) as u16,
        resolution_v: cfg.height.min(u16::MAX as u32) as u16,
        bitrate: cfg.bitrate_kbps.saturating_mul(1000),
        rotation: 0,
        hfov: 90,
        name: name.as_str().into(),
        uri: format!("udp://0.0.0.0:{}", cfg.port).as_str().into(),
        encoding: match cfg.codec {
            TestCodec::H264 => VideoStreamEncoding::VIDEO_STREAM_ENCODING_H264,
            TestCodec::H265 => VideoStreamEncoding::VIDEO_STREAM_ENCODING_H265,
        },
        camera_device_id: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_and_announcement_match() {
        let cfg = SenderConfig::for_aircraft(2, "KESTREL-3");
        let d = launch_description(&cfg);
        assert!(d.contains("port=5602"), "{d}");
        assert!(d.contains("tune=zerolatency"), "{d}");
        assert!(d.contains("key-int-max=30"), "{d}");
        let MavMessage::VIDEO_STREAM_INFORMATION(info) = stream_information(&cfg) else {
            panic!("wrong message");
        };
        assert_eq!(info.uri.to_str().unwrap(), "udp://0.0.0.0:5602");
        assert_eq!(info.resolution_h, 640);
    }

    #[test]
    fn quotes_cannot_break_the_description() {
        assert_eq!(quote("a\"b\\c\n"), "abc");
    }
}
