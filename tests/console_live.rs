//! The console window driven like a pilot would, against the real simulator over real loopback
//! MAVLink: the fleet appears, selecting an aircraft shows its panel, RTL pressed in the window
//! changes the aircraft's mode in the simulator, and a dropped link or a draining battery raises
//! an alert the pilot cannot miss. No rendering (no GPU needed); frames are laid out for real.

mod common;

use std::time::Duration;

use egui_kittest::kittest::Queryable;

use common::console::{
    aircraft, contains, core_with_simulator, run_for, shows, start_demo, wait_until, window, Window,
};
use kestrel::console::ConsoleConfig;

/// A console window over a core joined to a simulator of `n` aircraft over loopback.
fn console_with_simulator(n: usize) -> (Window, kestrel_sim::Simulator) {
    let (handle, sim, _) = core_with_simulator(ConsoleConfig::default(), aircraft(n));
    (window(handle), sim)
}

/// Presses Confirm in the confirmation dialog once it is up.
fn confirm(h: &mut Window) {
    wait_until(h, "the confirmation", |h| shows(h, "Confirm"));
    h.get_by_label("Confirm").click();
    wait_until(h, "the dialog to close", |h| !shows(h, "Confirm"));
}

#[test]
fn demo_fleet_appears_and_selecting_an_aircraft_shows_its_panel() {
    let handle = start_demo(3);
    assert!(handle.simulator().is_some());
    let mut h = window(handle);
    wait_until(&mut h, "three aircraft in the fleet list", |h| {
        (1..=3).all(|n| shows(h, &format!("Team {n}")))
    });
    assert!(
        h.state().first_aircraft_after().is_some(),
        "nothing drawn on the map"
    );
    h.get_all_by_label("Team 2").next().unwrap().click();
    wait_until(&mut h, "the panel of aircraft 2", |h| {
        shows(h, "system id 2")
    });
    assert_eq!(h.state().selected(), Some(2));
    assert!(shows(&h, "Return (RTL)"));
    // The pilot switches to Chinese: the same panel, in Chinese.
    h.get_by_label("简体中文").click();
    wait_until(&mut h, "the Chinese panel", |h| {
        shows(h, "系统号 2") && shows(h, "返航")
    });
}

#[test]
fn rtl_pressed_in_the_window_changes_the_mode_in_the_simulator() {
    let (mut h, sim) = console_with_simulator(1);
    wait_until(&mut h, "the aircraft", |h| shows(h, "Team 1"));
    // The fleet row comes first (the panel heading may already show it: a lone aircraft is
    // selected by itself).
    h.get_all_by_label("Team 1").next().unwrap().click();
    wait_until(&mut h, "its panel", |h| shows(h, "Take off"));
    // Take off first (confirmed), then return.
    h.get_by_label("Take off").click();
    confirm(&mut h);
    let mut airborne = false;
    wait_until(&mut h, "the take-off to be accepted and the climb", |_| {
        airborne = sim
            .snapshot(0)
            .is_some_and(|v| v.armed && v.rel_alt_m > 3.0);
        airborne
    });
    h.get_by_label("Return (RTL)").click();
    wait_until(&mut h, "the confirmation", |h| shows(h, "Confirm"));
    // Scenario time, not synchronisation: the pilot looks at the dialog for half a second while
    // the window keeps drawing; an RTL sent without confirmation would reach the simulator.
    run_for(&mut h, Duration::from_millis(500));
    assert!(
        sim.snapshot(0).is_some_and(|v| v.mode != "RTL"),
        "RTL before confirming"
    );
    confirm(&mut h);
    wait_until(&mut h, "the simulator to fly RTL", |_| {
        sim.snapshot(0).is_some_and(|v| v.mode == "RTL")
    });
    wait_until(&mut h, "the result shown as accepted", |h| {
        contains(h, "Return (RTL): accepted")
    });
    // A mode the station commanded is not a failsafe.
    assert!(!contains(&h, "FAILSAFE"));
}

#[test]
fn a_dropped_link_and_a_draining_battery_raise_alerts() {
    let (mut h, sim) = console_with_simulator(2);
    wait_until(&mut h, "two aircraft", |h| {
        shows(h, "Team 1") && shows(h, "Team 2")
    });
    sim.set_battery_percent(1, 12.0);
    wait_until(&mut h, "the critical battery alert", |h| {
        contains(h, "CRITICAL BATTERY")
    });
    // The banner stays until the pilot acknowledges (every alert, one after the other).
    wait_until(&mut h, "the banner to go once acknowledged", |h| {
        if let Some(button) = h.query_by_label("Acknowledge") {
            button.click();
        }
        !contains(h, "CRITICAL BATTERY")
    });
    sim.set_link_down(true);
    wait_until(&mut h, "a link alert", |h| {
        contains(h, "LINK LOST") || contains(h, "link degraded")
    });
    wait_until(&mut h, "the fleet list to show the link lost", |h| {
        shows(h, "LOST")
    });
    sim.set_link_down(false);
    wait_until(&mut h, "the link back", |h| !shows(h, "LOST"));
}
