//! Hostile input never crashes anything: property-based fuzzing (bounded, so it runs in CI) of
//! the MAVLink frame path into the fleet state and of the plan file readers, plus garbage thrown
//! at a live station over a real socket. Raise the case count with PROPTEST_CASES for longer runs.

use std::time::Instant;

use kestrel::fleet::Fleet;
use kestrel::link::frame::crc16;
use kestrel::link::{FrameDecoder, LinkId};
use mavlink::dialects::ardupilotmega::MavMessage;
use mavlink::Message;
use proptest::prelude::*;

/// Message ids the fleet state reads, so random payloads reach its update code.
const IDS: &[u32] = &[
    0, 1, 24, 30, 33, 42, 46, 74, 147, 242, 253, 2, 22, 44, 47, 51, 73, 77,
];

fn run_frames(bytes: &[u8]) -> usize {
    let mut fleet = Fleet::new();
    let now = Instant::now();
    let mut dec = FrameDecoder::new();
    let mut n = 0;
    dec.feed(bytes, |f| {
        n += 1;
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
    let snap = fleet.snapshot(now);
    for a in &snap.aircraft {
        if let Some(p) = a.position {
            assert!(
                p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0,
                "implausible position kept: {p:?}"
            );
        }
        assert!(a.attitude_deg.iter().all(|v| v.is_finite()));
        if let Some(b) = a.battery.percent {
            assert!((0.0..=100.0).contains(&b), "battery {b} % kept");
        }
        let _ = a.mode_name();
        let _ = a.link_state(now);
    }
    // Whatever hostile frames did to the fleet state, the console's fleet report built from it
    // must still be accepted by dispatch (one odd aircraft must not get the whole report refused).
    let report = kestrel::dispatch::envelope::FleetMessage::new(
        "console",
        kestrel::dispatch::outbox::fleet::report(&snap),
    );
    if let Err(e) = kestrel::dispatch::envelope::FleetMessage::decode("console", &report.encode()) {
        panic!("dispatch refuses the fleet report: {e}");
    }
    n
}

/// A MAVLink 2 frame with a correct checksum around an arbitrary payload.
fn valid_frame(sysid: u8, msgid: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xFD, payload.len() as u8, 0, 0, 0, sysid, 1];
    f.extend_from_slice(&msgid.to_le_bytes()[..3]);
    f.extend_from_slice(payload);
    let crc = crc16(&f[1..], MavMessage::extra_crc(msgid));
    f.extend_from_slice(&crc.to_le_bytes());
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        run_frames(&bytes);
    }

    #[test]
    fn checksummed_frames_with_random_payloads_never_panic(
        frames in proptest::collection::vec(
            (1u8..=255, proptest::sample::select(IDS), proptest::collection::vec(any::<u8>(), 0..=255)),
            1..20)
    ) {
        let mut bytes = Vec::new();
        for (sysid, id, payload) in &frames {
            // Every aircraft announces itself first, so its later frames reach the state.
            bytes.extend(valid_frame(*sysid, 0, &[0, 0, 0, 0, 2, 3, 0x81, 4, 3]));
            bytes.extend(valid_frame(*sysid, *id, payload));
        }
        prop_assert!(run_frames(&bytes) >= frames.len());
    }

    #[test]
    fn bit_flipped_streams_never_panic(flips in proptest::collection::vec((any::<usize>(), 0u8..8), 1..40)) {
        let mut bytes = Vec::new();
        for s in 1..=5u8 {
            bytes.extend(valid_frame(s, 0, &[0, 0, 0, 0, 2, 3, 0x81, 4, 3]));
            bytes.extend(valid_frame(s, 33, &[7; 28]));
        }
        for (at, bit) in flips {
            let i = at % bytes.len();
            bytes[i] ^= 1 << bit;
        }
        run_frames(&bytes);
    }

    #[test]
    fn plan_readers_never_panic_on_garbage(text in "\\PC{0,400}") {
        let _ = kestrel::plan::qgc::parse(&text);
        let _ = kestrel::plan::wpl::parse(&text);
        let _ = kestrel::plan::wpl::parse(&format!("QGC WPL 110\n{text}"));
    }

    #[test]
    fn plan_readers_never_panic_on_mutated_files(edits in proptest::collection::vec((any::<usize>(), any::<char>()), 1..12)) {
        let mut plan: Vec<char> = SAMPLE_PLAN.chars().collect();
        let mut wpl: Vec<char> = SAMPLE_WPL.chars().collect();
        for (at, c) in edits {
            let i = at % plan.len();
            plan[i] = c;
            let j = at % wpl.len();
            wpl[j] = c;
        }
        let plan: String = plan.into_iter().collect();
        let wpl: String = wpl.into_iter().collect();
        if let Ok(p) = kestrel::plan::qgc::parse(&plan) {
            prop_assert!(p.validate().is_ok());
        }
        if let Ok(p) = kestrel::plan::wpl::parse(&wpl) {
            prop_assert!(p.validate().is_ok());
        }
    }
}

