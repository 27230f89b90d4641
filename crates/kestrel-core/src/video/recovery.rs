//! Recordings a crash, a kill or a power cut left unfinished, found and logged at the next
//! start so the evidence chain has no gap.
//!
//! While a recording file is open, a marker (JSON) in `DATA_DIR/video/unfinished/` names it,
//! its aircraft, start time and the process writing it; a clean finish logs the file and
//! removes the marker. At start-up (console, `kestrel video record`, `kestrel video recover`)
//! every marker whose process is gone is recovered: the file (fragmented MP4 or Matroska, so
//! playable up to its last fragment) is read back to find its real length, fingerprinted
//! (SHA-256 into `FILE.sha256`) and logged to the evidence log with `"finished": false,
//! "recovered": true`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use gstreamer as gst;
use gstreamer::prelude::*;

use super::evidence::{append_evidence, sha256_file, write_sidecar};
use super::VideoError;
use crate::time::DateTime;

/// How long reading a file back may take before recovery gives up on its length.
const INSPECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the markers of open recordings live: `unfinished/` beside the evidence log.
pub fn unfinished_dir(evidence_log: &Path) -> PathBuf {
    evidence_log
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("unfinished")
}

/// The marker of a recording file that is being written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnfinishedMarker {
    /// The recording file (absolute).
    pub path: PathBuf,
    /// The aircraft it shows.
    pub aircraft: String,
    /// When recording started (wall clock).
    #[serde(with = "crate::time::unix_time")]
    pub started: SystemTime,
    /// Part number of the recording.
    pub part: u32,
    /// The stream source (credentials redacted).
    pub source: String,
    /// The process writing the file.
    pub pid: u32,
    /// That process's start time (Linux clock ticks after boot), so a reused process id is
    /// not mistaken for the writer.
    pub proc_start: Option<u64>,
}

impl UnfinishedMarker {
    /// A marker for `path`, written by this process.
    pub fn new(path: &Path, aircraft: &str, started: SystemTime, part: u32, source: &str) -> Self {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let pid = std::process::id();
        Self {
            path,
            aircraft: aircraft.to_string(),
            started,
            part,
            source: source.to_string(),
            pid,
            proc_start: process_start(pid),
        }
    }

    /// Writes the marker into `dir` (durably: a power cut right after keeps it) and returns
    /// its path.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, VideoError> {
        std::fs::create_dir_all(dir).map_err(|e| VideoError::io(dir, e))?;
        let name = format!(
            "{}-{}-{}.json",
            DateTime::utc(self.started).compact(),
            self.pid,
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let file = dir.join(name);
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| VideoError::Recording(format!("marker: {e}")))?;
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::File::create(&file)?;
            f.write_all(&json)?;
            f.sync_all()?;
            // The directory entry too.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| VideoError::io(&file, e))?;
        Ok(file)
    }

    /// Whether the process that wrote the marker still runs (then the file is not abandoned).
    pub fn owner_alive(&self) -> bool {
        if self.pid == std::process::id() {
            return true;
        }
        match (process_start(self.pid), self.proc_start) {
            (Some(now), Some(then)) => now == then,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// A process's start time in clock ticks after boot (field 22 of `/proc/PID/stat`), if it
/// runs (Linux).
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces: count fields after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// What reading a recording file back found.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct FileFacts {
    /// Video frames the file holds (that a player can reach).
    pub frames: u64,
    /// From the first to the end of the last frame, seconds.
    pub duration_s: f64,
}

/// Reads a recording file back through GStreamer's demuxers (no decoding) and counts its
/// video frames and length; works on files cut short by a crash.
pub fn inspect(path: &Path) -> Result<FileFacts, VideoError> {
    super::require_elements(&["filesrc", "parsebin", "fakesink"])?;
    let location = path.to_str().ok_or_else(|| {
        VideoError::Recording(format!("{}: file name is not UTF-8", path.display()))
    })?;
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| VideoError::Pipeline(format!("{factory}: {e}")))
    };
    let pipeline = gst::Pipeline::new();
    let src = make("filesrc")?;
    src.set_property("location", location);
    let parse = make("parsebin")?;
    pipeline
        .add_many([&src, &parse])
        .map_err(|e| VideoError::Pipeline(e.to_string()))?;
    src.link(&parse)
        .map_err(|e| VideoError::Pipeline(e.to_string()))?;

    #[derive(Default)]
    struct Tally {
        frames: u64,
        first: Option<u64>,
        end: u64,
    }
    let tally = Arc::new(Mutex::new(Tally::default()));
    let weak = pipeline.downgrade();
    let t = tally.clone();
    parse.connect_pad_added(move |_, pad| {
        let Some(pipeline) = weak.upgrade() else {
            return;
        };
        let Ok(sink) = gst::ElementFactory::make("fakesink")
            .property("sync", false)
            .property("async", false)
            .build()
        else {
            return;
        };
        if pipeline.add(&sink).is_err() {
            return;
        }
        let _ = sink.sync_state_with_parent();
        let is_video = pad
            .current_caps()
            .unwrap_or_else(|| pad.query_caps(None))
            .structure(0)
            .is_some_and(|s| s.name().starts_with("video/"));
        if is_video {
            let t = t.clone();
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                if let Some(buf) = info.buffer() {
                    let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                    t.frames += 1;
                    if let Some(pts) = buf.pts().or(buf.dts()) {
                        let pts = pts.nseconds();
                        t.first = Some(t.first.map_or(pts, |f| f.min(pts)));
                        let end = pts + buf.duration().map_or(0, |d| d.nseconds());
                        t.end = t.end.max(end);
                    }
                }
                gst::PadProbeReturn::Ok
            });
        }
        if let Some(sinkpad) = sink.static_pad("sink") {
            let _ = pad.link(&sinkpad);
        }
    });
    pipeline.set_state(gst::State::Playing).map_err(|e| {
        VideoError::Pipeline(format!("{}: cannot read it back: {e}", path.display()))
    })?;
    let bus = pipeline
        .bus()
        .ok_or_else(|| VideoError::Pipeline("pipeline without a bus".into()))?;
    let mut error = None;
    let mut timed_out = true;
    let deadline = std::time::Instant::now() + INSPECT_TIMEOUT;
    while std::time::Instant::now() < deadline {
        let Some(msg) = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(200),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        ) else {
            continue;
        };
        timed_out = false;
        if let gst::MessageView::Error(e) = msg.view() {
            error = Some(e.error().to_string());
        }
        break;
    }
    let _ = pipeline.set_state(gst::State::Null);
    let t = tally.lock().unwrap_or_else(|e| e.into_inner());
    if t.frames == 0 {
        return Err(VideoError::Recording(format!(
            "{}: no video frames can be read back{}",
            path.display(),
            error.map(|e| format!(" ({e})")).unwrap_or_default()
        )));
    }
    if timed_out {
        return Err(VideoError::Timeout(format!(
            "reading {} back took over {} s",
            path.display(),
            INSPECT_TIMEOUT.as_secs()
        )));
    }
    // A cut file may end in a torn fragment: what was read before the error counts.
    let duration = t.end.saturating_sub(t.first.unwrap_or(0));
    Ok(FileFacts {
        frames: t.frames,
        duration_s: duration as f64 / 1e9,
    })
}

