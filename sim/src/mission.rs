//! What an aircraft stores from the mission protocol: the mission (item 0 is home), fence items and
//! rally points; which commands and frames it accepts for each; and the fence geometry compiled
//! from the fence items for breach checks.

use mavlink::dialects::ardupilotmega::{
    MavCmd, MavFrame, MavMissionResult, MavMissionType, MISSION_ITEM_DATA, MISSION_ITEM_INT_DATA,
};

use crate::geo::{point_in_polygon, Origin};

/// A stored item, always in the integer form.
pub type Item = MISSION_ITEM_INT_DATA;

/// Largest accepted MISSION upload (items including home), like ArduCopter's 700 on 4 KB storage.
pub const MAX_MISSION_ITEMS: usize = 700;
/// Largest accepted FENCE upload.
pub const MAX_FENCE_ITEMS: usize = 100;
/// Largest accepted RALLY upload.
pub const MAX_RALLY_ITEMS: usize = 50;

/// Frame numbers (as u8 because the `_INT` variants of `MavFrame` are deprecated in the dialect).
pub mod frame {
    /// MAV_FRAME_GLOBAL (AMSL altitude).
    pub const GLOBAL: u8 = 0;
    /// MAV_FRAME_MISSION (no position).
    pub const MISSION: u8 = 2;
    /// MAV_FRAME_GLOBAL_RELATIVE_ALT.
    pub const GLOBAL_RELATIVE_ALT: u8 = 3;
    /// MAV_FRAME_GLOBAL_INT.
    pub const GLOBAL_INT: u8 = 5;
    /// MAV_FRAME_GLOBAL_RELATIVE_ALT_INT.
    pub const GLOBAL_RELATIVE_ALT_INT: u8 = 6;
    /// MAV_FRAME_GLOBAL_TERRAIN_ALT.
    pub const GLOBAL_TERRAIN_ALT: u8 = 10;
    /// MAV_FRAME_GLOBAL_TERRAIN_ALT_INT.
    pub const GLOBAL_TERRAIN_ALT_INT: u8 = 11;

    /// Whether `f` carries a latitude/longitude.
    pub fn is_global(f: u8) -> bool {
        matches!(
            f,
            GLOBAL
                | GLOBAL_RELATIVE_ALT
                | GLOBAL_INT
                | GLOBAL_RELATIVE_ALT_INT
                | GLOBAL_TERRAIN_ALT
                | GLOBAL_TERRAIN_ALT_INT
        )
    }

    /// Whether altitude in `f` is above mean sea level (otherwise relative to home; terrain
    /// frames are treated as relative, the simulated ground is flat).
    pub fn is_amsl(f: u8) -> bool {
        matches!(f, GLOBAL | GLOBAL_INT)
    }

    /// The frame ArduPilot reports on download: `_INT` frames come back as their float twin
    /// (6 → 3, 5 → 0, 11 → 10).
    pub fn as_downloaded(f: u8) -> u8 {
        match f {
            GLOBAL_INT => GLOBAL,
            GLOBAL_RELATIVE_ALT_INT => GLOBAL_RELATIVE_ALT,
            GLOBAL_TERRAIN_ALT_INT => GLOBAL_TERRAIN_ALT,
            other => other,
        }
    }
}

/// Numeric frame of an item.
pub fn frame_of(item: &Item) -> u8 {
    item.frame as u8
}

/// Converts a float MISSION_ITEM to the integer form (degrees * 1e7 for global frames, metres *
/// 1e4 for local ones, as the MAVLink spec defines).
pub fn item_from_float(m: &MISSION_ITEM_DATA) -> Item {
    let scale = if frame::is_global(m.frame as u8) {
        1e7
    } else {
        1e4
    };
    Item {
        param1: m.param1,
        param2: m.param2,
        param3: m.param3,
        param4: m.param4,
        x: (f64::from(m.x) * scale).round() as i32,
        y: (f64::from(m.y) * scale).round() as i32,
        z: m.z,
        seq: m.seq,
        command: m.command,
        target_system: m.target_system,
        target_component: m.target_component,
        frame: m.frame,
        current: m.current,
        autocontinue: m.autocontinue,
        mission_type: m.mission_type,
    }
}

