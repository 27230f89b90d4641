//! Routes as mission plans: each sortie becomes takeoff, waypoints (and loiters), return to
//! launch; no-fly zones go in the geofence as exclusion polygons, rally points as rally points.
//! A QGroundControl `.plan` read back becomes a route again (for checking and editing).

use super::{
    Loiter, PatrolRoute, Pattern, Performance, PointRole, RouteOptions, RoutePoint, RouteSortie,
};
use crate::geo::GeoPoint;
use crate::plan::areas::{Category, KeyArea, Shape};
use crate::plan::geo::LocalFrame;
use crate::plan::mission::{cmd, frame, MissionItem, MissionPlan};

fn point_item(p: &RoutePoint) -> MissionItem {
    let (lat, lon, alt) = (p.position.lat, p.position.lon, p.alt_m as f32);
    match p.loiter {
        None => MissionItem::waypoint(lat, lon, alt),
        Some(Loiter::Time { seconds, radius_m }) => {
            let mut it = MissionItem::nav(cmd::NAV_LOITER_TIME, lat, lon, alt);
            it.params[0] = seconds as f32;
            it.params[2] = radius_m as f32;
            it
        }
        Some(Loiter::Turns { turns, radius_m }) => {
            let mut it = MissionItem::nav(cmd::NAV_LOITER_TURNS, lat, lon, alt);
            it.params[0] = turns as f32;
            it.params[2] = radius_m as f32;
            it
        }
    }
}

/// Geofence exclusion polygons for no-fly zones.
pub fn fence_items(no_fly: &[KeyArea]) -> Vec<MissionItem> {
    let mut out = Vec::new();
    for z in no_fly {
        if let Shape::Polygon { outer, .. } = &z.shape {
            for v in outer {
                let mut it =
                    MissionItem::nav(cmd::FENCE_POLYGON_VERTEX_EXCLUSION, v.lat, v.lon, 0.0);
                it.frame = frame::GLOBAL;
                it.params[0] = outer.len() as f32;
                out.push(it);
            }
        }
    }
    out
}

impl PatrolRoute {
    /// One mission plan per sortie: takeoff, the points, return to launch; the no-fly zones as
    /// geofence exclusions; the rally points.
    pub fn mission_plans(&self) -> Vec<MissionPlan> {
        self.sorties.iter().map(|s| self.sortie_plan(s)).collect()
    }

    fn sortie_plan(&self, s: &RouteSortie) -> MissionPlan {
        let first_alt = s.points.first().map_or(self.options.alt_m, |p| p.alt_m) as f32;
        let mut mission = Vec::with_capacity(s.points.len() + 2);
        mission.push(MissionItem::nav(
            cmd::NAV_TAKEOFF,
            self.home.lat,
            self.home.lon,
            first_alt,
        ));
        mission.extend(s.points.iter().map(point_item));
        // Relative-altitude frame with no position, as Mission Planner writes it: accepted by
        // ArduPilot and by strict autopilots that want a global frame on every nav item.
        mission.push(MissionItem::nav(cmd::NAV_RETURN_TO_LAUNCH, 0.0, 0.0, 0.0));
        let rally = self
            .rally
            .iter()
            .map(|r| MissionItem::nav(cmd::RALLY_POINT, r.lat, r.lon, first_alt))
            .collect();
        MissionPlan {
            home: Some((self.home.lat, self.home.lon, 0.0)),
            mission,
            fence: fence_items(&self.no_fly),
            rally,
        }
    }
}

/// No-fly zones from a plan's geofence: exclusion polygons (and circles, as 32-sided polygons),
/// named `fence 1`, `fence 2`, …
pub fn no_fly_from_fence(plan: &MissionPlan) -> Vec<KeyArea> {
    let mut out = Vec::new();
    let mut i = 0;
    let fence = &plan.fence;
    while i < fence.len() {
        let it = &fence[i];
        match it.command {
            cmd::FENCE_POLYGON_VERTEX_EXCLUSION | cmd::FENCE_POLYGON_VERTEX_INCLUSION => {
                let n = (it.params[0].max(1.0) as usize).min(fence.len() - i);
                if it.command == cmd::FENCE_POLYGON_VERTEX_EXCLUSION {
                    let outer = fence[i..i + n]
                        .iter()
                        .map(|v| GeoPoint { lat: v.x, lon: v.y })
                        .collect();
                    out.push(KeyArea::polygon(
                        &format!("fence {}", out.len() + 1),
                        Category::NoFly,
                        outer,
                    ));
                }
                i += n;
            }
            cmd::FENCE_CIRCLE_EXCLUSION => {
                let c = GeoPoint {
                    lat: it.x,
                    lon: it.y,
                };
                let f = LocalFrame::new(c);
                let r = f64::from(it.params[0]);
                let outer = (0..32)
                    .map(|k| {
                        let a = k as f64 * std::f64::consts::TAU / 32.0;
                        // Circumscribed so the polygon covers the whole circle.
                        let rr = r / (std::f64::consts::PI / 32.0).cos();
                        f.to_geo(crate::plan::geo::Xy::new(a.cos() * rr, a.sin() * rr))
                    })
                    .collect();
                out.push(KeyArea::polygon(
                    &format!("fence {}", out.len() + 1),
                    Category::NoFly,
                    outer,
                ));
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A route read back from a mission plan (e.g. a QGroundControl `.plan`): positional mission
/// items become points, exclusion fences no-fly zones; figures are computed for `aircraft`.
pub fn route_from_plan(
    plan: &MissionPlan,
    aircraft: Performance,
    options: RouteOptions,
) -> PatrolRoute {
    let home = plan
        .home
        .map(|(lat, lon, _)| GeoPoint { lat, lon })
        .or_else(|| {
            plan.mission
                .iter()
                .find(|m| m.is_global() && (m.x != 0.0 || m.y != 0.0))
                .map(|m| GeoPoint { lat: m.x, lon: m.y })
        })
        .unwrap_or(GeoPoint { lat: 0.0, lon: 0.0 });
    let points = plan
        .mission
        .iter()
        .filter(|m| {
            m.is_global()
                && matches!(
                    m.command,
                    cmd::NAV_WAYPOINT | cmd::NAV_LOITER_TIME | cmd::NAV_LOITER_TURNS
                )
        })
        .map(|m| RoutePoint {
            position: GeoPoint { lat: m.x, lon: m.y },
            alt_m: f64::from(m.z),
            role: PointRole::Transit,
            loiter: match m.command {
                cmd::NAV_LOITER_TIME => Some(Loiter::Time {
                    seconds: f64::from(m.params[0]),
                    radius_m: f64::from(m.params[2]).max(0.0),
                }),
                cmd::NAV_LOITER_TURNS => Some(Loiter::Turns {
                    turns: f64::from(m.params[0]),
                    radius_m: f64::from(m.params[2]).abs(),
                }),
                _ => None,
            },
        })
        .collect();
    let mut route = PatrolRoute {
        pattern: Pattern::Tour,
        home,
        sorties: vec![RouteSortie {
            points,
            stats: Default::default(),
        }],
        areas: Vec::new(),
        no_fly: no_fly_from_fence(plan),
        rally: plan
            .rally
            .iter()
            .map(|r| GeoPoint { lat: r.x, lon: r.y })
            .collect(),
        aircraft,
        options,
        warnings: Vec::new(),
    };
    route.refresh_stats();
    route
}
