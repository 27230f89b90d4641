//! Conflicts between our aircraft and manned traffic: for every pair, the horizontal and vertical
//! separation now and at the closest point of approach (CPA) within the look-ahead, from both
//! current velocities, graded against two boxes as ArduPilot's copter avoidance does (warn at
//! 300 m / 300 m, fail at 100 m / 100 m, 30 s ahead — all settable). The grade says how urgent;
//! the suggested action says what the pilot should do about it.

use super::target::{Target, EARTH_RADIUS_M};
use crate::fleet::Aircraft;
use crate::geo::GeoPoint;

/// The separation boxes and the look-ahead.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ConflictSettings {
    /// Advisory when traffic is (or will be) within this horizontally…
    pub advisory_horizontal_m: f64,
    /// …and this vertically.
    pub advisory_vertical_m: f64,
    /// Warning when within this horizontally…
    pub warning_horizontal_m: f64,
    /// …and this vertically.
    pub warning_vertical_m: f64,
    /// How far ahead the closest approach is looked for, seconds.
    pub lookahead_s: f64,
}

impl Default for ConflictSettings {
    fn default() -> Self {
        Self {
            advisory_horizontal_m: 300.0,
            advisory_vertical_m: 300.0,
            warning_horizontal_m: 100.0,
            warning_vertical_m: 100.0,
            lookahead_s: 30.0,
        }
    }
}

/// Why settings cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConflictSettingsError {
    /// A distance or time that is not a positive number.
    #[error("{0} must be a positive number")]
    NotPositive(&'static str),
    /// The warning box is larger than the advisory box.
    #[error("the warning distances must not exceed the advisory distances")]
    WarningOutsideAdvisory,
}

impl ConflictSettings {
    /// Checks that every figure is positive and the warning box lies inside the advisory box.
    pub fn validate(&self) -> Result<(), ConflictSettingsError> {
        for (v, name) in [
            (self.advisory_horizontal_m, "advisory horizontal distance"),
            (self.advisory_vertical_m, "advisory vertical distance"),
            (self.warning_horizontal_m, "warning horizontal distance"),
            (self.warning_vertical_m, "warning vertical distance"),
            (self.lookahead_s, "look-ahead"),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(ConflictSettingsError::NotPositive(name));
            }
        }
        if self.warning_horizontal_m > self.advisory_horizontal_m
            || self.warning_vertical_m > self.advisory_vertical_m
        {
            return Err(ConflictSettingsError::WarningOutsideAdvisory);
        }
        Ok(())
    }
}

/// How urgent a conflict is. Ordered: `Warning` is the more urgent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ConflictLevel {
    /// Inside the advisory box now or within the look-ahead: watch it, be ready.
    Advisory,
    /// Inside the warning box now or within the look-ahead: act now.
    Warning,
}

impl ConflictLevel {
    /// The name used in tables and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictLevel::Advisory => "advisory",
            ConflictLevel::Warning => "warning",
        }
    }
}

/// What the pilot should do: a small multicopter gives way to manned traffic by getting out of
/// its altitude band — down, which is also where the observer sees it best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuggestedAction {
    /// Keep watching the traffic; be ready to descend.
    Monitor,
    /// Descend now (traffic at or above our altitude).
    Descend,
    /// Hold position and climb clear (traffic below us, e.g. a helicopter landing).
    Climb,
}

impl SuggestedAction {
    /// The action in English words.
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedAction::Monitor => "keep watch, be ready to descend",
            SuggestedAction::Descend => "descend now",
            SuggestedAction::Climb => "hold position and climb clear",
        }
    }
}

/// Distances between our aircraft and a target, metres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Separation {
    /// Horizontal distance.
    pub horizontal_m: f64,
    /// Vertical distance, positive when the traffic is above us.
    pub vertical_m: f64,
}

/// One of our aircraft as the conflict check sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Own {
    /// System id.
    pub sysid: u8,
    /// Where it is.
    pub position: GeoPoint,
    /// Altitude above mean sea level, metres.
    pub alt_amsl_m: f64,
    /// Velocity over ground (east, north), m/s.
    pub velocity_en: [f64; 2],
    /// Vertical speed, m/s (positive up).
    pub climb_ms: f64,
}

