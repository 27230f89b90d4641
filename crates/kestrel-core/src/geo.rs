//! Places on the Earth, the vocabulary every feature shares: where an aircraft is, where a key
//! area or patrol route lies, where a crew stands, where a sighting was made. The geometry that
//! works on them (polygons, offsets, projections) is planning's, in `plan::geo`.

/// A position on the WGS84 ellipsoid, degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeoPoint {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}
