//! Terrain from SRTM tiles, as a pilot would use it: a hill written as a real `.hgt` file,
//! imported with `kestrel terrain import`, asked with `kestrel terrain at`, and every height
//! checked against an independent reader, GDAL's `gdallocationinfo` (Debian's gdal-bin). Broken
//! tiles are refused with a reason, and the reader survives hostile bytes.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use kestrel::terrain::hgt::{HgtTile, TileId, SIDE_1_ARCSEC, SIDE_3_ARCSEC, VOID};
use kestrel::terrain::TerrainStore;
use kestrel_sim::{Endpoint, SimConfig, Simulator};
use proptest::prelude::*;

/// A hill 150 m high (1 km wide slopes) at 36.5°N 115.5°E on ground 100 m high, with a void in the north-west
/// corner, as samples of a tile `side` samples a side.
fn hill(side: usize) -> Vec<i16> {
    let n = (side - 1) as f64;
    let mut out = Vec::with_capacity(side * side);
    for r in 0..side {
        for c in 0..side {
            if r < 5 && c < 5 {
                out.push(VOID);
                continue;
            }
            let lat = 37.0 - r as f64 / n;
            let lon = 115.0 + c as f64 / n;
            let dy = (lat - 36.5) * 111_000.0;
            let dx = (lon - 115.5) * 111_000.0 * 36.5f64.to_radians().cos();
            let d2 = dx * dx + dy * dy;
            out.push((100.0 + 150.0 * (-d2 / (2.0 * 1000.0f64.powi(2))).exp()).round() as i16);
        }
    }
    out
}

fn write_hill(dir: &Path, side: usize) -> std::path::PathBuf {
    let tile = HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, hill(side)).unwrap();
    let path = dir.join("N36E115.hgt");
    std::fs::write(&path, tile.to_bytes()).unwrap();
    path
}