impl Own {
    /// From the fleet state: armed aircraft with a position (a parked aircraft is in no one's
    /// way). The heading stands in for the track, as a multicopter flies nose first on patrol.
    pub fn from_aircraft(a: &Aircraft) -> Option<Own> {
        if !a.armed {
            return None;
        }
        let position = a.position?;
        let h = f64::from(a.heading_deg).to_radians();
        let v = f64::from(a.ground_speed_ms);
        Some(Own {
            sysid: a.sysid,
            position,
            alt_amsl_m: f64::from(a.alt_amsl_m),
            velocity_en: [v * h.sin(), v * h.cos()],
            climb_ms: f64::from(a.climb_ms),
        })
    }
}

/// A pair of our aircraft and a target inside one of the boxes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conflict {
    /// Our aircraft.
    pub sysid: u8,
    /// The target's ICAO address.
    pub icao: u32,
    /// The target's callsign, when known.
    pub callsign: Option<String>,
    /// How urgent.
    pub level: ConflictLevel,
    /// Separation now.
    pub now: Separation,
    /// Separation at the closest point of approach within the look-ahead.
    pub cpa: Separation,
    /// Seconds until the closest approach (0: it is now, or the two are separating).
    pub cpa_in_s: f64,
    /// Bearing from our aircraft to the traffic, degrees true (for the observer: where to look).
    pub bearing_deg: f64,
    /// What the pilot should do.
    pub action: SuggestedAction,
}

impl Conflict {
    /// The traffic's name: callsign, else its ICAO address.
    pub fn label(&self) -> String {
        self.callsign
            .clone()
            .unwrap_or_else(|| super::target::icao_hex(self.icao))
    }
}

fn grade(s: Separation, set: &ConflictSettings) -> Option<ConflictLevel> {
    let v = s.vertical_m.abs();
    if s.horizontal_m <= set.warning_horizontal_m && v <= set.warning_vertical_m {
        Some(ConflictLevel::Warning)
    } else if s.horizontal_m <= set.advisory_horizontal_m && v <= set.advisory_vertical_m {
        Some(ConflictLevel::Advisory)
    } else {
        None
    }
}

/// Checks one pair. Traffic without an altitude is taken to be at ours (the cautious guess);
/// stale and on-ground targets are left out.
pub fn check(own: &Own, t: &Target, set: &ConflictSettings) -> Option<Conflict> {
    if t.stale || t.on_ground {
        return None;
    }
    let coslat = own.position.lat.to_radians().cos();
    let tp = t.position_now();
    // Target relative to us, east/north metres (flat Earth over a few kilometres).
    let px = (tp.lon - own.position.lon).to_radians() * EARTH_RADIUS_M * coslat;
    let py = (tp.lat - own.position.lat).to_radians() * EARTH_RADIUS_M;
    let pz = t.alt_amsl_m.map_or(0.0, |a| a - own.alt_amsl_m);
    // A quick miss: farther than the advisory box plus what the two can close in the look-ahead.
    let [tvx, tvy] = t.velocity_en();
    let vx = tvx - own.velocity_en[0];
    let vy = tvy - own.velocity_en[1];
    let vz = t.climb_ms.unwrap_or(0.0) - own.climb_ms;
    let reach = (vx * vx + vy * vy).sqrt() * set.lookahead_s;
    let d2 = px * px + py * py;
    let lim = set.advisory_horizontal_m + reach;
    if d2 > lim * lim {
        return None;
    }
    let now = Separation {
        horizontal_m: d2.sqrt(),
        vertical_m: pz,
    };
    let v2 = vx * vx + vy * vy;
    let tc = if v2 > 1e-9 {
        (-(px * vx + py * vy) / v2).clamp(0.0, set.lookahead_s)
    } else {
        0.0
    };
    let cx = px + vx * tc;
    let cy = py + vy * tc;
    let cpa = Separation {
        horizontal_m: (cx * cx + cy * cy).sqrt(),
        vertical_m: pz + vz * tc,
    };
    let level = grade(now, set).max(grade(cpa, set))?;
    let action = match level {
        ConflictLevel::Advisory => SuggestedAction::Monitor,
        ConflictLevel::Warning if cpa.vertical_m.min(now.vertical_m) < -20.0 => {
            SuggestedAction::Climb
        }
        ConflictLevel::Warning => SuggestedAction::Descend,
    };
    Some(Conflict {
        sysid: own.sysid,
        icao: t.icao,
        callsign: t.callsign.clone(),
        level,
        now,
        cpa,
        cpa_in_s: tc,
        bearing_deg: px.atan2(py).to_degrees().rem_euclid(360.0),
        action,
    })
}

