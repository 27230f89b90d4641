//! Behaviour of one aircraft at the message level, on a fake clock: arming rules, GUIDED flight,
//! AUTO missions, RTL/LAND, failsafes, command handling and streams.

use mavlink::dialects::ardupilotmega::*;

use crate::autopilot::Mode;
use crate::params::P;
use crate::testkit::Rig;

use MavCmd::*;
use MavResult::*;

const ZERO: [f32; 4] = [0.0; 4];

fn heartbeats(r: &Rig) -> Vec<HEARTBEAT_DATA> {
    r.log
        .iter()
        .filter_map(|m| match m {
            MavMessage::HEARTBEAT(h) => Some(h.clone()),
            _ => None,
        })
        .collect()
}

fn last_position(r: &Rig) -> GLOBAL_POSITION_INT_DATA {
    r.log
        .iter()
        .rev()
        .find_map(|m| match m {
            MavMessage::GLOBAL_POSITION_INT(p) => Some(p.clone()),
            _ => None,
        })
        .expect("GLOBAL_POSITION_INT")
}

#[test]
fn arming_refused_until_position_estimate_then_allowed() {
    let mut r = Rig::with_warmup(3.0);
    r.run(1.0);
    assert_eq!(
        r.set_mode(4),
        MAV_RESULT_ACCEPTED,
        "mode change allowed while disarmed"
    );
    assert_eq!(r.arm(), MAV_RESULT_FAILED);
    assert!(r.has_text("PreArm: Need Position Estimate"));
    let p = last_position(&r);
    assert_eq!((p.lat, p.lon), (0, 0), "no position during warm-up");
    r.run(2.5);
    let p = last_position(&r);
    assert!((p.lat - 364_560_000).abs() < 100, "{}", p.lat);
    assert_eq!(r.arm(), MAV_RESULT_ACCEPTED);
    assert!(r.has_text("Arming motors"));
    r.run(1.1);
    let hb = heartbeats(&r).pop().unwrap();
    assert!(hb
        .base_mode
        .contains(MavModeFlag::MAV_MODE_FLAG_SAFETY_ARMED));
}

#[test]
fn arming_refused_in_unarmable_modes_and_on_low_battery_unless_forced() {
    let mut r = Rig::new();
    // a mission so AUTO can be entered on the ground
    let items = [
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO),
        r.item(MAV_CMD_NAV_TAKEOFF, 0.0, 0.0, 10.0, ZERO),
    ];
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    for mode in [3, 6, 9, 17] {
        assert_eq!(r.set_mode(mode), MAV_RESULT_ACCEPTED, "mode {mode}");
        assert_eq!(r.arm(), MAV_RESULT_FAILED, "mode {mode}");
    }
    assert!(r.has_text("Arm: LAND mode not armable"));
    r.set_mode(4);
    r.v.ap.set_battery_percent(15.0);
    assert_eq!(r.arm(), MAV_RESULT_FAILED);
    assert!(r.has_text("PreArm: Battery"));
    assert_eq!(
        r.cmd(
            MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 21196.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED,
        "forced"
    );
    assert!(r.v.ap.armed);
}

#[test]
fn guided_takeoff_climbs_and_heartbeat_reports_flight() {
    let mut r = Rig::new();
    assert_eq!(
        r.cmd(MAV_CMD_NAV_TAKEOFF, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0]),
        MAV_RESULT_FAILED,
        "not armed, not GUIDED"
    );
    r.set_mode(4);
    r.arm();
    let start = r.now;
    assert_eq!(
        r.cmd(MAV_CMD_NAV_TAKEOFF, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0]),
        MAV_RESULT_ACCEPTED
    );
    assert!(r.run_until(30.0, |v| v.ap.body.alt() >= 9.8));
    // WPNAV_SPEED_UP 2.5 m/s: 10 m takes a little more than 4 s
    let t = r.now - start;
    assert!((4.0..8.0).contains(&t), "{t}");
    r.run(3.0);
    assert!((r.v.ap.body.alt() - 10.0).abs() < 0.1);
    let hb = heartbeats(&r).pop().unwrap();
    assert_eq!(hb.custom_mode, 4);
    assert_eq!(hb.system_status, MavState::MAV_STATE_ACTIVE);
    assert_eq!(hb.mavtype, MavType::MAV_TYPE_QUADROTOR);
    assert_eq!(hb.autopilot, MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA);
    assert!(hb.base_mode.contains(
        MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED | MavModeFlag::MAV_MODE_FLAG_GUIDED_ENABLED
    ));
    assert_eq!(
        r.cmd(MAV_CMD_NAV_TAKEOFF, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0]),
        MAV_RESULT_FAILED,
        "already flying"
    );
    let p = last_position(&r);
    assert!((p.relative_alt - 10_000).abs() < 1000, "{}", p.relative_alt);
}

