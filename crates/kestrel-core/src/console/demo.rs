//! The demo a newcomer sees: the simulator flown in-process over real loopback MAVLink, N patrol
//! teams over Liaocheng, each aircraft given a patrol route, launched and sent on it through the
//! same station commands the pilot uses.

use std::net::SocketAddr;
use std::time::Duration;

use crate::geo::GeoPoint;
use crate::plan::mission::{cmd, MissionItem, MissionKind};
use crate::protocol::{PilotAction, TransferPolicy};

use super::Core;

/// Where the demo fleet is based: Liaocheng, Shandong.
pub const HOME: (f64, f64) = (36.4560, 115.9850);
/// Distance from an aircraft's start to the centre of its patrol loop, metres.
const ROUTE_OFFSET_M: f64 = 700.0;
/// Radius of a patrol loop, metres.
const ROUTE_RADIUS_M: f64 = 300.0;

/// A free UDP port on the loopback interface for the station to listen on.
pub fn free_loopback_addr() -> std::io::Result<SocketAddr> {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0")?;
    sock.local_addr()
}

/// The in-process simulator the demo flies (dropped after the station, which stops it).
#[cfg(feature = "demo")]
pub use kestrel_sim::Simulator as DemoSimulator;

/// A build without the `demo` feature never holds a simulator.
#[cfg(not(feature = "demo"))]
#[derive(Debug)]
pub enum DemoSimulator {}

/// Starts the simulator with `aircraft` aircraft sending to the station at `station_addr`; with
/// `video`, each aircraft also streams its camera's test picture to UDP 5600 + index; simulated
/// time runs `speedup` times faster than real time.
#[cfg(feature = "demo")]
pub fn start_simulator(
    station_addr: SocketAddr,
    aircraft: usize,
    video: bool,
    speedup: f64,
) -> Result<DemoSimulator, String> {
    use kestrel_sim::{Endpoint, SimConfig, Simulator};
    let cfg = SimConfig {
        vehicles: aircraft,
        endpoint: Endpoint::Udp(station_addr),
        home: HOME,
        speedup,
        video,
        // Encode only the cameras a view shows (the console asks for them): a hundred demo
        // aircraft cannot each run an encoder.
        video_on_demand: true,
        ..Default::default()
    };
    match Simulator::start(cfg.clone()) {
        Err(e) if video => {
            // No test video (e.g. GStreamer's x264enc missing): fly without cameras.
            eprintln!("kestrel: the demo aircraft have no video: {e:#}");
            Simulator::start(SimConfig {
                video: false,
                ..cfg
            })
        }
        other => other,
    }
    .map_err(|e| e.to_string())
}

/// Without the `demo` feature there is no simulator to start: says so.
#[cfg(not(feature = "demo"))]
pub fn start_simulator(
    _station_addr: SocketAddr,
    _aircraft: usize,
    _video: bool,
    _speedup: f64,
) -> Result<DemoSimulator, String> {
    Err("this Kestrel was built without the demo (cargo feature `demo`)".into())
}

/// A point `north_m`/`east_m` metres from `from` (flat-earth approximation, fine for kilometres).
pub fn offset(from: GeoPoint, north_m: f64, east_m: f64) -> GeoPoint {
    const M_PER_DEG: f64 = 111_320.0;
    GeoPoint {
        lat: from.lat + north_m / M_PER_DEG,
        lon: from.lon + east_m / (M_PER_DEG * from.lat.to_radians().cos()),
    }
}

/// The patrol route of team `index` of `teams`, starting from `start`: a take-off, a hexagonal
/// loop around a point away from the base in the team's own direction, repeated for ever. Item 0
/// is the home slot, as the mission protocol wants.
pub fn patrol_route(start: GeoPoint, index: usize, teams: usize) -> Vec<MissionItem> {
    let teams = teams.max(1);
    let bearing = std::f64::consts::TAU * index as f64 / teams as f64 + std::f64::consts::FRAC_PI_4;
    let centre = offset(
        start,
        ROUTE_OFFSET_M * bearing.cos(),
        ROUTE_OFFSET_M * bearing.sin(),
    );
    let alt = patrol_altitude(index);
    let mut items = vec![MissionItem::waypoint(start.lat, start.lon, 0.0)];
    let mut takeoff = MissionItem::nav(cmd::NAV_TAKEOFF, start.lat, start.lon, alt);
    takeoff.params = [0.0; 4];
    items.push(takeoff);
    for k in 0..6 {
        let a = bearing + std::f64::consts::TAU * k as f64 / 6.0;
        let p = offset(centre, ROUTE_RADIUS_M * a.cos(), ROUTE_RADIUS_M * a.sin());
        items.push(MissionItem::waypoint(p.lat, p.lon, alt));
    }
    let mut jump = MissionItem::nav(cmd::DO_JUMP, 0.0, 0.0, 0.0);
    jump.frame = crate::plan::mission::frame::MISSION;
    jump.params = [2.0, -1.0, 0.0, 0.0];
    items.push(jump);
    items
}

