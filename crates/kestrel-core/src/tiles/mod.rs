//! Map tiles for the console, headless: where they come from ([`TileSourceConfig`]: OpenStreetMap,
//! any XYZ URL template such as Tianditu, offline MBTiles and PMTiles packs), an on-disk cache for
//! downloaded ones ([`cache`]), a background fetcher that downloads or reads and decodes them off
//! the UI thread ([`service`]), and the per-tile book-keeping with retry and backoff that keeps
//! failed tiles from staying empty forever ([`book`]). The console only turns decoded pixels into
//! textures.

pub mod book;
pub mod cache;
pub mod mbtiles;
pub mod pmtiles;
pub mod service;
pub mod source;

pub use book::{TileBook, Want};
pub use service::{TileBytes, TileClient, TileResult, TileService, TileStatus};
pub use source::{TileSourceConfig, XyzTemplate};

/// One tile of the Web Mercator pyramid (XYZ numbering: y grows southwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileKey {
    /// Zoom level.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

impl TileKey {
    /// A tile, or `None` if `x`/`y` are outside the zoom level's grid.
    pub fn new(z: u8, x: u32, y: u32) -> Option<Self> {
        let n = 1u64 << z.min(30);
        (z <= 30 && u64::from(x) < n && u64::from(y) < n).then_some(Self { z, x, y })
    }

    /// The tile containing a position at a zoom level.
    pub fn at(lat: f64, lon: f64, z: u8) -> Self {
        let n = f64::from(1u32 << z.min(30));
        let lat = lat.clamp(-85.0511, 85.0511).to_radians();
        let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            .floor()
            .clamp(0.0, n - 1.0);
        Self {
            z,
            x: x as u32,
            y: y as u32,
        }
    }

    /// The tile one zoom level up that contains this one.
    pub fn parent(&self) -> Option<Self> {
        (self.z > 0).then(|| Self {
            z: self.z - 1,
            x: self.x / 2,
            y: self.y / 2,
        })
    }
}

impl std::fmt::Display for TileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// A decoded tile: RGBA pixels, row by row.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbaTile {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, not premultiplied.
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for RgbaTile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbaTile({}x{})", self.width, self.height)
    }
}

/// Why a tile could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The network is unreachable or the server did not answer: worth retrying, and a sign of
    /// being offline.
    #[error("network: {0}")]
    Network(String),
    /// The server answered with an error status (404, 403 for a bad key, 5xx).
    #[error("server answered {status} for {url}")]
    Http {
        /// The HTTP status code.
        status: u16,
        /// The tile's URL.
        url: String,
    },
    /// The source has no such tile (outside an offline pack's area or zoom levels).
    #[error("no such tile in the source")]
    Missing,
    /// The bytes are not an image we can read.
    #[error("cannot decode tile: {0}")]
    Decode(String),
    /// The offline pack cannot be read.
    #[error("offline pack: {0}")]
    Pack(String),
}

impl TileError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            TileError::Network(_) => true,
            TileError::Http { status, .. } => *status == 429 || *status >= 500 || *status == 408,
            TileError::Missing | TileError::Decode(_) | TileError::Pack(_) => false,
        }
    }
}

/// Decodes PNG or JPEG bytes into RGBA pixels.
pub fn decode(bytes: &[u8]) -> Result<RgbaTile, TileError> {
    if bytes.is_empty() {
        return Err(TileError::Decode("empty".into()));
    }
    let img = image::load_from_memory(bytes).map_err(|e| TileError::Decode(e.to_string()))?;
    let rgba = img.to_rgba8();
    Ok(RgbaTile {
        width: rgba.width(),
        height: rgba.height(),
        pixels: rgba.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_at_liaocheng() {
        // The slippy-map formula of the OpenStreetMap wiki, computed independently.
        let k = TileKey::at(36.456, 115.985, 14);
        assert_eq!((k.x, k.y), (13470, 6408));
        assert_eq!(k.parent().unwrap(), TileKey::new(13, 6735, 3204).unwrap());
        assert!(TileKey::new(1, 2, 0).is_none());
    }

    #[test]
    fn garbage_is_a_decode_error_not_a_panic() {
        assert!(matches!(decode(b"<html>"), Err(TileError::Decode(_))));
        assert!(!TileError::Http {
            status: 404,
            url: String::new()
        }
        .is_retryable());
        assert!(TileError::Network("refused".into()).is_retryable());
    }
}