#[test]
fn repeated_command_long_is_idempotent() {
    let mut r = Rig::new();
    r.set_mode(4);
    r.arm();
    let p = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0];
    assert_eq!(r.cmd_with(MAV_CMD_NAV_TAKEOFF, p, 0), MAV_RESULT_ACCEPTED);
    r.run(2.0);
    // the GCS did not see our ACK and retransmits with confirmation 1
    assert_eq!(r.cmd_with(MAV_CMD_NAV_TAKEOFF, p, 1), MAV_RESULT_ACCEPTED);
    let takeoffs = r
        .texts()
        .iter()
        .filter(|t| t.starts_with("Takeoff"))
        .count();
    assert_eq!(takeoffs, 1, "executed once");
    // a genuinely new command is executed (and refused: already flying)
    assert_eq!(
        r.cmd_with(MAV_CMD_NAV_TAKEOFF, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 30.0], 0),
        MAV_RESULT_FAILED
    );
}

#[test]
fn commands_for_other_systems_are_ignored_unknown_ones_unsupported() {
    let mut r = Rig::new();
    let before = r.log.len();
    r.send(MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        command: MAV_CMD_COMPONENT_ARM_DISARM,
        param1: 1.0,
        target_system: 2,
        target_component: 1,
        ..Default::default()
    }));
    assert!(r.acks_since(before).is_empty());
    assert!(!r.v.ap.armed);
    assert_eq!(r.cmd(MAV_CMD_DO_GRIPPER, [0.0; 7]), MAV_RESULT_UNSUPPORTED);
    assert_eq!(r.set_mode(1234), MAV_RESULT_DENIED);
    // broadcast target 0 is accepted
    let before = r.log.len();
    r.send(MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        command: MAV_CMD_DO_SET_MODE,
        param1: 1.0,
        param2: 5.0,
        target_system: 0,
        target_component: 0,
        ..Default::default()
    }));
    assert_eq!(r.acks_since(before)[0].result, MAV_RESULT_ACCEPTED);
    assert_eq!(r.v.ap.mode, Mode::Loiter);
    // COMMAND_ACK is addressed back to the sender
    assert_eq!(r.acks_since(before)[0].target_system, 255);
}

#[test]
fn set_mode_message_is_acked_like_arducopter() {
    let mut r = Rig::new();
    r.send(MavMessage::SET_MODE(SET_MODE_DATA {
        custom_mode: 4,
        target_system: 1,
        base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
    }));
    assert_eq!(r.v.ap.mode, Mode::Guided);
}

#[test]
fn guided_reposition_flies_to_target_at_wpnav_speed() {
    let mut r = Rig::new();
    r.takeoff(20.0);
    let (x, y) = r.at(150.0, 0.0);
    let before = r.log.len();
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        param1: -1.0,
        x,
        y,
        z: 30.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    assert_eq!(r.acks_since(before)[0].result, MAV_RESULT_ACCEPTED);
    let start = r.now;
    let mut max_speed: f64 = 0.0;
    while r.v.ap.body.distance_to([150.0, 0.0]) > 0.5 && r.now - start < 120.0 {
        r.run(0.1);
        max_speed = max_speed.max(r.v.ap.body.ground_speed());
    }
    let t = r.now - start;
    assert!((30.0..45.0).contains(&t), "150 m at 5 m/s took {t}");
    assert!(max_speed < 5.4 && max_speed > 4.6, "{max_speed}");
    assert!((r.v.ap.body.alt() - 30.0).abs() < 0.5);
    // GLOBAL_POSITION_INT heading follows travel (north)
    let hdg = last_position(&r).hdg;
    assert!(!(1000..=35000).contains(&hdg), "{hdg}");
}