/// A recording a previous run left unfinished, now fingerprinted and logged.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RecoveredRecording {
    /// The file.
    pub path: PathBuf,
    /// The aircraft it shows.
    pub aircraft: String,
    /// When recording started.
    #[serde(with = "crate::time::unix_time")]
    pub started: SystemTime,
    /// Start plus the length of video in the file: where the recording was cut.
    #[serde(with = "crate::time::unix_time")]
    pub ended: SystemTime,
    /// Length of the playable video, seconds.
    pub duration_s: f64,
    /// Video frames in the file.
    pub frames: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file as found, lower-case hex.
    pub sha256: String,
    /// Part number of the recording.
    pub part: u32,
}

/// What a recovery pass did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RecoveryReport {
    /// Files fingerprinted and logged.
    pub recovered: Vec<RecoveredRecording>,
    /// Markers whose file had no video (removed with the empty file).
    pub empty: Vec<PathBuf>,
    /// Markers that could not be handled, and why (left in place to retry).
    pub problems: Vec<String>,
}

/// Finds the recordings that the evidence log's markers show as unfinished by a process that
/// is gone, fingerprints them and logs each to `evidence_log` with `"finished": false,
/// "recovered": true`. Markers of recordings still being written are left alone.
pub fn recover(evidence_log: &Path) -> RecoveryReport {
    let mut report = RecoveryReport::default();
    let dir = unfinished_dir(evidence_log);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return report;
    };
    let mut markers: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    markers.sort();
    for marker_path in markers {
        match recover_one(&marker_path, evidence_log) {
            Ok(Outcome::Recovered(r)) => report.recovered.push(r),
            Ok(Outcome::Empty(p)) => report.empty.push(p),
            Ok(Outcome::Skipped) => {}
            Err(e) => report
                .problems
                .push(format!("{}: {e}", marker_path.display())),
        }
    }
    report
}

enum Outcome {
    Recovered(RecoveredRecording),
    Empty(PathBuf),
    Skipped,
}

