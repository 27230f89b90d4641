//! `kestrel status` and error output as a pilot sees them: nothing heard is a failure with one
//! plain line on stderr, the table names the fix type and shows home, and an error is said once.

mod common;

use common::cli::kestrel;
use common::sim::*;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

#[test]
fn status_with_nothing_heard_fails_with_one_line_on_stderr() {
    let data = tempfile::tempdir().unwrap();
    let link = format!("udpin:{}", free_udp_addr());
    for json in [false, true] {
        let mut args = vec!["status", "--link", &link, "--wait", "0.5"];
        if json {
            args.insert(0, "--json");
        }
        let out = kestrel(data.path(), &args);
        assert!(!out.status.success(), "exit 0 with nothing heard");
        let err = text(&out.stderr);
        assert!(err.contains("no aircraft heard"), "{err}");
        assert_eq!(err.matches("no aircraft heard").count(), 1, "{err}");
        assert!(
            !text(&out.stdout).contains("no aircraft heard"),
            "error also on stdout: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn status_on_a_link_that_cannot_connect_says_why_and_fails() {
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let link = format!("tcpout:127.0.0.1:{port}");
    let out = kestrel(data.path(), &["status", "--link", &link, "--wait", "1"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("no aircraft heard") && err.contains("cannot connect"),
        "{err}"
    );
}

#[test]
fn an_error_quoting_its_cause_says_it_once() {
    let data = tempfile::tempdir().unwrap();
    let missing = data.path().join("missing.plan");
    let out = kestrel(data.path(), &["plan", "check", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("missing.plan"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let cause = std::io::Error::from(std::io::ErrorKind::NotFound).to_string();
    let os = "os error 2";
    assert!(
        err.matches(os).count() <= 1 && err.matches(&cause).count() <= 1,
        "cause said twice: {err}"
    );
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
}

#[test]
fn status_names_the_fix_and_shows_home() {
    let data = tempfile::tempdir().unwrap();
    let addr = free_udp_addr();
    let link = format!("udpin:{addr}");
    let _sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    let out = kestrel(
        data.path(),
        &[
            "--json", "status", "--link", &link, "--wait", "20", "--expect", "1",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["gps_fix_name"], "3D", "{rows}");
    let home_lat = rows[0]["home_lat"].as_f64().expect("home latitude");
    let lat = rows[0]["lat"].as_f64().unwrap();
    assert!((home_lat - lat).abs() < 0.01, "home {home_lat} vs {lat}");

    let out = kestrel(
        data.path(),
        &["status", "--link", &link, "--wait", "20", "--expect", "1"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let header = table.lines().next().unwrap();
    assert!(header.contains("HOME"), "{table}");
    let row = table.lines().nth(1).unwrap();
    assert!(row.contains("3D/"), "{table}");
    assert!(row.contains(&format!("{home_lat:.6}")), "{table}");
}
