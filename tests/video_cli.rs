//! `kestrel video probe | snapshot | record` as a user runs them, against the simulator's
//! test video on loopback: the probe reports the stream's real codec and size, the snapshot
//! is a geotagged JPEG, the recording plays back and its hash is in the evidence log; bad
//! input gets a clear error.

mod common;

use std::process::Command;

use common::video::*;

fn kestrel(data_dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kestrel"));
    c.arg("--data-dir").arg(data_dir);
    c.env("KESTREL_VIDEO_DECODER", "software");
    c
}

fn run_ok(c: &mut Command) -> String {
    let out = c.output().expect("run kestrel");
    assert!(
        out.status.success(),
        "{c:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn probe_snapshot_and_record_from_the_command_line() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-9");
    let dir = tempfile::tempdir().unwrap();
    let source = format!("udp://127.0.0.1:{port}");

    let probe = run_ok(kestrel(dir.path()).args([
        "--json",
        "video",
        "probe",
        "--source",
        &source,
        "--seconds",
        "1.5",
    ]));
    let v: serde_json::Value = serde_json::from_str(&probe).unwrap();
    assert_eq!(v["codec"], "h264", "{v}");
    assert_eq!(v["stats"]["width"], 320, "{v}");
    assert_eq!(v["stats"]["height"], 240, "{v}");
    assert!(v["stats"]["fps"].as_f64().unwrap() > 5.0, "{v}");
    assert!(v["stats"]["latency_ms"].as_f64().is_some(), "{v}");

    let table = run_ok(kestrel(dir.path()).args([
        "video",
        "probe",
        "--source",
        &source,
        "--seconds",
        "0.5",
    ]));
    assert!(
        table.contains("320x240") && table.contains("avdec_h264 (software)"),
        "{table}"
    );

    let jpg = dir.path().join("shot.jpg");
    run_ok(
        kestrel(dir.path())
            .args([
                "video",
                "snapshot",
                "--source",
                &source,
                "--aircraft",
                "K9",
                "--position",
                "36.45,115.98,80",
                "--out",
            ])
            .arg(&jpg),
    );
    let bytes = std::fs::read(&jpg).unwrap();
    let tiff = kestrel::video::exif::jpeg_segments(&bytes, 0xE1)[0][6..].to_vec();
    let geo = kestrel::video::exif::read_geotag(&tiff).unwrap();
    assert!(
        (geo.lat - 36.45).abs() < 1e-6 && geo.alt_m == Some(80.0),
        "{geo:?}"
    );

    let mp4 = dir.path().join("clip.mp4");
    let rec = run_ok(
        kestrel(dir.path())
            .args([
                "--json",
                "video",
                "record",
                "--source",
                &source,
                "--aircraft",
                "K9",
                "--seconds",
                "1.5",
                "--out",
            ])
            .arg(&mp4),
    );
    let parts: serde_json::Value = serde_json::from_str(&rec).unwrap();
    let sha = parts[0]["sha256"].as_str().unwrap().to_string();
    let (hash, _) = kestrel::video::recorder::sha256_file(&mp4).unwrap();
    assert_eq!(sha, hash);
    let evidence = std::fs::read_to_string(dir.path().join("video/evidence.jsonl")).unwrap();
    assert!(
        evidence.contains(&hash) && evidence.contains("\"aircraft\":\"K9\""),
        "{evidence}"
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (args, hint) in [
        (
            vec!["video", "probe", "--source", "http://cam/x"],
            "unknown scheme",
        ),
        (
            vec![
                "video",
                "record",
                "--source",
                "udp://127.0.0.1:5999",
                "--seconds",
                "1",
                "--out",
                "x.avi",
            ],
            ".mp4 or .mkv",
        ),
        (
            vec![
                "video",
                "snapshot",
                "--source",
                "udp://127.0.0.1:5999",
                "--out",
                "x.png",
            ],
            ".jpg",
        ),
        (
            vec![
                "video",
                "probe",
                "--source",
                &format!("udp://127.0.0.1:{}", free_udp_port()),
                "--wait",
                "1",
            ],
            "no picture",
        ),
    ] {
        let out = kestrel(dir.path()).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(hint), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
