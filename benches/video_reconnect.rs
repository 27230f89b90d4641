//! Video reconnect benchmark (harness = false; prints figures): how soon a stream notices that
//! the aircraft's video stopped, and how soon pictures are back once it returns.
//!
//! One stream (Kestrel's [`kestrel::video::VideoStream`], software decoding) receives the
//! simulator's test video over loopback RTP/UDP. Each cycle lets video flow, stops the sender,
//! and times
//! - *loss noticed*: from the arrival of the last picture to the stream's "no signal" event
//!   (the stream is configured to say so after 0.7 s without pictures);
//! - *pictures again*: from the sender's restart (after the stream has rebuilt its pipeline) to
//!   the arrival of the first new picture.
//!
//! The behaviour (it notices, it recovers, nothing leaks) is tested by `tests/video_reconnect.rs`;
//! the times are here. `cargo bench --bench video_reconnect` runs 12 cycles; plain `cargo test`
//! runs one as a smoke test.

#[path = "../tests/common/video.rs"]
mod video;
#[path = "../tests/common/wait.rs"]
mod wait;

use std::time::{Duration, Instant};

use kestrel::video::{StreamState, VideoEvent, VideoStream};
use video::{free_udp_port, start_sender, start_stream};

/// A failure bound for anything the benchmark waits for, not an expectation.
const LONG: Duration = Duration::from_secs(30);

/// One loss and recovery, in milliseconds.
struct Cycle {
    loss_noticed_ms: f64,
    pictures_again_ms: f64,
}

/// Blocks until the stream reports "no signal"; returns when it did.
fn no_signal_event(stream: &VideoStream) -> Instant {
    let deadline = wait::Deadline::after(LONG, "the no-signal event");
    loop {
        match stream.events().recv_timeout(Duration::from_millis(100)) {
            Ok(VideoEvent::State(StreamState::NoSignal { .. })) => return Instant::now(),
            Ok(_) => {}
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => deadline.check(None),
            Err(e) => panic!("the stream's events ended: {e}"),
        }
    }
}

fn cycle(
    stream: &VideoStream,
    port: u16,
    sender: &mut Option<kestrel_sim::video::TestVideoSender>,
) -> Cycle {
    let latest = stream.latest();
    let start = latest.count();
    wait::until("30 pictures", LONG, || latest.count() >= start + 30);
    let reconnects = stream.status().reconnects;
    // Only events from here on count.
    while stream.events().try_recv().is_ok() {}

    drop(sender.take()); // the aircraft's video stops
    let noticed = no_signal_event(stream);
    let last = latest.get().expect("pictures before the loss");
    let loss_noticed = noticed.duration_since(last.received_at);
    wait::until("the pipeline rebuilt", LONG, || {
        stream.status().reconnects > reconnects
    });

    let back = Instant::now();
    *sender = Some(start_sender(port, "KESTREL-4")); // and comes back
    let first = wait::until("a new picture", LONG, || latest.newer_than(last.seq));
    wait::until("playing", LONG, || {
        stream.status().state == StreamState::Playing
    });
    Cycle {
        loss_noticed_ms: loss_noticed.as_secs_f64() * 1000.0,
        pictures_again_ms: first.received_at.duration_since(back).as_secs_f64() * 1000.0,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn report(name: &str, mut v: Vec<f64>, target: &str) {
    v.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  {name:<40} p50 {:>6.0} ms   p95 {:>6.0} ms   max {:>6.0} ms   (n = {}; {target})",
        percentile(&v, 0.5),
        percentile(&v, 0.95),
        v[v.len() - 1],
        v.len()
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cycles = if full { 12 } else { 1 };
    gstreamer::init().expect("GStreamer");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let _in_runtime = rt.enter();
    println!(
        "video reconnect benchmark ({} mode, {cycles} cycles, {} CPUs)",
        if full { "full" } else { "smoke" },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );

    let port = free_udp_port();
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K4");
    let mut sender = Some(start_sender(port, "KESTREL-4"));
    let latest = stream.latest();
    wait::until("a first picture", LONG, || latest.newer_than(0));

    let runs: Vec<Cycle> = (0..cycles)
        .map(|_| cycle(&stream, port, &mut sender))
        .collect();
    report(
        "loss noticed (last picture → no signal)",
        runs.iter().map(|c| c.loss_noticed_ms).collect(),
        "the stream is configured to say so after 700 ms",
    );
    report(
        "pictures again (video back → picture)",
        runs.iter().map(|c| c.pictures_again_ms).collect(),
        "from a rebuilt pipeline",
    );
    rt.block_on(stream.stop());
    drop(sender);
}
