//! The console-to-dispatch leg of live video over real sockets: the simulator's camera streams
//! RTP/H.264 to a console stream on loopback, the stream is sent on over SRT (encrypted, no
//! re-encoding) to dispatch's listener, and dispatch receives the frames. Stopping the relay
//! stops them; the console's own video never stops.

mod common;

use common::video::{free_udp_port, start_sender, start_stream};
use common::wait::{self, WAIT};
use kestrel::video::relay::RelayTarget;
use kestrel::video::srt_ingest::{Ingest, IngestConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_stream_reaches_dispatch_over_srt_and_stops_when_asked() {
    let port = free_udp_port();
    let _camera = start_sender(port, "K1");
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K1");
    let srt_port = free_udp_port();
    let passphrase = "relay-test-passphrase".to_string();
    let ingest = Ingest::start(IngestConfig {
        bind: "127.0.0.1".into(),
        port: srt_port,
        passphrase: passphrase.clone(),
        latency_ms: 120,
    })
    .unwrap();
    stream.set_relay(Some(RelayTarget {
        url: format!("srt://127.0.0.1:{srt_port}"),
        streamid: "team-1/1".into(),
        passphrase,
        latency_ms: 120,
    }));
    wait::until_async("dispatch receives 60 frames", WAIT, || {
        let n = ingest.frames();
        if n >= 60 {
            Ok(n)
        } else {
            Err(format!(
                "{n} frames; console: {:?}",
                stream.status().relaying_to
            ))
        }
    })
    .await;
    let caps = ingest.caps().expect("caps");
    assert_eq!(
        caps.structure(0).unwrap().name().as_str(),
        "video/x-h264",
        "{caps}"
    );

    // Stopped: no more frames arrive, and the console's own video plays on.
    stream.set_relay(None);
    wait::until_async("the console stops sending", WAIT, || {
        if stream.status().relaying_to.is_none() {
            Ok(())
        } else {
            Err("still relaying".to_string())
        }
    })
    .await;
    // A second of the console's own video lets what was in flight land; in the next second
    // nothing more may arrive at dispatch.
    let own_second = |what: &'static str| {
        let shown = stream.status().stats.frames;
        let stream = &stream;
        wait::until_async(what, WAIT, move || {
            let now = stream.status().stats.frames;
            if now > shown + 30 {
                Ok(())
            } else {
                Err(format!("{now} frames"))
            }
        })
    };
    own_second("a second of the console's own video").await;
    let stopped_at = ingest.frames();
    own_second("another second of the console's own video").await;
    assert_eq!(
        ingest.frames(),
        stopped_at,
        "frames kept arriving after the stop"
    );
    stream.stop().await;
}
