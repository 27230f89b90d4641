//! Gimbal-to-picture benchmark (harness = false; prints figures): from sending a gimbal command
//! to the first decoded picture that shows it, over loopback with the simulator.
//!
//! One simulated aircraft at 30 m streams its rendered camera (RTP H.264, software decoding on
//! the station's side). Each cycle tilts the gimbal between level (the top of the picture is
//! sky) and 25° down (no sky): the time is from sending MAV_CMD_DO_GIMBAL_MANAGER_PITCHYAW to
//! the first picture whose top rows changed sky ↔ ground. It includes the acknowledgement, the
//! gimbal's slew (25° at 120°/s ≈ 0.2 s), rendering, encoding, the network and decoding.
//! `cargo bench --bench gimbal_video` runs 20 cycles; plain `cargo test` runs two as a smoke
//! test.

#[path = "../tests/common/video.rs"]
mod video;
#[path = "../tests/common/wait.rs"]
mod wait;

use std::time::{Duration, Instant};

use kestrel::link::LinkSpec;
use kestrel::payload::control::{self, PayloadWatcher};
use kestrel::payload::GimbalRequest;
use kestrel::protocol::PilotAction;
use kestrel::station::{Station, StationConfig};
use kestrel::video::VideoFrame;
use kestrel_sim::{Endpoint, SimConfig, Simulator};
use video::{free_udp_port, start_stream};

const LONG: Duration = Duration::from_secs(60);

/// Whether the top rows of `f` are sky (light blue).
fn sky_on_top(f: &VideoFrame) -> bool {
    let w = f.width as usize;
    let px = f.rgba();
    let rows = (f.height as usize / 20).max(1);
    let mut sky = 0;
    for i in 0..rows * w {
        let (r, g, b) = (px[i * 4], px[i * 4 + 1], px[i * 4 + 2]);
        if b > 200 && r > 120 && r < 190 && g > 160 {
            sky += 1;
        }
    }
    sky * 2 > rows * w
}

fn report(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let p = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name}: median {:.0} ms, p95 {:.0} ms, min {:.0} ms, max {:.0} ms ({} cycles)",
        p(0.5),
        p(0.95),
        ms[0],
        ms[ms.len() - 1],
        ms.len()
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cycles = if full { 20 } else { 2 };
    gstreamer::init().expect("GStreamer");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "gimbal → picture benchmark ({} mode, {cycles} cycles, {} CPUs)",
        if full { "full" } else { "smoke" },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
    rt.block_on(async {
        let addr = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let port = free_udp_port();
        let station = Station::start(StationConfig::default()).expect("station");
        station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
        let _sim = Simulator::start(SimConfig {
            vehicles: 1,
            endpoint: Endpoint::Udp(addr),
            video: true,
            video_base_port: port,
            ..Default::default()
        })
        .expect("simulator");
        station.wait_for_aircraft(1, LONG).await;
        let watcher = PayloadWatcher::start(&station);
        control::discover(&station, &watcher, 1).await.unwrap();
        let steps = (PilotAction::Takeoff { alt_m: 30.0 })
            .steps(station.snapshot().get(1))
            .unwrap();
        for s in steps {
            assert!(station.command(1, &s).await.unwrap().is_accepted());
        }
        wait::until_async("at 30 m", LONG, || {
            let snap = station.snapshot();
            match snap.get(1) {
                Some(a) if a.alt_rel_m > 29.0 => Ok(()),
                Some(a) => Err(format!("{} m", a.alt_rel_m)),
                None => Err("no aircraft".into()),
            }
        })
        .await;
        let stream = start_stream(&format!("udp://0.0.0.0:{port}"), "SIM-1");
        let latest = stream.latest();
        let mut times = Vec::new();
        let mut level = false;
        let mut seq = 0;
        for i in 0..=cycles {
            level = !level;
            let pitch = if level { 0.0 } else { -25.0 };
            let sent = Instant::now();
            control::gimbal(
                &station,
                &watcher,
                1,
                GimbalRequest::Point {
                    pitch_deg: pitch,
                    yaw_deg: 0.0,
                    earth: false,
                },
            )
            .await
            .unwrap();
            let deadline = wait::Deadline::after(LONG, "the picture to follow the gimbal");
            loop {
                if let Some(f) = latest.newer_than(seq) {
                    seq = f.seq;
                    if sky_on_top(&f) == level {
                        // The first cycle starts from an unknown pose: not counted.
                        if i > 0 {
                            times.push(f.received_at.duration_since(sent).as_secs_f64() * 1000.0);
                        }
                        break;
                    }
                }
                if deadline.passed() {
                    deadline.fail(None);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            // Let the picture settle before the next command.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        report("gimbal command → picture changed", times);
        stream.stop().await;
    });
}
