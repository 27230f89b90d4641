//! What our aircraft say about traffic over MAVLink: ADSB_VEHICLE (ArduPilot forwards every target
//! its ADS-B receiver hears) and COLLISION (ArduPilot's own avoidance reporting a threat and
//! what it does about it).

use mavlink::dialects::ardupilotmega::{
    AdsbFlags, MavCollisionAction, MavCollisionThreatLevel, ADSB_VEHICLE_DATA, COLLISION_DATA,
};

use super::target::{Emitter, TrafficUpdate};
use crate::geo::GeoPoint;

/// The report an ADSB_VEHICLE frame carries, with only the fields its flags mark valid; `None`
/// for a frame without a usable address.
pub fn from_adsb_vehicle(m: &ADSB_VEHICLE_DATA) -> Option<TrafficUpdate> {
    if m.ICAO_address == 0 || m.ICAO_address > 0xFF_FFFF {
        return None;
    }
    let f = m.flags;
    let lat = f64::from(m.lat) * 1e-7;
    let lon = f64::from(m.lon) * 1e-7;
    let position = (f.contains(AdsbFlags::ADSB_FLAGS_VALID_COORDS)
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(m.lat == 0 && m.lon == 0))
        .then_some(GeoPoint { lat, lon });
    let callsign = f
        .contains(AdsbFlags::ADSB_FLAGS_VALID_CALLSIGN)
        .then(|| {
            m.callsign
                .iter()
                .take_while(|b| **b != 0)
                .map(|b| *b as char)
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .filter(|s| !s.is_empty());
    Some(TrafficUpdate {
        icao: m.ICAO_address,
        callsign,
        emitter: Some(Emitter::from_adsb(m.emitter_type as u32)),
        position,
        alt_amsl_m: f
            .contains(AdsbFlags::ADSB_FLAGS_VALID_ALTITUDE)
            .then(|| f64::from(m.altitude) / 1000.0),
        track_deg: f
            .contains(AdsbFlags::ADSB_FLAGS_VALID_HEADING)
            .then(|| f64::from(m.heading) / 100.0),
        speed_ms: f
            .contains(AdsbFlags::ADSB_FLAGS_VALID_VELOCITY)
            .then(|| f64::from(m.hor_velocity) / 100.0),
        climb_ms: f
            .contains(AdsbFlags::ADSB_FLAGS_VERTICAL_VELOCITY_VALID)
            .then(|| f64::from(m.ver_velocity) / 100.0),
        squawk: f
            .contains(AdsbFlags::ADSB_FLAGS_VALID_SQUAWK)
            .then_some(m.squawk),
        on_ground: None,
    })
}

/// ADSB_VEHICLE for a report (what the simulator's receiver forwards).
pub fn to_adsb_vehicle(u: &TrafficUpdate, emitter_type: u32) -> ADSB_VEHICLE_DATA {
    use mavlink::dialects::ardupilotmega::{AdsbAltitudeType, AdsbEmitterType};
    use num_traits::FromPrimitive;
    let mut flags = AdsbFlags::empty();
    let mut m = ADSB_VEHICLE_DATA {
        ICAO_address: u.icao,
        emitter_type: AdsbEmitterType::from_u32(emitter_type).unwrap_or_default(),
        altitude_type: AdsbAltitudeType::ADSB_ALTITUDE_TYPE_GEOMETRIC,
        tslc: 1,
        ..Default::default()
    };
    if let Some(p) = u.position {
        m.lat = (p.lat * 1e7).round() as i32;
        m.lon = (p.lon * 1e7).round() as i32;
        flags |= AdsbFlags::ADSB_FLAGS_VALID_COORDS;
    }
    if let Some(a) = u.alt_amsl_m {
        m.altitude = (a * 1000.0).round() as i32;
        flags |= AdsbFlags::ADSB_FLAGS_VALID_ALTITUDE;
    }
    if let Some(t) = u.track_deg {
        m.heading = (t.rem_euclid(360.0) * 100.0).round() as u16;
        flags |= AdsbFlags::ADSB_FLAGS_VALID_HEADING;
    }
    if let Some(s) = u.speed_ms {
        m.hor_velocity = (s * 100.0).round().clamp(0.0, 65535.0) as u16;
        flags |= AdsbFlags::ADSB_FLAGS_VALID_VELOCITY;
    }
    if let Some(v) = u.climb_ms {
        m.ver_velocity = (v * 100.0).round().clamp(-32768.0, 32767.0) as i16;
        flags |= AdsbFlags::ADSB_FLAGS_VERTICAL_VELOCITY_VALID;
    }
    if let Some(cs) = &u.callsign {
        let mut b = [0u8; 9];
        for (d, s) in b.iter_mut().zip(cs.bytes().take(8)) {
            *d = s;
        }
        m.callsign = b.into();
        flags |= AdsbFlags::ADSB_FLAGS_VALID_CALLSIGN;
    }
    m.flags = flags;
    m
}

/// A threat our aircraft reported itself (COLLISION), as the station shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CollisionReport {
    /// Our aircraft that reported it.
    pub sysid: u8,
    /// The threat's id (its ICAO address for ADS-B threats).
    pub id: u32,
    /// 0 none, 1 low, 2 high (MAV_COLLISION_THREAT_LEVEL).
    pub threat_level: u8,
    /// What the aircraft does about it, in words ("none", "report", "rtl", "hover", …).
    pub action: String,
    /// Seconds until the closest approach.
    pub time_to_minimum_s: f32,
    /// Vertical distance at the closest approach, metres.
    pub altitude_minimum_m: f32,
    /// Horizontal distance at the closest approach, metres.
    pub horizontal_minimum_m: f32,
}

impl CollisionReport {
    /// From a COLLISION frame sent by `sysid`.
    pub fn from_collision(sysid: u8, m: &COLLISION_DATA) -> Self {
        let action = match m.action {
            MavCollisionAction::MAV_COLLISION_ACTION_NONE => "none",
            MavCollisionAction::MAV_COLLISION_ACTION_REPORT => "report",
            MavCollisionAction::MAV_COLLISION_ACTION_ASCEND_OR_DESCEND => "climb or descend",
            MavCollisionAction::MAV_COLLISION_ACTION_MOVE_HORIZONTALLY => "move horizontally",
            MavCollisionAction::MAV_COLLISION_ACTION_MOVE_PERPENDICULAR => "move perpendicular",
            MavCollisionAction::MAV_COLLISION_ACTION_RTL => "rtl",
            MavCollisionAction::MAV_COLLISION_ACTION_HOVER => "hover",
        };
        let threat_level = match m.threat_level {
            MavCollisionThreatLevel::MAV_COLLISION_THREAT_LEVEL_NONE => 0,
            MavCollisionThreatLevel::MAV_COLLISION_THREAT_LEVEL_LOW => 1,
            MavCollisionThreatLevel::MAV_COLLISION_THREAT_LEVEL_HIGH => 2,
        };
        Self {
            sysid,
            id: m.id,
            threat_level,
            action: action.into(),
            time_to_minimum_s: m.time_to_minimum_delta,
            altitude_minimum_m: m.altitude_minimum_delta,
            horizontal_minimum_m: m.horizontal_minimum_delta,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adsb_vehicle_round_trips_and_honours_flags() {
        let u = TrafficUpdate {
            icao: 0x7C1A2B,
            callsign: Some("HELI1".into()),
            position: Some(GeoPoint {
                lat: 36.456,
                lon: 115.985,
            }),
            alt_amsl_m: Some(185.0),
            track_deg: Some(90.0),
            speed_ms: Some(45.0),
            climb_ms: Some(-1.5),
            ..Default::default()
        };
        let m = to_adsb_vehicle(&u, 7);
        let back = from_adsb_vehicle(&m).unwrap();
        assert_eq!(back.callsign.as_deref(), Some("HELI1"));
        assert_eq!(back.emitter, Some(Emitter::Rotorcraft));
        assert!((back.position.unwrap().lat - 36.456).abs() < 1e-7);
        assert_eq!(back.alt_amsl_m, Some(185.0));
        assert_eq!(back.climb_ms, Some(-1.5));
        let mut no_pos = m.clone();
        no_pos.flags.remove(AdsbFlags::ADSB_FLAGS_VALID_COORDS);
        assert_eq!(from_adsb_vehicle(&no_pos).unwrap().position, None);
        let mut bad = m;
        bad.ICAO_address = 0;
        assert!(from_adsb_vehicle(&bad).is_none());
    }
}
