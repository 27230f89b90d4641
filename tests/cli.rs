//! The `kestrel` binary as a user runs it: tables, JSON, and one-line errors for wrong input.

mod common;

use std::process::Command;

use common::sim::*;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

fn kestrel(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .args(args)
        .output()
        .expect("run kestrel")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn wrong_connection_strings_exit_nonzero_with_one_line() {
    for (arg, hint) in [
        ("udp:127.0.0.1:14550", "udpin"),
        ("serial:/dev/ttyUSB0", "baud"),
        ("bogus", "scheme"),
        ("tcpout:127.0.0.1:99999", "port"),
    ] {
        let out = kestrel(&["status", "--link", arg, "--wait", "0"]);
        assert!(!out.status.success(), "{arg} accepted");
        let err = stderr(&out);
        assert!(err.contains(hint), "{arg}: {err}");
    }
}

#[test]
fn unreachable_tcp_says_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = kestrel(&[
        "command",
        "--link",
        &format!("tcpout:127.0.0.1:{port}"),
        "--sysid",
        "1",
        "--wait",
        "1",
        "arm",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no aircraft with system id 1") && err.contains("refused"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn broken_plan_file_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.plan");
    std::fs::write(&f, "{ not json").unwrap();
    let out = kestrel(&[
        "mission",
        "upload",
        "--link",
        "udpin:127.0.0.1:0",
        "--sysid",
        "1",
        f.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.plan"), "{}", stderr(&out));
}

#[test]
fn status_command_mission_round_trip_against_the_simulator() {
    let addr = free_udp_addr();
    let link = format!("udpin:{addr}");
    let sim = Simulator::start(SimConfig {
        vehicles: 2,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();

    let out = kestrel(&[
        "status", "--link", &link, "--wait", "20", "--expect", "2", "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[0]["sysid"], 1);
    assert_eq!(rows[0]["link"], "connected");

    let out = kestrel(&["command", "--link", &link, "--sysid", "2", "mode", "loiter"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("accepted"));
    assert_eq!(sim.snapshot(1).unwrap().mode, "LOITER");

    let out = kestrel(&["command", "--link", &link, "--sysid", "2", "mode", "warp"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown mode"));

    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("patrol.waypoints");
    std::fs::write(
        &plan,
        "QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t36.456\t115.985\t35\t1\n1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1\n2\t0\t3\t16\t0\t0\t0\t0\t36.457\t115.986\t30\t1\n",
    )
    .unwrap();
    let out = kestrel(&[
        "mission",
        "upload",
        "--link",
        &link,
        "--sysid",
        "1",
        plan.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sim.snapshot(0).unwrap().mission_count, 3);
    let back = dir.path().join("back.plan");
    let out = kestrel(&[
        "mission",
        "download",
        "--link",
        &link,
        "--sysid",
        "1",
        back.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&back).unwrap();
    assert!(
        text.contains("\"fileType\": \"Plan\"") && text.contains("36.457"),
        "{text}"
    );
    drop(sim);
}

#[test]
fn a_planned_sortie_goes_up_to_its_aircraft_and_is_marked_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let out = kestrel(&[&["--data-dir", d], args].concat());
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (name, role) in [
        ("Li Wei", "officer"),
        ("Zhao Min", "auxiliary"),
        ("Chen Jie", "auxiliary"),
    ] {
        run(&["crew", "person", "add", name, "--role", role]);
    }
    run(&[
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
    ]);
    run(&[
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
    ]);
    let plan = dir.path().join("square.plan");
    run(&[
        "plan",
        "route",
        "--areas",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/areas.geojson"),
        "--area",
        "Station square",
        "--pattern",
        "perimeter",
        "--home",
        "36.456,115.985",
        "--aircraft",
        "Falcon-1",
        "--out",
        plan.to_str().unwrap(),
    ]);
    for start in ["2025-06-01T08:00Z", "2025-06-01T10:00Z"] {
        run(&[
            "crew",
            "sortie",
            "create",
            "--team",
            "Alpha",
            "--plan",
            plan.to_str().unwrap(),
            "--start",
            start,
        ]);
    }
    // A cancelled sortie is refused before any link is opened.
    run(&["crew", "sortie", "abort", "2", "--reason", "rain"]);
    let out = kestrel(&[
        "--data-dir",
        d,
        "crew",
        "sortie",
        "upload",
        "2",
        "--link",
        "udpin:127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("sortie 2 is aborted; only planned sorties are uploaded"),
        "{}",
        stderr(&out)
    );

    let addr = free_udp_addr();
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    let link = format!("udpin:{addr}");
    let sortie: serde_json::Value = serde_json::from_str(&run(&[
        "--json", "crew", "sortie", "upload", "1", "--link", &link, "--wait", "20",
    ]))
    .unwrap();
    assert_eq!(sortie["id"], 1);
    assert_eq!(sortie["progress"]["state"], "uploaded");
    let want = kestrel::plan::load(&plan)
        .unwrap()
        .wire_items(kestrel::plan::MissionKind::Mission)
        .len();
    assert_eq!(sim.snapshot(0).unwrap().mission_count, want);
}