#[test]
fn set_position_target_global_int_in_guided() {
    let mut r = Rig::new();
    r.takeoff(10.0);
    let (lat, lon) = r.at(0.0, 40.0);
    r.send(MavMessage::SET_POSITION_TARGET_GLOBAL_INT(
        SET_POSITION_TARGET_GLOBAL_INT_DATA {
            lat_int: lat,
            lon_int: lon,
            alt: 15.0,
            type_mask: PositionTargetTypemask::from_bits_retain(0b0000_1111_1111_1000),
            target_system: 1,
            target_component: 1,
            coordinate_frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
            ..Default::default()
        },
    ));
    assert!(
        r.run_until(30.0, |v| v.ap.body.distance_to([0.0, 40.0]) < 0.5
            && (v.ap.body.alt() - 15.0).abs() < 0.3)
    );
}

fn three_item_mission(r: &Rig) -> Vec<crate::mission::Item> {
    vec![
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO), // home placeholder
        r.item(MAV_CMD_NAV_TAKEOFF, 0.0, 0.0, 15.0, ZERO),
        r.item(MAV_CMD_NAV_WAYPOINT, 100.0, 0.0, 20.0, [2.0, 0.0, 0.0, 0.0]),
        r.item(MAV_CMD_NAV_WAYPOINT, 100.0, 80.0, 20.0, ZERO),
    ]
}

