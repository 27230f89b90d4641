//! Recording the encoded stream as evidence, without re-encoding: a branch hung on the
//! pipeline's `tee name=rec` (queue → parser → mp4mux/matroskamux → filesink) that starts at a
//! key frame, carries the aircraft and start time in its file name and container tags, and on
//! stop is drained with EOS so the file is playable. Each finished file's SHA-256 goes into a
//! `FILE.sha256` sidecar (`sha256sum -c` format), the [`RecordingSummary`] and, when
//! configured, an append-only JSON-lines evidence log.
//!
//! Crash safety: MP4 is written as fragmented MP4 (a fragment per key frame interval, at most
//! [`FRAGMENT_MS`]; finalised into a plain MP4 on a clean stop) and Matroska as plain clusters, both through an unbuffered file sink, so a
//! file cut by a kill or a crash plays up to its last complete fragment. The file is fsynced
//! every [`FSYNC_INTERVAL`], so a power cut loses at most about that plus the fragment being
//! built. While a file is open a marker in the evidence directory says so
//! ([`super::recovery`]); the next start fingerprints such files and logs them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use gstreamer as gst;
use gstreamer::prelude::*;

pub use super::evidence::sha256_file;
use super::evidence::{append_evidence, write_sidecar};
use super::source::Codec;
use super::VideoError;
use crate::time::{unix_secs, DateTime};

/// How long stopping waits for the muxer to write its index after EOS.
const EOS_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest MP4 fragment, milliseconds: a cut file loses at most the fragment being built
/// (fragments close at key frames, so a stream with key frames every second gets 1 s ones).
pub const FRAGMENT_MS: u32 = 1000;

/// How often an open recording is flushed to the disk (fsync): what a power cut can lose on
/// top of the fragment being built. Kills and crashes lose nothing already written, because
/// the file sink hands every buffer to the kernel at once.
pub const FSYNC_INTERVAL: Duration = Duration::from_secs(1);

/// What to record and how to label it.
#[derive(Clone, Debug)]
pub struct RecordingRequest {
    /// Output file (`.mp4`, `.mov` or `.mkv`); an existing directory gets a generated name.
    pub path: PathBuf,
    /// The aircraft's name or callsign, written into the file name (for directories) and tags.
    pub aircraft: String,
    /// Append a JSON line per finished file here (the evidence log), if set.
    pub evidence_log: Option<PathBuf>,
}

/// A finished recording file.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RecordingSummary {
    /// The file.
    pub path: PathBuf,
    /// The aircraft it shows.
    pub aircraft: String,
    /// When the first frame was written (wall clock).
    #[serde(with = "crate::time::unix_time")]
    pub started: SystemTime,
    /// When recording stopped.
    #[serde(with = "crate::time::unix_time")]
    pub ended: SystemTime,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the whole file, lower-case hex.
    pub sha256: String,
    /// 1 for the first file of a recording; a stream loss continues in part 2, 3, ...
    pub part: u32,
}

/// Container chosen from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// ISO MP4 / QuickTime (`.mp4`, `.mov`, `.m4v`).
    Mp4,
    /// Matroska (`.mkv`): survives a crash better.
    Matroska,
}

impl Container {
    /// The container for `path`'s extension, or an error naming the ones supported.
    pub fn from_path(path: &Path) -> Result<Self, VideoError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("mp4") | Some("mov") | Some("m4v") => Ok(Container::Mp4),
            Some("mkv") => Ok(Container::Matroska),
            _ => Err(VideoError::Recording(format!(
                "{}: use a .mp4 or .mkv file name",
                path.display()
            ))),
        }
    }

    fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4mux",
            Container::Matroska => "matroskamux",
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Matroska => "mkv",
        }
    }
}

/// Where finished recordings are logged by default: `DATA_DIR/video/evidence.jsonl`.
pub fn evidence_log_path(data_dir: &Path) -> PathBuf {
    data_dir.join("video").join("evidence.jsonl")
}

/// Keeps letters, digits, `-` and `_` of an aircraft name for use in file names.
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('_').to_string();
    if s.is_empty() {
        "aircraft".into()
    } else {
        s
    }
}

/// The generated file name: `AIRCRAFT_20250601T140309Z.mp4`.
pub fn file_name(aircraft: &str, start: SystemTime, container: Container) -> String {
    format!(
        "{}_{}.{}",
        file_safe(aircraft),
        DateTime::utc(start).compact(),
        container.extension()
    )
}

