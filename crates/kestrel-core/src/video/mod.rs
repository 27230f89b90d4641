//! Live video from the aircraft's cameras through GStreamer: stream sources written as URIs
//! ([`source`]), the receiving pipeline with hardware decoding when present ([`pipeline`],
//! [`decoder`]), the newest decoded RGBA frame for the console ([`frame`]), a supervisor that
//! reports "no signal" and reconnects by itself ([`stream`]), recording without re-encoding
//! ([`recorder`]), finding recordings a crash left unfinished ([`recovery`]) and geotagged JPEG snapshots ([`snapshot`]).
//!
//! Nothing here knows about egui: the console turns a [`frame::VideoFrame`] into a texture.
//! GStreamer's streaming threads deliver frames; the supervisor runs as a tokio task; the UI
//! thread only reads [`frame::LatestFrame`] and [`stream::VideoStatus`] snapshots.

pub mod branch;
pub mod decoder;
pub mod evidence;
pub mod exif;
pub mod frame;
pub mod pipeline;
pub mod recorder;
pub mod recovery;
pub mod relay;
pub mod snapshot;
pub mod source;
pub mod srt_ingest;
pub mod stats;
pub mod stream;
pub mod stream_info;
pub mod webrtc;

use std::path::PathBuf;
use std::sync::OnceLock;

pub use frame::{LatestFrame, VideoFrame};
pub use recorder::{RecordingRequest, RecordingSummary};
pub use snapshot::{SnapshotMeta, SnapshotSummary};
pub use source::{Codec, VideoSource};
pub use stats::StreamStats;
pub use stream::{StreamConfig, StreamState, VideoEvent, VideoStatus, VideoStream};

/// Why a video operation failed; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    /// The source URI cannot be understood.
    #[error("bad video source {0}")]
    BadSource(String),
    /// GStreamer itself could not be started.
    #[error("GStreamer cannot start: {0}")]
    Init(String),
    /// A GStreamer element needed for this source is not installed.
    #[error("GStreamer element {element:?} is missing: install the Debian package {package} (scripts/install-deps.sh)")]
    MissingElement {
        /// Element factory name.
        element: String,
        /// Debian package that ships it.
        package: &'static str,
    },
    /// The pipeline could not be built or started.
    #[error("video pipeline: {0}")]
    Pipeline(String),
    /// Recording could not start, run or finish.
    #[error("recording: {0}")]
    Recording(String),
    /// There is no decoded frame yet (nothing received from the source).
    #[error("no video frame received yet from {0}")]
    NoFrame(String),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The stream was stopped, so it cannot take commands any more.
    #[error("the video stream has been stopped")]
    Stopped,
    /// Waiting for something took too long.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl VideoError {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        VideoError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Initialises GStreamer once per process; every entry point of this module calls it, so
/// callers never have to.
pub fn init() -> Result<(), VideoError> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| gstreamer::init().map_err(|e| e.to_string()))
        .clone()
        .map_err(VideoError::Init)
}

/// The Debian package that ships a GStreamer element, for "install X" hints.
pub fn package_of(element: &str) -> &'static str {
    match element {
        "x264enc" | "x265enc" => "gstreamer1.0-plugins-ugly",
        e if e.starts_with("avdec_") || e.starts_with("avenc_") => "gstreamer1.0-libav",
        "nicesrc" | "nicesink" => "gstreamer1.0-nice",
        "h264parse" | "h265parse" | "tsdemux" | "mpegtsmux" | "srtsrc" | "srtsink"
        | "webrtcbin" | "vah264dec" | "vah265dec" | "nvh264dec" | "nvh265dec" | "v4l2slh264dec"
        | "v4l2slh265dec" => "gstreamer1.0-plugins-bad",
        "textoverlay" | "clockoverlay" | "timeoverlay" => "gstreamer1.0-x",
        "videoconvert" | "videotestsrc" | "appsink" | "appsrc" | "decodebin" | "tee" | "queue"
        | "capsfilter" | "fakesink" | "filesrc" | "filesink" => "gstreamer1.0-plugins-base",
        e if e.starts_with("vaapi") => "gstreamer1.0-vaapi",
        _ => "gstreamer1.0-plugins-good",
    }
}

/// Fails with an install hint unless every named element is available.
pub fn require_elements(names: &[&str]) -> Result<(), VideoError> {
    init()?;
    for name in names {
        if gstreamer::ElementFactory::find(name).is_none() {
            return Err(VideoError::MissingElement {
                element: (*name).to_string(),
                package: package_of(name),
            });
        }
    }
    Ok(())
}
