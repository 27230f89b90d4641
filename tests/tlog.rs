//! Telemetry logs: a session's frames written to a .tlog, then replayed as a link.

mod common;

use std::time::Duration;

use common::sim::*;
use common::wait::{self, WAIT};
use kestrel::link::tlog::TlogReader;
use kestrel::link::{LinkCondition, LinkSpec};
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_logged_and_replays_as_the_same_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.tlog");
    let addr = free_udp_addr();
    let station = Station::start(StationConfig {
        tlog: Some(path.clone()),
        ..Default::default()
    })
    .unwrap();
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let sim = Simulator::start(SimConfig {
        vehicles: 3,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    wait_fleet(&station, Duration::from_secs(60), "3 aircraft", |s| {
        (s.aircraft.iter().filter(|a| a.position.is_some()).count() == 3).then_some(())
    })
    .await;
    // The station's own heartbeats (1 Hz) go into the log too: wait until it holds both
    // directions, flushing it to look.
    wait::until_async("telemetry and our heartbeats in the log", WAIT, || {
        station.flush_tlog();
        let records: Vec<_> = TlogReader::open(&path)
            .unwrap()
            .map_while(Result::ok)
            .collect();
        let sysids: std::collections::BTreeSet<u8> = records.iter().map(|r| r.frame[5]).collect();
        if records.len() > 30 && [255, 1, 3].iter().all(|s| sysids.contains(s)) {
            Ok(())
        } else {
            Err(format!("{} records from {sysids:?}", records.len()))
        }
    })
    .await;
    drop(sim);
    drop(station);

    // The log holds both directions: aircraft telemetry and our own heartbeats.
    let records: Vec<_> = TlogReader::open(&path)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(records.len() > 30, "only {} records", records.len());
    let sysids: std::collections::BTreeSet<u8> = records.iter().map(|r| r.frame[5]).collect();
    assert!(
        sysids.contains(&255) && sysids.contains(&1) && sysids.contains(&3),
        "{sysids:?}"
    );
    assert!(
        records.windows(2).all(|w| w[0].micros <= w[1].micros),
        "timestamps go backwards"
    );

    let replay = Station::start(StationConfig {
        request_streams_hz: None,
        ..Default::default()
    })
    .unwrap();
    let id = replay
        .add_link(LinkSpec::TlogReplay {
            path: path.clone(),
            speed: 20.0,
        })
        .await
        .unwrap();
    wait::until_async("the replay to finish", Duration::from_secs(30), || {
        let l = replay.links().into_iter().find(|l| l.id == id).unwrap();
        if matches!(l.condition, LinkCondition::Closed(_)) {
            Ok(())
        } else {
            Err(format!("{l:?}"))
        }
    })
    .await;
    let snap = replay.snapshot();
    let ids: Vec<u8> = snap.aircraft.iter().map(|a| a.sysid).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert!(snap.aircraft.iter().all(|a| a.position.is_some()));
}
