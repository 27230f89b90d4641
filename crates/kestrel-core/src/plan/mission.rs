//! Mission items as the ground station holds them: one model for mission, geofence and rally
//! items, independent of wire message and file format, with conversion to and from
//! MISSION_ITEM_INT.

use mavlink::dialects::ardupilotmega::{MavCmd, MavFrame, MavMissionType, MISSION_ITEM_INT_DATA};
use num_traits::FromPrimitive;

/// Which of the autopilot's three item lists a transfer is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissionKind {
    /// The flight plan (item 0 is home on ArduPilot).
    Mission,
    /// Geofence vertices and circles.
    Fence,
    /// Rally (safe landing) points.
    Rally,
}

impl MissionKind {
    /// All three lists, in the order they are transferred.
    pub const ALL: [MissionKind; 3] =
        [MissionKind::Mission, MissionKind::Fence, MissionKind::Rally];

    /// The MAVLink enum value.
    pub fn to_mav(self) -> MavMissionType {
        match self {
            MissionKind::Mission => MavMissionType::MAV_MISSION_TYPE_MISSION,
            MissionKind::Fence => MavMissionType::MAV_MISSION_TYPE_FENCE,
            MissionKind::Rally => MavMissionType::MAV_MISSION_TYPE_RALLY,
        }
    }

    /// The list a MAVLink mission type names (`None` for ALL or unknown).
    pub fn from_mav(t: MavMissionType) -> Option<Self> {
        match t {
            MavMissionType::MAV_MISSION_TYPE_MISSION => Some(MissionKind::Mission),
            MavMissionType::MAV_MISSION_TYPE_FENCE => Some(MissionKind::Fence),
            MavMissionType::MAV_MISSION_TYPE_RALLY => Some(MissionKind::Rally),
            _ => None,
        }
    }

    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            MissionKind::Mission => "mission",
            MissionKind::Fence => "geofence",
            MissionKind::Rally => "rally points",
        }
    }
}

/// MAV_CMD numbers the planner and file readers use.
pub mod cmd {
    /// Fly to a waypoint.
    pub const NAV_WAYPOINT: u16 = 16;
    /// Circle a point for a number of turns.
    pub const NAV_LOITER_TURNS: u16 = 18;
    /// Hold at a point for a time.
    pub const NAV_LOITER_TIME: u16 = 19;
    /// Return home and land.
    pub const NAV_RETURN_TO_LAUNCH: u16 = 20;
    /// Land here.
    pub const NAV_LAND: u16 = 21;
    /// Take off to an altitude.
    pub const NAV_TAKEOFF: u16 = 22;
    /// Jump back to an item a number of times.
    pub const DO_JUMP: u16 = 177;
    /// Change speed.
    pub const DO_CHANGE_SPEED: u16 = 178;
    /// Fence polygon vertex, inclusion.
    pub const FENCE_POLYGON_VERTEX_INCLUSION: u16 = 5001;
    /// Fence polygon vertex, exclusion (a no-fly zone).
    pub const FENCE_POLYGON_VERTEX_EXCLUSION: u16 = 5002;
    /// Fence circle, inclusion.
    pub const FENCE_CIRCLE_INCLUSION: u16 = 5003;
    /// Fence circle, exclusion.
    pub const FENCE_CIRCLE_EXCLUSION: u16 = 5004;
    /// Rally point.
    pub const RALLY_POINT: u16 = 5100;
}

/// MAV_FRAME numbers used by missions.
pub mod frame {
    /// Altitude above mean sea level.
    pub const GLOBAL: u8 = 0;
    /// Not a position: x/y/z are plain parameters.
    pub const MISSION: u8 = 2;
    /// Altitude above home.
    pub const GLOBAL_RELATIVE_ALT: u8 = 3;
    /// Altitude above terrain.
    pub const GLOBAL_TERRAIN_ALT: u8 = 10;
}

/// One mission, fence or rally item.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MissionItem {
    /// MAV_CMD number.
    pub command: u16,
    /// MAV_FRAME number.
    pub frame: u8,
    /// Parameters 1-4 (NaN means "unchanged / default", as MAVLink allows).
    pub params: [f32; 4],
    /// Latitude (degrees) for global frames, else parameter 5.
    pub x: f64,
    /// Longitude (degrees) for global frames, else parameter 6.
    pub y: f64,
    /// Altitude (metres) or parameter 7.
    pub z: f32,
    /// Continue to the next item when this one completes.
    pub autocontinue: bool,
}

impl MissionItem {
    /// A waypoint at an altitude above home.
    pub fn waypoint(lat: f64, lon: f64, alt_rel_m: f32) -> Self {
        Self::nav(cmd::NAV_WAYPOINT, lat, lon, alt_rel_m)
    }

    /// A positional command in the relative-altitude frame.
    pub fn nav(command: u16, lat: f64, lon: f64, alt_rel_m: f32) -> Self {
        Self {
            command,
            frame: frame::GLOBAL_RELATIVE_ALT,
            params: [0.0; 4],
            x: lat,
            y: lon,
            z: alt_rel_m,
            autocontinue: true,
        }
    }

