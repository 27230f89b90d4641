//! Manned traffic around the patrol area, as a real ADS-B receiver would hear it: a police
//! helicopter crossing the area low (straight over home, about 120 m above the ground), a light
//! aircraft passing 1.5 km east at 450 m, and further aircraft higher and farther out. Each
//! aircraft forwards what its receiver hears as ADSB_VEHICLE (like ArduPilot with an ADS-B
//! receiver) and reports COLLISION when a target is inside ArduPilot's avoidance boxes; the
//! simulator can also serve the same traffic as an SBS-1 (BaseStation, port 30003) feed.

use mavlink::dialects::ardupilotmega::*;

use crate::config::HOME_ALT_AMSL_M;
use crate::geo::{deg_to_e7, Origin};

/// ICAO address of the first target; target `i` is this + `i`.
pub const FIRST_ICAO: u32 = 0x7C_1A_01;
/// Callsign of the low helicopter (target 0).
pub const HELICOPTER: &str = "POLAIR1";
/// ArduPilot's avoidance boxes (AVD_W_DIST_XY/Z and AVD_F_DIST_XY/Z defaults), metres.
const WARN_XY: f64 = 300.0;
const WARN_Z: f64 = 300.0;
const FAIL_XY: f64 = 100.0;
const FAIL_Z: f64 = 100.0;

/// One target flying a straight line back and forth along a leg.
#[derive(Clone, Debug)]
struct Flight {
    icao: u32,
    callsign: String,
    emitter: AdsbEmitterType,
    /// Start of the leg, metres (north, east) of home.
    from: [f64; 2],
    /// Unit direction (north, east).
    dir: [f64; 2],
    /// Leg length, metres.
    length: f64,
    /// Where along the leg it is at t = 0, metres.
    start: f64,
    speed: f64,
    alt_agl: f64,
}

/// Where a target is at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficState {
    /// ICAO 24-bit address.
    pub icao: u32,
    /// Flight id.
    pub callsign: String,
    /// ADS-B emitter category.
    pub emitter: AdsbEmitterType,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Metres (north, east) of home.
    pub local: [f64; 2],
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f64,
    /// Track, degrees true.
    pub track_deg: f64,
    /// Ground speed, m/s.
    pub speed_ms: f64,
}

/// The simulated traffic: positions as a function of simulated time.
#[derive(Clone, Debug)]
pub struct TrafficScene {
    origin: Origin,
    flights: Vec<Flight>,
}

impl TrafficScene {
    /// `n` targets around `origin` (home of aircraft 0).
    pub fn new(n: usize, origin: Origin) -> Self {
        let flights = (0..n)
            .map(|i| {
                let icao = FIRST_ICAO + i as u32;
                match i {
                    // West to east straight over home at 120 m, 40 m/s: overhead 20 s in.
                    0 => Flight {
                        icao,
                        callsign: HELICOPTER.into(),
                        emitter: AdsbEmitterType::ADSB_EMITTER_TYPE_ROTOCRAFT,
                        from: [0.0, -2000.0],
                        dir: [0.0, 1.0],
                        length: 4000.0,
                        start: 1200.0,
                        speed: 40.0,
                        alt_agl: 120.0,
                    },
                    // South to north 1.5 km east of home at 450 m.
                    1 => Flight {
                        icao,
                        callsign: "B7012".into(),
                        emitter: AdsbEmitterType::ADSB_EMITTER_TYPE_LIGHT,
                        from: [-5000.0, 1500.0],
                        dir: [1.0, 0.0],
                        length: 10_000.0,
                        start: 2000.0,
                        speed: 55.0,
                        alt_agl: 450.0,
                    },
                    _ => {
                        let a = (i as f64 * 137.5).to_radians();
                        let r = 3000.0 + 500.0 * (i % 10) as f64;
                        Flight {
                            icao,
                            callsign: format!("CES{:04}", 1000 + i),
                            emitter: if i % 3 == 0 {
                                AdsbEmitterType::ADSB_EMITTER_TYPE_LARGE
                            } else {
                                AdsbEmitterType::ADSB_EMITTER_TYPE_LIGHT
                            },
                            from: [r * a.cos(), r * a.sin()],
                            dir: [-(a + 1.2).cos(), -(a + 1.2).sin()],
                            length: 2.0 * r,
                            start: (i as f64 * 311.0) % (2.0 * r),
                            speed: 60.0 + (i % 7) as f64 * 20.0,
                            alt_agl: 600.0 + (i % 12) as f64 * 250.0,
                        }
                    }
                }
            })
            .collect();
        Self { origin, flights }
    }

