//! Key areas as KML (what Google Earth, 2bulu and city GIS tools hand to police units), read and
//! written. A Placemark becomes a key area: its `<name>`, its `<description>` (kept as the
//! `description` property) and its `<ExtendedData>` (`<Data name="category"><value>…` or
//! `<SchemaData><SimpleData name="category">…`) give the same properties a GeoJSON Feature has
//! (`category`, `priority`, `revisit_min`, `alt_m`, `rtsp`, anything else kept). The geometry is
//! a Polygon (outer boundary and holes), a Point, or a MultiGeometry of those. Each Placemark is
//! turned into a GeoJSON Feature and read by the GeoJSON reader, so both formats check and
//! refuse exactly the same things. KMZ (zipped KML) is read by [`super::kmz`].
//!
//! Hostile input: the text is capped at [`MAX_KML_BYTES`], the element count at
//! [`MAX_KML_NODES`], element nesting at [`MAX_XML_DEPTH`] (checked before parsing, since the XML
//! parser recurses), MultiGeometry nesting at [`MAX_GEOMETRY_DEPTH`]; DTDs (entity expansion)
//! are refused by the XML parser. Errors name the Placemark (number, line and name) and what is
//! wrong, on one line.

use roxmltree::{Document, Node, ParsingOptions};
use serde_json::{json, Map, Value};

use super::{geojson, validate_all, AreaError, Category, KeyArea, Shape};
use crate::geo::GeoPoint;

pub use super::MAX_KML_BYTES;
/// Most XML nodes (elements, text, attributes) in one document.
pub const MAX_KML_NODES: u32 = 2_000_000;
/// Deepest element nesting accepted (the XML parser recurses per level, so hostile nesting must
/// be refused before it parses; real KML nests Folders a few levels deep).
pub const MAX_XML_DEPTH: usize = 256;
/// Most vertices in one Placemark (all its geometries): see [`super::MAX_AREA_VERTICES`].
pub const MAX_PLACEMARK_VERTICES: usize = super::MAX_AREA_VERTICES;
/// Deepest MultiGeometry nesting accepted inside one Placemark.
pub const MAX_GEOMETRY_DEPTH: usize = 16;

/// Properties whose KML text is a number.
const NUMERIC: [&str; 3] = ["priority", "revisit_min", "alt_m"];
/// Properties written as their own KML element or Data entry rather than as an unknown one.
const KNOWN: [&str; 6] = [
    "name",
    "category",
    "priority",
    "revisit_min",
    "alt_m",
    "rtsp",
];
/// Attribute marking a `<Data>` value that holds JSON (a non-string property written by
/// Kestrel), so the round trip gives back numbers, objects and lists unchanged.
const JSON_ATTR: &str = "json";

fn fmt_err(msg: impl Into<String>) -> AreaError {
    AreaError::Format(msg.into())
}

/// At most 40 characters of hostile text, for an error message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        out.push('…');
    }
    out.replace(['\n', '\r', '\t'], " ")
}

/// Whether a file's first bytes look like KML or KMZ rather than GeoJSON.
pub fn looks_like_kml(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"PK\x03\x04") {
        return true;
    }
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head);
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && head.contains("<kml")
}

/// Reads key areas from a KML or KMZ file's bytes.
pub fn parse_bytes(bytes: &[u8]) -> Result<Vec<KeyArea>, AreaError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let text = super::kmz::kml_text(bytes)?;
        return parse(&text);
    }
    if bytes.len() > MAX_KML_BYTES {
        return Err(too_big(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fmt_err(format!(
            "KML is not UTF-8 text ({e}); save it as UTF-8 (GIS tools may write GBK)"
        ))
    })?;
    parse(text)
}

fn too_big(n: usize) -> AreaError {
    fmt_err(format!(
        "KML of {n} bytes is larger than the {} MB accepted",
        MAX_KML_BYTES / (1024 * 1024)
    ))
}

