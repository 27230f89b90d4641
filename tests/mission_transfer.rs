//! Mission, geofence and rally transfers over a lossy, slow link: what goes up comes back down.

mod common;

use std::time::Duration;

use common::sim::*;
use kestrel::plan::mission::cmd;
use kestrel::plan::{MissionItem, MissionKind, MissionPlan};
use kestrel::protocol::TransferPolicy;
use kestrel_sim::Faults;

fn plan_with(n: usize) -> MissionPlan {
    let mut mission = Vec::new();
    for i in 0..n {
        let mut it = MissionItem::waypoint(
            36.456 + i as f64 * 1e-4,
            115.985 + 1.234_567e-5 * i as f64,
            30.0 + i as f32,
        );
        it.params[0] = i as f32; // hold time, to tell items apart
        mission.push(it);
    }
    let mut fence = Vec::new();
    for (lat, lon) in [
        (36.45, 115.98),
        (36.46, 115.98),
        (36.46, 115.99),
        (36.45, 115.99),
    ] {
        let mut v = MissionItem::nav(cmd::FENCE_POLYGON_VERTEX_INCLUSION, lat, lon, 0.0);
        v.frame = 0;
        v.params[0] = 4.0;
        fence.push(v);
    }
    let rally = vec![MissionItem::nav(cmd::RALLY_POINT, 36.4565, 115.9855, 20.0)];
    MissionPlan {
        home: Some((36.456, 115.985, 35.0)),
        mission,
        fence,
        rally,
    }
}

