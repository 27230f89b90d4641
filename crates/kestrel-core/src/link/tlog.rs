//! Telemetry logs (`.tlog`): every frame sent and received, each preceded by its time as a
//! big-endian u64 of microseconds since the Unix epoch — the format MAVProxy, Mission Planner and
//! QGroundControl write and read, so flights recorded here open in their tools and vice versa.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use super::frame::{FrameDecoder, STX_V1, STX_V2};

/// Appends frames to a `.tlog` file. Shared by all links of a station; cheap to call per frame.
/// With a part size it rotates: once a part holds that many bytes the next frame opens
/// `NAME-002.tlog`, `NAME-003.tlog` …, so a shift's log never grows into one file too big to
/// copy off the laptop or open in a log viewer, and old parts can be pruned.
pub struct TlogWriter {
    first: PathBuf,
    part_bytes: Option<u64>,
    out: Mutex<Part>,
}

/// The part being written.
struct Part {
    path: PathBuf,
    number: u32,
    written: u64,
    file: BufWriter<File>,
}

impl TlogWriter {
    /// Creates (or truncates) the file.
    pub fn create(path: &Path) -> io::Result<Self> {
        Self::open(path, None)
    }

    /// Creates the first part at `path`; a new part starts once one holds `part_bytes`.
    pub fn rotating(path: &Path, part_bytes: u64) -> io::Result<Self> {
        Self::open(path, Some(part_bytes.max(1)))
    }

    fn open(path: &Path, part_bytes: Option<u64>) -> io::Result<Self> {
        Ok(Self {
            first: path.to_path_buf(),
            part_bytes,
            out: Mutex::new(Part::create(path.to_path_buf(), 1)?),
        })
    }

    /// The part being written now.
    pub fn path(&self) -> PathBuf {
        self.lock().path.clone()
    }

    /// Every part written so far, in order.
    pub fn parts(&self) -> Vec<PathBuf> {
        let n = self.lock().number;
        (1..=n).map(|i| part_path(&self.first, i)).collect()
    }

    /// Writes one frame stamped with the current wall-clock time.
    pub fn write_frame(&self, frame: &[u8]) -> io::Result<()> {
        self.write_frame_at(now_micros(), frame)
    }

    /// Writes one frame with an explicit timestamp (µs since the Unix epoch).
    pub fn write_frame_at(&self, micros: u64, frame: &[u8]) -> io::Result<()> {
        let mut part = self.lock();
        let len = 8 + frame.len() as u64;
        if let Some(max) = self.part_bytes {
            if part.written > 0 && part.written + len > max {
                part.file.flush()?;
                let number = part.number + 1;
                *part = Part::create(part_path(&self.first, number), number)?;
            }
        }
        part.file.write_all(&micros.to_be_bytes())?;
        part.file.write_all(frame)?;
        part.written += len;
        Ok(())
    }

    /// Pushes buffered frames to the file.
    pub fn flush(&self) -> io::Result<()> {
        self.lock().file.flush()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Part> {
        self.out.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Part {
    fn create(path: PathBuf, number: u32) -> io::Result<Self> {
        let file = File::create(&path)?;
        Ok(Self {
            path,
            number,
            written: 0,
            file: BufWriter::with_capacity(64 * 1024, file),
        })
    }
}

/// Part `n` of the log whose first part is `first`: `first` itself, then `NAME-002.tlog` ….
fn part_path(first: &Path, n: u32) -> PathBuf {
    if n == 1 {
        return first.to_path_buf();
    }
    let stem = first
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = first
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tlog".into());
    first.with_file_name(format!("{stem}-{n:03}.{ext}"))
}

impl Drop for TlogWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Microseconds since the Unix epoch, the tlog time base.
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// One record read back from a tlog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogRecord {
    /// When the frame was logged, µs since the Unix epoch.
    pub micros: u64,
    /// The frame bytes exactly as logged.
    pub frame: Vec<u8>,
}

/// Reads a tlog record by record. A damaged tail (a crash mid-write) ends the log without error;
/// corrupt records in the middle are skipped by resynchronising on the next frame.
pub struct TlogReader<R: Read> {
    input: R,
    buf: Vec<u8>,
    eof: bool,
    /// Records whose frame failed its checksum and were skipped.
    pub skipped: u64,
}

impl TlogReader<BufReader<File>> {
    /// Opens a tlog file, with a message naming the file when it cannot be read.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open tlog {}: {e}", path.display()),
            )
        })?;
        Ok(Self::new(BufReader::new(file)))
    }
}