/// Reads key areas from KML text: every Placemark anywhere in the document (Documents and
/// Folders nest freely). All or nothing: the first bad Placemark is the error.
pub fn parse(text: &str) -> Result<Vec<KeyArea>, AreaError> {
    if text.len() > MAX_KML_BYTES {
        return Err(too_big(text.len()));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_depth(text)?;
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_KML_NODES,
    };
    let doc = Document::parse_with_options(text, opts)
        .map_err(|e| fmt_err(format!("not valid KML/XML ({e})")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "kml" {
        return Err(fmt_err(format!(
            "not KML: the top element is <{}>, expected <kml>",
            short(root.tag_name().name())
        )));
    }
    let mut areas = Vec::new();
    for (i, pm) in root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Placemark")
        .enumerate()
    {
        areas.extend(placemark(&doc, pm, i + 1)?);
    }
    validate_all(&areas)?;
    Ok(areas)
}

/// Refuses text whose elements nest deeper than [`MAX_XML_DEPTH`], without recursion: a scan of
/// the tags that follows XML's rules for comments, CDATA, processing instructions and quoted
/// attribute values, so it agrees with the parser on every document the parser would read.
fn check_depth(text: &str) -> Result<(), AreaError> {
    let b = text.as_bytes();
    let skip_past = |from: usize, end: &[u8]| -> usize {
        b[from..]
            .windows(end.len())
            .position(|w| w == end)
            .map_or(b.len(), |p| from + p + end.len())
    };
    let (mut i, mut depth) = (0usize, 0usize);
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        i += p;
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i = skip_past(i + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_past(i + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = skip_past(i + 2, b"?>");
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = skip_past(i + 2, b">");
        } else if rest.starts_with(b"<!") {
            i = skip_past(i + 2, b">");
        } else {
            // A start tag: up to the first '>' outside quotes; "/>" closes it at once.
            let mut quote = None;
            let mut j = i + 1;
            while j < b.len() {
                match (quote, b[j]) {
                    (None, q @ (b'"' | b'\'')) => quote = Some(q),
                    (Some(q), c) if c == q => quote = None,
                    (None, b'>') => break,
                    _ => {}
                }
                j += 1;
            }
            if j < b.len() && b[j - 1] != b'/' {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(fmt_err(format!(
                        "KML elements nest deeper than {MAX_XML_DEPTH} levels"
                    )));
                }
            }
            i = (j + 1).min(b.len());
        }
        if i >= b.len() {
            break;
        }
    }
    Ok(())
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The text of an element (text and CDATA; not that of nested elements, so hostile nesting
/// cannot make reading cost more than the document's size).
fn text_of(n: Node) -> String {
    n.children()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

fn line_of(doc: &Document, n: Node) -> u32 {
    doc.text_pos_at(n.range().start).row
}

/// One Placemark's properties, as GeoJSON properties.
fn properties(pm: Node, what: &str) -> Result<Map<String, Value>, AreaError> {
    let mut props = Map::new();
    if let Some(n) = child(pm, "name") {
        props.insert("name".into(), Value::String(text_of(n).trim().to_string()));
    }
    if let Some(n) = child(pm, "description") {
        props.insert("description".into(), Value::String(text_of(n)));
    }
    let Some(ext) = child(pm, "ExtendedData") else {
        return Ok(props);
    };
    let mut entries: Vec<(Option<&str>, String, bool)> = Vec::new();
    for d in children(ext, "Data") {
        let value = child(d, "value").map(text_of).unwrap_or_default();
        entries.push((
            d.attribute("name"),
            value,
            d.attribute(JSON_ATTR) == Some("true"),
        ));
    }
    for sd in children(ext, "SchemaData") {
        for d in children(sd, "SimpleData") {
            entries.push((d.attribute("name"), text_of(d), false));
        }
    }
    for (key, value, is_json) in entries {
        let Some(key) = key else {
            return Err(fmt_err(format!(
                "{what}: an ExtendedData entry has no name attribute"
            )));
        };
        if key == "name" {
            // <name> is the area's name; a Data entry of that name would silently rename it.
            return Err(fmt_err(format!(
                "{what}: use <name>, not an ExtendedData entry, for the area's name"
            )));
        }
        let t = value.trim();
        let v = if is_json {
            serde_json::from_str(&value).map_err(|e| {
                fmt_err(format!(
                    "{what}: ExtendedData '{}' is not valid JSON ({e})",
                    short(key)
                ))
            })?
        } else if NUMERIC.contains(&key) {
            if t.is_empty() {
                continue;
            }
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() => json!(x),
                // Left as text: the GeoJSON reader then says it must be a number.
                _ => Value::String(short(t)),
            }
        } else if key == "category" || key == "rtsp" {
            if t.is_empty() {
                continue;
            }
            Value::String(t.to_string())
        } else {
            Value::String(value)
        };
        props.insert(key.to_string(), v);
    }
    Ok(props)
}

/// Reads "lon,lat[,alt]" tuples separated by any whitespace (spaces after commas tolerated).
fn tuples(text: &str, what: &str) -> Result<Vec<Value>, String> {
    let mut norm = String::with_capacity(text.len());
    let mut after_comma = false;
    for c in text.chars() {
        if c == ',' {
            while norm.ends_with(char::is_whitespace) {
                norm.pop();
            }
            norm.push(c);
            after_comma = true;
        } else if c.is_whitespace() && after_comma {
            continue;
        } else {
            after_comma = false;
            norm.push(c);
        }
    }
    norm.split_whitespace()
        .map(|t| {
            let parts: Vec<&str> = t.split(',').collect();
            let nums: Option<Vec<f64>> = parts
                .iter()
                .map(|p| p.parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            match nums {
                Some(v) if v.len() == 2 || v.len() == 3 => Ok(json!([v[0], v[1]])),
                _ => Err(format!(
                    "{what}: coordinates '{}' must be longitude,latitude[,altitude]",
                    short(t)
                )),
            }
        })
        .collect()
}

fn coordinates_in(n: Node, what: &str) -> Result<Vec<Value>, String> {
    let c = child(n, "coordinates")
        .ok_or_else(|| format!("{what}: <{}> has no <coordinates>", n.tag_name().name()))?;
    tuples(&text_of(c), what)
}

fn ring(boundary: Node, what: &str) -> Result<Vec<Value>, String> {
    let lr = child(boundary, "LinearRing")
        .ok_or_else(|| format!("{what}: a polygon boundary has no <LinearRing>"))?;
    coordinates_in(lr, what)
}

/// A geometry found in a Placemark, as GeoJSON, or the name of one Kestrel does not use.
enum Geometry {
    Point(Value),
    Polygon(Value),
    Unsupported(String),
}

fn geometries(n: Node, what: &str, depth: usize, out: &mut Vec<Geometry>) -> Result<(), String> {
    for g in n.children().filter(|c| c.is_element()) {
        match g.tag_name().name() {
            "Point" => {
                let pts = coordinates_in(g, what)?;
                if pts.len() != 1 {
                    return Err(format!(
                        "{what}: a Point needs exactly one longitude,latitude, not {}",
                        pts.len()
                    ));
                }
                out.push(Geometry::Point(
                    json!({ "type": "Point", "coordinates": pts[0] }),
                ));
            }
            "Polygon" => {
                let outer = child(g, "outerBoundaryIs")
                    .ok_or_else(|| format!("{what}: a Polygon has no <outerBoundaryIs>"))?;
                let mut rings = vec![Value::Array(ring(outer, what)?)];
                for inner in children(g, "innerBoundaryIs") {
                    // Some writers put several LinearRings in one innerBoundaryIs.
                    for lr in children(inner, "LinearRing") {
                        rings.push(Value::Array(coordinates_in(lr, what)?));
                    }
                }
                out.push(Geometry::Polygon(
                    json!({ "type": "Polygon", "coordinates": rings }),
                ));
            }
            "MultiGeometry" => {
                if depth >= MAX_GEOMETRY_DEPTH {
                    return Err(format!(
                        "{what}: MultiGeometry nested deeper than {MAX_GEOMETRY_DEPTH} levels"
                    ));
                }
                geometries(g, what, depth + 1, out)?;
            }
            other @ ("LineString" | "LinearRing" | "Model" | "Track" | "MultiTrack") => {
                out.push(Geometry::Unsupported(other.to_string()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// One Placemark into key areas: one, or one per polygon (or point) of a MultiGeometry, named
/// "NAME (1)", "NAME (2)", ….
fn placemark(doc: &Document, pm: Node, index: usize) -> Result<Vec<KeyArea>, AreaError> {
    let label = format!("Placemark {index} (line {})", line_of(doc, pm));
    let props = properties(pm, &label)?;
    let name = props
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let what = if name.is_empty() {
        label.clone()
    } else {
        format!("{label} ('{}')", short(&name))
    };
    if name.is_empty() {
        return Err(fmt_err(format!("{what}: has no <name>")));
    }
    let category = match props.get("category") {
        None => {
            return Err(fmt_err(format!(
                "{what}: has no category; add <ExtendedData><Data name=\"category\"><value>…</value></Data></ExtendedData> with one of {}",
                Category::ALL.map(Category::as_str).join(", ")
            )))
        }
        Some(v) => v.as_str().and_then(|s| s.parse::<Category>().ok()),
    };
    let mut found = Vec::new();
    geometries(pm, &what, 0, &mut found).map_err(fmt_err)?;
    let vertices: usize = found
        .iter()
        .map(|g| match g {
            Geometry::Point(_) => 1,
            Geometry::Polygon(v) => v["coordinates"].as_array().map_or(0, |rings| {
                rings.iter().filter_map(Value::as_array).map(Vec::len).sum()
            }),
            Geometry::Unsupported(_) => 0,
        })
        .sum();
    if vertices > MAX_PLACEMARK_VERTICES {
        return Err(fmt_err(format!(
            "{what}: has {vertices} vertices, more than the {MAX_PLACEMARK_VERTICES} accepted; simplify it (QGIS: Vector > Geometry Tools > Simplify)"
        )));
    }
    let (points, polygons): (Vec<_>, Vec<_>) = found
        .iter()
        .filter(|g| !matches!(g, Geometry::Unsupported(_)))
        .partition(|g| matches!(g, Geometry::Point(_)));
    let wanted = match category.map(Category::is_point) {
        Some(true) => &points,
        Some(false) => &polygons,
        None if !polygons.is_empty() => &polygons,
        None => &points,
    };
    // Nothing of the right kind: hand the reader what there is so it says what is wrong.
    let chosen: Vec<&Geometry> = if wanted.is_empty() {
        if let Some(Geometry::Unsupported(kind)) = found
            .iter()
            .find(|g| matches!(g, Geometry::Unsupported(_)))
            .filter(|_| points.is_empty() && polygons.is_empty())
        {
            return Err(fmt_err(format!(
                "{what}: geometry {kind} is not supported; use a Polygon (areas) or a Point (cameras)"
            )));
        }
        points
            .iter()
            .chain(polygons.iter())
            .take(1)
            .copied()
            .collect()
    } else {
        wanted.to_vec()
    };
    let many = chosen.len() > 1;
    let mut areas = Vec::new();
    if chosen.is_empty() {
        let f = json!({ "type": "Feature", "properties": props, "geometry": null });
        areas.push(geojson::labelled_feature_to_area(&f, &label)?);
    }
    for (k, g) in chosen.into_iter().enumerate() {
        let geometry = match g {
            Geometry::Point(v) | Geometry::Polygon(v) => v.clone(),
            Geometry::Unsupported(_) => Value::Null,
        };
        let mut p = props.clone();
        if many {
            p.insert("name".into(), json!(format!("{name} ({})", k + 1)));
        }
        let f = json!({ "type": "Feature", "properties": p, "geometry": geometry });
        areas.push(geojson::labelled_feature_to_area(&f, &label)?);
    }
    Ok(areas)
}

/// Whether a character may appear in XML 1.0 text at all (even as a reference).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for an element or attribute so a reader gives back exactly the same string
/// (line ends and tabs as character references, which XML does not normalise).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\r' => o.push_str("&#13;"),
            '\n' => o.push_str("&#10;"),
            '\t' => o.push_str("&#9;"),
            c if xml_char(c) => o.push(c),
            _ => o.push('\u{FFFD}'),
        }
    }
    o
}

fn coords(r: &[GeoPoint], close: bool) -> String {
    let mut v: Vec<String> = r.iter().map(|p| format!("{},{}", p.lon, p.lat)).collect();
    if close {
        if let Some(f) = r.first() {
            v.push(format!("{},{}", f.lon, f.lat));
        }
    }
    v.join(" ")
}

fn data(out: &mut String, key: &str, value: &Value) {
    match value {
        Value::String(s) if s.chars().all(xml_char) => out.push_str(&format!(
            "<Data name=\"{}\"><value>{}</value></Data>",
            esc(key),
            esc(s)
        )),
        // Numbers, lists, objects, and strings XML cannot carry: JSON text, marked.
        v => out.push_str(&format!(
            "<Data name=\"{}\" {JSON_ATTR}=\"true\"><value>{}</value></Data>",
            esc(key),
            esc(&v.to_string())
        )),
    }
}

/// Key areas as a KML document (one Placemark each, styled by category) that [`parse`] reads
/// back to the same areas; Google Earth shows it as is.
pub fn write(areas: &[KeyArea]) -> String {
    let mut k = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n<name>Kestrel key areas</name>\n",
    );
    for c in Category::ALL {
        // aabbggrr
        let colour = match c {
            Category::CrowdedPlace => "ff00a5ff",
            Category::KeyZone => "ffff8000",
            Category::EventVenue => "ffff00ff",
            Category::Camera => "ff00ff00",
            Category::NoFly => "ff0000ff",
        };
        k.push_str(&format!(
            "<Style id=\"{c}\"><LineStyle><color>{colour}</color><width>2</width></LineStyle><PolyStyle><color>40{}</color></PolyStyle><IconStyle><color>{colour}</color></IconStyle></Style>\n",
            &colour[2..]
        ));
    }
    for a in areas {
        k.push_str(&format!("<Placemark>\n<name>{}</name>\n", esc(&a.name)));
        if let Some(Value::String(d)) = a.extra.get("description") {
            if d.chars().all(xml_char) {
                k.push_str(&format!("<description>{}</description>\n", esc(d)));
            }
        }
        k.push_str(&format!(
            "<styleUrl>#{}</styleUrl>\n<ExtendedData>",
            a.category
        ));
        data(&mut k, "category", &json!(a.category.as_str()));
        // Numbers as Rust writes them (shortest text that reads back to the same f64).
        let mut number = |key: &str, v: f64| {
            k.push_str(&format!("<Data name=\"{key}\"><value>{v}</value></Data>"))
        };
        number("priority", f64::from(a.priority));
        if let Some(v) = a.revisit_min {
            number("revisit_min", v);
        }
        if let Some(v) = a.alt_m {
            number("alt_m", v);
        }
        if let Some(v) = &a.rtsp {
            data(&mut k, "rtsp", &json!(v));
        }
        for (key, v) in &a.extra {
            let described =
                key == "description" && v.as_str().is_some_and(|d| d.chars().all(xml_char));
            if !described && !KNOWN.contains(&key.as_str()) {
                data(&mut k, key, v);
            }
        }
        k.push_str("</ExtendedData>\n");
        match &a.shape {
            Shape::Point { at } => k.push_str(&format!(
                "<Point><coordinates>{}</coordinates></Point>\n",
                coords(std::slice::from_ref(at), false)
            )),
            Shape::Polygon { outer, holes } => {
                k.push_str(&format!(
                    "<Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs>",
                    coords(outer, true)
                ));
                for h in holes {
                    k.push_str(&format!(
                        "<innerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></innerBoundaryIs>",
                        coords(h, true)
                    ));
                }
                k.push_str("</Polygon>\n");
            }
        }
        k.push_str("</Placemark>\n");
    }
    k.push_str("</Document>\n</kml>\n");
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOGLE_EARTH: &str = include_str!("../../../../../tests/data/areas_google_earth.kml");

    fn one(body: &str) -> Result<Vec<KeyArea>, AreaError> {
        parse(&format!(
            "<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>{body}</Document></kml>"
        ))
    }

    fn placemark(name: &str, category: &str, geometry: &str) -> String {
        format!(
            "<Placemark><name>{name}</name><ExtendedData><Data name=\"category\"><value>{category}</value></Data></ExtendedData>{geometry}</Placemark>"
        )
    }

    const SQUARE: &str = "<Polygon><outerBoundaryIs><LinearRing><coordinates>116,36 116.01,36 116.01,36.01 116,36.01 116,36</coordinates></LinearRing></outerBoundaryIs></Polygon>";

    #[test]
    fn google_earth_file_gives_every_area_with_its_properties() {
        let areas = parse(GOOGLE_EARTH).unwrap();
        let names: Vec<_> = areas.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            ["Station square", "People's Park", "Gate camera 3", "Prison"]
        );
        let sq = &areas[0];
        assert_eq!(sq.category, Category::CrowdedPlace);
        assert_eq!(
            (sq.priority, sq.revisit_min, sq.alt_m),
            (1, Some(45.0), Some(50.0))
        );
        assert_eq!(sq.extra["district"], "Central");
        assert_eq!(
            sq.extra["description"],
            "<b>Railway station</b> forecourt & bus stops"
        );
        let Shape::Polygon { outer, holes } = &sq.shape else {
            panic!("square is a polygon")
        };
        assert_eq!((outer.len(), holes.len(), holes[0].len()), (4, 1, 4));
        assert_eq!(
            outer[0],
            GeoPoint {
                lat: 36.4577997,
                lon: 115.9883506
            }
        );
        let park = &areas[1];
        assert_eq!((park.category, park.priority), (Category::EventVenue, 2));
        assert!(matches!(&park.shape, Shape::Polygon { outer, .. } if outer.len() == 4));
        let cam = &areas[2];
        assert_eq!(cam.category, Category::Camera);
        assert_eq!(
            cam.rtsp.as_deref(),
            Some("rtsp://10.20.0.3:554/Streaming/Channels/101")
        );
        assert_eq!(
            cam.shape,
            Shape::Point {
                at: GeoPoint {
                    lat: 36.4571,
                    lon: 115.9912
                }
            }
        );
        assert_eq!(cam.extra["owner"], "城管 City management");
        assert_eq!(areas[3].category, Category::NoFly);
    }

    #[test]
    fn write_then_read_gives_the_same_areas() {
        let areas = parse(GOOGLE_EARTH).unwrap();
        assert_eq!(parse(&write(&areas)).unwrap(), areas);
        let mut odd = areas[0].clone();
        odd.name = "A & <B> \"quoted\"\ttab".into();
        odd.extra
            .insert("owner".into(), json!({ "unit": 7, "tags": ["a", null] }));
        odd.extra.insert("count".into(), json!(3));
        odd.extra.insert("note".into(), json!("line 1\r\nline 2  "));
        odd.extra.insert("ctl".into(), json!("bell \u{7}"));
        odd.extra.insert("description".into(), json!(" spaced "));
        assert_eq!(parse(&write(&[odd.clone()])).unwrap(), vec![odd]);
    }

    /// Regression (fuzzing): numbers written as JSON and read back by serde_json could come back
    /// one bit off (50.334271924563836 → …84); they are now written and read by Rust's own f64
    /// text conversion, which is exact.
    #[test]
    fn numbers_come_back_to_the_last_bit() {
        let mut a = KeyArea::point("Cam", Category::Camera, GeoPoint { lat: 0.0, lon: 0.0 });
        a.alt_m = Some(50.334271924563836);
        a.revisit_min = Some(108.27307802786827);
        assert_eq!(parse(&write(&[a.clone()])).unwrap(), vec![a]);
    }

    #[test]
    fn geojson_areas_survive_a_trip_through_kml() {
        let text = include_str!("../../../../../tests/data/areas.geojson");
        let areas = geojson::parse(text).unwrap();
        assert_eq!(parse(&write(&areas)).unwrap(), areas);
    }

    #[test]
    fn multigeometry_of_polygons_becomes_numbered_areas() {
        let two = format!(
            "<MultiGeometry>{SQUARE}<MultiGeometry>{}</MultiGeometry></MultiGeometry>",
            SQUARE.replace("116,", "117,").replace("116.01,", "117.01,")
        );
        let areas = one(&placemark("Blocks", "key_zone", &two)).unwrap();
        let names: Vec<_> = areas.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Blocks (1)", "Blocks (2)"]);
    }

    #[test]
    fn bad_placemarks_get_a_one_line_error_saying_where_and_what() {
        let cases = [
            (
                "<Placemark><name>Mall</name>".to_string() + SQUARE + "</Placemark>",
                "Placemark 1 (line 1) ('Mall'): has no category",
            ),
            (placemark("Mall", "parking", SQUARE), "unknown category 'parking'"),
            (placemark("Mall", "key_zone", "<Polygon><outerBoundaryIs><LinearRing><coordinates>116,36 x,y 116,37</coordinates></LinearRing></outerBoundaryIs></Polygon>"), "coordinates 'x,y' must be longitude,latitude"),
            (placemark("Road", "key_zone", "<LineString><coordinates>116,36 116,37</coordinates></LineString>"), "geometry LineString is not supported"),
            (placemark("Cam", "camera", SQUARE), "a camera must be a Point, not a Polygon"),
            (placemark("Mall", "key_zone", ""), "has no geometry"),
            (placemark("", "key_zone", SQUARE), "Placemark 1 (line 1): has no <name>"),
            (placemark("Far", "key_zone", &SQUARE.replace("36.01", "96.01")), "out of range"),
            (placemark("Pt", "camera", "<Point><coordinates>116,36 117,37</coordinates></Point>"), "exactly one"),
            (placemark("Mall", "key_zone", SQUARE).replace("<value>key_zone</value>", "<value>key_zone</value></Data><Data name=\"priority\"><value>high</value>"), "\"priority\" must be a number"),
            (placemark("Mall", "key_zone", SQUARE) + &placemark("Mall", "no_fly", SQUARE), "two key areas are named 'Mall'"),
        ];
        for (body, want) in cases {
            let e = one(&body).unwrap_err().to_string();
            assert!(e.contains(want), "{body}\n→ {e}\nwanted: {want}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    #[test]
    fn a_placemark_with_too_many_vertices_is_refused_before_the_slow_checks() {
        let ring: Vec<String> = (0..=MAX_PLACEMARK_VERTICES)
            .map(|i| {
                let a = i as f64 / MAX_PLACEMARK_VERTICES as f64 * std::f64::consts::TAU;
                format!("{},{}", 116.0 + 0.01 * a.cos(), 36.0 + 0.01 * a.sin())
            })
            .collect();
        let body = placemark(
            "Huge",
            "key_zone",
            &format!(
                "<Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon>",
                ring.join(" ")
            ),
        );
        let e = one(&body).unwrap_err().to_string();
        assert!(
            e.contains("10001 vertices") && e.contains("Simplify"),
            "{e}"
        );
    }

    #[test]
    fn broken_or_foreign_xml_is_refused_with_the_reason() {
        for (text, want) in [
            ("<kml><Document><Placemark>", "not valid KML/XML"),
            ("{\"type\":\"FeatureCollection\"}", "not valid KML/XML"),
            ("<gpx><trk/></gpx>", "the top element is <gpx>"),
            (
                "<!DOCTYPE kml [<!ENTITY a \"aaaa\">]><kml>&a;</kml>",
                "not valid KML/XML",
            ),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text} → {e}");
        }
        let e = parse("<kml>\n<Document>\n<Placemark>\n</Document></kml>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("4:"), "the line of the mismatch is named: {e}");
    }

    #[test]
    fn kmz_archive_is_read_and_damage_is_reported() {
        let kmz = include_bytes!("../../../../../tests/data/areas_google_earth.kmz");
        assert!(looks_like_kml(kmz));
        assert_eq!(parse_bytes(kmz).unwrap(), parse(GOOGLE_EARTH).unwrap());
        let mut bad = kmz.to_vec();
        bad[60] ^= 0x55;
        let e = parse_bytes(&bad).unwrap_err().to_string();
        assert!(e.starts_with("KMZ: "), "{e}");
        let e = parse_bytes(&kmz[..kmz.len() / 2]).unwrap_err().to_string();
        assert!(e.contains("not a readable zip archive"), "{e}");
    }
}
