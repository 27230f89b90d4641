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
pub struct TlogWriter {
    path: PathBuf,
    out: Mutex<BufWriter<File>>,
}

impl TlogWriter {
    /// Creates (or truncates) the file.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::create(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            out: Mutex::new(BufWriter::with_capacity(64 * 1024, file)),
        })
    }

    /// Where this log is being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one frame stamped with the current wall-clock time.
    pub fn write_frame(&self, frame: &[u8]) -> io::Result<()> {
        self.write_frame_at(now_micros(), frame)
    }

    /// Writes one frame with an explicit timestamp (µs since the Unix epoch).
    pub fn write_frame_at(&self, micros: u64, frame: &[u8]) -> io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(&micros.to_be_bytes())?;
        out.write_all(frame)
    }

    /// Pushes buffered frames to the file.
    pub fn flush(&self) -> io::Result<()> {
        self.out.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
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