#[test]
fn auto_flies_three_item_mission_to_the_end_then_loiters() {
    let mut r = Rig::new();
    let items = three_item_mission(&r);
    assert_eq!(
        r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items),
        MavMissionResult::MAV_MISSION_ACCEPTED
    );
    assert_eq!(r.v.store.mission.len(), 4);
    r.set_mode(4);
    r.arm();
    assert_eq!(r.cmd(MAV_CMD_MISSION_START, [0.0; 7]), MAV_RESULT_ACCEPTED);
    assert_eq!(r.v.ap.mode, Mode::Auto);
    assert!(r.run_until(200.0, |v| v.ap.mode == Mode::Loiter));
    assert_eq!(r.reached(), vec![1, 2, 3]);
    assert!(r.has_text("Mission: 1 Takeoff"));
    assert!(r.has_text("Reached command #2"));
    assert!(r.has_text("Reached command #3"));
    // holds at the last waypoint
    r.run(10.0);
    assert!(r.v.ap.body.distance_to([100.0, 80.0]) < 1.0);
    assert!((r.v.ap.body.alt() - 20.0).abs() < 0.5);
    assert!(r.v.ap.armed);
    let currents: Vec<u16> = r
        .log
        .iter()
        .filter_map(|m| match m {
            MavMessage::MISSION_CURRENT(c) => Some(c.seq),
            _ => None,
        })
        .collect();
    for seq in 1..=3 {
        assert!(
            currents.contains(&seq),
            "MISSION_CURRENT {seq}: {currents:?}"
        );
    }
    let last = r
        .log
        .iter()
        .rev()
        .find_map(|m| match m {
            MavMessage::MISSION_CURRENT(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(last.mission_state, MissionState::MISSION_STATE_COMPLETE);
    assert_eq!(last.total, 3);
}

#[test]
fn mission_ending_in_rtl_lands_at_home_and_disarms() {
    let mut r = Rig::new();
    let mut items = three_item_mission(&r);
    items.push(r.item(MAV_CMD_NAV_RETURN_TO_LAUNCH, 0.0, 0.0, 0.0, ZERO));
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    r.set_mode(4);
    r.arm();
    r.set_mode(3);
    assert!(r.run_until(400.0, |v| !v.ap.armed));
    assert!(r.dist_home() < 1.0, "{}", r.dist_home());
    assert!(r.v.ap.landed);
    assert_eq!(r.v.ap.mode, Mode::Auto);
    assert_eq!(r.reached(), vec![1, 2, 3, 4]);
    assert!(r.has_text("Disarming motors"));
}

#[test]
fn auto_refuses_to_start_on_ground_without_takeoff_item() {
    let mut r = Rig::new();
    let items = [
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO),
        r.item(MAV_CMD_NAV_WAYPOINT, 50.0, 0.0, 20.0, ZERO),
    ];
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    r.set_mode(4);
    r.arm();
    assert_eq!(r.cmd(MAV_CMD_MISSION_START, [0.0; 7]), MAV_RESULT_FAILED);
    assert!(r.has_text("Auto: Missing Takeoff Cmd"));
    assert_eq!(r.v.ap.mode, Mode::Guided);
}

#[test]
fn do_jump_repeats_and_loiter_items_hold() {
    let mut r = Rig::new();
    let items = vec![
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO),
        r.item(MAV_CMD_NAV_TAKEOFF, 0.0, 0.0, 10.0, ZERO),
        r.item(MAV_CMD_NAV_WAYPOINT, 30.0, 0.0, 10.0, ZERO), // 2
        r.item(MAV_CMD_NAV_WAYPOINT, 30.0, 30.0, 10.0, ZERO), // 3
        r.item(MAV_CMD_DO_JUMP, 0.0, 0.0, 0.0, [2.0, 2.0, 0.0, 0.0]), // 4: back to 2, twice
        r.item(
            MAV_CMD_DO_CHANGE_SPEED,
            0.0,
            0.0,
            0.0,
            [1.0, 8.0, -1.0, 0.0],
        ), // 5
        r.item(
            MAV_CMD_NAV_LOITER_TIME,
            2.0,
            0.0,
            10.0,
            [6.0, 0.0, 0.0, 0.0],
        ), // 6
        r.item(
            MAV_CMD_NAV_LOITER_TURNS,
            0.0,
            0.0,
            10.0,
            [2.0, 0.0, 10.0, 0.0],
        ), // 7
    ];
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    r.set_mode(4);
    r.arm();
    r.cmd(MAV_CMD_MISSION_START, [0.0; 7]);
    assert!(r.run_until(600.0, |v| v.ap.mission_status().0 == 6));
    // DO_CHANGE_SPEED (8 m/s) applies to the leg to item 6
    let mut max_speed: f64 = 0.0;
    while r.v.ap.mission_status().0 == 6 && r.now < 600.0 {
        r.run(0.1);
        max_speed = max_speed.max(r.v.ap.body.ground_speed());
    }
    assert!(max_speed > 7.0, "{max_speed}");
    assert!(r.run_until(600.0, |v| v.ap.mode == Mode::Loiter));
    assert_eq!(r.reached(), vec![1, 2, 3, 2, 3, 2, 3, 6, 7]);
    assert!(r.has_text("Mission: 4 Jump to 2"));
    assert!(r.has_text("Mission: 5 ChangeSpeed 8.0"));
}

#[test]
fn loiter_time_holds_for_param1_seconds() {
    let mut r = Rig::new();
    let items = vec![
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO),
        r.item(MAV_CMD_NAV_TAKEOFF, 0.0, 0.0, 10.0, ZERO),
        r.item(
            MAV_CMD_NAV_LOITER_TIME,
            0.0,
            0.0,
            10.0,
            [20.0, 0.0, 0.0, 0.0],
        ),
        r.item(MAV_CMD_NAV_LAND, 0.0, 0.0, 0.0, ZERO),
    ];
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    r.set_mode(4);
    r.arm();
    r.cmd(MAV_CMD_MISSION_START, [0.0; 7]);
    assert!(r.run_until(60.0, |v| v.ap.mission_status().0 == 2));
    let t0 = r.now;
    assert!(r.run_until(60.0, |v| v.ap.mission_status().0 == 3));
    let held = r.now - t0;
    assert!((20.0..21.0).contains(&held), "{held}");
    assert!(r.run_until(60.0, |v| !v.ap.armed));
    assert!(r.has_text("Land complete"));
}

