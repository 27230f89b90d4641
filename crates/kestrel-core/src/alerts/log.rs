//! The alert log on disk: one JSON object per line for every alert raised, cleared or
//! acknowledged, so that what the pilot was told, and when, survives the session (and a crash of
//! the window). Written by the core, never by the UI thread.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{AlertEvent, AlertKind, Severity};

/// The log file's name inside the data directory.
pub const FILE_NAME: &str = "alerts.jsonl";

/// One line of the log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// When this line was written (wall clock).
    #[serde(with = "crate::time::unix_time")]
    pub logged_at: SystemTime,
    /// `raised`, `cleared` or `acknowledged`.
    pub event: String,
    /// The alert's id within its session.
    pub id: u64,
    /// The aircraft.
    pub sysid: u8,
    /// How urgent.
    pub severity: Severity,
    /// English text.
    pub text: String,
    /// The alert's kind with its data.
    pub kind: AlertKind,
}

impl LogLine {
    /// The line for one alert event.
    pub fn from_event(event: &AlertEvent, logged_at: SystemTime) -> Self {
        let a = event.alert();
        let name = match event {
            AlertEvent::Raised(_) => "raised",
            AlertEvent::Cleared(_) => "cleared",
            AlertEvent::Acknowledged(_) => "acknowledged",
        };
        Self {
            logged_at,
            event: name.into(),
            id: a.id,
            sysid: a.sysid,
            severity: a.severity,
            text: a.text(),
            kind: a.kind.clone(),
        }
    }
}

/// Appends alert events to the log file, flushing each line.
#[derive(Debug)]
pub struct AlertLog {
    path: PathBuf,
    file: File,
}

impl AlertLog {
    /// Opens (creating if needed) the log at `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            crate::paths::ensure_dir(dir)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot open alert log {}: {e}", path.display()),
                )
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one event as one line.
    pub fn append(&mut self, event: &AlertEvent) -> std::io::Result<()> {
        let line = LogLine::from_event(event, SystemTime::now());
        let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
        text.push('\n');
        self.file.write_all(text.as_bytes())?;
        self.file.flush()
    }
}

/// Reads a log back; lines that do not parse (a torn last line after a crash) are skipped and
/// counted.
pub fn read(path: &Path) -> std::io::Result<(Vec<LogLine>, usize)> {
    let file = File::open(path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot read alert log {}: {e}", path.display()),
        )
    })?;
    let mut lines = Vec::new();
    let mut bad = 0;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(l) => lines.push(l),
            Err(_) => bad += 1,
        }
    }
    Ok((lines, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Alert;

    #[test]
    fn events_survive_a_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let alert = Alert {
            id: 7,
            at: SystemTime::now(),
            sysid: 3,
            severity: Severity::Critical,
            kind: AlertKind::LinkLost,
            acknowledged_at: None,
            cleared_at: None,
        };
        let mut log = AlertLog::open(&path).unwrap();
        log.append(&AlertEvent::Raised(alert.clone())).unwrap();
        log.append(&AlertEvent::Acknowledged(alert)).unwrap();
        drop(log);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"torn")
            .unwrap();
        let (lines, bad) = read(&path).unwrap();
        assert_eq!(bad, 1);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].event, "raised");
        assert_eq!(lines[1].event, "acknowledged");
        assert_eq!(lines[0].kind, AlertKind::LinkLost);
        assert!(lines[0].text.contains("link lost"));
    }
}