/// Where part `part` of a recording goes: the requested file for part 1 (or a generated name
/// inside a requested directory), then `NAME.part2.EXT`, ...
pub fn part_path(
    req: &RecordingRequest,
    start: SystemTime,
    part: u32,
) -> Result<PathBuf, VideoError> {
    let base = if req.path.is_dir() {
        req.path
            .join(file_name(&req.aircraft, start, Container::Mp4))
    } else {
        Container::from_path(&req.path)?;
        req.path.clone()
    };
    if part <= 1 {
        return Ok(base);
    }
    let stem = base
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("recording");
    let ext = base.extension().and_then(|s| s.to_str()).unwrap_or("mp4");
    Ok(base.with_file_name(format!("{stem}.part{part}.{ext}")))
}

/// The codec of the stream at the tee, from its negotiated caps.
fn codec_at(tee: &gst::Element) -> Option<Codec> {
    let caps = tee.static_pad("sink")?.current_caps()?;
    match caps.structure(0)?.name().as_str() {
        "video/x-h264" => Some(Codec::H264),
        "video/x-h265" => Some(Codec::H265),
        _ => None,
    }
}

/// Whether a recording branch can be hung on the pipeline now: it has a `rec` tee and the
/// codec is known (from the tee's caps or, before data flows, from `codec_hint`).
pub fn ready_to_attach(pipeline: &gst::Pipeline, codec_hint: Option<Codec>) -> bool {
    pipeline
        .by_name("rec")
        .is_some_and(|tee| codec_at(&tee).or(codec_hint).is_some())
}

/// A recording branch attached to a running pipeline.
pub struct RecordingBranch {
    bin: gst::Bin,
    parent: gst::Bin,
    tee: gst::Element,
    tee_pad: gst::Pad,
    path: PathBuf,
    aircraft: String,
    started: SystemTime,
    part: u32,
    wrote: Arc<AtomicBool>,
    eos_rx: tokio::sync::oneshot::Receiver<()>,
    buffers: Arc<AtomicU64>,
    marker: Option<PathBuf>,
    _flusher: Flusher,
}

/// Flushes a file to the disk every [`FSYNC_INTERVAL`] from its own thread until dropped.
struct Flusher {
    _stop: std::sync::mpsc::Sender<()>,
}

impl Flusher {
    fn start(path: &Path) -> Self {
        let (stop, rx) = std::sync::mpsc::channel::<()>();
        let path = path.to_path_buf();
        let _ = std::thread::Builder::new()
            .name("kestrel-rec-fsync".into())
            .spawn(move || {
                // fsync flushes the file's dirty pages whichever descriptor wrote them.
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    rx.recv_timeout(FSYNC_INTERVAL)
                {
                    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&path) {
                        let _ = f.sync_data();
                    }
                }
            });
        Flusher { _stop: stop }
    }
}

impl std::fmt::Debug for RecordingBranch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingBranch")
            .field("path", &self.path)
            .field("part", &self.part)
            .finish_non_exhaustive()
    }
}

impl RecordingBranch {
    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// When this part started.
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// Encoded frames written so far.
    pub fn frames(&self) -> u64 {
        self.buffers.load(Ordering::Relaxed)
    }

    /// Whether video (from a key frame on) has gone into the file yet.
    pub fn has_data(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    /// Removes a branch that never received video, deleting its empty file.
    pub async fn discard(self) {
        let RecordingBranch {
            bin,
            parent,
            tee,
            tee_pad,
            path,
            marker,
            ..
        } = self;
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(ghost) = bin.static_pad("sink") {
                let _ = tee_pad.unlink(&ghost);
            }
            tee.release_request_pad(&tee_pad);
            let _ = bin.set_state(gst::State::Null);
            let _ = parent.remove(&bin);
            let _ = std::fs::remove_file(&path);
            if let Some(m) = marker {
                let _ = std::fs::remove_file(m);
            }
        })
        .await;
    }
}

fn tags(aircraft: &str, start: SystemTime, source: &str, part: u32) -> gst::TagList {
    let iso = DateTime::utc(start).rfc3339_millis();
    let mut tags = gst::TagList::new();
    {
        let t = tags.make_mut();
        t.add::<gst::tags::Title>(
            &format!("Kestrel {aircraft} {iso}").as_str(),
            gst::TagMergeMode::Replace,
        );
        t.add::<gst::tags::Comment>(
            &format!("aircraft={aircraft}; start={iso}; part={part}; source={source}").as_str(),
            gst::TagMergeMode::Replace,
        );
        t.add::<gst::tags::Artist>(&aircraft, gst::TagMergeMode::Replace);
        t.add::<gst::tags::ApplicationName>(&"Kestrel", gst::TagMergeMode::Replace);
        let secs = unix_secs(start);
        if let Ok(dt) = gst::DateTime::from_unix_epoch_utc_usecs((secs * 1e6) as i64) {
            t.add::<gst::tags::DateTime>(&dt, gst::TagMergeMode::Replace);
        }
    }
    tags
}

