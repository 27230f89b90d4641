//! `kestrel signing` as a user runs it against the simulator: a key is only sent over a link
//! marked trusted, is stored owner-only and never printed; afterwards `kestrel command` from the
//! same data directory is obeyed and one from elsewhere is ignored; the key handed to another
//! seat with `share` / `accept` (audited on both sides) makes that seat's commands obeyed too;
//! `status` shows it; `revoke` turns it off.

mod common;

use std::process::{Command, Output};

use common::sim::*;
use kestrel_sim::{Endpoint, SimConfig, Simulator};

fn kestrel(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("run kestrel")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn setup_status_command_and_revoke() {
    let addr = free_udp_addr();
    let link = format!("udpin:{addr}");
    let sim = Simulator::start(SimConfig {
        vehicles: 1,
        endpoint: Endpoint::Udp(addr),
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("station");
    let stranger = dir.path().join("stranger");

    // Without --trusted the key is not sent.
    let out = kestrel(
        &home,
        &["signing", "setup", "--link", &link, "--sysid", "1"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("trusted"), "{}", text(&out));
    assert!(!sim.snapshot(0).unwrap().signing);

    let out = kestrel(
        &home,
        &[
            "signing",
            "setup",
            "--link",
            &link,
            "--sysid",
            "1",
            "--trusted",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(sim.snapshot(0).unwrap().signing);
    let key_file = home.join("keys/aircraft-1.key");
    let key = std::fs::read_to_string(&key_file).expect("key stored");
    assert!(!text(&out).contains(key.trim()), "the key was printed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Later commands from this station are signed with the stored key and obeyed...
    let out = kestrel(
        &home,
        &["command", "--link", &link, "--sysid", "1", "mode", "loiter"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");
    // ...those of a station without the key are not.
    let before = sim.signing_rejected(0);
    let out = kestrel(
        &stranger,
        &[
            "command",
            "--link",
            &link,
            "--sysid",
            "1",
            "mode",
            "stabilize",
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");
    assert!(sim.signing_rejected(0) > before);

    // The pilot hands the key to the payload seat explicitly; both sides audit it, the key is
    // never printed, and the seat's commands are then signed and obeyed.
    let seat = dir.path().join("seat");
    let shared = dir.path().join("aircraft-1-key.json");
    let to = shared.to_str().unwrap();
    let out = kestrel(&home, &["signing", "share", "--sysid", "1", "--to", to]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(key.trim()), "the key was printed");
    let out = kestrel(&home, &["signing", "share", "--sysid", "1", "--to", to]);
    assert!(text(&out).contains("exists already"), "{}", text(&out));
    let out = kestrel(&seat, &["signing", "accept", to]);
    assert!(out.status.success(), "{}", text(&out));
    let fingerprint = kestrel::security::share::fingerprint(key.trim());
    for (dir, result) in [(&home, "shared"), (&seat, "stored")] {
        let entries = kestrel::audit::AuditLog::open(&dir.join("audit.db"))
            .unwrap()
            .entries()
            .unwrap();
        assert!(
            entries.iter().any(|e| e.action == "signing"
                && e.result == result
                && e.detail.contains(&fingerprint)),
            "{entries:?}"
        );
    }
    let out = kestrel(
        &seat,
        &["command", "--link", &link, "--sysid", "1", "mode", "brake"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(sim.snapshot(0).unwrap().mode, "BRAKE");
    let out = kestrel(
        &home,
        &["command", "--link", &link, "--sysid", "1", "mode", "loiter"],
    );
    assert!(out.status.success(), "{}", text(&out));

    let out = kestrel(
        &home,
        &[
            "signing", "status", "--link", &link, "--listen", "2", "--json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["sysid"], 1);
    assert_eq!(rows[0]["state"], "on", "{rows}");
    assert_eq!(rows[0]["key_present"], true);
    assert!(!text(&out).contains(key.trim()));
    // The stranger sees the aircraft, but holds no key for it.
    let out = kestrel(
        &stranger,
        &[
            "signing", "status", "--link", &link, "--listen", "2", "--json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["state"], "signed_without_key", "{rows}");
    assert_eq!(rows[0]["key_present"], false, "{rows}");
    let out = kestrel(
        &stranger,
        &["signing", "status", "--link", &link, "--listen", "2"],
    );
    assert!(text(&out).contains("signed, no key here"), "{}", text(&out));

    let out = kestrel(
        &home,
        &["signing", "revoke", "--link", &link, "--sysid", "1"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!sim.snapshot(0).unwrap().signing);
    assert!(!key_file.exists());
    // Unsigned commands work again.
    let out = kestrel(
        &stranger,
        &[
            "command",
            "--link",
            &link,
            "--sysid",
            "1",
            "mode",
            "stabilize",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    // Its frames arrive unsigned again: the stranger sees signing off.
    let out = kestrel(
        &stranger,
        &[
            "signing", "status", "--link", &link, "--listen", "2", "--json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["state"], "off", "{rows}");

    // Nothing left to revoke: said so, in one line.
    let out = kestrel(
        &home,
        &["signing", "revoke", "--link", &link, "--sysid", "1"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("no signing key"), "{}", text(&out));
}

#[test]
fn a_station_holding_a_key_signs_from_its_first_frame_on_a_new_link() {
    let (sim, link) = tcp_aircraft();
    let dir = tempfile::tempdir().unwrap();
    let out = kestrel(
        dir.path(),
        &[
            "signing",
            "setup",
            "--link",
            &link,
            "--sysid",
            "1",
            "--trusted",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let unsigned_before = sim.signing_counts(0).unwrap().unsigned;
    // A new connection: the station speaks first (its heartbeat) before it hears the aircraft.
    let out = kestrel(
        dir.path(),
        &["command", "--link", &link, "--sysid", "1", "mode", "loiter"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(sim.snapshot(0).unwrap().mode, "LOITER");
    let counts = sim.signing_counts(0).unwrap();
    assert_eq!(
        counts.unsigned, unsigned_before,
        "frames arrived unsigned from a station holding the key: {counts:?}"
    );
}
