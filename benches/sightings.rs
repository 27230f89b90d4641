//! Sightings benchmarks (`cargo bench --bench sightings`), printed as figures:
//! - sightings committed per second, durably (WAL + synchronous=FULL, group commit; every caller
//!   waits for its own commit), with 64 concurrent callers and with one;
//! - backlog drain to a local Mosquitto: queued sightings per second until the broker confirmed
//!   them all (PUBACK), and until dispatch acknowledged them all;
//! - latency from saving a sighting to dispatch's acknowledgement on loopback (p50/p95/max).
//!
//! Targets: ≥ 1000 committed/s; drain ≥ 2000/s; ack p95 ≤ 100 ms. Under `cargo test` (no
//! `--bench` argument) it runs once with tiny counts as a smoke test.

#[path = "../tests/common/mqtt.rs"]
mod mqtt;
#[path = "../tests/common/wait.rs"]
mod wait;

use std::time::{Duration, Instant};

use kestrel::dispatch::broker::BrokerConfig;
use kestrel::dispatch::centre::receiver::{self, ReceiverConfig};
use kestrel::dispatch::centre::store::DispatchStore;
use kestrel::dispatch::outbox::sync::{self, SyncConfig};
use kestrel::sightings::{Category, DeliveryState, NewSighting, Position, SightingStore};
use mqtt::Mosquitto;

fn sighting(i: usize) -> NewSighting {
    let mut n = NewSighting::new(
        Category::Vehicle,
        Position::new(48.0 + i as f64 * 1e-6, 11.0),
    )
    .note(format!(
        "benchmark sighting {i}: dark blue estate car heading north"
    ));
    n.aircraft.sysid = Some(1);
    n.sortie = Some("S-2025-001".into());
    n
}

async fn commit_rate(n: usize, callers: usize) -> f64 {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = SightingStore::open_in(dir.path()).unwrap();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..callers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = c;
            while i < n {
                store.add(sighting(i)).await.unwrap();
                i += callers;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(store.counts().unwrap().queued as usize, n);
    n as f64 / secs
}

fn broker(url: &str) -> BrokerConfig {
    BrokerConfig::new(url.parse().unwrap(), None, None).unwrap()
}

/// When a wait means the benchmark has stalled.
const STALLED: Duration = Duration::from_secs(300);
/// How often a wait polls: the moment a condition holds is part of the figures.
const TICK: Duration = Duration::from_millis(2);

/// Returns (delivered/s, acknowledged/s).
async fn drain_rate(n: usize) -> (f64, f64) {
    let mosquitto = Mosquitto::start();
    let ddir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(
        dispatch.clone(),
        ReceiverConfig::new(broker(&mosquitto.url())),
    );
    let rstatus = receiver.status();
    wait::until_async_every("the receiver connected", STALLED, TICK, || {
        rstatus.borrow().connected
    })
    .await;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = SightingStore::open_in(dir.path()).unwrap();
    let pending: Vec<_> = (0..n).map(|i| store.submit(sighting(i))).collect();
    for p in pending {
        p.await.unwrap().unwrap();
    }
    let start = Instant::now();
    let worker = sync::start(
        store.clone(),
        SyncConfig::new(broker(&mosquitto.url())),
        None,
    )
    .unwrap();
    let mut delivered_at = None;
    wait::until_async_every("every sighting acknowledged", STALLED, TICK, || {
        let c = store.counts().unwrap();
        if c.queued == 0 && delivered_at.is_none() {
            delivered_at = Some(start.elapsed());
        }
        c.acknowledged as usize == n
    })
    .await;
    let acked = start.elapsed();
    let delivered = delivered_at.unwrap_or(acked);
    assert_eq!(dispatch.count().unwrap() as usize, n);
    worker.stop().await.unwrap();
    receiver.stop().await;
    (
        n as f64 / delivered.as_secs_f64(),
        n as f64 / acked.as_secs_f64(),
    )
}

/// Milliseconds from `add` to acknowledged, one sighting at a time.
async fn ack_latencies(samples: usize, nagle: bool) -> Vec<f64> {
    let mosquitto = if nagle {
        Mosquitto::start_with_nagle()
    } else {
        Mosquitto::start()
    };
    let ddir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(dispatch, ReceiverConfig::new(broker(&mosquitto.url())));
    let rstatus = receiver.status();
    wait::until_async_every("the receiver connected", STALLED, TICK, || {
        rstatus.borrow().connected
    })
    .await;
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = SightingStore::open_in(dir.path()).unwrap();
    let worker = sync::start(
        store.clone(),
        SyncConfig::new(broker(&mosquitto.url())),
        None,
    )
    .unwrap();
    let wstatus = worker.status();
    wait::until_async_every("the sync worker connected", STALLED, TICK, || {
        wstatus.borrow().connected
    })
    .await;
    let mut changes = store.changes();
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + 5 {
        let start = Instant::now();
        let s = store.add(sighting(i)).await.unwrap();
        loop {
            if store.get(s.id).unwrap().unwrap().state == DeliveryState::Acknowledged {
                break;
            }
            tokio::time::timeout(Duration::from_secs(30), changes.changed())
                .await
                .expect("no acknowledgement within 30 s")
                .unwrap();
        }
        if i >= 5 {
            out.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    worker.stop().await.unwrap();
    receiver.stop().await;
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (commits, drain, samples) = if bench {
        (20_000, 10_000, 300)
    } else {
        (200, 200, 10)
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let many = commit_rate(commits, 64).await;
        let one = commit_rate(commits / 20, 1).await;
        println!("sightings committed durably: {many:.0}/s with 64 concurrent callers, {one:.0}/s with one caller (target >= 1000/s)");
        let (delivered, acked) = drain_rate(drain).await;
        println!("backlog of {drain} drained to Mosquitto: {delivered:.0}/s confirmed by the broker, {acked:.0}/s acknowledged by dispatch (target >= 2000/s)");
        for (nagle, what) in [(false, "set_tcp_nodelay true"), (true, "mosquitto's default set_tcp_nodelay false")] {
            let mut lat = ack_latencies(samples, nagle).await;
            lat.sort_by(f64::total_cmp);
            println!(
                "sighting -> dispatch ack on loopback, broker with {what} ({} samples): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target p95 <= 100 ms)",
                lat.len(),
                percentile(&lat, 0.5),
                percentile(&lat, 0.95),
                lat[lat.len() - 1]
            );
        }
    });
}