/// Hangs a recording branch on the pipeline's `rec` tee, writing `path`. The first frame
/// written is a key frame; timestamps start at zero. With an `evidence_log`, a marker in its
/// directory records that the file is open until [`finish`] logs it (crash recovery).
pub fn attach(
    pipeline: &gst::Pipeline,
    path: &Path,
    aircraft: &str,
    source: &str,
    part: u32,
    codec_hint: Option<Codec>,
    evidence_log: Option<&Path>,
) -> Result<RecordingBranch, VideoError> {
    let tee = pipeline
        .by_name("rec")
        .ok_or_else(|| VideoError::Recording("this source cannot be recorded: its pipeline has no `tee name=rec` on the encoded stream".into()))?;
    let codec = codec_at(&tee)
        .or(codec_hint)
        .ok_or_else(|| VideoError::Recording("no encoded video has arrived yet".into()))?;
    let container = Container::from_path(path)?;
    super::require_elements(&[container.muxer(), "filesink"])?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| VideoError::io(dir, e))?;
    }
    // Fail early, with the path, if the file cannot be created.
    std::fs::File::create(path).map_err(|e| VideoError::io(path, e))?;
    let parse = match codec {
        Codec::H264 => "h264parse",
        Codec::H265 => "h265parse",
    };
    let location = path.to_str().ok_or_else(|| {
        VideoError::Recording(format!("{}: file name is not UTF-8", path.display()))
    })?;
    let bin = gst::Bin::new();
    let make = |factory: &str| {
        gst::ElementFactory::make(factory)
            .build()
            .map_err(|e| VideoError::Recording(format!("{factory}: {e}")))
    };
    let queue = make("queue")?;
    queue.set_property("max-size-buffers", 0u32);
    queue.set_property("max-size-bytes", 0u32);
    queue.set_property("max-size-time", 5_000_000_000u64);
    let parser = make(parse)?;
    let mux = make(container.muxer())?;
    if container == Container::Mp4 {
        // Fragmented while recording (playable up to the last fragment if the process dies);
        // a clean stop rewrites the headers in place into a plain MP4 with one index, which
        // every player seeks in (no data is copied).
        mux.set_property("fragment-duration", FRAGMENT_MS);
        mux.set_property_from_str("fragment-mode", "first-moov-then-finalise");
    }
    let sink = make("filesink")?;
    sink.set_property("location", location);
    sink.set_property("async", false);
    sink.set_property("sync", false);
    // Every buffer straight to the kernel: a killed process loses nothing already muxed.
    sink.set_property_from_str("buffer-mode", "unbuffered");
    bin.add_many([&queue, &parser, &mux, &sink])
        .map_err(|e| VideoError::Recording(e.to_string()))?;
    gst::Element::link_many([&queue, &parser, &mux, &sink]).map_err(|e| {
        VideoError::Recording(format!(
            "cannot link the {codec} stream into {}: {e}",
            container.muxer()
        ))
    })?;
    let started = SystemTime::now();
    if let Some(setter) = mux.dynamic_cast_ref::<gst::TagSetter>() {
        setter.merge_tags(
            &tags(aircraft, started, source, part),
            gst::TagMergeMode::Replace,
        );
    }
    let queue_sink = queue
        .static_pad("sink")
        .ok_or_else(|| VideoError::Recording("queue has no sink pad".into()))?;
    let ghost = gst::GhostPad::with_target(&queue_sink)
        .map_err(|e| VideoError::Recording(e.to_string()))?;
    bin.add_pad(&ghost)
        .map_err(|e| VideoError::Recording(e.to_string()))?;

    // EOS reaching the file sink means the muxer has written everything.
    let (eos_tx, eos_rx) = tokio::sync::oneshot::channel();
    let eos_tx = Mutex::new(Some(eos_tx));
    if let Some(pad) = sink.static_pad("sink") {
        pad.add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(ev) = info.event() {
                if ev.type_() == gst::EventType::Eos {
                    if let Some(tx) = eos_tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        let _ = tx.send(());
                    }
                }
            }
            gst::PadProbeReturn::Ok
        });
    }

    let (parent, tee_pad) = super::branch::hang_on_tee(pipeline, &tee, &bin, "new branch")
        .map_err(VideoError::Recording)?;

    // Drop everything until a key frame, then shift time so the file starts at zero.
    let wrote = Arc::new(AtomicBool::new(false));
    let buffers = Arc::new(AtomicU64::new(0));
    {
        let wrote = wrote.clone();
        let buffers = buffers.clone();
        let ghost = ghost.clone();
        tee_pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            let Some(buf) = info.buffer() else {
                return gst::PadProbeReturn::Ok;
            };
            if !wrote.load(Ordering::Relaxed) {
                if buf.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                    return gst::PadProbeReturn::Drop;
                }
                let rt = pad.sticky_event::<gst::event::Segment>(0).and_then(|seg| {
                    let seg = seg.segment().downcast_ref::<gst::ClockTime>()?.clone();
                    seg.to_running_time(buf.dts_or_pts()?)
                });
                if let Some(rt) = rt {
                    ghost.set_offset(-(rt.nseconds() as i64));
                }
                wrote.store(true, Ordering::Relaxed);
            }
            buffers.fetch_add(1, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    }
    let marker = match evidence_log {
        Some(log) => {
            let m = super::recovery::UnfinishedMarker::new(path, aircraft, started, part, source);
            match m.write(&super::recovery::unfinished_dir(log)) {
                Ok(p) => Some(p),
                Err(e) => {
                    let _ = parent.remove(&bin);
                    return Err(e);
                }
            }
        }
        None => None,
    };
    if let Err(e) = tee_pad.link(&ghost) {
        if let Some(m) = &marker {
            let _ = std::fs::remove_file(m);
        }
        return Err(VideoError::Recording(format!(
            "cannot attach the recorder: {e:?}"
        )));
    }
    Ok(RecordingBranch {
        bin,
        parent,
        tee,
        tee_pad,
        path: path.to_path_buf(),
        aircraft: aircraft.to_string(),
        started,
        part,
        wrote,
        eos_rx,
        buffers,
        marker,
        _flusher: Flusher::start(path),
    })
}

