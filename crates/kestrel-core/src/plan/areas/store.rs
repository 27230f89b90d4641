//! The key-area database: one SQLite file in the data directory (`areas.sqlite`), so areas drawn
//! on the map or imported from files survive restarts and are shared by the console and the
//! command line.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use super::{validate_all, AreaError, KeyArea, Shape};
use crate::db::{Db, FileSpec};

/// File name of the key-area database inside the data directory.
pub const FILE_NAME: &str = "areas.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS key_areas (
    name        TEXT PRIMARY KEY,
    category    TEXT NOT NULL,
    shape       TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    revisit_min REAL,
    alt_m       REAL,
    rtsp        TEXT,
    extra       TEXT NOT NULL DEFAULT '{}',
    updated_at  REAL NOT NULL
);
PRAGMA user_version = 1;
";

/// The file: SQLite's rollback journal, waiting up to 5 s for another process holding the lock.
const SPEC: FileSpec = FileSpec {
    what: "key-area database",
    schema: SCHEMA,
    wal: false,
    foreign_keys: false,
    busy_timeout: Duration::from_secs(5),
    create_folder: false,
};

/// A record that cannot be written as JSON (it cannot happen for these types; kept as a
/// refusal rather than a panic).
fn unwritable(e: serde_json::Error) -> AreaError {
    AreaError::Damaged(format!("cannot write a record: {e}"))
}

/// Key areas stored in SQLite.
#[derive(Debug)]
pub struct AreaStore {
    db: Db,
}

impl AreaStore {
    /// Opens (creating if needed) the key-area database in `data_dir`, creating the folder if
    /// needed.
    pub fn open_in(data_dir: &Path) -> Result<Self, AreaError> {
        let spec = FileSpec {
            create_folder: true,
            ..SPEC
        };
        Ok(Self {
            db: Db::open(&data_dir.join(FILE_NAME), &spec)?,
        })
    }

    /// Opens (creating if needed) a key-area database file.
    pub fn open(path: &Path) -> Result<Self, AreaError> {
        Ok(Self {
            db: Db::open(path, &SPEC)?,
        })
    }

    /// Opens the key-area database in `data_dir` to read it, also on a full disk (see
    /// [`Db::open_to_read`]): a one-shot command lists what is stored even when the disk has no
    /// room left; changes through it are refused as the disk refuses them.
    pub fn open_to_read_in(data_dir: &Path) -> Result<Self, AreaError> {
        let spec = FileSpec {
            create_folder: true,
            ..SPEC
        };
        Ok(Self {
            db: Db::open_to_read(&data_dir.join(FILE_NAME), &spec)?,
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    fn put(conn: &Connection, a: &KeyArea) -> Result<(), AreaError> {
        let shape = serde_json::to_string(&a.shape).map_err(unwritable)?;
        let extra = serde_json::to_string(&a.extra).map_err(unwritable)?;
        conn.execute(
            "INSERT INTO key_areas (name, category, shape, priority, revisit_min, alt_m, rtsp, extra, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(name) DO UPDATE SET category=?2, shape=?3, priority=?4, revisit_min=?5,
                 alt_m=?6, rtsp=?7, extra=?8, updated_at=?9",
            params![
                a.name,
                a.category.as_str(),
                shape,
                a.priority,
                a.revisit_min,
                a.alt_m,
                a.rtsp,
                extra,
                crate::time::now_unix()
            ],
        )?;
        Ok(())
    }

    /// Adds or replaces (by name) one area, after validating it.
    pub fn upsert(&mut self, area: &KeyArea) -> Result<(), AreaError> {
        area.validate()?;
        self.db.with(|c| Self::put(c, area))
    }

    /// Adds or replaces (by name) several areas in one transaction: all or nothing. With
    /// `replace_all`, areas not in `areas` are removed.
    pub fn import(&mut self, areas: &[KeyArea], replace_all: bool) -> Result<usize, AreaError> {
        validate_all(areas)?;
        self.db.transaction(|tx| {
            if replace_all {
                tx.execute("DELETE FROM key_areas", [])?;
            }
            for a in areas {
                Self::put(tx, a)?;
            }
            Ok(areas.len())
        })
    }

    /// Reads one row; the outer error is SQLite's, the inner one a damaged record.
    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<KeyArea, AreaError>> {
        let name: String = r.get(0)?;
        let category: String = r.get(1)?;
        let shape: String = r.get(2)?;
        let extra: String = r.get(7)?;
        let (priority, revisit_min, alt_m, rtsp) = (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
        let bad = |what: &str, e: String| {
            AreaError::Damaged(format!("stored area '{name}' has a damaged {what}: {e}"))
        };
        Ok((|| {
            Ok(KeyArea {
                category: category.parse().map_err(|e| bad("category", e))?,
                shape: serde_json::from_str::<Shape>(&shape)
                    .map_err(|e| bad("shape", e.to_string()))?,
                extra: serde_json::from_str(&extra)
                    .map_err(|e| bad("property list", e.to_string()))?,
                name: name.clone(),
                priority,
                revisit_min,
                alt_m,
                rtsp,
            })
        })())
    }

    /// Every area, by name.
    pub fn list(&self) -> Result<Vec<KeyArea>, AreaError> {
        self.db.with(|c| {
            let mut st = c.prepare("SELECT name, category, shape, priority, revisit_min, alt_m, rtsp, extra FROM key_areas ORDER BY name")?;
            let rows = st.query_map([], Self::row)?;
            rows.map(|r| r?).collect()
        })
    }

    /// One area by name.
    pub fn get(&self, name: &str) -> Result<KeyArea, AreaError> {
        let row = self.db.sql(|c| {
            c.query_row(
                "SELECT name, category, shape, priority, revisit_min, alt_m, rtsp, extra FROM key_areas WHERE name = ?1",
                [name],
                Self::row,
            )
            .optional()
        })?;
        match row {
            Some(r) => r,
            None => Err(AreaError::NotFound(name.to_string())),
        }
    }

    /// Removes one area by name.
    pub fn remove(&mut self, name: &str) -> Result<(), AreaError> {
        let n = self
            .db
            .sql(|c| c.execute("DELETE FROM key_areas WHERE name = ?1", [name]))?;
        if n == 0 {
            return Err(AreaError::NotFound(name.to_string()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoPoint;
    use crate::plan::areas::Category;

    fn gp(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    #[test]
    fn areas_survive_reopening_and_import_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = KeyArea::polygon(
            "Station square",
            Category::CrowdedPlace,
            vec![gp(36.0, 116.0), gp(36.0, 116.01), gp(36.01, 116.01)],
        );
        a.revisit_min = Some(45.0);
        a.extra.insert("district".into(), serde_json::json!("East"));
        let cam = KeyArea::point("Gate", Category::Camera, gp(36.02, 116.02));
        {
            let mut s = AreaStore::open_in(dir.path()).unwrap();
            assert_eq!(s.import(&[a.clone(), cam.clone()], false).unwrap(), 2);
        }
        let mut s = AreaStore::open_in(dir.path()).unwrap();
        assert_eq!(s.list().unwrap(), vec![cam.clone(), a.clone()]);
        // A batch with one bad area changes nothing.
        let bad = KeyArea::point("Bad", Category::KeyZone, gp(1.0, 1.0));
        assert!(s.import(&[bad], true).is_err());
        assert_eq!(s.list().unwrap().len(), 2);
        s.remove("Gate").unwrap();
        assert_eq!(
            s.get("Gate").unwrap_err(),
            AreaError::NotFound("Gate".into())
        );
        assert_eq!(s.get("Station square").unwrap(), a);
    }
}
