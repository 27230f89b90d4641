//! The simulator over real loopback sockets, driven the way a GCS would with the `mavlink` crate:
//! UDP with three aircraft (heartbeats, pre-arm refusal, arm, takeoff at 10× speed), TCP with
//! the SITL port convention (params, mission upload), link-down, and socket release on drop.

use std::collections::HashSet;
use std::io::Cursor;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_sim::{Endpoint, SimConfig, Simulator};
use mavlink::dialects::ardupilotmega::*;
use mavlink::{MavHeader, MavlinkReader};

// The workspace's test harness for waiting (std and tokio only, so it fits this crate too).
#[path = "../../tests/common/wait.rs"]
mod wait;
use wait::WAIT;

const GCS: MavHeader = MavHeader {
    system_id: 255,
    component_id: 190,
    sequence: 0,
};

fn encode(msg: &MavMessage) -> Vec<u8> {
    let mut buf = Vec::new();
    mavlink::write_v2_msg(&mut buf, GCS, msg).expect("encode");
    buf
}

fn decode_all(bytes: &[u8]) -> Vec<(MavHeader, MavMessage)> {
    let mut reader = MavlinkReader::new(Cursor::new(bytes));
    let mut out = Vec::new();
    while let Ok(frame) = reader.read_any_message::<MavMessage>() {
        out.push(frame);
    }
    out
}

fn gcs_heartbeat() -> MavMessage {
    MavMessage::HEARTBEAT(HEARTBEAT_DATA {
        mavtype: MavType::MAV_TYPE_GCS,
        autopilot: MavAutopilot::MAV_AUTOPILOT_INVALID,
        ..Default::default()
    })
}

fn command(target: u8, command: MavCmd, p: [f32; 7]) -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: p[0],
        param2: p[1],
        param3: p[2],
        param4: p[3],
        param5: p[4],
        param6: p[5],
        param7: p[6],
        command,
        target_system: target,
        target_component: 1,
        confirmation: 0,
    })
}

/// A GCS on a UDP socket.
struct UdpGcs {
    sock: UdpSocket,
    buf: Vec<u8>,
}

impl UdpGcs {
    fn new() -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        Self {
            sock,
            buf: vec![0; 65536],
        }
    }

    fn addr(&self) -> SocketAddr {
        self.sock.local_addr().unwrap()
    }

    fn send(&self, to: SocketAddr, msg: &MavMessage) {
        self.sock.send_to(&encode(msg), to).unwrap();
    }

    /// Receives until `f` returns Some or the timeout passes.
    fn wait_for<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&MavHeader, &MavMessage) -> Option<T>,
    ) -> Option<T> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            let Ok(n) = self.sock.recv(&mut self.buf) else {
                continue;
            };
            for (h, m) in decode_all(&self.buf[..n]) {
                if let Some(t) = f(&h, &m) {
                    return Some(t);
                }
            }
        }
        None
    }

    fn ack(&mut self, sysid: u32, cmd: MavCmd) -> MavResult {
        self.wait_for(Duration::from_secs(3), |h, m| match m {
            MavMessage::COMMAND_ACK(a) if h.system_id == sysid && a.command == cmd => {
                Some(a.result)
            }
            _ => None,
        })
        .expect("COMMAND_ACK")
    }
}

