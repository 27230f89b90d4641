//! The aircraft's parameters (a small subset of ArduCopter's, with real names, units and types)
//! and the vehicle side of the PARAM protocol: list (paced), read by name or index, set with echo.

use mavlink::dialects::ardupilotmega::{MavMessage, MavParamType, PARAM_VALUE_DATA};

use crate::outbox::{Dest, Outbox, Peer};

/// Parameters the model reads, in table order. Values are stored as f32 like on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum P {
    /// This aircraft's MAVLink system id (informational: changing it needs a reboot on real
    /// hardware and is ignored here).
    SysidThismav,
    /// System id of the GCS whose heartbeats feed the GCS failsafe (255 for most GCSs).
    SysidMygcs,
    /// Horizontal waypoint speed, cm/s.
    WpnavSpeed,
    /// Climb speed in auto modes, cm/s.
    WpnavSpeedUp,
    /// Descent speed in auto modes, cm/s.
    WpnavSpeedDn,
    /// Horizontal acceleration, cm/s/s.
    WpnavAccel,
    /// Waypoint acceptance radius, cm.
    WpnavRadius,
    /// Return altitude, cm above home.
    RtlAlt,
    /// RTL return speed, cm/s (0 = WPNAV_SPEED).
    RtlSpeed,
    /// Hover time over home before the final descent, ms.
    RtlLoitTime,
    /// Final landing speed below 10 m, cm/s.
    LandSpeed,
    /// Landing speed above 10 m, cm/s (0 = WPNAV_SPEED_DN).
    LandSpeedHigh,
    /// GCS failsafe: 0 off, 1 RTL, 2 continue mission in AUTO, 5 LAND.
    FsGcsEnable,
    /// Seconds without GCS heartbeat before the GCS failsafe.
    FsGcsTimeout,
    /// Battery capacity, mAh.
    BattCapacity,
    /// Low-battery voltage, V (0 disables the voltage trigger).
    BattLowVolt,
    /// Low-battery failsafe remaining capacity, mAh (0 = use the 20 % default).
    BattLowMah,
    /// Low-battery action: 0 warn, 1 LAND, 2 RTL.
    BattFsLowAct,
    /// Minimum remaining percentage to arm.
    BattArmPct,
    /// Fence on/off.
    FenceEnable,
    /// Fence kinds bitmask: 1 max altitude, 2 circle, 4 polygons.
    FenceType,
    /// Fence action: 0 report, 1 RTL, 2 LAND, 4 BRAKE.
    FenceAction,
    /// Maximum altitude above home, m.
    FenceAltMax,
    /// Maximum horizontal distance from home, m.
    FenceRadius,
    /// Seconds on the ground, armed, before automatic disarm (0 disables).
    DisarmDelay,
    /// Pre-arm checks bitmask (0 disables all checks).
    ArmingCheck,
    /// Maximum lean angle, centidegrees.
    AngleMax,
    /// Simulated wind speed, m/s.
    SimWindSpd,
    /// Simulated wind direction (where it blows from), degrees.
    SimWindDir,
    /// Simulated GPS noise (1 sigma), m.
    SimGpsNoise,
}

struct Def {
    name: &'static str,
    ty: MavParamType,
    default: f32,
}

const fn def(name: &'static str, ty: MavParamType, default: f32) -> Def {
    Def { name, ty, default }
}

use MavParamType::{
    MAV_PARAM_TYPE_INT16 as I16, MAV_PARAM_TYPE_INT32 as I32, MAV_PARAM_TYPE_INT8 as I8,
    MAV_PARAM_TYPE_REAL32 as F32,
};

/// Number of parameters.
const COUNT: usize = 30;

/// The table, in the order of [`P`] (sorted by name on the wire like ArduPilot is not needed:
/// GCSs index by `param_index`).
static DEFS: [Def; COUNT] = [
    def("SYSID_THISMAV", I16, 1.0),
    def("SYSID_MYGCS", I16, 255.0),
    def("WPNAV_SPEED", F32, 500.0),
    def("WPNAV_SPEED_UP", F32, 250.0),
    def("WPNAV_SPEED_DN", F32, 150.0),
    def("WPNAV_ACCEL", F32, 250.0),
    def("WPNAV_RADIUS", F32, 200.0),
    def("RTL_ALT", I32, 1500.0),
    def("RTL_SPEED", I16, 0.0),
    def("RTL_LOIT_TIME", I32, 5000.0),
    def("LAND_SPEED", I16, 50.0),
    def("LAND_SPEED_HIGH", I16, 0.0),
    def("FS_GCS_ENABLE", I8, 1.0),
    def("FS_GCS_TIMEOUT", F32, 5.0),
    def("BATT_CAPACITY", I32, 5200.0),
    def("BATT_LOW_VOLT", F32, 14.0),
    def("BATT_LOW_MAH", I32, 0.0),
    def("BATT_FS_LOW_ACT", I8, 2.0),
    def("BATT_ARM_PCT", I8, 20.0),
    def("FENCE_ENABLE", I8, 1.0),
    def("FENCE_TYPE", I8, 7.0),
    def("FENCE_ACTION", I8, 1.0),
    def("FENCE_ALT_MAX", F32, 120.0),
    def("FENCE_RADIUS", F32, 1000.0),
    def("DISARM_DELAY", I8, 10.0),
    def("ARMING_CHECK", I32, 1.0),
    def("ANGLE_MAX", I16, 3000.0),
    def("SIM_WIND_SPD", F32, 0.0),
    def("SIM_WIND_DIR", F32, 0.0),
    def("SIM_GPS_NOISE", F32, 0.5),
];

