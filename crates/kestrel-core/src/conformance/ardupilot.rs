//! What ArduCopter does with what it is sent, as the suite expects it: how it stores mission
//! items (seen on download). The simulator has its own implementation of the same behaviour;
//! this one is the reference the suite holds any autopilot to, written from ArduPilot's
//! documented behaviour and checked against its SITL.

use crate::plan::mission::{canonical_frame, cmd, frame, MissionItem};

/// `item` as ArduPilot returns it on download after storing it: `_INT` frames as their plain
/// twins; return-to-launch and change-speed (which store no position) in MAV_FRAME_GLOBAL at
/// 0, 0, 0; a timed loiter's direction (param 3) as -1 or 1; a land's unset yaw (param 4, NaN)
/// as 1 and a waypoint's as 0; fence and rally items without autocontinue (checked against
/// ArduCopter 4.7 SITL).
pub fn as_stored(item: &MissionItem) -> MissionItem {
    let mut stored = item.clone();
    stored.frame = canonical_frame(item.frame);
    match item.command {
        cmd::NAV_RETURN_TO_LAUNCH | cmd::DO_CHANGE_SPEED => {
            stored.frame = frame::GLOBAL;
            stored.x = 0.0;
            stored.y = 0.0;
            stored.z = 0.0;
        }
        cmd::NAV_LOITER_TIME => {
            stored.params[2] = if item.params[2] < 0.0 { -1.0 } else { 1.0 };
        }
        cmd::NAV_LAND if item.params[3].is_nan() => stored.params[3] = 1.0,
        cmd::NAV_WAYPOINT if item.params[3].is_nan() => stored.params[3] = 0.0,
        cmd::FENCE_POLYGON_VERTEX_INCLUSION
        | cmd::FENCE_POLYGON_VERTEX_EXCLUSION
        | cmd::FENCE_CIRCLE_INCLUSION
        | cmd::FENCE_CIRCLE_EXCLUSION
        | cmd::RALLY_POINT => stored.autocontinue = false,
        _ => {}
    }
    stored
}

/// The differences between what was sent and what is stored, in words ("frame 2 -> 0"), for
/// the report.
pub fn changes(sent: &MissionItem, stored: &MissionItem) -> Vec<String> {
    let mut out = Vec::new();
    if canonical_frame(sent.frame) != canonical_frame(stored.frame) {
        out.push(format!("frame {} -> {}", sent.frame, stored.frame));
    }
    for (i, (a, b)) in sent.params.iter().zip(stored.params.iter()).enumerate() {
        let same = (a.is_nan() && b.is_nan()) || a == b;
        if !same {
            out.push(format!("param {} {a} -> {b}", i + 1));
        }
    }
    let e7 = |d: f64| (d * 1e7).round() as i64;
    if (e7(sent.x), e7(sent.y)) != (e7(stored.x), e7(stored.y)) {
        out.push(format!(
            "position {:.7},{:.7} -> {:.7},{:.7}",
            sent.x, sent.y, stored.x, stored.y
        ));
    }
    if sent.z != stored.z {
        out.push(format!("altitude {} -> {}", sent.z, stored.z));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_less_commands_lose_their_frame_and_a_loiter_its_radius() {
        let mut speed = MissionItem::nav(cmd::DO_CHANGE_SPEED, 0.0, 0.0, 0.0);
        speed.frame = frame::MISSION;
        speed.params = [1.0, 6.0, -1.0, 0.0];
        let stored = as_stored(&speed);
        assert_eq!(stored.frame, frame::GLOBAL);
        assert_eq!(changes(&speed, &stored), vec!["frame 2 -> 0".to_string()]);
        let mut loiter = MissionItem::nav(cmd::NAV_LOITER_TIME, 36.0, 116.0, 20.0);
        loiter.frame = 6;
        let stored = as_stored(&loiter);
        assert_eq!(stored.frame, frame::GLOBAL_RELATIVE_ALT);
        assert_eq!(stored.params[2], 1.0);
        assert_eq!(
            changes(&loiter, &stored),
            vec!["param 3 0 -> 1".to_string()]
        );
        let wp = MissionItem::waypoint(36.0, 116.0, 20.0);
        assert!(changes(&wp, &as_stored(&wp)).is_empty());
    }
}
