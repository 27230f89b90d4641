//! The evidence trail of recordings: a file's SHA-256, the `FILE.sha256` sidecar, and the
//! append-only evidence log (`DATA_DIR/video/evidence.jsonl`), each written to the disk before
//! it is reported. Used by the recorder and by the recovery of unfinished recordings.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::VideoError;

/// SHA-256 (hex) and size of a file.
pub fn sha256_file(path: &Path) -> Result<(String, u64), VideoError> {
    let mut f = std::fs::File::open(path).map_err(|e| VideoError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| VideoError::io(path, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, total))
}

/// Writes `FILE.sha256` (`sha256sum -c` format) next to a recording.
pub fn write_sidecar(path: &Path, sha256: &str) -> Result<(), VideoError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut side = path.to_path_buf().into_os_string();
    side.push(".sha256");
    let side = PathBuf::from(side);
    std::fs::write(&side, format!("{sha256}  {name}\n")).map_err(|e| VideoError::io(&side, e))
}

/// Appends one JSON line to the evidence log and flushes it to the disk.
pub fn append_evidence(log: &Path, line: &serde_json::Value) -> Result<(), VideoError> {
    if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| VideoError::io(dir, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| VideoError::io(log, e))?;
    writeln!(f, "{line}").map_err(|e| VideoError::io(log, e))?;
    f.sync_data().map_err(|e| VideoError::io(log, e))
}