fn assert_same(kind: MissionKind, sent: &[MissionItem], got: &[MissionItem]) {
    assert_eq!(sent.len(), got.len(), "{kind:?}: item count");
    for (i, (a, b)) in sent.iter().zip(got).enumerate() {
        assert!(
            a.same_as(b),
            "{kind:?} item {i} differs:\n sent {a:?}\n got  {b:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_all_lists_at_20_percent_loss_and_100ms_latency() {
    let faults = Faults {
        loss: 0.2,
        latency_ms: 100,
        ..Default::default()
    };
    let (sim, station) = udp_fleet(1, 1.0, faults).await;
    wait_fleet(&station, Duration::from_secs(60), "aircraft", |s| {
        s.get(1).map(|_| ())
    })
    .await;
    let plan = plan_with(12);
    // 20 % loss each way fails one request/answer pair in three; with the default 5 retries an
    // item is lost for good with p ≈ 0.36^6 ≈ 0.2 %, i.e. several % over the ~40 exchanges of
    // this round trip. 10 retries make that ~0.05 % per run, so the test measures the protocol,
    // not the dice.
    let policy = TransferPolicy {
        retries: 10,
        ..TransferPolicy::default()
    };
    for kind in MissionKind::ALL {
        station
            .upload_items(1, kind, &plan.wire_items(kind), policy)
            .await
            .unwrap_or_else(|e| panic!("{kind:?} upload: {e}"));
    }
    let v = sim.snapshot(0).unwrap();
    assert_eq!((v.mission_count, v.fence_count, v.rally_count), (13, 4, 1));
    let mut back = MissionPlan::default();
    for kind in MissionKind::ALL {
        let (items, _) = station
            .download_items(1, kind, policy)
            .await
            .unwrap_or_else(|e| panic!("{kind:?} download: {e}"));
        back.set_from_wire(kind, items);
    }
    for kind in MissionKind::ALL {
        assert_same(kind, plan.items(kind), back.items(kind));
    }
    // Clearing empties the aircraft.
    station
        .clear_items(1, MissionKind::Fence, policy)
        .await
        .unwrap();
    wait_sim(&sim, 0, Duration::from_secs(10), "fence cleared", |v| {
        v.fence_count == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_link_fails_plainly() {
    let (sim, station) = udp_fleet(1, 1.0, Faults::default()).await;
    wait_fleet(&station, Duration::from_secs(60), "aircraft", |s| {
        s.get(1).map(|_| ())
    })
    .await;
    sim.set_link_down(true);
    let policy = TransferPolicy {
        ack_timeout: Duration::from_millis(300),
        item_timeout: Duration::from_millis(100),
        retries: 3,
        ..Default::default()
    };
    let err = station
        .upload_items(
            1,
            MissionKind::Mission,
            &plan_with(3).wire_items(MissionKind::Mission),
            policy,
        )
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("no answer") && text.contains("holds"),
        "{text}"
    );
}

/// A mission whose item 3 is a LOITER_TIME with a NaN ("null" in a QGroundControl plan) param 4:
/// ArduPilot refuses it with INVALID_PARAM4 and keeps items 1-2 of the new mission over the
/// old one, cut to the new count (checked on ArduCopter 4.7 SITL); the simulator does the same,
/// and the station names the item and says what is held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_item_is_named_and_the_pilot_is_told_which_items_are_new_and_which_old() {
    let (sim, station) = udp_fleet(1, 5.0, Faults::default()).await;
    wait_fleet(&station, Duration::from_secs(30), "aircraft 1", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    let old = plan_with(6).wire_items(MissionKind::Mission);
    station
        .upload_items(1, MissionKind::Mission, &old, TransferPolicy::default())
        .await
        .expect("the first mission is accepted");
    let mut new = plan_with(4).wire_items(MissionKind::Mission);
    for it in new.iter_mut().skip(1) {
        it.x += 0.001;
    }
    new[3].command = cmd::NAV_LOITER_TIME;
    new[3].params = [30.0, 0.0, 0.0, f32::NAN];
    let err = station
        .upload_items(1, MissionKind::Mission, &new, TransferPolicy::default())
        .await
        .expect_err("ArduPilot refuses a LOITER_TIME with a NaN param 4");
    let text = err.to_string();
    assert!(
        text.contains("refused the mission at item 3 (LOITER_TIME)")
            && text.contains("INVALID_PARAM4"),
        "{text}"
    );
    // ArduPilot cuts the old mission to the new count first: 4 items after home.
    let held = new.len() - 1;
    assert!(
        text.contains(&format!(
            "holds {held} mission items: items 1-2 from this upload and items 3-{held} from its previous mission"
        )),
        "{text}"
    );
    wait_sim(&sim, 0, Duration::from_secs(10), "partial mission", |v| {
        v.mission_count == new.len()
    })
    .await;
}

/// A plan without a geofence or rally points, uploaded over one that had them, clears them (as
/// QGroundControl does): an old rally point would change where the aircraft returns to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_without_fence_or_rally_clears_the_old_ones() {
    let (sim, station) = udp_fleet(1, 5.0, Faults::default()).await;
    wait_fleet(&station, Duration::from_secs(30), "aircraft 1", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    let full = plan_with(3);
    station
        .upload_plan(1, &full, TransferPolicy::default())
        .await
        .expect("the full plan is accepted");
    wait_sim(
        &sim,
        0,
        Duration::from_secs(10),
        "fence and rally held",
        |v| v.fence_count == full.fence.len() && v.rally_count == 1,
    )
    .await;
    let bare = MissionPlan {
        fence: Vec::new(),
        rally: Vec::new(),
        ..plan_with(2)
    };
    let sent = station
        .upload_plan(1, &bare, TransferPolicy::default())
        .await
        .expect("the bare plan is accepted");
    assert_eq!(sent.lists.len(), 3, "every list is sent: {sent:?}");
    wait_sim(
        &sim,
        0,
        Duration::from_secs(10),
        "fence and rally cleared",
        |v| v.fence_count == 0 && v.rally_count == 0 && v.mission_count == 3,
    )
    .await;
}

/// The audit trail says how a mission clear ended (not only that it was asked for), and counts
/// an upload's items as the pilot does (the home slot is not one of them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_records_outcomes_and_counts_items_as_the_pilot_does() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.db");
    let addr = free_udp_addr();
    let station = kestrel::station::Station::start(kestrel::station::StationConfig {
        audit: Some(audit.clone()),
        ..station_config(5.0)
    })
    .expect("station");
    station
        .add_link(kestrel::link::LinkSpec::UdpIn(addr))
        .await
        .expect("udpin link");
    let _sim = kestrel_sim::Simulator::start(kestrel_sim::SimConfig {
        vehicles: 1,
        endpoint: kestrel_sim::Endpoint::Udp(addr),
        speedup: 5.0,
        ..Default::default()
    })
    .expect("simulator");
    wait_fleet(&station, Duration::from_secs(30), "aircraft 1", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    let plan = plan_with(4);
    station
        .upload_items(
            1,
            MissionKind::Mission,
            &plan.wire_items(MissionKind::Mission),
            TransferPolicy::default(),
        )
        .await
        .unwrap();
    station
        .clear_items(1, MissionKind::Mission, TransferPolicy::default())
        .await
        .unwrap();
    let log = kestrel::audit::AuditLog::open_to_read(&audit).unwrap();
    let mut entries = Vec::new();
    for _ in 0..100 {
        entries = log.entries().unwrap();
        if entries.iter().any(|e| e.action == "mission_clear") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let upload = entries
        .iter()
        .find(|e| e.action == "mission_upload")
        .expect("upload audited");
    assert_eq!(upload.detail, "4 items of the mission");
    let clear: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "mission_clear")
        .collect();
    assert_eq!(clear.len(), 1, "{clear:?}");
    assert_eq!(clear[0].result, "accepted");
}
