//! Key areas as GeoJSON (RFC 7946): a FeatureCollection whose Features carry `name`,
//! `category` and optionally `priority`, `revisit_min`, `alt_m` and `rtsp` in their properties.
//! Other properties are kept and written back unchanged. Polygons and Points only.

use serde_json::{json, Map, Value};

use super::{validate_all, AreaError, Category, KeyArea, Shape, DEFAULT_PRIORITY};
use crate::geo::GeoPoint;

const KNOWN: [&str; 6] = [
    "name",
    "category",
    "priority",
    "revisit_min",
    "alt_m",
    "rtsp",
];

fn fmt_err(msg: impl Into<String>) -> AreaError {
    AreaError::Format(msg.into())
}

fn position(v: &Value, what: &str) -> Result<GeoPoint, String> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| format!("{what}: a position must be [longitude, latitude]"))?;
    let lon = a[0]
        .as_f64()
        .ok_or_else(|| format!("{what}: longitude is not a number"))?;
    let lat = a[1]
        .as_f64()
        .ok_or_else(|| format!("{what}: latitude is not a number"))?;
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "{what}: position [{lon}, {lat}] is out of range (GeoJSON is [longitude, latitude])"
        ));
    }
    Ok(GeoPoint { lat, lon })
}

fn ring(v: &Value, what: &str) -> Result<Vec<GeoPoint>, String> {
    let a = v
        .as_array()
        .ok_or_else(|| format!("{what}: a ring must be a list of positions"))?;
    let mut pts = a
        .iter()
        .map(|p| position(p, what))
        .collect::<Result<Vec<_>, _>>()?;
    if pts.len() >= 2 && pts[0] == pts[pts.len() - 1] {
        pts.pop();
    }
    Ok(pts)
}

fn shape(geom: &Value, what: &str) -> Result<Shape, String> {
    let kind = geom
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what}: geometry has no \"type\""))?;
    let coords = geom
        .get("coordinates")
        .ok_or_else(|| format!("{what}: geometry has no \"coordinates\""))?;
    match kind {
        "Point" => Ok(Shape::Point {
            at: position(coords, what)?,
        }),
        "Polygon" => {
            let rings = coords
                .as_array()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| format!("{what}: a Polygon needs at least one ring"))?;
            let outer = ring(&rings[0], what)?;
            let holes = rings[1..]
                .iter()
                .map(|r| ring(r, what))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Shape::Polygon { outer, holes })
        }
        other => Err(format!(
            "{what}: geometry {other} is not supported; use a Polygon (areas) or a Point (cameras)"
        )),
    }
}

/// Reads one Feature into a key area (validated).
pub fn feature_to_area(f: &Value, index: usize) -> Result<KeyArea, AreaError> {
    labelled_feature_to_area(f, &format!("feature {index}"))
}

/// Reads one Feature into a key area (validated); errors start with `label` (e.g. "feature 3",
/// or "Placemark 3 (line 40)" when the feature came from another format such as KML).
pub fn labelled_feature_to_area(f: &Value, label: &str) -> Result<KeyArea, AreaError> {
    let props = f
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let name = props
        .get("name")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let what = if name.is_empty() {
        label.to_string()
    } else {
        format!("{label} ('{name}')")
    };
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(fmt_err(format!("{what}: \"type\" must be \"Feature\"")));
    }
    if name.is_empty() {
        return Err(fmt_err(format!("{what}: properties need a \"name\"")));
    }
    let category: Category = props
        .get("category")
        .and_then(Value::as_str)
        .ok_or_else(|| fmt_err(format!("{what}: properties need a \"category\"")))?
        .parse()
        .map_err(|e: String| fmt_err(format!("{what}: {e}")))?;
    let geom = f
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or_else(|| fmt_err(format!("{what}: has no geometry")))?;
    let shape = shape(geom, &what).map_err(fmt_err)?;
    let vertices = shape.points().len();
    if vertices > super::MAX_AREA_VERTICES {
        return Err(fmt_err(format!(
            "{what}: has {vertices} vertices, more than the {} accepted; simplify it (QGIS: Vector > Geometry Tools > Simplify)",
            super::MAX_AREA_VERTICES
        )));
    }
    let num = |key: &str| -> Result<Option<f64>, AreaError> {
        match props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| fmt_err(format!("{what}: \"{key}\" must be a number"))),
        }
    };
    let priority = match num("priority")? {
        None => DEFAULT_PRIORITY,
        Some(p) if p.fract() == 0.0 && (1.0..=5.0).contains(&p) => p as u8,
        Some(p) => {
            return Err(fmt_err(format!(
                "{what}: \"priority\" {p} must be a whole number 1..5"
            )))
        }
    };
    let rtsp = match props.get("rtsp") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(fmt_err(format!("{what}: \"rtsp\" must be a string"))),
    };
    let revisit_min = num("revisit_min")?;
    let alt_m = num("alt_m")?;
    let extra: Map<String, Value> = props
        .into_iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .collect();
    let area = KeyArea {
        name,
        category,
        shape,
        priority,
        revisit_min,
        alt_m,
        rtsp,
        extra,
    };
    area.validate().map_err(|e| match e {
        AreaError::Invalid { reason, .. } => fmt_err(format!("{what}: {reason}")),
        other => other,
    })?;
    Ok(area)
}