const SAMPLE_PLAN: &str = r#"{"fileType":"Plan","version":1,"mission":{"plannedHomePosition":[36.456,115.985,35],"items":[{"type":"SimpleItem","autoContinue":true,"command":22,"frame":3,"params":[0,0,0,null,0,0,30]},{"type":"SimpleItem","autoContinue":true,"command":16,"frame":3,"params":[0,0,0,null,36.457,115.986,30]}]},"geoFence":{"polygons":[{"inclusion":true,"polygon":[[36.45,115.98],[36.46,115.98],[36.46,115.99]]}],"circles":[{"circle":{"center":[36.455,115.985],"radius":50},"inclusion":false}]},"rallyPoints":{"points":[[36.4565,115.9855,20]]}}"#;

const SAMPLE_WPL: &str = "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.456\t115.985\t35.0\t1\n1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1\n2\t0\t3\t16\t0\t0\t0\t0\t36.457\t115.986\t30\t1\n";

/// Found by the fuzzer: a finite roll of 1e38 rad overflowed to infinite degrees.
#[test]
fn regression_huge_attitude_angles_are_ignored() {
    let mut payload = vec![0u8; 28];
    payload[4..8].copy_from_slice(&1e38f32.to_le_bytes());
    let mut bytes = valid_frame(9, 0, &[0, 0, 0, 0, 2, 3, 0x81, 4, 3]);
    bytes.extend(valid_frame(9, 30, &payload));
    assert_eq!(run_frames(&bytes), 2);
}

#[test]
fn out_of_range_values_are_refused_with_a_reason() {
    use kestrel::plan::{MissionItem, MissionPlan};
    use kestrel::protocol::Command;
    let lat500 = MissionPlan {
        mission: vec![MissionItem::waypoint(500.0, 0.0, 10.0)],
        ..Default::default()
    };
    assert!(lat500.validate().unwrap_err().contains("latitude 500"));
    let nan = Command::Goto {
        lat: 36.0,
        lon: 115.0,
        alt_rel_m: f32::NAN,
    };
    assert!(nan.validate().unwrap_err().contains("altitude"));
    assert!(kestrel::cli::parse_sysid("0")
        .unwrap_err()
        .contains("broadcast"));
    assert!(kestrel::cli::parse_sysid("256").is_err());
    let too_many = MissionPlan {
        mission: vec![MissionItem::waypoint(1.0, 1.0, 10.0); 65535],
        ..Default::default()
    };
    assert!(too_many.validate().unwrap_err().contains("65533"));
}

/// Found by the fuzzer: a battery_remaining of 127 % was kept, and dispatch then refused the
/// console's whole fleet report.
#[test]
fn regression_battery_over_100_percent_is_ignored() {
    let mut sys = vec![0u8; 31];
    sys[30] = 127;
    let mut bytes = valid_frame(9, 0, &[0, 0, 0, 0, 2, 3, 0x81, 4, 3]);
    bytes.extend(valid_frame(9, 1, &sys));
    assert_eq!(run_frames(&bytes), 2);
}

/// i32::MIN coordinates must not overflow when range-checked.
#[test]
fn regression_minimum_integer_coordinates() {
    let mut gpi = vec![0u8; 28];
    gpi[4..8].copy_from_slice(&i32::MIN.to_le_bytes());
    gpi[8..12].copy_from_slice(&i32::MIN.to_le_bytes());
    let mut bytes = valid_frame(9, 0, &[0, 0, 0, 0, 2, 3, 0x81, 4, 3]);
    bytes.extend(valid_frame(9, 33, &gpi));
    let mut home = vec![0u8; 52];
    home[0..4].copy_from_slice(&i32::MIN.to_le_bytes());
    bytes.extend(valid_frame(9, 242, &home));
    assert_eq!(run_frames(&bytes), 3);
}
