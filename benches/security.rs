//! Security figures: (a) the fleet-state path while a rogue system id floods the link — in
//! process, frames/s through decode → per-source gate → fleet state, and end to end over real
//! UDP sockets with the simulator as the real aircraft, counting how many of its frames still
//! get through; (b) `audit verify` over 1 million entries; (c) fuzz inputs per second through
//! the MAVLink frame path, the GeoJSON and KML readers and the dispatch decoders.
//!
//! Run: `cargo bench --bench security` (prints the counts before criterion's timings).
//! `kestrel bench audit --entries 1000000` measures (b) on an installed Kestrel.

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kestrel::audit::{AuditLog, Verdict};
use kestrel::dispatch::envelope::{FleetMessage, SightingMessage};
use kestrel::fleet::Fleet;
use kestrel::link::frame::encode_v2;
use kestrel::link::gate::SourceGate;
use kestrel::link::{FrameDecoder, LinkId, LinkSpec};
use kestrel::plan::areas::{geojson, kml};
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};
use mavlink::dialects::ardupilotmega::*;
use mavlink::MavHeader;

const REAL: u8 = 1;
const ROGUE: u8 = 66;
/// Real telemetry: frames per second from the aircraft (a busy ArduCopter stream set).
const REAL_HZ: usize = 200;
/// The flood: frames per second from the rogue sender.
const ROGUE_HZ: usize = 100_000;
/// How the bytes arrive: one chunk per this many milliseconds (like socket reads).
const CHUNK_MS: usize = 5;

fn frame(sysid: u8, seq: u8, msg: &MavMessage) -> Vec<u8> {
    encode_v2(
        MavHeader {
            system_id: u32::from(sysid),
            component_id: 1,
            sequence: seq,
        },
        msg,
    )
}

fn telemetry(i: usize) -> MavMessage {
    match i % 5 {
        0 => MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 5,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            system_status: MavState::MAV_STATE_ACTIVE,
            mavlink_version: 3,
        }),
        1 => MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            lat: 364_560_000 + i as i32,
            lon: 1_159_850_000,
            alt: 60_000,
            relative_alt: 25_000,
            hdg: 9000,
            ..Default::default()
        }),
        2 => MavMessage::ATTITUDE(ATTITUDE_DATA {
            roll: 0.01,
            yaw: 1.5,
            ..Default::default()
        }),
        3 => MavMessage::VFR_HUD(VFR_HUD_DATA {
            groundspeed: 3.2,
            alt: 60.0,
            ..Default::default()
        }),
        _ => MavMessage::SYS_STATUS(SYS_STATUS_DATA {
            voltage_battery: 15_800,
            battery_remaining: 70,
            ..Default::default()
        }),
    }
}

/// `seconds` of link traffic in chunks of CHUNK_MS: the real aircraft's telemetry interleaved
/// with the rogue flood. Returns (chunks with their time offset, real frames, rogue frames).
fn flooded_link(seconds: usize) -> (Vec<(Duration, Vec<u8>)>, usize, usize) {
    let chunks_per_s = 1000 / CHUNK_MS;
    let mut out = Vec::new();
    let (mut real, mut rogue) = (0usize, 0usize);
    for c in 0..seconds * chunks_per_s {
        let mut bytes = Vec::new();
        // Spread each sender's frames evenly over the chunks.
        while real * chunks_per_s < (c + 1) * REAL_HZ {
            bytes.extend(frame(REAL, real as u8, &telemetry(real)));
            real += 1;
        }
        while rogue * chunks_per_s < (c + 1) * ROGUE_HZ {
            bytes.extend(frame(ROGUE, rogue as u8, &telemetry(rogue)));
            rogue += 1;
        }
        out.push((Duration::from_millis((c * CHUNK_MS) as u64), bytes));
    }
    (out, real, rogue)
}

/// Runs the link's inbound path (decode, per-source gate, fleet state) over the chunks; returns
/// the frames of the real aircraft and of the rogue that reached the fleet state.
fn ingest(chunks: &[(Duration, Vec<u8>)], gated: bool) -> (usize, usize) {
    let mut fleet = Fleet::new();
    let mut gate = SourceGate::default();
    let t0 = Instant::now();
    let mut dec = FrameDecoder::new();
    let (mut real, mut rogue) = (0, 0);
    for (at, bytes) in chunks {
        let now = t0 + *at;
        dec.feed(bytes, |f| {
            if gated && !gate.admit(f.system_id(), now) {
                return;
            }
            if let Ok(msg) = f.decode() {
                fleet.apply(
                    LinkId(0),
                    f.system_id(),
                    f.component_id(),
                    f.sequence(),
                    &msg,
                    now,
                );
                if f.system_id() == REAL {
                    real += 1;
                } else {
                    rogue += 1;
                }
            }
        });
    }
    black_box(fleet.snapshot(t0));
    (real, rogue)
}

