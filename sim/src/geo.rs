//! Flat-earth conversions between metres north/east of a fixed origin and WGS84 degrees. Good to
//! centimetres over the few kilometres a patrol covers, which is all the simulator needs.

/// WGS84 equatorial radius, metres.
const EARTH_RADIUS_M: f64 = 6_378_137.0;
const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// The local frame's origin (the EKF origin of every aircraft in one simulator run).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Origin {
    lat: f64,
    lon: f64,
    cos_lat: f64,
}

impl Origin {
    /// An origin at `lat`, `lon` degrees.
    pub fn new(lat: f64, lon: f64) -> Self {
        Self {
            lat,
            lon,
            cos_lat: lat.to_radians().cos().max(1e-6),
        }
    }

    /// Degrees (lat, lon) of a point `north`, `east` metres from the origin.
    pub fn to_global(&self, north: f64, east: f64) -> (f64, f64) {
        (
            self.lat + north / M_PER_DEG,
            self.lon + east / (M_PER_DEG * self.cos_lat),
        )
    }

    /// Metres (north, east) of a point at `lat`, `lon` degrees.
    pub fn to_local(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            (lat - self.lat) * M_PER_DEG,
            (lon - self.lon) * M_PER_DEG * self.cos_lat,
        )
    }

    /// Metres (north, east) of a point given in MAVLink's degrees * 1e7.
    pub fn to_local_e7(&self, lat_e7: i32, lon_e7: i32) -> (f64, f64) {
        self.to_local(f64::from(lat_e7) * 1e-7, f64::from(lon_e7) * 1e-7)
    }
}

/// Degrees to MAVLink's degrees * 1e7, saturating on nonsense input.
pub fn deg_to_e7(deg: f64) -> i32 {
    (deg * 1e7).round() as i32
}

/// Whether `p` lies inside the polygon `poly` (even-odd rule; vertices in order, open ring).
pub fn point_in_polygon(p: [f64; 2], poly: &[[f64; 2]]) -> bool {
    let mut inside = false;
    let mut j = poly.len().wrapping_sub(1);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact_to_millimetres() {
        let o = Origin::new(36.456, 115.985);
        let (lat, lon) = o.to_global(1234.5, -678.9);
        let (n, e) = o.to_local(lat, lon);
        assert!((n - 1234.5).abs() < 1e-6 && (e + 678.9).abs() < 1e-6);
        // one degree of latitude is about 111 km
        let (n, _) = o.to_local(37.456, 115.985);
        assert!((n - 111_319.5).abs() < 1.0, "{n}");
    }

    #[test]
    fn polygon_containment() {
        let sq = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!(point_in_polygon([5.0, 5.0], &sq));
        assert!(!point_in_polygon([15.0, 5.0], &sq));
        assert!(!point_in_polygon([5.0, -1.0], &sq));
        assert!(!point_in_polygon([1.0, 1.0], &[]));
    }
}