    /// Whether x/y are latitude/longitude.
    pub fn is_global(&self) -> bool {
        is_global_frame(self.frame)
    }

    /// Converts to the wire message for a transfer to `sysid`.
    pub fn to_wire(
        &self,
        seq: u16,
        sysid: u8,
        kind: MissionKind,
    ) -> Result<MISSION_ITEM_INT_DATA, String> {
        let command = MavCmd::from_u16(self.command)
            .ok_or_else(|| format!("item {seq}: unknown command {}", self.command))?;
        let frame = MavFrame::from_u8(self.frame)
            .ok_or_else(|| format!("item {seq}: unknown frame {}", self.frame))?;
        let (x, y) = if self.is_global() {
            (deg_to_e7(self.x, seq)?, deg_to_e7(self.y, seq)?)
        } else if is_local_frame(self.frame) {
            ((self.x * 1e4).round() as i32, (self.y * 1e4).round() as i32)
        } else {
            (self.x.round() as i32, self.y.round() as i32)
        };
        Ok(MISSION_ITEM_INT_DATA {
            param1: self.params[0],
            param2: self.params[1],
            param3: self.params[2],
            param4: self.params[3],
            x,
            y,
            z: self.z,
            seq,
            command,
            target_system: sysid,
            target_component: 1,
            frame,
            current: 0,
            autocontinue: u8::from(self.autocontinue),
            mission_type: kind.to_mav(),
        })
    }

    /// Converts a received MISSION_ITEM_INT.
    pub fn from_wire(m: &MISSION_ITEM_INT_DATA) -> Self {
        let frame = m.frame as u8;
        let (x, y) = if is_global_frame(frame) {
            (f64::from(m.x) / 1e7, f64::from(m.y) / 1e7)
        } else if is_local_frame(frame) {
            (f64::from(m.x) / 1e4, f64::from(m.y) / 1e4)
        } else {
            (f64::from(m.x), f64::from(m.y))
        };
        Self {
            command: m.command as u16,
            frame: canonical_frame(frame),
            params: [m.param1, m.param2, m.param3, m.param4],
            x,
            y,
            z: m.z,
            autocontinue: m.autocontinue != 0,
        }
    }

    /// Whether two items mean the same thing on the aircraft: same command, equivalent frame,
    /// positions within a centimetre, parameters equal (NaN equals NaN), the same autocontinue
    /// (except for fence and rally items, where it means nothing and ArduPilot returns 0).
    pub fn same_as(&self, other: &MissionItem) -> bool {
        let autocontinue_counts = !(5000..=5100).contains(&self.command);
        let feq =
            |a: f32, b: f32| (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-3 * a.abs().max(1.0);
        let pos_tol = if self.is_global() { 1.5e-7 } else { 1e-3 };
        self.command == other.command
            && canonical_frame(self.frame) == canonical_frame(other.frame)
            && self
                .params
                .iter()
                .zip(other.params.iter())
                .all(|(a, b)| feq(*a, *b))
            && (self.x - other.x).abs() <= pos_tol
            && (self.y - other.y).abs() <= pos_tol
            && feq(self.z, other.z)
            && (!autocontinue_counts || self.autocontinue == other.autocontinue)
    }
}

/// `deg` at the wire's precision (1e-7 degree, the int32 MAVLink carries), as the f64 nearest
/// that decimal: files written from it read `149.16523`, not `149.16522999999998`. Values too
/// large for the wire (or not finite) are returned unchanged.
pub fn deg_e7(deg: f64) -> f64 {
    if !deg.is_finite() || deg.abs() > 214.0 {
        return deg;
    }
    (deg * 1e7).round() / 1e7
}

fn deg_to_e7(deg: f64, seq: u16) -> Result<i32, String> {
    if !deg.is_finite() || deg.abs() > 180.0 {
        return Err(format!(
            "item {seq}: coordinate {deg} is not a valid latitude/longitude"
        ));
    }
    Ok((deg * 1e7).round() as i32)
}

/// Global frames carry latitude/longitude in x/y.
pub fn is_global_frame(frame: u8) -> bool {
    matches!(frame, 0 | 3 | 5 | 6 | 10 | 11)
}

fn is_local_frame(frame: u8) -> bool {
    matches!(
        frame,
        1 | 4 | 7 | 8 | 9 | 12 | 13 | 14 | 15 | 16 | 17 | 18 | 19 | 20 | 21
    )
}

/// The `_INT` global frames mean the same as their plain twins (ArduPilot returns frame 3 for an
/// item uploaded in frame 6).
pub fn canonical_frame(frame: u8) -> u8 {
    match frame {
        5 => 0,
        6 => 3,
        11 => 10,
        f => f,
    }
}

/// The three lists an aircraft holds, as one plan: what `.plan` files carry.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MissionPlan {
    /// Planned home (lat, lon, alt AMSL); goes in mission slot 0 on upload.
    pub home: Option<(f64, f64, f32)>,
    /// Mission items after home (slot 1 onwards on ArduPilot).
    pub mission: Vec<MissionItem>,
    /// Geofence items.
    pub fence: Vec<MissionItem>,
    /// Rally points.
    pub rally: Vec<MissionItem>,
}

