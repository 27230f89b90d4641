//! Offline MBTiles packs: an SQLite file with a `tiles(zoom_level, tile_column, tile_row,
//! tile_data)` table whose rows count from the south (TMS). Read-only.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::{TileError, TileKey};

/// What an MBTiles pack says about itself.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PackInfo {
    /// The pack's name from its metadata.
    pub name: Option<String>,
    /// Image format (png, jpg, pbf).
    pub format: Option<String>,
    /// Lowest zoom level with tiles.
    pub min_zoom: Option<u8>,
    /// Highest zoom level with tiles.
    pub max_zoom: Option<u8>,
    /// west, south, east, north in degrees, when the metadata says.
    pub bounds: Option<[f64; 4]>,
    /// Number of tiles.
    pub tiles: u64,
}

/// An open MBTiles file.
#[derive(Debug)]
pub struct MbTiles {
    conn: Connection,
}

impl MbTiles {
    /// Opens a pack read-only and checks that it has a tiles table.
    pub fn open(path: &Path) -> Result<Self, TileError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| TileError::Pack(format!("cannot open {}: {e}", path.display())))?;
        conn.query_row("SELECT 1 FROM tiles LIMIT 1", [], |_| Ok(()))
            .optional()
            .map_err(|e| {
                TileError::Pack(format!(
                    "{} is not an MBTiles pack (no tiles table): {e}",
                    path.display()
                ))
            })?;
        Ok(Self { conn })
    }

    /// The bytes of one tile, `Missing` if the pack does not have it.
    pub fn get(&self, key: TileKey) -> Result<Vec<u8>, TileError> {
        let row = (1u32 << key.z).saturating_sub(1).saturating_sub(key.y);
        self.conn
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                (key.z, key.x, row),
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map_err(|e| TileError::Pack(e.to_string()))?
            .ok_or(TileError::Missing)
    }

    /// The pack's metadata and tile count.
    pub fn info(&self) -> Result<PackInfo, TileError> {
        let meta = |name: &str| -> Option<String> {
            self.conn
                .query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| {
                    r.get::<_, String>(0)
                })
                .ok()
        };
        let (min, max, tiles): (Option<u8>, Option<u8>, i64) = self
            .conn
            .query_row(
                "SELECT MIN(zoom_level), MAX(zoom_level), COUNT(*) FROM tiles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| TileError::Pack(e.to_string()))?;
        let bounds = meta("bounds").and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
        });
        Ok(PackInfo {
            name: meta("name"),
            format: meta("format"),
            min_zoom: min,
            max_zoom: max,
            bounds,
            tiles: tiles.max(0) as u64,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a small MBTiles pack holding `tiles` (XYZ keys) with the given bytes.
    pub(crate) fn write_pack(path: &Path, tiles: &[(TileKey, Vec<u8>)]) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('name', 'Liaocheng'), ('format', 'png'), ('bounds', '115.9,36.4,116.1,36.5');",
        )
        .unwrap();
        for (k, data) in tiles {
            let row = (1u32 << k.z) - 1 - k.y;
            conn.execute(
                "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
                (k.z, k.x, row, data),
            )
            .unwrap();
        }
    }

    #[test]
    fn reads_tiles_with_flipped_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.mbtiles");
        let k = TileKey::new(14, 13470, 6408).unwrap();
        write_pack(&path, &[(k, b"tile".to_vec())]);
        let pack = MbTiles::open(&path).unwrap();
        assert_eq!(pack.get(k).unwrap(), b"tile");
        assert_eq!(
            pack.get(TileKey::new(14, 13470, 6409).unwrap()),
            Err(TileError::Missing)
        );
        let info = pack.info().unwrap();
        assert_eq!(info.tiles, 1);
        assert_eq!(info.max_zoom, Some(14));
        assert_eq!(info.bounds, Some([115.9, 36.4, 116.1, 36.5]));
        let not_a_pack = dir.path().join("x.mbtiles");
        std::fs::write(&not_a_pack, b"hello").unwrap();
        assert!(matches!(
            MbTiles::open(&not_a_pack),
            Err(TileError::Pack(_))
        ));
    }
}
