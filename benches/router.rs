//! Router benchmark (harness = false; prints figures): what forwarding costs when one Kestrel
//! router shares a whole fleet with the crew's seats.
//!
//! The simulator flies N aircraft (100 with `--bench`) streaming every telemetry stream at 10 Hz
//! (the router asks for it) to a router (a [`kestrel::station::Station`] with one aircraft link
//! and one forwarding endpoint, on its own two-thread runtime); a plain UDP socket behind the
//! endpoint receives what is forwarded. Figures:
//! - frames forwarded per second;
//! - *added latency*: from the moment the router read a datagram (the arrival time its station
//!   stamps on the frame) to the moment the plain socket has the forwarded copy — median, p99
//!   and max;
//! - the router's CPU: user + system time of its runtime's threads over the run, as a share of
//!   one core (the simulator runs on threads of its own, not counted).
//!
//! That forwarding is correct (routes, no copies, no loops) is tested by `tests/crew_seats.rs`
//! and the router's unit tests; the cost is here. `cargo bench --bench router` runs 100 aircraft
//! for 10 s; plain `cargo test` runs 3 aircraft for 2 s as a smoke test.

#[path = "../tests/common/wait.rs"]
mod wait;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kestrel::link::{FrameDecoder, LinkSpec};
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

type Key = (u8, u8, u8, u32);

/// CPU seconds (user + system) of this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> f64 {
    let mut ticks = 0u64;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    for t in tasks.flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        // Fields after the command name (which is in parentheses): state is field 3; utime and
        // stime are fields 14 and 15.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 12 {
            ticks += f[11].parse::<u64>().unwrap_or(0) + f[12].parse::<u64>().unwrap_or(0);
        }
    }
    ticks as f64 / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, span) = if full {
        (100, Duration::from_secs(10))
    } else {
        (3, Duration::from_secs(2))
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("router-rt")
        .enable_all()
        .build()
        .expect("runtime");
    let plain = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    plain
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let air = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.local_addr().expect("addr")
    };
    let plain_addr = plain.local_addr().expect("addr");
    let router = rt.block_on(async {
        let router = Station::start(StationConfig {
            gcs_sysid: 240,
            request_streams_hz: Some(10),
            ..Default::default()
        })
        .expect("router");
        router.add_link(LinkSpec::UdpIn(air)).await.expect("link");
        router
            .add_forward(LinkSpec::UdpOut(plain_addr))
            .await
            .expect("forward");
        router
    });

    // When the router read each frame, recorded off the router's threads.
    let arrivals: Arc<Mutex<HashMap<Key, Vec<Instant>>>> = Default::default();
    let lagged = Arc::new(std::sync::atomic::AtomicU64::new(0));
    {
        let mut rx = router.subscribe();
        let arrivals = arrivals.clone();
        let lagged = lagged.clone();
        std::thread::Builder::new()
            .name("bench-recorder".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    loop {
                        match rx.recv().await {
                            Ok(m) => {
                                let id = mavlink::Message::message_id(&m.message);
                                let key = (m.sysid(), m.header.component_id, m.header.sequence, id);
                                arrivals
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .entry(key)
                                    .or_default()
                                    .push(m.at);
                            }
                            Err(RecvError::Lagged(k)) => {
                                lagged.fetch_add(k, std::sync::atomic::Ordering::Relaxed);
                            }
                            Err(RecvError::Closed) => return,
                        }
                    }
                });
            })
            .expect("recorder thread");
    }

    let sim = Simulator::start(SimConfig {
        vehicles: n,
        endpoint: Endpoint::Udp(air),
        ..Default::default()
    })
    .expect("simulator");
    wait::until(
        "every aircraft at the router",
        Duration::from_secs(60),
        || router.snapshot().aircraft.len() == n,
    );
    // Let every aircraft reach the asked-for rates.
    let settle = Instant::now() + Duration::from_secs(if full { 3 } else { 1 });
    let mut decoder = FrameDecoder::new();
    let mut buf = vec![0u8; 65536];
    while Instant::now() < settle {
        let _ = plain.recv_from(&mut buf);
    }

    let cpu0 = thread_cpu("router-rt");
    let t0 = Instant::now();
    let mut received: Vec<(Key, Instant)> = Vec::new();
    while t0.elapsed() < span {
        if let Ok((len, _)) = plain.recv_from(&mut buf) {
            let at = Instant::now();
            decoder.feed(&buf[..len], |f| {
                received.push((
                    (
                        f.system_id(),
                        f.component_id(),
                        f.sequence(),
                        f.message_id(),
                    ),
                    at,
                ))
            });
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = thread_cpu("router-rt") - cpu0;
    // Give the recorder a moment to catch up on the last frames.
    std::thread::sleep(Duration::from_millis(300));

    let arrivals = arrivals.lock().unwrap_or_else(|e| e.into_inner());
    let mut lat_us: Vec<f64> = Vec::with_capacity(received.len());
    let mut unmatched = 0usize;
    for (key, at) in &received {
        let best = arrivals.get(key).and_then(|v| {
            v.iter()
                .filter(|a| **a <= *at && at.duration_since(**a) < Duration::from_secs(1))
                .max()
                .copied()
        });
        match best {
            Some(a) => lat_us.push(at.duration_since(a).as_secs_f64() * 1e6),
            None => unmatched += 1,
        }
    }
    lat_us.sort_by(|a, b| a.total_cmp(b));
    let from_aircraft = received.iter().filter(|(k, _)| k.0 != 240).count();
    println!(
        "router: {n} aircraft, {:.0} frames/s forwarded ({:.0} frames/s per aircraft) over {wall:.1} s",
        from_aircraft as f64 / wall,
        from_aircraft as f64 / wall / n as f64
    );
    println!(
        "added latency (router read → forwarded copy received): median {:.0} µs, p99 {:.0} µs, max {:.0} µs ({} frames matched, {unmatched} not)",
        percentile(&lat_us, 0.5),
        percentile(&lat_us, 0.99),
        lat_us.last().copied().unwrap_or(f64::NAN),
        lat_us.len()
    );
    println!(
        "router CPU: {:.1} % of one core ({cpu:.2} s user+system on its runtime threads); recorder lagged {} frames",
        cpu / wall * 100.0,
        lagged.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(!lat_us.is_empty(), "nothing forwarded");
    drop(sim);
    drop(router);
}
