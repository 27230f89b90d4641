//! Stream loss and recovery over real pipelines: when the aircraft's video stops, the stream
//! says "no signal" since the last picture, rebuilds its pipeline, and plays again by itself
//! when the video returns; repeated losses leak neither pipelines nor threads, and a recording
//! running across the losses continues in numbered parts that all play back. How soon the loss
//! is noticed and the pictures come back is measured by `benches/video_reconnect.rs`.
//!
//! Alone in its own test binary because it counts the process's threads.

mod common;

use std::time::Duration;

use common::video::*;
use common::wait::{self, within};
use gstreamer as gst;
use gstreamer::prelude::*;
use kestrel::video::pipeline::live_pipelines;
use kestrel::video::{RecordingRequest, StreamState};

const LONG: Duration = Duration::from_secs(30);

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn frames_in(path: &std::path::Path) -> u64 {
    gst::init().unwrap();
    let p = gst::parse::launch(&format!(
        "filesrc location=\"{}\" ! decodebin ! fakesink name=sink sync=false signal-handoffs=true",
        path.display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let n = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let n2 = n.clone();
    p.by_name("sink")
        .unwrap()
        .connect("handoff", false, move |_| {
            n2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            None
        });
    p.set_state(gst::State::Playing).unwrap();
    let bus = p.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("decoding finishes");
    assert!(
        matches!(msg.view(), gst::MessageView::Eos(_)),
        "{}: {msg:?}",
        path.display()
    );
    p.set_state(gst::State::Null).unwrap();
    n.load(std::sync::atomic::Ordering::Relaxed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loss_says_no_signal_then_recovers_without_leaks() {
    let port = free_udp_port();
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K4");
    let latest = stream.latest();
    let mut sender = Some(start_sender(port, "KESTREL-4"));
    wait::until_async("a first frame", LONG, || latest.newer_than(0)).await;

    let dir = tempfile::tempdir().unwrap();
    let rec_path = dir.path().join("patrol.mkv");
    stream
        .start_recording(RecordingRequest {
            path: rec_path.clone(),
            aircraft: "K4".into(),
            evidence_log: None,
        })
        .await
        .unwrap();
    wait::until_async("the recording to open", LONG, || {
        stream.status().recording.and_then(|r| r.path)
    })
    .await;

    let cycles = 3;
    let mut counts = Vec::new();
    for cycle in 0..cycles {
        // Let some video flow (and be recorded) first.
        let start = latest.count();
        wait::until_async("30 frames", LONG, || {
            (latest.count() >= start + 30).then_some(())
        })
        .await;
        let reconnects = stream.status().reconnects;

        drop(sender.take()); // the aircraft's video stops
        let st = wait_state(&stream, "no signal", LONG, |s| {
            matches!(s, StreamState::NoSignal { .. })
        })
        .await;
        let StreamState::NoSignal { since } = st else {
            unreachable!()
        };
        // No picture comes any more: the last one shown is the last one sent.
        let last = latest.get().unwrap();
        assert_eq!(
            since, last.received_wall,
            "cycle {cycle}: the no-signal time is not the last picture's time"
        );
        // The stale pipeline is replaced while the video is gone.
        wait::until_async("the pipeline to be rebuilt", LONG, || {
            stream.status().reconnects > reconnects
        })
        .await;

        sender = Some(start_sender(port, "KESTREL-4")); // and comes back
        wait::until_async("frames again", LONG, || latest.newer_than(last.seq)).await;
        wait_state(&stream, "playing", LONG, |s| *s == StreamState::Playing).await;
        counts.push((live_pipelines(), threads()));
    }
    eprintln!("(live pipelines, threads) after each recovery: {counts:?}");
    for (i, (pipes, _)) in counts.iter().enumerate() {
        assert_eq!(*pipes, 1, "cycle {i}: {pipes} receiving pipelines alive");
    }
    let first = counts[0].1;
    let last = counts[cycles - 1].1;
    assert!(
        last <= first + 4,
        "threads grew from {first} to {last} over {cycles} reconnects"
    );

    // Some video in the last part too.
    let start = latest.count();
    wait::until_async("30 frames", LONG, || {
        (latest.count() >= start + 30).then_some(())
    })
    .await;
    let parts = within("stop recording", LONG, stream.stop_recording())
        .await
        .unwrap();
    assert_eq!(
        parts.iter().map(|p| p.part).collect::<Vec<_>>(),
        (1..=cycles as u32 + 1).collect::<Vec<_>>(),
        "{parts:?}"
    );
    assert_eq!(parts[0].path, rec_path);
    assert_eq!(parts[1].path, dir.path().join("patrol.part2.mkv"));
    for p in parts {
        let path = p.path.clone();
        let n = blocking(move || frames_in(&path)).await;
        assert!(n >= 10, "{}: only {n} frames play back", p.path.display());
    }
    stream.stop().await;
    assert_eq!(
        live_pipelines(),
        0,
        "the stopped stream left a pipeline behind"
    );
}
