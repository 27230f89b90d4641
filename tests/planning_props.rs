//! Property tests of the route planner on random concave areas and random no-fly zones: every
//! patrol waypoint lies in its area, no leg enters a no-fly zone, coverage lanes see at least
//! 98 % of the area, and every sortie of a split route fits the endurance with its reserve.

use kestrel::geo::GeoPoint;
use kestrel::plan::areas::{Category, KeyArea};
use kestrel::plan::geo::{dist_point_segment, LocalFrame, Polygon, Xy};
use kestrel::plan::routes::{
    plan_route, PatrolRoute, Pattern, PointRole, RouteError, RouteRequest,
};
use proptest::prelude::*;

const ORIGIN: GeoPoint = GeoPoint {
    lat: 48.137,
    lon: 11.575,
};

fn frame() -> LocalFrame {
    LocalFrame::new(ORIGIN)
}

/// A star-shaped (usually concave) polygon: radii around a centre at increasing angles.
fn star(cx: f64, cy: f64, radii: &[f64], jitter: &[f64]) -> Vec<Xy> {
    let n = radii.len();
    (0..n)
        .map(|i| {
            let a = (i as f64 + 0.8 * jitter[i]) * std::f64::consts::TAU / n as f64;
            Xy::new(cx + radii[i] * a.cos(), cy + radii[i] * a.sin())
        })
        .collect()
}

fn to_area(name: &str, cat: Category, ring: &[Xy]) -> KeyArea {
    let f = frame();
    KeyArea::polygon(name, cat, ring.iter().map(|p| f.to_geo(*p)).collect())
}

#[derive(Debug, Clone)]
struct Scene {
    area: Vec<Xy>,
    zones: Vec<Vec<Xy>>,
    alt: f64,
    hfov: f64,
    endurance: f64,
}

fn scene() -> impl Strategy<Value = Scene> {
    let area = (150.0..600.0f64, 6..14usize).prop_flat_map(|(r, n)| {
        (
            prop::collection::vec(0.45..1.0f64, n),
            prop::collection::vec(-0.3..0.3f64, n),
        )
            .prop_map(move |(k, j)| {
                star(0.0, 0.0, &k.iter().map(|k| k * r).collect::<Vec<_>>(), &j)
            })
    });
    let zone = (
        -500.0..500.0f64,
        -500.0..500.0f64,
        25.0..110.0f64,
        4..8usize,
    )
        .prop_flat_map(|(x, y, r, n)| {
            (
                prop::collection::vec(0.6..1.0f64, n),
                prop::collection::vec(-0.2..0.2f64, n),
            )
                .prop_map(move |(k, j)| {
                    star(x, y, &k.iter().map(|k| k * r).collect::<Vec<_>>(), &j)
                })
        });
    (
        area,
        prop::collection::vec(zone, 0..4),
        30.0..100.0f64,
        55.0..90.0f64,
        6.0..30.0f64,
    )
        .prop_map(|(area, zones, alt, hfov, endurance)| Scene {
            area,
            zones,
            alt,
            hfov,
            endurance,
        })
}

fn plan(s: &Scene, pattern: Pattern) -> Result<(PatrolRoute, RouteRequest), RouteError> {
    let mut areas = vec![to_area("Area", Category::KeyZone, &s.area)];
    for (i, z) in s.zones.iter().enumerate() {
        areas.push(to_area(&format!("Zone {i}"), Category::NoFly, z));
    }
    let home = frame().to_geo(Xy::new(-900.0, -900.0));
    let mut req = RouteRequest::new(pattern, &areas, home);
    req.options.alt_m = s.alt;
    req.aircraft.hfov_deg = s.hfov;
    req.aircraft.endurance_min = s.endurance;
    plan_route(&req).map(|r| (r, req))
}

fn local_polys(list: &[Vec<Xy>]) -> Vec<Polygon> {
    list.iter()
        .map(|z| Polygon::simple(z).expect("generated zones are simple"))
        .collect()
}

/// Every leg of every sortie (home → points → home) in local coordinates.
fn legs(route: &PatrolRoute) -> Vec<(Xy, Xy)> {
    let f = frame();
    let h = f.to_local(route.home);
    let mut out = Vec::new();
    for s in &route.sorties {
        let mut pts = vec![h];
        pts.extend(s.points.iter().map(|p| f.to_local(p.position)));
        pts.push(h);
        out.extend(pts.windows(2).map(|w| (w[0], w[1])));
    }
    out
}

fn check_common(route: &PatrolRoute, req: &RouteRequest, s: &Scene) -> Result<(), TestCaseError> {
    check_route(
        route,
        req,
        &[("Area".to_string(), s.area.clone())],
        &s.zones,
    )
}

/// Patrol points inside their own area, legs clear of zones, sorties within the endurance.
fn check_route(
    route: &PatrolRoute,
    req: &RouteRequest,
    areas: &[(String, Vec<Xy>)],
    zones: &[Vec<Xy>],
) -> Result<(), TestCaseError> {
    let f = frame();
    let zones = local_polys(zones);
    for sortie in &route.sorties {
        for p in &sortie.points {
            let q = f.to_local(p.position);
            if let PointRole::Patrol { area: name } = &p.role {
                let ring = &areas
                    .iter()
                    .find(|(n, _)| n == name)
                    .expect("a known area")
                    .1;
                let area = Polygon::simple(ring).expect("generated areas are simple");
                prop_assert!(
                    area.contains(q),
                    "patrol point {:?} outside its area {}",
                    q,
                    name
                );
            }
            prop_assert!(p.alt_m <= req.options.ceiling_m);
        }
        // Every sortie fits the endurance with its reserve.
        prop_assert!(
            sortie.stats.fits,
            "sortie needs {} s of {}",
            sortie.stats.flight_time_s,
            sortie.stats.usable_s
        );
        prop_assert!(sortie.stats.flight_time_s <= req.aircraft.usable_s() + 1e-6);
    }
    for (a, b) in legs(route) {
        for (i, z) in zones.iter().enumerate() {
            prop_assert!(
                z.segment_distance(a, b) > 0.0,
                "leg {:?}→{:?} enters zone {}",
                a,
                b,
                i
            );
        }
    }
    prop_assert!(route.check().is_empty(), "{:?}", route.check());
    Ok(())
}