/// Maximum number of items for a mission type.
pub fn capacity(t: MavMissionType) -> usize {
    match t {
        MavMissionType::MAV_MISSION_TYPE_FENCE => MAX_FENCE_ITEMS,
        MavMissionType::MAV_MISSION_TYPE_RALLY => MAX_RALLY_ITEMS,
        _ => MAX_MISSION_ITEMS,
    }
}

/// Whether a MISSION command is a navigation command the autopilot flies.
pub fn is_nav(cmd: MavCmd) -> bool {
    use MavCmd::*;
    matches!(
        cmd,
        MAV_CMD_NAV_WAYPOINT
            | MAV_CMD_NAV_LOITER_UNLIM
            | MAV_CMD_NAV_LOITER_TURNS
            | MAV_CMD_NAV_LOITER_TIME
            | MAV_CMD_NAV_RETURN_TO_LAUNCH
            | MAV_CMD_NAV_LAND
            | MAV_CMD_NAV_TAKEOFF
            | MAV_CMD_NAV_SPLINE_WAYPOINT
            | MAV_CMD_NAV_DELAY
    )
}

/// ArduPilot's parameter sanity for mission items: no parameter may be infinite, and none may be
/// NaN ("unset", which QGroundControl writes as `null`) except param 4 (yaw) of a waypoint,
/// land, take-off or VTOL take-off, and params 3 and 4 of a VTOL land. Anything else is refused
/// with INVALID_PARAMn for the first bad parameter, as ArduPilot does.
pub fn check_params(item: &Item) -> Result<(), MavMissionResult> {
    use MavCmd::*;
    let nan_allowed: [bool; 4] = match item.command {
        MAV_CMD_NAV_WAYPOINT
        | MAV_CMD_NAV_LAND
        | MAV_CMD_NAV_TAKEOFF
        | MAV_CMD_NAV_VTOL_TAKEOFF => [false, false, false, true],
        MAV_CMD_NAV_VTOL_LAND => [false, false, true, true],
        _ => [false; 4],
    };
    let params = [item.param1, item.param2, item.param3, item.param4];
    let results = [
        MavMissionResult::MAV_MISSION_INVALID_PARAM1,
        MavMissionResult::MAV_MISSION_INVALID_PARAM2,
        MavMissionResult::MAV_MISSION_INVALID_PARAM3,
        MavMissionResult::MAV_MISSION_INVALID_PARAM4,
    ];
    for ((p, nan_ok), result) in params.iter().zip(nan_allowed).zip(results) {
        if p.is_infinite() || (p.is_nan() && !nan_ok) {
            return Err(result);
        }
    }
    Ok(())
}

/// The item as ArduPilot keeps it, which is what a download returns: it stores only what each
/// command uses, so a position-less command (return to launch, change speed) comes back in
/// MAV_FRAME_GLOBAL with no position whatever frame it was sent in, a timed loiter's direction
/// (param 3) as -1 or 1, a land's unset yaw (param 4, NaN) as 1, a waypoint's as 0; fence and
/// rally items without autocontinue (seen on ArduCopter 4.7 SITL).
pub fn normalised(mut item: Item) -> Item {
    use mavlink::dialects::ardupilotmega::MavFrame;
    use MavCmd::*;
    match item.command {
        MAV_CMD_NAV_RETURN_TO_LAUNCH | MAV_CMD_DO_CHANGE_SPEED => {
            item.frame = MavFrame::MAV_FRAME_GLOBAL;
            item.x = 0;
            item.y = 0;
            item.z = 0.0;
        }
        MAV_CMD_NAV_LOITER_TIME => {
            item.param3 = if item.param3 < 0.0 { -1.0 } else { 1.0 };
        }
        MAV_CMD_NAV_LAND if item.param4.is_nan() => item.param4 = 1.0,
        MAV_CMD_NAV_WAYPOINT if item.param4.is_nan() => item.param4 = 0.0,
        MAV_CMD_NAV_FENCE_RETURN_POINT
        | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
        | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION
        | MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION
        | MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
        | MAV_CMD_NAV_RALLY_POINT => item.autocontinue = 0,
        _ => {}
    }
    item
}