    /// Number of targets.
    pub fn len(&self) -> usize {
        self.flights.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.flights.is_empty()
    }

    /// Every target at simulated time `t` seconds. A target flies its leg, turns round at the
    /// end and flies it back.
    pub fn at(&self, t: f64) -> Vec<TrafficState> {
        self.flights
            .iter()
            .map(|f| {
                let s = (f.start + f.speed * t).rem_euclid(2.0 * f.length);
                let (along, sign) = if s < f.length {
                    (s, 1.0)
                } else {
                    (2.0 * f.length - s, -1.0)
                };
                let north = f.from[0] + f.dir[0] * along;
                let east = f.from[1] + f.dir[1] * along;
                let (lat, lon) = self.origin.to_global(north, east);
                let track = (sign * f.dir[1]).atan2(sign * f.dir[0]).to_degrees();
                TrafficState {
                    icao: f.icao,
                    callsign: f.callsign.clone(),
                    emitter: f.emitter,
                    lat,
                    lon,
                    local: [north, east],
                    alt_amsl_m: HOME_ALT_AMSL_M + f.alt_agl,
                    track_deg: track.rem_euclid(360.0),
                    speed_ms: f.speed,
                }
            })
            .collect()
    }

    /// Metres (north, east) of home of a point.
    pub fn local(&self, lat: f64, lon: f64) -> [f64; 2] {
        let (n, e) = self.origin.to_local(lat, lon);
        [n, e]
    }
}

/// ADSB_VEHICLE for a target, as ArduPilot forwards it from its receiver.
pub fn adsb_vehicle(s: &TrafficState) -> MavMessage {
    let mut callsign = [0u8; 9];
    for (d, c) in callsign.iter_mut().zip(s.callsign.bytes().take(8)) {
        *d = c;
    }
    MavMessage::ADSB_VEHICLE(ADSB_VEHICLE_DATA {
        ICAO_address: s.icao,
        lat: deg_to_e7(s.lat),
        lon: deg_to_e7(s.lon),
        altitude: (s.alt_amsl_m * 1000.0).round() as i32,
        heading: (s.track_deg * 100.0).round() as u16 % 36000,
        hor_velocity: (s.speed_ms * 100.0).round() as u16,
        ver_velocity: 0,
        flags: AdsbFlags::ADSB_FLAGS_VALID_COORDS
            | AdsbFlags::ADSB_FLAGS_VALID_ALTITUDE
            | AdsbFlags::ADSB_FLAGS_VALID_HEADING
            | AdsbFlags::ADSB_FLAGS_VALID_VELOCITY
            | AdsbFlags::ADSB_FLAGS_VALID_CALLSIGN
            | AdsbFlags::ADSB_FLAGS_VERTICAL_VELOCITY_VALID,
        squawk: 7000,
        altitude_type: AdsbAltitudeType::ADSB_ALTITUDE_TYPE_GEOMETRIC,
        callsign: callsign.into(),
        emitter_type: s.emitter,
        tslc: 1,
    })
}

