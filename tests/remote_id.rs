//! Remote ID as the pilot meets it, over real loopback sockets against the simulator whose
//! aircraft carry a Remote ID transponder that must be good to arm (ArduPilot's
//! DID_OPTIONS=EnforceArming): without the station's help arming is refused with ArduPilot's
//! "PreArm: OpenDroneID: operator location must be set"; with an operator location but no
//! operator ID the transponder says what is missing; once the station sends both, the aircraft
//! arms and holds the operator's position.

mod common;

use std::time::Duration;

use common::sim::{free_udp_addr, station_config, wait_fleet};
use common::wait;
use kestrel::geo::GeoPoint;
use kestrel::link::LinkSpec;
use kestrel::protocol::Command;
use kestrel::remote_id::{OperatorSettings, RemoteIdSender};
use kestrel::station::Station;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arming_waits_for_the_operator_location_and_id_the_station_sends() {
    let addr = free_udp_addr();
    let station = Station::start(station_config(1.0)).unwrap();
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        remote_id: true,
        ..Default::default()
    })
    .unwrap();
    wait_fleet(&station, LONG, "aircraft 1 position", |s| {
        s.get(1).and_then(|a| a.position)
    })
    .await;

    // No Remote ID data from the station: refused, in ArduPilot's words.
    let out = station.command(1, &Command::Arm).await.unwrap();
    assert!(!out.is_accepted(), "{out:?}");
    wait_fleet(&station, LONG, "the pre-arm text", |s| {
        s.get(1)?
            .status_texts
            .iter()
            .any(|t| t.text == "PreArm: OpenDroneID: operator location must be set")
            .then_some(())
    })
    .await;

    // An operator position but no operator ID: the transponder says what is missing.
    let operator = GeoPoint {
        lat: 36.4571,
        lon: 115.9862,
    };
    let sender = RemoteIdSender::start(
        &station,
        OperatorSettings {
            position: Some(operator),
            ..Default::default()
        },
    );
    let s = wait::until_async("Remote ID asks for the operator ID", LONG, || {
        sender
            .status()
            .into_iter()
            .find(|s| s.sysid == 1 && s.error.as_deref() == Some("operator ID missing"))
            .ok_or_else(|| format!("{:?}", sender.status()))
    })
    .await;
    assert!(
        !s.ready && s.system_sent > 0 && s.operator_id_sent == 0,
        "{s:?}"
    );
    assert!(!station
        .command(1, &Command::Arm)
        .await
        .unwrap()
        .is_accepted());

    // With the operator ID too: good to arm, and the aircraft arms.
    sender.set_settings(OperatorSettings {
        operator_id: "CHN-OP-0042".into(),
        position: Some(operator),
        altitude_m: None,
    });
    wait::until_async("Remote ID good to arm", LONG, || {
        sender
            .status()
            .into_iter()
            .find(|s| s.sysid == 1 && s.ready && s.error.is_none())
            .ok_or_else(|| format!("{:?}", sender.status()))
    })
    .await;
    let out = station.command(1, &Command::Arm).await.unwrap();
    assert!(out.is_accepted(), "{out:?}");
    let st = sim.snapshot(0).unwrap();
    assert!(st.armed);
    let (lat, lon) = st.remote_id_operator.unwrap();
    assert!((lat - operator.lat).abs() < 1e-6 && (lon - operator.lon).abs() < 1e-6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_operator_position_the_take_off_position_is_sent() {
    let addr = free_udp_addr();
    let station = Station::start(station_config(1.0)).unwrap();
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        remote_id: true,
        ..Default::default()
    })
    .unwrap();
    let sender = RemoteIdSender::start(
        &station,
        OperatorSettings {
            operator_id: "CHN-OP-0042".into(),
            ..Default::default()
        },
    );
    let home = wait_fleet(&station, LONG, "aircraft 1 home", |s| {
        s.get(1).and_then(|a| a.home.map(|h| h.position))
    })
    .await;
    wait::until_async("Remote ID good to arm", LONG, || {
        sender
            .status()
            .into_iter()
            .find(|s| s.sysid == 1 && s.ready)
            .ok_or_else(|| format!("{:?}", sender.status()))
    })
    .await;
    let (lat, lon) = sim.snapshot(0).unwrap().remote_id_operator.unwrap();
    assert!((lat - home.lat).abs() < 1e-6 && (lon - home.lon).abs() < 1e-6);
    assert!(station
        .command(1, &Command::Arm)
        .await
        .unwrap()
        .is_accepted());
}

#[test]
fn the_console_sends_remote_id_and_shows_the_aircraft_ready() {
    use common::console::{aircraft, core_with_simulator, shows, wait_until, window};
    use egui_kittest::kittest::Queryable;
    let (handle, sim, _) = core_with_simulator(
        kestrel::console::ConsoleConfig {
            remote_id: OperatorSettings {
                operator_id: "CHN-OP-0042".into(),
                ..Default::default()
            },
            ..Default::default()
        },
        SimConfig {
            remote_id: true,
            ..aircraft(1)
        },
    );
    let mut h = window(handle);
    wait_until(&mut h, "the aircraft", |h| shows(h, "Team 1"));
    h.get_all_by_label("Team 1").next().unwrap().click();
    wait_until(&mut h, "Remote ID ready to arm", |h| {
        shows(h, "Remote ID") && shows(h, "ready to arm")
    });
    assert!(sim.snapshot(0).unwrap().remote_id_operator.is_some());
}
