//! The console closes the evidence chain after a crash: a recording an earlier run left
//! unfinished (a fragmented MP4 cut mid-fragment, its marker naming a process that is gone)
//! is found at start-up, fingerprinted, logged as recovered, and the operator is told once.

mod common;

use std::path::Path;
use std::time::SystemTime;

use gstreamer as gst;
use gstreamer::prelude::*;

use common::console::{contains, start_core, wait_until, window};
use kestrel::console::ConsoleConfig;
use kestrel::video::recovery::{unfinished_dir, UnfinishedMarker};

/// Writes three seconds of fragmented MP4 and tears its end off, as a power cut would.
fn cut_recording(path: &Path) {
    gst::init().unwrap();
    let desc = format!(
        "videotestsrc num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 ! \
         x264enc key-int-max=30 ! h264parse ! mp4mux fragment-duration=1000 ! \
         filesink location=\"{}\"",
        path.display()
    );
    let p = gst::parse::launch(&desc).unwrap();
    p.set_state(gst::State::Playing).unwrap();
    let bus = p.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(60),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("the encoder finished");
    assert!(matches!(msg.view(), gst::MessageView::Eos(_)), "{msg:?}");
    p.set_state(gst::State::Null).unwrap();
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() * 3 / 4]).unwrap();
}

#[test]
fn the_console_recovers_an_unfinished_recording_at_start_and_says_so() {
    let data = tempfile::tempdir().unwrap();
    let rec_dir = data.path().join("video").join("recordings");
    std::fs::create_dir_all(&rec_dir).unwrap();
    let file = rec_dir.join("K3_cut.mp4");
    cut_recording(&file);
    let log = kestrel::video::recorder::evidence_log_path(data.path());
    let mut marker = UnfinishedMarker::new(&file, "K3", SystemTime::now(), 1, "udp://0.0.0.0:5602");
    marker.pid = u32::MAX; // the process that wrote it is gone
    marker.write(&unfinished_dir(&log)).unwrap();

    let handle = start_core(ConsoleConfig {
        data_dir: Some(data.path().to_path_buf()),
        video: true,
        ..Default::default()
    });
    let mut h = window(handle);
    wait_until(&mut h, "the recovery notice", |h| {
        contains(h, "recovered 1 unfinished recording(s) from K3 at")
    });

    let (hash, bytes) = kestrel::video::recorder::sha256_file(&file).unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["sha256"], hash.as_str());
    assert_eq!(lines[0]["bytes"], bytes);
    assert_eq!(lines[0]["recovered"], true);
    assert_eq!(lines[0]["finished"], false);
    // The torn file still holds its first two complete fragments.
    let frames = lines[0]["frames"].as_u64().unwrap();
    assert!((30..90).contains(&frames), "{frames} frames");
    assert!(lines[0]["duration_s"].as_f64().unwrap() >= 1.0);
    // Recovered once: no marker is left for the next start.
    assert_eq!(std::fs::read_dir(unfinished_dir(&log)).unwrap().count(), 0);
}
