//! Planning benchmarks: coverage of a 1 km² area with 3 no-fly holes (target ≤ 20 ms), a tour
//! over 30 key areas (≤ 50 ms), and a schedule for 10 teams, 40 areas and 12 hours (≤ 1 s).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use kestrel::geo::GeoPoint;
use kestrel::plan::areas::{Category, KeyArea};
use kestrel::plan::geo::{LocalFrame, Xy};
use kestrel::plan::routes::{plan_route, Pattern, RouteRequest};
use kestrel::plan::schedule::{schedule, ScheduleRequest, ScheduleTeam};

const HOME: GeoPoint = GeoPoint {
    lat: 36.456,
    lon: 115.985,
};

fn poly(name: &str, cat: Category, pts: &[Xy]) -> KeyArea {
    let f = LocalFrame::new(HOME);
    KeyArea::polygon(name, cat, pts.iter().map(|p| f.to_geo(*p)).collect())
}

/// A small irregular polygon around a centre (deterministic "random" radii).
fn blob(cx: f64, cy: f64, r: f64, n: usize, seed: u64) -> Vec<Xy> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / n as f64;
            let k = 0.7 + 0.3 * rng.f64();
            Xy::new(cx + a.cos() * r * k, cy + a.sin() * r * k)
        })
        .collect()
}

fn coverage_request() -> RouteRequest {
    let square = [
        Xy::new(100.0, 100.0),
        Xy::new(1100.0, 100.0),
        Xy::new(1100.0, 1100.0),
        Xy::new(100.0, 1100.0),
    ];
    let mut areas = vec![poly("District", Category::KeyZone, &square)];
    for (i, (x, y)) in [(400.0, 400.0), (800.0, 500.0), (550.0, 850.0)]
        .into_iter()
        .enumerate()
    {
        areas.push(poly(
            &format!("No-fly {i}"),
            Category::NoFly,
            &blob(x, y, 90.0, 8, i as u64),
        ));
    }
    RouteRequest::new(Pattern::Coverage, &areas, HOME)
}

fn scattered_areas(n: usize, span: f64, seed: u64) -> Vec<KeyArea> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::new();
    while out.len() < n {
        let (x, y) = ((rng.f64() - 0.5) * span, (rng.f64() - 0.5) * span);
        if x.hypot(y) < 400.0 {
            continue;
        }
        let mut a = poly(
            &format!("Area {}", out.len()),
            Category::CrowdedPlace,
            &blob(x, y, 120.0, 7, seed + out.len() as u64),
        );
        a.revisit_min = Some([45.0, 60.0, 90.0, 120.0][out.len() % 4]);
        out.push(a);
    }
    out
}

fn tour_request() -> RouteRequest {
    let mut areas = scattered_areas(30, 6000.0, 7);
    for (i, (x, y)) in [(-1200.0, 300.0), (900.0, -800.0), (300.0, 1500.0)]
        .into_iter()
        .enumerate()
    {
        areas.push(poly(
            &format!("No-fly {i}"),
            Category::NoFly,
            &blob(x, y, 200.0, 8, 100 + i as u64),
        ));
    }
    let mut req = RouteRequest::new(Pattern::Tour, &areas, HOME);
    req.aircraft.endurance_min = 45.0;
    req
}

fn schedule_request() -> ScheduleRequest {
    let mut areas = scattered_areas(40, 5000.0, 11);
    for (i, (x, y)) in [(-1200.0, 300.0), (900.0, -800.0), (300.0, 1500.0)]
        .into_iter()
        .enumerate()
    {
        areas.push(poly(
            &format!("No-fly {i}"),
            Category::NoFly,
            &blob(x, y, 150.0, 8, 200 + i as u64),
        ));
    }
    let teams = (0..10)
        .map(|i| ScheduleTeam {
            name: format!("Team {i}"),
            aircraft: format!("K{i}"),
            performance: Default::default(),
        })
        .collect();
    let start = 1_750_000_000;
    ScheduleRequest {
        shift_start: start,
        shift_end: start + 12 * 3600,
        home: HOME,
        teams,
        areas,
        turnaround_min: 10.0,
        events: Vec::new(),
        options: Default::default(),
    }
}

fn benches(c: &mut Criterion) {
    let cov = coverage_request();
    let r = plan_route(&cov).expect("coverage plans");
    eprintln!(
        "coverage 1 km² / 3 holes: {} sorties, {} waypoints, {:.1} km",
        r.sorties.len(),
        r.sorties.iter().map(|s| s.points.len()).sum::<usize>(),
        r.totals().length_m / 1000.0
    );
    c.bench_function("coverage 1 km2, 3 no-fly holes", |b| {
        b.iter(|| plan_route(black_box(&cov)).unwrap())
    });

    let tour = tour_request();
    let r = plan_route(&tour).expect("tour plans");
    eprintln!(
        "tour over 30 areas: {} sorties, {:.1} km",
        r.sorties.len(),
        r.totals().length_m / 1000.0
    );
    c.bench_function("tour over 30 areas", |b| {
        b.iter(|| plan_route(black_box(&tour)).unwrap())
    });

    let sched = schedule_request();
    let s = schedule(&sched).expect("schedule plans");
    eprintln!(
        "schedule 10 teams / 40 areas / 12 h: {} sorties, {} areas met, {} not covered",
        s.sorties.len(),
        s.coverage.iter().filter(|c| c.met).count(),
        s.uncovered.len()
    );
    c.bench_function("schedule 10 teams, 40 areas, 12 h", |b| {
        b.iter(|| schedule(black_box(&sched)).unwrap())
    });
}

criterion_group! {
    name = planning;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = benches
}
criterion_main!(planning);
