//! The ground under a flight path: a profile of terrain height and the aircraft's clearance
//! above it, sampled along every leg, and where the clearance falls below what the crew set.
//! Works on plain waypoints so patrol routes and `.plan` files (in `plan/`) both use it.

use crate::geo::GeoPoint;

use super::{Terrain, TerrainError};

/// How a waypoint's altitude is meant.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "ref", content = "m", rename_all = "snake_case")]
pub enum Altitude {
    /// Metres above the home position (MAV_FRAME_GLOBAL_RELATIVE_ALT).
    AboveHome(f64),
    /// Metres above mean sea level (MAV_FRAME_GLOBAL).
    Amsl(f64),
    /// Metres above the ground under the waypoint (MAV_FRAME_GLOBAL_TERRAIN_ALT).
    AboveTerrain(f64),
}

/// One point of the path to profile.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ProfileWaypoint {
    /// Where.
    pub position: GeoPoint,
    /// How high.
    pub alt: Altitude,
}

/// One sample of the profile.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ProfileSample {
    /// Distance flown from the first waypoint, metres.
    pub distance_m: f64,
    /// Where.
    pub position: GeoPoint,
    /// Index of the leg (0 = first waypoint to second).
    pub leg: usize,
    /// Ground height, metres AMSL.
    pub ground_m: f64,
    /// Aircraft altitude, metres AMSL.
    pub aircraft_m: f64,
    /// Aircraft above the ground, metres.
    pub clearance_m: f64,
}

/// The ground along a path and the aircraft's clearance above it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TerrainProfile {
    /// Ground height at home, metres AMSL (what "above home" altitudes add to).
    pub home_ground_m: f64,
    /// Samples along the path, at most `step_m` apart, including every waypoint.
    pub samples: Vec<ProfileSample>,
}

/// A stretch of the path where the aircraft is closer to the ground than allowed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClearanceWarning {
    /// Leg of the lowest point (0 = first waypoint to second).
    pub leg: usize,
    /// Distance of the lowest point from the start, metres.
    pub distance_m: f64,
    /// Where the lowest point is.
    pub position: GeoPoint,
    /// Lowest clearance on this stretch, metres (negative: into the ground).
    pub clearance_m: f64,
    /// Length of the stretch below the limit, metres.
    pub length_m: f64,
}

impl std::fmt::Display for ClearanceWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "leg {}: only {:.0} m above the ground at {:.6}, {:.6} ({:.0} m along the route, {:.0} m of it too low)",
            self.leg + 1,
            self.clearance_m,
            self.position.lat,
            self.position.lon,
            self.distance_m,
            self.length_m
        )
    }
}

fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let r = 6_371_008.8;
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dl = (b.lon - a.lon).to_radians();
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Profiles a path flown from `home`: samples every `step_m` metres (at least 1 m) along each
/// leg. Between two above-terrain waypoints the aircraft follows the ground; otherwise it
/// climbs or descends evenly between the waypoints' altitudes. A missing tile anywhere under
/// the path is an error that names it.
pub fn profile(
    home: GeoPoint,
    waypoints: &[ProfileWaypoint],
    terrain: &dyn Terrain,
    step_m: f64,
) -> Result<TerrainProfile, TerrainError> {
    let step = if step_m.is_finite() {
        step_m.max(1.0)
    } else {
        30.0
    };
    let home_ground = terrain.height_amsl(home.lat, home.lon)?;
    let amsl = |wp: &ProfileWaypoint, ground: f64| match wp.alt {
        Altitude::AboveHome(h) => home_ground + h,
        Altitude::Amsl(h) => h,
        Altitude::AboveTerrain(h) => ground + h,
    };
    let mut samples = Vec::new();
    let mut flown = 0.0;
    for (leg, pair) in waypoints.windows(2).enumerate() {
        let (a, b) = (pair[0], pair[1]);
        let ga = terrain.height_amsl(a.position.lat, a.position.lon)?;
        let gb = terrain.height_amsl(b.position.lat, b.position.lon)?;
        let (alt_a, alt_b) = (amsl(&a, ga), amsl(&b, gb));
        let follow = match (a.alt, b.alt) {
            (Altitude::AboveTerrain(ha), Altitude::AboveTerrain(hb)) => Some((ha, hb)),
            _ => None,
        };
        let len = distance_m(a.position, b.position);
        let n = ((len / step).ceil() as usize).clamp(1, 100_000);
        let first = if leg == 0 { 0 } else { 1 };
        for i in first..=n {
            let t = i as f64 / n as f64;
            let p = GeoPoint {
                lat: a.position.lat + (b.position.lat - a.position.lat) * t,
                lon: a.position.lon + (b.position.lon - a.position.lon) * t,
            };
            let ground = terrain.height_amsl(p.lat, p.lon)?;
            let aircraft = match follow {
                Some((ha, hb)) => ground + ha + (hb - ha) * t,
                None => alt_a + (alt_b - alt_a) * t,
            };
            samples.push(ProfileSample {
                distance_m: flown + len * t,
                position: p,
                leg,
                ground_m: ground,
                aircraft_m: aircraft,
                clearance_m: aircraft - ground,
            });
        }
        flown += len;
    }
    if samples.is_empty() {
        if let Some(wp) = waypoints.first() {
            let ground = terrain.height_amsl(wp.position.lat, wp.position.lon)?;
            let aircraft = amsl(wp, ground);
            samples.push(ProfileSample {
                distance_m: 0.0,
                position: wp.position,
                leg: 0,
                ground_m: ground,
                aircraft_m: aircraft,
                clearance_m: aircraft - ground,
            });
        }
    }
    Ok(TerrainProfile {
        home_ground_m: home_ground,
        samples,
    })
}