/// Parameter values of one aircraft.
#[derive(Clone, Debug)]
pub struct Params {
    values: [f32; COUNT],
}

impl Params {
    /// Defaults, with this aircraft's system id and its (seeded) wind.
    pub fn new(sysid: u8, wind_speed: f32, wind_from_deg: f32) -> Self {
        let mut p = Self {
            values: std::array::from_fn(|i| DEFS[i].default),
        };
        p.set(P::SysidThismav, f32::from(sysid));
        p.set(P::SimWindSpd, wind_speed);
        p.set(P::SimWindDir, wind_from_deg);
        p
    }

    /// Number of parameters.
    pub const fn count() -> usize {
        COUNT
    }

    /// The value of `p` in its stored unit.
    pub fn get(&self, p: P) -> f32 {
        self.values[p as usize]
    }

    /// `p` as f64 (convenience for the physics).
    pub fn f(&self, p: P) -> f64 {
        f64::from(self.get(p))
    }

    /// Sets `p` directly (no type rounding).
    pub fn set(&mut self, p: P, v: f32) {
        self.values[p as usize] = v;
    }

    /// Index of the parameter named `name`.
    pub fn index_of(name: &str) -> Option<usize> {
        DEFS.iter().position(|d| d.name == name)
    }

    /// Value by name.
    pub fn by_name(&self, name: &str) -> Option<f32> {
        Self::index_of(name).map(|i| self.values[i])
    }

    /// Every (name, value) pair, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f32)> + '_ {
        DEFS.iter()
            .zip(self.values.iter())
            .map(|(d, v)| (d.name, *v))
    }

    /// Stores `value` under `name`, rounded and clamped for integer types like ArduPilot does.
    /// Returns the index, or None for an unknown name or a non-finite value.
    pub fn set_by_name(&mut self, name: &str, value: f32) -> Option<usize> {
        let i = Self::index_of(name)?;
        if !value.is_finite() {
            return None;
        }
        let (lo, hi) = match DEFS[i].ty {
            I8 => (-128.0, 127.0),
            I16 => (-32768.0, 32767.0),
            I32 => (-2_147_483_648.0, 2_147_483_647.0),
            _ => (f32::MIN, f32::MAX),
        };
        self.values[i] = if DEFS[i].ty == F32 {
            value
        } else {
            value.round().clamp(lo, hi)
        };
        Some(i)
    }

    /// The PARAM_VALUE for the parameter at `index` (values of integer types are sent as the
    /// number cast to float, as ArduPilot does).
    pub fn value_msg(&self, index: usize) -> Option<MavMessage> {
        let d = DEFS.get(index)?;
        Some(MavMessage::PARAM_VALUE(PARAM_VALUE_DATA {
            param_value: self.values[index],
            param_count: DEFS.len() as u16,
            param_index: index as u16,
            param_id: d.name.into(),
            param_type: d.ty,
        }))
    }
}

/// Gap between two PARAM_VALUEs of a list reply, simulated seconds.
const LIST_SPACING_S: f64 = 0.005;

/// Vehicle side of the PARAM protocol: answers requests and paces list replies.
#[derive(Clone, Debug)]
pub struct ParamServer {
    /// The values.
    pub params: Params,
    /// Pending list reply: (destination, next index, due time).
    listing: Option<(Peer, usize, f64)>,
}

impl ParamServer {
    /// A server over `params`.
    pub fn new(params: Params) -> Self {
        Self {
            params,
            listing: None,
        }
    }

