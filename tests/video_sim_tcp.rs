//! The simulator's camera follows a ground station connected over TCP (`kestrel-sim --tcp
//! ... --video`): aircraft i streams to the host the GCS connected from, on UDP port
//! video base + i, where the ground station's default source (udp://0.0.0.0:5600+i) plays
//! it. The GCS here connects from 127.0.0.2 (a loopback address other than the simulator's
//! default 127.0.0.1), and only a stream bound to 127.0.0.2 gets the pictures.

mod common;

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use common::video::*;
use common::wait::within;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

const LONG: Duration = Duration::from_secs(60);
const GCS_HOST: std::net::Ipv4Addr = std::net::Ipv4Addr::new(127, 0, 0, 2);

/// Two free UDP ports in a row on the GCS's address.
fn free_udp_pair() -> u16 {
    for _ in 0..100 {
        let a = UdpSocket::bind((GCS_HOST, 0)).unwrap();
        let port = a.local_addr().unwrap().port();
        if port < u16::MAX && UdpSocket::bind((GCS_HOST, port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free UDP ports in a row");
}

/// A TCP port free for aircraft 0 and aircraft 1 (the simulator listens on PORT + 10 * i).
fn free_tcp_base() -> u16 {
    for _ in 0..100 {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < u16::MAX - 10 && TcpListener::bind(("127.0.0.1", port + 10)).is_ok() {
            return port;
        }
    }
    panic!("no free TCP ports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_camera_streams_to_the_host_a_tcp_ground_station_connected_from() {
    let video_base = free_udp_pair();
    let tcp_base = free_tcp_base();
    let sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Tcp(SocketAddr::from(([127, 0, 0, 1], tcp_base))),
        video: true,
        video_base_port: video_base,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(sim.video_port(1), Some(video_base + 1));

    // The ground station listens where the second aircraft's camera should send.
    let stream = start_stream(&format!("udp://127.0.0.2:{}", video_base + 1), "K2");
    // It connects to the second aircraft over TCP from 127.0.0.2.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::from((GCS_HOST, 0)))
        .expect("bind the GCS end to 127.0.0.2");
    let _gcs = within(
        "the TCP connection",
        LONG,
        socket.connect(SocketAddr::from(([127, 0, 0, 1], tcp_base + 10))),
    )
    .await
    .expect("connect to aircraft 2 over TCP");

    // Its camera now streams to 127.0.0.2, port base + 1, and the pictures play there.
    let frame = wait_frame(&stream, 0, "aircraft 2's pictures at the GCS's host", LONG).await;
    assert_eq!((frame.width, frame.height), (640, 360));
    stream.stop().await;
    drop(sim);
}
