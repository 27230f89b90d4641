//! A planned patrol route, uploaded to the simulator over real UDP and flown in AUTO, reaches
//! every waypoint (including the detour around a no-fly zone) and lands home; the sortie's state
//! follows the flight from telemetry: uploaded → flying → completed.

mod common;

use std::time::Duration;

use common::sim::{free_udp_addr, wait_fleet};
use common::wait::WAIT;
use common::wait::{self, eventually, Deadline};

use kestrel::crew::sortie::advance;
use kestrel::crew::{FlightObservation, SortieProgress, SortieState};
use kestrel::geo::GeoPoint;
use kestrel::plan::areas::{Category, KeyArea};
use kestrel::plan::geo::{haversine_m, LocalFrame, Xy};
use kestrel::plan::mission::{cmd, MissionKind};
use kestrel::plan::routes::{plan_route, Pattern, PointRole, RouteRequest};
use kestrel::protocol::{Command, CommandOutcome, TransferPolicy};
use kestrel::station::{Station, StationConfig};
use kestrel::time::now_unix;
use kestrel_sim::{Endpoint, SimConfig, Simulator};
use mavlink::dialects::ardupilotmega::MavMessage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_route_flown_in_auto_reaches_every_waypoint() {
    let home = GeoPoint {
        lat: kestrel_sim::config::DEFAULT_HOME.0,
        lon: kestrel_sim::config::DEFAULT_HOME.1,
    };
    let addr = free_udp_addr();
    // The simulator runs 20x faster, its GCS failsafe too: send heartbeats 20x as often.
    let speedup = 20.0;
    let station = Station::start(StationConfig {
        heartbeat_interval: Duration::from_millis(50),
        ..Default::default()
    })
    .expect("station starts");
    station
        .add_link(format!("udpin:{addr}").parse().expect("link spec"))
        .await
        .expect("link opens");
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        home: (home.lat, home.lon),
        speedup,
        ..Default::default()
    })
    .expect("simulator starts");

    // Wait for the aircraft and its position.
    wait_fleet(
        &station,
        Duration::from_secs(30),
        "aircraft 1's position",
        |s| s.get(1).and_then(|a| a.position),
    )
    .await;

    // A perimeter patrol of a 200 m square east of home, with a no-fly zone on the straight way
    // there so the route has to go around it.
    let f = LocalFrame::new(home);
    let geo = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|&(x, y)| f.to_geo(Xy::new(x, y)))
            .collect::<Vec<_>>()
    };
    let square = KeyArea::polygon(
        "Market",
        Category::CrowdedPlace,
        geo(&[
            (250.0, -100.0),
            (450.0, -100.0),
            (450.0, 100.0),
            (250.0, 100.0),
        ]),
    );
    let pad = KeyArea::polygon(
        "Helipad",
        Category::NoFly,
        geo(&[(100.0, -40.0), (170.0, -40.0), (170.0, 40.0), (100.0, 40.0)]),
    );
    let mut req = RouteRequest::new(Pattern::Perimeter, &[square, pad], home);
    req.options.alt_m = 30.0;
    let route = plan_route(&req).expect("route plans");
    assert_eq!(route.sorties.len(), 1);
    assert!(
        route.sorties[0]
            .points
            .iter()
            .any(|p| p.role == PointRole::Transit),
        "a detour around the helipad"
    );
    let plan = &route.mission_plans()[0];

    for kind in [MissionKind::Mission, MissionKind::Fence] {
        station
            .upload_items(1, kind, &plan.wire_items(kind), TransferPolicy::default())
            .await
            .expect("upload accepted");
    }
    let mut progress = SortieProgress {
        state: Some(SortieState::Uploaded),
        ..Default::default()
    };
    let last_item = plan.mission.len() as u16;

    // Every MISSION_ITEM_REACHED the aircraft sends, whatever the test loop is doing.
    let mut inbound = station.subscribe();
    let reached = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let collector = {
        let reached = reached.clone();
        tokio::spawn(async move {
            loop {
                match inbound.recv().await {
                    Ok(m) => {
                        if let MavMessage::MISSION_ITEM_REACHED(r) = &m.message {
                            reached.lock().expect("not poisoned").insert(r.seq);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        })
    };

    for c in [
        Command::SetMode { custom_mode: 4 },
        Command::Arm,
        Command::MissionStart,
    ] {
        let outcome = station.command(1, &c).await.expect("command sent");
        assert_eq!(outcome, CommandOutcome::Accepted, "{c:?}");
    }

    // Fly: record how close the aircraft came to each waypoint, until it has landed.
    // (wire sequence number, position, altitude) of every waypoint; home is slot 0.
    let targets: Vec<(u16, GeoPoint, f64)> = plan
        .mission
        .iter()
        .enumerate()
        .filter(|(_, m)| m.command == cmd::NAV_WAYPOINT)
        .map(|(i, m)| {
            (
                i as u16 + 1,
                GeoPoint { lat: m.x, lon: m.y },
                f64::from(m.z),
            )
        })
        .collect();
    let mut closest = vec![f64::INFINITY; targets.len()];
    let mut was_armed = false;
    let deadline = Deadline::after(Duration::from_secs(240), "the flight to finish");
    loop {
        if deadline.passed() {
            let texts: Vec<String> = station
                .snapshot()
                .get(1)
                .map(|a| a.status_texts.iter().map(|t| t.text.clone()).collect())
                .unwrap_or_default();
            deadline.fail(Some(format!(
                "closest approaches {closest:?}; autopilot said {texts:?}"
            )));
        }
        let v = sim.snapshot(0).expect("vehicle 0");
        let here = GeoPoint {
            lat: v.lat,
            lon: v.lon,
        };
        for (i, (_, p, alt)) in targets.iter().enumerate() {
            if (v.rel_alt_m - alt).abs() < 5.0 {
                closest[i] = closest[i].min(haversine_m(here, *p));
            }
        }
        if let Some(a) = station.snapshot().get(1) {
            progress = advance(
                &progress,
                &FlightObservation::from_aircraft(a, now_unix()),
                last_item,
            );
        }
        was_armed |= v.armed;
        if was_armed && !v.armed {
            break;
        }
        // The track is sampled at this interval.
        tokio::time::sleep(wait::POLL).await;
    }
    // The autopilot reports each waypoint reached, and the sampled track passed close to it
    // (samples are a few metres apart at cruise speed, more on a loaded machine). The reports
    // sent before landing may still be on their way to the collector: wait for them (the checks
    // below say which one is missing if one never comes).
    eventually(WAIT, || {
        let reached = reached.lock().expect("not poisoned");
        targets.iter().all(|(seq, _, _)| reached.contains(seq))
    })
    .await;
    collector.abort();
    let reached = reached.lock().expect("not poisoned").clone();
    for (i, (seq, _, _)) in targets.iter().enumerate() {
        assert!(
            reached.contains(seq),
            "waypoint {} (item {seq}) never reported reached; reached {reached:?}",
            i + 1
        );
        assert!(
            closest[i] < 20.0,
            "waypoint {} missed by {:.1} m",
            i + 1,
            closest[i]
        );
    }
    let end = sim.snapshot(0).expect("vehicle 0");
    assert!(
        haversine_m(
            GeoPoint {
                lat: end.lat,
                lon: end.lon
            },
            home
        ) < 10.0,
        "landed home"
    );
    // The last telemetry may lag the simulator by a frame or two: give the tracker a moment
    // (the check below says where it stands if it never finishes).
    eventually(Duration::from_secs(10), || {
        if !progress.state().is_final() {
            if let Some(a) = station.snapshot().get(1) {
                progress = advance(
                    &progress,
                    &FlightObservation::from_aircraft(a, now_unix()),
                    last_item,
                );
            }
        }
        progress.state().is_final()
    })
    .await;
    assert_eq!(progress.state(), SortieState::Completed, "{progress:?}");
    assert!(
        progress.distance_m > route.sorties[0].stats.length_m * 0.8,
        "{progress:?}"
    );
    assert!((progress.max_alt_m - 30.0).abs() < 5.0, "{progress:?}");
}