#[test]
fn udp_three_aircraft_arm_after_gps_and_take_off_at_10x() {
    let mut gcs = UdpGcs::new();
    let sim = Simulator::start(SimConfig {
        vehicles: 3,
        endpoint: Endpoint::Udp(gcs.addr()),
        speedup: 10.0,
        gps_warmup_s: 20.0,
        ..Default::default()
    })
    .unwrap();
    let addrs = sim.vehicle_addrs();
    assert_eq!(addrs.len(), 3);
    assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() != 0));

    // Heartbeats from sysid 1..3, each from its own socket, component 1, MAVLink 2.
    let mut seen = HashSet::new();
    gcs.wait_for(Duration::from_secs(5), |h, m| {
        if let MavMessage::HEARTBEAT(hb) = m {
            assert_eq!(h.component_id, 1);
            assert_eq!(hb.autopilot, MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA);
            seen.insert(h.system_id);
        }
        (seen.len() == 3).then_some(())
    })
    .expect("heartbeats from three aircraft");
    assert_eq!(seen, HashSet::from([1, 2, 3]));

    // A GCS heartbeat stream (the GCS failsafe timeout shrinks 10× with the speedup).
    let stop = Arc::new(AtomicBool::new(false));
    let hb_thread = {
        let sock = gcs.sock.try_clone().unwrap();
        let stop = stop.clone();
        let addrs = addrs.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for a in &addrs {
                    let _ = sock.send_to(&encode(&gcs_heartbeat()), a);
                }
                // The scenario's heartbeat rate (20 Hz), not synchronisation.
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    // At 10× the GCS failsafe fires after 0.5 s of wall time without a heartbeat; a loaded CI
    // machine can stall the thread above that long, so this test turns the failsafe off.
    let v1 = addrs[0];
    gcs.send(
        v1,
        &MavMessage::PARAM_SET(PARAM_SET_DATA {
            param_value: 0.0,
            target_system: 1,
            target_component: 1,
            param_id: "FS_GCS_ENABLE".into(),
            param_type: MavParamType::MAV_PARAM_TYPE_INT8,
        }),
    );
    gcs.wait_for(Duration::from_secs(3), |_, m| match m {
        MavMessage::PARAM_VALUE(p) if p.param_id.to_str() == Ok("FS_GCS_ENABLE") => Some(()),
        _ => None,
    })
    .expect("PARAM_SET echoed");

    // Before the position estimate: arming refused with the ArduCopter reason.
    gcs.send(
        v1,
        &command(
            1,
            MavCmd::MAV_CMD_DO_SET_MODE,
            [1.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    assert_eq!(
        gcs.ack(1, MavCmd::MAV_CMD_DO_SET_MODE),
        MavResult::MAV_RESULT_ACCEPTED
    );
    gcs.send(
        v1,
        &command(
            1,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    let mut refused_text = false;
    let result = gcs
        .wait_for(Duration::from_secs(3), |h, m| match m {
            MavMessage::STATUSTEXT(t) if h.system_id == 1 => {
                refused_text |= t
                    .text
                    .to_str()
                    .unwrap_or("")
                    .contains("PreArm: Need Position Estimate");
                None
            }
            MavMessage::COMMAND_ACK(a) if h.system_id == 1 => Some(a.result),
            _ => None,
        })
        .unwrap();
    assert_eq!(result, MavResult::MAV_RESULT_FAILED);

    // Wait for a real position (20 s simulated = 2 s here).
    gcs.wait_for(Duration::from_secs(5), |h, m| match m {
        MavMessage::STATUSTEXT(t) if h.system_id == 1 => {
            refused_text |= t
                .text
                .to_str()
                .unwrap_or("")
                .contains("PreArm: Need Position Estimate");
            None
        }
        MavMessage::GLOBAL_POSITION_INT(p) if h.system_id == 1 && p.lat != 0 => Some(()),
        _ => None,
    })
    .expect("position after warm-up");
    assert!(refused_text, "PreArm STATUSTEXT");

    gcs.send(
        v1,
        &command(
            1,
            MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
            [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    assert_eq!(
        gcs.ack(1, MavCmd::MAV_CMD_COMPONENT_ARM_DISARM),
        MavResult::MAV_RESULT_ACCEPTED
    );
    gcs.send(
        v1,
        &command(
            1,
            MavCmd::MAV_CMD_NAV_TAKEOFF,
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0],
        ),
    );
    assert_eq!(
        gcs.ack(1, MavCmd::MAV_CMD_NAV_TAKEOFF),
        MavResult::MAV_RESULT_ACCEPTED
    );

    // Altitude rises steadily to 20 m: 8 s simulated, under a second here (5 s is the limit).
    let mut alts = Vec::new();
    gcs.wait_for(Duration::from_secs(5), |h, m| match m {
        MavMessage::GLOBAL_POSITION_INT(p) if h.system_id == 1 => {
            alts.push(p.relative_alt);
            (p.relative_alt > 19_000).then_some(())
        }
        _ => None,
    })
    .expect("climbs to 20 m");
    assert!(alts.len() >= 4, "{alts:?}");
    assert!(
        alts.windows(2).filter(|w| w[1] > w[0]).count() >= alts.len() / 2,
        "{alts:?}"
    );

    // The other aircraft stayed on the ground; the snapshot agrees with the wire.
    let s1 = sim.snapshot(0).unwrap();
    assert!(
        s1.armed && !s1.landed && s1.rel_alt_m > 18.0 && s1.mode == "GUIDED",
        "{s1:?}"
    );
    let s2 = sim.snapshot(1).unwrap();
    assert!(!s2.armed && s2.landed);
    assert!(
        (s2.lat - s1.lat).abs() + (s2.lon - s1.lon).abs() > 1e-5,
        "aircraft start apart"
    );
    assert!(sim.snapshot(3).is_none());
    let stats = sim.stats();
    assert!(
        stats.frames_sent > 50 && stats.frames_received > 10,
        "{stats:?}"
    );

    stop.store(true, Ordering::Relaxed);
    hb_thread.join().unwrap();
}

#[test]
fn udp_link_down_silences_both_ways() {
    let mut gcs = UdpGcs::new();
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(gcs.addr()),
        speedup: 5.0,
        ..Default::default()
    })
    .unwrap();
    gcs.wait_for(Duration::from_secs(3), |_, m| {
        matches!(m, MavMessage::HEARTBEAT(_)).then_some(())
    })
    .expect("heartbeat");
    sim.set_link_down(true);
    // Once the simulator drops what it would send, only frames already sent can still arrive:
    // drain them (until the socket has been quiet for its read timeout).
    wait::until("the simulator to drop outgoing frames", WAIT, || {
        sim.stats().dropped_out > 0
    });
    while gcs.sock.recv(&mut gcs.buf).is_ok() {}
    let heard = gcs.wait_for(Duration::from_millis(600), |_, _| Some(()));
    assert!(heard.is_none(), "nothing while the link is down");
    gcs.send(
        sim.vehicle_addrs()[0],
        &command(
            1,
            MavCmd::MAV_CMD_DO_SET_MODE,
            [1.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    wait::until("the command to arrive (and be dropped)", WAIT, || {
        sim.stats().dropped_in > 0
    });
    assert_eq!(
        sim.snapshot(0).unwrap().mode,
        "STABILIZE",
        "commands dropped too"
    );
    let stats = sim.stats();
    assert!(stats.dropped_out > 0 && stats.dropped_in == 1, "{stats:?}");
    sim.set_link_down(false);
    gcs.wait_for(Duration::from_secs(2), |_, m| {
        matches!(m, MavMessage::HEARTBEAT(_)).then_some(())
    })
    .expect("heartbeats resume");
}

/// A free TCP port P such that P + 10 is probably free too.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().min(60_000)
}

fn tcp_read_until<T>(
    stream: &TcpStream,
    timeout: Duration,
    mut f: impl FnMut(&MavHeader, &MavMessage) -> Option<T>,
) -> Option<T> {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let end = Instant::now() + timeout;
    let mut reader = MavlinkReader::new(stream.try_clone().unwrap());
    while Instant::now() < end {
        match reader.read_any_message::<MavMessage>() {
            Ok((h, m)) => {
                if let Some(t) = f(&h, &m) {
                    return Some(t);
                }
            }
            Err(_) => continue,
        }
    }
    None
}

#[test]
fn tcp_sitl_ports_params_and_mission_upload() {
    use std::io::Write;
    let base = free_port();
    let sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Tcp(SocketAddr::from(([127, 0, 0, 1], base))),
        ..Default::default()
    })
    .unwrap();
    let addrs = sim.vehicle_addrs();
    assert_eq!(addrs[0].port(), base);
    assert_eq!(addrs[1].port(), base + 10);

    let s2 = TcpStream::connect(addrs[1]).unwrap();
    let sysid = tcp_read_until(&s2, Duration::from_secs(3), |h, m| {
        matches!(m, MavMessage::HEARTBEAT(_)).then_some(h.system_id)
    });
    assert_eq!(sysid, Some(2));

    // PARAM_REQUEST_READ by name.
    (&s2)
        .write_all(&encode(&MavMessage::PARAM_REQUEST_READ(
            PARAM_REQUEST_READ_DATA {
                param_index: -1,
                target_system: 2,
                target_component: 1,
                param_id: "RTL_ALT".into(),
            },
        )))
        .unwrap();
    let v = tcp_read_until(&s2, Duration::from_secs(3), |_, m| match m {
        MavMessage::PARAM_VALUE(p) => Some(p.param_value),
        _ => None,
    });
    assert_eq!(v, Some(1500.0));

    // Mission upload answered with legacy MISSION_REQUEST, then ACK.
    #[allow(deprecated)]
    let frame = MavFrame::MAV_FRAME_GLOBAL_RELATIVE_ALT_INT;
    let item = |seq: u16, cmd: MavCmd, z: f32| MISSION_ITEM_INT_DATA {
        seq,
        command: cmd,
        frame,
        x: 364_560_000 + i32::from(seq) * 1000,
        y: 1_159_850_000,
        z,
        target_system: 2,
        target_component: 1,
        autocontinue: 1,
        ..Default::default()
    };
    let items = [
        item(0, MavCmd::MAV_CMD_NAV_WAYPOINT, 0.0),
        item(1, MavCmd::MAV_CMD_NAV_TAKEOFF, 20.0),
        item(2, MavCmd::MAV_CMD_NAV_WAYPOINT, 25.0),
    ];
    (&s2)
        .write_all(&encode(&MavMessage::MISSION_COUNT(MISSION_COUNT_DATA {
            count: 3,
            target_system: 2,
            target_component: 1,
            ..Default::default()
        })))
        .unwrap();
    let mut requested = Vec::new();
    let result = tcp_read_until(&s2, Duration::from_secs(5), |_, m| match m {
        #[allow(deprecated)]
        MavMessage::MISSION_REQUEST(r) => {
            requested.push(r.seq);
            (&s2)
                .write_all(&encode(&MavMessage::MISSION_ITEM_INT(
                    items[usize::from(r.seq)].clone(),
                )))
                .unwrap();
            None
        }
        MavMessage::MISSION_ACK(a) => Some(a.mavtype),
        _ => None,
    });
    assert_eq!(result, Some(MavMissionResult::MAV_MISSION_ACCEPTED));
    assert_eq!(requested, vec![0, 1, 2]);
    let s = sim.snapshot(1).unwrap();
    assert_eq!(s.mission_count, 3);
    assert_eq!(sim.snapshot(0).unwrap().mission_count, 0);

    // Dropping the simulator closes the listeners: the ports can be bound again.
    drop(sim);
    for a in addrs {
        std::net::TcpListener::bind(a).expect("port released on drop");
    }
}

#[test]
fn port_in_use_is_an_error_not_a_panic() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = Simulator::start(SimConfig {
        endpoint: Endpoint::Tcp(taken.local_addr().unwrap()),
        ..Default::default()
    })
    .err()
    .expect("bind error");
    assert!(format!("{err:#}").contains("cannot listen on"), "{err:#}");
}

#[test]
fn simulator_handle_can_be_shared_across_threads_and_tasks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Simulator>();
    assert_send_sync::<kestrel_sim::VehicleState>();
}

#[test]
fn latency_and_loss_are_applied_each_way() {
    // 100 ms each way: a command's ACK comes back after ~200 ms.
    let mut gcs = UdpGcs::new();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(gcs.addr()),
        faults: kestrel_sim::Faults {
            latency_ms: 100,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    gcs.wait_for(Duration::from_secs(3), |_, m| {
        matches!(m, MavMessage::HEARTBEAT(_)).then_some(())
    })
    .expect("heartbeat");
    let sent = Instant::now();
    gcs.send(
        sim.vehicle_addrs()[0],
        &command(
            1,
            MavCmd::MAV_CMD_DO_SET_MODE,
            [1.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
    );
    assert_eq!(
        gcs.ack(1, MavCmd::MAV_CMD_DO_SET_MODE),
        MavResult::MAV_RESULT_ACCEPTED
    );
    let rtt = sent.elapsed();
    assert!(
        rtt >= Duration::from_millis(195) && rtt < Duration::from_millis(600),
        "{rtt:?}"
    );
    drop(sim);

    // 50 % loss each way: about half the heartbeats arrive, sequence numbers show the gaps.
    let mut gcs = UdpGcs::new();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(gcs.addr()),
        speedup: 20.0,
        faults: kestrel_sim::Faults {
            loss: 0.5,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let mut seqs = Vec::new();
    gcs.wait_for(Duration::from_secs(2), |h, m| {
        if matches!(m, MavMessage::HEARTBEAT(_)) {
            seqs.push(h.sequence);
        }
        None::<()>
    });
    // 2 s at 20x = 40 heartbeats sent
    assert!((5..=30).contains(&seqs.len()), "{}", seqs.len());
    let stats = sim.stats();
    assert!(stats.dropped_out > 100, "{stats:?}");
}
