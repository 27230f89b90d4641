//! Hostile input never crashes the GeoJSON and KML/KMZ key-area readers or the dispatch message decoders, and
//! whatever they accept is in range: property-based fuzzing (bounded, so it runs in CI in a few
//! seconds) with random bytes, mutated valid documents and structure-aware random JSON, plus a
//! regression test for every finding. Raise the case count with PROPTEST_CASES for longer runs.

use kestrel::dispatch::envelope::{AckMessage, FleetMessage, SightingMessage};
use kestrel::plan::areas::{geojson, kml, KeyArea};
use kestrel::sightings::{Category, NewSighting, Position};
use proptest::prelude::*;
use serde_json::{json, Value};

const SAMPLE_GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"Market","category":"crowded_place","priority":1,"revisit_min":30,"alt_m":60},
  "geometry":{"type":"Polygon","coordinates":[[[116.0,36.0],[116.01,36.0],[116.01,36.01],[116.0,36.01],[116.0,36.0]],
   [[116.004,36.004],[116.004,36.006],[116.006,36.006],[116.006,36.004],[116.004,36.004]]]}},
 {"type":"Feature","properties":{"name":"Gate cam","category":"camera","rtsp":"rtsp://10.0.0.5/live"},
  "geometry":{"type":"Point","coordinates":[116.02,36.02]}}]}"#;

const SAMPLE_KML: &str = include_str!("data/areas_google_earth.kml");
const SAMPLE_KMZ: &[u8] = include_bytes!("data/areas_google_earth.kmz");

/// Random KML built from KML's own vocabulary, nested, with hostile text and coordinates: reaches
/// the reader's Placemark, geometry and ExtendedData paths far more often than random bytes do.
fn any_kml_node() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        "\\PC{0,12}".prop_map(|s| s.replace('&', "&amp;").replace('<', "&lt;")),
        prop::sample::select(vec![
            "116,36 116.01,36 116.01,36.01 116,36",
            "116,36,0",
            "116.0, 36.0, 5",
            "1e308,36",
            "NaN,inf",
            "116,,36",
            ",,,",
            "camera",
            "no_fly",
            "key_zone",
            "0",
            "6",
            "-1e9",
            "rtsp://x/y",
            "{\"a\":1}",
        ])
        .prop_map(String::from),
    ];
    let leaf = text.clone();
    leaf.prop_recursive(6, 64, 5, move |inner| {
        (
            prop::sample::select(vec![
                "Document",
                "Folder",
                "Placemark",
                "name",
                "description",
                "ExtendedData",
                "Data",
                "value",
                "SchemaData",
                "SimpleData",
                "Point",
                "Polygon",
                "MultiGeometry",
                "LineString",
                "outerBoundaryIs",
                "innerBoundaryIs",
                "LinearRing",
                "coordinates",
            ]),
            prop::sample::select(vec![
                "",
                " name=\"category\"",
                " name=\"priority\"",
                " name=\"rtsp\"",
                " name=\"alt_m\"",
                " name=\"revisit_min\"",
                " name=\"x\"",
                " name=\"name\"",
                " name=\"x\" json=\"true\"",
                " name=\"\"",
            ]),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(tag, attr, kids)| format!("<{tag}{attr}>{}</{tag}>", kids.concat()))
    })
}

/// XML-escaped text.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

