//! On-disk cache of downloaded tiles: `DIR/<source>/<z>/<x>/<y>.tile`, written atomically (temp
//! file, then rename) so that a crash never leaves a torn tile behind. A map that was looked at
//! once online is there again offline.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::TileKey;

/// Tiles older than this are fetched again when the network is up (the cached one is still shown
/// until the new one arrives, and kept if the fetch fails).
pub const REFRESH_AFTER: Duration = Duration::from_secs(30 * 24 * 3600);

/// A folder of cached tiles for one source.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

/// A tile read from the cache.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The tile's bytes as downloaded.
    pub bytes: Vec<u8>,
    /// Whether it is old enough to be fetched again.
    pub stale: bool,
}

impl DiskCache {
    /// A cache in `root/<source_key>`; nothing is created until a tile is stored.
    pub fn new(root: &Path, source_key: &str) -> Self {
        Self {
            dir: root.join(source_key),
        }
    }

    /// The folder of this source.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: TileKey) -> PathBuf {
        self.dir
            .join(key.z.to_string())
            .join(key.x.to_string())
            .join(format!("{}.tile", key.y))
    }

    /// The cached tile, if any.
    pub fn get(&self, key: TileKey) -> Option<Cached> {
        let path = self.path(key);
        let bytes = std::fs::read(&path).ok()?;
        if bytes.is_empty() {
            return None;
        }
        let stale = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > REFRESH_AFTER);
        Some(Cached { bytes, stale })
    }

    /// Stores a tile.
    pub fn put(&self, key: TileKey, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            key.y,
            std::process::id() as u64 * 1_000_003 + u64::from(fastrand::u32(..))
        ));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_finds_tiles() {
        let dir = tempfile::tempdir().unwrap();
        let cache = DiskCache::new(dir.path(), "osm");
        let k = TileKey::new(12, 3367, 1602).unwrap();
        assert!(cache.get(k).is_none());
        cache.put(k, b"png bytes").unwrap();
        let got = cache.get(k).unwrap();
        assert_eq!(got.bytes, b"png bytes");
        assert!(!got.stale);
        assert!(cache.dir().join("12/3367/1602.tile").is_file());
    }
}