fn rogue_flood(c: &mut Criterion) {
    let (chunks, real_sent, rogue_sent) = flooded_link(2);
    let (real_in, rogue_in) = ingest(&chunks, true);
    println!(
        "rogue flood (in process, 2 s of traffic): real aircraft {real_in} of {real_sent} frames reached the fleet state; rogue {rogue_in} of {rogue_sent} admitted"
    );
    assert_eq!(real_in, real_sent, "the real aircraft was starved");
    let mut group = c.benchmark_group("security");
    group.sample_size(10);
    group.throughput(Throughput::Elements((real_sent + rogue_sent) as u64));
    group.bench_function("fleet_path_under_rogue_flood_gated", |b| {
        b.iter(|| ingest(black_box(&chunks), true))
    });
    group.bench_function("fleet_path_under_rogue_flood_ungated", |b| {
        b.iter(|| ingest(black_box(&chunks), false))
    });
    group.finish();
}

/// End to end: the simulator's aircraft streams to a station over UDP while a rogue socket
/// floods the station's port as fast as it can; counts what got through.
fn rogue_flood_over_sockets() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let addr = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("free port");
        let station = Station::start(StationConfig::default()).expect("station");
        station
            .add_link(LinkSpec::UdpIn(addr))
            .await
            .expect("link");
        let sim = Simulator::start(SimConfig {
            vehicles: 1,
            endpoint: Endpoint::Udp(addr),
            ..Default::default()
        })
        .expect("simulator");
        station.wait_for_aircraft(1, Duration::from_secs(30)).await;
        tokio::time::sleep(Duration::from_secs(1)).await;

        let mut rx = station.subscribe();
        let counter = tokio::spawn(async move {
            let mut real = 0u64;
            loop {
                match rx.recv().await {
                    Ok(m) if m.sysid() == REAL => real += 1,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => return real,
                }
            }
        });
        let before_sim = sim.stats().frames_sent;
        let before_link = station.links()[0].clone();
        let flood_for = Duration::from_secs(5);
        let rogue = std::thread::spawn(move || {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("rogue socket");
            // Datagrams of 10 frames each, as a radio bridge would batch them.
            let datagram: Vec<u8> = (0..10).flat_map(|i| frame(ROGUE, i, &telemetry(i as usize))).collect();
            let started = Instant::now();
            let mut sent = 0u64;
            while started.elapsed() < flood_for {
                for _ in 0..64 {
                    if socket.send_to(&datagram, addr).is_ok() {
                        sent += 10;
                    }
                }
            }
            sent
        });
        let rogue_sent = tokio::task::spawn_blocking(move || rogue.join().expect("rogue"))
            .await
            .expect("join");
        // Let the last frames drain.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let real_sent = sim.stats().frames_sent - before_sim;
        let link = station.links()[0].clone();
        drop(station);
        let real_in = tokio::time::timeout(Duration::from_secs(5), counter)
            .await
            .ok()
            .and_then(|r| r.ok());
        let frames_in = link.frames_in - before_link.frames_in;
        let limited = link.rate_limited - before_link.rate_limited;
        println!(
            "rogue flood (real UDP sockets, {:.0} s): rogue sent {rogue_sent} frames ({:.0}/s); the link took in {frames_in} frames ({:.0}/s), {limited} cut by the per-source gate; real aircraft: {} of {real_sent} frames reached the station",
            flood_for.as_secs_f64(),
            rogue_sent as f64 / flood_for.as_secs_f64(),
            frames_in as f64 / flood_for.as_secs_f64(),
            real_in.map_or("?".to_string(), |n| n.to_string()),
        );
    });
}

