//! `kestrel gimbal` and `kestrel camera` as a payload operator runs them against the simulator's
//! ArduPilot-like camera: answers in words or JSON, and one-line errors naming what is wrong.

mod common;

use common::cli::kestrel;
use common::sim::free_udp_addr;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn gimbal_and_camera_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let addr = free_udp_addr();
    let link = format!("udpin:{addr}");
    let _sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        camera_extras: false,
        ..Default::default()
    })
    .unwrap();
    let base = ["--link", link.as_str(), "--sysid", "1", "--wait", "20"];
    let run = |pre: &[&str], cmd: &[&str]| {
        let mut args: Vec<&str> = pre.to_vec();
        args.extend_from_slice(&base);
        args.extend_from_slice(cmd);
        kestrel(d, &args)
    };

    // An angle beyond the limits the gimbal reported: one line naming them.
    let out = run(&["gimbal"], &["point", "--pitch", "45"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("pitch 45.0° is outside the gimbal's limits -90..30°"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // Pointing, in JSON.
    let out = run(
        &["--json", "gimbal"],
        &["point", "--pitch", "-30", "--yaw", "10"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcome"], "accepted");
    assert_eq!(v["sysid"], 1);

    // A still from a camera that does not confirm stills says so.
    let out = run(&["camera"], &["capture"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("take a still: accepted") && said.contains("does not confirm"),
        "{said}"
    );

    // Status in JSON: what the camera can do and what it does not report.
    let out = run(&["--json", "camera"], &["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["camera"]["zoom"], true);
    assert_eq!(v["reports_captures"], false);
    assert_eq!(v["reports_tracking"], false);
    assert!(v["fov"]["hfov_deg"].as_f64().unwrap() > 50.0);

    // Bad input is refused before connecting.
    let out = kestrel(
        d,
        &["camera", "--link", &link, "--sysid", "1", "zoom", "banana"],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("'banana' is not a zoom level"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // An aircraft that is not there.
    let out = kestrel(
        d,
        &[
            "gimbal", "--link", &link, "--sysid", "9", "--wait", "2", "status",
        ],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no aircraft with system id 9"));
}
