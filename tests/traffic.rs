//! Manned traffic as the pilot meets it, over real loopback sockets against the simulator: the
//! simulated helicopter and light aircraft arrive both as ADSB_VEHICLE from the aircraft and as an
//! SBS-1 feed, merged into one target each; the helicopter crossing low over an aircraft in the
//! air raises an advisory and then a warning with "descend now", the aircraft's own COLLISION
//! report becomes an alert, and both clear once the helicopter has gone. `kestrel traffic watch`
//! shows the same headless. A hostile SBS-1 server cannot break the feed, which reconnects.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, SystemTime};

use common::sim::{free_udp_addr, station_config, wait_fleet};
use common::wait;
use kestrel::alerts::{AlertEngine, AlertEvent, AlertKind, Severity};
use kestrel::fleet::modes::copter_mode_number;
use kestrel::link::LinkSpec;
use kestrel::protocol::Command;
use kestrel::station::Station;
use kestrel::traffic::{
    ConflictLevel, Emitter, FeedSpec, SuggestedAction, TrafficMonitor, TrafficSettings,
    TrafficSource,
};
use kestrel_sim::traffic::{FIRST_ICAO, HELICOPTER};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(90);
const SPEEDUP: f64 = 4.0;

async fn sim_with_traffic(targets: usize) -> (Simulator, Station, FeedSpec) {
    let addr = free_udp_addr();
    let station = Station::start(station_config(SPEEDUP)).expect("station");
    station
        .add_link(LinkSpec::UdpIn(addr))
        .await
        .expect("udpin link");
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        speedup: SPEEDUP,
        traffic: targets,
        traffic_sbs: Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    })
    .expect("simulator");
    let sbs = sim.sbs_addr().expect("sbs feed");
    let feed: FeedSpec = format!("sbs://{sbs}").parse().unwrap();
    (sim, station, feed)
}

async fn take_off(station: &Station, alt_m: f32) {
    wait_fleet(station, LONG, "aircraft 1 position", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;
    let guided = Command::SetMode {
        custom_mode: copter_mode_number("GUIDED").unwrap(),
    };
    assert!(station.command(1, &guided).await.unwrap().is_accepted());
    assert!(station
        .command(1, &Command::Arm)
        .await
        .unwrap()
        .is_accepted());
    assert!(station
        .command(1, &Command::Takeoff { alt_m })
        .await
        .unwrap()
        .is_accepted());
    wait_fleet(station, LONG, "climb", |s| {
        s.get(1).filter(|a| a.alt_rel_m > alt_m - 3.0).map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adsb_and_sbs_merge_and_a_low_helicopter_is_a_warning_that_clears() {
    let (_sim, station, feed) = sim_with_traffic(3).await;
    let monitor = TrafficMonitor::start(
        &station,
        std::slice::from_ref(&feed),
        TrafficSettings::default(),
    );

    // Every target is heard from both the aircraft and the ground receiver, once.
    let targets = wait::until_async("3 targets from both sources", LONG, || {
        let r = monitor.report(&station.snapshot());
        let both = r.targets.iter().all(|t| {
            t.sources.contains(&TrafficSource::Aircraft(1))
                && t.sources.contains(&TrafficSource::Feed(feed.to_string()))
        });
        if r.targets.len() == 3 && both {
            Ok(r.targets)
        } else {
            Err(format!("{:?}", r.targets))
        }
    })
    .await;
    let heli = targets.iter().find(|t| t.icao == FIRST_ICAO).unwrap();
    assert_eq!(heli.callsign.as_deref(), Some(HELICOPTER));
    assert_eq!(heli.emitter, Emitter::Rotorcraft);
    let alt = heli.alt_amsl_m.unwrap();
    assert!((alt - 155.0).abs() < 1.0, "{alt}");
    assert_eq!(heli.speed_ms.map(|s| s.round()), Some(40.0));

    // Nothing is a conflict while our aircraft sits on the ground.
    assert!(monitor.report(&station.snapshot()).conflicts.is_empty());

    take_off(&station, 50.0).await;
    let mut engine = AlertEngine::default();
    let mut raised: Vec<kestrel::alerts::Alert> = Vec::new();
    let mut collision_seen = false;
    let mut follow = |engine: &mut AlertEngine| {
        let r = monitor.report(&station.snapshot());
        for e in engine.update_traffic(&r.conflicts, &r.collisions, SystemTime::now()) {
            if let AlertEvent::Raised(a) = e {
                raised.push(a);
            }
        }
        raised.clone()
    };
    // The helicopter passes overhead every 25 s of wall time: a warning to descend.
    let warning = wait::until_async_every(
        "a traffic warning about the helicopter",
        LONG,
        Duration::from_millis(100),
        || {
            let all = follow(&mut engine);
            collision_seen |= all.iter().any(
                |a| matches!(&a.kind, AlertKind::Collision { report } if report.id == FIRST_ICAO),
            );
            all.into_iter()
                .find(|a| {
                    matches!(&a.kind, AlertKind::Traffic { conflict }
                        if conflict.level == ConflictLevel::Warning && conflict.icao == FIRST_ICAO)
                })
                .ok_or_else(|| "no warning yet".to_string())
        },
    )
    .await;
    assert_eq!(warning.severity, Severity::Critical);
    assert_eq!(warning.sysid, 1);
    let AlertKind::Traffic { conflict } = &warning.kind else {
        unreachable!()
    };
    assert_eq!(conflict.action, SuggestedAction::Descend);
    assert!(
        (conflict.now.vertical_m - 70.0).abs() < 15.0,
        "{conflict:?}"
    );
    assert!(warning.text().contains("POLAIR1"), "{}", warning.text());

    // The aircraft's own avoidance reports it too, and everything clears once it has gone.
    wait::until_async_every(
        "the aircraft's COLLISION report as an alert, then every alert cleared",
        LONG,
        Duration::from_millis(100),
        || {
            let all = follow(&mut engine);
            collision_seen |= all.iter().any(
                |a| matches!(&a.kind, AlertKind::Collision { report } if report.id == FIRST_ICAO),
            );
            let active: Vec<String> = engine
                .alerts()
                .iter()
                .filter(|a| a.is_active())
                .map(|a| a.text())
                .collect();
            if collision_seen && active.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "collision seen {collision_seen}, active {active:?}"
                ))
            }
        },
    )
    .await;
}

#[test]
fn traffic_watch_prints_targets_and_the_warning() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sim, station, feed) = rt.block_on(sim_with_traffic(2));
    rt.block_on(take_off(&station, 50.0));
    // The watch listens to the same aircraft on a link of its own.
    let aircraft = sim.vehicle_addrs()[0];
    let data = tempfile::tempdir().unwrap();
    let mut child = Process::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["--json", "--data-dir"])
        .arg(data.path())
        .args(["traffic", "watch", "--every", "1", "--seconds", "120"])
        .arg("--link")
        .arg(format!("udpout:{aircraft}"))
        .arg("--traffic")
        .arg(feed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kestrel traffic watch");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let (mut targets_ok, mut warning_ok) = (false, false);
    let deadline = wait::Deadline::after(LONG, "targets and a warning from kestrel traffic watch");
    while !(targets_ok && warning_ok) {
        let Some(Ok(line)) = lines.next() else {
            break;
        };
        let v: serde_json::Value = serde_json::from_str(&line).expect("json line");
        if v["event"] == "targets" {
            let t = v["targets"].as_array().unwrap();
            targets_ok |= t.len() == 2
                && t.iter().any(|t| {
                    t["callsign"] == HELICOPTER && t["sources"].as_array().unwrap().len() == 2
                })
                && v["feeds"][0]["connected"] == true;
        } else if v["event"] == "raised" && v["kind"]["kind"] == "traffic" {
            warning_ok |= v["kind"]["conflict"]["level"] == "warning"
                && v["severity"] == "critical"
                && v["text"].as_str().unwrap().contains("descend now");
        }
        deadline.check(Some(line));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        targets_ok && warning_ok,
        "targets {targets_ok}, warning {warning_ok}"
    );
    drop(sim);
}