/// A Placemark with the right skeleton and hostile values in it (names, numbers, coordinates,
/// geometry kinds), so the fuzzing reaches the accept path and the round trip.
fn hostile_placemark() -> impl Strategy<Value = String> {
    let num = || {
        prop_oneof![
            3 => (-200.0f64..200.0).prop_map(|x| x.to_string()),
            1 => prop::sample::select(vec!["1e308", "-0", "NaN", "inf", "", "x", "90", "180.0000001"])
                .prop_map(String::from),
        ]
    };
    let tuple = move || {
        prop_oneof![
            4 => ((-180.0f64..180.0), (-90.0f64..90.0)).prop_map(|(lon, lat)| format!("{lon},{lat},0")),
            1 => prop::collection::vec(num(), 0..4).prop_map(|v| v.join(",")),
        ]
    };
    let ring = move || {
        prop::collection::vec(tuple(), 0..7).prop_map(|t| {
            format!(
                "<LinearRing><coordinates>{}</coordinates></LinearRing>",
                t.join(" \n")
            )
        })
    };
    let polygon = (ring(), prop::collection::vec(ring(), 0..2)).prop_map(|(o, holes)| {
        let inner: String = holes
            .iter()
            .map(|h| format!("<innerBoundaryIs>{h}</innerBoundaryIs>"))
            .collect();
        format!("<Polygon><outerBoundaryIs>{o}</outerBoundaryIs>{inner}</Polygon>")
    });
    let point = tuple().prop_map(|t| format!("<Point><coordinates>{t}</coordinates></Point>"));
    let geometry = prop_oneof![
        6 => point.clone(),
        3 => polygon.clone(),
        1 => (point, polygon).prop_map(|(a, b)| format!("<MultiGeometry>{a}{b}</MultiGeometry>")),
        1 => any_kml_node(),
    ];
    let category = prop::sample::select(vec![
        "camera",
        "camera",
        "camera",
        "no_fly",
        "crowded_place",
        " key_zone ",
        "?",
    ]);
    let data = (
        prop::sample::select(vec![
            "priority",
            "alt_m",
            "revisit_min",
            "rtsp",
            "x",
            "description",
        ]),
        prop_oneof![
            6 => (1u8..=5).prop_map(|p| p.to_string()),
            1 => num(),
            1 => "\\PC{0,8}".prop_map(String::from),
        ],
        any::<bool>(),
    )
        .prop_map(|(k, v, url)| {
            let v = if k == "rtsp" && url {
                "rtsp://10.0.0.1/a".to_string()
            } else {
                v
            };
            format!("<Data name=\"{k}\"><value>{}</value></Data>", xml_text(&v))
        });
    (
        "\\PC{1,8}",
        category,
        prop::collection::vec(data, 0..4),
        geometry,
        any::<bool>(),
    )
        .prop_map(|(name, cat, data, geometry, folder)| {
            let pm = format!(
                "<Placemark><name>{}</name><ExtendedData><Data name=\"category\"><value>{cat}</value></Data>{}</ExtendedData>{geometry}</Placemark>",
                xml_text(&name),
                data.concat()
            );
            if folder { format!("<Folder><name>f</name>{pm}</Folder>") } else { pm }
        })
}

/// Everything an accepted key area must satisfy, whatever the input was.
fn assert_sane_areas(areas: &[KeyArea]) {
    for a in areas {
        assert!(a.validate().is_ok(), "accepted an invalid area: {a:?}");
        for p in a.shape.points() {
            assert!(p.lat.is_finite() && p.lat.abs() <= 90.0, "{p:?}");
            assert!(p.lon.is_finite() && p.lon.abs() <= 180.0, "{p:?}");
        }
        if let Some(alt) = a.alt_m {
            assert!(alt.is_finite() && alt > 0.0 && alt <= 10_000.0, "alt {alt}");
        }
    }
}

/// Everything an accepted fleet report must satisfy.
fn assert_sane_fleet(m: &FleetMessage) {
    for a in &m.aircraft {
        assert_ne!(a.sysid, 0, "broadcast id accepted as an aircraft");
        if let (Some(lat), Some(lon)) = (a.lat, a.lon) {
            assert!(lat.abs() <= 90.0 && lon.abs() <= 180.0);
        }
        for v in [a.alt_amsl_m, a.alt_rel_m, a.heading_deg, a.ground_speed_ms] {
            assert!(v.is_finite(), "non-finite value accepted: {a:?}");
        }
        if let Some(b) = a.battery_pct {
            assert!((0.0..=100.0).contains(&b), "battery {b}");
        }
    }
}

/// Numbers that probe the edges: out-of-range coordinates, huge magnitudes, zero.
fn edgy_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-200.0f64..200.0).prop_map(|f| json!(f)),
        prop::sample::select(vec![
            0.0, -0.0, 90.0, -90.0, 180.0, -180.0, 500.0, -500.0, 1e39, -1e39, 1e300, 5e-324,
            65535.0, 256.0, -1.0,
        ])
        .prop_map(|f| json!(f)),
        prop::sample::select(vec![0i64, -1, 256, 65535, i64::MAX, i64::MIN]).prop_map(|i| json!(i)),
        any::<i64>().prop_map(|i| json!(i)),
    ]
}

/// Mostly a plausible value from `valid`, sometimes an edgy one: so that one hostile field at a
/// time reaches the checks instead of the whole message failing on its first field.
fn mostly(valid: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![4 => valid, 1 => edgy_number()]
}