#[test]
fn loiter_turns_flies_the_circle() {
    let mut r = Rig::new();
    let items = vec![
        r.item(MAV_CMD_NAV_WAYPOINT, 0.0, 0.0, 0.0, ZERO),
        r.item(MAV_CMD_NAV_TAKEOFF, 0.0, 0.0, 10.0, ZERO),
        r.item(
            MAV_CMD_NAV_LOITER_TURNS,
            50.0,
            0.0,
            10.0,
            [1.0, 0.0, 20.0, 0.0],
        ),
    ];
    r.upload(MavMissionType::MAV_MISSION_TYPE_MISSION, &items);
    r.set_mode(4);
    r.arm();
    r.cmd(MAV_CMD_MISSION_START, [0.0; 7]);
    assert!(r.run_until(60.0, |v| v.ap.mission_status().0 == 2));
    let t0 = r.now;
    let mut max_err: f64 = 0.0;
    let mut started = false;
    while r.v.ap.mode == Mode::Auto && r.now - t0 < 200.0 {
        r.run(0.1);
        let d = r.v.ap.body.distance_to([50.0, 0.0]);
        if (d - 20.0).abs() < 1.0 {
            started = true;
        }
        if started {
            max_err = max_err.max((d - 20.0).abs());
        }
    }
    assert!(started);
    assert!(max_err < 3.0, "radius error {max_err}");
    // 2π·20 m at 5 m/s ≈ 25 s, plus the 30 m transit
    let t = r.now - t0;
    assert!((25.0..60.0).contains(&t), "{t}");
    assert_eq!(r.reached(), vec![1, 2]);
}

#[test]
fn rtl_climbs_to_rtl_alt_returns_and_lands() {
    let mut r = Rig::new();
    r.takeoff(5.0);
    r.v.params.params.set(P::RtlLoitTime, 0.0);
    let (x, y) = r.at(60.0, 60.0);
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        x,
        y,
        z: 5.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    assert!(r.run_until(60.0, |v| v.ap.body.distance_to([60.0, 60.0]) < 1.0));
    assert_eq!(
        r.cmd(MAV_CMD_NAV_RETURN_TO_LAUNCH, [0.0; 7]),
        MAV_RESULT_ACCEPTED
    );
    assert_eq!(r.v.ap.mode, Mode::Rtl);
    let mut max_alt: f64 = 0.0;
    let mut left_before_climb = false;
    while r.v.ap.armed && r.now < 400.0 {
        r.run(0.1);
        max_alt = max_alt.max(r.v.ap.body.alt());
        if r.v.ap.body.alt() < 14.0 && r.dist_home() < 80.0 && max_alt < 14.0 {
            left_before_climb = true;
        }
    }
    assert!(!left_before_climb, "climbs to RTL_ALT before returning");
    assert!((max_alt - 15.0).abs() < 0.5, "{max_alt}");
    assert!(r.dist_home() < 1.0);
    assert!(r.v.ap.landed && !r.v.ap.armed);
}

#[test]
fn land_descends_at_land_speed_and_disarms() {
    let mut r = Rig::new();
    r.takeoff(20.0);
    r.cmd(MAV_CMD_NAV_LAND, [0.0; 7]);
    assert_eq!(r.v.ap.mode, Mode::Land);
    r.run(4.0);
    let high = -r.v.ap.body.vel[2];
    assert!(
        (high - 1.5).abs() < 0.1,
        "above 10 m at WPNAV_SPEED_DN: {high}"
    );
    assert!(r.run_until(30.0, |v| v.ap.body.alt() < 5.0));
    let low = -r.v.ap.body.vel[2];
    assert!((low - 0.5).abs() < 0.1, "below 10 m at LAND_SPEED: {low}");
    assert!(r.run_until(30.0, |v| !v.ap.armed));
    assert!(r.v.ap.landed);
    r.run(1.1);
    let hb = heartbeats(&r).pop().unwrap();
    assert_eq!(hb.system_status, MavState::MAV_STATE_STANDBY);
}

#[test]
fn auto_disarm_after_ten_seconds_on_the_ground() {
    let mut r = Rig::new();
    r.set_mode(4);
    r.arm();
    r.run(9.0);
    assert!(r.v.ap.armed);
    r.run(1.5);
    assert!(!r.v.ap.armed);
    assert!(r.has_text("Disarming motors"));
}

