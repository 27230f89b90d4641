//! The console's video against the real simulator with cameras (`kestrel-sim --video`), over real
//! loopback MAVLink and real RTP/GStreamer pipelines, driven through the window like an operator:
//! the selected aircraft's video appears in the corner of the map with frames of the camera's
//! size, clicking it swaps video and map, a click on the video is reported for sightings, the
//! picture says "NO SIGNAL" when the camera stops and comes back by itself when it restarts,
//! snapshot and recording land in the data directory with their evidence, the grid shows every
//! aircraft, and no pipeline is left behind once the views are closed.
//!
//! One test (pipelines are counted process-wide); no rendering (no GPU needed).

mod common;

use std::net::UdpSocket;

use egui_kittest::kittest::Queryable;
use kestrel_sim::SimConfig;

use common::console::{aircraft, contains, core_with_simulator, shows, wait_until, window, HOME};
use common::wait::{self, WAIT};
use kestrel::console::ConsoleConfig;
use kestrel::ui::VideoLayout;

/// A run of `n` consecutive UDP ports free on this machine.
fn free_ports(n: u16) -> u16 {
    for attempt in 0..200u32 {
        let seed = std::process::id()
            .wrapping_mul(7919)
            .wrapping_add(attempt * 104_729);
        let base = 30_000 + (seed % 20_000) as u16;
        if (0..n).all(|i| UdpSocket::bind(("0.0.0.0", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no free UDP ports");
}

#[test]
fn live_video_in_the_console() {
    let data = tempfile::tempdir().unwrap();
    let base = free_ports(2);
    let (handle, sim, _) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(data.path().to_path_buf()),
            video: true,
            ..Default::default()
        },
        SimConfig {
            video: true,
            video_base_port: base,
            ..aircraft(2)
        },
    );
    let mut h = window(handle);

    // The first aircraft is selected by itself; its camera plays in the corner of the map, from
    // the port it announced, decoded at the camera's size.
    wait_until(&mut h, "aircraft 1's video in the corner", |h| {
        h.state().video().texture_size(1) == Some([640, 360])
    });
    assert_eq!(h.state().video().layout(), VideoLayout::MapMain);
    let feed = h
        .state()
        .handle()
        .view()
        .video
        .feeds
        .get(&1)
        .cloned()
        .unwrap();
    assert_eq!(feed.status.source, format!("udp://0.0.0.0:{base}"));
    let uploads = h.state().video().uploads(1);
    wait_until(&mut h, "more frames", |h| {
        h.state().video().uploads(1) > uploads + 10
    });

    // A click on the small video makes it the main view, with the map in the corner.
    h.get_by_label("Team 1 video").click();
    wait_until(&mut h, "the video full size", |h| {
        h.state().video().layout() == VideoLayout::VideoMain && shows(h, "⇄")
    });
    // The small map has no toolbar (zoom, follow, key areas): it is a glance, not a tool.
    assert!(!shows(&h, "Whole fleet") && !shows(&h, "Key areas"));
    // A click on the picture is reported with its position in the frame (the centre here).
    h.state_mut().video_mut().take_clicks();
    h.get_by_label("Team 1 video").click();
    h.run_steps(2);
    let clicks = h.state_mut().video_mut().take_clicks();
    assert_eq!(clicks.len(), 1, "{clicks:?}");
    assert_eq!(clicks[0].sysid, 1);
    assert!((clicks[0].nx - 0.5).abs() < 0.02 && (clicks[0].ny - 0.5).abs() < 0.02);
    assert!(clicks[0].frame_seq > 0);

    // The camera stops: "NO SIGNAL" with the reason; it restarts: frames by themselves.
    sim.set_video_running(0, false).unwrap();
    wait_until(&mut h, "NO SIGNAL", |h| shows(h, "NO SIGNAL"));
    assert!(contains(&h, "reconnecting"));
    sim.set_video_running(0, true).unwrap();
    let before = h.state().video().uploads(1);
    wait_until(&mut h, "the picture back", |h| {
        !shows(h, "NO SIGNAL") && h.state().video().uploads(1) > before + 5
    });

    // A snapshot with the aircraft's position and time goes into the data directory.
    h.get_by_label("Snapshot").click();
    wait_until(&mut h, "the snapshot saved", |h| {
        contains(h, "snapshot saved to")
    });
    let snaps: Vec<_> = std::fs::read_dir(data.path().join("video").join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let jpeg = snaps
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "jpg"))
        .expect("a JPEG");
    let bytes = std::fs::read(jpeg).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(jpeg.with_extension("jpg.json")).unwrap()).unwrap();
    assert_eq!(sidecar["aircraft"], "Team 1");
    assert!((sidecar["lat"].as_f64().unwrap() - HOME.0).abs() < 0.01);
    assert_eq!(sidecar["width"], 640);

    // Recording: started and stopped from the window, the file and its SHA-256 logged.
    h.get_by_label("● Record").click();
    wait_until(&mut h, "the recording to start", |h| {
        contains(h, "recording to")
    });
    wait_until(&mut h, "the stop button", |h| shows(h, "■ Stop recording"));
    wait_until(&mut h, "video going into the recording", |h| {
        let view = h.state().handle().view();
        let file = view
            .video
            .feeds
            .get(&1)
            .and_then(|f| f.status.recording.as_ref())
            .and_then(|r| r.path.clone());
        // More than the file's header: pictures are being written.
        file.and_then(|f| std::fs::metadata(f).ok())
            .is_some_and(|m| m.len() > 4096)
    });
    h.get_by_label("■ Stop recording").click();
    wait_until(&mut h, "the recording saved", |h| {
        contains(h, "recording saved to")
    });
    let evidence =
        std::fs::read_to_string(data.path().join("video").join("evidence.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(evidence.lines().last().unwrap()).unwrap();
    assert_eq!(line["sha256"].as_str().unwrap().len(), 64);
    assert!(std::path::Path::new(line["file"].as_str().unwrap()).exists());

    // The swap button in the map's corner goes back to the map.
    h.get_by_label("⇄").click();
    wait_until(&mut h, "the map back", |h| {
        h.state().video().layout() == VideoLayout::MapMain
    });
    h.run_steps(2);
    assert!(shows(&h, "Whole fleet") && shows(&h, "Key areas"));
    // Lay out a frame of the new view before pressing its buttons.
    h.run_steps(2);

    // The grid plays every aircraft at once.
    h.get_by_label("Video grid").click();
    h.run_steps(2);
    assert_eq!(h.state().video().layout(), VideoLayout::Grid);
    wait_until(&mut h, "both videos in the grid", |h| {
        h.state().video().texture_size(1) == Some([640, 360])
            && h.state().video().texture_size(2) == Some([640, 360])
    });
    assert!(shows(&h, "Team 2 video"));
    // Back to the map: aircraft 2's stream is stopped by the core.
    h.get_by_label("Map").click();
    wait_until(&mut h, "aircraft 2's stream stopped", |h| {
        !h.state().handle().view().video.feeds.contains_key(&2)
    });

    // Closing the console leaves no pipeline behind.
    drop(h);
    wait::until("every pipeline closed (none leaked)", WAIT, || {
        match kestrel::video::pipeline::live_pipelines() {
            0 => Ok(()),
            n => Err(format!("{n} pipelines alive")),
        }
    });
    drop(sim);
}
