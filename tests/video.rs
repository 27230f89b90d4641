//! Live video over real GStreamer pipelines on loopback, fed by the simulator's test video:
//! frames of the right size reach the latest-frame slot, a recording decodes back to frames
//! with its tags, a snapshot is a valid JPEG with its position, and H.265, MPEG-TS and custom
//! pipeline sources play.

mod common;

use std::path::Path;
use std::time::Duration;

use common::video::*;
use common::wait::{self, within};
use gstreamer as gst;
use gstreamer::prelude::*;
use kestrel::video::exif::{self, GeoTag};
use kestrel::video::{RecordingRequest, SnapshotMeta, StreamState, VideoEvent};
use kestrel_sim::video::{SenderConfig, TestCodec, TestVideoSender};

const LONG: Duration = Duration::from_secs(30);

/// Decodes a file with decodebin; returns (frames, width, height, tag text). A decoding error
/// fails the test.
fn decode_file(path: &Path) -> (u64, u32, u32, String) {
    let d = common::video::decode_file(path);
    if let Some(e) = d.error {
        panic!("decoding {}: {e}", path.display());
    }
    (d.frames, d.width, d.height, d.tags)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_stream_is_decoded_into_frames_of_the_right_size() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-1");
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K1");
    let latest = stream.latest();
    let frame = wait_frame(&stream, 0, "a first frame", LONG).await;
    assert_eq!((frame.width, frame.height), (320, 240));
    assert_eq!(frame.rgba().len(), 320 * 240 * 4);
    // The SMPTE pattern is colourful, not a blank picture.
    let distinct: std::collections::HashSet<[u8; 4]> = (0..320)
        .step_by(20)
        .filter_map(|x| frame.pixel(x, 60))
        .collect();
    assert!(distinct.len() >= 4, "picture looks blank: {distinct:?}");
    // Newer frames keep coming and replace the old one.
    let next = wait::until_async("a newer frame", LONG, || latest.newer_than(frame.seq)).await;
    assert!(next.seq > frame.seq);
    let st = wait::until_async("stats with a frame rate", LONG, || {
        let s = stream.status();
        (s.stats.fps > 0.0 && s.stats.bitrate_bps > 0).then_some(s)
    })
    .await;
    assert_eq!(st.state, StreamState::Playing);
    assert_eq!((st.stats.width, st.stats.height), (320, 240));
    assert_eq!(st.codec, Some(kestrel::video::Codec::H264));
    assert_eq!(
        st.decoder.as_ref().map(|d| d.element.as_str()),
        Some("avdec_h264")
    );
    assert!(st.stats.latency_ms.is_some(), "{st:?}");
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_decodes_back_to_frames_with_its_tags_and_hash() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-2");
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K2");
    let latest = stream.latest();
    wait_frame(&stream, 0, "a first frame", LONG).await;
    let dir = tempfile::tempdir().unwrap();
    for ext in ["mp4", "mkv"] {
        let path = dir.path().join(format!("evidence.{ext}"));
        let log = dir.path().join("evidence.jsonl");
        stream
            .start_recording(RecordingRequest {
                path: path.clone(),
                aircraft: "K2".into(),
                evidence_log: Some(log.clone()),
            })
            .await
            .unwrap();
        wait::until_async("the recording to open", LONG, || {
            stream
                .status()
                .recording
                .and_then(|r| r.path)
                .filter(|p| p == &path)
        })
        .await;
        // About two seconds of video (60 frames at 30 fps), counted, not slept.
        let start = latest.count();
        wait::until_async("60 more frames", LONG, || {
            (latest.count() >= start + 60).then_some(())
        })
        .await;
        let parts = within("stop recording", LONG, stream.stop_recording())
            .await
            .unwrap();
        assert_eq!(parts.len(), 1, "{parts:?}");
        let s = &parts[0];
        assert_eq!(s.path, path);
        let (hash, bytes) = kestrel::video::recorder::sha256_file(&path).unwrap();
        assert_eq!((hash.as_str(), bytes), (s.sha256.as_str(), s.bytes));
        let sidecar = std::fs::read_to_string(format!("{}.sha256", path.display())).unwrap();
        assert_eq!(sidecar, format!("{hash}  evidence.{ext}\n"));
        let logged = std::fs::read_to_string(&log).unwrap();
        assert!(logged.contains(&hash), "{logged}");

        let p = path.clone();
        let (frames, w, h, tags) = blocking(move || decode_file(&p)).await;
        assert!(frames >= 30, "{ext}: only {frames} frames decoded back");
        assert_eq!((w, h), (320, 240));
        assert!(tags.contains("K2"), "{ext}: tags lack the aircraft: {tags}");
        let year = kestrel::time::DateTime::utc(s.started).year.to_string();
        assert!(
            tags.contains(&year),
            "{ext}: tags lack the start time: {tags}"
        );
    }
    // A finished recording reported itself as an event too.
    let finished = stream
        .events()
        .try_iter()
        .filter(|e| matches!(e, VideoEvent::RecordingFinished(_)))
        .count();
    assert_eq!(finished, 2);
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_is_a_jpeg_with_position_and_time() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-3");
    let stream = start_stream(&format!("udp://127.0.0.1:{port}"), "K3");
    let latest = stream.latest();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.jpg");
    // Before any frame, a snapshot explains itself instead of writing garbage.
    if latest.get().is_none() {
        let e = stream
            .snapshot(SnapshotMeta::default(), path.clone())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no video frame"), "{e}");
    }
    wait_frame(&stream, 0, "a first frame", LONG).await;
    let geo = GeoTag {
        lat: 36.4561,
        lon: 115.9852,
        alt_m: Some(95.5),
        heading_deg: Some(180.0),
    };
    let meta = SnapshotMeta {
        position: Some(geo),
        ..Default::default()
    };
    let s = stream.snapshot(meta, path.clone()).await.unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (320, 240));
    let tiff = exif::jpeg_segments(&bytes, 0xE1)[0]
        .strip_prefix(b"Exif\0\0".as_slice())
        .unwrap()
        .to_vec();
    let back = exif::read_geotag(&tiff).unwrap();
    assert!((back.lat - geo.lat).abs() < 1e-6 && (back.lon - geo.lon).abs() < 1e-6);
    assert_eq!(back.alt_m, Some(95.5));
    assert_eq!(exif::read_ifd0_text(&tiff, 0x0110).as_deref(), Some("K3"));
    let comment: serde_json::Value =
        serde_json::from_slice(exif::jpeg_segments(&bytes, 0xFE)[0]).unwrap();
    assert_eq!(comment["aircraft"], "K3");
    assert_eq!(comment["lat"], 36.4561);
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s.sidecar).unwrap()).unwrap();
    assert_eq!(sidecar["sha256"], s.sha256);
    assert_eq!(sidecar["aircraft"], "K3");
    // An independent EXIF reader (ImageMagick) agrees on the position, where installed.
    if let Ok(out) = std::process::Command::new("identify")
        .args([
            "-format",
            "%[EXIF:GPSLatitude]|%[EXIF:GPSLatitudeRef]|%[EXIF:Model]",
        ])
        .arg(&path)
        .output()
    {
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            assert!(text.starts_with("36/1, 27/1, "), "{text}");
            assert!(text.contains("|N|K3"), "{text}");
        }
    }
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h265_stream_plays_when_joined_mid_stream() {
    let port = free_udp_port();
    let sender = TestVideoSender::start(SenderConfig {
        codec: TestCodec::H265,
        ..sender_config(port, "KESTREL-5")
    })
    .unwrap();
    // The ground station starts after the aircraft has been streaming for a second or so.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let s2 = sent.clone();
    sender
        .pipeline()
        .by_name("enc")
        .unwrap()
        .static_pad("src")
        .unwrap()
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            s2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    wait::until_async("the sender to encode 40 frames", LONG, || {
        (sent.load(std::sync::atomic::Ordering::Relaxed) >= 40).then_some(())
    })
    .await;
    let stream = start_stream(&format!("udp://127.0.0.1:{port}?codec=h265"), "K5");
    let frame = wait_frame(&stream, 0, "an H.265 frame", LONG).await;
    assert_eq!((frame.width, frame.height), (320, 240));
    assert_eq!(stream.status().codec, Some(kestrel::video::Codec::H265));
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mpeg_ts_over_udp_plays_and_records() {
    gst::init().unwrap();
    let port = free_udp_port();
    let sender = gst::parse::launch(&format!(
        "videotestsrc is-live=true ! video/x-raw,format=I420,width=256,height=144,framerate=25/1 ! \
         x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 threads=1 ! \
         mpegtsmux alignment=7 ! udpsink host=127.0.0.1 port={port} sync=false"
    ))
    .unwrap();
    sender.set_state(gst::State::Playing).unwrap();
    let stream = start_stream(&format!("mpegts://127.0.0.1:{port}"), "TS");
    let frame = wait_frame(&stream, 0, "a frame from MPEG-TS", LONG).await;
    assert_eq!((frame.width, frame.height), (256, 144));
    let dir = tempfile::tempdir().unwrap();
    stream
        .start_recording(RecordingRequest {
            path: dir.path().to_path_buf(),
            aircraft: "TS".into(),
            evidence_log: None,
        })
        .await
        .unwrap();
    let path = wait::until_async("the recording to open", LONG, || {
        for e in stream.events().try_iter() {
            assert!(!matches!(e, VideoEvent::RecordingFailed { .. }), "{e:?}");
        }
        stream.status().recording.and_then(|r| r.path)
    })
    .await;
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("TS_") && name.ends_with("Z.mp4"), "{name}");
    let latest = stream.latest();
    let start = latest.count();
    wait::until_async("50 more frames", LONG, || {
        (latest.count() >= start + 50).then_some(())
    })
    .await;
    let parts = stream.stop_recording().await.unwrap();
    let p = parts[0].path.clone();
    let (frames, w, h, _) = blocking(move || decode_file(&p)).await;
    assert!(frames >= 25 && (w, h) == (256, 144), "{frames} {w}x{h}");
    stream.stop().await;
    sender.set_state(gst::State::Null).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_pipeline_source_plays() {
    let stream = start_stream(
        "pipeline:videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1 ! videoconvert ! appsink name=sink",
        "P",
    );
    let frame = wait_frame(&stream, 0, "a frame from the custom pipeline", LONG).await;
    assert_eq!((frame.width, frame.height), (160, 120));
    // It has no `tee name=rec`, so recording says why it cannot record.
    let dir = tempfile::tempdir().unwrap();
    let e = stream
        .start_recording(RecordingRequest {
            path: dir.path().join("x.mp4"),
            aircraft: "P".into(),
            evidence_log: None,
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("tee name=rec"), "{e}");
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_source_reports_an_error_and_keeps_retrying() {
    let stream = start_stream("pipeline:nosuchelement ! appsink name=sink", "X");
    let st = wait_state(&stream, "an error state", LONG, |s| {
        matches!(s, StreamState::Error { .. })
    })
    .await;
    let StreamState::Error { message } = st else {
        unreachable!()
    };
    assert!(message.contains("nosuchelement"), "{message}");
    // It retries rather than giving up.
    wait::until_async("a retry", LONG, || {
        (stream.status().reconnects >= 1).then_some(())
    })
    .await;
    stream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decoder_that_cannot_decode_falls_back_to_software() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-6");
    let source: kestrel::video::VideoSource = format!("udp://127.0.0.1:{port}").parse().unwrap();
    let mut cfg = kestrel::video::StreamConfig::new(source, "K6");
    // Stands in for a hardware decoder that does not work on this machine.
    cfg.decoder = kestrel::video::decoder::DecoderPreference::Element("jpegdec".into());
    let stream = kestrel::video::VideoStream::start(cfg).unwrap();
    wait_frame(&stream, 0, "a frame after falling back", LONG).await;
    let st = wait::until_async("the decoder in the status", LONG, || {
        Some(stream.status()).filter(|s| s.decoder.is_some())
    })
    .await;
    assert_eq!(
        st.decoder.map(|d| d.element),
        Some("avdec_h264".to_string())
    );
    assert!(
        st.last_error.is_some_and(|e| e.contains("dec")),
        "the failure is kept for the log"
    );
    stream.stop().await;
}
