//! The planning and crew command lines end to end, as a shift lead would use them: real
//! SQLite files in a temporary data directory, real files in and out, and the one-line errors
//! for bad input.

use std::path::Path;
use std::process::{Command, Output};

const AREAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/areas.geojson");
const HOME: &str = "36.456,115.985";

fn kestrel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("kestrel runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = kestrel(dir, args);
    assert!(
        out.status.success(),
        "kestrel {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must fail; returns its error message (stderr).
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = kestrel(dir, args);
    assert!(!out.status.success(), "kestrel {args:?} should have failed");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[test]
fn areas_route_and_files_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(ok(d, &["plan", "areas", "import", AREAS]).contains("imported 5 key areas"));
    let list: serde_json::Value =
        serde_json::from_str(&ok(d, &["--json", "plan", "areas", "list"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 5);

    let plan = d.join("patrol.plan");
    let kml = d.join("patrol.kml");
    let gj = d.join("patrol.geojson");
    let out = ok(
        d,
        &[
            "--json",
            "plan",
            "route",
            "--pattern",
            "perimeter",
            "--alt",
            "50",
            "--home",
            HOME,
            "--area",
            "Station square",
            "--area",
            "Stadium",
            "--out",
            plan.to_str().unwrap(),
            "--kml",
            kml.to_str().unwrap(),
            "--geojson",
            gj.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["route"]["areas"].as_array().unwrap().len(), 2);
    assert!(v["totals"]["battery_pct"].as_f64().unwrap() > 0.0);
    // The .plan is a QGroundControl plan with the helipad as an exclusion fence.
    let text = std::fs::read_to_string(&plan).unwrap();
    let p: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(p["fileType"], "Plan");
    assert_eq!(p["geoFence"]["polygons"][0]["inclusion"], false);
    assert!(std::fs::read_to_string(&kml)
        .unwrap()
        .contains("<LineString>"));
    assert!(std::fs::read_to_string(&gj)
        .unwrap()
        .contains("\"LineString\""));
    // Checking the written plan finds no problem.
    assert!(ok(d, &["plan", "check", plan.to_str().unwrap()]).contains("no problems found"));
    // Its geofence comes back as a no-fly zone.
    let d2 = tempfile::tempdir().unwrap();
    assert!(ok(
        d2.path(),
        &["plan", "areas", "import", plan.to_str().unwrap()]
    )
    .contains("imported 1 key areas"));

    // Export keeps unknown properties.
    let exported = d.join("out.geojson");
    ok(d, &["plan", "areas", "export", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("\"district\"") && text.contains("\"authority\""));
}

#[test]
fn bad_input_gets_a_clear_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = d.join("bad.geojson");
    std::fs::write(&bad, "{\"type\": \"FeatureCollection\", \"features\": [").unwrap();
    let e = fails(d, &["plan", "areas", "import", bad.to_str().unwrap()]);
    assert!(
        e.contains("not valid JSON") && e.lines().count() == 1,
        "{e}"
    );

    let bow = d.join("bow.geojson");
    std::fs::write(
        &bow,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Bow","category":"key_zone"},
        "geometry":{"type":"Polygon","coordinates":[[[115.98,36.45],[115.99,36.46],[115.99,36.45],[115.98,36.46],[115.98,36.45]]]}}]}"#,
    )
    .unwrap();
    let e = fails(
        d,
        &[
            "plan",
            "route",
            "--areas",
            bow.to_str().unwrap(),
            "--pattern",
            "coverage",
            "--alt",
            "50",
        ],
    );
    assert!(
        e.contains("'Bow'") && e.contains("crosses itself") && e.lines().count() == 1,
        "{e}"
    );

    // The helipad spans x -150..50, y 50..250 m from the demo origin: launch inside it.
    let e = fails(
        d,
        &[
            "plan",
            "route",
            "--areas",
            AREAS,
            "--pattern",
            "tour",
            "--alt",
            "50",
            "--home",
            "36.4575,115.9846",
        ],
    );
    assert!(
        e.contains("inside no-fly zone 'Hospital helipad'") && e.lines().count() == 1,
        "{e}"
    );

    let e = fails(
        d,
        &[
            "plan",
            "route",
            "--areas",
            AREAS,
            "--pattern",
            "tour",
            "--alt",
            "150",
            "--home",
            HOME,
        ],
    );
    assert!(e.contains("ceiling"), "{e}");
    let e = fails(
        d,
        &[
            "plan",
            "route",
            "--areas",
            AREAS,
            "--pattern",
            "zigzag",
            "--alt",
            "50",
        ],
    );
    assert!(e.contains("unknown pattern"), "{e}");
}

#[test]
fn crew_teams_sorties_schedule_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, role) in [
        ("Li Wei", "officer"),
        ("Wang Fang", "officer"),
        ("Zhao Min", "auxiliary"),
        ("Chen Jie", "auxiliary"),
        ("Sun Lei", "auxiliary"),
        ("Zhou Yan", "auxiliary"),
    ] {
        ok(d, &["crew", "person", "add", name, "--role", role]);
    }
    ok(
        d,
        &[
            "crew",
            "aircraft",
            "add",
            "Falcon-1",
            "--model",
            "Quad X8",
            "--serial",
            "QX-0001",
            "--endurance",
            "30",
            "--sysid",
            "1",
        ],
    );
    ok(
        d,
        &[
            "crew",
            "aircraft",
            "add",
            "Falcon-2",
            "--model",
            "Quad X8",
            "--serial",
            "QX-0002",
            "--endurance",
            "30",
            "--sysid",
            "2",
        ],
    );

    let e = fails(
        d,
        &[
            "crew",
            "team",
            "add",
            "Alpha",
            "--member",
            "Li Wei",
            "--member",
            "Wang Fang",
            "--member",
            "Zhao Min",
            "--aircraft",
            "Falcon-1",
        ],
    );
    assert!(e.contains("exactly one officer"), "{e}");
    ok(
        d,
        &[
            "crew",
            "team",
            "add",
            "Alpha",
            "--member",
            "Li Wei",
            "--member",
            "Zhao Min",
            "--member",
            "Chen Jie",
            "--aircraft",
            "Falcon-1",
        ],
    );
    ok(
        d,
        &[
            "crew",
            "team",
            "add",
            "Bravo",
            "--member",
            "Wang Fang",
            "--member",
            "Sun Lei",
            "--member",
            "Zhou Yan",
            "--aircraft",
            "Falcon-2",
        ],
    );

    // A route for a sortie.
    let plan = d.join("square.plan");
    ok(
        d,
        &[
            "plan",
            "route",
            "--areas",
            AREAS,
            "--area",
            "Station square",
            "--pattern",
            "perimeter",
            "--alt",
            "50",
            "--home",
            HOME,
            "--aircraft",
            "Falcon-1",
            "--out",
            plan.to_str().unwrap(),
        ],
    );
    let s: serde_json::Value = serde_json::from_str(&ok(
        d,
        &[
            "--json",
            "crew",
            "sortie",
            "create",
            "--team",
            "Alpha",
            "--plan",
            plan.to_str().unwrap(),
            "--start",
            "2025-06-01T08:00Z",
        ],
    ))
    .unwrap();
    assert_eq!(s["progress"]["state"], "planned");
    let e = fails(
        d,
        &[
            "crew",
            "sortie",
            "create",
            "--team",
            "Alpha",
            "--plan",
            plan.to_str().unwrap(),
            "--start",
            "2025-06-01T08:01Z",
        ],
    );
    assert!(e.contains("already on sortie 1"), "{e}");
    ok(
        d,
        &[
            "crew",
            "aircraft",
            "maintenance",
            "Falcon-2",
            "--note",
            "gimbal replaced",
        ],
    );
    let e = fails(
        d,
        &[
            "crew",
            "sortie",
            "create",
            "--team",
            "Bravo",
            "--plan",
            plan.to_str().unwrap(),
            "--start",
            "2025-06-01T08:00Z",
        ],
    );
    assert!(e.contains("under maintenance"), "{e}");

    // The shift schedule leaves out Bravo (maintenance) and creates Alpha's sorties.
    let out = ok(
        d,
        &[
            "--json",
            "plan",
            "schedule",
            "--areas",
            AREAS,
            "--home",
            HOME,
            "--start",
            "2025-06-01T09:00Z",
            "--end",
            "2025-06-01T13:00Z",
            "--event",
            "Stadium=30",
            "--create",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["notes"][0].as_str().unwrap().contains("Bravo"));
    let created = v["created_sorties"].as_array().unwrap().len();
    assert!(created >= 4, "{out}");
    assert!(v["schedule"]["sorties"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["team"] == "Alpha"));

    ok(d, &["crew", "sortie", "abort", "1", "--reason", "rain"]);
    let csv_path = d.join("log.csv");
    ok(
        d,
        &["crew", "sortie", "log", "--csv", csv_path.to_str().unwrap()],
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 1 + created);
    assert!(lines[0].starts_with("sortie,team,officer,auxiliary_1,auxiliary_2,aircraft,serial"));
    assert!(
        lines[1].contains("Alpha,Li Wei,Zhao Min,Chen Jie,Falcon-1,QX-0001")
            && lines[1].contains("aborted")
            && lines[1].ends_with("rain,,")
    );

    // --- roster --- Alpha has sorties still planned: it stays whole, and so does its crew.
    let e = fails(d, &["crew", "team", "remove", "Alpha"]);
    assert!(
        e.contains("team Alpha has sortie") && e.contains("planned"),
        "{e}"
    );
    let e = fails(d, &["crew", "aircraft", "remove", "Falcon-1"]);
    assert!(e.contains("flown by team Alpha"), "{e}");
    ok(d, &["crew", "team", "remove", "Bravo"]);
    let edited: serde_json::Value = serde_json::from_str(&ok(
        d,
        &[
            "--json",
            "crew",
            "aircraft",
            "edit",
            "Falcon-2",
            "--endurance",
            "42",
        ],
    ))
    .unwrap();
    assert_eq!(edited["endurance_min"], 42.0);
    assert_eq!(edited["serial"], "QX-0002");
    assert_eq!(edited["maintenance"], "gimbal replaced");
    ok(d, &["crew", "aircraft", "remove", "Falcon-2"]);
    let e = fails(d, &["crew", "aircraft", "edit", "Falcon-2", "--hfov", "80"]);
    assert!(e.contains("no aircraft named 'Falcon-2'"), "{e}");
}