fn float_in(r: std::ops::Range<f64>) -> impl Strategy<Value = Value> {
    r.prop_map(|f| json!(f))
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        edgy_number(),
        "\\PC{0,10}".prop_map(Value::String),
        prop::sample::select(vec![
            "Feature",
            "FeatureCollection",
            "Polygon",
            "Point",
            "MultiPolygon",
            "camera",
            "no_fly",
            "crowded_place",
            "rtsp://x",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "features",
                    "properties",
                    "geometry",
                    "coordinates",
                    "name",
                    "category",
                    "priority",
                    "alt_m",
                    "revisit_min",
                    "rtsp",
                    "x",
                ])
                .prop_map(String::from),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A feature with the right skeleton and hostile values in it.
fn hostile_feature() -> impl Strategy<Value = Value> {
    let pos = || {
        prop_oneof![
            4 => (mostly(float_in(-180.0..180.0)), mostly(float_in(-90.0..90.0)))
                .prop_map(|(lon, lat)| json!([lon, lat])),
            1 => prop::collection::vec(edgy_number(), 0..4).prop_map(Value::Array),
        ]
    };
    let ring = prop::collection::vec(pos(), 0..7).prop_map(Value::Array);
    let geometry = prop_oneof![
        4 => pos().prop_map(|c| json!({"type": "Point", "coordinates": c})),
        1 => prop::collection::vec(ring, 0..3)
            .prop_map(|c| json!({"type": "Polygon", "coordinates": c})),
        1 => any_json(),
    ];
    let category = prop::sample::select(vec![
        "camera",
        "camera",
        "camera",
        "no_fly",
        "crowded_place",
        "?",
    ]);
    (
        "\\PC{1,8}",
        category,
        mostly((1u8..=5).prop_map(|p| json!(p))),
        mostly(float_in(1.0..400.0)),
        mostly(float_in(1.0..600.0)),
        geometry,
    )
        .prop_map(|(name, cat, prio, alt, revisit, geometry)| {
            json!({"type": "Feature",
                   "properties": {"name": name, "category": cat, "priority": prio,
                                  "alt_m": alt, "revisit_min": revisit},
                   "geometry": geometry})
        })
}

fn sample_sighting_message() -> Vec<u8> {
    let s = NewSighting::new(Category::Crowd, Position::new(48.1, 11.5))
        .note("demo at the square")
        .into_sighting()
        .0;
    SightingMessage::new("c1", 4, s, None).encode()
}

fn sample_fleet_message() -> Value {
    json!({"v": 1, "kind": "fleet", "console": "c1", "sent_at": "2026-11-29T07:00:00Z",
           "aircraft": [{"sysid": 1, "lat": 36.0, "lon": 116.0, "alt_amsl_m": 90.0,
                         "alt_rel_m": 30.0, "heading_deg": 10.0, "ground_speed_ms": 4.0,
                         "mode": "AUTO", "armed": true, "battery_pct": 80.0, "link": "connected"}]})
}

fn decode_all(payload: &[u8]) {
    if let Ok((m, _)) = SightingMessage::decode("c1", payload) {
        assert!(m.sighting.validate().is_ok());
        assert_ne!(m.sighting.aircraft.sysid, Some(0));
    }
    if let Ok(m) = AckMessage::decode("c1", payload) {
        assert!(!m.acks.is_empty());
    }
    if let Ok(m) = FleetMessage::decode("c1", payload) {
        assert_sane_fleet(&m);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn geojson_reader_never_panics_on_garbage(text in "\\PC{0,300}") {
        if let Ok(areas) = geojson::parse(&text) {
            assert_sane_areas(&areas);
        }
    }

    #[test]
    fn geojson_reader_never_panics_on_random_json(v in any_json()) {
        if let Ok(areas) = geojson::parse(&v.to_string()) {
            assert_sane_areas(&areas);
        }
    }

    #[test]
    fn geojson_reader_accepts_only_sane_hostile_features(fs in prop::collection::vec(hostile_feature(), 1..3)) {
        let doc = json!({"type": "FeatureCollection", "features": fs}).to_string();
        if let Ok(areas) = geojson::parse(&doc) {
            assert_sane_areas(&areas);
            // What was accepted survives a write/read round trip.
            let again = geojson::parse(&geojson::write(&areas)).expect("round trip");
            prop_assert_eq!(again.len(), areas.len());
        }
    }

    #[test]
    fn geojson_reader_never_panics_on_mutated_files(edits in prop::collection::vec((any::<usize>(), any::<char>()), 1..12)) {
        let mut text: Vec<char> = SAMPLE_GEOJSON.chars().collect();
        for (at, c) in edits {
            let i = at % text.len();
            text[i] = c;
        }
        let text: String = text.into_iter().collect();
        if let Ok(areas) = geojson::parse(&text) {
            assert_sane_areas(&areas);
        }
    }

    #[test]
    fn kml_reader_never_panics_on_garbage(text in "\\PC{0,300}") {
        if let Ok(areas) = kml::parse(&text) {
            assert_sane_areas(&areas);
        }
    }

    #[test]
    fn kml_reader_accepts_only_sane_random_kml(nodes in prop::collection::vec(any_kml_node(), 1..4)) {
        let doc = format!("<kml xmlns=\"http://www.opengis.net/kml/2.2\">{}</kml>", nodes.concat());
        if let Ok(areas) = kml::parse(&doc) {
            assert_sane_areas(&areas);
            // What was accepted is written back and read to the same areas.
            prop_assert_eq!(kml::parse(&kml::write(&areas)).expect("round trip"), areas);
        }
    }

    #[test]
    fn kml_reader_accepts_only_sane_hostile_placemarks(pms in prop::collection::vec(hostile_placemark(), 1..3)) {
        let doc = format!("<kml><Document>{}</Document></kml>", pms.concat());
        if let Ok(areas) = kml::parse(&doc) {
            assert_sane_areas(&areas);
            prop_assert_eq!(kml::parse(&kml::write(&areas)).expect("round trip"), areas);
        }
    }

    #[test]
    fn kml_reader_never_panics_on_mutated_files(edits in prop::collection::vec((any::<usize>(), any::<char>()), 1..12)) {
        let mut text: Vec<char> = SAMPLE_KML.chars().collect();
        for (at, c) in edits {
            let i = at % text.len();
            text[i] = c;
        }
        let text: String = text.into_iter().collect();
        if let Ok(areas) = kml::parse(&text) {
            assert_sane_areas(&areas);
        }
    }

    #[test]
    fn kmz_reader_never_panics_on_mutated_archives(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = SAMPLE_KMZ.to_vec();
        for (at, b) in edits {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        if let Ok(areas) = kml::parse_bytes(&bytes) {
            assert_sane_areas(&areas);
        }
        let _ = kml::parse_bytes(&bytes[..bytes.len() / 2]);
    }

    #[test]
    fn geojson_areas_survive_a_trip_through_kml(fs in prop::collection::vec(hostile_feature(), 1..3)) {
        let doc = json!({"type": "FeatureCollection", "features": fs}).to_string();
        if let Ok(areas) = geojson::parse(&doc) {
            prop_assert_eq!(kml::parse(&kml::write(&areas)).expect("KML round trip"), areas);
        }
    }

    #[test]
    fn dispatch_decoders_never_panic_on_garbage(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        decode_all(&bytes);
        let mut obj = b"{".to_vec();
        obj.extend_from_slice(&bytes);
        decode_all(&obj);
    }

    #[test]
    fn dispatch_decoders_never_panic_on_mutated_messages(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 1..10)) {
        for mut msg in [sample_sighting_message(), sample_fleet_message().to_string().into_bytes()] {
            for (at, b) in &edits {
                let i = at % msg.len();
                msg[i] = *b;
            }
            decode_all(&msg);
        }
    }

    #[test]
    fn fleet_reports_with_hostile_values_are_refused_or_sane(
        sysid in mostly((0u8..=255).prop_map(|s| json!(s))),
        lat in mostly(float_in(-90.0..90.0)), lon in mostly(float_in(-180.0..180.0)),
        alt in mostly(float_in(-50.0..500.0)), speed in mostly(float_in(0.0..30.0)),
        battery in mostly(float_in(0.0..100.0)), extra in any_json(),
    ) {
        let mut m = sample_fleet_message();
        let a = &mut m["aircraft"][0];
        a["sysid"] = sysid;
        a["lat"] = lat;
        a["lon"] = lon;
        a["alt_rel_m"] = alt;
        a["ground_speed_ms"] = speed;
        a["battery_pct"] = battery;
        a["x"] = extra;
        decode_all(m.to_string().as_bytes());
    }

    #[test]
    fn sightings_with_hostile_positions_are_refused_or_sane(
        lat in mostly(float_in(-90.0..90.0)), lon in mostly(float_in(-180.0..180.0)),
        alt in mostly(float_in(-50.0..500.0)), sysid in mostly((0u8..=255).prop_map(|s| json!(s))),
    ) {
        let mut m: Value = serde_json::from_slice(&sample_sighting_message()).unwrap();
        m["sighting"]["position"]["lat"] = lat;
        m["sighting"]["position"]["lon"] = lon;
        m["sighting"]["position"]["alt_m"] = alt;
        m["sighting"]["aircraft"]["sysid"] = sysid;
        decode_all(m.to_string().as_bytes());
    }
}

fn feature(props: Value, coords: Value) -> String {
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": {"type": "Point", "coordinates": coords}}]})
    .to_string()
}

#[test]
fn geojson_out_of_range_values_are_refused_with_a_reason() {
    let cam = json!({"name": "Cam", "category": "camera"});
    let e = geojson::parse(&feature(cam.clone(), json!([116.0, 500.0]))).unwrap_err();
    assert!(e.to_string().contains("latitude"), "{e}");
    let e = geojson::parse(&feature(cam.clone(), json!([1e308, 36.0]))).unwrap_err();
    assert!(e.to_string().contains("longitude"), "{e}");
    // Found by the fuzzer: an absurd patrol altitude was accepted.
    let high = json!({"name": "Cam", "category": "camera", "alt_m": 1e300});
    let e = geojson::parse(&feature(high, json!([116.0, 36.0]))).unwrap_err();
    assert!(e.to_string().contains("altitude"), "{e}");
}

#[test]
fn fleet_report_out_of_range_values_are_refused_with_a_reason() {
    let refused = |key: &str, v: Value| {
        let mut m = sample_fleet_message();
        m["aircraft"][0][key] = v;
        FleetMessage::decode("c1", m.to_string().as_bytes())
            .unwrap_err()
            .to_string()
    };
    assert!(refused("lat", json!(500.0)).contains("latitude"));
    // Found by the fuzzer: sysid 0 (broadcast) and altitudes overflowing f32 were accepted.
    assert!(refused("sysid", json!(0)).contains("broadcast"));
    assert!(refused("alt_rel_m", json!(1e39)).contains("altitude"));
    assert!(refused("battery_pct", json!(500.0)).contains("battery"));
    assert!(FleetMessage::decode("c1", sample_fleet_message().to_string().as_bytes()).is_ok());
}

#[test]
fn sighting_out_of_range_values_are_refused_with_a_reason() {
    let refused = |path: [&str; 2], v: Value| {
        let mut m: Value = serde_json::from_slice(&sample_sighting_message()).unwrap();
        m["sighting"][path[0]][path[1]] = v;
        SightingMessage::decode("c1", m.to_string().as_bytes())
            .unwrap_err()
            .to_string()
    };
    assert!(refused(["position", "lat"], json!(500.0)).contains("latitude"));
    assert!(refused(["position", "alt_m"], json!(1e300)).contains("altitude"));
    // Found by the fuzzer: a sighting claiming to come from aircraft 0 was accepted.
    assert!(refused(["aircraft", "sysid"], json!(0)).contains("broadcast"));
    // JSON has no NaN: such a value is not even JSON, and is refused as malformed.
    let text = String::from_utf8(sample_sighting_message())
        .unwrap()
        .replace("48.1", "NaN");
    assert!(SightingMessage::decode("c1", text.as_bytes()).is_err());
}

#[test]
fn kml_deep_nesting_huge_files_and_entity_bombs_are_refused_without_a_crash() {
    let deep = format!(
        "<kml>{}{}</kml>",
        "<Folder>".repeat(200_000),
        "</Folder>".repeat(200_000)
    );
    let _ = kml::parse(&deep);
    let multi = format!(
        "<kml><Placemark><name>M</name><ExtendedData><Data name=\"category\"><value>key_zone</value></Data></ExtendedData>{}{}</Placemark></kml>",
        "<MultiGeometry>".repeat(100),
        "</MultiGeometry>".repeat(100)
    );
    let e = kml::parse(&multi).unwrap_err().to_string();
    assert!(e.contains("nested deeper"), "{e}");
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE kml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><kml><Document><name>&c;</name></Document></kml>";
    assert!(kml::parse(bomb).is_err());
    let huge = " ".repeat(kml::MAX_KML_BYTES + 1);
    let e = kml::parse(&huge).unwrap_err().to_string();
    assert!(e.contains("larger than"), "{e}");
}

/// Regression (found by the test above): the XML parser recursed once per nesting level and a
/// file of 200 000 nested Folders overflowed the stack; nesting is now refused before parsing.
#[test]
fn kml_nesting_too_deep_is_a_clear_error() {
    let deep = format!("<kml>{}</kml>", "<Folder><!-- > -->".repeat(300));
    let e = kml::parse(&deep).unwrap_err().to_string();
    assert!(e.contains("nest deeper than"), "{e}");
    // Tags hidden in comments, CDATA and attribute values do not count.
    let fine = format!(
        "<kml><Document a=\"x/>y\" b='Folder>'>{}<![CDATA[{}]]></Document></kml>",
        "<!--<Folder>-->".repeat(300),
        "<Folder>".repeat(300)
    );
    if let Err(e) = kml::parse(&fine) {
        panic!("{e}");
    }
}
