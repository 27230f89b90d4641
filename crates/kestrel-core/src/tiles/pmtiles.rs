//! Offline PMTiles packs (a single file of raster tiles, e.g. cut with `pmtiles extract`), read
//! through a memory map on the tile service's runtime.

use std::path::Path;

use ::pmtiles::{AsyncPmTilesReader, MmapBackend, NoCache, TileCoord};

use super::{TileError, TileKey};

/// An open PMTiles file.
pub struct PmTilesPack {
    reader: AsyncPmTilesReader<MmapBackend, NoCache>,
}

impl std::fmt::Debug for PmTilesPack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PmTilesPack")
    }
}

impl PmTilesPack {
    /// Opens a pack and reads its header and root directory.
    pub async fn open(path: &Path) -> Result<Self, TileError> {
        let reader = AsyncPmTilesReader::new_with_path(path)
            .await
            .map_err(|e| TileError::Pack(format!("cannot open {}: {e}", path.display())))?;
        Ok(Self { reader })
    }

    /// Zoom levels the pack covers.
    pub fn zoom_range(&self) -> (u8, u8) {
        let h = self.reader.get_header();
        (h.min_zoom, h.max_zoom)
    }

    /// The area the pack covers: west, south, east, north in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        let h = self.reader.get_header();
        [
            h.min_longitude,
            h.min_latitude,
            h.max_longitude,
            h.max_latitude,
        ]
    }

    /// The bytes of one tile (decompressed), `Missing` if the pack does not have it.
    pub async fn get(&self, key: TileKey) -> Result<Vec<u8>, TileError> {
        let coord = TileCoord::new(key.z, key.x, key.y).map_err(|_| TileError::Missing)?;
        match self.reader.get_tile_decompressed(coord).await {
            Ok(Some(bytes)) => Ok(bytes.to_vec()),
            Ok(None) => Err(TileError::Missing),
            Err(e) => Err(TileError::Pack(e.to_string())),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use ::pmtiles::{PmTilesWriter, TileType};

    /// Writes a small raster PMTiles pack holding `tiles`.
    pub(crate) fn write_pack(path: &Path, tiles: &[(TileKey, Vec<u8>)]) {
        let file = std::fs::File::create(path).unwrap();
        let mut w = PmTilesWriter::new(TileType::Png).create(file).unwrap();
        let mut sorted = tiles.to_vec();
        sorted.sort_by_key(|(k, _)| {
            ::pmtiles::TileId::from(TileCoord::new(k.z, k.x, k.y).unwrap()).value()
        });
        for (k, data) in &sorted {
            w.add_tile(TileCoord::new(k.z, k.x, k.y).unwrap(), data)
                .unwrap();
        }
        w.finalize().unwrap();
    }

    #[tokio::test]
    async fn reads_tiles_and_reports_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.pmtiles");
        let k = TileKey::new(14, 13470, 6408).unwrap();
        write_pack(&path, &[(k, b"tile".to_vec())]);
        let pack = PmTilesPack::open(&path).await.unwrap();
        assert_eq!(pack.get(k).await.unwrap(), b"tile");
        assert_eq!(
            pack.get(TileKey::new(14, 13470, 6409).unwrap()).await,
            Err(TileError::Missing)
        );
        let junk = dir.path().join("junk.pmtiles");
        std::fs::write(&junk, b"not a pack").unwrap();
        assert!(matches!(
            PmTilesPack::open(&junk).await,
            Err(TileError::Pack(_))
        ));
    }
}
