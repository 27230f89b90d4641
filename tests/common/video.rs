//! Video under test: free ports, the simulator's test-video sender, a stream receiving it, waits
//! on what the stream shows, and decoding a recorded file as a player would. Benchmarks include
//! it with `#[path]` (next to `wait.rs`, which it uses as `super::wait`).

#![allow(dead_code)]

use std::time::Duration;

use kestrel::video::{StreamConfig, StreamState, VideoSource, VideoStream};
use kestrel_sim::video::{SenderConfig, TestVideoSender};

use super::wait::{self, Deadline};

/// A UDP port nobody listens on right now.
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral UDP port");
    s.local_addr().expect("local address").port()
}

/// A small test stream (320×240, 30 fps) to `port` on loopback, labelled `label`.
pub fn sender_config(port: u16, label: &str) -> SenderConfig {
    SenderConfig {
        host: "127.0.0.1".into(),
        port,
        label: label.into(),
        width: 320,
        height: 240,
        fps: 30,
        bitrate_kbps: 600,
        ..SenderConfig::for_aircraft(0, label)
    }
}

/// Starts the simulator's test video to `port`.
pub fn start_sender(port: u16, label: &str) -> TestVideoSender {
    TestVideoSender::start(sender_config(port, label)).expect("start the test video sender")
}

/// Starts a stream that listens on loopback `port`, with software decoding (deterministic).
pub fn start_stream(uri: &str, aircraft: &str) -> VideoStream {
    let source: VideoSource = uri.parse().expect("valid source URI");
    let mut cfg = StreamConfig::new(source, aircraft);
    cfg.decoder = kestrel::video::decoder::DecoderPreference::Software;
    VideoStream::start(cfg).expect("start the stream")
}

/// Waits until the stream's state matches `pred`.
pub async fn wait_state(
    stream: &VideoStream,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&StreamState) -> bool,
) -> StreamState {
    wait::until_async(what, timeout, || {
        let st = stream.status().state;
        if pred(&st) {
            Ok(st)
        } else {
            Err(format!("{st:?}"))
        }
    })
    .await
}

/// Runs a blocking GStreamer check off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// Waits for a frame newer than `seq`; on timeout the panic shows the stream's status and
/// events, which say why.
pub async fn wait_frame(
    stream: &VideoStream,
    seq: u64,
    what: &str,
    timeout: Duration,
) -> std::sync::Arc<kestrel::video::VideoFrame> {
    let latest = stream.latest();
    let deadline = Deadline::after(timeout, what);
    loop {
        if let Some(f) = latest.newer_than(seq) {
            return f;
        }
        if deadline.passed() {
            // Read once, at the end: reading the events takes them.
            let events: Vec<_> = stream.events().try_iter().collect();
            deadline.fail(Some(format!(
                "status {:?}; events {events:?}",
                stream.status()
            )));
        }
        tokio::time::sleep(wait::POLL).await;
    }
}

/// What decoding a recorded file gave back.
#[derive(Debug)]
pub struct Decoded {
    /// Pictures a player would show.
    pub frames: u64,
    /// Width of the last picture.
    pub width: u32,
    /// Height of the last picture.
    pub height: u32,
    /// The tags the file carries, as text.
    pub tags: String,
    /// The first decoding error, if any (a file cut by a crash may end with one).
    pub error: Option<String>,
}

/// Decodes a file fully with decodebin, as a player would.
pub fn decode_file(path: &std::path::Path) -> Decoded {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    gst::init().unwrap();
    let desc = format!(
        "filesrc location=\"{}\" ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! appsink name=sink sync=false",
        path.display()
    );
    let p = gst::parse::launch(&desc)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sink = p
        .by_name("sink")
        .unwrap()
        .downcast::<gstreamer_app::AppSink>()
        .unwrap();
    p.set_state(gst::State::Playing).unwrap();
    let mut d = Decoded {
        frames: 0,
        width: 0,
        height: 0,
        tags: String::new(),
        error: None,
    };
    while let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(10)) {
        d.frames += 1;
        let s = sample.caps().unwrap().structure(0).unwrap().to_owned();
        d.width = s.get::<i32>("width").unwrap() as u32;
        d.height = s.get::<i32>("height").unwrap() as u32;
    }
    let bus = p.bus().unwrap();
    while let Some(msg) = bus.pop() {
        match msg.view() {
            gst::MessageView::Tag(t) => d.tags.push_str(&t.tags().to_string()),
            gst::MessageView::Error(e) if d.error.is_none() => {
                d.error = Some(e.error().to_string())
            }
            _ => {}
        }
    }
    p.set_state(gst::State::Null).unwrap();
    d
}
