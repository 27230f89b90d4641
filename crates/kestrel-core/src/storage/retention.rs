//! The retention policy for what piles up over shifts: telemetry logs and recordings are removed
//! by age and by total size, oldest first — but a recording is only ever removed once the
//! evidence log holds its SHA-256 and the file still has that hash, and a file still being
//! written is never touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::usage::Store;

/// A file modified this recently may still be written by a console: it is kept.
pub const IN_USE_WINDOW: Duration = Duration::from_secs(60);

/// How much to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Remove files older than this.
    pub max_age: Option<Duration>,
    /// Remove the oldest files until telemetry logs and recordings together take at most this.
    pub max_total: Option<u64>,
}

/// A file the policy may remove.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// The file.
    pub path: PathBuf,
    /// Telemetry log or recording.
    pub store: Store,
    /// Its size (with its `.sha256` sidecar for recordings).
    pub bytes: u64,
    /// When it was last written.
    #[serde(skip)]
    pub modified: SystemTime,
}

/// What a prune removes and what it must keep although the policy would remove it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PrunePlan {
    /// Files to remove, oldest first.
    pub remove: Vec<Candidate>,
    /// Recordings kept because the evidence log does not (yet) hold their hash, or the hash
    /// differs.
    pub unhashed: Vec<PathBuf>,
}

impl PrunePlan {
    /// Bytes the prune frees.
    pub fn bytes(&self) -> u64 {
        self.remove.iter().map(|c| c.bytes).sum()
    }

    /// Removes the planned files (and recordings' sidecars); returns the bytes freed. Stops at
    /// the first file that cannot be removed, saying which.
    pub fn apply(&self) -> std::io::Result<u64> {
        let mut freed = 0;
        for c in &self.remove {
            std::fs::remove_file(&c.path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", c.path.display())))?;
            if c.store == Store::Recordings {
                let _ = std::fs::remove_file(sidecar(&c.path));
            }
            freed += c.bytes;
        }
        Ok(freed)
    }
}

/// Plans a prune of `data_dir` at `now`.
pub fn plan(data_dir: &Path, policy: Retention, now: SystemTime) -> std::io::Result<PrunePlan> {
    let mut files = Vec::new();
    list(&data_dir.join("tlogs"), Store::TelemetryLogs, &mut files)?;
    let recordings = data_dir.join("video").join("recordings");
    list(&recordings, Store::Recordings, &mut files)?;
    files.retain(|c| !is_sidecar(&c.path) && !is_marker(&c.path));
    for c in files.iter_mut().filter(|c| c.store == Store::Recordings) {
        c.bytes += std::fs::metadata(sidecar(&c.path)).map_or(0, |m| m.len());
    }
    files.sort_by_key(|c| c.modified);

    let hashed = hashed_recordings(&evidence_log(data_dir));
    let mut out = PrunePlan::default();
    let mut total: u64 = files.iter().map(|c| c.bytes).sum();
    for c in files {
        let age = now.duration_since(c.modified).unwrap_or_default();
        if age < IN_USE_WINDOW {
            continue;
        }
        let too_old = policy.max_age.is_some_and(|max| age > max);
        let too_much = policy.max_total.is_some_and(|max| total > max);
        if !too_old && !too_much {
            continue;
        }
        if c.store == Store::Recordings && !hash_matches(&c.path, &hashed) {
            out.unhashed.push(c.path);
            continue;
        }
        total -= c.bytes;
        out.remove.push(c);
    }
    Ok(out)
}

/// The evidence log of a data directory.
pub fn evidence_log(data_dir: &Path) -> PathBuf {
    data_dir.join("video").join("evidence.jsonl")
}

fn list(dir: &Path, store: Store, out: &mut Vec<Candidate>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() {
            out.push(Candidate {
                path: entry.path(),
                store,
                bytes: meta.len(),
                modified: meta.modified()?,
            });
        }
    }
    Ok(())
}

fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sha256");
    PathBuf::from(s)
}

fn is_sidecar(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "sha256")
}

/// The recorder's "still recording" markers and partial files stay with their recording.
fn is_marker(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || name.ends_with(".part") || name.ends_with(".json")
}