fn kestrel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("kestrel runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = kestrel(dir, args);
    assert!(
        out.status.success(),
        "kestrel {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(dir: &Path, args: &[&str]) -> String {
    let out = kestrel(dir, args);
    assert!(!out.status.success(), "kestrel {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// GDAL's value of the pixels at (col, row), read in one run of gdallocationinfo.
fn gdal_pixels(file: &Path, pixels: &[(usize, usize)]) -> Vec<i32> {
    let mut child = Command::new("gdallocationinfo")
        .arg("-valonly")
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gdallocationinfo (Debian gdal-bin, see scripts/install-deps.sh) runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        for (c, r) in pixels {
            writeln!(stdin, "{c} {r}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vals: Vec<i32> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().expect("a number from gdallocationinfo"))
        .collect();
    assert_eq!(vals.len(), pixels.len());
    vals
}

/// GDAL's value at a geographic point (the pixel containing it: no interpolation).
fn gdal_at(file: &Path, lat: f64, lon: f64) -> i32 {
    let out = Command::new("gdallocationinfo")
        .args(["-valonly", "-wgs84"])
        .arg(file)
        .arg(lon.to_string())
        .arg(lat.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn at_json(dir: &Path, lat: f64, lon: f64) -> f64 {
    let v: serde_json::Value = serde_json::from_str(&ok(
        dir,
        &[
            "--json",
            "terrain",
            "at",
            &lat.to_string(),
            &lon.to_string(),
        ],
    ))
    .unwrap();
    v["elevation_m"].as_f64().unwrap()
}

#[test]
fn imported_hill_matches_gdal_and_interpolates_between_its_samples() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = write_hill(src.path(), SIDE_3_ARCSEC);
    let out = ok(data.path(), &["terrain", "import", file.to_str().unwrap()]);
    assert!(out.contains("N36E115.hgt (3 arc-second)"), "{out}");
    let info: serde_json::Value =
        serde_json::from_str(&ok(data.path(), &["--json", "terrain", "info"])).unwrap();
    assert_eq!(info["tiles"][0]["tile"], "N36E115.hgt");
    assert_eq!(info["tiles"][0]["max_m"], 250);
    assert_eq!(info["tiles"][0]["voids"], 25);

    let imported = data.path().join("terrain/N36E115.hgt");
    let step = 1.0 / 1200.0;
    // At sample points kestrel and GDAL agree exactly (top, slope, foot of the hill).
    for (r, c) in [
        (600usize, 600usize),
        (620, 610),
        (700, 500),
        (1100, 1150),
        (0, 1200),
    ] {
        let lat = 37.0 - r as f64 * step;
        let lon = 115.0 + c as f64 * step;
        let gdal = gdal_at(&imported, lat, lon);
        assert_eq!(
            at_json(data.path(), lat, lon),
            f64::from(gdal),
            "row {r} col {c}"
        );
    }
    // Between samples, kestrel's height is the bilinear blend of GDAL's four samples.
    for (r, c, fr, fc) in [
        (605usize, 603usize, 0.25, 0.5),
        (596, 610, 0.8, 0.1),
        (612, 590, 0.5, 0.5),
    ] {
        let px = gdal_pixels(&imported, &[(c, r), (c + 1, r), (c, r + 1), (c + 1, r + 1)]);
        let [a, b, d, e] = [px[0], px[1], px[2], px[3]].map(f64::from);
        let want =
            a * (1.0 - fr) * (1.0 - fc) + b * (1.0 - fr) * fc + d * fr * (1.0 - fc) + e * fr * fc;
        let lat = 37.0 - (r as f64 + fr) * step;
        let lon = 115.0 + (c as f64 + fc) * step;
        let got = at_json(data.path(), lat, lon);
        assert!(
            (got - want).abs() < 0.01,
            "at {lat},{lon}: kestrel {got}, GDAL bilinear {want}"
        );
        assert!(a != e || b != d, "the test point must be on a slope");
    }
    // The core's nearest-sample reading agrees with GDAL's pixel lookup over the whole hill.
    let tile = HgtTile::open(&imported).unwrap();
    let mut rng = fastrand::Rng::with_seed(16);
    let pts: Vec<(f64, f64)> = (0..20)
        .map(|_| (36.3 + rng.f64() * 0.4, 115.3 + rng.f64() * 0.4))
        .collect();
    for (lat, lon) in pts.iter() {
        assert_eq!(
            tile.nearest(*lat, *lon).unwrap(),
            f64::from(gdal_at(&imported, *lat, *lon))
        );
    }
    // A void corner is a clear error, not a number.
    let err = fails(data.path(), &["terrain", "at", "36.9999", "115.0001"]);
    assert!(
        err.contains("no data (void)") && err.contains("N36E115.hgt"),
        "{err}"
    );
}

#[test]
fn one_arc_second_tiles_are_recognised_by_size() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = write_hill(src.path(), SIDE_1_ARCSEC);
    let out = ok(data.path(), &["terrain", "import", file.to_str().unwrap()]);
    assert!(out.contains("(1 arc-second)"), "{out}");
    let imported = data.path().join("terrain/N36E115.hgt");
    let (lat, lon) = (36.5 + 100.0 / 3600.0, 115.5 - 250.0 / 3600.0);
    assert_eq!(
        at_json(data.path(), lat, lon),
        f64::from(gdal_at(&imported, lat, lon))
    );
    assert!((at_json(data.path(), 36.5, 115.5) - 250.0).abs() < 0.5);
}

#[test]
fn missing_and_broken_tiles_are_refused_with_a_reason() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let err = fails(data.path(), &["terrain", "at", "36.45", "115.98"]);
    assert!(
        err.contains("no terrain tile N36E115.hgt") && err.contains("kestrel terrain import"),
        "{err}"
    );
    let short = src.path().join("N36E115.hgt");
    std::fs::write(&short, vec![0u8; 1000]).unwrap();
    let err = fails(data.path(), &["terrain", "import", short.to_str().unwrap()]);
    assert!(
        err.contains("1000 bytes") && err.contains("not an SRTM tile"),
        "{err}"
    );
    let badname = src.path().join("hill.hgt");
    std::fs::write(&badname, vec![0u8; SIDE_3_ARCSEC * SIDE_3_ARCSEC * 2]).unwrap();
    let err = fails(
        data.path(),
        &["terrain", "import", badname.to_str().unwrap()],
    );
    assert!(err.contains("like N36E115.hgt"), "{err}");
    let err = fails(data.path(), &["terrain", "at", "95", "0"]);
    assert!(err.contains("not a position"), "{err}");
    // Nothing half-imported was left behind.
    assert!(!data.path().join("terrain/N36E115.hgt").exists());
    // A broken file dropped into the folder by hand is reported, not hidden.
    std::fs::create_dir_all(data.path().join("terrain")).unwrap();
    std::fs::write(data.path().join("terrain/N10E010.hgt"), b"junk").unwrap();
    let err = fails(data.path(), &["terrain", "info"]);
    assert!(err.contains("broken tile"), "{err}");
    let err = fails(data.path(), &["terrain", "at", "10.5", "10.5"]);
    assert!(
        err.contains("N10E010.hgt") && err.contains("4 bytes"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hgt_reader_never_panics_on_garbage(
        bytes in prop::collection::vec(any::<u8>(), 0..5000),
        name in "[NSEWnsew0-9.a-zA-Z]{0,14}",
    ) {
        let _ = HgtTile::parse(&name, &bytes);
        let _ = HgtTile::parse("N36E115.hgt", &bytes);
    }

}

proptest! {
    // Each case builds a whole 3 arc-second tile: fewer cases, many points each.
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hgt_lookups_never_panic_on_hostile_tiles_and_points(
        edits in prop::collection::vec((any::<usize>(), any::<i16>()), 0..50),
        points in prop::collection::vec((
            prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(37.0), Just(36.0), -100.0..100.0f64, 35.9..37.1f64],
            prop_oneof![Just(f64::NEG_INFINITY), Just(115.0), Just(116.0), -200.0..200.0f64, 114.9..116.1f64],
        ), 1..40),
    ) {
        let side = SIDE_3_ARCSEC;
        let mut samples = vec![VOID; side * side];
        for (i, v) in edits {
            let n = samples.len();
            samples[i % n] = v;
        }
        let tile = HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, samples).unwrap();
        let parsed = HgtTile::parse("n36e115.hgt", &tile.to_bytes()).unwrap();
        let store = TerrainStore::new("/nonexistent/kestrel-terrain");
        for (lat, lon) in points {
            for t in [&tile, &parsed] {
                if let Ok(h) = t.elevation(lat, lon) {
                    prop_assert!(h.is_finite() && (-32767.0..=32767.0).contains(&h));
                }
                let _ = t.nearest(lat, lon);
            }
            prop_assert!(store.elevation(lat, lon).is_err());
        }
    }
}

/// A QGroundControl plan over the hill: a takeoff and waypoints above home at the hill's foot,
/// then (item 4) a waypoint QGroundControl "calculated above terrain" without its AMSL
/// altitude, as QGroundControl saves one when it had no terrain data.
fn plan_over_the_hill(rel_alt: f64) -> String {
    serde_json::json!({
        "fileType": "Plan", "version": 1, "groundStation": "QGroundControl",
        "geoFence": {"circles": [], "polygons": [], "version": 2},
        "rallyPoints": {"points": [], "version": 2},
        "mission": {
            "version": 2, "firmwareType": 3, "vehicleType": 2, "cruiseSpeed": 15, "hoverSpeed": 5,
            "globalPlanAltitudeMode": 1,
            "plannedHomePosition": [36.5, 115.46, 100],
            "items": [
                {"type": "SimpleItem", "autoContinue": true, "command": 22, "doJumpId": 1, "frame": 3,
                 "params": [0, 0, 0, null, 36.5, 115.46, rel_alt], "Altitude": rel_alt, "AltitudeMode": 1, "AMSLAltAboveTerrain": null},
                {"type": "SimpleItem", "autoContinue": true, "command": 16, "doJumpId": 2, "frame": 3,
                 "params": [0, 0, 0, null, 36.5, 115.48, rel_alt], "Altitude": rel_alt, "AltitudeMode": 1, "AMSLAltAboveTerrain": null},
                {"type": "SimpleItem", "autoContinue": true, "command": 16, "doJumpId": 3, "frame": 3,
                 "params": [0, 0, 0, null, 36.5, 115.52, rel_alt], "Altitude": rel_alt, "AltitudeMode": 1, "AMSLAltAboveTerrain": null},
                {"type": "SimpleItem", "autoContinue": true, "command": 16, "doJumpId": 4, "frame": 0,
                 "params": [0, 0, 0, null, 36.5, 115.5, null], "Altitude": 50, "AltitudeMode": 3, "AMSLAltAboveTerrain": null},
                {"type": "SimpleItem", "autoContinue": true, "command": 20, "doJumpId": 5, "frame": 2,
                 "params": [0, 0, 0, 0, 0, 0, 0]}
            ]
        }
    })
    .to_string()
}

#[test]
fn plans_calculated_above_terrain_load_with_terrain_or_name_the_missing_tile() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let plan = src.path().join("hill.plan");
    std::fs::write(&plan, plan_over_the_hill(200.0)).unwrap();
    let err = fails(
        data.path(),
        &[
            "plan",
            "check",
            plan.to_str().unwrap(),
            "--ceiling",
            "1000",
            "--reserve",
            "0",
        ],
    );
    assert!(
        err.contains("mission item 4")
            && err.contains("above terrain")
            && err.contains("N36E115.hgt")
            && err.contains("kestrel terrain import"),
        "{err}"
    );
    let hill_file = write_hill(src.path(), SIDE_3_ARCSEC);
    ok(
        data.path(),
        &["terrain", "import", hill_file.to_str().unwrap()],
    );
    let store = TerrainStore::in_data_dir(data.path());
    let loaded = kestrel::plan::load_with_terrain(&plan, Some(&store)).unwrap();
    let top = &loaded.mission[3];
    assert_eq!(
        top.frame, 0,
        "an AMSL altitude the aircraft can fly without terrain"
    );
    let ground = f64::from(gdal_at(
        &data.path().join("terrain/N36E115.hgt"),
        36.5,
        115.5,
    ));
    assert!(
        (f64::from(top.z) - (ground + 50.0)).abs() < 0.5,
        "{} vs {ground}",
        top.z
    );
    // 200 m above home (ground 100 m) clears the 250 m hill top by 50 m.
    let out = ok(
        data.path(),
        &[
            "plan",
            "check",
            plan.to_str().unwrap(),
            "--ceiling",
            "1000",
            "--reserve",
            "0",
        ],
    );
    assert!(out.contains("terrain: lowest clearance"), "{out}");
    assert!(!out.contains("warning: below"), "{out}");
}

#[test]
fn plan_check_warns_below_the_clearance_and_refuses_a_route_into_the_ground() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let hill_file = write_hill(src.path(), SIDE_3_ARCSEC);
    ok(
        data.path(),
        &["terrain", "import", hill_file.to_str().unwrap()],
    );
    // 170 m above home = 270 m AMSL: 20 m over the hill top, under the 30 m asked for.
    let plan = src.path().join("low.plan");
    std::fs::write(&plan, plan_over_the_hill(170.0)).unwrap();
    let out = ok(
        data.path(),
        &[
            "plan",
            "check",
            plan.to_str().unwrap(),
            "--min-clearance",
            "30",
            "--ceiling",
            "1000",
            "--reserve",
            "0",
        ],
    );
    assert!(
        out.contains("warning: below 30 m above the ground: leg 2"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&ok(
        data.path(),
        &[
            "--json",
            "plan",
            "check",
            plan.to_str().unwrap(),
            "--min-clearance",
            "30",
            "--ceiling",
            "1000",
            "--reserve",
            "0",
        ],
    ))
    .unwrap();
    let low = v["terrain"]["lowest_m"].as_f64().unwrap();
    assert!((15.0..=22.0).contains(&low), "{low}");
    assert!(
        (v["terrain"]["warnings"][0]["position"]["lon"]
            .as_f64()
            .unwrap()
            - 115.5)
            .abs()
            < 0.01
    );
    // 100 m above home flies into the hill: a problem, not a warning.
    std::fs::write(&plan, plan_over_the_hill(100.0)).unwrap();
    let err = fails(
        data.path(),
        &[
            "plan",
            "check",
            plan.to_str().unwrap(),
            "--ceiling",
            "1000",
            "--reserve",
            "0",
        ],
    );
    assert!(err.contains("1 problem(s)"), "{err}");
}

#[test]
fn status_shows_each_aircraft_height_above_the_ground() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // Flat ground 10 m above sea level around the simulator's home (36.456, 115.985).
    let side = SIDE_3_ARCSEC;
    let tile =
        HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, vec![10; side * side]).unwrap();
    let file = src.path().join("N36E115.hgt");
    std::fs::write(&file, tile.to_bytes()).unwrap();
    ok(data.path(), &["terrain", "import", file.to_str().unwrap()]);

    let addr = common::sim::free_udp_addr();
    let _sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    let link = format!("udpin:{addr}");
    let rows: serde_json::Value = serde_json::from_str(&ok(
        data.path(),
        &[
            "--json", "status", "--link", &link, "--wait", "20", "--expect", "2",
        ],
    ))
    .unwrap();
    for r in rows.as_array().unwrap() {
        let amsl = r["alt_amsl_m"].as_f64().unwrap();
        let agl = r["agl_m"].as_f64().expect("a height above the ground");
        assert!((agl - (amsl - 10.0)).abs() < 0.01, "{r}");
        assert!(agl > 20.0, "parked at 35 m AMSL on 10 m ground: {r}");
    }
    let table = ok(
        data.path(),
        &["status", "--link", &link, "--wait", "20", "--expect", "2"],
    );
    assert!(table.lines().next().unwrap().contains("AGL"), "{table}");
    // Without a tile the height above the ground is unknown, not made up.
    let bare = tempfile::tempdir().unwrap();
    let rows: serde_json::Value = serde_json::from_str(&ok(
        bare.path(),
        &[
            "--json", "status", "--link", &link, "--wait", "20", "--expect", "2",
        ],
    ))
    .unwrap();
    assert!(rows[0]["agl_m"].is_null(), "{}", rows[0]);
}