impl TerrainProfile {
    /// The lowest clearance along the path and where it is.
    pub fn min_clearance(&self) -> Option<&ProfileSample> {
        self.samples
            .iter()
            .min_by(|a, b| a.clearance_m.total_cmp(&b.clearance_m))
    }

    /// The highest ground under the path, metres AMSL.
    pub fn max_ground_m(&self) -> Option<f64> {
        self.samples.iter().map(|s| s.ground_m).reduce(f64::max)
    }

    /// Every stretch where the clearance is below `min_m`, each with its lowest point.
    pub fn below(&self, min_m: f64) -> Vec<ClearanceWarning> {
        let mut out: Vec<ClearanceWarning> = Vec::new();
        let mut open: Option<(ClearanceWarning, f64)> = None;
        for s in &self.samples {
            if s.clearance_m < min_m {
                let (w, start) = open.get_or_insert((
                    ClearanceWarning {
                        leg: s.leg,
                        distance_m: s.distance_m,
                        position: s.position,
                        clearance_m: s.clearance_m,
                        length_m: 0.0,
                    },
                    s.distance_m,
                ));
                if s.clearance_m < w.clearance_m {
                    w.leg = s.leg;
                    w.distance_m = s.distance_m;
                    w.position = s.position;
                    w.clearance_m = s.clearance_m;
                }
                w.length_m = s.distance_m - *start;
            } else if let Some((w, _)) = open.take() {
                out.push(w);
            }
        }
        if let Some((w, _)) = open {
            out.push(w);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 100 m hill, 200 m across, at 36.5, 116.5; flat ground at 50 m elsewhere.
    struct Hill;
    impl Terrain for Hill {
        fn height_amsl(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
            let d = distance_m(
                GeoPoint { lat, lon },
                GeoPoint {
                    lat: 36.5,
                    lon: 116.5,
                },
            );
            Ok(50.0 + (100.0 - d).max(0.0))
        }
    }

    fn wp(lon: f64, alt: Altitude) -> ProfileWaypoint {
        ProfileWaypoint {
            position: GeoPoint { lat: 36.5, lon },
            alt,
        }
    }

    #[test]
    fn a_leg_over_the_hill_is_flagged_at_its_top() {
        let home = GeoPoint {
            lat: 36.5,
            lon: 116.49,
        };
        let path = [
            wp(116.49, Altitude::AboveHome(60.0)),
            wp(116.51, Altitude::AboveHome(60.0)),
        ];
        let p = profile(home, &path, &Hill, 10.0).unwrap();
        let low = p.min_clearance().unwrap();
        assert!((low.clearance_m - (-40.0)).abs() < 6.0, "{low:?}");
        assert!((low.position.lon - 116.5).abs() < 0.0002);
        let w = p.below(30.0);
        assert_eq!(w.len(), 1);
        assert!(w[0].length_m > 100.0 && w[0].length_m < 200.0, "{:?}", w[0]);
        assert!(p.below(-50.0).is_empty());
    }

    #[test]
    fn terrain_following_legs_keep_their_clearance() {
        let home = GeoPoint {
            lat: 36.5,
            lon: 116.49,
        };
        let path = [
            wp(116.49, Altitude::AboveTerrain(40.0)),
            wp(116.51, Altitude::AboveTerrain(40.0)),
        ];
        let p = profile(home, &path, &Hill, 10.0).unwrap();
        assert!(p
            .samples
            .iter()
            .all(|s| (s.clearance_m - 40.0).abs() < 1e-6));
        let top = p.max_ground_m().unwrap();
        assert!(top > 140.0 && top <= 150.0, "{top}");
    }
}
