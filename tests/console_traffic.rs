//! Manned traffic in the console, driven like a pilot would against the real simulator over real
//! loopback sockets: the simulated helicopter and light aircraft are heard from the aircraft
//! (ADSB_VEHICLE) and from the ground receiver's SBS-1 feed, one target each; the top bar counts
//! them, the traffic window lists them with their type and the receiver's state, and the selected
//! aircraft's panel says whether it is clear of them. Conflict boxes set in the window reach the
//! core.

mod common;

use egui_kittest::kittest::Queryable;

use common::console::{aircraft, contains, core_with_simulator, shows, wait_until, window};
use kestrel::console::ConsoleConfig;
use kestrel::traffic::{FeedSpec, TrafficSource};
use kestrel_sim::SimConfig;

#[test]
fn traffic_from_aircraft_and_receiver_is_counted_listed_and_merged() {
    let sbs = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let feed: FeedSpec = format!("sbs://{sbs}").parse().unwrap();
    let (handle, _sim, _) = core_with_simulator(
        ConsoleConfig {
            traffic_feeds: vec![feed.clone()],
            ..Default::default()
        },
        SimConfig {
            traffic: 2,
            traffic_sbs: Some(sbs),
            ..aircraft(1)
        },
    );
    let mut h = window(handle);
    wait_until(&mut h, "two targets in the top bar", |h| {
        shows(h, "Traffic (2)")
    });
    h.get_by_label("Traffic (2)").click();
    wait_until(
        &mut h,
        "the helicopter and the light aircraft listed",
        |h| {
            shows(h, "POLAIR1")
                && shows(h, "helicopter")
                && shows(h, "B7012")
                && shows(h, "light aircraft")
                && contains(h, &format!("{feed}: connected"))
        },
    );
    // One target each, heard by both the aircraft and the receiver.
    wait_until(&mut h, "both sources on every target", |h| {
        let v = h.state().handle().view();
        v.traffic.targets.len() == 2
            && v.traffic.targets.iter().all(|t| {
                t.sources.contains(&TrafficSource::Aircraft(1))
                    && t.sources.contains(&TrafficSource::Feed(feed.to_string()))
            })
    });
    // The aircraft on the ground is in no conflict.
    h.get_all_by_label("Team 1").next().unwrap().click();
    wait_until(&mut h, "the aircraft's traffic row", |h| shows(h, "clear"));
    assert!(h.state().handle().view().traffic.conflicts.is_empty());
}
