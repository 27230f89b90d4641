//! What each store takes in the data directory, so that a crew whose disk is filling up sees
//! where the space went (`kestrel storage status`, the status bar) before deciding what to prune.

use std::path::Path;

/// The stores of a data directory, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// The sightings queue (`sightings.db`).
    Sightings,
    /// The audit trail (`audit.db`).
    Audit,
    /// Crews and sorties.
    Crew,
    /// Key areas.
    KeyAreas,
    /// The dispatch centre's store.
    Dispatch,
    /// The alert log.
    Alerts,
    /// Console settings and signing keys.
    Settings,
    /// Telemetry logs (`tlogs/`).
    TelemetryLogs,
    /// Video recordings (`video/recordings/`) and the evidence log.
    Recordings,
    /// Video snapshots (`video/snapshots/`).
    Snapshots,
    /// Anything else found there.
    Other,
}

impl Store {
    /// The store's name as the CLI prints it.
    pub fn label(self) -> &'static str {
        match self {
            Store::Sightings => "sightings",
            Store::Audit => "audit trail",
            Store::Crew => "crews and sorties",
            Store::KeyAreas => "key areas",
            Store::Dispatch => "dispatch",
            Store::Alerts => "alert log",
            Store::Settings => "settings and keys",
            Store::TelemetryLogs => "telemetry logs",
            Store::Recordings => "recordings",
            Store::Snapshots => "snapshots",
            Store::Other => "other",
        }
    }

    /// The store a file belongs to, from its path relative to the data directory.
    pub fn of(relative: &Path) -> Store {
        let mut parts = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy());
        let first = parts.next().unwrap_or_default();
        let second = parts.next();
        let db = |name: &str| first == name || first.starts_with(&format!("{name}-"));
        match first.as_ref() {
            "tlogs" => Store::TelemetryLogs,
            "keys" => Store::Settings,
            "video" => match second.as_deref() {
                Some("snapshots") => Store::Snapshots,
                _ => Store::Recordings,
            },
            _ if db(crate::sightings::store::DB_FILE) => Store::Sightings,
            _ if db("audit.db") => Store::Audit,
            _ if db(crate::crew::store::FILE_NAME) => Store::Crew,
            _ if db(crate::plan::areas::store::FILE_NAME) => Store::KeyAreas,
            _ if db(crate::dispatch::centre::store::DB_FILE) => Store::Dispatch,
            _ if first == crate::alerts::log::FILE_NAME => Store::Alerts,
            // The console's settings file (the only JSON file kept at the top).
            _ if first.ends_with(".json") => Store::Settings,
            _ => Store::Other,
        }
    }
}

/// Bytes and files of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StoreUsage {
    /// Which store.
    pub store: Store,
    /// Bytes on disk.
    pub bytes: u64,
    /// Files.
    pub files: u64,
}

/// What every store in a data directory takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// One row per store that has files, in [`Store`] order.
    pub stores: Vec<StoreUsage>,
}

impl Usage {
    /// Walks the data directory (a missing one takes nothing).
    pub fn of(data_dir: &Path) -> std::io::Result<Self> {
        let mut totals = std::collections::BTreeMap::<Store, (u64, u64)>::new();
        if data_dir.is_dir() {
            walk(data_dir, data_dir, &mut totals)?;
        }
        Ok(Self {
            stores: totals
                .into_iter()
                .map(|(store, (bytes, files))| StoreUsage {
                    store,
                    bytes,
                    files,
                })
                .collect(),
        })
    }

    /// Bytes of all stores.
    pub fn total(&self) -> u64 {
        self.stores.iter().map(|s| s.bytes).sum()
    }

    /// Bytes of one store.
    pub fn bytes(&self, store: Store) -> u64 {
        self.stores
            .iter()
            .filter(|s| s.store == store)
            .map(|s| s.bytes)
            .sum()
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    totals: &mut std::collections::BTreeMap<Store, (u64, u64)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, totals)?;
        } else if kind.is_file() {
            let bytes = entry.metadata()?.len();
            let store = Store::of(path.strip_prefix(root).unwrap_or(&path));
            let row = totals.entry(store).or_default();
            row.0 += bytes;
            row.1 += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_counted_under_their_store() {
        let dir = tempfile::tempdir().unwrap();
        let put = |rel: &str, len: usize| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, vec![0u8; len]).unwrap();
        };
        put("sightings.db", 4096);
        put("sightings.db-wal", 1000);
        put("audit.db", 2048);
        put("tlogs/console-1.tlog", 300);
        put("tlogs/console-2.tlog", 700);
        put("video/recordings/a.mkv", 5000);
        put("video/evidence.jsonl", 10);
        put("video/snapshots/a.jpg", 50);
        put("alerts.jsonl", 7);
        put("stray.txt", 1);
        let usage = Usage::of(dir.path()).unwrap();
        assert_eq!(usage.bytes(Store::Sightings), 5096);
        assert_eq!(usage.bytes(Store::Audit), 2048);
        assert_eq!(usage.bytes(Store::TelemetryLogs), 1000);
        assert_eq!(usage.bytes(Store::Recordings), 5010);
        assert_eq!(usage.bytes(Store::Snapshots), 50);
        assert_eq!(usage.bytes(Store::Alerts), 7);
        assert_eq!(usage.bytes(Store::Other), 1);
        assert_eq!(usage.total(), 5096 + 2048 + 1000 + 5010 + 50 + 7 + 1);
        let tlogs = usage
            .stores
            .iter()
            .find(|s| s.store == Store::TelemetryLogs)
            .unwrap();
        assert_eq!(tlogs.files, 2);
    }

    #[test]
    fn a_missing_data_directory_takes_nothing() {
        let usage = Usage::of(Path::new("/nonexistent/kestrel-data")).unwrap();
        assert_eq!(usage.total(), 0);
    }
}