/// Checks an uploaded item of type `t` (not the home slot 0 of a mission, which is always
/// accepted and overwritten). DO_/CONDITION_ commands other than the ones executed are accepted
/// and skipped, as a patrol plan may carry camera or gimbal items.
pub fn validate(t: MavMissionType, item: &Item) -> Result<(), MavMissionResult> {
    let f = frame_of(item);
    let cmd = item.command as u32;
    match t {
        MavMissionType::MAV_MISSION_TYPE_MISSION => {
            check_params(item)?;
            if is_nav(item.command) {
                // Like ArduPilot, a return-to-launch carries no position, so QGroundControl's
                // MAV_FRAME_MISSION for it is as good as a global frame.
                let positionless = item.command == MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH;
                let accepted = frame::is_global(f) || (positionless && f == frame::MISSION);
                if !accepted {
                    return Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME);
                }
                Ok(())
            } else if (112..=159).contains(&cmd)
                || (176..=252).contains(&cmd)
                || (1000..=1100).contains(&cmd)
                || (2000..=2600).contains(&cmd)
            {
                // CONDITION_*, DO_*, gimbal and camera commands: position-less or global frames.
                if f == frame::MISSION || frame::is_global(f) {
                    Ok(())
                } else {
                    Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME)
                }
            } else {
                Err(MavMissionResult::MAV_MISSION_UNSUPPORTED)
            }
        }
        MavMissionType::MAV_MISSION_TYPE_FENCE => {
            use MavCmd::*;
            if !matches!(
                item.command,
                MAV_CMD_NAV_FENCE_RETURN_POINT
                    | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
                    | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION
                    | MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION
                    | MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
            ) {
                return Err(MavMissionResult::MAV_MISSION_UNSUPPORTED);
            }
            if !frame::is_global(f) {
                return Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME);
            }
            match item.command {
                MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
                | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION
                    if item.param1 < 3.0 =>
                {
                    Err(MavMissionResult::MAV_MISSION_INVALID_PARAM1)
                }
                MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION | MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION
                    if item.param1 <= 0.0 || item.param1.is_nan() =>
                {
                    Err(MavMissionResult::MAV_MISSION_INVALID_PARAM1)
                }
                _ => Ok(()),
            }
        }
        MavMissionType::MAV_MISSION_TYPE_RALLY => {
            if item.command != MavCmd::MAV_CMD_NAV_RALLY_POINT {
                Err(MavMissionResult::MAV_MISSION_UNSUPPORTED)
            } else if !frame::is_global(f) {
                Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME)
            } else {
                Ok(())
            }
        }
        MavMissionType::MAV_MISSION_TYPE_ALL => Err(MavMissionResult::MAV_MISSION_INVALID),
    }
}

/// One fence zone in local metres.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    /// Polygon (north, east vertices); `inclusion` means the aircraft must stay inside.
    Polygon {
        /// Inclusion (stay inside) or exclusion (stay outside).
        inclusion: bool,
        /// Vertices, metres north/east of the origin.
        points: Vec<[f64; 2]>,
    },
    /// Circle; `inclusion` means the aircraft must stay inside.
    Circle {
        /// Inclusion (stay inside) or exclusion (stay outside).
        inclusion: bool,
        /// Centre, metres north/east of the origin.
        center: [f64; 2],
        /// Radius, m.
        radius: f64,
    },
}

impl Zone {
    /// Whether being at `p` breaches this zone.
    pub fn breached_at(&self, p: [f64; 2]) -> bool {
        match self {
            Zone::Polygon { inclusion, points } => point_in_polygon(p, points) != *inclusion,
            Zone::Circle {
                inclusion,
                center,
                radius,
            } => {
                let inside = (p[0] - center[0]).hypot(p[1] - center[1]) <= *radius;
                inside != *inclusion
            }
        }
    }
}

