//! `kestrel-sim --video` over real sockets: each aircraft streams RTP H.264 to the ground
//! station's host on its own port (5600 + index by default), answers MAV_CMD_REQUEST_MESSAGE(269)
//! and MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION with VIDEO_STREAM_INFORMATION pointing at that
//! port, and stops and restarts its stream when the camera is switched off and on.

#![allow(deprecated)] // MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION: QGroundControl still sends it.

use std::io::Cursor;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use kestrel_sim::{Endpoint, SimConfig, Simulator};
use mavlink::dialects::ardupilotmega::*;
use mavlink::{MavHeader, MavlinkReader};

const WAIT: Duration = Duration::from_secs(30);

fn encode(msg: &MavMessage) -> Vec<u8> {
    let mut buf = Vec::new();
    let gcs = MavHeader {
        system_id: 255,
        component_id: 190,
        sequence: 0,
    };
    mavlink::write_v2_msg(&mut buf, gcs, msg).expect("encode");
    buf
}

fn request(target: u8, command: MavCmd, p1: f32) -> MavMessage {
    MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
        param1: p1,
        command,
        target_system: target,
        target_component: 1,
        ..Default::default()
    })
}

/// A run of free consecutive UDP ports on loopback (checked by binding each one).
fn free_ports(n: u16) -> u16 {
    for _ in 0..50 {
        let base = 20_000 + fastrand_port();
        let all_free = (0..n).all(|i| UdpSocket::bind(("127.0.0.1", base + i)).is_ok());
        if all_free {
            return base;
        }
    }
    panic!("no free UDP ports");
}

fn fastrand_port() -> u16 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    (nanos % 30_000) as u16
}

/// Waits for VIDEO_STREAM_INFORMATION from `sysid` on `gcs`, re-asking with `ask` each second.
fn stream_info(
    gcs: &UdpSocket,
    sim_addr: std::net::SocketAddr,
    ask: &MavMessage,
    sysid: u8,
) -> VIDEO_STREAM_INFORMATION_DATA {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 65536];
    let mut asked = Instant::now() - Duration::from_secs(5);
    loop {
        assert!(
            Instant::now() < deadline,
            "no VIDEO_STREAM_INFORMATION from {sysid}"
        );
        if asked.elapsed() > Duration::from_secs(1) {
            gcs.send_to(&encode(ask), sim_addr).unwrap();
            asked = Instant::now();
        }
        let Ok((n, _)) = gcs.recv_from(&mut buf) else {
            continue;
        };
        let mut reader = MavlinkReader::new(Cursor::new(&buf[..n]));
        while let Ok((h, m)) = reader.read_any_message::<MavMessage>() {
            if let MavMessage::VIDEO_STREAM_INFORMATION(info) = m {
                if h.system_id == u32::from(sysid) {
                    return info;
                }
            }
        }
    }
}

