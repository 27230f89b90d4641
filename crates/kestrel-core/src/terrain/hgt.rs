//! SRTM `.hgt` tiles: one degree of latitude and longitude, a square grid of big-endian `i16`
//! metres above mean sea level, rows from north to south, columns from west to east, with
//! -32768 marking a void. 1 arc-second tiles are 3601 samples a side, 3 arc-second 1201; which
//! one a file is comes from its size, where it lies from its name (`N36E115.hgt` is the square
//! whose south-west corner is 36°N 115°E).

use std::path::Path;

use super::TerrainError;

/// The value SRTM writes where it has no measurement.
pub const VOID: i16 = -32768;

/// Samples a side of a 1 arc-second tile.
pub const SIDE_1_ARCSEC: usize = 3601;
/// Samples a side of a 3 arc-second tile.
pub const SIDE_3_ARCSEC: usize = 1201;

/// The south-west corner of a one-degree tile, in whole degrees; names the tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TileId {
    /// Latitude of the south edge, degrees (-90..=89).
    pub lat: i16,
    /// Longitude of the west edge, degrees (-180..=179).
    pub lon: i16,
}

impl TileId {
    /// The tile holding a point (a point on a shared edge belongs to the tile north/east of it,
    /// except at 90°N / 180°E, which belong to the last tile).
    pub fn containing(lat: f64, lon: f64) -> Result<Self, TerrainError> {
        let on_earth = lat.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && lon.is_finite()
            && (-180.0..=180.0).contains(&lon);
        if !on_earth {
            return Err(TerrainError::OutOfRange { lat, lon });
        }
        let la = (lat.floor() as i16).min(89);
        let lo = (lon.floor() as i16).min(179);
        Ok(Self { lat: la, lon: lo })
    }

    /// The SRTM file name, e.g. `N36E115.hgt` or `S01W072.hgt`.
    pub fn file_name(&self) -> String {
        format!(
            "{}{:02}{}{:03}.hgt",
            if self.lat >= 0 { 'N' } else { 'S' },
            self.lat.unsigned_abs(),
            if self.lon >= 0 { 'E' } else { 'W' },
            self.lon.unsigned_abs()
        )
    }

    /// Reads a tile's position from its file name (`n36e115.HGT` too), or `None`.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_uppercase();
        let stem = name.strip_suffix(".HGT")?;
        let b = stem.as_bytes();
        if b.len() != 7 || !b.is_ascii() {
            return None;
        }
        let lat: i16 = stem.get(1..3)?.parse().ok()?;
        let lon: i16 = stem.get(4..7)?.parse().ok()?;
        let lat = match b[0] {
            b'N' => lat,
            b'S' => -lat,
            _ => return None,
        };
        let lon = match b[3] {
            b'E' => lon,
            b'W' => -lon,
            _ => return None,
        };
        if !(-90..=89).contains(&lat) || !(-180..=179).contains(&lon) {
            return None;
        }
        Some(Self { lat, lon })
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file_name())
    }
}

/// One tile in memory: its position and samples.
#[derive(Debug, Clone)]
pub struct HgtTile {
    /// Which square it covers.
    pub id: TileId,
    /// Samples a side (3601 or 1201).
    pub side: usize,
    samples: Vec<i16>,
}

/// What a tile holds, for `kestrel terrain info`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TileSummary {
    /// File name, e.g. `N36E115.hgt`.
    pub tile: String,
    /// 1 or 3 arc-seconds between samples.
    pub arc_seconds: u8,
    /// Lowest measured height, metres (None if the tile is all void).
    pub min_m: Option<i16>,
    /// Highest measured height, metres.
    pub max_m: Option<i16>,
    /// Samples without a measurement.
    pub voids: usize,
}

