//! FFmpeg's `ffprobe`, an independent reader of the video files Kestrel writes: a recording
//! counts as whole only when a program that shares none of our GStreamer code can read it.

use std::path::Path;
use std::process::Command;

/// What ffprobe found in a file's first video stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// The codec's short name (`h264`).
    pub codec: String,
    /// Picture size.
    pub width: u32,
    /// Picture size.
    pub height: u32,
    /// The container's duration in seconds.
    pub duration_s: f64,
}

/// Reads `path` with ffprobe; panics with ffprobe's own words when it cannot.
pub fn probe(path: &Path) -> Probe {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height:format=duration",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (Debian package ffmpeg, installed by scripts/install-deps.sh)");
    assert!(
        out.status.success(),
        "ffprobe cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ffprobe's JSON");
    let stream = &json["streams"][0];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    Probe {
        codec: text(&stream["codec_name"]),
        width: stream["width"].as_u64().unwrap_or(0) as u32,
        height: stream["height"].as_u64().unwrap_or(0) as u32,
        duration_s: text(&json["format"]["duration"]).parse().unwrap_or(0.0),
    }
}
