//! One aircraft, one crew, four consoles over real loopback sockets: the simulator talks to a
//! router (Kestrel's own, in front of the aircraft), which forwards to a pilot, a payload and an
//! observer console and a second pilot seat, each its own ground station with its own system id.
//! The payload seat zooms and the aircraft obeys; its "return" is refused by its own core and
//! audited; the observer's call-out reaches the pilot's screen and its acknowledgement comes
//! back; the pilot hands command to the second pilot seat (the aircraft's SYSID_MYGCS follows),
//! after which the first has no flight controls; and when the pilot seat in command goes silent
//! the aircraft's GCS failsafe acts, although the other seats are still connected.

mod common;

use std::time::{Duration, Instant};

use common::console::{aircraft, command, start_core, wait_event, HOME};
use common::sim::free_udp_addr;
use common::wait::{self, WAIT};

use kestrel::audit::AuditLog;
use kestrel::console::{
    ConsoleConfig, ConsoleHandle, Event, PayloadEvent, PayloadIntent, SeatEvent, SeatIntent,
};
use kestrel::link::LinkSpec;
use kestrel::payload::GimbalRequest;
use kestrel::protocol::PilotAction;
use kestrel::seat::desk::CallOutState;
use kestrel::seat::{CallOutKind, Seat};
use kestrel::sound::Cue;
use kestrel::station::{Station, StationConfig};
use kestrel_sim::{Endpoint, SimConfig, Simulator};

/// A console in `seat` as `person` with system id `sysid`, listening on a free port the router
/// forwards to; its data (audit trail) in `dir`.
fn seat_console(
    seat: Seat,
    person: &str,
    sysid: u8,
    dir: &std::path::Path,
) -> (ConsoleHandle, std::net::SocketAddr) {
    let addr = free_udp_addr();
    let handle = start_core(ConsoleConfig {
        links: vec![LinkSpec::UdpIn(addr)],
        data_dir: Some(dir.to_path_buf()),
        operator: person.into(),
        person: person.into(),
        seat: Some(seat),
        sysid: Some(sysid),
        ..Default::default()
    });
    (handle, addr)
}

fn audited(dir: &std::path::Path, what: impl Fn(&kestrel::audit::AuditEntry) -> bool) -> bool {
    AuditLog::open(&dir.join("audit.db"))
        .ok()
        .and_then(|log| log.entries().ok())
        .is_some_and(|entries| entries.iter().any(what))
}