/// Reads a GeoJSON FeatureCollection (or a single Feature) of key areas.
pub fn parse(text: &str) -> Result<Vec<KeyArea>, AreaError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| fmt_err(format!("not valid JSON ({e})")))?;
    let features: Vec<Value> = match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| fmt_err("FeatureCollection: \"features\" must be a list"))?,
        Some("Feature") => vec![root],
        Some(other) => {
            return Err(fmt_err(format!(
                "GeoJSON of type {other} cannot hold key areas; expected a FeatureCollection"
            )))
        }
        None => return Err(fmt_err("not GeoJSON: the top level has no \"type\"")),
    };
    let areas = features
        .iter()
        .enumerate()
        .map(|(i, f)| feature_to_area(f, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    validate_all(&areas)?;
    Ok(areas)
}

fn pos(p: &GeoPoint) -> Value {
    json!([
        crate::plan::mission::deg_e7(p.lon),
        crate::plan::mission::deg_e7(p.lat)
    ])
}

fn closed(r: &[GeoPoint], ccw: bool) -> Value {
    let mut pts: Vec<GeoPoint> = r.to_vec();
    // RFC 7946: exterior rings counter-clockwise, holes clockwise (in lon/lat).
    let twice: f64 = (0..pts.len())
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            a.lon * b.lat - b.lon * a.lat
        })
        .sum();
    if (twice > 0.0) != ccw {
        pts.reverse();
    }
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    Value::Array(pts.iter().map(pos).collect())
}

/// One key area as a GeoJSON Feature.
pub fn area_to_feature(a: &KeyArea) -> Value {
    let geometry = match &a.shape {
        Shape::Point { at } => json!({ "type": "Point", "coordinates": pos(at) }),
        Shape::Polygon { outer, holes } => {
            let mut rings = vec![closed(outer, true)];
            rings.extend(holes.iter().map(|h| closed(h, false)));
            json!({ "type": "Polygon", "coordinates": rings })
        }
    };
    let mut props = a.extra.clone();
    props.insert("name".into(), json!(a.name));
    props.insert("category".into(), json!(a.category.as_str()));
    props.insert("priority".into(), json!(a.priority));
    if let Some(v) = a.revisit_min {
        props.insert("revisit_min".into(), json!(v));
    }
    if let Some(v) = a.alt_m {
        props.insert("alt_m".into(), json!(v));
    }
    if let Some(v) = &a.rtsp {
        props.insert("rtsp".into(), json!(v));
    }
    json!({ "type": "Feature", "properties": props, "geometry": geometry })
}

