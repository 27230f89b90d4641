//! Airspace and ground benchmarks: conflict evaluation for 500 traffic targets against 100 of
//! our aircraft (one update of the console's traffic picture), SBS-1 lines parsed per second
//! (what one core can take from receivers), and terrain lookups per second (bilinear heights from
//! a 1 arc-second tile held in memory, what height above ground and route profiles cost).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kestrel::geo::GeoPoint;
use kestrel::terrain::hgt::{HgtTile, TileId, SIDE_1_ARCSEC};
use kestrel::traffic::conflict::{evaluate, ConflictSettings, Own};
use kestrel::traffic::sbs::{format_lines, parse_line};
use kestrel::traffic::target::{offset, target_at};
use kestrel::traffic::{Target, TrafficUpdate};

const HOME: GeoPoint = GeoPoint {
    lat: 36.456,
    lon: 115.985,
};

/// 100 aircraft on a 10 x 10 grid 300 m apart at 60-150 m, patrolling at 8 m/s.
fn fleet() -> Vec<Own> {
    (0..100)
        .map(|i| Own {
            sysid: i as u8 + 1,
            position: offset(HOME, (i % 10) as f64 * 300.0, (i / 10) as f64 * 300.0),
            alt_amsl_m: 95.0 + (i % 4) as f64 * 30.0,
            velocity_en: [8.0 * ((i as f64).sin()), 8.0 * ((i as f64).cos())],
            climb_ms: 0.0,
        })
        .collect()
}

/// 500 targets within 25 km, a few of them low over the grid.
fn targets() -> Vec<Target> {
    let mut rng = fastrand::Rng::with_seed(16);
    (0..500)
        .map(|i| {
            let r = if i < 20 { 3000.0 } else { 25_000.0 };
            let p = offset(HOME, (rng.f64() - 0.3) * r, (rng.f64() - 0.3) * r);
            let alt = if i < 20 {
                150.0
            } else {
                300.0 + rng.f64() * 9000.0
            };
            target_at(
                0x700000 + i,
                p,
                alt,
                rng.f64() * 360.0,
                40.0 + rng.f64() * 200.0,
            )
        })
        .collect()
}

fn conflicts(c: &mut Criterion) {
    let own = fleet();
    let traffic = targets();
    let set = ConflictSettings::default();
    let found = evaluate(&own, &traffic, &set).len();
    println!("500 targets x 100 aircraft: {found} conflicts in the benchmark's picture");
    let mut g = c.benchmark_group("traffic");
    g.throughput(Throughput::Elements((own.len() * traffic.len()) as u64));
    g.bench_function("conflicts_500_targets_x_100_aircraft", |b| {
        b.iter(|| black_box(evaluate(black_box(&own), black_box(&traffic), &set)))
    });
    g.finish();
}

fn sbs(c: &mut Criterion) {
    let mut text = String::new();
    for i in 0..1000u32 {
        let u = TrafficUpdate {
            icao: 0x700000 + i,
            callsign: Some(format!("CES{i:04}")),
            position: Some(offset(HOME, i as f64 * 10.0, 0.0)),
            alt_amsl_m: Some(1000.0),
            track_deg: Some(90.0),
            speed_ms: Some(120.0),
            climb_ms: Some(0.0),
            on_ground: Some(false),
            ..Default::default()
        };
        text.push_str(&format_lines(&u, "2026/12/03", "05:33:00.123"));
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut g = c.benchmark_group("traffic");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("sbs1_lines_parsed", |b| {
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                if let Ok(Some(u)) = parse_line(black_box(l)) {
                    n += u.icao as usize & 1;
                }
            }
            n
        })
    });
    g.finish();
}

fn terrain(c: &mut Criterion) {
    let side = SIDE_1_ARCSEC;
    let samples: Vec<i16> = (0..side * side)
        .map(|i| ((i % side) as f64 * 0.05 + (i / side) as f64 * 0.03) as i16)
        .collect();
    let tile = HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, samples).expect("tile");
    let mut rng = fastrand::Rng::with_seed(7);
    let points: Vec<(f64, f64)> = (0..10_000)
        .map(|_| (36.0 + rng.f64() * 0.999, 115.0 + rng.f64() * 0.999))
        .collect();
    let mut g = c.benchmark_group("terrain");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("bilinear_lookups_1_arcsec", |b| {
        b.iter(|| {
            points
                .iter()
                .map(|(lat, lon)| tile.elevation(*lat, *lon).unwrap_or(0.0))
                .sum::<f64>()
        })
    });
    g.finish();
}

criterion_group!(benches, conflicts, sbs, terrain);
criterion_main!(benches);