/// Counts RTP packets arriving on `sock` within `window`.
fn rtp_packets(sock: &UdpSocket, window: Duration) -> usize {
    let end = Instant::now() + window;
    let mut buf = [0u8; 2048];
    let mut n = 0;
    while Instant::now() < end {
        if let Ok((len, _)) = sock.recv_from(&mut buf) {
            // RTP version 2, payload type 96 (dynamic H.264).
            if len > 12 && buf[0] >> 6 == 2 && buf[1] & 0x7f == 96 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn each_aircraft_streams_to_its_port_and_announces_it() {
    let gcs = UdpSocket::bind("127.0.0.1:0").unwrap();
    gcs.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let base = free_ports(2);
    let video: Vec<UdpSocket> = (0..2)
        .map(|i| {
            let s = UdpSocket::bind(("127.0.0.1", base + i)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            s
        })
        .collect();
    let sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Udp(gcs.local_addr().unwrap()),
        video: true,
        video_base_port: base,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(sim.video_port(1), Some(base + 1));
    let addrs = sim.vehicle_addrs();

    // Both ways of asking get the description of the aircraft's own port.
    let info = stream_info(
        &gcs,
        addrs[0],
        &request(1, MavCmd::MAV_CMD_REQUEST_MESSAGE, 269.0),
        1,
    );
    assert_eq!(info.uri.to_str().unwrap(), format!("udp://0.0.0.0:{base}"));
    assert_eq!(
        info.encoding,
        VideoStreamEncoding::VIDEO_STREAM_ENCODING_H264
    );
    assert_eq!(info.mavtype, VideoStreamType::VIDEO_STREAM_TYPE_RTPUDP);
    assert_eq!((info.resolution_h, info.resolution_v), (640, 360));
    assert_eq!(info.framerate, 30.0);
    assert!(info
        .flags
        .contains(VideoStreamStatusFlags::VIDEO_STREAM_STATUS_FLAGS_RUNNING));
    let info2 = stream_info(
        &gcs,
        addrs[1],
        &request(2, MavCmd::MAV_CMD_REQUEST_VIDEO_STREAM_INFORMATION, 1.0),
        2,
    );
    assert_eq!(
        info2.uri.to_str().unwrap(),
        format!("udp://0.0.0.0:{}", base + 1)
    );

    // RTP flows to each port.
    for (i, s) in video.iter().enumerate() {
        assert!(
            rtp_packets(s, Duration::from_secs(2)) > 10,
            "no RTP on port {}",
            base + i as u16
        );
    }

    // Switched off, the camera goes quiet and says so; switched on, it streams again.
    sim.set_video_running(0, false).unwrap();
    // The camera's pipeline has stopped when that returns: drain what it sent before (until the
    // socket has been quiet for its read timeout).
    while video[0].recv_from(&mut [0u8; 2048]).is_ok() {}
    assert_eq!(rtp_packets(&video[0], Duration::from_millis(800)), 0);
    let off = stream_info(
        &gcs,
        addrs[0],
        &request(1, MavCmd::MAV_CMD_REQUEST_MESSAGE, 269.0),
        1,
    );
    assert!(!off
        .flags
        .contains(VideoStreamStatusFlags::VIDEO_STREAM_STATUS_FLAGS_RUNNING));
    sim.set_video_running(0, true).unwrap();
    assert!(rtp_packets(&video[0], Duration::from_secs(3)) > 10);
}

#[test]
fn without_video_the_request_fails_and_nothing_streams() {
    let gcs = UdpSocket::bind("127.0.0.1:0").unwrap();
    gcs.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let sim = Simulator::start(SimConfig {
        endpoint: Endpoint::Udp(gcs.local_addr().unwrap()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(sim.video_port(0), None);
    assert!(sim.set_video_running(0, true).is_err());
    let addr = sim.vehicle_addrs()[0];
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 65536];
    gcs.send_to(
        &encode(&request(1, MavCmd::MAV_CMD_REQUEST_MESSAGE, 269.0)),
        addr,
    )
    .unwrap();
    loop {
        assert!(Instant::now() < deadline, "no COMMAND_ACK");
        let Ok((n, _)) = gcs.recv_from(&mut buf) else {
            continue;
        };
        let mut reader = MavlinkReader::new(Cursor::new(&buf[..n]));
        while let Ok((_, m)) = reader.read_any_message::<MavMessage>() {
            assert!(!matches!(m, MavMessage::VIDEO_STREAM_INFORMATION(_)));
            if let MavMessage::COMMAND_ACK(a) = m {
                if a.command == MavCmd::MAV_CMD_REQUEST_MESSAGE {
                    assert_eq!(a.result, MavResult::MAV_RESULT_FAILED);
                    return;
                }
            }
        }
    }
}

#[test]
fn an_on_demand_camera_streams_only_once_asked() {
    let gcs = UdpSocket::bind("127.0.0.1:0").unwrap();
    let base = free_ports(2);
    let video: Vec<UdpSocket> = (0..2)
        .map(|i| {
            let s = UdpSocket::bind(("127.0.0.1", base + i)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            s
        })
        .collect();
    let sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Udp(gcs.local_addr().unwrap()),
        video: true,
        video_base_port: base,
        video_on_demand: true,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(rtp_packets(&video[0], Duration::from_millis(800)), 0);
    assert!(!sim.video_streaming(0));
    // Asking aircraft 1 (system id 1) starts its camera only.
    let addrs = sim.vehicle_addrs();
    gcs.send_to(
        &encode(&request(1, MavCmd::MAV_CMD_VIDEO_START_STREAMING, 0.0)),
        addrs[0],
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while rtp_packets(&video[0], Duration::from_millis(300)) == 0 {
        assert!(Instant::now() < deadline, "no video after asking");
    }
    assert!(sim.video_streaming(0));
    assert!(!sim.video_streaming(1));
    assert_eq!(rtp_packets(&video[1], Duration::from_millis(500)), 0);
}