    /// Handles a PARAM_* message; returns true if it was one.
    pub fn handle(&mut self, now: f64, from: Peer, msg: &MavMessage, out: &mut Outbox) -> bool {
        match msg {
            MavMessage::PARAM_REQUEST_LIST(_) => {
                self.listing = Some((from, 0, now));
                self.tick(now, out);
            }
            MavMessage::PARAM_REQUEST_READ(r) => {
                let index = if r.param_index >= 0 {
                    Some(r.param_index as usize)
                } else {
                    r.param_id.to_str().ok().and_then(Params::index_of)
                };
                if let Some(m) = index.and_then(|i| self.params.value_msg(i)) {
                    out.send(Dest::To(from), m);
                }
            }
            MavMessage::PARAM_SET(s) => {
                let name = s.param_id.to_str().unwrap_or("");
                if let Some(i) = self.params.set_by_name(name, s.param_value) {
                    // ArduPilot announces the new value to every GCS.
                    if let Some(m) = self.params.value_msg(i) {
                        out.broadcast(m);
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// Sends the PARAM_VALUEs of a list reply that are due.
    pub fn tick(&mut self, now: f64, out: &mut Outbox) {
        let Some((peer, mut next, mut due)) = self.listing else {
            return;
        };
        while next < Params::count() && due <= now {
            if let Some(m) = self.params.value_msg(next) {
                out.send(Dest::To(peer), m);
            }
            next += 1;
            due += LIST_SPACING_S;
        }
        self.listing = (next < Params::count()).then_some((peer, next, due));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mavlink::dialects::ardupilotmega::{
        PARAM_REQUEST_LIST_DATA, PARAM_REQUEST_READ_DATA, PARAM_SET_DATA,
    };

    fn values(out: &Outbox) -> Vec<PARAM_VALUE_DATA> {
        out.messages()
            .filter_map(|m| match m {
                MavMessage::PARAM_VALUE(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn table_matches_enum_and_arducopter_defaults() {
        let p = Params::new(3, 2.0, 90.0);
        assert_eq!(p.by_name("SYSID_THISMAV"), Some(3.0));
        assert_eq!(p.get(P::WpnavSpeed), 500.0);
        assert_eq!(p.get(P::RtlAlt), 1500.0);
        assert_eq!(p.get(P::FenceAltMax), 120.0);
        assert_eq!(p.get(P::SimGpsNoise), 0.5);
        assert_eq!(
            Params::index_of("SIM_GPS_NOISE"),
            Some(P::SimGpsNoise as usize)
        );
        assert!(Params::count() >= 20);
    }

    #[test]
    fn list_is_paced_and_complete() {
        let mut s = ParamServer::new(Params::new(1, 0.0, 0.0));
        let mut out = Outbox::default();
        let req = MavMessage::PARAM_REQUEST_LIST(PARAM_REQUEST_LIST_DATA {
            target_system: 1,
            target_component: 1,
        });
        assert!(s.handle(0.0, Peer(7), &req, &mut out));
        let first = values(&out).len();
        assert!(first >= 1 && first < Params::count(), "paced: {first}");
        let mut t = 0.0;
        while t < 1.0 {
            t += 0.02;
            s.tick(t, &mut out);
        }
        let all = values(&out);
        assert_eq!(all.len(), Params::count());
        for (i, v) in all.iter().enumerate() {
            assert_eq!(v.param_index as usize, i);
            assert_eq!(v.param_count as usize, Params::count());
        }
    }

    #[test]
    fn read_by_name_and_index_and_set_rounds_integers() {
        let mut s = ParamServer::new(Params::new(1, 0.0, 0.0));
        let mut out = Outbox::default();
        let read = |name: &str, index: i16| {
            MavMessage::PARAM_REQUEST_READ(PARAM_REQUEST_READ_DATA {
                param_index: index,
                target_system: 1,
                target_component: 1,
                param_id: name.into(),
            })
        };
        s.handle(0.0, Peer(1), &read("RTL_ALT", -1), &mut out);
        s.handle(0.0, Peer(1), &read("", 2), &mut out);
        s.handle(0.0, Peer(1), &read("NOPE", -1), &mut out);
        let v = values(&out);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].param_id.to_str().unwrap(), "RTL_ALT");
        assert_eq!(v[0].param_type, MavParamType::MAV_PARAM_TYPE_INT32);
        assert_eq!(v[1].param_id.to_str().unwrap(), "WPNAV_SPEED");
        out.clear();
        let set = |name: &str, value: f32| {
            MavMessage::PARAM_SET(PARAM_SET_DATA {
                param_value: value,
                target_system: 1,
                target_component: 1,
                param_id: name.into(),
                param_type: MavParamType::MAV_PARAM_TYPE_REAL32,
            })
        };
        s.handle(0.0, Peer(1), &set("RTL_ALT", 2500.4), &mut out);
        s.handle(0.0, Peer(1), &set("WPNAV_SPEED", 812.5), &mut out);
        s.handle(0.0, Peer(1), &set("FENCE_ENABLE", 300.0), &mut out);
        s.handle(0.0, Peer(1), &set("NO_SUCH", 1.0), &mut out);
        assert_eq!(s.params.get(P::RtlAlt), 2500.0);
        assert_eq!(s.params.get(P::WpnavSpeed), 812.5);
        assert_eq!(s.params.get(P::FenceEnable), 127.0);
        assert_eq!(values(&out).len(), 3, "each accepted set is echoed");
    }
}
