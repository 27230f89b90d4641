//! The conformance suite against `kestrel-sim` over a real TCP socket, as `kestrel conformance`
//! runs it against ArduPilot's SITL: every scenario must pass, and the report must say what the
//! autopilot did (what it changed on storing a mission, what it kept after a refusal).

mod common;

use common::cli::kestrel;
use common::sim::tcp_aircraft;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn the_simulator_passes_every_scenario_and_the_report_says_what_it_did() {
    let data = tempfile::tempdir().unwrap();
    let (_sim, link) = tcp_aircraft();
    let out = kestrel(
        data.path(),
        &["--json", "conformance", "--link", &link, "--fly"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    let scenarios = report["scenarios"].as_array().unwrap();
    let names: Vec<&str> = scenarios
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "identity",
            "parameters",
            "arming-refusals",
            "message-intervals",
            "mission-round-trip",
            "mission-refusal",
            "fence-and-rally",
            "gimbal-and-camera",
            "system-status",
            "sortie"
        ]
    );
    for s in scenarios {
        assert_eq!(s["verdict"], "passed", "{s:#}");
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    let observed = |name: &str| -> String {
        scenarios.iter().find(|s| s["name"] == name).unwrap()["observed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let stored = observed("mission-round-trip");
    assert!(
        stored.contains("DO_CHANGE_SPEED stored with frame 2 -> 0"),
        "{stored}"
    );
    assert!(
        stored.contains("LOITER_TIME stored with param 3 0 -> 1"),
        "{stored}"
    );
    let status = observed("system-status");
    assert!(
        status.contains("the geofence bit on with FENCE_ENABLE 1")
            && status.contains("the geofence bit off with FENCE_ENABLE 0"),
        "{status}"
    );
    let refused = observed("mission-refusal");
    assert!(refused.contains("INVALID_PARAM4"), "{refused}");
    assert!(
        refused.contains("items 1-2 from the refused upload and 3-4"),
        "{refused}"
    );
    assert!(observed("arming-refusals").contains("not armable"));
    let sortie = observed("sortie");
    assert!(sortie.contains("returned, landed and disarmed"), "{sortie}");
}

#[test]
fn without_fly_the_sortie_is_skipped_and_unknown_scenarios_are_named() {
    let data = tempfile::tempdir().unwrap();
    let (_sim, link) = tcp_aircraft();
    let out = kestrel(
        data.path(),
        &["conformance", "--link", &link, "--only", "identity,sortie"],
    );
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}{}", text(&out.stderr));
    assert!(report.contains("pass  identity"), "{report}");
    assert!(report.contains("skip  sortie"), "{report}");
    assert!(report.contains("not asked to fly (--fly)"), "{report}");
    assert!(report.contains("1 passed, 0 failed, 1 skipped"), "{report}");

    let out = kestrel(
        data.path(),
        &["conformance", "--link", &link, "--only", "arming"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no conformance scenario 'arming'") && err.contains("arming-refusals"),
        "{err}"
    );
}
