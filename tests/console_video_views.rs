//! Pictures of the console's video views, rendered headless (wgpu through lavapipe) from a
//! synthetic fleet and synthetic camera frames, compared with the images kept in tests/snapshots/
//! (`UPDATE_SNAPSHOTS=1 cargo test --test console_video_views` rewrites them after a deliberate
//! change): the main video with its flight HUD and stats, and the grid with one camera lost.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use egui_kittest::kittest::Queryable;

use common::console::{Window, WindowBuilder};
use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::video::VideoFeed;
use kestrel::console::ConsoleHandle;
use kestrel::ui::VideoLayout;
use kestrel::video::stream_info::SourceOrigin;
use kestrel::video::{Codec, LatestFrame, StreamState, StreamStats, VideoFrame, VideoStatus};

/// A 640×360 camera picture: sky, horizon, a road and a marker whose place depends on `sysid`.
fn picture(sysid: u8) -> VideoFrame {
    let (w, h) = (640u32, 360u32);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let px = if y < 140 {
                [110 + (y / 4) as u8, 160 + (y / 6) as u8, 230, 255]
            } else if (x as i32 - 320).abs() < (y as i32 - 120) / 2 {
                [70, 70, 76, 255]
            } else {
                [60 + (x / 16) as u8, 120, 50, 255]
            };
            let mx = 100 + 90 * u32::from(sysid);
            let marker = x.abs_diff(mx) < 14 && y.abs_diff(250) < 14;
            rgba.extend_from_slice(if marker { &[220, 30, 30, 255] } else { &px });
        }
    }
    VideoFrame::from_rgba(w, h, rgba).unwrap()
}

fn feed(sysid: u8, state: StreamState) -> VideoFeed {
    let latest = LatestFrame::new();
    latest.publish(picture(sysid));
    VideoFeed {
        latest,
        status: VideoStatus {
            source: format!("udp://0.0.0.0:{}", 5599 + u16::from(sysid)),
            state,
            stats: StreamStats {
                fps: 30.0,
                width: 640,
                height: 360,
                bitrate_bps: 1_020_000,
                frames: 900,
                frames_dropped: 2,
                packets_lost: 0,
                latency_ms: Some(6.4),
            },
            codec: Some(Codec::H264),
            decoder: None,
            rtsp_transport: None,
            reconnects: 0,
            last_error: None,
            recording: None,
            relaying_to: None,
        },
        origin: SourceOrigin::Announced,
        source_error: None,
        generation: u64::from(sysid),
    }
}

/// A window over four synthetic aircraft with camera feeds; aircraft 3's camera is lost.
fn console(layout: VideoLayout) -> Window {
    console_with(layout, |_| {}).rendered().build()
}

/// The window of [`console`] before it is built, with the feeds changed by `change`.
fn console_with(
    layout: VideoLayout,
    change: impl FnOnce(&mut BTreeMap<u8, VideoFeed>),
) -> WindowBuilder {
    let handle = ConsoleHandle::detached();
    let mut fleet = SyntheticFleet::new(4, Instant::now());
    let lost = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let feeds: BTreeMap<u8, VideoFeed> = (1..=4)
        .map(|s| {
            let state = if s == 3 {
                StreamState::NoSignal { since: lost }
            } else {
                StreamState::Playing
            };
            (s, feed(s, state))
        })
        .collect();
    let mut feeds = feeds;
    change(&mut feeds);
    let feeds = Arc::new(feeds);
    for i in 0..=300u64 {
        let t = i as f64 * 0.1;
        fleet.step(t);
        let mut view = fleet.view(t, i);
        view.video.feeds = feeds.clone();
        handle.set_view(view);
    }
    WindowBuilder::new(handle)
        .without_clock()
        .select(1)
        .with_app(move |app| {
            app.video_mut().set_layout(layout);
            app.video_mut().set_stats(true);
        })
        .step_dt(0.05)
}

#[test]
fn the_crew_sees_which_aircrafts_video_dispatch_is_watching() {
    let mut h = console_with(VideoLayout::MapMain, |feeds| {
        feeds.get_mut(&2).unwrap().status.relaying_to = Some("srt://10.0.0.5:8890".into());
    })
    .build();
    h.run_steps(3);
    assert!(h.query_by_label("Dispatch watching: Team 2").is_some());
    // Aircraft 1 is not watched: its panel says nothing of dispatch.
    assert!(h
        .query_by_label_contains("watching this aircraft's video")
        .is_none());
    h.state_mut().select(2);
    h.run_steps(3);
    assert!(h
        .query_by_label("watching this aircraft's video (srt://10.0.0.5:8890)")
        .is_some());
}

#[test]
fn main_video_with_hud_and_stats() {
    let mut h = console(VideoLayout::VideoMain);
    h.run_steps(4);
    assert_eq!(h.state().video().texture_size(1), Some([640, 360]));
    // The map is in the corner, with the button that swaps it back.
    assert!(h.query_by_label("⇄").is_some());
    assert!(h.query_by_label("● Record").is_some());
    assert!(h.query_by_label("Snapshot").is_some());
    h.snapshot("console_video_hud");
}

#[test]
fn grid_of_every_camera_with_one_lost() {
    let mut h = console(VideoLayout::Grid);
    h.run_steps(4);
    for s in 1..=4 {
        assert_eq!(h.state().video().texture_size(s), Some([640, 360]), "{s}");
        assert!(h.query_by_label(&format!("Team {s} video")).is_some());
    }
    // Only the lost camera says so.
    assert_eq!(h.query_all_by_label("NO SIGNAL").count(), 1);
    h.snapshot("console_video_grid");
    // A click selects the aircraft, a double click opens its camera full size.
    h.get_by_label("Team 2 video").click();
    h.step();
    assert_eq!(h.state().selected(), Some(2));
    assert_eq!(h.state().video().layout(), VideoLayout::Grid);
    h.get_by_label("Team 2 video").click();
    h.run_steps(2);
    assert_eq!(h.state().video().layout(), VideoLayout::VideoMain);
}