/// Compiles fence items into zones. Consecutive polygon vertices of the same kind form one
/// polygon of `param1` vertices; malformed runs are ignored.
pub fn compile_fence(items: &[Item], origin: &Origin) -> Vec<Zone> {
    use MavCmd::*;
    let mut zones = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let it = &items[i];
        let local = |it: &Item| {
            let (n, e) = origin.to_local_e7(it.x, it.y);
            [n, e]
        };
        match it.command {
            MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION
            | MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION => {
                let n = (it.param1.max(0.0) as usize).max(1);
                let run: Vec<&Item> = items[i..]
                    .iter()
                    .take(n)
                    .take_while(|x| x.command == it.command)
                    .collect();
                if run.len() == n && n >= 3 {
                    zones.push(Zone::Polygon {
                        inclusion: it.command == MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
                        points: run.into_iter().map(local).collect(),
                    });
                    i += n;
                } else {
                    i += run.len().max(1);
                }
            }
            MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION | MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION => {
                zones.push(Zone::Circle {
                    inclusion: it.command == MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION,
                    center: local(it),
                    radius: f64::from(it.param1),
                });
                i += 1;
            }
            _ => i += 1,
        }
    }
    zones
}

/// The three item lists of an aircraft, plus the compiled fence.
#[derive(Clone, Debug, Default)]
pub struct MissionStore {
    /// Mission; item 0 is home.
    pub mission: Vec<Item>,
    /// Fence items (no home slot).
    pub fence: Vec<Item>,
    /// Rally points (no home slot).
    pub rally: Vec<Item>,
    /// `fence` compiled to local geometry.
    pub zones: Vec<Zone>,
}

impl MissionStore {
    /// The list for `t` (ALL reads as the mission).
    pub fn list(&self, t: MavMissionType) -> &[Item] {
        match t {
            MavMissionType::MAV_MISSION_TYPE_FENCE => &self.fence,
            MavMissionType::MAV_MISSION_TYPE_RALLY => &self.rally,
            _ => &self.mission,
        }
    }

    /// Replaces the list for `t`, recompiling the fence when it changes.
    pub fn replace(&mut self, t: MavMissionType, items: Vec<Item>, origin: &Origin) {
        match t {
            MavMissionType::MAV_MISSION_TYPE_FENCE => {
                self.zones = compile_fence(&items, origin);
                self.fence = items;
            }
            MavMissionType::MAV_MISSION_TYPE_RALLY => self.rally = items,
            MavMissionType::MAV_MISSION_TYPE_MISSION => self.mission = items,
            MavMissionType::MAV_MISSION_TYPE_ALL => {
                self.mission.clear();
                self.fence.clear();
                self.rally.clear();
                self.zones.clear();
            }
        }
    }

    /// The first polygon/circle fence zone breached at `p`, if any.
    pub fn zone_breached(&self, p: [f64; 2]) -> Option<&Zone> {
        self.zones.iter().find(|z| z.breached_at(p))
    }
}