/// Key areas as a GeoJSON FeatureCollection (pretty-printed).
pub fn write(areas: &[KeyArea]) -> String {
    let doc = json!({
        "type": "FeatureCollection",
        "features": areas.iter().map(area_to_feature).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"Market","category":"crowded_place","priority":1,
        "revisit_min":30,"alt_m":60,"district":"North","owner":{"unit":7}},
       "geometry":{"type":"Polygon","coordinates":[[[116.0,36.0],[116.01,36.0],[116.01,36.01],[116.0,36.01],[116.0,36.0]],
          [[116.004,36.004],[116.004,36.006],[116.006,36.006],[116.006,36.004],[116.004,36.004]]]}},
      {"type":"Feature","properties":{"name":"Gate cam","category":"camera","rtsp":"rtsp://10.0.0.5/live"},
       "geometry":{"type":"Point","coordinates":[116.02,36.02]}},
      {"type":"Feature","properties":{"name":"Hospital pad","category":"no_fly"},
       "geometry":{"type":"Polygon","coordinates":[[[116.03,36.0],[116.04,36.0],[116.04,36.01],[116.03,36.0]]]}}
    ]}"#;

    #[test]
    fn reads_every_field_and_keeps_unknown_properties() {
        let areas = parse(SAMPLE).unwrap();
        assert_eq!(areas.len(), 3);
        let m = &areas[0];
        assert_eq!(
            (m.category, m.priority, m.revisit_min, m.alt_m),
            (Category::CrowdedPlace, 1, Some(30.0), Some(60.0))
        );
        assert!(
            matches!(&m.shape, Shape::Polygon { outer, holes } if outer.len() == 4 && holes.len() == 1)
        );
        assert_eq!(m.extra["district"], json!("North"));
        assert_eq!(areas[1].rtsp.as_deref(), Some("rtsp://10.0.0.5/live"));
        assert_eq!(areas[2].priority, DEFAULT_PRIORITY);
    }

    #[test]
    fn write_then_read_gives_the_same_areas_and_properties() {
        let areas = parse(SAMPLE).unwrap();
        let text = write(&areas);
        let again = parse(&text).unwrap();
        assert_eq!(areas, again);
        assert!(text.contains("\"owner\""));
    }

    #[test]
    fn bad_files_get_a_clear_one_line_error() {
        let cases = [
            ("{", "not valid JSON"),
            (
                r#"{"type":"LineString","coordinates":[]}"#,
                "expected a FeatureCollection",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"X","category":"key_zone"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}"#,
                "LineString is not supported",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"X","category":"zoo"},"geometry":{"type":"Point","coordinates":[1,2]}}"#,
                "unknown category 'zoo'",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"Bow","category":"key_zone"},"geometry":{"type":"Polygon","coordinates":[[[116.0,36.0],[116.01,36.01],[116.01,36.0],[116.0,36.01],[116.0,36.0]]]}}"#,
                "crosses itself",
            ),
            (
                r#"{"type":"Feature","properties":{"name":"Swap","category":"camera"},"geometry":{"type":"Point","coordinates":[36.5,116.5]}}"#,
                "[longitude, latitude]",
            ),
        ];
        for (text, want) in cases {
            let msg = parse(text).unwrap_err().to_string();
            assert!(msg.contains(want), "{msg:?} should mention {want:?}");
            assert!(!msg.contains('\n'));
        }
    }

    #[test]
    fn an_area_with_too_many_vertices_is_refused_before_the_slow_checks() {
        let ring: Vec<Value> = (0..=super::super::MAX_AREA_VERTICES + 1)
            .map(|i| json!([116.0 + i as f64 * 1e-6, 36.0 + (i % 2) as f64 * 1e-6]))
            .collect();
        let f = json!({"type": "Feature", "properties": {"name": "Huge", "category": "key_zone"},
                       "geometry": {"type": "Polygon", "coordinates": [ring]}});
        let e = feature_to_area(&f, 1).unwrap_err().to_string();
        assert!(e.contains("more than the 10000 accepted"), "{e}");
    }

    #[test]
    fn duplicate_names_are_refused() {
        let f = r#"{"type":"Feature","properties":{"name":"A","category":"camera"},"geometry":{"type":"Point","coordinates":[1,2]}}"#;
        let text = format!(r#"{{"type":"FeatureCollection","features":[{f},{f}]}}"#);
        assert_eq!(parse(&text).unwrap_err(), AreaError::Duplicate("A".into()));
    }
}
