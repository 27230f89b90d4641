//! "Four streams at once keep the UI smooth": CPU time of one console frame with the video grid
//! showing four live 720p30 H.264 streams, headless (egui layout and tessellation, including
//! turning each new decoded frame into a texture image; the GPU upload itself is not measured —
//! it depends on the graphics card).
//!
//! Four test senders (x264, 1280×720, 30 fps, RTP over loopback) feed four real receiving
//! pipelines ([`kestrel::video::VideoStream`]); the window draws their feeds in the grid with
//! the stats overlay on, one frame every 16 ms (60 Hz), as it would on screen. Prints the frame
//! time (median, p95, max), how many video frames per second reached the textures, and the CPU
//! the whole process used per stream (senders included, so it is an upper bound).
//!
//! Run: `cargo bench --bench video_ui` (KESTREL_BENCH_SECONDS, default 20, sets the length).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::video::VideoFeed;
use kestrel::console::{ConsoleHandle, Language, Settings};
use kestrel::tiles::TileSourceConfig;
use kestrel::ui::{AppOptions, ConsoleApp, VideoLayout};
use kestrel::video::stream_info::SourceOrigin;
use kestrel::video::{StreamConfig, VideoSource, VideoStream};
use kestrel_sim::video::{SenderConfig, TestVideoSender};

const STREAMS: u16 = 4;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// A run of free UDP ports on loopback.
fn free_ports(n: u16) -> u16 {
    for attempt in 0..200u32 {
        let base = 40_000 + ((std::process::id() + attempt * 7919) % 20_000) as u16;
        if (0..n).all(|i| std::net::UdpSocket::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no free UDP ports");
}

/// CPU time of the calling thread, seconds (a frame's own cost, whatever else the machine runs).
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes into the struct we pass.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let seconds: f64 = std::env::var("KESTREL_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let base = free_ports(STREAMS);
    let mut senders = Vec::new();
    let mut streams = Vec::new();
    for i in 0..STREAMS {
        let source: VideoSource = format!("udp://127.0.0.1:{}", base + i).parse().unwrap();
        let stream =
            VideoStream::start_on(rt.handle(), StreamConfig::new(source, format!("bench-{i}")))
                .unwrap();
        streams.push(stream);
        let mut cfg = SenderConfig::for_aircraft(i, format!("BENCH-{}", i + 1));
        cfg.port = base + i;
        cfg.width = 1280;
        cfg.height = 720;
        cfg.bitrate_kbps = 2500;
        senders.push(TestVideoSender::start(cfg).unwrap());
    }
    // Wait for pictures from every stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    while streams.iter().any(|s| s.latest().count() == 0) {
        assert!(
            Instant::now() < deadline,
            "no pictures from the test senders"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let handle = ConsoleHandle::detached();
    let mut fleet = SyntheticFleet::new(STREAMS as usize, Instant::now());
    let settings = Settings {
        language: Language::English,
        tile_source: TileSourceConfig::Grid,
        ..Default::default()
    };
    let mut app = ConsoleApp::new(handle, AppOptions::ephemeral(settings));
    app.select(1);
    app.video_mut().set_layout(VideoLayout::Grid);
    app.video_mut().set_stats(true);
    let ctx = egui::Context::default();
    let mut t = 0.0;
    let mut seq = 0;
    let frame = |app: &mut ConsoleApp, t: f64| {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1080.0),
            )),
            time: Some(t),
            ..Default::default()
        };
        let started = Instant::now();
        let cpu = thread_cpu_seconds();
        let mut out = ctx.run_ui(input, |ui| app.show(ui));
        out.textures_delta.clear();
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        std::hint::black_box(prims.len());
        (started.elapsed(), thread_cpu_seconds() - cpu)
    };
    let mut publish = |app: &ConsoleApp, t: f64, seq: u64| {
        fleet.step(t);
        let mut view = fleet.view(t, seq);
        let feeds: BTreeMap<u8, VideoFeed> = streams
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    i as u8 + 1,
                    VideoFeed {
                        latest: s.latest(),
                        status: s.status(),
                        origin: SourceOrigin::Configured,
                        source_error: None,
                        generation: 1,
                    },
                )
            })
            .collect();
        view.video.feeds = Arc::new(feeds);
        app.handle().set_view(view);
    };
    // Warm-up: two seconds.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs(2) {
        t += 0.016;
        seq += 1;
        if seq % 6 == 0 {
            publish(&app, t, seq);
        }
        frame(&mut app, t);
        std::thread::sleep(Duration::from_millis(16));
    }
    let uploads_before: u64 = (1..=STREAMS as u8).map(|s| app.video().uploads(s)).sum();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut times = Vec::new();
    let mut cpu_times = Vec::new();
    let mut next = Instant::now();
    while started.elapsed().as_secs_f64() < seconds {
        t += 0.016;
        seq += 1;
        // The core publishes at 10 Hz.
        if seq % 6 == 0 {
            publish(&app, t, seq);
        }
        let (wall, cpu) = frame(&mut app, t);
        times.push(wall.as_secs_f64() * 1000.0);
        cpu_times.push(cpu * 1000.0);
        next += Duration::from_millis(16);
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        } else {
            next = Instant::now();
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let uploads: u64 = (1..=STREAMS as u8)
        .map(|s| app.video().uploads(s))
        .sum::<u64>()
        - uploads_before;
    let sizes: Vec<String> = (1..=STREAMS as u8)
        .map(|s| format!("{:?}", app.video().texture_size(s)))
        .collect();
    times.sort_by(f64::total_cmp);
    cpu_times.sort_by(f64::total_cmp);
    let decoded: Vec<String> = streams
        .iter()
        .map(|s| format!("{:.1}", s.status().stats.fps))
        .collect();
    println!(
        "video_ui/4x720p30_grid: {} UI frames in {wall:.1} s at 60 Hz; frame CPU time median {:.2} ms, p95 {:.2} ms, max {:.2} ms; wall time median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(&cpu_times, 0.5),
        percentile(&cpu_times, 0.95),
        cpu_times.last().copied().unwrap_or(0.0),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(0.0),
    );
    println!(
        "video_ui/4x720p30_grid: {:.1} video frames/s reached the textures (all streams), decoders at {} fps; textures {}",
        uploads as f64 / wall,
        decoded.join("/"),
        sizes.join(" ")
    );
    println!(
        "video_ui/4x720p30_grid: process CPU {:.2} cores ({:.2} per stream, 720p30 x264 senders included)",
        cpu / wall,
        cpu / wall / f64::from(STREAMS)
    );
    drop(senders);
    rt.block_on(async {
        for s in streams {
            s.stop().await;
        }
    });
}
