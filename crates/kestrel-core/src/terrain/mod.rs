//! Terrain: the height of the ground from offline SRTM `.hgt` tiles kept in the data directory
//! (`<data>/terrain/`), so the station can tell how high an aircraft is above the ground, check a
//! patrol route's clearance, load QGroundControl plans whose altitudes are above terrain and
//! answer an ArduPilot aircraft's terrain requests — all without a network.

pub mod hgt;
pub mod profile;
pub mod server;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use hgt::{HgtTile, TileId, TileSummary};

/// The folder under the data directory that holds the tiles.
pub const DIR_NAME: &str = "terrain";

/// Why a height could not be given, or a tile not used.
#[derive(Debug, thiserror::Error)]
pub enum TerrainError {
    /// No tile for this square in the terrain folder.
    #[error("no terrain tile {tile} in {dir}: import it with `kestrel terrain import {tile}`")]
    MissingTile {
        /// File name of the tile that is needed, e.g. `N36E115.hgt`.
        tile: String,
        /// The terrain folder looked in.
        dir: PathBuf,
    },
    /// A tile file cannot be read.
    #[error("cannot read terrain tile {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file's size fits neither SRTM resolution.
    #[error("{name} is not an SRTM tile: {size} bytes, but a 1 arc-second tile has 25934402 and a 3 arc-second tile 2884802")]
    BadSize {
        /// The file.
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// The file name does not say which square it covers.
    #[error("{name}: an SRTM tile must be named after its south-west corner, like N36E115.hgt")]
    BadName {
        /// The file name given.
        name: String,
    },
    /// The tile has no measurement around this point.
    #[error("terrain tile {tile} has no data (void) at {lat:.6}, {lon:.6}")]
    Void {
        /// The tile.
        tile: String,
        /// Latitude asked for.
        lat: f64,
        /// Longitude asked for.
        lon: f64,
    },
    /// Not a place on Earth.
    #[error("{lat}, {lon} is not a position (latitude -90..90, longitude -180..180)")]
    OutOfRange {
        /// Latitude asked for.
        lat: f64,
        /// Longitude asked for.
        lon: f64,
    },
}

/// Anything that can say how high the ground is: the tile store, or a test's synthetic ground.
pub trait Terrain: Send + Sync {
    /// Ground height at a point, metres above mean sea level.
    fn height_amsl(&self, lat: f64, lon: f64) -> Result<f64, TerrainError>;
}

/// The terrain folder of a data directory.
pub fn dir_in(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR_NAME)
}

/// The tiles in a terrain folder, loaded on first use and kept in memory (a 1 arc-second tile
/// is 26 MB). Shared between threads; cloning shares the cache.
#[derive(Debug, Clone)]
pub struct TerrainStore {
    dir: PathBuf,
    tiles: Arc<Mutex<HashMap<TileId, Arc<HgtTile>>>>,
}

impl TerrainStore {
    /// The store over a terrain folder (it need not exist yet: every lookup then names the
    /// missing tile).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            tiles: Arc::default(),
        }
    }

    /// The store in a data directory's terrain folder.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(dir_in(data_dir))
    }

    /// The folder the tiles live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The tile for a square, read from disk the first time.
    pub fn tile(&self, id: TileId) -> Result<Arc<HgtTile>, TerrainError> {
        let mut tiles = self.tiles.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = tiles.get(&id) {
            return Ok(t.clone());
        }
        let path = self.dir.join(id.file_name());
        if !path.is_file() {
            return Err(TerrainError::MissingTile {
                tile: id.file_name(),
                dir: self.dir.clone(),
            });
        }
        let tile = Arc::new(HgtTile::open(&path)?);
        tiles.insert(id, tile.clone());
        Ok(tile)
    }

    /// Ground height at a point, metres AMSL, interpolated bilinearly. A point on a tile's
    /// north or east edge is read from the neighbour that has it when its own tile is missing.
    pub fn elevation(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
        let id = TileId::containing(lat, lon)?;
        match self.tile(id) {
            Ok(t) => t.elevation(lat, lon),
            Err(missing @ TerrainError::MissingTile { .. }) => {
                let on_south = lat == f64::from(id.lat) && id.lat > -90;
                let on_west = lon == f64::from(id.lon) && id.lon > -180;
                let mut neighbours = Vec::new();
                if on_south {
                    neighbours.push(TileId {
                        lat: id.lat - 1,
                        lon: id.lon,
                    });
                }
                if on_west {
                    neighbours.push(TileId {
                        lat: id.lat,
                        lon: id.lon - 1,
                    });
                }
                if on_south && on_west {
                    neighbours.push(TileId {
                        lat: id.lat - 1,
                        lon: id.lon - 1,
                    });
                }
                for n in neighbours {
                    if self.dir.join(n.file_name()).is_file() {
                        return self.tile(n)?.elevation(lat, lon);
                    }
                }
                Err(missing)
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the tile for a point is in the folder (without reading it).
    pub fn has_tile_for(&self, lat: f64, lon: f64) -> bool {
        TileId::containing(lat, lon)
            .map(|id| self.dir.join(id.file_name()).is_file())
            .unwrap_or(false)
    }

    /// Checks a tile file and copies it into the folder under its canonical name (replacing an
    /// older copy); returns what it holds.
    pub fn import(&self, file: &Path) -> Result<TileSummary, TerrainError> {
        let tile = HgtTile::open(file)?;
        crate::paths::ensure_dir(&self.dir).map_err(|source| TerrainError::Io {
            path: self.dir.clone(),
            source,
        })?;
        let dest = self.dir.join(tile.id.file_name());
        let tmp = self.dir.join(format!(".{}.part", tile.id.file_name()));
        let io = |source| TerrainError::Io {
            path: dest.clone(),
            source,
        };
        std::fs::write(&tmp, tile.to_bytes()).map_err(io)?;
        std::fs::rename(&tmp, &dest).map_err(io)?;
        let summary = tile.summary();
        self.tiles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(tile.id, Arc::new(tile));
        Ok(summary)
    }

    /// Every tile in the folder with what it holds; files that are not tiles are reported as
    /// errors in the list rather than hidden.
    pub fn list(&self) -> Vec<Result<TileSummary, TerrainError>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("hgt")))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| {
                let id = TileId::from_file_name(
                    &p.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default(),
                );
                match id {
                    Some(id) => self.tile(id).map(|t| t.summary()),
                    None => Err(TerrainError::BadName {
                        name: p.display().to_string(),
                    }),
                }
            })
            .collect()
    }
}

impl Terrain for TerrainStore {
    fn height_amsl(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
        self.elevation(lat, lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tile_names_the_file_and_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = TerrainStore::in_data_dir(dir.path());
        let e = store.elevation(36.45, 115.98).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("N36E115.hgt") && msg.contains("terrain"),
            "{msg}"
        );
    }

    #[test]
    fn import_then_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let side = hgt::SIDE_3_ARCSEC;
        let tile =
            HgtTile::from_samples(TileId { lat: -34, lon: 18 }, side, vec![250; side * side])
                .unwrap();
        let src = dir.path().join("s34e018.HGT");
        std::fs::write(&src, tile.to_bytes()).unwrap();
        let store = TerrainStore::in_data_dir(&dir.path().join("data"));
        let s = store.import(&src).unwrap();
        assert_eq!(s.tile, "S34E018.hgt");
        let fresh = TerrainStore::in_data_dir(&dir.path().join("data"));
        assert_eq!(fresh.elevation(-33.5, 18.5).unwrap(), 250.0);
        assert_eq!(fresh.list().len(), 1);
    }
}
