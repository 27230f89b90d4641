//! Evidence recordings survive a crash: `kestrel video record` (a real process, real
//! pipelines, fed by the simulator's test video) is killed with SIGKILL while recording; the
//! MP4 or MKV it leaves decodes back to frames, and `kestrel video recover` fingerprints it
//! and logs it to the evidence log as unfinished but recovered, with its real SHA-256. SIGTERM
//! instead ends the recording early but cleanly.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::video::*;
use common::wait;

const LONG: Duration = Duration::from_secs(60);

fn kestrel(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kestrel"));
    c.arg("--data-dir").arg(data_dir);
    c.env("KESTREL_VIDEO_DECODER", "software");
    c
}

/// Decodes a file fully; returns the number of pictures a player would show (a file cut by a
/// crash may end in a decoding error, which is not a failure here).
fn decoded_frames(path: &Path) -> u64 {
    decode_file(path).frames
}

/// The top-level box types of an MP4 file.
fn mp4_boxes(path: &Path) -> Vec<String> {
    let d = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 8 <= d.len() {
        let mut size = u32::from_be_bytes(d[i..i + 4].try_into().unwrap()) as u64;
        out.push(String::from_utf8_lossy(&d[i + 4..i + 8]).into_owned());
        if size == 1 && i + 16 <= d.len() {
            size = u64::from_be_bytes(d[i + 8..i + 16].try_into().unwrap());
        }
        if size < 8 {
            break;
        }
        i += size as usize;
    }
    out
}

/// Waits (generously) until video is going into `path`, then lets `span` more be recorded.
fn wait_recording_for(path: &Path, span: Duration) {
    wait::until(
        &format!("video going into {}", path.display()),
        LONG,
        || {
            // More than the file header.
            std::fs::metadata(path).is_ok_and(|m| m.len() > 4096)
        },
    );
    // The scenario, not synchronisation: `span` of recording before the crash (or the stop).
    std::thread::sleep(span);
}

fn crash_and_recover(ext: &str) {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-7");
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join(format!("cut.{ext}"));
    let mut child = kestrel(data.path())
        .args([
            "video",
            "record",
            "--source",
            &format!("udp://127.0.0.1:{port}"),
            "--aircraft",
            "K7",
            "--seconds",
            "60",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kestrel video record");
    wait_recording_for(&out, Duration::from_secs(3));
    // SIGKILL: no chance to finish the file.
    child.kill().unwrap();
    child.wait().unwrap();
    let log = data.path().join("video/evidence.jsonl");
    assert!(
        std::fs::read_to_string(&log).unwrap_or_default().is_empty(),
        "a killed recorder logged nothing itself"
    );
    assert!(
        !Path::new(&format!("{}.sha256", out.display())).exists(),
        "no hash was written by the killed process"
    );

    // The cut file plays: at 30 fps three seconds are ~90 frames; at most the fragment in
    // progress (about one second) is lost.
    let frames = decoded_frames(&out);
    assert!(
        frames >= 30,
        "{ext}: only {frames} frames decode from the cut file"
    );
    if ext == "mp4" {
        let boxes = mp4_boxes(&out);
        assert!(
            boxes.contains(&"moov".to_string()) && boxes.contains(&"moof".to_string()),
            "the cut MP4 is fragmented: {boxes:?}"
        );
    }

    // Recovery fingerprints it and closes the evidence chain.
    let rec = kestrel(data.path())
        .args(["--json", "video", "recover"])
        .output()
        .unwrap();
    assert!(
        rec.status.success(),
        "recover failed: {}",
        String::from_utf8_lossy(&rec.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&rec.stdout).unwrap();
    let recovered = report["recovered"].as_array().unwrap();
    assert_eq!(recovered.len(), 1, "{report}");
    let (hash, bytes) = kestrel::video::recorder::sha256_file(&out).unwrap();
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert_eq!(line["sha256"], hash.as_str(), "{line}");
    assert_eq!(line["bytes"], bytes, "{line}");
    assert_eq!(line["finished"], false, "{line}");
    assert_eq!(line["recovered"], true, "{line}");
    assert_eq!(line["aircraft"], "K7", "{line}");
    assert_eq!(line["frames"], frames, "{line}");
    // The real length of the cut file: about frames / 30 s.
    let duration = line["duration_s"].as_f64().unwrap();
    let expected = frames as f64 / 30.0;
    assert!(
        (duration - expected).abs() < 0.5,
        "{ext}: duration {duration} s for {frames} frames"
    );
    let sidecar = std::fs::read_to_string(format!("{}.sha256", out.display())).unwrap();
    assert_eq!(sidecar, format!("{hash}  cut.{ext}\n"));

    // Once only: a second pass finds nothing more.
    let again = kestrel(data.path())
        .args(["video", "recover"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("no unfinished recordings"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
}

#[test]
fn a_killed_mp4_recording_plays_and_is_recovered_into_the_evidence_log() {
    crash_and_recover("mp4");
}

#[test]
fn a_killed_mkv_recording_plays_and_is_recovered_into_the_evidence_log() {
    crash_and_recover("mkv");
}

#[test]
fn a_terminated_recording_finishes_its_file_cleanly() {
    let port = free_udp_port();
    let _sender = start_sender(port, "KESTREL-8");
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("term.mp4");
    let mut child = kestrel(data.path())
        .args([
            "--json",
            "video",
            "record",
            "--source",
            &format!("udp://127.0.0.1:{port}"),
            "--aircraft",
            "K8",
            "--seconds",
            "60",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kestrel video record");
    wait_recording_for(&out, Duration::from_secs(2));
    // SIGTERM (as systemd or `kill` send): stop early, finish the file.
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    wait::until("kestrel to stop on SIGTERM", LONG, || {
        child.try_wait().unwrap().is_some()
    });
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parts: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let (hash, _) = kestrel::video::recorder::sha256_file(&out).unwrap();
    assert_eq!(parts[0]["sha256"], hash.as_str());
    let log = std::fs::read_to_string(data.path().join("video/evidence.jsonl")).unwrap();
    let line: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(line["sha256"], hash.as_str());
    assert_eq!(line["finished"], true);
    // Finished: nothing for recovery.
    let dir = data.path().join("video/unfinished");
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0);
    assert!(decoded_frames(&out) >= 30);
    // A clean stop leaves a plain MP4 (one index at the end, seekable in every player).
    let boxes = mp4_boxes(&out);
    assert!(
        boxes.contains(&"moov".to_string()) && !boxes.contains(&"moof".to_string()),
        "{boxes:?}"
    );
}