#[test]
fn traffic_watch_needs_something_to_watch() {
    let out = Process::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["traffic", "watch", "--seconds", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--traffic sbs://HOST:PORT"), "{err}");
    let out = Process::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["traffic", "watch", "--traffic", "tcp://x:1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("use sbs://HOST:PORT"), "{err}");
}

/// A receiver that sends garbage, an endless line and one good target, then hangs up.
fn hostile_receiver() -> (SocketAddr, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let h = std::thread::spawn(move || {
        for _ in 0..2 {
            let Ok((mut s, _)) = l.accept() else { return };
            let _ = s.write_all(b"*8D4840D6202CC371C32CE0576098;\r\n\xff\xfe\x00garbage\r\n");
            let _ = s.write_all(&vec![b'M'; 100_000]);
            let _ = s.write_all(b"\r\nMSG,3,1,1,ABCDEF,1,,,,,,1500,,,36.5,116.0,,,0,0,0,0\r\n");
            let _ = s.write_all(b"MSG,3,1,1,ABCDEF,1,,,,,,1500,,,NaN,116.0,,,0,0,0,0\r\n");
            let _ = s.flush();
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    (addr, h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_feed_is_survived_counted_and_reconnected() {
    let (addr, server) = hostile_receiver();
    let station = Station::start(Default::default()).unwrap();
    let feed: FeedSpec = format!("sbs://{addr}").parse().unwrap();
    let monitor = TrafficMonitor::start(&station, &[feed], TrafficSettings::default());
    let status = wait::until_async("the good target and two connections", LONG, || {
        let r = monitor.report(&station.snapshot());
        let f = r.feeds[0].clone();
        if r.targets.len() == 1 && f.connections >= 2 && !f.connected {
            Ok((r.targets[0].clone(), f))
        } else {
            Err(format!("{r:?}"))
        }
    })
    .await;
    let (target, feed) = status;
    assert_eq!(target.icao_hex(), "ABCDEF");
    assert!((target.alt_amsl_m.unwrap() - 457.2).abs() < 0.1);
    // Per connection: the Beast line, the binary junk, the endless line and the NaN latitude.
    assert_eq!(feed.bad_lines, 8, "{feed:?}");
    assert!(feed.last_error.is_some());
    server.join().unwrap();
}
