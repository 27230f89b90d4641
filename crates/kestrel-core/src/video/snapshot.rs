//! Snapshots: the current frame as a JPEG that carries where and when it was taken, for
//! sightings and evidence. The metadata goes three ways, so every tool finds it: EXIF (GPS
//! latitude/longitude/altitude/heading, UTC date and time, Make "Kestrel", Model = aircraft),
//! a JPEG COM comment with the same facts as JSON, and a sidecar `FILE.jpg.json` that also
//! holds the image's SHA-256.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use image::ImageEncoder;
use sha2::{Digest, Sha256};

use super::exif::{self, ExifFields, GeoTag};
use super::frame::VideoFrame;
use super::VideoError;
use crate::time::{unix_secs, DateTime};

/// JPEG quality used for snapshots (evidence: high).
pub const QUALITY: u8 = 92;

/// What to write into a snapshot besides the pixels.
#[derive(Clone, Debug, Default)]
pub struct SnapshotMeta {
    /// The aircraft's name or callsign.
    pub aircraft: String,
    /// When the picture was taken; `None` uses the frame's arrival time.
    pub time: Option<SystemTime>,
    /// Where the aircraft was (and its heading), if known.
    pub position: Option<GeoTag>,
    /// The stream it came from (URI without passwords).
    pub source: String,
}

/// A written snapshot.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotSummary {
    /// The JPEG file.
    pub path: PathBuf,
    /// The sidecar JSON file.
    pub sidecar: PathBuf,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// SHA-256 of the JPEG file, lower-case hex.
    pub sha256: String,
    /// The metadata as written (also the COM comment and the sidecar content).
    pub metadata: serde_json::Value,
}

/// The metadata record shared by the COM comment and the sidecar.
fn record(meta: &SnapshotMeta, frame: &VideoFrame, time: SystemTime) -> serde_json::Value {
    serde_json::json!({
        "kind": "snapshot",
        "aircraft": meta.aircraft,
        "time": DateTime::utc(time).rfc3339_millis(),
        "unix_time": unix_secs(time),
        "lat": meta.position.map(|p| p.lat),
        "lon": meta.position.map(|p| p.lon),
        "alt_m": meta.position.and_then(|p| p.alt_m),
        "heading_deg": meta.position.and_then(|p| p.heading_deg),
        "width": frame.width,
        "height": frame.height,
        "source": meta.source,
        "software": "Kestrel",
    })
}

/// Encodes `frame` as a JPEG with EXIF and COM metadata (in memory).
pub fn encode(
    frame: &VideoFrame,
    meta: &SnapshotMeta,
) -> Result<(Vec<u8>, serde_json::Value), VideoError> {
    let time = meta.time.unwrap_or(frame.received_wall);
    let rec = record(meta, frame, time);
    let tiff = exif::build(&ExifFields {
        description: format!("Kestrel snapshot, aircraft {}", meta.aircraft),
        make: "Kestrel".into(),
        model: meta.aircraft.clone(),
        time,
        geo: meta.position,
    });
    // JPEG has no alpha: drop it.
    let rgb: Vec<u8> = frame
        .rgba()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut out = Cursor::new(Vec::with_capacity(rgb.len() / 8));
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY);
    enc.set_exif_metadata(tiff)
        .map_err(|e| VideoError::Pipeline(format!("EXIF: {e}")))?;
    enc.write_image(
        &rgb,
        frame.width,
        frame.height,
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| VideoError::Pipeline(format!("JPEG encoding: {e}")))?;
    let jpeg = exif::insert_comment(out.get_ref(), &rec.to_string());
    Ok((jpeg, rec))
}

/// Writes `frame` to `path` as a JPEG with metadata, plus the sidecar `PATH.json`. Takes tens of
/// milliseconds for 720p: call it off the UI thread.
pub fn write(
    frame: &VideoFrame,
    meta: &SnapshotMeta,
    path: &Path,
) -> Result<SnapshotSummary, VideoError> {
    let (jpeg, mut rec) = encode(frame, meta)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| VideoError::io(dir, e))?;
    }
    std::fs::write(path, &jpeg).map_err(|e| VideoError::io(path, e))?;
    let sha256: String = Sha256::digest(&jpeg)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    rec["file"] = serde_json::Value::from(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    rec["sha256"] = serde_json::Value::from(sha256.clone());
    let mut sidecar = path.as_os_str().to_owned();
    sidecar.push(".json");
    let sidecar = PathBuf::from(sidecar);
    let text =
        serde_json::to_string_pretty(&rec).map_err(|e| VideoError::Pipeline(e.to_string()))?;
    std::fs::write(&sidecar, text + "\n").map_err(|e| VideoError::io(&sidecar, e))?;
    Ok(SnapshotSummary {
        path: path.to_path_buf(),
        sidecar,
        width: frame.width,
        height: frame.height,
        sha256,
        metadata: rec,
    })
}

/// Generated snapshot file name: `AIRCRAFT_20250601T140309Z.jpg`.
pub fn file_name(aircraft: &str, time: SystemTime) -> String {
    format!(
        "{}_{}.jpg",
        super::recorder::file_safe(aircraft),
        DateTime::utc(time).compact()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_carries_exif_gps_comment_and_sidecar() {
        let mut px = Vec::new();
        for y in 0..48u32 {
            for x in 0..64u32 {
                px.extend([(x * 4) as u8, (y * 5) as u8, 128, 255]);
            }
        }
        let frame = VideoFrame::from_rgba(64, 48, px).unwrap();
        let meta = SnapshotMeta {
            aircraft: "K7".into(),
            time: None,
            position: Some(GeoTag {
                lat: 36.456,
                lon: 115.985,
                alt_m: Some(135.0),
                heading_deg: Some(90.0),
            }),
            source: "udp://0.0.0.0:5600".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jpg");
        let s = write(&frame, &meta, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (64, 48));
        let app1 = exif::jpeg_segments(&bytes, 0xE1);
        let tiff = app1[0].strip_prefix(b"Exif\0\0".as_slice()).unwrap();
        let geo = exif::read_geotag(tiff).unwrap();
        assert!((geo.lat - 36.456).abs() < 1e-6 && (geo.lon - 115.985).abs() < 1e-6);
        let com = exif::jpeg_segments(&bytes, 0xFE);
        let c: serde_json::Value = serde_json::from_slice(com[0]).unwrap();
        assert_eq!(c["aircraft"], "K7");
        let side: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&s.sidecar).unwrap()).unwrap();
        assert_eq!(side["sha256"], s.sha256);
        assert_eq!(side["lat"], 36.456);
    }
}