/// Patrol altitude of team `index`: staggered by 10 m so that routes never share a height.
pub fn patrol_altitude(index: usize) -> f32 {
    50.0 + 10.0 * (index % 4) as f32
}

/// Gives every simulated aircraft its patrol route and sends it flying. Runs in the background;
/// gives up quietly on an aircraft that refuses (the pilot can still fly it by hand).
pub(crate) async fn fly_patrols(core: Core, teams: usize) {
    let snap = core
        .station
        .wait_for_aircraft(teams, Duration::from_secs(60))
        .await;
    let mut tasks = Vec::new();
    for (index, a) in snap.aircraft.iter().enumerate() {
        let Some(start) = a.position else { continue };
        let core = core.clone();
        let sysid = a.sysid;
        tasks.push(tokio::spawn(async move {
            launch(&core, sysid, start, index, teams).await
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn launch(core: &Core, sysid: u8, start: GeoPoint, index: usize, teams: usize) -> Option<()> {
    let route = patrol_route(start, index, teams);
    let mut uploaded = false;
    for _ in 0..3 {
        if core
            .station
            .upload_items(
                sysid,
                MissionKind::Mission,
                &route,
                TransferPolicy::default(),
            )
            .await
            .is_ok()
        {
            uploaded = true;
            break;
        }
    }
    if !uploaded {
        return None;
    }
    core.missions.set(sysid, route);
    let alt = patrol_altitude(index);
    let takeoff = PilotAction::Takeoff { alt_m: alt };
    // Pre-arm checks may need a few seconds after boot: try for a while.
    let mut airborne = false;
    for _ in 0..30 {
        if run(core, sysid, &takeoff).await {
            airborne = true;
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    if !airborne {
        return None;
    }
    // Climb most of the way before starting the route.
    for _ in 0..120 {
        let up = core
            .station
            .snapshot()
            .get(sysid)
            .is_some_and(|a| a.alt_rel_m >= alt * 0.8);
        if up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if !run(core, sysid, &PilotAction::ResumeMission).await {
        let auto = PilotAction::SetMode {
            custom_mode: crate::fleet::modes::AUTO,
        };
        run(core, sysid, &auto).await;
    }
    Some(())
}

/// Sends `action` the way the pilot's buttons do; whether every step was accepted.
async fn run(core: &Core, sysid: u8, action: &PilotAction) -> bool {
    super::commands::run(&core.station, &core.alerts, 0, sysid, action.clone())
        .await
        .accepted()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_loop_away_from_base_in_different_directions() {
        let start = GeoPoint {
            lat: HOME.0,
            lon: HOME.1,
        };
        let a = patrol_route(start, 0, 4);
        let b = patrol_route(start, 2, 4);
        assert_eq!(a.len(), 9);
        assert_eq!(a[1].command, cmd::NAV_TAKEOFF);
        assert_eq!(a[8].command, cmd::DO_JUMP);
        assert_eq!(a[8].params[0], 2.0);
        // Opposite teams patrol on opposite sides.
        assert!((a[2].x - start.lat) * (b[2].x - start.lat) < 0.0);
        for it in &a[2..8] {
            let d_north = (it.x - start.lat) * 111_320.0;
            let d_east = (it.y - start.lon) * 111_320.0 * start.lat.to_radians().cos();
            let d = d_north.hypot(d_east);
            assert!((350.0..=1050.0).contains(&d), "waypoint {d:.0} m from base");
            assert_eq!(it.z, 50.0);
        }
    }
}
