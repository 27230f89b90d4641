//! `kestrel-sim`: N simulated multicopters, each its own MAVLink 2 system (sysid 1..N, component
//! 1), behaving on the wire like ArduCopter SITL so that QGroundControl, MAVProxy, pymavlink and
//! Kestrel's own ground station can fly them over real UDP or TCP sockets.
//!
//! ```no_run
//! use kestrel_sim::{SimConfig, Simulator};
//! let sim = Simulator::start(SimConfig { vehicles: 3, ..Default::default() })?;
//! println!("aircraft sockets: {:?}", sim.vehicle_addrs());
//! # anyhow::Ok(())
//! ```
// Real ArduCopter still speaks the legacy messages the MAVLink spec marks deprecated (it asks for
// mission items with MISSION_REQUEST, acks SET_MODE, honours REQUEST_DATA_STREAM), and so must we.
#![allow(deprecated)]
#![warn(missing_docs)]

pub mod autopilot;
pub mod battery;
pub mod camera;
pub mod codec;
pub mod commands;
pub mod config;
pub mod faults;
pub mod geo;
pub mod mission;
pub mod mission_server;
pub mod net;
pub mod outbox;
pub mod params;
pub mod payload;
pub mod physics;
pub mod remote_id;
pub mod scene;
pub mod signing;
pub mod signing_store;
pub mod streams;
pub mod terrain;
#[cfg(test)]
mod testkit;
pub mod traffic;
pub mod vehicle;
pub mod video;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

pub use config::{Endpoint, Faults, SimConfig};
pub use kestrel_signing::VerifyCounts;
pub use net::SimStats;
pub use vehicle::VehicleState;

use net::{lock, Shared};
use vehicle::{Setup, Vehicle};

/// Distance between neighbouring aircraft on the start grid, m.
pub const GRID_SPACING_M: f64 = 20.0;

