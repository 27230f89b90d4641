//! What autopilots refuse in a plan, found before it is uploaded: `kestrel plan check` reports
//! each with the item's number as the aircraft counts it (home is item 0), the reason and the
//! fix, so a plan that ArduPilot would refuse halfway through (keeping part of it over the old
//! mission) is caught at the desk.
//!
//! The rules are ArduPilot's parameter sanity: no parameter may be infinite, and none may be
//! NaN (`null` in a QGroundControl plan) except param 4 (yaw) of a waypoint, land, take-off or
//! VTOL take-off, and params 3 and 4 of a VTOL land. `kestrel-sim` applies the same rules.

use super::mission::{cmd, command_label, MissionPlan};

/// MAV_CMD_NAV_VTOL_TAKEOFF.
const NAV_VTOL_TAKEOFF: u16 = 84;
/// MAV_CMD_NAV_VTOL_LAND.
const NAV_VTOL_LAND: u16 = 85;

/// One thing an autopilot would refuse.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Refusal {
    /// The item's number on the aircraft (mission: home is 0, so the plan's first item is 1).
    pub item: u16,
    /// The command's short name.
    pub command: String,
    /// Which parameter (1 to 4).
    pub param: u8,
    /// What ArduPilot answers.
    pub result: &'static str,
    /// What to do about it.
    pub fix: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "mission item {} ({}): ArduPilot refuses it ({}); {}",
            self.item, self.command, self.result, self.fix
        )
    }
}

/// Which parameters of `command` may be NaN.
fn nan_allowed(command: u16) -> [bool; 4] {
    match command {
        cmd::NAV_WAYPOINT | cmd::NAV_LAND | cmd::NAV_TAKEOFF | NAV_VTOL_TAKEOFF => {
            [false, false, false, true]
        }
        NAV_VTOL_LAND => [false, false, true, true],
        _ => [false; 4],
    }
}

/// Everything in the plan's mission an ArduPilot would refuse on upload.
pub fn refusals(plan: &MissionPlan) -> Vec<Refusal> {
    let mut out = Vec::new();
    for (i, it) in plan.mission.iter().enumerate() {
        let allowed = nan_allowed(it.command);
        for (p, (value, nan_ok)) in it.params.iter().zip(allowed).enumerate() {
            let bad = value.is_infinite() || (value.is_nan() && !nan_ok);
            if !bad {
                continue;
            }
            let n = p as u8 + 1;
            out.push(Refusal {
                item: i as u16 + 1,
                command: command_label(it.command),
                param: n,
                result: [
                    "INVALID_PARAM1",
                    "INVALID_PARAM2",
                    "INVALID_PARAM3",
                    "INVALID_PARAM4",
                ][p],
                fix: if value.is_nan() {
                    format!("param {n} is empty (null); give it a number (0 if unsure)")
                } else {
                    format!("param {n} is infinite; give it a finite number")
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::MissionItem;

    #[test]
    fn a_loiter_time_with_an_empty_yaw_is_refused_and_a_waypoint_with_one_is_not() {
        let mut loiter = MissionItem::nav(cmd::NAV_LOITER_TIME, 36.45, 115.98, 30.0);
        loiter.params = [30.0, 0.0, 0.0, f32::NAN];
        let mut wp = MissionItem::waypoint(36.45, 115.98, 30.0);
        wp.params[3] = f32::NAN;
        let plan = MissionPlan {
            mission: vec![wp, loiter],
            ..Default::default()
        };
        let found = refusals(&plan);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].item, 2);
        assert_eq!(
            found[0].to_string(),
            "mission item 2 (LOITER_TIME): ArduPilot refuses it (INVALID_PARAM4); param 4 is empty (null); give it a number (0 if unsure)"
        );
    }
}