#[test]
fn low_battery_failsafe_triggers_rtl_once() {
    let mut r = Rig::new();
    r.takeoff(10.0);
    r.run(1.0);
    r.v.ap.set_battery_percent(19.0);
    r.run(0.5);
    assert_eq!(r.v.ap.mode, Mode::Rtl);
    assert!(r.has_text("Failsafe: Battery low"));
    let hb = heartbeats(&r).pop().unwrap();
    r.run(1.5);
    let hb2 = heartbeats(&r).pop().unwrap();
    assert!(
        hb.system_status == MavState::MAV_STATE_CRITICAL
            || hb2.system_status == MavState::MAV_STATE_CRITICAL
    );
    // switching away is allowed and the failsafe does not fire again
    r.set_mode(5);
    r.run(5.0);
    assert_eq!(r.v.ap.mode, Mode::Loiter);
    let n = r
        .texts()
        .iter()
        .filter(|t| t.contains("Battery low"))
        .count();
    assert_eq!(n, 1);
}

#[test]
fn battery_drains_to_failsafe_in_flight_by_itself() {
    let mut r = Rig::new();
    r.v.params.params.set(P::BattCapacity, 520.0); // a tenth: ~2.5 min of flight
    r.v.ap.battery.set_capacity(520.0);
    r.takeoff(10.0);
    let t0 = r.now;
    assert!(r.run_until(300.0, |v| v.ap.mode == Mode::Rtl));
    let t = r.now - t0;
    // 80 % of 2.5 min ≈ 120 s
    assert!((100.0..135.0).contains(&t), "{t}");
}

#[test]
fn gcs_failsafe_after_timeout_and_clears_when_heartbeats_resume() {
    let mut r = Rig::new();
    r.heartbeats = true;
    r.takeoff(10.0);
    r.run(3.0);
    assert_eq!(r.v.ap.mode, Mode::Guided);
    r.heartbeats = false;
    r.run(4.5);
    assert_eq!(r.v.ap.mode, Mode::Guided, "FS_GCS_TIMEOUT is 5 s");
    r.run(1.5);
    assert_eq!(r.v.ap.mode, Mode::Rtl);
    assert!(r.has_text("Failsafe: GCS"));
    assert!(r.v.state().gcs_failsafe);
    r.heartbeats = true;
    r.run(1.5);
    assert!(r.has_text("GCS Failsafe Cleared"));
    assert!(!r.v.state().gcs_failsafe);
    assert_eq!(r.v.ap.mode, Mode::Rtl, "mode stays RTL");
}

#[test]
fn gcs_failsafe_needs_a_gcs_heartbeat_first_and_can_be_disabled() {
    let mut r = Rig::new();
    r.takeoff(10.0);
    r.run(20.0);
    assert_eq!(r.v.ap.mode, Mode::Guided, "never heard a GCS");
    r.v.params.params.set(P::FsGcsEnable, 0.0);
    r.heartbeats = true;
    r.run(2.0);
    r.heartbeats = false;
    r.run(20.0);
    assert_eq!(r.v.ap.mode, Mode::Guided);
}

#[test]
fn only_the_gcs_named_by_sysid_mygcs_holds_off_the_gcs_failsafe() {
    let mut r = Rig::new();
    r.heartbeats = true;
    r.takeoff(10.0);
    r.run(2.0);
    // The pilot's station (255) goes silent; a payload seat (252) keeps sending heartbeats.
    r.heartbeats = false;
    let seat = HEARTBEAT_DATA {
        mavtype: MavType::MAV_TYPE_GCS,
        autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
        ..Default::default()
    };
    for _ in 0..7 {
        r.send_from(252, MavMessage::HEARTBEAT(seat.clone()));
        r.run(1.0);
    }
    assert_eq!(
        r.v.ap.mode,
        Mode::Rtl,
        "another seat's heartbeat is not the pilot's"
    );
    // With the pilot seat handed to 252 (SYSID_MYGCS = 252), its heartbeat clears it.
    r.v.params.params.set(P::SysidMygcs, 252.0);
    r.send_from(252, MavMessage::HEARTBEAT(seat));
    assert!(r.has_text("GCS Failsafe Cleared"));
}