/// Detaches the branch, drains it with EOS so the muxer writes its index, removes it from the
/// pipeline and fingerprints the file. Appends to `evidence_log` if given.
pub async fn finish(
    branch: RecordingBranch,
    evidence_log: Option<&Path>,
) -> Result<RecordingSummary, VideoError> {
    let RecordingBranch {
        bin,
        parent,
        tee,
        tee_pad,
        path,
        aircraft,
        started,
        part,
        wrote,
        eos_rx,
        marker,
        ..
    } = branch;
    // Unlink at a moment no buffer is passing, then push EOS into the branch.
    let (unlinked_tx, unlinked_rx) = tokio::sync::oneshot::channel::<()>();
    let unlinked_tx = Mutex::new(Some(unlinked_tx));
    let ghost = bin.static_pad("sink");
    let tee2 = tee.clone();
    tee_pad.add_probe(gst::PadProbeType::IDLE, move |pad, _| {
        if let Some(ghost) = &ghost {
            let _ = pad.unlink(ghost);
            ghost.send_event(gst::event::Eos::new());
        }
        tee2.release_request_pad(pad);
        if let Some(tx) = unlinked_tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = tx.send(());
        }
        gst::PadProbeReturn::Remove
    });
    let _ = tokio::time::timeout(EOS_TIMEOUT, unlinked_rx).await;
    let drained = tokio::time::timeout(EOS_TIMEOUT, eos_rx).await.is_ok();
    let ended = SystemTime::now();
    let bin2 = bin.clone();
    tokio::task::spawn_blocking(move || {
        let _ = bin2.set_state(gst::State::Null);
        let _ = parent.remove(&bin2);
    })
    .await
    .map_err(|e| VideoError::Recording(e.to_string()))?;
    drop(bin);
    if !wrote.load(Ordering::Relaxed) {
        let _ = std::fs::remove_file(&path);
        if let Some(m) = &marker {
            let _ = std::fs::remove_file(m);
        }
        return Err(VideoError::Recording(format!(
            "{}: nothing was recorded (no key frame arrived)",
            path.display()
        )));
    }
    if !drained {
        return Err(VideoError::Recording(format!(
            "{}: the muxer did not finish within {} s; the file may be unplayable",
            path.display(),
            EOS_TIMEOUT.as_secs()
        )));
    }
    let p = path.clone();
    let (sha256, bytes) = tokio::task::spawn_blocking(move || {
        // On the disk before its hash is logged.
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&p) {
            let _ = f.sync_all();
        }
        // Never log as finished a file no player can open: it keeps its marker, and is
        // fingerprinted as unfinished by the recovery like a recording cut by a crash.
        if Container::from_path(&p).ok() == Some(Container::Mp4) && !has_top_level_box(&p, b"moov")
        {
            return Err(VideoError::Recording(format!(
                "{}: the muxer finished without writing the file's index (moov); the file is \
                 kept and will be logged as unfinished at the next start",
                p.display()
            )));
        }
        sha256_file(&p)
    })
    .await
    .map_err(|e| VideoError::Recording(e.to_string()))??;
    let summary = RecordingSummary {
        path,
        aircraft,
        started,
        ended,
        bytes,
        sha256,
        part,
    };
    write_evidence(&summary, evidence_log)?;
    // Logged: no longer unfinished.
    if let Some(m) = &marker {
        let _ = std::fs::remove_file(m);
    }
    Ok(summary)
}

