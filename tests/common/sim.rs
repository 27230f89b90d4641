//! A simulator and a station joined over real loopback sockets, free ports to join them on, and
//! waits on what each side sees (the station's fleet snapshot, the simulator's own state).

use std::net::SocketAddr;
use std::time::Duration;

use kestrel::fleet::{Aircraft, FleetSnapshot};
use kestrel::link::LinkSpec;
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, Faults, SimConfig, Simulator, VehicleState};

use super::wait;

/// A free loopback UDP port.
pub fn free_udp_addr() -> SocketAddr {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.local_addr().expect("addr")
}

/// A free loopback TCP base port with `count` ports free at +10*i (best effort).
pub fn free_tcp_base(count: usize) -> SocketAddr {
    for _ in 0..50 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = l.local_addr().expect("addr");
        drop(l);
        let ok = (0..count).all(|i| {
            std::net::TcpListener::bind(("127.0.0.1", base.port().wrapping_add(10 * i as u16)))
                .is_ok()
        });
        if ok && base.port() < 60000 {
            return base;
        }
    }
    panic!("no free TCP port range")
}

/// One simulated aircraft listening on TCP, as ArduPilot's SITL does, and the `tcpout:` link a
/// command-line station reaches it with.
pub fn tcp_aircraft() -> (Simulator, String) {
    let base = free_tcp_base(1);
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Tcp(base),
        ..Default::default()
    })
    .expect("the simulator starts");
    (sim, format!("tcpout:{base}"))
}

/// A station config whose heartbeat keeps up with a simulator running `speedup` times faster.
pub fn station_config(speedup: f64) -> StationConfig {
    StationConfig {
        heartbeat_interval: Duration::from_secs_f64(1.0 / speedup.max(1.0)),
        ..Default::default()
    }
}

/// `n` simulated aircraft sending to a station listening on UDP.
pub async fn udp_fleet(n: usize, speedup: f64, faults: Faults) -> (Simulator, Station) {
    let addr = free_udp_addr();
    let station = Station::start(station_config(speedup)).expect("station");
    station
        .add_link(LinkSpec::UdpIn(addr))
        .await
        .expect("udpin link");
    let sim = Simulator::start(SimConfig {
        vehicles: n,
        endpoint: Endpoint::Udp(addr),
        speedup,
        faults,
        ..Default::default()
    })
    .expect("simulator");
    (sim, station)
}

/// Polls `f` on fresh fleet snapshots of `station` until it returns `Some`, or panics with
/// `what` and the fleet as the station sees it after `timeout`.
pub async fn wait_fleet<T>(
    station: &Station,
    timeout: Duration,
    what: &str,
    mut f: impl FnMut(&FleetSnapshot) -> Option<T>,
) -> T {
    wait::until_async(what, timeout, || {
        let snap = station.snapshot();
        f(&snap).ok_or_else(|| {
            let state: Vec<String> = snap.aircraft.iter().map(|a| describe(a)).collect();
            format!("fleet [{}]", state.join("; "))
        })
    })
    .await
}

/// One line about an aircraft for failure messages.
pub fn describe(a: &Aircraft) -> String {
    format!(
        "sysid {} {} armed={} alt={:.1} pos={:?} item={:?}",
        a.sysid,
        a.mode_name(),
        a.armed,
        a.alt_rel_m,
        a.position,
        a.mission_current
    )
}

/// Polls the simulator's own view of aircraft `index` until `f` holds, or panics with `what` and
/// the simulator's state after `timeout`.
pub async fn wait_sim(
    sim: &Simulator,
    index: usize,
    timeout: Duration,
    what: &str,
    f: impl Fn(&VehicleState) -> bool,
) {
    wait::until_async(what, timeout, || match sim.snapshot(index) {
        Some(v) if f(&v) => Ok(()),
        Some(v) => Err(format!("the simulator says {v:?}")),
        None => Err("no such simulated aircraft".to_string()),
    })
    .await
}