/// COLLISION for a target inside ArduPilot's avoidance boxes around an aircraft at `local`
/// (metres north, east of home) and `alt_amsl_m`, or None when it is clear.
pub fn collision(s: &TrafficState, local: [f64; 2], alt_amsl_m: f64) -> Option<MavMessage> {
    let dn = s.local[0] - local[0];
    let de = s.local[1] - local[1];
    let h = (dn * dn + de * de).sqrt();
    let v = (s.alt_amsl_m - alt_amsl_m).abs();
    let level = if h <= FAIL_XY && v <= FAIL_Z {
        MavCollisionThreatLevel::MAV_COLLISION_THREAT_LEVEL_HIGH
    } else if h <= WARN_XY && v <= WARN_Z {
        MavCollisionThreatLevel::MAV_COLLISION_THREAT_LEVEL_LOW
    } else {
        return None;
    };
    Some(MavMessage::COLLISION(COLLISION_DATA {
        id: s.icao,
        time_to_minimum_delta: 0.0,
        altitude_minimum_delta: v as f32,
        horizontal_minimum_delta: h as f32,
        src: MavCollisionSrc::MAV_COLLISION_SRC_ADSB,
        action: MavCollisionAction::MAV_COLLISION_ACTION_REPORT,
        threat_level: level,
    }))
}

/// The target's SBS-1 lines (identity, airborne position, velocity) time-stamped `unix_s`.
pub fn sbs_lines(s: &TrafficState, unix_s: f64) -> String {
    let (date, time) = date_time(unix_s);
    let head = |t: u8| format!("MSG,{t},1,1,{:06X},1,{date},{time},{date},{time}", s.icao);
    let alt_ft = (s.alt_amsl_m / 0.3048).round();
    let gs_kt = (s.speed_ms / 0.514_444).round();
    format!(
        "{},{},,,,,,,,,,,0\r\n{},,{alt_ft},,,{:.5},{:.5},,,0,0,0,0\r\n{},,,{gs_kt},{:.1},,,0,,0,0,0,0\r\n",
        head(1),
        s.callsign,
        head(3),
        s.lat,
        s.lon,
        head(4),
        s.track_deg
    )
}

/// `YYYY/MM/DD` and `HH:MM:SS.mmm` (UTC) of a Unix time, as SBS-1 writes them.
fn date_time(unix_s: f64) -> (String, String) {
    let secs = unix_s.max(0.0);
    let days = (secs / 86_400.0).floor() as i64;
    let rem = secs - days as f64 * 86_400.0;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let ms = (rem * 1000.0).floor() as i64;
    (
        format!("{y:04}/{m:02}/{d:02}"),
        format!(
            "{:02}:{:02}:{:02}.{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_helicopter_crosses_over_home_low_and_turns_round() {
        let scene = TrafficScene::new(3, Origin::new(36.456, 115.985));
        let over = &scene.at(20.0)[0];
        assert!(over.local[0].abs() < 1e-6 && over.local[1].abs() < 1e-6);
        assert_eq!(over.alt_amsl_m, HOME_ALT_AMSL_M + 120.0);
        assert!((over.track_deg - 90.0).abs() < 1e-6);
        // 2 km east at 70 s, then flying back west.
        let back = &scene.at(80.0)[0];
        assert!((back.track_deg - 270.0).abs() < 1e-6, "{}", back.track_deg);
        assert!(scene.at(0.0)[2].alt_amsl_m > 600.0);
    }

    #[test]
    fn collision_boxes_and_sbs_lines() {
        let scene = TrafficScene::new(1, Origin::new(36.456, 115.985));
        let s = &scene.at(20.0)[0];
        assert!(collision(s, [0.0, 0.0], HOME_ALT_AMSL_M + 100.0).is_some());
        assert!(collision(s, [0.0, 500.0], HOME_ALT_AMSL_M + 100.0).is_none());
        let text = sbs_lines(s, 1_796_256_000.5);
        assert!(
            text.starts_with("MSG,1,1,1,7C1A01,1,2026/12/03,00:00:00.500"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.split(',').count() == 22), "{text}");
    }
}
