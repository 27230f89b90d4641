//! The console's core without any window, against the real simulator over loopback MAVLink: it
//! keeps flying and logging when nobody draws frames — commands are answered, alerts are raised
//! and written to the alert log, missions are fetched, bad connection strings are refused with a
//! reason.

mod common;

use common::console::{aircraft, core_with_simulator, start_core, start_demo, wait_event};
use common::wait::{self, WAIT};

use kestrel::alerts::AlertKind;
use kestrel::console::{CommandIntent, ConsoleConfig, Event, LinkEvent, LinkIntent};
use kestrel::protocol::PilotAction;

#[test]
fn without_a_window_the_core_commands_alerts_and_logs() {
    let data = tempfile::tempdir().unwrap();
    let (handle, sim, _) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(data.path().to_path_buf()),
            record_tlog: true,
            operator: "test pilot".into(),
            ..Default::default()
        },
        aircraft(1),
    );
    wait::until("the aircraft with a position", WAIT, || {
        handle
            .view()
            .fleet
            .get(1)
            .is_some_and(|a| a.position.is_some())
    });

    // Its mission is fetched for the map (item 0, home, at least).
    wait::until("the aircraft's mission downloaded", WAIT, || {
        handle
            .view()
            .missions
            .get(&1)
            .is_some_and(|m| !m.is_empty())
    });

    // A command is answered.
    let id = handle.next_command_id();
    handle.send(CommandIntent {
        id,
        targets: vec![1],
        action: PilotAction::Hold,
    });
    let Event::Commands(report) = wait_event(
        &handle,
        "the hold result",
        |e| matches!(e, Event::Commands(r) if r.id == id),
    ) else {
        unreachable!()
    };
    assert!(report.accepted(), "{report:?}");
    wait::until("LOITER in the simulator", WAIT, || {
        sim.snapshot(0).is_some_and(|v| v.mode == "LOITER")
    });

    // The link drops: an alert is raised, logged, and cleared when it is back.
    sim.set_link_down(true);
    wait_event(
        &handle,
        "the link lost alert",
        |e| matches!(e, Event::Alerts(a) if a.alert().kind == AlertKind::LinkLost),
    );
    sim.set_link_down(false);
    wait::until("the lost alert cleared", WAIT, || {
        handle
            .view()
            .alerts
            .list
            .iter()
            .any(|a| a.kind == AlertKind::LinkLost && !a.is_active())
    });
    let log = data.path().join(kestrel::alerts::log::FILE_NAME);
    let (lines, bad) = kestrel::alerts::log::read(&log).unwrap();
    assert_eq!(bad, 0);
    assert!(lines
        .iter()
        .any(|l| l.event == "raised" && l.kind == AlertKind::LinkLost));
    assert!(lines
        .iter()
        .any(|l| l.event == "cleared" && l.kind == AlertKind::LinkLost));

    // The session is recorded.
    let tlog = handle.view().links.tlog.clone().expect("no telemetry log");
    drop(handle);
    assert!(std::fs::metadata(&tlog).unwrap().len() > 1000);
}

#[test]
fn bad_connection_strings_are_refused_with_the_reason() {
    let handle = start_core(ConsoleConfig::default());
    handle.send(LinkIntent::Add("udp:127.0.0.1:14550".into()));
    let Event::Links(LinkEvent::Failed { error, .. }) = wait_event(&handle, "the refusal", |e| {
        matches!(e, Event::Links(LinkEvent::Failed { .. }))
    }) else {
        unreachable!()
    };
    assert!(error.contains("udpin"), "{error}");
    // A port that is taken is refused too, not a panic.
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    handle.send(LinkIntent::Add(format!("udpin:{addr}")));
    let Event::Links(LinkEvent::Failed { error, .. }) =
        wait_event(&handle, "the bind refusal", |e| {
            matches!(e, Event::Links(LinkEvent::Failed { .. }))
        })
    else {
        unreachable!()
    };
    assert!(error.contains("cannot listen"), "{error}");
    assert!(handle.view().links.list.is_empty());
}

#[test]
fn the_demo_flies_patrols_whose_routes_reach_the_view() {
    let handle = start_demo(2);
    wait::until("two aircraft with their patrol routes", WAIT, || {
        let v = handle.view();
        v.fleet.aircraft.len() == 2 && v.missions.len() == 2
    });
    let v = handle.view();
    for items in v.missions.values() {
        assert!(items.len() >= 8, "route of {} items", items.len());
    }
    let sim = handle.simulator().unwrap();
    wait::until("both aircraft armed and climbing", WAIT, || {
        (0..2).all(|i| {
            sim.snapshot(i)
                .is_some_and(|s| s.armed && s.rel_alt_m > 2.0)
        })
    });
}
