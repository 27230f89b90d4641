//! MAVLink 2 signing end to end over real loopback sockets: the station gives the simulated
//! aircraft a key over a trusted link, after which the aircraft obeys only correctly signed,
//! fresh frames — an unsigned second station, a station with the wrong key and a replayed
//! captured frame are all ignored and counted by the aircraft.

mod common;

use std::time::Duration;

use common::sim::*;
use common::wait;
use kestrel::link::{LinkId, LinkSpec};
use kestrel::protocol::{Command, CommandPolicy};
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};
use mavlink::MavHeader;

const LONG: Duration = Duration::from_secs(30);

fn mode(name: &str) -> Command {
    Command::SetMode {
        custom_mode: kestrel::fleet::modes::copter_mode_number(name).expect("mode"),
    }
}

/// A short command policy for commands that are expected to go unanswered.
fn impatient() -> CommandPolicy {
    CommandPolicy {
        ack_timeout: Duration::from_millis(400),
        attempts: 2,
    }
}

/// One aircraft talking to a station over UDP whose link is marked trusted; keys persist in
/// `keys`.
async fn trusted_pair(keys: &std::path::Path) -> (Simulator, Station, LinkId) {
    let addr = free_udp_addr();
    let station = Station::start(StationConfig {
        keys_dir: Some(keys.to_path_buf()),
        ..station_config(1.0)
    })
    .expect("station");
    let link = station
        .add_link(LinkSpec::UdpIn(addr))
        .await
        .expect("udpin link");
    assert!(station.set_trusted(link, true));
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .expect("simulator");
    station.wait_for_aircraft(1, LONG).await;
    (sim, station, link)
}

/// Another station that reaches the same aircraft by sending to its socket (as a second ground
/// station on the same radio network would).
async fn intruder(sim: &Simulator) -> Station {
    let station = Station::start(station_config(1.0)).expect("second station");
    station
        .add_link(LinkSpec::UdpOut(sim.vehicle_addrs()[0]))
        .await
        .expect("udpout link");
    station.wait_for_aircraft(1, LONG).await;
    station
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_commands_are_obeyed_and_unsigned_ones_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, station, _) = trusted_pair(&dir.path().join("keys")).await;
    assert!(!sim.snapshot(0).unwrap().signing);

    station.setup_signing(1).await.expect("signing set up");
    let state = sim.snapshot(0).unwrap();
    assert!(state.signing, "the aircraft holds a key");
    // The station now checks the aircraft's signatures, and they pass.
    let counts = station.signing().counts();
    assert!(counts.iter().any(|(s, c)| *s == 1 && c.accepted > 0));

    // Signed commands work.
    let outcome = station.command(1, &mode("LOITER")).await.expect("sent");
    assert!(outcome.is_accepted(), "{outcome}");
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");

    // A second station without the key is ignored: no acknowledgement, no mode change.
    let other = intruder(&sim).await;
    let before = sim.signing_counts(0).unwrap();
    let outcome = other
        .command_with(1, &mode("STABILIZE"), impatient())
        .await
        .expect("sent");
    assert!(!outcome.is_accepted(), "{outcome}");
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");
    let after = sim.signing_counts(0).unwrap();
    assert!(
        after.unsigned >= before.unsigned + 2,
        "both attempts counted as unsigned: {before:?} -> {after:?}"
    );
    assert_eq!(sim.signing_rejected(0), after.rejected());
    assert_eq!(sim.snapshot(0).unwrap().signing_rejected, after.rejected());

    // The key was stored owner-only on disk.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir.path().join("keys/aircraft-1.key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_station_with_the_wrong_key_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, station, _) = trusted_pair(&dir.path().join("keys")).await;
    station.setup_signing(1).await.expect("signing set up");

    let other = intruder(&sim).await;
    other
        .signing()
        .enable(1, kestrel::security::SigningKey::generate().unwrap());
    let before = sim.signing_counts(0).unwrap();
    let outcome = other
        .command_with(1, &mode("LOITER"), impatient())
        .await
        .expect("sent");
    assert!(!outcome.is_accepted(), "{outcome}");
    assert_eq!(sim.snapshot(0).unwrap().mode, "STABILIZE");
    let after = sim.signing_counts(0).unwrap();
    assert!(
        after.bad_signature >= before.bad_signature + 2,
        "{before:?} -> {after:?}"
    );
    // The rightful station still commands the aircraft.
    let outcome = station.command(1, &mode("LOITER")).await.expect("sent");
    assert!(outcome.is_accepted(), "{outcome}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_signed_frame_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (sim, station, link) = trusted_pair(&dir.path().join("keys")).await;
    station.setup_signing(1).await.expect("signing set up");

    // A frame exactly as the station would sign it on this link — as an eavesdropper on the radio
    // network would capture it.
    let key = station.signing().key_for(1).expect("key");
    let captured = kestrel::security::signing::encode_signed(
        MavHeader {
            system_id: 255,
            component_id: 190,
            sequence: 0,
        },
        &mode("LOITER").to_message(1, 0),
        &key,
        link.0 as u8,
        station.signing().next_timestamp(),
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.send_to(&captured, sim.vehicle_addrs()[0]).unwrap();
    wait_sim(&sim, 0, LONG, "the aircraft in LOITER", |v| {
        v.mode == "LOITER"
    })
    .await;

    // The rightful station moves on...
    let outcome = station.command(1, &mode("STABILIZE")).await.expect("sent");
    assert!(outcome.is_accepted(), "{outcome}");
    // ...and the captured frame, sent again, is refused as a replay.
    let before = sim.signing_counts(0).unwrap();
    wait::until_async("the replay counted", LONG, || {
        // Sent again on each try: a datagram may be lost.
        socket.send_to(&captured, sim.vehicle_addrs()[0]).unwrap();
        sim.signing_counts(0).unwrap().replayed > before.replayed
    })
    .await;
    assert_eq!(sim.snapshot(0).unwrap().mode, "STABILIZE");
}