#[test]
fn the_payload_camera_zooms_on_command_and_reports_it() {
    let mut r = Rig::new();
    assert_eq!(
        r.cmd(
            MAV_CMD_SET_CAMERA_ZOOM,
            [2.0, 75.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED
    );
    assert_eq!(r.v.state().zoom_pct, 75.0);
    assert_eq!(
        r.cmd(
            MAV_CMD_SET_CAMERA_ZOOM,
            [2.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_DENIED
    );
}

#[test]
fn flying_above_fence_alt_max_triggers_rtl() {
    let mut r = Rig::new();
    r.v.params.params.set(P::FenceAltMax, 30.0);
    r.takeoff(10.0);
    let (x, y) = r.at(0.0, 0.0);
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        x: x + 1,
        y,
        z: 50.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    assert!(r.run_until(60.0, |v| v.ap.mode == Mode::Rtl));
    assert!(r.v.ap.body.alt() > 30.0 && r.v.ap.body.alt() < 32.0);
    assert!(r.has_text("Fence breach: altitude"));
    assert!(r.run_until(200.0, |v| !v.ap.armed));
}

#[test]
fn flying_out_of_fence_radius_and_polygon_triggers_rtl() {
    let mut r = Rig::new();
    r.v.params.params.set(P::FenceRadius, 50.0);
    r.takeoff(10.0);
    let (x, y) = r.at(100.0, 0.0);
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        x,
        y,
        z: 10.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    assert!(r.run_until(60.0, |v| v.ap.mode == Mode::Rtl));
    assert!((r.dist_home() - 50.0).abs() < 1.5, "{}", r.dist_home());
    assert!(r.has_text("Fence breach: radius"));

    // polygon: a 60 m square around home, exit it to the east
    let mut r = Rig::new();
    let mut fence = Vec::new();
    for (n, e) in [(-30.0, -30.0), (30.0, -30.0), (30.0, 30.0), (-30.0, 30.0)] {
        fence.push(r.item(
            MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            n,
            e,
            0.0,
            [4.0, 0.0, 0.0, 0.0],
        ));
    }
    assert_eq!(
        r.upload(MavMissionType::MAV_MISSION_TYPE_FENCE, &fence),
        MavMissionResult::MAV_MISSION_ACCEPTED
    );
    assert_eq!(r.v.state().fence_count, 4);
    r.takeoff(10.0);
    let (x, y) = r.at(0.0, 80.0);
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        x,
        y,
        z: 10.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    assert!(r.run_until(60.0, |v| v.ap.mode == Mode::Rtl));
    assert!((r.v.ap.body.pos[1] - 30.0).abs() < 1.5);
    assert!(r.has_text("Fence breach: polygon"));
}

#[test]
fn forced_fence_breach_helper_triggers_rtl_in_flight() {
    let mut r = Rig::new();
    r.takeoff(10.0);
    r.v.ap.force_fence_breach();
    r.run(0.2);
    assert_eq!(r.v.ap.mode, Mode::Rtl);
}

#[test]
fn message_interval_and_request_message() {
    let mut r = Rig::new();
    assert_eq!(
        r.cmd(
            MAV_CMD_SET_MESSAGE_INTERVAL,
            [33.0, 100_000.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED
    );
    assert_eq!(
        r.cmd(
            MAV_CMD_SET_MESSAGE_INTERVAL,
            [30.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED
    );
    let before = r.log.len();
    r.run(10.0);
    let count = |r: &Rig, id: u32| {
        r.log[before..]
            .iter()
            .filter(|m| mavlink::Message::message_id(*m) == id)
            .count()
    };
    assert!((95..=105).contains(&count(&r, 33)), "{}", count(&r, 33));
    assert_eq!(count(&r, 30), 0);
    assert_eq!(count(&r, 0), 10);
    let before = r.log.len();
    assert_eq!(
        r.cmd(
            MAV_CMD_REQUEST_MESSAGE,
            [242.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED
    );
    assert!(r.log[before..]
        .iter()
        .any(|m| matches!(m, MavMessage::HOME_POSITION(_))));
    assert_eq!(
        r.cmd(
            MAV_CMD_REQUEST_MESSAGE,
            [148.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_ACCEPTED
    );
    assert_eq!(
        r.cmd(
            MAV_CMD_SET_MESSAGE_INTERVAL,
            [9999.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        ),
        MAV_RESULT_FAILED
    );
}

#[test]
fn params_change_behaviour() {
    let mut r = Rig::new();
    r.send(MavMessage::PARAM_SET(PARAM_SET_DATA {
        param_value: 1000.0,
        target_system: 1,
        target_component: 1,
        param_id: "WPNAV_SPEED".into(),
        param_type: MavParamType::MAV_PARAM_TYPE_REAL32,
    }));
    assert_eq!(r.v.state().param("WPNAV_SPEED"), Some(1000.0));
    r.takeoff(10.0);
    let (x, y) = r.at(200.0, 0.0);
    r.send(MavMessage::COMMAND_INT(COMMAND_INT_DATA {
        command: MAV_CMD_DO_REPOSITION,
        x,
        y,
        z: 10.0,
        frame: MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT,
        target_system: 1,
        target_component: 1,
        ..Default::default()
    }));
    r.run(20.0);
    assert!(
        r.v.ap.body.ground_speed() > 9.0,
        "{}",
        r.v.ap.body.ground_speed()
    );
}

#[test]
fn telemetry_streams_have_plausible_values() {
    let mut r = Rig::new();
    r.run(2.0);
    let sys = r
        .log
        .iter()
        .rev()
        .find_map(|m| match m {
            MavMessage::SYS_STATUS(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        (16_700..=16_810).contains(&sys.voltage_battery),
        "{}",
        sys.voltage_battery
    );
    assert_eq!(sys.battery_remaining, 100);
    let bat = r
        .log
        .iter()
        .rev()
        .find_map(|m| match m {
            MavMessage::BATTERY_STATUS(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(bat.voltages[1], u16::MAX);
    let gps = r
        .log
        .iter()
        .rev()
        .find_map(|m| match m {
            MavMessage::GPS_RAW_INT(g) => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(gps.fix_type, GpsFixType::GPS_FIX_TYPE_3D_FIX);
    assert!(gps.satellites_visible >= 10);
    let hb = heartbeats(&r).pop().unwrap();
    assert_eq!(hb.system_status, MavState::MAV_STATE_STANDBY);
    assert_eq!(hb.custom_mode, 0, "boots in STABILIZE");
}

#[test]
fn random_payloads_never_panic_or_break_the_model() {
    use mavlink::{MavlinkVersion, Message};
    let ids = [
        0u32, 11, 20, 21, 23, 39, 40, 41, 43, 44, 45, 47, 51, 66, 73, 75, 76, 86, 111,
    ];
    let mut rng = fastrand::Rng::with_seed(42);
    let mut r = Rig::new();
    r.takeoff(10.0);
    let mut delivered = 0;
    for round in 0..20_000 {
        let id = ids[rng.usize(..ids.len())];
        let len = rng.usize(0..64);
        let mut payload: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        // aim most of them at us so they get past addressing
        if rng.bool() {
            payload.iter_mut().for_each(|b| {
                if *b > 200 {
                    *b = 1
                }
            });
        }
        if let Ok(msg) = MavMessage::parse(MavlinkVersion::V2, id, &payload) {
            r.send(msg);
            delivered += 1;
        }
        if round % 50 == 0 {
            r.run(0.5);
        }
    }
    assert!(delivered > 1000, "{delivered}");
    r.run(30.0);
    let b = &r.v.ap.body;
    assert!(
        b.pos.iter().chain(b.vel.iter()).all(|x| x.is_finite()),
        "{b:?}"
    );
    assert!(b.ground_speed() <= 20.0 * 1.1 + 1.0);
}

#[test]
fn auto_without_mission_is_accepted_disarmed_but_refused_armed() {
    let mut r = Rig::new();
    assert_eq!(
        r.set_mode(3),
        MAV_RESULT_ACCEPTED,
        "entry checks skipped while disarmed"
    );
    assert_eq!(r.arm(), MAV_RESULT_FAILED);
    r.set_mode(4);
    r.arm();
    assert_eq!(r.set_mode(3), MAV_RESULT_FAILED);
    assert_eq!(r.v.ap.mode, Mode::Guided);
}