fn audit_verify(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let log = AuditLog::open(&dir.path().join("audit.db")).expect("audit log");
    let t = Instant::now();
    kestrel::cli::bench::fill(&log, N).expect("fill");
    println!(
        "audit: built {N} entries in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    assert_eq!(
        log.verify().expect("verify"),
        Verdict::Intact { entries: N }
    );
    let mut group = c.benchmark_group("security");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(N));
    group.bench_function("audit_verify_1M_entries", |b| {
        b.iter(|| black_box(log.verify().expect("verify")))
    });
    group.finish();
}

const SAMPLE_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Market","category":"crowded_place","priority":1,"alt_m":60},
  "geometry":{"type":"Polygon","coordinates":[[[116.0,36.0],[116.01,36.0],[116.01,36.01],[116.0,36.01],[116.0,36.0]]]}},
 {"type":"Feature","properties":{"name":"Gate cam","category":"camera"},
  "geometry":{"type":"Point","coordinates":[116.02,36.02]}}]}"#;

fn mutate(rng: &mut fastrand::Rng, base: &[u8], edits: usize) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..rng.usize(1..=edits) {
        let i = rng.usize(..v.len());
        v[i] = rng.u8(..);
    }
    v
}

fn fuzz_throughput(c: &mut Criterion) {
    const INPUTS: usize = 2_000;
    let mut rng = fastrand::Rng::with_seed(7);
    // Random byte streams and bit-flipped valid telemetry for the frame path.
    let (chunks, _, _) = flooded_link(1);
    let valid: Vec<u8> = chunks.iter().take(4).flat_map(|(_, b)| b.clone()).collect();
    let frames: Vec<Vec<u8>> = (0..INPUTS)
        .map(|i| {
            if i % 2 == 0 {
                (0..rng.usize(0..2048)).map(|_| rng.u8(..)).collect()
            } else {
                mutate(&mut rng, &valid[..valid.len().min(2048)], 40)
            }
        })
        .collect();
    let geo: Vec<String> = (0..INPUTS)
        .map(|_| {
            String::from_utf8_lossy(&mutate(&mut rng, SAMPLE_GEOJSON.as_bytes(), 12)).into_owned()
        })
        .collect();
    let kml_inputs: Vec<String> = (0..INPUTS)
        .map(|_| {
            let sample = include_str!("../tests/data/areas_google_earth.kml");
            String::from_utf8_lossy(&mutate(&mut rng, sample.as_bytes(), 12)).into_owned()
        })
        .collect();
    let fleet_msg = FleetMessage::new("c1", Vec::new()).encode();
    let sighting = SightingMessage::new(
        "c1",
        1,
        kestrel::sightings::NewSighting::new(
            kestrel::sightings::Category::Crowd,
            kestrel::sightings::Position::new(48.1, 11.5),
        )
        .into_sighting()
        .0,
        None,
    )
    .encode();
    let dispatch: Vec<Vec<u8>> = (0..INPUTS)
        .map(|i| {
            mutate(
                &mut rng,
                if i % 2 == 0 { &sighting } else { &fleet_msg },
                10,
            )
        })
        .collect();

    let mut group = c.benchmark_group("fuzz");
    group.sample_size(10);
    group.throughput(Throughput::Elements(INPUTS as u64));
    group.bench_function("frame_path_inputs", |b| {
        b.iter(|| {
            for input in &frames {
                let mut fleet = Fleet::new();
                let now = Instant::now();
                FrameDecoder::new().feed(input, |f| {
                    if let Ok(msg) = f.decode() {
                        fleet.apply(
                            LinkId(0),
                            f.system_id(),
                            f.component_id(),
                            f.sequence(),
                            &msg,
                            now,
                        );
                    }
                });
                black_box(fleet.snapshot(now));
            }
        })
    });
    group.bench_function("geojson_inputs", |b| {
        b.iter(|| {
            for input in &geo {
                let _ = black_box(geojson::parse(input));
            }
        })
    });
    group.bench_function("kml_inputs", |b| {
        b.iter(|| {
            for input in &kml_inputs {
                let _ = black_box(kml::parse(input));
            }
        })
    });
    group.bench_function("dispatch_decoder_inputs", |b| {
        b.iter(|| {
            for input in &dispatch {
                let _ = black_box(SightingMessage::decode("c1", input));
                let _ = black_box(FleetMessage::decode("c1", input));
            }
        })
    });
    group.finish();
}

fn end_to_end(_: &mut Criterion) {
    rogue_flood_over_sockets();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = rogue_flood, end_to_end, fuzz_throughput, audit_verify
}
criterion_main!(benches);