impl MissionPlan {
    /// The items of one list as transferred on the wire (the mission gets home at slot 0).
    pub fn wire_items(&self, kind: MissionKind) -> Vec<MissionItem> {
        match kind {
            MissionKind::Mission => {
                let (lat, lon, alt) = self.home.unwrap_or((0.0, 0.0, 0.0));
                let mut home = MissionItem::nav(cmd::NAV_WAYPOINT, lat, lon, alt);
                home.frame = frame::GLOBAL;
                let mut items = Vec::with_capacity(self.mission.len() + 1);
                items.push(home);
                items.extend(self.mission.iter().cloned());
                items
            }
            MissionKind::Fence => self.fence.clone(),
            MissionKind::Rally => self.rally.clone(),
        }
    }

    /// Stores items downloaded from the wire (the mission's slot 0 becomes home).
    pub fn set_from_wire(&mut self, kind: MissionKind, mut items: Vec<MissionItem>) {
        match kind {
            MissionKind::Mission => {
                if !items.is_empty() {
                    let home = items.remove(0);
                    self.home = Some((home.x, home.y, home.z));
                }
                self.mission = items;
            }
            MissionKind::Fence => self.fence = items,
            MissionKind::Rally => self.rally = items,
        }
    }

    /// The items of one list as the plan holds them.
    pub fn items(&self, kind: MissionKind) -> &[MissionItem] {
        match kind {
            MissionKind::Mission => &self.mission,
            MissionKind::Fence => &self.fence,
            MissionKind::Rally => &self.rally,
        }
    }

    /// Refuses a plan the aircraft should never get: bad coordinates, NaN altitudes, too many items.
    pub fn validate(&self) -> Result<(), String> {
        for kind in MissionKind::ALL {
            let items = self.items(kind);
            if items.len() > u16::MAX as usize - 2 {
                return Err(format!(
                    "{} has {} items; at most 65533 fit the protocol",
                    kind.name(),
                    items.len()
                ));
            }
            for (i, it) in items.iter().enumerate() {
                let n = i + 1;
                if it.is_global() {
                    if !(it.x.is_finite() && (-90.0..=90.0).contains(&it.x)) {
                        return Err(format!(
                            "{} item {n}: latitude {} is outside -90..90",
                            kind.name(),
                            it.x
                        ));
                    }
                    if !(it.y.is_finite() && (-180.0..=180.0).contains(&it.y)) {
                        return Err(format!(
                            "{} item {n}: longitude {} is outside -180..180",
                            kind.name(),
                            it.y
                        ));
                    }
                    if !it.z.is_finite() {
                        return Err(format!(
                            "{} item {n}: altitude is not a number",
                            kind.name()
                        ));
                    }
                }
                if MavCmd::from_u16(it.command).is_none() {
                    return Err(format!(
                        "{} item {n}: unknown command {}",
                        kind.name(),
                        it.command
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A command's short name for messages ("LOITER_TIME" for MAV_CMD_NAV_LOITER_TIME), or its
/// number when the dialect does not know it.
pub fn command_label(command: u16) -> String {
    match mavlink::dialects::ardupilotmega::MavCmd::from_u16(command) {
        Some(c) => {
            let name = format!("{c:?}");
            let name = name.strip_prefix("MAV_CMD_").unwrap_or(&name);
            name.strip_prefix("NAV_").unwrap_or(name).to_string()
        }
        None => format!("command {command}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trip_keeps_position_to_the_centimetre() {
        let it = MissionItem::waypoint(36.456_123_4, 115.985_987_6, 42.5);
        let wire = it.to_wire(3, 1, MissionKind::Mission).unwrap();
        assert_eq!(wire.x, 364_561_234);
        let back = MissionItem::from_wire(&wire);
        assert!(it.same_as(&back));
    }

    #[test]
    fn int_frames_compare_equal_to_plain_frames() {
        let mut a = MissionItem::waypoint(1.0, 2.0, 3.0);
        let b = a.clone();
        a.frame = 6;
        assert!(a.same_as(&b));
    }

    #[test]
    fn validate_refuses_out_of_range() {
        let plan = MissionPlan {
            mission: vec![MissionItem::waypoint(500.0, 0.0, 10.0)],
            ..Default::default()
        };
        assert!(plan.validate().unwrap_err().contains("latitude"));
        let plan = MissionPlan {
            mission: vec![MissionItem::waypoint(1.0, 0.0, f32::NAN)],
            ..Default::default()
        };
        assert!(plan.validate().unwrap_err().contains("altitude"));
    }
}