/// A blank item of `t` with frame and command set (test and construction helper).
pub fn item(seq: u16, cmd: MavCmd, frame: MavFrame, lat_e7: i32, lon_e7: i32, z: f32) -> Item {
    Item {
        seq,
        command: cmd,
        frame,
        x: lat_e7,
        y: lon_e7,
        z,
        autocontinue: 1,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    fn with_params(command: MavCmd, params: [f32; 4]) -> Item {
        Item {
            command,
            frame: mavlink::dialects::ardupilotmega::MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT,
            param1: params[0],
            param2: params[1],
            param3: params[2],
            param4: params[3],
            x: 364_560_000,
            y: 1_159_850_000,
            z: 30.0,
            ..Default::default()
        }
    }

    #[test]
    fn stored_items_are_normalised_as_ardupilot_stores_them() {
        use mavlink::dialects::ardupilotmega::MavFrame;
        let mut speed = with_params(MavCmd::MAV_CMD_DO_CHANGE_SPEED, [1.0, 8.0, -1.0, 0.0]);
        speed.frame = MavFrame::MAV_FRAME_MISSION;
        let speed = normalised(speed);
        assert_eq!(speed.frame, MavFrame::MAV_FRAME_GLOBAL);
        assert_eq!((speed.x, speed.y, speed.z), (0, 0, 0.0));
        assert_eq!(speed.param2, 8.0, "its parameters are kept");
        let rtl = normalised(with_params(MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH, [0.0; 4]));
        assert_eq!(rtl.frame, MavFrame::MAV_FRAME_GLOBAL);
        let loiter = |p3| {
            normalised(with_params(
                MavCmd::MAV_CMD_NAV_LOITER_TIME,
                [30.0, 0.0, p3, 0.0],
            ))
        };
        assert_eq!(loiter(0.0).param3, 1.0);
        assert_eq!(loiter(-25.0).param3, -1.0);
        assert_eq!(loiter(40.0).param3, 1.0);
        let land = normalised(with_params(
            MavCmd::MAV_CMD_NAV_LAND,
            [0.0, 0.0, 0.0, f32::NAN],
        ));
        assert_eq!(land.param4, 1.0);
        let wp = with_params(MavCmd::MAV_CMD_NAV_WAYPOINT, [0.0, 2.0, 0.0, f32::NAN]);
        let kept = normalised(wp.clone());
        assert_eq!(kept.param4, 0.0, "a waypoint's unset yaw is stored as 0");
        assert_eq!(kept.frame, wp.frame);
        let mut vertex = with_params(
            MavCmd::MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            [4.0, 0.0, 0.0, 0.0],
        );
        vertex.autocontinue = 1;
        assert_eq!(normalised(vertex).autocontinue, 0);
    }

    #[test]
    fn nan_parameters_are_refused_as_ardupilot_refuses_them() {
        let t = MavMissionType::MAV_MISSION_TYPE_MISSION;
        let nan4 = [0.0, 0.0, 0.0, f32::NAN];
        assert_eq!(
            validate(t, &with_params(MavCmd::MAV_CMD_NAV_WAYPOINT, nan4)),
            Ok(())
        );
        assert_eq!(
            validate(t, &with_params(MavCmd::MAV_CMD_NAV_LAND, nan4)),
            Ok(())
        );
        assert_eq!(
            validate(t, &with_params(MavCmd::MAV_CMD_NAV_LOITER_TIME, nan4)),
            Err(MavMissionResult::MAV_MISSION_INVALID_PARAM4)
        );
        assert_eq!(
            validate(
                t,
                &with_params(MavCmd::MAV_CMD_NAV_WAYPOINT, [f32::NAN, 0.0, 0.0, 0.0])
            ),
            Err(MavMissionResult::MAV_MISSION_INVALID_PARAM1)
        );
        assert_eq!(
            validate(
                t,
                &with_params(MavCmd::MAV_CMD_NAV_WAYPOINT, [0.0, f32::INFINITY, 0.0, 0.0])
            ),
            Err(MavMissionResult::MAV_MISSION_INVALID_PARAM2)
        );
    }

    use super::*;
    use MavCmd::*;
    use MavFrame::*;

    #[test]
    fn validates_commands_and_frames_per_type() {
        let mission = MavMissionType::MAV_MISSION_TYPE_MISSION;
        let wp = item(
            1,
            MAV_CMD_NAV_WAYPOINT,
            MAV_FRAME_GLOBAL_RELATIVE_ALT,
            1,
            1,
            10.0,
        );
        assert_eq!(validate(mission, &wp), Ok(()));
        let mut local = wp.clone();
        let mut rtl = item(
            3,
            MAV_CMD_NAV_RETURN_TO_LAUNCH,
            MAV_FRAME_MISSION,
            0,
            0,
            0.0,
        );
        assert_eq!(
            validate(MavMissionType::MAV_MISSION_TYPE_MISSION, &rtl),
            Ok(())
        );
        rtl.command = MAV_CMD_NAV_WAYPOINT;
        assert_eq!(
            validate(MavMissionType::MAV_MISSION_TYPE_MISSION, &rtl),
            Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME)
        );
        local.frame = MAV_FRAME_LOCAL_NED;
        assert_eq!(
            validate(mission, &local),
            Err(MavMissionResult::MAV_MISSION_UNSUPPORTED_FRAME)
        );
        let speed = item(2, MAV_CMD_DO_CHANGE_SPEED, MAV_FRAME_MISSION, 0, 0, 0.0);
        assert_eq!(validate(mission, &speed), Ok(()));
        let arm = item(
            3,
            MAV_CMD_COMPONENT_ARM_DISARM,
            MAV_FRAME_MISSION,
            0,
            0,
            0.0,
        );
        assert_eq!(
            validate(mission, &arm),
            Err(MavMissionResult::MAV_MISSION_UNSUPPORTED)
        );
        let fence = MavMissionType::MAV_MISSION_TYPE_FENCE;
        assert_eq!(
            validate(fence, &wp),
            Err(MavMissionResult::MAV_MISSION_UNSUPPORTED)
        );
        let mut v = item(
            0,
            MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            MAV_FRAME_GLOBAL,
            1,
            1,
            0.0,
        );
        v.param1 = 4.0;
        assert_eq!(validate(fence, &v), Ok(()));
        let rally = MavMissionType::MAV_MISSION_TYPE_RALLY;
        let r = item(
            0,
            MAV_CMD_NAV_RALLY_POINT,
            MAV_FRAME_GLOBAL_RELATIVE_ALT,
            1,
            1,
            20.0,
        );
        assert_eq!(validate(rally, &r), Ok(()));
    }

    #[test]
    fn downloaded_frames_follow_arducopter() {
        assert_eq!(frame::as_downloaded(6), 3);
        assert_eq!(frame::as_downloaded(5), 0);
        assert_eq!(frame::as_downloaded(3), 3);
        assert_eq!(frame::as_downloaded(2), 2);
    }

    #[test]
    fn float_items_convert_to_int() {
        let m = MISSION_ITEM_DATA {
            x: 36.456_123,
            y: 115.985_432,
            z: 30.0,
            frame: MAV_FRAME_GLOBAL_RELATIVE_ALT,
            command: MAV_CMD_NAV_WAYPOINT,
            seq: 4,
            ..Default::default()
        };
        let i = item_from_float(&m);
        assert!((i.x - 364_561_230).abs() < 40, "{}", i.x);
        assert!((i.y - 1_159_854_320).abs() < 80, "{}", i.y);
        assert_eq!(i.seq, 4);
    }

    #[test]
    fn fence_compiles_polygons_and_circles() {
        let o = Origin::new(36.0, 116.0);
        let (la, lo) = (crate::geo::deg_to_e7(36.0), crate::geo::deg_to_e7(116.0));
        let pt = |n: f64, e: f64, cmd| {
            let (a, b) = o.to_global(n, e);
            let mut it = item(
                0,
                cmd,
                MAV_FRAME_GLOBAL,
                crate::geo::deg_to_e7(a),
                crate::geo::deg_to_e7(b),
                0.0,
            );
            it.param1 = 4.0;
            it
        };
        let inc = MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION;
        let mut items = vec![
            pt(-100.0, -100.0, inc),
            pt(100.0, -100.0, inc),
            pt(100.0, 100.0, inc),
            pt(-100.0, 100.0, inc),
        ];
        let mut c = item(
            0,
            MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
            MAV_FRAME_GLOBAL,
            la,
            lo,
            0.0,
        );
        c.param1 = 10.0;
        items.push(c);
        let mut s = MissionStore::default();
        s.replace(MavMissionType::MAV_MISSION_TYPE_FENCE, items, &o);
        assert_eq!(s.zones.len(), 2);
        assert!(s.zone_breached([50.0, 50.0]).is_none());
        assert!(s.zone_breached([150.0, 0.0]).is_some(), "outside inclusion");
        assert!(s.zone_breached([5.0, 0.0]).is_some(), "inside exclusion");
    }
}
