//! RTSP through a firewall that drops UDP: a small RTSP server in the test answers the
//! client's UDP SETUP but never sends UDP, and serves the same H.264 stream interleaved over
//! TCP. The stream must notice, switch to TCP once, play, and after the server drops the
//! connection come back over TCP again — never bouncing back to UDP.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::video::*;
use common::wait;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use kestrel::video::pipeline::RtspTransport;

const LONG: Duration = Duration::from_secs(45);

type Subscribers = Arc<Mutex<Vec<crossbeam_channel::Sender<Vec<u8>>>>>;

/// What the server saw and the connections it can cut.
#[derive(Default)]
struct ServerLog {
    setups: Vec<String>,
    connections: Vec<TcpStream>,
}

/// Starts an RTP H.264 source whose packets are fanned out to subscribers.
fn rtp_source(subs: Subscribers) -> gst::Pipeline {
    gst::init().unwrap();
    let p = gst::parse::launch(
        "videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! \
         x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 threads=1 ! \
         video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=96 mtu=1200 ! \
         appsink name=rtp sync=false",
    )
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = p
        .by_name("rtp")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
                let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
                let bytes = map.as_slice().to_vec();
                subs.lock()
                    .unwrap()
                    .retain(|tx| tx.send(bytes.clone()).is_ok());
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    p.set_state(gst::State::Playing).unwrap();
    p
}

fn respond(out: &Mutex<TcpStream>, cseq: &str, extra: &str, body: &str) {
    let mut msg = format!("RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n{extra}");
    if !body.is_empty() {
        msg.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    msg.push_str("\r\n");
    msg.push_str(body);
    let _ = out.lock().unwrap().write_all(msg.as_bytes());
}

/// Serves one RTSP client until it disconnects.
fn serve(conn: TcpStream, port: u16, subs: Subscribers, log: Arc<Mutex<ServerLog>>) {
    let out = Arc::new(Mutex::new(conn.try_clone().unwrap()));
    let mut rd = BufReader::new(conn);
    let mut tcp = false;
    loop {
        // Interleaved RTCP from the client: `$`, channel, length, payload.
        let Ok(peek) = rd.fill_buf() else { return };
        if peek.is_empty() {
            return;
        }
        if peek[0] == b'$' {
            let mut hdr = [0u8; 4];
            if rd.read_exact(&mut hdr).is_err() {
                return;
            }
            let mut skip = vec![0u8; u16::from_be_bytes([hdr[2], hdr[3]]) as usize];
            if rd.read_exact(&mut skip).is_err() {
                return;
            }
            continue;
        }
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            match rd.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            lines.push(line);
        }
        let method = lines
            .first()
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        let header = |name: &str| {
            lines
                .iter()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_string())
                })
                .unwrap_or_default()
        };
        let cseq = header("CSeq");
        match method.as_str() {
            "DESCRIBE" => {
                let sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Kestrel test\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
                           m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                           a=fmtp:96 packetization-mode=1\r\na=control:stream=0\r\n";
                let extra = format!(
                    "Content-Type: application/sdp\r\nContent-Base: rtsp://127.0.0.1:{port}/test/\r\n"
                );
                respond(&out, &cseq, &extra, sdp);
            }
            "SETUP" => {
                let transport = header("Transport");
                log.lock().unwrap().setups.push(transport.clone());
                tcp = transport.contains("TCP");
                let reply = if tcp {
                    "RTP/AVP/TCP;unicast;interleaved=0-1".to_string()
                } else {
                    let client = transport
                        .split(';')
                        .find(|p| p.starts_with("client_port="))
                        .unwrap_or("client_port=0-0")
                        .to_string();
                    // Ports nobody sends from: the "firewall" eats the UDP.
                    format!("RTP/AVP;unicast;{client};server_port=9-10")
                };
                respond(
                    &out,
                    &cseq,
                    &format!("Transport: {reply}\r\nSession: 12345678;timeout=60\r\n"),
                    "",
                );
            }
            "PLAY" => {
                respond(&out, &cseq, "Session: 12345678\r\nRange: npt=0-\r\n", "");
                if tcp {
                    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(512);
                    subs.lock().unwrap().push(tx);
                    let out = out.clone();
                    std::thread::spawn(move || {
                        for pkt in rx {
                            let mut frame = vec![b'$', 0];
                            frame.extend((pkt.len() as u16).to_be_bytes());
                            frame.extend(pkt);
                            if out.lock().unwrap().write_all(&frame).is_err() {
                                return;
                            }
                        }
                    });
                }
            }
            "OPTIONS" => respond(
                &out,
                &cseq,
                "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n",
                "",
            ),
            _ => respond(&out, &cseq, "Session: 12345678\r\n", ""),
        }
    }
}

fn start_server(subs: Subscribers, log: Arc<Mutex<ServerLog>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            log.lock()
                .unwrap()
                .connections
                .push(conn.try_clone().unwrap());
            let (subs, log) = (subs.clone(), log.clone());
            std::thread::spawn(move || serve(conn, port, subs, log));
        }
    });
    port
}

fn count(log: &Mutex<ServerLog>, tcp: bool) -> usize {
    log.lock()
        .unwrap()
        .setups
        .iter()
        .filter(|t| t.contains("TCP") == tcp)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtsp_falls_back_to_tcp_once_when_udp_is_blocked() {
    let subs: Subscribers = Arc::default();
    let log = Arc::new(Mutex::new(ServerLog::default()));
    let source = rtp_source(subs.clone());
    let port = start_server(subs, log.clone());

    let stream = start_stream(&format!("rtsp://127.0.0.1:{port}/test"), "R1");
    assert_eq!(stream.status().rtsp_transport, Some(RtspTransport::Udp));
    let frame = wait_frame(&stream, 0, "a frame over RTSP", LONG).await;
    assert_eq!((frame.width, frame.height), (320, 240));
    let st = stream.status();
    assert_eq!(st.rtsp_transport, Some(RtspTransport::Tcp), "{st:?}");
    assert_eq!(count(&log, false), 1, "UDP was tried exactly once");
    assert!(count(&log, true) >= 1);

    // The server drops the session: the stream reconnects, still over TCP.
    let tcp_before = count(&log, true);
    for c in log.lock().unwrap().connections.drain(..) {
        let _ = c.shutdown(std::net::Shutdown::Both);
    }
    wait::until_async("a TCP reconnect", LONG, || {
        (count(&log, true) > tcp_before).then_some(())
    })
    .await;
    let seq = stream.latest().count();
    wait_frame(&stream, seq, "frames after the reconnect", LONG).await;
    assert_eq!(
        count(&log, false),
        1,
        "the stream went back to UDP: {:?}",
        log.lock().unwrap().setups
    );
    assert_eq!(stream.status().rtsp_transport, Some(RtspTransport::Tcp));

    stream.stop().await;
    source.set_state(gst::State::Null).unwrap();
}
