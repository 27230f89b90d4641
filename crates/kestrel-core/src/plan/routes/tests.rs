//! Scenario tests of the route planner: what a planner would notice on the map.

use super::*;
use crate::plan::geo::LocalFrame;
use crate::plan::mission::cmd;

const ORIGIN: GeoPoint = GeoPoint {
    lat: 36.45,
    lon: 115.98,
};

fn frame() -> LocalFrame {
    LocalFrame::new(ORIGIN)
}

fn area(name: &str, cat: Category, pts: &[(f64, f64)]) -> KeyArea {
    let f = frame();
    KeyArea::polygon(
        name,
        cat,
        pts.iter().map(|&(x, y)| f.to_geo(Xy::new(x, y))).collect(),
    )
}

fn rect(name: &str, cat: Category, x0: f64, y0: f64, x1: f64, y1: f64) -> KeyArea {
    area(name, cat, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

fn home_at(x: f64, y: f64) -> GeoPoint {
    frame().to_geo(Xy::new(x, y))
}

fn local(p: GeoPoint) -> Xy {
    frame().to_local(p)
}

#[test]
fn perimeter_loop_is_inset_by_half_the_footprint() {
    let sq = rect("Square", Category::CrowdedPlace, 0.0, 0.0, 400.0, 400.0);
    let req = RouteRequest::new(Pattern::Perimeter, &[sq], home_at(-100.0, -100.0));
    let route = plan_route(&req).unwrap();
    assert_eq!(route.sorties.len(), 1);
    let half = req.aircraft.footprint_m(60.0) / 2.0; // 42 m at 60 m with 70°
    let pts: Vec<Xy> = route.sorties[0]
        .points
        .iter()
        .map(|p| local(p.position))
        .collect();
    assert_eq!(pts.len(), 5, "four corners and back to the first");
    for p in &pts {
        let d = p.x.min(p.y).min(400.0 - p.x).min(400.0 - p.y);
        assert!(
            (d - half).abs() < 0.5,
            "{p:?} is {d} m inside, wanted {half}"
        );
    }
    // Starts at the corner nearest home.
    assert!(pts[0].x < 100.0 && pts[0].y < 100.0);
    let s = route.sorties[0].stats;
    let side = 400.0 - 2.0 * half;
    let out_and_back = 2.0 * local(route.home).dist(pts[0]);
    assert!(
        (s.length_m - 4.0 * side - out_and_back).abs() < 1.0,
        "{}",
        s.length_m
    );
    assert!(s.fits && s.battery_pct > 0.0);
}

#[test]
fn coverage_lanes_run_along_the_long_side_and_avoid_a_no_fly_hole() {
    let field = rect("Park", Category::KeyZone, 0.0, 0.0, 1000.0, 300.0);
    let pad = rect("Helipad", Category::NoFly, 450.0, 100.0, 550.0, 200.0);
    let req = RouteRequest::new(
        Pattern::Coverage,
        &[field, pad.clone()],
        home_at(-50.0, 0.0),
    );
    let route = plan_route(&req).unwrap();
    let pts: Vec<Xy> = route
        .sorties
        .iter()
        .flat_map(|s| s.points.iter().map(|p| local(p.position)))
        .collect();
    // Lanes are horizontal: patrol points come in pairs with equal y.
    let patrol: Vec<&RoutePoint> = route.sorties[0]
        .points
        .iter()
        .filter(|p| matches!(p.role, PointRole::Patrol { .. }))
        .collect();
    assert!(patrol.len() >= 8);
    let a = local(patrol[0].position);
    let b = local(patrol[1].position);
    assert!(
        (a.y - b.y).abs() < 1e-3 && (a.x - b.x).abs() > 300.0,
        "{a:?} {b:?}"
    );
    let zone = pad.polygon_in(&frame()).unwrap().unwrap();
    let h = local(route.home);
    for s in &route.sorties {
        let mut all = vec![h];
        all.extend(s.points.iter().map(|p| local(p.position)));
        all.push(h);
        for w in all.windows(2) {
            assert!(
                zone.segment_distance(w[0], w[1]) >= 9.9,
                "leg {w:?} too close to the helipad"
            );
        }
    }
    assert!(pts.iter().all(|p| p.x > -1.0));
    assert!(route.check().is_empty(), "{:?}", route.check());
}

#[test]
fn long_route_is_split_into_sorties_that_each_fit() {
    let big = rect("District", Category::KeyZone, 0.0, 0.0, 2000.0, 2000.0);
    let mut req = RouteRequest::new(Pattern::Coverage, &[big], home_at(-200.0, -200.0));
    req.aircraft.endurance_min = 15.0;
    let route = plan_route(&req).unwrap();
    assert!(route.sorties.len() >= 3, "{}", route.sorties.len());
    for s in &route.sorties {
        assert!(s.stats.fits, "{:?}", s.stats);
        assert!(s.stats.flight_time_s <= req.aircraft.usable_s() + 1e-6);
    }
    assert!(route.warnings.iter().any(|w| w.contains("split")));
    let plans = route.mission_plans();
    assert_eq!(plans.len(), route.sorties.len());
    for p in &plans {
        assert_eq!(p.mission[0].command, cmd::NAV_TAKEOFF);
        assert_eq!(p.mission.last().unwrap().command, cmd::NAV_RETURN_TO_LAUNCH);
    }
}

#[test]
fn clear_refusals() {
    let sq = rect("Square", Category::CrowdedPlace, 0.0, 0.0, 400.0, 400.0);
    let zone = rect("Prison", Category::NoFly, -500.0, -500.0, -300.0, -300.0);
    let req = RouteRequest::new(
        Pattern::Perimeter,
        &[sq.clone(), zone.clone()],
        home_at(-400.0, -400.0),
    );
    assert_eq!(
        plan_route(&req).unwrap_err(),
        RouteError::HomeInNoFly("Prison".into())
    );

    let mut req = RouteRequest::new(
        Pattern::Perimeter,
        std::slice::from_ref(&sq),
        home_at(-100.0, 0.0),
    );
    req.options.alt_m = 150.0;
    assert!(plan_route(&req)
        .unwrap_err()
        .to_string()
        .contains("above the 120 m ceiling"));

    let far = rect("Far", Category::KeyZone, 20_000.0, 0.0, 20_100.0, 100.0);
    let req = RouteRequest::new(Pattern::Tour, &[far], home_at(0.0, 0.0));
    assert!(matches!(
        plan_route(&req).unwrap_err(),
        RouteError::TooFar { .. }
    ));

    let cam = KeyArea::point("Cam", Category::Camera, home_at(100.0, 100.0));
    let over = rect("Over", Category::NoFly, 50.0, 50.0, 150.0, 150.0);
    let req = RouteRequest::new(Pattern::Orbit, &[cam, over], home_at(0.0, 0.0));
    let e = plan_route(&req).unwrap_err().to_string();
    assert!(
        e.contains("'Cam'") && e.contains("inside no-fly zone 'Over'"),
        "{e}"
    );
}

#[test]
fn orbit_becomes_loiter_items_and_no_fly_becomes_geofence() {
    let cam = KeyArea::point("Gate", Category::Camera, home_at(300.0, 0.0));
    let zone = rect("Pad", Category::NoFly, 100.0, -50.0, 200.0, 50.0);
    let mut req = RouteRequest::new(Pattern::Orbit, &[cam, zone], home_at(0.0, 0.0));
    req.options.orbit_s = 90.0;
    let route = plan_route(&req).unwrap();
    let plan = &route.mission_plans()[0];
    let loiter = plan
        .mission
        .iter()
        .find(|m| m.command == cmd::NAV_LOITER_TIME)
        .unwrap();
    assert_eq!(loiter.params[0], 90.0);
    // The straight way to the gate crosses the pad: transit points go around it.
    assert!(route.sorties[0].points.len() > 1);
    assert_eq!(plan.fence.len(), 4);
    assert!(plan
        .fence
        .iter()
        .all(|f| f.command == cmd::FENCE_POLYGON_VERTEX_EXCLUSION && f.params[0] == 4.0));
    // Through a .plan file and back: the same points and the no-fly zone.
    let text = crate::plan::qgc::write(plan);
    let back = route_from_plan(
        &crate::plan::qgc::parse(&text).unwrap(),
        route.aircraft,
        route.options,
    );
    assert_eq!(back.sorties[0].points.len(), route.sorties[0].points.len());
    assert_eq!(back.no_fly.len(), 1);
    assert!(
        (back.sorties[0].stats.flight_time_s - route.sorties[0].stats.flight_time_s).abs() < 1.0
    );
}

#[test]
fn tour_visits_every_area_once_in_a_short_order() {
    let mut areas = Vec::new();
    for (i, &(x, y)) in [
        (1000.0, 0.0),
        (0.0, 1000.0),
        (1000.0, 1000.0),
        (500.0, 1200.0),
        (1200.0, 500.0),
    ]
    .iter()
    .enumerate()
    {
        areas.push(rect(
            &format!("A{i}"),
            Category::KeyZone,
            x,
            y,
            x + 100.0,
            y + 100.0,
        ));
    }
    let mut req = RouteRequest::new(Pattern::Tour, &areas, home_at(0.0, 0.0));
    req.aircraft.endurance_min = 60.0;
    let route = plan_route(&req).unwrap();
    assert_eq!(route.sorties.len(), 1);
    let mut names = route.areas.clone();
    names.sort();
    assert_eq!(names, vec!["A0", "A1", "A2", "A3", "A4"]);
    // A sensible loop: first and last areas are the two near home (A0 and A1).
    let ends = [route.areas[0].as_str(), route.areas[4].as_str()];
    assert!(
        ends.contains(&"A0") && ends.contains(&"A1"),
        "{:?}",
        route.areas
    );
}

#[test]
fn dragging_a_waypoint_into_a_no_fly_zone_is_reported() {
    let sq = rect("Square", Category::CrowdedPlace, 0.0, 0.0, 400.0, 400.0);
    let zone = rect("Pad", Category::NoFly, 600.0, 0.0, 700.0, 100.0);
    let req = RouteRequest::new(Pattern::Perimeter, &[sq, zone], home_at(-100.0, 0.0));
    let mut route = plan_route(&req).unwrap();
    assert!(route.check().is_empty());
    let before = route.sorties[0].stats.length_m;
    let issues = route.move_point(0, 1, home_at(650.0, 50.0));
    assert!(
        issues
            .iter()
            .any(|i| matches!(i, RouteIssue::CrossesNoFly { zone, .. } if zone == "Pad")),
        "{issues:?}"
    );
    assert!(route.sorties[0].stats.length_m > before);
    let issues = route.set_point_alt(0, 0, 200.0);
    assert!(issues
        .iter()
        .any(|i| matches!(i, RouteIssue::AboveCeiling { .. })));
    // Dropping the dragged point and fixing the altitude makes the route clean again.
    route.remove_point(0, 1);
    assert!(route.set_point_alt(0, 0, 60.0).is_empty());
    let n = route.sorties[0].points.len();
    let extra = RoutePoint {
        position: home_at(200.0, 200.0),
        alt_m: 60.0,
        role: PointRole::Transit,
        loiter: None,
    };
    assert!(route.insert_point(0, 99, extra).is_empty());
    assert_eq!(route.sorties[0].points.len(), n + 1);
}