impl<R: Read> TlogReader<R> {
    /// Wraps any reader.
    pub fn new(input: R) -> Self {
        Self {
            input,
            buf: Vec::new(),
            eof: false,
            skipped: 0,
        }
    }

    fn fill(&mut self, want: usize) -> io::Result<bool> {
        let mut chunk = [0u8; 8192];
        while self.buf.len() < want && !self.eof {
            let n = self.input.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        Ok(self.buf.len() >= want)
    }

    /// The next record, `None` at the end of the log.
    pub fn next_record(&mut self) -> io::Result<Option<TlogRecord>> {
        loop {
            if !self.fill(8 + 2)? {
                return Ok(None);
            }
            let stx = self.buf[8];
            if stx != STX_V2 && stx != STX_V1 {
                self.buf.remove(0);
                self.skipped += 1;
                continue;
            }
            let len = frame_len(&self.buf[8..]);
            if !self.fill(8 + len)? {
                return Ok(None);
            }
            let mut valid = false;
            FrameDecoder::new().feed(&self.buf[8..8 + len], |f| valid = f.bytes().len() == len);
            if !valid {
                self.buf.remove(0);
                self.skipped += 1;
                continue;
            }
            let micros = u64::from_be_bytes(self.buf[..8].try_into().expect("8 bytes"));
            let frame = self.buf[8..8 + len].to_vec();
            self.buf.drain(..8 + len);
            return Ok(Some(TlogRecord { micros, frame }));
        }
    }
}

/// Length of the frame starting at `b` (which holds at least the start byte and length byte,
/// and for MAVLink 2 the flags byte if available).
fn frame_len(b: &[u8]) -> usize {
    let payload = b[1] as usize;
    if b[0] == STX_V2 {
        let signed = b
            .get(2)
            .is_some_and(|f| f & super::frame::IFLAG_SIGNED != 0);
        10 + payload + 2 + if signed { 13 } else { 0 }
    } else {
        6 + payload + 2
    }
}

impl<R: Read> Iterator for TlogReader<R> {
    type Item = io::Result<TlogRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::frame::encode_v2;
    use mavlink::dialects::ardupilotmega::{MavMessage, ATTITUDE_DATA};
    use mavlink::MavHeader;

    #[test]
    fn a_rotating_log_starts_a_new_part_at_its_size_and_loses_no_frame() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("console-1.tlog");
        let w = TlogWriter::rotating(&first, 1_000).unwrap();
        let frame = |i: u16| {
            encode_v2(
                MavHeader {
                    system_id: 1,
                    component_id: 1,
                    sequence: i as u8,
                },
                &MavMessage::ATTITUDE(ATTITUDE_DATA {
                    roll: f32::from(i),
                    ..Default::default()
                }),
            )
        };
        for i in 0..100u16 {
            w.write_frame_at(u64::from(i), &frame(i)).unwrap();
        }
        let parts = w.parts();
        assert_eq!(w.path(), *parts.last().unwrap());
        drop(w);
        assert!(parts.len() >= 3, "{parts:?}");
        assert_eq!(parts[1], dir.path().join("console-1-002.tlog"));
        let mut times = Vec::new();
        for p in &parts {
            let bytes = std::fs::read(p).unwrap();
            assert!(
                bytes.len() <= 1_000,
                "{} holds {} bytes",
                p.display(),
                bytes.len()
            );
            times.extend(TlogReader::new(&bytes[..]).map(|r| r.unwrap().micros));
        }
        assert_eq!(
            times,
            (0..100).collect::<Vec<u64>>(),
            "every frame, in order"
        );
    }

    #[test]
    fn writes_and_reads_back_with_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.tlog");
        let w = TlogWriter::create(&path).unwrap();
        for i in 0..10u8 {
            let f = encode_v2(
                MavHeader {
                    system_id: 1,
                    component_id: 1,
                    sequence: i,
                },
                &MavMessage::ATTITUDE(ATTITUDE_DATA {
                    roll: f32::from(i),
                    ..Default::default()
                }),
            );
            w.write_frame_at(1_000 + u64::from(i), &f).unwrap();
        }
        drop(w);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        let records: Vec<_> = TlogReader::new(&bytes[..]).map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), 9);
        assert_eq!(records[3].micros, 1_003);
    }
}
