//! Key areas: the places a shift patrols (crowded places, key zones, event venues), fixed ground
//! cameras, and no-fly zones. Each has a name, a category, a priority, a revisit interval and a
//! patrol altitude; they come from GeoJSON files or the map, and live in SQLite.

pub mod geojson;
pub mod kml;
pub mod kmz;
pub mod store;

use serde_json::{Map, Value};

use super::geo::{LocalFrame, Polygon, PolygonError};
use crate::db::{DbError, DbFailure};
use crate::geo::GeoPoint;

pub use store::AreaStore;

/// Highest patrol altitude a key area may ask for, m: far above any legal drone flight, low
/// enough that a typo or hostile value (1e300) is refused rather than planned with.
pub const MAX_PATROL_ALT_M: f64 = 10_000.0;

/// Largest KML text read, bytes (a city's key areas are well under a megabyte).
pub const MAX_KML_BYTES: usize = 32 * 1024 * 1024;

/// Most vertices a key area may have: checking a polygon for crossing edges takes time growing
/// with the square of its vertices, and a key area needs far fewer (a district boundary has a
/// few thousand), so a hostile or unsimplified file is refused in well under a second.
pub const MAX_AREA_VERTICES: usize = 10_000;

/// What a key area is, which decides its geometry and how it is patrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A place where crowds gather (station square, market).
    CrowdedPlace,
    /// A zone that needs regular attention (government buildings, critical infrastructure).
    KeyZone,
    /// Where a public event takes place.
    EventVenue,
    /// A fixed ground camera (a point, optionally with an RTSP stream).
    Camera,
    /// Airspace no aircraft may enter.
    NoFly,
}

impl Category {
    /// Every category, in the order they are listed.
    pub const ALL: [Category; 5] = [
        Category::CrowdedPlace,
        Category::KeyZone,
        Category::EventVenue,
        Category::Camera,
        Category::NoFly,
    ];

    /// The name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CrowdedPlace => "crowded_place",
            Category::KeyZone => "key_zone",
            Category::EventVenue => "event_venue",
            Category::Camera => "camera",
            Category::NoFly => "no_fly",
        }
    }

    /// Whether the category is a point (cameras) rather than a polygon.
    pub fn is_point(self) -> bool {
        self == Category::Camera
    }

    /// Whether aircraft patrol it (everything but no-fly zones).
    pub fn is_patrolled(self) -> bool {
        self != Category::NoFly
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown category '{s}'; expected one of {}",
                    Category::ALL.map(Category::as_str).join(", ")
                )
            })
    }
}

/// Where a key area is: a polygon with optional holes, or a point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Shape {
    /// An area: outer boundary and holes (rings without the closing vertex).
    Polygon {
        /// Outer boundary.
        outer: Vec<GeoPoint>,
        /// Parts inside the boundary that do not belong to the area.
        holes: Vec<Vec<GeoPoint>>,
    },
    /// A single position (cameras).
    Point {
        /// The position.
        at: GeoPoint,
    },
}

impl Shape {
    /// Every vertex (or the point).
    pub fn points(&self) -> Vec<GeoPoint> {
        match self {
            Shape::Polygon { outer, holes } => outer
                .iter()
                .chain(holes.iter().flatten())
                .copied()
                .collect(),
            Shape::Point { at } => vec![*at],
        }
    }
}

/// Default priority: 1 is the most important, 5 the least.
pub const DEFAULT_PRIORITY: u8 = 3;

/// One key area.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KeyArea {
    /// Unique name (what people call it on the radio).
    pub name: String,
    /// What it is.
    pub category: Category,
    /// Its geometry.
    pub shape: Shape,
    /// 1 (most important) to 5.
    pub priority: u8,
    /// How often it must be visited, minutes (`None`: no fixed interval).
    pub revisit_min: Option<f64>,
    /// Patrol altitude above home, metres (`None`: the route's altitude).
    pub alt_m: Option<f64>,
    /// RTSP stream of a fixed camera.
    pub rtsp: Option<String>,
    /// Properties Kestrel does not know, kept so exporting gives them back.
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// Why a key area cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AreaError {
    /// The file or text is not usable GeoJSON.
    #[error("{0}")]
    Format(String),
    /// One area is invalid.
    #[error("key area '{name}': {reason}")]
    Invalid {
        /// The area's name (or its feature number when it has none).
        name: String,
        /// What is wrong, in words.
        reason: String,
    },
    /// Two areas share a name.
    #[error("two key areas are named '{0}'; names must be unique")]
    Duplicate(String),
    /// The named area does not exist.
    #[error("no key area named '{0}'")]
    NotFound(String),
    /// The database failed (a full disk says so).
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored area could not be read back (edited by hand or damaged).
    #[error("key area database: {0}")]
    Damaged(String),
}