/// Whether the ISO media file at `path` has a top-level box of type `kind` (walks the box
/// headers only).
pub fn has_top_level_box(path: &Path, kind: &[u8; 4]) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut at = 0u64;
    while at + 8 <= len {
        let mut header = [0u8; 16];
        if f.seek(SeekFrom::Start(at)).is_err() || f.read_exact(&mut header[..8]).is_err() {
            return false;
        }
        if &header[4..8] == kind {
            return true;
        }
        let size = match u32::from_be_bytes([header[0], header[1], header[2], header[3]]) {
            // 64-bit size follows the type.
            1 => {
                if f.read_exact(&mut header[8..16]).is_err() {
                    return false;
                }
                u64::from_be_bytes(header[8..16].try_into().unwrap_or_default())
            }
            // To the end of the file.
            0 => return false,
            n => u64::from(n),
        };
        if size < 8 {
            return false;
        }
        at += size;
    }
    false
}

/// Writes `FILE.sha256` next to the recording and appends a line to the evidence log.
fn write_evidence(s: &RecordingSummary, log: Option<&Path>) -> Result<(), VideoError> {
    write_sidecar(&s.path, &s.sha256)?;
    if let Some(log) = log {
        let line = serde_json::json!({
            "kind": "recording",
            "file": s.path,
            "aircraft": s.aircraft,
            "started": DateTime::utc(s.started).rfc3339_millis(),
            "ended": DateTime::utc(s.ended).rfc3339_millis(),
            "bytes": s.bytes,
            "sha256": s.sha256,
            "part": s.part,
            "finished": true,
            "recovered": false,
        });
        append_evidence(log, &line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn an_mp4_without_its_index_is_told_from_a_whole_one() {
        let dir = tempfile::tempdir().unwrap();
        let boxed = |kind: &[u8; 4], body: usize| {
            let mut b = ((8 + body) as u32).to_be_bytes().to_vec();
            b.extend_from_slice(kind);
            b.extend(std::iter::repeat_n(0u8, body));
            b
        };
        let whole = dir.path().join("whole.mp4");
        let cut = dir.path().join("cut.mp4");
        std::fs::write(
            &whole,
            [boxed(b"ftyp", 12), boxed(b"moov", 40), boxed(b"mdat", 100)].concat(),
        )
        .unwrap();
        std::fs::write(&cut, [boxed(b"ftyp", 12), boxed(b"mdat", 100)].concat()).unwrap();
        assert!(has_top_level_box(&whole, b"moov"));
        assert!(!has_top_level_box(&cut, b"moov"));
        assert!(!has_top_level_box(&dir.path().join("missing.mp4"), b"moov"));
    }

    #[test]
    fn names_carry_aircraft_and_start() {
        let t = UNIX_EPOCH + Duration::from_secs(1_748_786_589);
        assert_eq!(
            file_name("Kestrel 2/Alpha", t, Container::Mp4),
            "Kestrel_2_Alpha_20250601T140309Z.mp4"
        );
        assert_eq!(file_safe("../.."), "aircraft");
        let dir = tempfile::tempdir().unwrap();
        let req = RecordingRequest {
            path: dir.path().to_path_buf(),
            aircraft: "K1".into(),
            evidence_log: None,
        };
        let p1 = part_path(&req, t, 1).unwrap();
        assert_eq!(p1, dir.path().join("K1_20250601T140309Z.mp4"));
        let p2 = part_path(&req, t, 2).unwrap();
        assert_eq!(p2, dir.path().join("K1_20250601T140309Z.part2.mp4"));
        let req = RecordingRequest {
            path: dir.path().join("x.avi"),
            ..req
        };
        assert!(part_path(&req, t, 1)
            .unwrap_err()
            .to_string()
            .contains(".mkv"));
    }

    #[test]
    fn sha256_matches_a_known_digest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let (hex, n) = sha256_file(&p).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