const KML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/areas_google_earth.kml"
);
const KMZ: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/areas_google_earth.kmz"
);

#[test]
fn kml_and_kmz_import_export_round_trip_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A Google Earth file: folders, styles, a hole, a camera with its stream, a no-fly zone.
    assert!(ok(d, &["plan", "areas", "import", KML]).contains("imported 4 key areas"));
    let list: serde_json::Value =
        serde_json::from_str(&ok(d, &["--json", "plan", "areas", "list"])).unwrap();
    let by_name = |n: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == n)
            .unwrap_or_else(|| panic!("{n} imported: {list}"))
            .clone()
    };
    assert_eq!(by_name("Prison")["category"], "no_fly");
    assert_eq!(
        by_name("Gate camera 3")["rtsp"],
        "rtsp://10.20.0.3:554/Streaming/Channels/101"
    );
    assert_eq!(
        by_name("Station square")["shape"]["holes"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Export as KML, import into a fresh store: the same areas.
    let out = d.join("out.kml");
    ok(d, &["plan", "areas", "export", out.to_str().unwrap()]);
    let other = tempfile::tempdir().unwrap();
    assert!(ok(
        other.path(),
        &["plan", "areas", "import", out.to_str().unwrap()]
    )
    .contains("imported 4"));
    let again: serde_json::Value =
        serde_json::from_str(&ok(other.path(), &["--json", "plan", "areas", "list"])).unwrap();
    assert_eq!(again, list);

    // The KMZ Google Earth saves is the same file zipped; content decides, not the extension.
    let zipped = d.join("areas.bin");
    std::fs::copy(KMZ, &zipped).unwrap();
    let third = tempfile::tempdir().unwrap();
    assert!(ok(
        third.path(),
        &["plan", "areas", "import", zipped.to_str().unwrap()]
    )
    .contains("imported 4"));
    // A route can be planned straight from the KML.
    let route = ok(
        d,
        &[
            "plan",
            "route",
            "--areas",
            KML,
            "--home",
            HOME,
            "--pattern",
            "tour",
            "--alt",
            "50",
        ],
    );
    assert!(!route.is_empty());

    for (text, want) in [
        ("<kml><Document><Placemark>", "not valid KML/XML"),
        (
            "<kml><Placemark><name>Mall</name><Polygon/></Placemark></kml>",
            "Placemark 1 (line 1) ('Mall'): has no category",
        ),
        (
            "<kml>\n<Placemark><name>Cam</name><ExtendedData><Data name=\"category\"><value>camera</value></Data></ExtendedData><Point><coordinates>116.0;36.0</coordinates></Point></Placemark></kml>",
            "Placemark 1 (line 2) ('Cam'): coordinates '116.0;36.0' must be longitude,latitude",
        ),
    ] {
        let bad = d.join("bad.kml");
        std::fs::write(&bad, text).unwrap();
        let e = fails(d, &["plan", "areas", "import", bad.to_str().unwrap()]);
        assert!(e.contains(want) && e.lines().count() == 1, "{e}");
        assert!(e.contains("bad.kml"), "the file is named: {e}");
    }
    let e = fails(
        d,
        &["plan", "areas", "export", d.join("x.kmz").to_str().unwrap()],
    );
    assert!(e.contains("export to a .kml file"), "{e}");
}

#[test]
fn plan_check_names_what_ardupilot_would_refuse_with_the_item_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plan = d.join("loiter.plan");
    std::fs::write(
        &plan,
        r#"{"fileType": "Plan", "version": 1, "groundStation": "QGroundControl",
      "mission": {"version": 2, "firmwareType": 3, "vehicleType": 2,
        "plannedHomePosition": [36.456, 115.985, 35],
        "items": [
          {"type": "SimpleItem", "autoContinue": true, "command": 22, "doJumpId": 1, "frame": 3,
           "params": [0, 0, 0, null, 0, 0, 30]},
          {"type": "SimpleItem", "autoContinue": true, "command": 16, "doJumpId": 2, "frame": 3,
           "params": [0, 0, 0, null, 36.457, 115.986, 30]},
          {"type": "SimpleItem", "autoContinue": true, "command": 19, "doJumpId": 3, "frame": 3,
           "params": [30, 0, 0, null, 36.458, 115.986, 30]}
        ]},
      "geoFence": {"version": 2, "polygons": [], "circles": []},
      "rallyPoints": {"version": 2, "points": []}}"#,
    )
    .unwrap();
    let out = kestrel(d, &["plan", "check", plan.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains(
            "problem: mission item 3 (LOITER_TIME): ArduPilot refuses it (INVALID_PARAM4); \
             param 4 is empty (null); give it a number (0 if unsure)"
        ),
        "{text}"
    );
    // The take-off and the waypoint may leave their yaw empty: no problem reported for them.
    assert_eq!(text.matches("ArduPilot refuses").count(), 1, "{text}");
}
