//! Plans and patrol routes over the ground: their waypoints as the terrain profile reads them
//! (altitude frames turned into above-home / AMSL / above-terrain), so `kestrel plan check` and
//! the planner can show the ground under the route and warn where the clearance is too small.

use crate::geo::GeoPoint;
use crate::terrain::profile::{profile, Altitude, ProfileWaypoint, TerrainProfile};
use crate::terrain::{Terrain, TerrainError};

use super::mission::{is_global_frame, MissionPlan};
use super::routes::PatrolRoute;

/// MAV_CMD numbers below this are navigation commands (the aircraft flies to x/y/z).
const NAV_LAST: u16 = 95;

/// The mission's positioned navigation items as profile waypoints, and the home they start from
/// (the planned home, else the first waypoint).
pub fn plan_waypoints(plan: &MissionPlan) -> (GeoPoint, Vec<ProfileWaypoint>) {
    let points: Vec<ProfileWaypoint> = plan
        .mission
        .iter()
        .filter(|m| {
            is_global_frame(m.frame)
                && m.command < NAV_LAST
                && (m.x != 0.0 || m.y != 0.0)
                && m.z.is_finite()
        })
        .map(|m| ProfileWaypoint {
            position: GeoPoint { lat: m.x, lon: m.y },
            alt: match m.frame {
                0 | 5 => Altitude::Amsl(f64::from(m.z)),
                10 | 11 => Altitude::AboveTerrain(f64::from(m.z)),
                _ => Altitude::AboveHome(f64::from(m.z)),
            },
        })
        .collect();
    let home = plan
        .home
        .map(|(lat, lon, _)| GeoPoint { lat, lon })
        .filter(|h| h.lat != 0.0 || h.lon != 0.0)
        .or_else(|| points.first().map(|p| p.position))
        .unwrap_or(GeoPoint { lat: 0.0, lon: 0.0 });
    (home, points)
}

/// The terrain profile of a plan's mission, sampled every `step_m` metres.
pub fn plan_profile(
    plan: &MissionPlan,
    terrain: &dyn Terrain,
    step_m: f64,
) -> Result<TerrainProfile, TerrainError> {
    let (home, points) = plan_waypoints(plan);
    profile(home, &points, terrain, step_m)
}

/// The terrain profile of each sortie of a patrol route (altitudes are above home).
pub fn route_profiles(
    route: &PatrolRoute,
    terrain: &dyn Terrain,
    step_m: f64,
) -> Result<Vec<TerrainProfile>, TerrainError> {
    route
        .sorties
        .iter()
        .map(|s| {
            let points: Vec<ProfileWaypoint> = s
                .points
                .iter()
                .map(|p| ProfileWaypoint {
                    position: p.position,
                    alt: Altitude::AboveHome(p.alt_m),
                })
                .collect();
            profile(route.home, &points, terrain, step_m)
        })
        .collect()
}
