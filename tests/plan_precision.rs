//! Downloaded plans carry coordinates as the wire does: int32 1e-7 degrees, written as that
//! decimal (`149.16523`), never with float artefacts (`149.16522999999998`).

mod common;

use common::cli::kestrel;
use common::sim::*;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

/// Decimals after the point in the shortest text of `v`.
fn decimals(v: f64) -> usize {
    let t = v.to_string();
    t.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

#[test]
fn a_downloaded_plan_writes_coordinates_at_wire_precision() {
    let dir = tempfile::tempdir().unwrap();
    let addr = free_udp_addr();
    let link = format!("udpin:{addr}");
    let _sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    let plan = dir.path().join("canberra.waypoints");
    std::fs::write(
        &plan,
        "QGC WPL 110\n\
0\t1\t0\t16\t0\t0\t0\t0\t-35.3632621\t149.1652374\t584\t1\n\
1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1\n\
2\t0\t3\t16\t0\t0\t0\t0\t-35.3612345\t149.16523\t30\t1\n\
3\t0\t3\t16\t0\t0\t0\t0\t-35.3598765\t149.1667891\t30\t1\n",
    )
    .unwrap();
    let up = kestrel(
        dir.path(),
        &[
            "mission",
            "upload",
            "--link",
            &link,
            "--sysid",
            "1",
            plan.to_str().unwrap(),
        ],
    );
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let back = dir.path().join("back.plan");
    let down = kestrel(
        dir.path(),
        &[
            "mission",
            "download",
            "--link",
            &link,
            "--sysid",
            "1",
            back.to_str().unwrap(),
        ],
    );
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let text = std::fs::read_to_string(&back).unwrap();
    assert!(
        text.contains("149.16523,") || text.contains("149.16523\n"),
        "{text}"
    );
    assert!(
        !text.contains("9999999") && !text.contains("0000001"),
        "{text}"
    );
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let items = doc["mission"]["items"].as_array().unwrap();
    let mut coords = 0;
    for it in items {
        for k in [4, 5] {
            if let Some(v) = it["params"][k].as_f64() {
                assert!(decimals(v) <= 7, "{v} in {text}");
                coords += 1;
            }
        }
    }
    assert!(coords >= 4, "{text}");
    for v in doc["mission"]["plannedHomePosition"].as_array().unwrap()[..2].iter() {
        assert!(decimals(v.as_f64().unwrap()) <= 7, "{v} in {text}");
    }
}
