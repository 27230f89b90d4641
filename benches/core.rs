//! Core hot paths: frames parsed and applied to the fleet state per second (a 100-aircraft
//! capture), and the cost of a fleet snapshot for 100 aircraft.

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kestrel::fleet::Fleet;
use kestrel::link::frame::encode_v2;
use kestrel::link::{FrameDecoder, LinkId};
use mavlink::dialects::ardupilotmega::*;
use mavlink::MavHeader;

/// A capture like 100 aircraft streaming the usual ArduCopter telemetry mix.
fn capture(aircraft: u8, rounds: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seq = [0u8; 256];
    for r in 0..rounds {
        for s in 1..=aircraft {
            let mut push = |msg: MavMessage| {
                let h = MavHeader {
                    system_id: u32::from(s),
                    component_id: 1,
                    sequence: seq[s as usize],
                };
                seq[s as usize] = seq[s as usize].wrapping_add(1);
                out.extend(encode_v2(h, &msg));
            };
            push(MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
                time_boot_ms: r as u32 * 100,
                lat: 364_560_000 + i32::from(s) * 100 + r as i32,
                lon: 1_159_850_000 + r as i32,
                alt: 60_000,
                relative_alt: 25_000,
                vx: 300,
                vy: 100,
                vz: 0,
                hdg: 9000,
            }));
            push(MavMessage::ATTITUDE(ATTITUDE_DATA {
                roll: 0.01,
                pitch: -0.02,
                yaw: 1.5,
                ..Default::default()
            }));
            push(MavMessage::VFR_HUD(VFR_HUD_DATA {
                groundspeed: 3.2,
                alt: 60.0,
                heading: 90,
                ..Default::default()
            }));
            if r % 4 == 0 {
                push(MavMessage::HEARTBEAT(HEARTBEAT_DATA {
                    custom_mode: 3,
                    mavtype: MavType::MAV_TYPE_QUADROTOR,
                    autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
                    base_mode: MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED
                        | MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
                    system_status: MavState::MAV_STATE_ACTIVE,
                    mavlink_version: 3,
                }));
                push(MavMessage::SYS_STATUS(SYS_STATUS_DATA {
                    voltage_battery: 15_800,
                    current_battery: 1_500,
                    battery_remaining: 70,
                    ..Default::default()
                }));
                push(MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
                    fix_type: GpsFixType::GPS_FIX_TYPE_3D_FIX,
                    satellites_visible: 14,
                    eph: 80,
                    ..Default::default()
                }));
            }
        }
    }
    out
}

fn parse_and_apply(c: &mut Criterion) {
    let bytes = capture(100, 40);
    let mut frames = 0u64;
    FrameDecoder::new().feed(&bytes, |_| frames += 1);
    let mut group = c.benchmark_group("fleet");
    group.throughput(Throughput::Elements(frames));
    group.bench_function("parse_and_apply_100_aircraft", |b| {
        let mut fleet = Fleet::new();
        let now = Instant::now();
        b.iter(|| {
            let mut dec = FrameDecoder::new();
            dec.feed(black_box(&bytes), |f| {
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
        })
    });
    group.finish();

    let mut fleet = Fleet::new();
    let now = Instant::now();
    FrameDecoder::new().feed(&bytes, |f| {
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
    assert_eq!(fleet.len(), 100);
    c.bench_function("fleet/snapshot_100_aircraft", |b| {
        b.iter(|| black_box(fleet.snapshot(now)))
    });
    // A snapshot held by a reader while telemetry keeps arriving: the write path copies.
    c.bench_function("fleet/snapshot_then_100_updates", |b| {
        let pos = MavMessage::VFR_HUD(VFR_HUD_DATA::default());
        b.iter(|| {
            let snap = fleet.snapshot(now);
            for s in 1..=100u8 {
                fleet.apply(LinkId(0), s, 1, 0, &pos, now);
            }
            black_box(snap)
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = parse_and_apply
}
criterion_main!(benches);