/// A refusal the planner may rightly give for a random scene (the area swallowed by zones, or
/// out of range of a small battery).
fn acceptable(e: &RouteError) -> bool {
    matches!(
        e,
        RouteError::TooFar { .. } | RouteError::Unreachable { .. } | RouteError::NoTargets
    )
}

fn tour_scene() -> impl Strategy<Value = (Vec<Vec<Xy>>, Vec<Vec<Xy>>, f64)> {
    let blob = |rmin: f64, rmax: f64, span: f64| {
        (-span..span, -span..span, rmin..rmax, 4..9usize).prop_flat_map(|(x, y, r, n)| {
            (
                prop::collection::vec(0.5..1.0f64, n),
                prop::collection::vec(-0.25..0.25f64, n),
            )
                .prop_map(move |(k, j)| {
                    star(x, y, &k.iter().map(|k| k * r).collect::<Vec<_>>(), &j)
                })
        })
    };
    (
        prop::collection::vec(blob(60.0, 250.0, 2500.0), 2..7),
        prop::collection::vec(blob(50.0, 400.0, 2500.0), 0..5),
        12.0..40.0f64,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, max_global_rejects: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn perimeter_routes_stay_in_the_area_and_out_of_no_fly_zones(s in scene()) {
        match plan(&s, Pattern::Perimeter) {
            Ok((route, req)) => check_common(&route, &req, &s)?,
            Err(e) => {
                prop_assert!(acceptable(&e), "unexpected refusal: {}", e);
                return Err(TestCaseError::reject(e.to_string()));
            }
        }
    }

    #[test]
    fn coverage_lanes_see_the_area_and_split_sorties_fit(s in scene()) {
        let (route, req) = match plan(&s, Pattern::Coverage) {
            Ok(ok) => ok,
            Err(e) => {
                prop_assert!(acceptable(&e), "unexpected refusal: {}", e);
                return Err(TestCaseError::reject(e.to_string()));
            }
        };
        check_common(&route, &req, &s)?;
        // Coverage: sample the area on a grid, leaving out the no-fly zones with the margin the
        // aircraft keeps from them (no route may go there); a sample is seen when it is within
        // half the footprint of a leg flown at patrol altitude (between a sortie's first and
        // last point; the legs from and to home are climbs and descents).
        let f = frame();
        let area = Polygon::simple(&s.area).unwrap();
        let zones = local_polys(&s.zones);
        let half = req.aircraft.footprint_m(s.alt) / 2.0;
        let mut swaths = Vec::new();
        for sortie in &route.sorties {
            for w in sortie.points.windows(2) {
                swaths.push((f.to_local(w[0].position), f.to_local(w[1].position)));
            }
            if let [only] = sortie.points.as_slice() {
                let p = f.to_local(only.position);
                swaths.push((p, p));
            }
        }
        let (lo, hi) = area.bbox();
        let step = ((hi.x - lo.x).max(hi.y - lo.y) / 60.0).max(2.0);
        let (mut total, mut seen) = (0usize, 0usize);
        let mut y = lo.y + step / 2.0;
        while y < hi.y {
            let mut x = lo.x + step / 2.0;
            while x < hi.x {
                let p = Xy::new(x, y);
                if area.contains(p) && zones.iter().all(|z| z.point_distance(p) > req.options.nofly_margin_m) {
                    total += 1;
                    if swaths.iter().any(|(a, b)| dist_point_segment(p, *a, *b) <= half) {
                        seen += 1;
                    }
                }
                x += step;
            }
            y += step;
        }
        prop_assume!(total > 50);
        let share = seen as f64 / total as f64;
        prop_assert!(share >= 0.98, "coverage {:.3} ({} of {} samples)", share, seen, total);
    }

    #[test]
    fn tours_visit_each_area_inside_it_and_go_around_no_fly_zones(
        (areas, zones, endurance) in tour_scene(),
        pattern in prop_oneof![Just(Pattern::Tour), Just(Pattern::Perimeter), Just(Pattern::Orbit)],
    ) {
        let named: Vec<(String, Vec<Xy>)> = areas.iter().enumerate().map(|(i, a)| (format!("A{i}"), a.clone())).collect();
        let mut list: Vec<KeyArea> = named.iter().map(|(n, r)| to_area(n, Category::CrowdedPlace, r)).collect();
        for (i, z) in zones.iter().enumerate() {
            list.push(to_area(&format!("Zone {i}"), Category::NoFly, z));
        }
        let home = frame().to_geo(Xy::new(0.0, -3200.0));
        let mut req = RouteRequest::new(pattern, &list, home);
        req.aircraft.endurance_min = endurance;
        req.options.dwell_s = 20.0;
        match plan_route(&req) {
            Ok(route) => {
                check_route(&route, &req, &named, &zones)?;
                let mut visited = route.areas.clone();
                visited.sort();
                let mut all: Vec<String> = named.iter().map(|(n, _)| n.clone()).collect();
                all.sort();
                prop_assert_eq!(visited, all);
            }
            Err(e) => {
                prop_assert!(acceptable(&e), "unexpected refusal: {}", e);
                return Err(TestCaseError::reject(e.to_string()));
            }
        }
    }
}