impl HgtTile {
    /// Reads a tile from its bytes; `name` is the file name, which says where it lies.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self, TerrainError> {
        let id = TileId::from_file_name(name).ok_or_else(|| TerrainError::BadName {
            name: name.to_string(),
        })?;
        Self::from_bytes(id, name, bytes)
    }

    /// Reads a tile's samples for a known position.
    pub fn from_bytes(id: TileId, name: &str, bytes: &[u8]) -> Result<Self, TerrainError> {
        let side = match bytes.len() {
            n if n == SIDE_1_ARCSEC * SIDE_1_ARCSEC * 2 => SIDE_1_ARCSEC,
            n if n == SIDE_3_ARCSEC * SIDE_3_ARCSEC * 2 => SIDE_3_ARCSEC,
            n => {
                return Err(TerrainError::BadSize {
                    name: name.to_string(),
                    size: n as u64,
                })
            }
        };
        let samples = bytes
            .chunks_exact(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect();
        Ok(Self { id, side, samples })
    }

    /// Reads a tile file.
    pub fn open(path: &Path) -> Result<Self, TerrainError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = TileId::from_file_name(&name).ok_or_else(|| TerrainError::BadName {
            name: path.display().to_string(),
        })?;
        let bytes = std::fs::read(path).map_err(|source| TerrainError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(id, &path.display().to_string(), &bytes)
    }

    /// Builds a tile from samples (row-major, north row first); for tests and generated data.
    pub fn from_samples(id: TileId, side: usize, samples: Vec<i16>) -> Option<Self> {
        ((side == SIDE_1_ARCSEC || side == SIDE_3_ARCSEC) && samples.len() == side * side)
            .then_some(Self { id, side, samples })
    }

    /// The tile as the bytes of a `.hgt` file.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.samples.iter().flat_map(|s| s.to_be_bytes()).collect()
    }

    /// 1 or 3 arc-seconds between samples.
    pub fn arc_seconds(&self) -> u8 {
        if self.side == SIDE_1_ARCSEC {
            1
        } else {
            3
        }
    }

    /// The sample at `row` (0 = north edge) and `col` (0 = west edge); `None` if void or outside.
    pub fn sample(&self, row: usize, col: usize) -> Option<i16> {
        if row >= self.side || col >= self.side {
            return None;
        }
        self.samples
            .get(row * self.side + col)
            .copied()
            .filter(|&v| v != VOID)
    }

    /// Fractional (row, col) of a point inside the tile, or `None` outside it.
    fn grid_position(&self, lat: f64, lon: f64) -> Option<(f64, f64)> {
        let n = (self.side - 1) as f64;
        let dy = lat - f64::from(self.id.lat);
        let dx = lon - f64::from(self.id.lon);
        if !(0.0..=1.0).contains(&dy) || !(0.0..=1.0).contains(&dx) {
            return None;
        }
        // Snap what is a sample point but for rounding (37 - 620/1200 is not exact in binary).
        let snap = |v: f64| {
            if (v - v.round()).abs() < 1e-6 {
                v.round()
            } else {
                v
            }
        };
        Some((snap((1.0 - dy) * n), snap(dx * n)))
    }

    /// The sample nearest to a point (what a reader without interpolation reports).
    pub fn nearest(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
        let (r, c) = self
            .grid_position(lat, lon)
            .ok_or(TerrainError::OutOfRange { lat, lon })?;
        self.sample(r.round() as usize, c.round() as usize)
            .map(f64::from)
            .ok_or(TerrainError::Void {
                tile: self.id.file_name(),
                lat,
                lon,
            })
    }

    /// Height of the ground at a point, metres AMSL, interpolated bilinearly between the four
    /// samples around it. Where one of them is void, the measured ones are weighted alone; with
    /// all four void it is an error.
    pub fn elevation(&self, lat: f64, lon: f64) -> Result<f64, TerrainError> {
        let (r, c) = self
            .grid_position(lat, lon)
            .ok_or(TerrainError::OutOfRange { lat, lon })?;
        let last = self.side - 1;
        let r0 = (r.floor() as usize).min(last - 1);
        let c0 = (c.floor() as usize).min(last - 1);
        let fr = r - r0 as f64;
        let fc = c - c0 as f64;
        let corners = [
            (r0, c0, (1.0 - fr) * (1.0 - fc)),
            (r0, c0 + 1, (1.0 - fr) * fc),
            (r0 + 1, c0, fr * (1.0 - fc)),
            (r0 + 1, c0 + 1, fr * fc),
        ];
        let (mut sum, mut weight) = (0.0, 0.0);
        for (row, col, w) in corners {
            if let Some(v) = self.sample(row, col) {
                sum += f64::from(v) * w;
                weight += w;
            }
        }
        if weight < 1e-9 {
            return Err(TerrainError::Void {
                tile: self.id.file_name(),
                lat,
                lon,
            });
        }
        Ok(sum / weight)
    }

    /// Lowest and highest heights and the number of voids.
    pub fn summary(&self) -> TileSummary {
        let measured = self.samples.iter().copied().filter(|&v| v != VOID);
        let (min, max) = measured.fold((None, None), |(lo, hi): (Option<i16>, Option<i16>), v| {
            (
                Some(lo.map_or(v, |l| l.min(v))),
                Some(hi.map_or(v, |h| h.max(v))),
            )
        });
        TileSummary {
            tile: self.id.file_name(),
            arc_seconds: self.arc_seconds(),
            min_m: min,
            max_m: max,
            voids: self.samples.iter().filter(|&&v| v == VOID).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane_tile() -> HgtTile {
        // Height rises 1 m per sample eastward and 2 m per sample southward.
        let side = SIDE_3_ARCSEC;
        let samples = (0..side * side)
            .map(|i| ((i / side) * 2 + i % side) as i16)
            .collect();
        HgtTile::from_samples(TileId { lat: 36, lon: 115 }, side, samples).unwrap()
    }

    #[test]
    fn names_round_trip() {
        for (lat, lon, name) in [
            (36.5, 115.2, "N36E115.hgt"),
            (-0.5, -71.9, "S01W072.hgt"),
            (0.0, 0.0, "N00E000.hgt"),
        ] {
            let id = TileId::containing(lat, lon).unwrap();
            assert_eq!(id.file_name(), name);
            assert_eq!(TileId::from_file_name(name), Some(id));
        }
        assert_eq!(TileId::from_file_name("N95E000.hgt"), None);
        assert_eq!(TileId::from_file_name("hill.hgt"), None);
        assert!(TileId::containing(91.0, 0.0).is_err());
    }

    #[test]
    fn bilinear_is_exact_on_a_plane() {
        let t = plane_tile();
        let step = 1.0 / 1200.0;
        // A quarter of the way between samples (row 10, col 20) and (row 11, col 21).
        let lat = 37.0 - (10.25 * step);
        let lon = 115.0 + 20.75 * step;
        let h = t.elevation(lat, lon).unwrap();
        assert!((h - (10.25 * 2.0 + 20.75)).abs() < 1e-6, "{h}");
        // Edges and corners.
        assert!((t.elevation(37.0, 115.0).unwrap() - 0.0).abs() < 1e-9);
        assert!((t.elevation(36.0, 116.0).unwrap() - 3600.0).abs() < 1e-6);
    }

    #[test]
    fn voids_are_skipped_then_refused() {
        let side = SIDE_3_ARCSEC;
        let mut samples = vec![100i16; side * side];
        samples[0] = VOID;
        let t = HgtTile::from_samples(TileId { lat: 0, lon: 0 }, side, samples.clone()).unwrap();
        assert_eq!(t.elevation(0.9999, 0.0001).unwrap(), 100.0);
        for s in &mut samples[..2] {
            *s = VOID;
        }
        samples[side] = VOID;
        samples[side + 1] = VOID;
        let t = HgtTile::from_samples(TileId { lat: 0, lon: 0 }, side, samples).unwrap();
        let e = t.elevation(1.0, 0.0).unwrap_err();
        assert!(e.to_string().contains("N00E000.hgt"), "{e}");
    }

    #[test]
    fn wrong_sizes_are_named() {
        let e = HgtTile::parse("N36E115.hgt", &[0u8; 1000]).unwrap_err();
        assert!(e.to_string().contains("1000 bytes"), "{e}");
    }
}
