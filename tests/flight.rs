//! Flying the simulator through the core over real loopback sockets: discovery over UDP and TCP,
//! a full sortie (arm, take off, mission in AUTO, RTL, land), link loss and recovery, failsafes.

mod common;

use std::time::Duration;

use common::sim::*;
use kestrel::fleet::LinkState;
use kestrel::link::LinkSpec;
use kestrel::plan::{MissionItem, MissionKind, MissionPlan};
use kestrel::protocol::{Command, CommandOutcome, TransferPolicy};
use kestrel::station::Station;
use kestrel_sim::{Endpoint, Faults, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(60);

fn mode(name: &str) -> Command {
    Command::SetMode {
        custom_mode: kestrel::fleet::modes::copter_mode_number(name).expect("mode"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_five_aircraft_over_udp() {
    let (_sim, station) = udp_fleet(5, 1.0, Faults::default()).await;
    let ids = wait_fleet(&station, LONG, "5 aircraft with positions", |s| {
        (s.aircraft.iter().filter(|a| a.position.is_some()).count() == 5)
            .then(|| s.aircraft.iter().map(|a| a.sysid).collect::<Vec<_>>())
    })
    .await;
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    let snap = station.snapshot();
    for a in &snap.aircraft {
        assert_eq!(
            a.link_state(snap.taken_at),
            LinkState::Connected,
            "{}",
            describe(a)
        );
        assert_eq!(a.mode_name(), "STABILIZE");
        assert!(!a.armed);
        let p = a.position.unwrap();
        assert!((p.lat - 36.456).abs() < 0.01 && (p.lon - 115.985).abs() < 0.01);
    }
    // Aircraft start a few tens of metres apart, not on top of each other.
    let p1 = snap.get(1).unwrap().position.unwrap();
    let p2 = snap.get(2).unwrap().position.unwrap();
    let metres = ((p1.lat - p2.lat) * 111_000.0).hypot((p1.lon - p2.lon) * 89_000.0);
    assert!(metres > 5.0 && metres < 200.0, "{metres} m apart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_five_aircraft_over_tcp_one_link_each() {
    let base = free_tcp_base(5);
    let sim = Simulator::start(SimConfig {
        vehicles: 5,
        endpoint: Endpoint::Tcp(base),
        ..Default::default()
    })
    .expect("simulator");
    let station = Station::start(station_config(1.0)).unwrap();
    for i in 0..5u16 {
        let spec: LinkSpec = format!("tcpout:127.0.0.1:{}", base.port() + 10 * i)
            .parse()
            .unwrap();
        station.add_link(spec).await.unwrap();
    }
    wait_fleet(&station, LONG, "5 aircraft over TCP", |s| {
        (s.aircraft.iter().filter(|a| a.position.is_some()).count() == 5).then_some(())
    })
    .await;
    // Each aircraft is commanded over its own link.
    let outcome = station.command(3, &mode("GUIDED")).await.unwrap();
    assert_eq!(outcome, CommandOutcome::Accepted);
    wait_sim(&sim, 2, LONG, "aircraft 3 in GUIDED", |v| {
        v.mode == "GUIDED"
    })
    .await;
    assert_eq!(sim.snapshot(0).unwrap().mode, "STABILIZE");
}

/// A square-ish patrol of `n` items starting with a takeoff, around `center`.
fn patrol(center: (f64, f64), n: usize, alt: f32) -> MissionPlan {
    let mut mission = vec![MissionItem::nav(
        kestrel::plan::mission::cmd::NAV_TAKEOFF,
        0.0,
        0.0,
        alt,
    )];
    for i in 0..n - 1 {
        let angle = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
        let (dn, de) = (60.0 * angle.cos(), 60.0 * angle.sin());
        mission.push(MissionItem::waypoint(
            center.0 + dn / 111_320.0,
            center.1 + de / (111_320.0 * center.0.to_radians().cos()),
            alt,
        ));
    }
    MissionPlan {
        home: Some((center.0, center.1, 0.0)),
        mission,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sortie_arm_takeoff_mission_rtl_land() {
    let (sim, station) = udp_fleet(1, 10.0, Faults::default()).await;
    let start = wait_fleet(&station, LONG, "aircraft 1 position", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    let plan = patrol((start.lat, start.lon), 10, 30.0);
    station
        .upload_items(
            1,
            MissionKind::Mission,
            &plan.wire_items(MissionKind::Mission),
            TransferPolicy::default(),
        )
        .await
        .expect("upload");
    wait_sim(&sim, 0, LONG, "mission stored", |v| v.mission_count == 11).await;

    assert!(station
        .command(1, &mode("GUIDED"))
        .await
        .unwrap()
        .is_accepted());
    assert!(station
        .command(1, &Command::Arm)
        .await
        .unwrap()
        .is_accepted());
    assert!(station
        .command(1, &Command::Takeoff { alt_m: 30.0 })
        .await
        .unwrap()
        .is_accepted());
    wait_fleet(&station, LONG, "climb to 30 m", |s| {
        s.get(1).filter(|a| a.alt_rel_m > 28.0).map(|_| ())
    })
    .await;

    assert!(station
        .command(1, &mode("AUTO"))
        .await
        .unwrap()
        .is_accepted());
    wait_fleet(
        &station,
        Duration::from_secs(120),
        "last mission item reached",
        |s| {
            s.get(1)
                .filter(|a| a.mission_reached == Some(10))
                .map(|_| ())
        },
    )
    .await;

    assert!(station
        .command(1, &Command::ReturnToLaunch)
        .await
        .unwrap()
        .is_accepted());
    wait_fleet(
        &station,
        Duration::from_secs(120),
        "landed and disarmed at home",
        |s| {
            s.get(1)
                .filter(|a| !a.armed && a.alt_rel_m < 1.0)
                .map(|_| ())
        },
    )
    .await;
    let end = station.snapshot().get(1).unwrap().position.unwrap();
    let metres = ((end.lat - start.lat) * 111_320.0).hypot((end.lon - start.lon) * 89_600.0);
    assert!(metres < 5.0, "landed {metres:.1} m from home");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_refused_with_a_reason() {
    let (_sim, station) = udp_fleet(1, 1.0, Faults::default()).await;
    wait_fleet(&station, LONG, "aircraft", |s| s.get(1).map(|_| ())).await;
    // Take-off while disarmed is refused, not ignored.
    let outcome = station
        .command(1, &Command::Takeoff { alt_m: 10.0 })
        .await
        .unwrap();
    assert!(
        matches!(outcome, CommandOutcome::Denied { .. }),
        "{outcome:?}"
    );
    // Arming in AUTO is refused with the autopilot's reason.
    assert!(station
        .command(1, &mode("AUTO"))
        .await
        .unwrap()
        .is_accepted());
    match station.command(1, &Command::Arm).await.unwrap() {
        CommandOutcome::Denied { reason, .. } => assert!(reason.is_some()),
        other => panic!("arming in AUTO should be denied, got {other:?}"),
    }
    // An aircraft nobody has heard cannot be commanded.
    assert!(station.command(42, &Command::Arm).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_loss_is_detected_and_recovered() {
    let (sim, station) = udp_fleet(2, 1.0, Faults::default()).await;
    wait_fleet(&station, LONG, "connected", |s| {
        (s.aircraft.len() == 2
            && s.aircraft
                .iter()
                .all(|a| a.link_state(s.taken_at) == LinkState::Connected))
        .then_some(())
    })
    .await;
    sim.set_link_down(true);
    wait_fleet(
        &station,
        Duration::from_secs(20),
        "both aircraft lost",
        |s| {
            s.aircraft
                .iter()
                .all(|a| a.link_state(s.taken_at) == LinkState::Lost)
                .then_some(())
        },
    )
    .await;
    sim.set_link_down(false);
    wait_fleet(
        &station,
        Duration::from_secs(20),
        "both aircraft back",
        |s| {
            s.aircraft
                .iter()
                .all(|a| a.link_state(s.taken_at) == LinkState::Connected)
                .then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aircraft_heard_on_two_links_is_one_aircraft() {
    let base = free_tcp_base(1);
    let _sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Tcp(base),
        ..Default::default()
    })
    .unwrap();
    let station = Station::start(station_config(1.0)).unwrap();
    for _ in 0..2 {
        station
            .add_link(format!("tcpout:127.0.0.1:{}", base.port()).parse().unwrap())
            .await
            .unwrap();
    }
    wait_fleet(&station, LONG, "heard on both links", |s| {
        s.get(1).filter(|a| a.links.len() == 2).map(|_| ())
    })
    .await;
    assert_eq!(station.snapshot().aircraft.len(), 1);
    assert!(station
        .command(1, &mode("LOITER"))
        .await
        .unwrap()
        .is_accepted());
}

async fn airborne(sim: &Simulator, station: &Station, alt: f32) {
    wait_fleet(station, LONG, "aircraft", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    assert!(station
        .command(1, &mode("GUIDED"))
        .await
        .unwrap()
        .is_accepted());
    assert!(station
        .command(1, &Command::Arm)
        .await
        .unwrap()
        .is_accepted());
    assert!(station
        .command(1, &Command::Takeoff { alt_m: alt })
        .await
        .unwrap()
        .is_accepted());
    wait_sim(sim, 0, LONG, "airborne", |v| {
        v.rel_alt_m > f64::from(alt) - 2.0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failsafe_low_battery_returns_home() {
    let (sim, station) = udp_fleet(1, 10.0, Faults::default()).await;
    airborne(&sim, &station, 20.0).await;
    sim.set_battery_percent(0, 15.0);
    wait_fleet(&station, LONG, "RTL after low battery", |s| {
        s.get(1).filter(|a| a.mode_name() == "RTL").map(|_| ())
    })
    .await;
    let texts: Vec<String> = station
        .snapshot()
        .get(1)
        .unwrap()
        .status_texts
        .iter()
        .map(|t| t.text.to_lowercase())
        .collect();
    assert!(texts.iter().any(|t| t.contains("battery")), "{texts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failsafe_gcs_heartbeat_lost_returns_home() {
    let (sim, station) = udp_fleet(1, 10.0, Faults::default()).await;
    airborne(&sim, &station, 20.0).await;
    // The ground station goes silent: remove its only link.
    let link = station.links()[0].id;
    station.remove_link(link);
    wait_sim(&sim, 0, LONG, "RTL after GCS heartbeat loss", |v| {
        v.mode == "RTL"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failsafe_fence_breach_returns_home() {
    let (sim, station) = udp_fleet(1, 10.0, Faults::default()).await;
    airborne(&sim, &station, 20.0).await;
    // FENCE_ALT_MAX is 120 m: climbing past it breaches the fence.
    let here = station.snapshot().get(1).unwrap().position.unwrap();
    assert!(station
        .command(
            1,
            &Command::Goto {
                lat: here.lat,
                lon: here.lon,
                alt_rel_m: 150.0
            }
        )
        .await
        .unwrap()
        .is_accepted());
    wait_fleet(
        &station,
        Duration::from_secs(120),
        "RTL after fence breach",
        |s| s.get(1).filter(|a| a.mode_name() == "RTL").map(|_| ()),
    )
    .await;
    let max_alt = sim.snapshot(0).unwrap().rel_alt_m;
    assert!(max_alt < 150.0, "kept climbing to {max_alt}");
}