fn recover_one(marker_path: &Path, log: &Path) -> Result<Outcome, VideoError> {
    let text = std::fs::read_to_string(marker_path).map_err(|e| VideoError::io(marker_path, e))?;
    let marker: UnfinishedMarker = serde_json::from_str(&text).map_err(|e| {
        VideoError::Recording(format!("not a recording marker ({e}); remove it by hand"))
    })?;
    if marker.owner_alive() {
        return Ok(Outcome::Skipped);
    }
    let remove_marker =
        || std::fs::remove_file(marker_path).map_err(|e| VideoError::io(marker_path, e));
    let bytes = std::fs::metadata(&marker.path).map(|m| m.len()).ok();
    match bytes {
        None => {
            // The file is gone: say so in the log rather than leave a silent gap.
            append_evidence(
                log,
                &serde_json::json!({
                    "kind": "recording",
                    "file": marker.path,
                    "aircraft": marker.aircraft,
                    "started": DateTime::utc(marker.started).rfc3339_millis(),
                    "part": marker.part,
                    "finished": false,
                    "recovered": false,
                    "error": "the unfinished recording file is missing",
                }),
            )?;
            remove_marker()?;
            return Ok(Outcome::Skipped);
        }
        Some(0) => {
            // Stopped before the first key frame: nothing was recorded.
            let _ = std::fs::remove_file(&marker.path);
            remove_marker()?;
            return Ok(Outcome::Empty(marker.path));
        }
        Some(_) => {}
    }
    let facts = inspect(&marker.path).unwrap_or(FileFacts {
        frames: 0,
        duration_s: 0.0,
    });
    let (sha256, bytes) = sha256_file(&marker.path)?;
    if already_logged(log, &sha256) {
        // Finished and logged, but the run died before removing its marker.
        remove_marker()?;
        return Ok(Outcome::Skipped);
    }
    let ended = marker.started + Duration::from_secs_f64(facts.duration_s.max(0.0));
    let r = RecoveredRecording {
        path: marker.path.clone(),
        aircraft: marker.aircraft.clone(),
        started: marker.started,
        ended,
        duration_s: facts.duration_s,
        frames: facts.frames,
        bytes,
        sha256,
        part: marker.part,
    };
    write_sidecar(&r.path, &r.sha256)?;
    append_evidence(
        log,
        &serde_json::json!({
            "kind": "recording",
            "file": r.path,
            "aircraft": r.aircraft,
            "started": DateTime::utc(r.started).rfc3339_millis(),
            "ended": DateTime::utc(r.ended).rfc3339_millis(),
            "bytes": r.bytes,
            "sha256": r.sha256,
            "part": r.part,
            "finished": false,
            "recovered": true,
            "duration_s": r.duration_s,
            "frames": r.frames,
            "recovered_at": DateTime::utc(SystemTime::now()).rfc3339_millis(),
        }),
    )?;
    remove_marker()?;
    Ok(Outcome::Recovered(r))
}

/// Whether the evidence log already holds a line for a file with this SHA-256.
fn already_logged(log: &Path, sha256: &str) -> bool {
    let needle = format!("\"sha256\":\"{sha256}\"");
    std::fs::read_to_string(log).is_ok_and(|t| t.contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_of_a_live_process_is_left_alone_and_a_dead_ones_is_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("video").join("evidence.jsonl");
        let file = dir.path().join("K1.mkv");
        std::fs::write(&file, b"").unwrap();
        let mut m = UnfinishedMarker::new(&file, "K1", SystemTime::now(), 1, "udp://x");
        assert!(m.owner_alive(), "this process is alive");
        let marker = m.write(&unfinished_dir(&log)).unwrap();
        let r = recover(&log);
        assert!(r.recovered.is_empty() && r.empty.is_empty(), "{r:?}");
        assert!(marker.exists());
        // A process id that cannot exist: the writer is gone. The file is empty: removed.
        m.pid = u32::MAX;
        std::fs::remove_file(&marker).unwrap();
        m.write(&unfinished_dir(&log)).unwrap();
        let r = recover(&log);
        assert_eq!(r.empty, vec![std::path::absolute(&file).unwrap()]);
        assert!(!file.exists());
        assert_eq!(std::fs::read_dir(unfinished_dir(&log)).unwrap().count(), 0);
    }

    #[test]
    fn a_file_logged_before_the_crash_is_not_logged_twice() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("evidence.jsonl");
        let file = dir.path().join("K1.mkv");
        std::fs::write(&file, b"not really video").unwrap();
        let (hash, _) = sha256_file(&file).unwrap();
        append_evidence(&log, &serde_json::json!({ "sha256": hash })).unwrap();
        let mut m = UnfinishedMarker::new(&file, "K1", SystemTime::now(), 1, "udp://x");
        m.pid = u32::MAX;
        m.write(&unfinished_dir(&log)).unwrap();
        let r = recover(&log);
        assert!(r.recovered.is_empty() && r.problems.is_empty(), "{r:?}");
        assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
        assert_eq!(std::fs::read_dir(unfinished_dir(&log)).unwrap().count(), 0);
    }

    #[test]
    fn a_broken_marker_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("evidence.jsonl");
        std::fs::create_dir_all(unfinished_dir(&log)).unwrap();
        std::fs::write(unfinished_dir(&log).join("x.json"), b"{").unwrap();
        let r = recover(&log);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].contains("remove it by hand"), "{r:?}");
    }

    #[test]
    fn this_process_has_a_start_time() {
        assert!(process_start(std::process::id()).is_some());
        assert!(process_start(u32::MAX).is_none());
    }
}