impl From<rusqlite::Error> for AreaError {
    fn from(e: rusqlite::Error) -> Self {
        AreaError::Db(e.into())
    }
}

impl DbFailure for AreaError {
    fn db_error_mut(&mut self) -> Option<&mut DbError> {
        match self {
            AreaError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl AreaError {
    fn invalid(name: &str, reason: impl Into<String>) -> Self {
        AreaError::Invalid {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

fn valid_point(p: GeoPoint) -> bool {
    p.lat.is_finite()
        && p.lon.is_finite()
        && (-90.0..=90.0).contains(&p.lat)
        && (-180.0..=180.0).contains(&p.lon)
}

impl KeyArea {
    /// A polygon area with defaults for the optional fields.
    pub fn polygon(name: &str, category: Category, outer: Vec<GeoPoint>) -> Self {
        Self::with_shape(
            name,
            category,
            Shape::Polygon {
                outer,
                holes: Vec::new(),
            },
        )
    }

    /// A point area (a camera) with defaults for the optional fields.
    pub fn point(name: &str, category: Category, at: GeoPoint) -> Self {
        Self::with_shape(name, category, Shape::Point { at })
    }

    fn with_shape(name: &str, category: Category, shape: Shape) -> Self {
        Self {
            name: name.to_string(),
            category,
            shape,
            priority: DEFAULT_PRIORITY,
            revisit_min: None,
            alt_m: None,
            rtsp: None,
            extra: Map::new(),
        }
    }

    /// Checks everything a planner relies on: a name, geometry matching the category, a simple
    /// polygon with holes inside, sane numbers.
    pub fn validate(&self) -> Result<(), AreaError> {
        let name = self.name.as_str();
        if name.trim().is_empty() {
            return Err(AreaError::invalid("(unnamed)", "has no name"));
        }
        if !(1..=5).contains(&self.priority) {
            return Err(AreaError::invalid(
                name,
                format!("priority {} is outside 1..5", self.priority),
            ));
        }
        if let Some(r) = self.revisit_min {
            if !(r.is_finite() && r > 0.0) {
                return Err(AreaError::invalid(
                    name,
                    format!("revisit interval {r} min must be a positive number"),
                ));
            }
        }
        if let Some(a) = self.alt_m {
            if !(a.is_finite() && a > 0.0 && a <= MAX_PATROL_ALT_M) {
                return Err(AreaError::invalid(
                    name,
                    format!(
                        "patrol altitude {a} m must be a positive number up to {MAX_PATROL_ALT_M} m"
                    ),
                ));
            }
        }
        if let Some(url) = &self.rtsp {
            if !(url.starts_with("rtsp://") || url.starts_with("rtsps://")) {
                return Err(AreaError::invalid(
                    name,
                    format!("camera stream '{url}' is not an rtsp:// URL"),
                ));
            }
        }
        if self.shape.points().iter().any(|p| !valid_point(*p)) {
            return Err(AreaError::invalid(
                name,
                "has a coordinate outside latitude -90..90 / longitude -180..180",
            ));
        }
        match (&self.shape, self.category.is_point()) {
            (Shape::Point { .. }, false) => {
                return Err(AreaError::invalid(
                    name,
                    format!("a {} must be a Polygon, not a Point", self.category),
                ))
            }
            (Shape::Polygon { .. }, true) => {
                return Err(AreaError::invalid(
                    name,
                    format!("a {} must be a Point, not a Polygon", self.category),
                ))
            }
            _ => {}
        }
        if let Shape::Polygon { .. } = self.shape {
            let frame = self.frame();
            self.polygon_in(&frame)
                .transpose()
                .map_err(|e| AreaError::invalid(name, polygon_reason(&e)))?;
        }
        Ok(())
    }

    /// A local plane centred on this area.
    pub fn frame(&self) -> LocalFrame {
        LocalFrame::around(self.shape.points())
            .unwrap_or_else(|| LocalFrame::new(GeoPoint { lat: 0.0, lon: 0.0 }))
    }

    /// The polygon on a local plane (`None` for point areas).
    pub fn polygon_in(&self, frame: &LocalFrame) -> Option<Result<Polygon, PolygonError>> {
        match &self.shape {
            Shape::Polygon { outer, holes } => {
                let o: Vec<_> = outer.iter().map(|p| frame.to_local(*p)).collect();
                let h: Vec<Vec<_>> = holes
                    .iter()
                    .map(|r| r.iter().map(|p| frame.to_local(*p)).collect())
                    .collect();
                Some(Polygon::new(&o, &h))
            }
            Shape::Point { .. } => None,
        }
    }

    /// Area in m² (zero for points and invalid polygons).
    pub fn area_m2(&self) -> f64 {
        let frame = self.frame();
        match self.polygon_in(&frame) {
            Some(Ok(p)) => p.area(),
            _ => 0.0,
        }
    }

    /// A representative position: the point itself, or a point well inside the polygon.
    pub fn anchor(&self) -> GeoPoint {
        match &self.shape {
            Shape::Point { at } => *at,
            Shape::Polygon { .. } => {
                let frame = self.frame();
                match self.polygon_in(&frame) {
                    Some(Ok(p)) => frame.to_geo(p.interior_point()),
                    _ => frame.origin(),
                }
            }
        }
    }
}

/// A polygon problem in words a planner understands.
pub fn polygon_reason(e: &PolygonError) -> String {
    match e {
        PolygonError::SelfIntersecting(..) => {
            format!("polygon {e}; redraw it so its edges do not cross")
        }
        _ => format!("polygon {e}"),
    }
}

/// Whether a path names a KML or KMZ file (by its extension).
pub fn is_kml_path(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("kml") || e.eq_ignore_ascii_case("kmz"))
}

/// Reads key areas from a file's bytes: KML or KMZ when the extension or the content says so,
/// GeoJSON otherwise. One entry point so the CLI and the console accept the same files.
pub fn parse_file(path: &std::path::Path, bytes: &[u8]) -> Result<Vec<KeyArea>, AreaError> {
    if is_kml_path(path) || kml::looks_like_kml(bytes) {
        kml::parse_bytes(bytes)
    } else {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| AreaError::Format(format!("not UTF-8 text ({e})")))?;
        geojson::parse(text)
    }
}

/// Key areas as the text of a file: KML for a .kml path, GeoJSON otherwise (KMZ is read only).
pub fn write_file(path: &std::path::Path, areas: &[KeyArea]) -> Result<String, AreaError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("kmz") => Err(AreaError::Format(
            "KMZ is read but not written; export to a .kml file".into(),
        )),
        Some(e) if e.eq_ignore_ascii_case("kml") => Ok(kml::write(areas)),
        _ => Ok(geojson::write(areas)),
    }
}

/// Checks a set of areas: each valid and names unique.
pub fn validate_all(areas: &[KeyArea]) -> Result<(), AreaError> {
    let mut seen = std::collections::HashSet::new();
    for a in areas {
        a.validate()?;
        if !seen.insert(a.name.as_str()) {
            return Err(AreaError::Duplicate(a.name.clone()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gp(lat: f64, lon: f64) -> GeoPoint {
        GeoPoint { lat, lon }
    }

    fn square() -> Vec<GeoPoint> {
        vec![
            gp(36.0, 116.0),
            gp(36.0, 116.01),
            gp(36.01, 116.01),
            gp(36.01, 116.0),
        ]
    }

    #[test]
    fn geometry_must_match_category() {
        let cam = KeyArea::polygon("Gate", Category::Camera, square());
        assert!(cam
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must be a Point"));
        let sq = KeyArea::point("Square", Category::CrowdedPlace, gp(36.0, 116.0));
        assert!(sq
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must be a Polygon"));
    }

    #[test]
    fn self_intersecting_polygon_is_named_in_the_error() {
        let bow = vec![
            gp(36.0, 116.0),
            gp(36.01, 116.01),
            gp(36.0, 116.01),
            gp(36.01, 116.0),
        ];
        let e = KeyArea::polygon("Market", Category::CrowdedPlace, bow)
            .validate()
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("'Market'") && msg.contains("crosses itself"),
            "{msg}"
        );
    }

    #[test]
    fn area_of_a_small_square_is_about_right() {
        let a = KeyArea::polygon("Sq", Category::KeyZone, square());
        a.validate().unwrap();
        // 0.01° x 0.01° at 36° N: about 1112 m x 900 m.
        let m2 = a.area_m2();
        assert!((m2 - 1_112_000.0 * 0.9).abs() / m2 < 0.01, "{m2}");
    }

    #[test]
    fn unknown_category_lists_the_known_ones() {
        let e = "parking".parse::<Category>().unwrap_err();
        assert!(e.contains("crowded_place") && e.contains("no_fly"));
    }
}