#[test]
fn a_crew_of_four_consoles_shares_one_aircraft_by_seat() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    common::crew::uploaded_sortie(dirs[0].path(), "Sgt. Li", ["Wang", "Zhao"]);
    let (pilot, pilot_addr) = seat_console(Seat::Pilot, "Sgt. Li", 255, dirs[0].path());
    let (payload, payload_addr) = seat_console(Seat::Payload, "Wang", 254, dirs[1].path());
    let (observer, observer_addr) = seat_console(Seat::Observer, "Zhao", 253, dirs[2].path());
    let (pilot2, pilot2_addr) = seat_console(Seat::Pilot, "Chen", 250, dirs[3].path());

    // The router in front of the aircraft forwards to every seat, and to a port where the
    // `kestrel seat` command line listens.
    let air = free_udp_addr();
    let cli_addr = free_udp_addr();
    let router = rt.block_on(async {
        let router = Station::start(StationConfig {
            gcs_sysid: 240,
            ..Default::default()
        })
        .unwrap();
        router.add_link(LinkSpec::UdpIn(air)).await.unwrap();
        for a in [
            pilot_addr,
            payload_addr,
            observer_addr,
            pilot2_addr,
            cli_addr,
        ] {
            router.add_forward(LinkSpec::UdpOut(a)).await.unwrap();
        }
        router
    });
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(air),
        home: HOME,
        ..aircraft(1)
    })
    .unwrap();

    // Every seat sees the aircraft through the router; the first pilot seat takes command and
    // points the aircraft's GCS failsafe at itself; the second pilot seat does not grab it.
    for h in [&pilot, &payload, &observer, &pilot2] {
        wait::until("the aircraft at every seat", WAIT, || {
            h.view().fleet.get(1).is_some_and(|a| a.position.is_some())
        });
    }
    wait::until("the pilot seat in command", WAIT, || {
        pilot.view().seat.commands == vec![1]
    });
    wait::until("every seat sees the crew", WAIT, || {
        [&pilot, &payload, &observer, &pilot2]
            .iter()
            .all(|h| h.view().seat.peers.len() == 3)
    });
    assert!(pilot2.view().seat.commands.is_empty());
    assert_eq!(
        sim.snapshot(0).and_then(|v| v.param("SYSID_MYGCS")),
        Some(255.0)
    );

    // The payload seat zooms; the aircraft obeys and every seat sees the new zoom.
    payload.send(SeatIntent::Zoom {
        aircraft: 1,
        percent: 60.0,
    });
    wait::until("the aircraft zoomed", WAIT, || {
        sim.snapshot(0).is_some_and(|v| v.zoom_pct == 60.0)
    });
    wait::until("the zoom shown at the pilot seat", WAIT, || {
        pilot.view().fleet.get(1).and_then(|a| a.camera_zoom_pct) == Some(60.0)
    });
    // The observer does not work the camera.
    observer.send(SeatIntent::Zoom {
        aircraft: 1,
        percent: 10.0,
    });
    wait_event(
        &observer,
        "the observer's zoom refused",
        |e| matches!(e, Event::Seat(SeatEvent::Refused(w)) if w.contains("observer seat does not work the camera")),
    );
    // The payload seat takes the gimbal (the gimbal manager's primary control), the pilot seat in
    // command holds secondary control, and the observer's core refuses to move it, audited.
    payload.send(PayloadIntent::Gimbal(1, GimbalRequest::TakeControl));
    wait::until("payload seat primary, pilot seat secondary", WAIT, || {
        let view = pilot.view();
        let c = view.payload.get(1)?.state.control?;
        ((c.primary_sysid, c.secondary_sysid) == (254, 255)).then_some(())
    });
    observer.send(PayloadIntent::Gimbal(
        1,
        GimbalRequest::Point {
            pitch_deg: -60.0,
            yaw_deg: 0.0,
            earth: false,
        },
    ));
    wait_event(&observer, "the observer's gimbal request refused", |e| {
        matches!(e, Event::Payload(PayloadEvent::Refused { reason, .. })
            if reason == "the observer seat does not work the camera or gimbal")
    });
    assert!(audited(dirs[2].path(), |e| {
        e.detail.starts_with("point the gimbal")
            && e.result == "refused: the observer seat does not work the camera or gimbal"
    }));

    // The payload seat's "return" is refused by its own core, with the reason, and audited.
    let report = command(&payload, PilotAction::ReturnToLaunch);
    let why = report.outcome.clone().unwrap_err();
    assert!(
        why.contains("payload seat holds no flight controls"),
        "{why}"
    );
    assert!(audited(dirs[1].path(), |e| e.detail == "return to launch"
        && e.result.starts_with("refused:")));
    assert_ne!(sim.snapshot(0).map(|v| v.mode), Some("RTL".to_string()));

    // The pilot flies.
    assert!(command(&pilot, PilotAction::Takeoff { alt_m: 10.0 }).accepted());
    wait::until("airborne", WAIT, || {
        sim.snapshot(0).is_some_and(|v| v.rel_alt_m > 5.0)
    });
    // Who sat in which seat when it armed is on the sortie and in the pilot's audit trail.
    let seats = "pilot Chen (system 250); pilot Sgt. Li (system 255); payload Wang (system 254); \
                 observer Zhao (system 253)";
    wait::until("the crew seats on the sortie", WAIT, || {
        audited(dirs[0].path(), |e| {
            e.detail == format!("crew seats when it armed: {seats}")
                && e.result == "recorded on sortie 1"
        })
    });
    let sortie = kestrel::crew::CrewStore::open_in(dirs[0].path())
        .unwrap()
        .sortie(1)
        .unwrap();
    assert_eq!(sortie.progress.seats.as_deref(), Some(seats));

    // The observer calls out; the pilot's screen shows it, and the acknowledgement goes back.
    let called = Instant::now();
    observer.send(SeatIntent::CallOut {
        kind: CallOutKind::PeopleBelow,
        aircraft: Some(1),
    });
    let Event::Seat(SeatEvent::CallOut(c)) = wait_event(&pilot, "the call-out at the pilot", |e| {
        matches!(e, Event::Seat(SeatEvent::CallOut(_)))
    }) else {
        unreachable!()
    };
    eprintln!(
        "call-out observer → pilot: {:.0} ms",
        called.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(c.kind, CallOutKind::PeopleBelow);
    assert!(c.from_person.contains("Zhao"), "{}", c.from_person);
    wait::until("the banner on the pilot's view", WAIT, || {
        pilot.view().seat.banners().len() == 1
    });
    // It sounds on the pilot's seat, through a real GStreamer pipeline, until acknowledged;
    // the observer's own seat stays quiet.
    let call_out_held = |h: &ConsoleHandle| {
        h.view()
            .sound
            .status
            .held
            .contains(&("call-outs".to_string(), Cue::CallOut))
    };
    wait::until("the call-out sounding at the pilot", WAIT, || {
        call_out_held(&pilot) && pilot.view().sound.status.finished >= 1
    });
    assert!(!call_out_held(&observer));
    wait::until("the observer sees it shown", WAIT, || {
        observer
            .view()
            .seat
            .call_outs
            .last()
            .is_some_and(|c| c.state == CallOutState::Shown)
    });
    pilot.send(SeatIntent::Acknowledge {
        from: c.from,
        id: c.id,
    });
    wait::until("the observer sees it acknowledged", WAIT, || {
        observer
            .view()
            .seat
            .call_outs
            .last()
            .is_some_and(|c| c.state == CallOutState::Acknowledged)
    });
    assert!(pilot.view().seat.banners().is_empty());
    wait::until("the pilot's call-out sound stopped", WAIT, || {
        !call_out_held(&pilot)
    });

    // The command line sees the crew, and its call-out reaches the pilot's screen too.
    let kestrel = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kestrel"))
            .arg("--data-dir")
            .arg(dirs[2].path().join("cli"))
            .args(args)
            .output()
            .expect("kestrel runs")
    };
    let link = format!("udpin:{cli_addr}");
    let out = kestrel(&["--json", "seat", "crew", "--link", &link, "--wait", "2.5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let crew: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let crew = crew.as_array().unwrap();
    assert_eq!(crew.len(), 4, "{crew:?}");
    assert!(crew
        .iter()
        .any(|p| p["person"] == "Sgt. Li" && p["commands"] == serde_json::json!([1])));
    let out = kestrel(&[
        "seat",
        "call-out",
        "traffic",
        "--link",
        &link,
        "--person",
        "Zhao (CLI)",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("on the pilot's screen"));
    wait::until(
        "the command line's call-out on the pilot's banner",
        WAIT,
        || {
            let v = pilot.view();
            let found =
                v.seat.banners().iter().any(|c| {
                    c.kind == CallOutKind::Traffic && c.from_person.contains("Zhao (CLI)")
                });
            if found {
                Ok(())
            } else {
                Err(format!("{:?}", v.seat.call_outs))
            }
        },
    );

    // Hand-over: the pilot offers, the second pilot seat accepts, the aircraft follows it.
    pilot.send(SeatIntent::Offer {
        aircraft: 1,
        to: 250,
    });
    let Event::Seat(SeatEvent::Offered(offer)) =
        wait_event(&pilot2, "the offer at the second pilot", |e| {
            matches!(e, Event::Seat(SeatEvent::Offered(_)))
        })
    else {
        unreachable!()
    };
    assert_eq!(offer.aircraft, 1);
    pilot2.send(SeatIntent::Answer {
        offer: offer.id,
        accept: true,
    });
    wait::until("the second pilot in command", WAIT, || {
        pilot2.view().seat.commands == vec![1] && pilot.view().seat.commands.is_empty()
    });
    assert_eq!(
        sim.snapshot(0).and_then(|v| v.param("SYSID_MYGCS")),
        Some(250.0)
    );
    let why = command(&pilot, PilotAction::Hold).outcome.unwrap_err();
    assert!(why.contains("commanded by the pilot seat of Chen"), "{why}");
    assert!(!pilot.view().seat.may_fly(1));
    assert!(command(&pilot2, PilotAction::Hold).accepted());
    assert!(audited(dirs[0].path(), |e| e.result == "handed over"));
    assert!(audited(dirs[3].path(), |e| e.result == "in command"));

    // The pilot seat in command closes; the other three keep sending heartbeats, yet the
    // aircraft's GCS failsafe acts (FS_GCS_ENABLE 1: return to launch).
    drop(pilot2);
    wait::until("the GCS failsafe", WAIT, || {
        sim.snapshot(0)
            .is_some_and(|v| v.gcs_failsafe && v.mode == "RTL")
    });
    let (counts, stations) = router.routing();
    assert_eq!(
        stations,
        vec![230, 250, 253, 254, 255],
        "every seat (and the command line) was heard"
    );
    assert_eq!(counts.echoes, 0);
    drop(sim);
    drop(router);
}

/// Reads MAVLink frames from a plain UDP socket, as a pymavlink-style third-party station would.
struct PlainStation {
    sock: std::net::UdpSocket,
    decoder: kestrel::link::FrameDecoder,
}

impl PlainStation {
    fn bind() -> Self {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        Self {
            sock,
            decoder: kestrel::link::FrameDecoder::new(),
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.sock.local_addr().unwrap()
    }

    /// Every frame received for `span`: (sysid, compid, seq, message id, bytes).
    fn collect(&mut self, span: Duration) -> Vec<(u8, u8, u8, u32, Vec<u8>)> {
        let end = Instant::now() + span;
        let mut out = Vec::new();
        let mut buf = [0u8; 2048];
        while Instant::now() < end {
            if let Ok((n, _)) = self.sock.recv_from(&mut buf) {
                self.decoder.feed(&buf[..n], |f| {
                    out.push((
                        f.system_id(),
                        f.component_id(),
                        f.sequence(),
                        f.message_id(),
                        f.bytes().to_vec(),
                    ))
                });
            }
        }
        out
    }
}

#[test]
fn two_routers_pointing_at_each_other_deliver_every_frame_once() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut plain = PlainStation::bind();
    let (a_air, b_in) = (free_udp_addr(), free_udp_addr());
    // A hears the aircraft and forwards to B; B forwards to the plain station and back to A's
    // aircraft port: a loop A → B → A.
    let (a, b) = rt.block_on(async {
        let a = Station::start(StationConfig {
            gcs_sysid: 240,
            ..Default::default()
        })
        .unwrap();
        a.add_link(LinkSpec::UdpIn(a_air)).await.unwrap();
        a.add_forward(LinkSpec::UdpOut(b_in)).await.unwrap();
        let b = Station::start(StationConfig {
            gcs_sysid: 241,
            ..Default::default()
        })
        .unwrap();
        b.add_link(LinkSpec::UdpIn(b_in)).await.unwrap();
        b.add_forward(LinkSpec::UdpOut(plain.addr())).await.unwrap();
        b.add_forward(LinkSpec::UdpOut(a_air)).await.unwrap();
        (a, b)
    });
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(a_air),
        ..aircraft(1)
    })
    .unwrap();
    wait::until("the aircraft at B", WAIT, || {
        b.snapshot().get(1).is_some_and(|x| x.position.is_some())
    });

    // Sequence numbers end to end: every frame of the aircraft's autopilot arrives once, in
    // order (a gap is a lost datagram; a repeat would be a duplicate).
    let frames = plain.collect(Duration::from_secs(3));
    let autopilot: Vec<u8> = frames
        .iter()
        .filter(|f| f.0 == 1 && f.1 == 1)
        .map(|f| f.2)
        .collect();
    assert!(autopilot.len() > 50, "only {} frames", autopilot.len());
    let mut repeats = 0;
    for w in autopilot.windows(2) {
        let step = w[1].wrapping_sub(w[0]);
        if step == 0 || step > 128 {
            repeats += 1;
        }
    }
    assert_eq!(repeats, 0, "sequence {autopilot:?}");
    let mut seen = std::collections::HashSet::new();
    // (The routers' own heartbeats may come by both paths of the loop, seconds apart: each
    // link numbers its own frames, so those are two sendings, not one frame twice.)
    let twice: Vec<_> = frames
        .iter()
        .filter(|f| f.0 == 1 && !seen.insert(f.4.clone()))
        .map(|f| (f.0, f.1, f.2, f.3))
        .collect();
    assert!(
        twice.is_empty(),
        "frames twice (sysid, compid, seq, msgid): {twice:?}"
    );

    // The loop is cut: A drops what comes back, and traffic does not grow.
    let a_links = a.links();
    let dropped: u64 = a_links.iter().map(|l| l.duplicates).sum();
    assert!(dropped > 0, "the loop's copies reach A and are dropped");
    let (a_counts, _) = a.routing();
    assert!(a_counts.duplicates > 0);
    let fwd_before: u64 = b.links().iter().map(|l| l.forwarded).sum();
    let frames2 = plain.collect(Duration::from_secs(2));
    let fwd_after: u64 = b.links().iter().map(|l| l.forwarded).sum();
    // B forwards each aircraft frame at most twice (to the plain station and back to A), plus
    // the stations' own traffic and what straddles the window's edges (the counters and the
    // capture are not read at one instant; under load that was up to 2.3 per aircraft frame).
    // A loop multiplies without bound, so three per frame still tells one.
    let aircraft_frames = frames2.iter().filter(|f| f.0 == 1).count() as u64;
    assert!(
        fwd_after - fwd_before <= 3 * aircraft_frames + 20,
        "B forwarded {} frames for {aircraft_frames} aircraft frames",
        fwd_after - fwd_before
    );

    // A third-party station behind both routers still commands the aircraft: its
    // COMMAND_LONG goes B → A → aircraft, the ACK comes back once.
    use mavlink::dialects::ardupilotmega::{MavCmd, MavMessage, COMMAND_LONG_DATA};
    let cmd = MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        command: MavCmd::MAV_CMD_REQUEST_MESSAGE,
        param1: 148.0, // AUTOPILOT_VERSION
        target_system: 1,
        target_component: 1,
        ..Default::default()
    });
    let bytes = kestrel::link::frame::encode_v2(
        mavlink::MavHeader {
            system_id: 200,
            component_id: 190,
            sequence: 0,
        },
        &cmd,
    );
    plain.sock.send_to(&bytes, b_in).unwrap();
    let acks = wait::until("the ACK at the third-party station", WAIT, || {
        let acks: Vec<_> = plain
            .collect(Duration::from_millis(500))
            .into_iter()
            .filter(|f| f.0 == 1 && f.3 == 77)
            .collect();
        (!acks.is_empty()).then_some(acks)
    });
    assert_eq!(acks.len(), 1, "one ACK, not one per path");
    drop(sim);
}