/// Every conflict of every pair, most urgent first.
pub fn evaluate(own: &[Own], targets: &[Target], set: &ConflictSettings) -> Vec<Conflict> {
    let mut out: Vec<Conflict> = own
        .iter()
        .flat_map(|o| targets.iter().filter_map(move |t| check(o, t, set)))
        .collect();
    out.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(a.cpa.horizontal_m.total_cmp(&b.cpa.horizontal_m))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::super::target::{offset, target_at};
    use super::*;

    const HOME: GeoPoint = GeoPoint {
        lat: 36.456,
        lon: 115.985,
    };

    fn hovering(alt: f64) -> Own {
        Own {
            sysid: 1,
            position: HOME,
            alt_amsl_m: alt,
            velocity_en: [0.0, 0.0],
            climb_ms: 0.0,
        }
    }

    #[test]
    fn a_helicopter_heading_at_us_is_a_warning_before_it_arrives() {
        // 1 km west, flying east at 50 m/s, 40 m above: closest approach in 20 s, overhead.
        let heli = target_at(1, offset(HOME, -1000.0, 0.0), 140.0, 90.0, 50.0);
        let c = check(&hovering(100.0), &heli, &ConflictSettings::default()).unwrap();
        assert_eq!(c.level, ConflictLevel::Warning);
        assert!((c.cpa_in_s - 20.0).abs() < 0.1, "{}", c.cpa_in_s);
        assert!(c.cpa.horizontal_m < 1.0);
        assert!((c.now.horizontal_m - 1000.0).abs() < 1.0);
        assert!((c.now.vertical_m - 40.0).abs() < 1e-6);
        assert_eq!(c.action, SuggestedAction::Descend);
        assert!((c.bearing_deg - 270.0).abs() < 0.5, "{}", c.bearing_deg);
    }

    #[test]
    fn passing_aside_is_an_advisory_and_far_or_high_is_nothing() {
        let set = ConflictSettings::default();
        // Passes 200 m north of us at our altitude.
        let aside = target_at(2, offset(HOME, -1000.0, 200.0), 100.0, 90.0, 50.0);
        let c = check(&hovering(100.0), &aside, &set).unwrap();
        assert_eq!(c.level, ConflictLevel::Advisory);
        assert_eq!(c.action, SuggestedAction::Monitor);
        // Same track, 400 m above: vertical separation keeps it clear.
        let high = target_at(3, offset(HOME, -1000.0, 0.0), 500.0, 90.0, 50.0);
        assert!(check(&hovering(100.0), &high, &set).is_none());
        // Flying away, already 500 m off.
        let away = target_at(4, offset(HOME, -500.0, 0.0), 100.0, 270.0, 50.0);
        assert!(check(&hovering(100.0), &away, &set).is_none());
        // Heading at us but the closest approach is beyond the look-ahead.
        let late = target_at(5, offset(HOME, -3000.0, 0.0), 100.0, 90.0, 50.0);
        assert!(check(&hovering(100.0), &late, &set).is_none());
    }

    #[test]
    fn traffic_below_says_climb_and_stale_traffic_is_ignored() {
        let set = ConflictSettings::default();
        let below = target_at(6, offset(HOME, 50.0, 0.0), 40.0, 0.0, 0.0);
        assert_eq!(
            check(&hovering(100.0), &below, &set).unwrap().action,
            SuggestedAction::Climb
        );
        let mut old = below.clone();
        old.stale = true;
        assert!(check(&hovering(100.0), &old, &set).is_none());
    }

    #[test]
    fn settings_are_checked() {
        assert!(ConflictSettings::default().validate().is_ok());
        let bad = ConflictSettings {
            warning_horizontal_m: 500.0,
            ..Default::default()
        };
        assert_eq!(
            bad.validate(),
            Err(ConflictSettingsError::WarningOutsideAdvisory)
        );
        let nan = ConflictSettings {
            lookahead_s: f64::NAN,
            ..Default::default()
        };
        assert!(nan.validate().is_err());
    }
}
