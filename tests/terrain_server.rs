//! The station as ArduPilot's terrain source, over real loopback sockets against the simulator
//! with terrain following on: the aircraft asks for the grid under it (TERRAIN_REQUEST), the
//! station answers every sub-grid from a `.hgt` hill written here (TERRAIN_DATA), and the
//! aircraft's own idea of the ground under it then matches the tile and an analytic hill; it
//! reports all 56 sub-grids loaded and answers the station's TERRAIN_CHECK. Over a place without
//! a tile the station answers nothing and names the tile to import.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::sim::{free_udp_addr, station_config};
use common::wait;
use kestrel::link::LinkSpec;
use kestrel::station::Station;
use kestrel::terrain::hgt::{HgtTile, TileId, SIDE_3_ARCSEC};
use kestrel::terrain::server::TerrainServer;
use kestrel::terrain::TerrainStore;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(60);

/// Ground 100 m high with a 150 m hill (1 km wide slopes) at 36.5°N 115.5°E.
fn hill_at(lat: f64, lon: f64) -> f64 {
    let dy = (lat - 36.5) * 111_000.0;
    let dx = (lon - 115.5) * 111_000.0 * 36.5f64.to_radians().cos();
    100.0 + 150.0 * (-(dx * dx + dy * dy) / (2.0 * 1000.0f64.powi(2))).exp()
}

fn write_hill(data: &Path) {
    let side = SIDE_3_ARCSEC;
    let n = (side - 1) as f64;
    let samples = (0..side * side)
        .map(|i| {
            hill_at(37.0 - (i / side) as f64 / n, 115.0 + (i % side) as f64 / n).round() as i16
        })
        .collect();
    let tile = HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, samples).unwrap();
    let dir = kestrel::terrain::dir_in(data);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("N36E115.hgt"), tile.to_bytes()).unwrap();
}

async fn aircraft_at(home: (f64, f64)) -> (Simulator, Station) {
    let addr = free_udp_addr();
    let station = Station::start(station_config(2.0)).unwrap();
    station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        home,
        speedup: 2.0,
        terrain: true,
        ..Default::default()
    })
    .unwrap();
    (sim, station)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aircraft_gets_its_terrain_from_the_station() {
    let data = tempfile::tempdir().unwrap();
    write_hill(data.path());
    let store = TerrainStore::in_data_dir(data.path());
    let (sim, station) = aircraft_at((36.495, 115.49)).await;
    let server = TerrainServer::start(&station, Arc::new(store.clone()));

    let (h, lat, lon) = wait::until_async(
        "the aircraft's ground height from the station",
        LONG,
        || {
            let s = sim.snapshot(0).unwrap();
            s.terrain_height_m
                .map(|h| (h, s.lat, s.lon))
                .ok_or_else(|| format!("{:?}", server.aircraft()))
        },
    )
    .await;
    let tile = store.elevation(lat, lon).unwrap();
    assert!((h - tile).abs() < 2.0, "aircraft {h} m, tile {tile} m");
    assert!(
        (h - hill_at(lat, lon)).abs() < 3.0,
        "aircraft {h} m, hill {} m",
        hill_at(lat, lon)
    );

    let a = wait::until_async("all 56 sub-grids reported loaded", LONG, || {
        server
            .aircraft()
            .into_iter()
            .find(|a| a.sysid == 1 && a.loaded == Some(56) && a.pending == Some(0))
            .ok_or_else(|| format!("{:?}", server.aircraft()))
    })
    .await;
    assert!(a.sent >= 56 && a.missing == 0, "{a:?}");
    assert!(
        (f64::from(a.terrain_height_m.unwrap()) - h).abs() < 1.0,
        "{a:?}"
    );

    // The station checks a point of its own choosing (the aircraft's home).
    let r = server
        .check(1, 36.495, 115.49, LONG)
        .await
        .expect("a TERRAIN_REPORT for the checked point");
    assert_eq!((r.pending, r.loaded), (0, 56));
    assert!(
        (f64::from(r.terrain_height) - hill_at(36.495, 115.49)).abs() < 3.0,
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_tile_nothing_is_sent_and_the_missing_tile_is_named() {
    let data = tempfile::tempdir().unwrap();
    write_hill(data.path());
    let (sim, station) = aircraft_at((38.5, 115.5)).await;
    let server = TerrainServer::start(&station, Arc::new(TerrainStore::in_data_dir(data.path())));
    let a = wait::until_async("requests counted as missing", LONG, || {
        server
            .aircraft()
            .into_iter()
            .find(|a| a.requests >= 2)
            .ok_or_else(|| "no request yet".to_string())
    })
    .await;
    assert_eq!(a.sent, 0, "{a:?}");
    assert_eq!(a.missing, 56 * a.requests, "{a:?}");
    let why = a.last_missing.unwrap();
    assert!(why.contains("N38E115.hgt"), "{why}");
    assert_eq!(sim.snapshot(0).unwrap().terrain_height_m, None);
}

#[test]
fn the_console_serves_terrain_and_shows_height_above_ground() {
    use common::console::{core_with_simulator, shows, wait_until, window};
    use egui_kittest::kittest::Queryable;
    let data = tempfile::tempdir().unwrap();
    write_hill(data.path());
    let (handle, _sim, _) = core_with_simulator(
        kestrel::console::ConsoleConfig {
            data_dir: Some(data.path().to_path_buf()),
            ..Default::default()
        },
        SimConfig {
            home: (36.495, 115.49),
            terrain: true,
            ..Default::default()
        },
    );
    let mut h = window(handle);
    wait_until(&mut h, "the aircraft", |h| shows(h, "Team 1"));
    h.get_all_by_label("Team 1").next().unwrap().click();
    wait_until(
        &mut h,
        "height above ground and the terrain it holds",
        |h| shows(h, "Above ground") && shows(h, "56 of 56 sub-grids held, 0 pending"),
    );
    let v = h.state().handle().view();
    let agl = v.terrain.agl_m[&1];
    let a = v.fleet.get(1).unwrap();
    let ground = hill_at(a.position.unwrap().lat, a.position.unwrap().lon);
    assert!(
        (agl - (f64::from(a.alt_amsl_m) - ground)).abs() < 3.0,
        "{agl}"
    );
}

#[test]
fn kestrel_terrain_serve_answers_headless() {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().unwrap();
    write_hill(data.path());
    let addr = free_udp_addr();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["--json", "--data-dir"])
        .arg(data.path())
        .args([
            "terrain",
            "serve",
            "--every",
            "1",
            "--seconds",
            "60",
            "--link",
        ])
        .arg(format!("udpin:{addr}"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(addr),
        home: (36.495, 115.49),
        terrain: true,
        ..Default::default()
    })
    .unwrap();
    let deadline = wait::Deadline::after(LONG, "aircraft 1 holding all 56 sub-grids");
    let mut done = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let rows: serde_json::Value = serde_json::from_str(&line).unwrap();
        done = rows
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["sysid"] == 1 && a["loaded"] == 56 && a["missing"] == 0);
        if done {
            break;
        }
        deadline.check(Some(line));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(done);
}