#[test]
fn kestrel_router_forwards_to_a_third_party_station_and_reports_its_endpoints() {
    let mut plain = PlainStation::bind();
    let air = free_udp_addr();
    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("router.json");
    let mut router = std::process::Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "router", "run"])
        .args(["--link", &format!("udpin:{air}")])
        .args(["--forward", &format!("udpout:{}", plain.addr())])
        .args(["--status-file", status.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("kestrel router starts");
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(air),
        ..aircraft(1)
    })
    .unwrap();
    // The plain station hears the aircraft's heartbeat through the router.
    wait::until(
        "the aircraft's heartbeat at the plain station",
        WAIT,
        || {
            plain
                .collect(Duration::from_millis(200))
                .iter()
                .any(|f| f.0 == 1 && f.3 == 0)
        },
    );
    let row = wait::until("the router's status", WAIT, || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kestrel"))
            .args(["--json", "router", "status", "--status-file"])
            .arg(&status)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        let fwd = v["links"]
            .as_array()?
            .iter()
            .find(|l| l["role"] == "forward")?
            .clone();
        (out.status.success()
            && v["aircraft"] == serde_json::json!([1])
            && fwd["forwarded"].as_u64()? > 0)
            .then_some(fwd)
    });
    assert_eq!(row["condition"], "up");
    let _ = router.kill();
    let _ = router.wait();
    drop(sim);
    // A router that is not running is said to be so.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(["router", "status", "--status-file"])
        .arg(dir.path().join("none.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is `kestrel router run` running"));
}
