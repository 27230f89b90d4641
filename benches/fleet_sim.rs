//! End-to-end figures over real loopback sockets against the simulator (run with `make bench` or
//! `cargo bench --bench fleet_sim`):
//! - mission upload time for 500 items at 0 %, 10 % and 20 % loss each way, over a link with
//!   25 ms latency each way (a telemetry radio), and the ratio to the lossless time;
//! - the simulator's CPU use for 100 aircraft in real time, as a fraction of one core.
//!
//! Under `cargo test` (no `--bench` argument) it runs a seconds-long smoke version instead.

use std::time::{Duration, Instant};

use kestrel::link::LinkSpec;
use kestrel::plan::{MissionItem, MissionKind, MissionPlan};
use kestrel::protocol::TransferPolicy;
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, Faults, SimConfig, Simulator};

fn free_udp() -> std::net::SocketAddr {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn upload_once(items: usize, loss: f64, latency_ms: u64) -> (f64, u32) {
    let addr = free_udp();
    let station = Station::start(StationConfig::default()).unwrap();
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let _sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        faults: Faults {
            loss,
            latency_ms,
            ..Default::default()
        },
        seed: 7,
        ..Default::default()
    })
    .unwrap();
    while station.snapshot().get(1).is_none() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let plan = MissionPlan {
        home: Some((36.456, 115.985, 35.0)),
        mission: (0..items)
            .map(|i| MissionItem::waypoint(36.456 + i as f64 * 1e-5, 115.985, 30.0))
            .collect(),
        ..Default::default()
    };
    let stats = station
        .upload_items(
            1,
            MissionKind::Mission,
            &plan.wire_items(MissionKind::Mission),
            TransferPolicy::default(),
        )
        .await
        .expect("upload must succeed");
    (stats.seconds, stats.resends)
}

/// CPU seconds this process has used (user + system).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the ')' field 0 is state; utime and stime are fields 14 and 15 of the full line.
    (ticks(11) + ticks(12)) / 100.0
}

fn simulator_cpu(vehicles: usize, seconds: f64) -> f64 {
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sink.local_addr().unwrap();
    let sim = Simulator::start(SimConfig {
        vehicles,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    // Drain what the fleet sends so the socket does not fill (cost excluded from the figure: it
    // runs on this thread, which we do not count... it is counted, so keep it cheap).
    sink.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut buf = [0u8; 2048];
    while t0.elapsed().as_secs_f64() < seconds {
        let _ = sink.recv(&mut buf);
    }
    let cpu = cpu_seconds() - cpu0;
    drop(sim);
    cpu / t0.elapsed().as_secs_f64()
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if !bench {
        let (s, _) = rt.block_on(upload_once(20, 0.1, 0));
        println!("smoke: 20-item upload at 10% loss in {s:.2} s");
        return;
    }
    println!("mission upload, 500 items, 25 ms latency each way (2-core VM):");
    let mut lossless = 0.0;
    for loss in [0.0, 0.1, 0.2] {
        let (s, resends) = rt.block_on(upload_once(500, loss, 25));
        if loss == 0.0 {
            lossless = s;
        }
        println!(
            "  loss {:>3.0}%: {s:6.2} s, {resends:4} resends, {:.2}x lossless",
            loss * 100.0,
            s / lossless
        );
    }
    println!("mission upload, 500 items, loopback without latency:");
    for loss in [0.0, 0.2] {
        let (s, resends) = rt.block_on(upload_once(500, loss, 0));
        println!(
            "  loss {:>3.0}%: {s:6.2} s, {resends:4} resends",
            loss * 100.0
        );
    }
    let frac = simulator_cpu(100, 20.0);
    println!(
        "simulator: 100 aircraft in real time use {:.1}% of one core (incl. draining their traffic)",
        frac * 100.0
    );
}