/// File name → SHA-256 of every finished or recovered recording in the evidence log.
fn hashed_recordings(log: &Path) -> HashMap<String, String> {
    let Ok(text) = std::fs::read_to_string(log) else {
        return HashMap::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let file = Path::new(v.get("file")?.as_str()?).file_name()?;
            let sha = v.get("sha256")?.as_str()?;
            Some((file.to_string_lossy().into_owned(), sha.to_owned()))
        })
        .collect()
}

fn hash_matches(path: &Path, hashed: &HashMap<String, String>) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    let Some(expected) = hashed.get(&name) else {
        return false;
    };
    crate::video::evidence::sha256_file(path).is_ok_and(|(sha, _)| &sha == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn put(dir: &Path, rel: &str, len: usize, age: Duration) -> PathBuf {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, vec![7u8; len]).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(SystemTime::now() - age).unwrap();
        p
    }

    fn hash_into_evidence(dir: &Path, recording: &Path) {
        let (sha, bytes) = crate::video::evidence::sha256_file(recording).unwrap();
        let line = serde_json::json!({"kind": "recording", "file": recording, "sha256": sha, "bytes": bytes});
        crate::video::evidence::append_evidence(&evidence_log(dir), &line).unwrap();
    }

    #[test]
    fn old_telemetry_logs_go_and_the_log_being_written_stays() {
        let dir = tempfile::tempdir().unwrap();
        let old = put(dir.path(), "tlogs/console-1.tlog", 100, 50 * HOUR);
        let recent = put(dir.path(), "tlogs/console-2.tlog", 100, 2 * HOUR);
        let live = put(dir.path(), "tlogs/console-3.tlog", 100, Duration::ZERO);
        let policy = Retention {
            max_age: Some(24 * HOUR),
            max_total: None,
        };
        let plan = plan(dir.path(), policy, SystemTime::now()).unwrap();
        assert_eq!(
            plan.remove.iter().map(|c| &c.path).collect::<Vec<_>>(),
            [&old]
        );
        assert_eq!(plan.apply().unwrap(), 100);
        assert!(!old.exists() && recent.exists() && live.exists());
    }

    #[test]
    fn the_total_is_brought_under_the_limit_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let a = put(dir.path(), "tlogs/a.tlog", 400, 5 * HOUR);
        let b = put(dir.path(), "tlogs/b.tlog", 400, 4 * HOUR);
        let c = put(dir.path(), "tlogs/c.tlog", 400, 3 * HOUR);
        let policy = Retention {
            max_age: None,
            max_total: Some(500),
        };
        let plan = plan(dir.path(), policy, SystemTime::now()).unwrap();
        assert_eq!(
            plan.remove.iter().map(|c| &c.path).collect::<Vec<_>>(),
            [&a, &b]
        );
        assert_eq!(plan.bytes(), 800);
        assert!(c.exists());
    }

    #[test]
    fn a_recording_is_removed_only_once_its_hash_is_in_the_evidence_log() {
        let dir = tempfile::tempdir().unwrap();
        let hashed = put(dir.path(), "video/recordings/a.mkv", 1000, 50 * HOUR);
        put(dir.path(), "video/recordings/a.mkv.sha256", 70, 50 * HOUR);
        let unhashed = put(dir.path(), "video/recordings/b.mkv", 1000, 50 * HOUR);
        let altered = put(dir.path(), "video/recordings/c.mkv", 1000, 50 * HOUR);
        hash_into_evidence(dir.path(), &hashed);
        hash_into_evidence(dir.path(), &altered);
        std::fs::write(&altered, b"not what was hashed").unwrap();
        let f = std::fs::File::options().write(true).open(&altered).unwrap();
        f.set_modified(SystemTime::now() - 50 * HOUR).unwrap();

        let policy = Retention {
            max_age: Some(HOUR),
            max_total: Some(0),
        };
        let plan = plan(dir.path(), policy, SystemTime::now()).unwrap();
        assert_eq!(
            plan.remove.iter().map(|c| &c.path).collect::<Vec<_>>(),
            [&hashed]
        );
        assert_eq!(plan.remove[0].bytes, 1070, "the sidecar goes with it");
        let mut kept = plan.unhashed.clone();
        kept.sort();
        assert_eq!(kept, [unhashed.clone(), altered.clone()]);
        plan.apply().unwrap();
        assert!(!hashed.exists() && unhashed.exists() && altered.exists());
        assert!(
            evidence_log(dir.path()).exists(),
            "the evidence log is never pruned"
        );
    }
}