/// A running simulator. It owns a thread with a single-threaded tokio runtime that serves every
/// aircraft; dropping it stops that thread and closes all sockets.
pub struct Simulator {
    shared: Arc<Shared>,
    addrs: Vec<SocketAddr>,
    sbs: Option<SocketAddr>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Simulator {
    /// Binds every aircraft's socket and starts simulating; returns once the sockets are bound
    /// (errors such as a port in use are returned, not printed).
    pub fn start(cfg: SimConfig) -> anyhow::Result<Simulator> {
        cfg.validate()?;
        // A damaged key store stops the start: an aircraft must not silently lose its key.
        let signing_store = cfg
            .signing_store
            .as_deref()
            .map(signing_store::SigningStore::at);
        let stored = match &signing_store {
            Some(store) => store.load()?,
            None => Default::default(),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let origin = geo::Origin::new(cfg.home.0, cfg.home.1);
        let cameras = Arc::new(if cfg.video {
            camera::Cameras::start(
                cfg.vehicles,
                video_host(&cfg.endpoint),
                cfg.video_base_port,
                cfg.video_on_demand,
            )?
        } else {
            camera::Cameras::default()
        });
        let vehicles = (0..cfg.vehicles)
            .map(|index| {
                let mut v = Vehicle::new(Setup {
                    index,
                    origin,
                    start: grid_position(index, cfg.vehicles),
                    seed: cfg.seed,
                    gps_warmup_s: cfg.gps_warmup_s,
                });
                if cfg.remote_id {
                    v.remote_id = Some(remote_id::RemoteId::default());
                }
                if cfg.terrain {
                    v.terrain = Some(terrain::TerrainFollow::default());
                }
                v.payload.extras = cfg.camera_extras;
                if cameras.enabled() {
                    v.camera = Some(camera::CameraLink {
                        cameras: cameras.clone(),
                        index,
                    });
                }
                v
            })
            .collect();
        let (aircraft, listeners, addrs) = {
            let _ctx = rt.enter();
            net::bind(&cfg, vehicles)?
        };
        let sbs = match cfg.traffic_sbs {
            Some(addr) => {
                let l = std::net::TcpListener::bind(addr).map_err(|e| {
                    anyhow::anyhow!("cannot listen for SBS-1 clients on {addr}: {e}")
                })?;
                l.set_nonblocking(true)?;
                Some(l)
            }
            None => None,
        };
        let sbs_addr = match &sbs {
            Some(l) => Some(l.local_addr()?),
            None => None,
        };
        let traffic = (cfg.traffic > 0).then(|| traffic::TrafficScene::new(cfg.traffic, origin));
        for a in &aircraft {
            let mut a = lock(a);
            if let Some(k) = stored.get(&a.vehicle.sysid()) {
                a.signing = Some(signing::AircraftSigning::restore(k.key, k.timestamp));
            }
        }
        let shared = Arc::new(Shared {
            aircraft,
            cfg,
            start: Instant::now(),
            link_down: AtomicBool::new(false),
            stats: Default::default(),
            cameras,
            signing_store,
            traffic,
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let runner = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kestrel-sim".into())
            .spawn(move || {
                rt.block_on(net::run(runner, listeners, sbs, rx));
                // Dropping the runtime here cancels the remaining tasks and closes listeners.
            })?;
        Ok(Simulator {
            shared,
            addrs,
            sbs: sbs_addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Each aircraft's local socket: the UDP source address it sends from, or the TCP address it
    /// listens on. Index i is system id i + 1.
    pub fn vehicle_addrs(&self) -> Vec<SocketAddr> {
        self.addrs.clone()
    }

    /// Where the simulated traffic's SBS-1 feed listens, when it was asked for.
    pub fn sbs_addr(&self) -> Option<SocketAddr> {
        self.sbs
    }

    /// A picture of aircraft `index` (system id index + 1), or None if there is no such aircraft.
    pub fn snapshot(&self, index: usize) -> Option<VehicleState> {
        self.shared.aircraft.get(index).map(|a| {
            let a = lock(a);
            let mut state = a.vehicle.state();
            state.signing = a.signing.is_some();
            state.signing_rejected = a.signing_counts.rejected();
            state
        })
    }

    /// Frames aircraft `index` ignored because they were unsigned, wrongly signed or replayed
    /// (0 for no such aircraft).
    pub fn signing_rejected(&self, index: usize) -> u64 {
        self.signing_counts(index).map_or(0, |c| c.rejected())
    }

    /// What aircraft `index`'s signature checks accepted and ignored, by reason.
    pub fn signing_counts(&self, index: usize) -> Option<VerifyCounts> {
        self.shared
            .aircraft
            .get(index)
            .map(|a| lock(a).signing_counts)
    }

    /// Simulated seconds since start.
    pub fn sim_time(&self) -> f64 {
        self.shared.sim_now()
    }

    /// Takes every aircraft's link down (both directions drop everything) or back up.
    pub fn set_link_down(&self, down: bool) {
        self.shared.link_down.store(down, Ordering::Relaxed);
    }

    /// Sets aircraft `index`'s remaining battery (to exercise the low-battery failsafe).
    pub fn set_battery_percent(&self, index: usize, pct: f64) {
        if let Some(a) = self.shared.aircraft.get(index) {
            lock(a).vehicle.ap.set_battery_percent(pct);
        }
    }

    /// Makes aircraft `index` see a fence breach on its next check (it reacts only when the fence
    /// is enabled and it is flying, like a real breach).
    pub fn breach_fence(&self, index: usize) {
        if let Some(a) = self.shared.aircraft.get(index) {
            lock(a).vehicle.ap.force_fence_breach();
        }
    }

    /// Link counters since start.
    pub fn stats(&self) -> SimStats {
        self.shared.stats.snapshot()
    }

    /// Switches aircraft `index`'s camera off (its video stream stops, as when the camera or
    /// the video link fails) or back on. Fails if the simulator runs without video.
    pub fn set_video_running(&self, index: usize, running: bool) -> anyhow::Result<()> {
        self.shared.cameras.set_running(index, running)
    }

    /// Aircraft `index`'s gimbal and camera as they are now (pitch, yaw, zoom, recording, …).
    pub fn payload(&self, index: usize) -> Option<payload::Payload> {
        self.shared
            .aircraft
            .get(index)
            .map(|a| lock(a).vehicle.payload.clone())
    }

    /// Whether aircraft `index`'s camera is encoding and sending its stream now.
    pub fn video_streaming(&self, index: usize) -> bool {
        self.shared.cameras.streaming(index)
    }

    /// The UDP port aircraft `index` streams its video to, when the simulator has video.
    pub fn video_port(&self, index: usize) -> Option<u16> {
        self.shared.cameras.port(index)
    }
}

/// Where the cameras send first: the UDP ground station's host, or this machine for TCP (a
/// connecting client retargets it).
fn video_host(endpoint: &Endpoint) -> std::net::IpAddr {
    match endpoint {
        Endpoint::Udp(gcs) if !gcs.ip().is_unspecified() => gcs.ip(),
        _ => std::net::IpAddr::from([127, 0, 0, 1]),
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start position of aircraft `index` of `n`: a square grid, aircraft 0 at home, rows to the
/// north and columns to the east, [`GRID_SPACING_M`] apart.
pub fn grid_position(index: usize, n: usize) -> [f64; 2] {
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    [
        (index / cols) as f64 * GRID_SPACING_M,
        (index % cols) as f64 * GRID_SPACING_M,
    ]
}
