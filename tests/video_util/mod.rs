//! Shared helpers for the video integration tests: free ports, the simulator's test-video
//! sender, and polling with generous timeouts (the CI machine is a loaded 2-core VM).

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use kestrel::video::{StreamConfig, StreamState, VideoSource, VideoStream};
use kestrel_sim::video::{SenderConfig, TestVideoSender};

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

/// Polls `f` every 20 ms until it returns `Some`, or panics with `what` after `timeout`.
pub async fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the stream's state matches `pred`.
pub async fn wait_state(
    stream: &VideoStream,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&StreamState) -> bool,
) -> StreamState {
    wait_for(what, timeout, || {
        let st = stream.status().state;
        pred(&st).then_some(st)
    })
    .await
}

/// Runs a blocking GStreamer check off the async threads.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// Awaits `fut` or panics after `timeout`.
pub async fn within<T>(what: &str, timeout: Duration, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {timeout:?}: {what}"))
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
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(f) = latest.newer_than(seq) {
            return f;
        }
        if Instant::now() >= deadline {
            let events: Vec<_> = stream.events().try_iter().collect();
            panic!(
                "timed out after {timeout:?} waiting for {what}; status {:?}; events {events:?}",
                stream.status()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
