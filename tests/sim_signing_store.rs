//! The simulator remembers its signing key (`--signing-store`), as ArduPilot keeps its key in
//! storage: after a restart with the same store it still refuses unsigned commands and obeys the
//! station holding the key. Real simulator, real station, real loopback sockets.

mod common;

use std::time::Duration;

use common::sim::*;
use common::wait;
use kestrel::link::LinkSpec;
use kestrel::protocol::{Command, CommandPolicy};
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(30);

fn mode(name: &str) -> Command {
    Command::SetMode {
        custom_mode: kestrel::fleet::modes::copter_mode_number(name).expect("mode"),
    }
}

fn simulator(gcs: std::net::SocketAddr, store: &std::path::Path) -> Simulator {
    Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(gcs),
        signing_store: Some(store.to_path_buf()),
        ..Default::default()
    })
    .expect("simulator")
}

/// Good signed frames the station accepted from aircraft 1 so far.
fn accepted(station: &Station) -> u64 {
    station
        .signing()
        .counts()
        .into_iter()
        .find(|(s, _)| *s == 1)
        .map_or(0, |(_, c)| c.accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_simulator_keeps_enforcing_signing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("sim-keys");
    let addr = free_udp_addr();
    let station = Station::start(StationConfig {
        keys_dir: Some(dir.path().join("keys")),
        ..station_config(1.0)
    })
    .expect("station");
    let link = station.add_link(LinkSpec::UdpIn(addr)).await.unwrap();
    assert!(station.set_trusted(link, true));

    let sim = simulator(addr, &store);
    station.wait_for_aircraft(1, LONG).await;
    station.setup_signing(1).await.expect("signing set up");
    // The key reached the store when it was installed; owner-only.
    let file = store.clone();
    wait::until_async("the store written", LONG, || file.exists()).await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "store not owner-only");
    }
    drop(sim);

    // A new simulator process-equivalent with the same store: it signs from its first frame.
    let before = accepted(&station);
    let sim = simulator(addr, &store);
    assert!(sim.snapshot(0).unwrap().signing, "key not restored");
    wait::until_async("signed frames from the restarted aircraft", LONG, || {
        accepted(&station) > before + 5
    })
    .await;

    // An unsigned second station is ignored...
    let other = Station::start(station_config(1.0)).expect("second station");
    other
        .add_link(LinkSpec::UdpOut(sim.vehicle_addrs()[0]))
        .await
        .unwrap();
    other.wait_for_aircraft(1, LONG).await;
    let refused_before = sim.signing_counts(0).unwrap().unsigned;
    let impatient = CommandPolicy {
        ack_timeout: Duration::from_millis(400),
        attempts: 2,
    };
    let outcome = other
        .command_with(1, &mode("LAND"), impatient)
        .await
        .expect("sent");
    assert!(!outcome.is_accepted(), "{outcome}");
    assert!(sim.signing_counts(0).unwrap().unsigned >= refused_before + 2);
    assert_ne!(sim.snapshot(0).unwrap().mode, "LAND");

    // ...and the station holding the key still commands it.
    let outcome = station.command(1, &mode("LOITER")).await.expect("sent");
    assert!(outcome.is_accepted(), "{outcome}");
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");
}

#[test]
fn a_damaged_store_stops_the_simulator_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("sim-keys");
    std::fs::write(&store, "1 not-a-key 5\n").unwrap();
    let err = Simulator::start(SimConfig {
        signing_store: Some(store),
        endpoint: Endpoint::Udp(free_udp_addr()),
        ..Default::default()
    })
    .err()
    .expect("a damaged store must not be ignored");
    assert!(format!("{err:#}").contains("damaged"), "{err:#}");
}
