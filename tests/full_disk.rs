//! A full disk under the sightings queue and the audit trail, on a real small filesystem (a
//! tmpfs this test mounts; CI runs as root). Sightings are added until the disk refuses them,
//! and then: every sighting kept has its audit entry and nothing is half-written, the refusals
//! say what to do, reading and verifying work on the full disk, an edit refused there leaves
//! the sighting as it was, and once space is freed sightings are saved again.

mod common;

use common::cli::kestrel;

use std::path::Path;
use std::process::Output;

use common::disk::SmallDisk;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn add(data: &Path, i: usize) -> Output {
    let note = format!("sighting {i}: a red car parked by the north gate, two people beside it");
    kestrel(
        data,
        &[
            "--json",
            "sighting",
            "add",
            "--lat",
            "52.52",
            "--lon",
            "13.405",
            "--category",
            "vehicle",
            "--note",
            &note,
        ],
    )
}

fn listed(data: &Path) -> Vec<serde_json::Value> {
    let out = kestrel(data, &["--json", "sighting", "list"]);
    assert!(
        out.status.success(),
        "list on the full disk: {}",
        text(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn verified_entries(data: &Path) -> usize {
    let out = kestrel(data, &["audit", "verify"]);
    let said = text(&out.stdout);
    assert!(
        out.status.success(),
        "audit verify: {said} {}",
        text(&out.stderr)
    );
    let n = said
        .split("intact, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or("");
    n.parse()
        .unwrap_or_else(|_| panic!("audit verify said: {said}"))
}

#[test]
fn a_full_disk_refuses_sightings_cleanly_and_keeps_each_with_its_audit_entry() {
    let Some(disk) = SmallDisk::mount("4m") else {
        return;
    };
    let data = disk.at.join("kestrel");
    // Leave room for a few hundred sightings only.
    let room = kestrel::storage::DiskSpace::of(&disk.at).unwrap().available;
    let ballast = disk.at.join("ballast");
    std::fs::write(
        &ballast,
        vec![0u8; room.saturating_sub(400 * 1024) as usize],
    )
    .unwrap();

    let mut saved = Vec::new();
    let mut refusals = 0;
    for i in 0..4000 {
        let out = add(&data, i);
        if out.status.success() {
            let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            saved.push(rec["id"].as_str().unwrap().to_owned());
            continue;
        }
        let err = text(&out.stderr);
        assert!(
            err.contains("nothing was saved") || err.contains("was not kept"),
            "a refusal must say nothing was kept and what to do: {err}"
        );
        assert!(!err.contains("was saved but"), "{err}");
        refusals += 1;
        if refusals == 3 {
            break;
        }
    }
    assert_eq!(refusals, 3, "the disk never filled");
    assert!(saved.len() > 20, "only {} sightings fitted", saved.len());

    // On the full disk: everything kept is readable, and each has its audit entry.
    let list = listed(&data);
    let ids: Vec<&str> = list.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, saved.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        verified_entries(&data),
        saved.len(),
        "one audit entry per sighting"
    );

    // An edit refused for room leaves the sighting as it was.
    let left = kestrel::storage::DiskSpace::of(&disk.at).unwrap().available;
    let more_ballast = disk.at.join("ballast-2");
    std::fs::write(
        &more_ballast,
        vec![0u8; left.saturating_sub(16 * 1024) as usize],
    )
    .unwrap();
    let first = &saved[0];
    let out = kestrel(
        &data,
        &["sighting", "edit", first, "--note", "edited on a full disk"],
    );
    assert!(!out.status.success(), "edit on a full disk succeeded");
    assert!(listed(&data)[0]["note"]
        .as_str()
        .unwrap()
        .starts_with("sighting 0:"));

    let status = kestrel(&data, &["storage", "status"]);
    assert!(
        text(&status.stdout).contains("the disk is full"),
        "{}",
        text(&status.stdout)
    );

    // Space freed: sightings are saved (and audited) again, nothing before was lost.
    common::disk::free(&ballast);
    common::disk::free(&more_ballast);
    let out = add(&data, 9999);
    assert!(
        out.status.success(),
        "after freeing space: {}",
        text(&out.stderr)
    );
    assert_eq!(listed(&data).len(), saved.len() + 1);
    assert_eq!(verified_entries(&data), saved.len() + 1);
}

#[test]
fn settings_saved_on_a_full_disk_keep_the_ones_saved_before() {
    let Some(disk) = SmallDisk::mount("1m") else {
        return;
    };
    let path = disk.at.join("console.json");
    let before = kestrel::console::Settings {
        language: kestrel::console::Language::Chinese,
        ..Default::default()
    };
    before.save(&path).unwrap();
    let _ballast = disk.fill_leaving("ballast", 0);
    let mut after = before.clone();
    after.language = kestrel::console::Language::English;
    after
        .callsigns
        .insert(1, "a long callsign that needs room ".repeat(200));
    let err = after.save(&path).unwrap_err();
    assert!(err.to_string().contains("console.json"), "{err}");
    let (loaded, warning) = kestrel::console::Settings::load(&path);
    assert_eq!(warning, None);
    assert_eq!(
        loaded.language,
        kestrel::console::Language::Chinese,
        "the saved settings stay"
    );
    assert!(
        !disk.at.join("console.json.tmp").exists(),
        "a half-written temp file was left"
    );
}

/// A key-area file of `n` small squares named `{prefix} {i}`.
fn areas_geojson(prefix: &str, n: usize) -> String {
    let features: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let lon = 13.40 + i as f64 * 0.001;
            serde_json::json!({
                "type": "Feature",
                "properties": { "name": format!("{prefix} {i}"), "category": "crowded_place" },
                "geometry": { "type": "Polygon", "coordinates": [[
                    [lon, 52.50], [lon + 0.0008, 52.50], [lon + 0.0008, 52.5008], [lon, 52.50]
                ]] }
            })
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string()
}

fn json_len(data: &Path, args: &[&str]) -> usize {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = kestrel(data, &all);
    assert!(
        out.status.success(),
        "{args:?} on the full disk: {}",
        text(&out.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn the_roster_and_key_areas_are_refused_cleanly_and_still_read_on_a_full_disk() {
    let Some(disk) = SmallDisk::mount("2m") else {
        return;
    };
    let data = disk.at.join("kestrel");
    let areas = disk.at.join("areas.geojson");
    std::fs::write(&areas, areas_geojson("market square", 5)).unwrap();
    let out = kestrel(&data, &["plan", "areas", "import", areas.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let big = std::env::temp_dir().join(format!("kestrel-areas-{}.geojson", std::process::id()));
    std::fs::write(&big, areas_geojson("station forecourt", 400)).unwrap();
    let _ballast = disk.fill_leaving("ballast", 24 * 1024);

    let mut people = 0;
    let mut refusal = None;
    for i in 0..2000 {
        let name = format!("Auxiliary officer number {i} of the air patrol unit");
        let badge = format!("B-{i:05}");
        let out = kestrel(
            &data,
            &[
                "crew",
                "person",
                "add",
                &name,
                "--role",
                "auxiliary",
                "--badge",
                &badge,
            ],
        );
        if !out.status.success() {
            refusal = Some(text(&out.stderr));
            break;
        }
        people += 1;
    }
    let refusal = refusal.expect("the disk never filled");
    assert!(
        refusal.contains("full") && refusal.contains("free some space"),
        "a refusal says the disk is full and what to do: {refusal}"
    );
    let out = kestrel(&data, &["plan", "areas", "import", big.to_str().unwrap()]);
    let _ = std::fs::remove_file(&big);
    assert!(!out.status.success(), "400 key areas fitted on a full disk");
    assert!(text(&out.stderr).contains("full"), "{}", text(&out.stderr));

    // On the full disk, what was stored before reads whole: no half-imported file.
    assert_eq!(json_len(&data, &["crew", "person", "list"]), people);
    assert_eq!(json_len(&data, &["plan", "areas", "list"]), 5);
    let out = kestrel(&data, &["plan", "areas", "export"]);
    assert!(out.status.success(), "export: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("market square 4"));
}

#[test]
fn dispatch_refuses_tasks_cleanly_on_a_full_disk_and_each_kept_one_has_its_audit_entry() {
    let Some(disk) = SmallDisk::mount("2m") else {
        return;
    };
    let data = disk.at.join("dispatch");
    let db = data.join("dispatch.db");
    // Dispatch has heard of team-1 (its fleet).
    let rt = tokio::runtime::Runtime::new().unwrap();
    {
        let store = kestrel::dispatch::DispatchStore::open(&db).unwrap();
        let aircraft = kestrel::dispatch::envelope::FleetAircraft {
            sysid: 1,
            callsign: None,
            lat: Some(36.45),
            lon: Some(115.98),
            alt_amsl_m: 0.0,
            alt_rel_m: 0.0,
            heading_deg: 0.0,
            ground_speed_ms: 0.0,
            mode: "LOITER".into(),
            armed: false,
            battery_pct: None,
            link: "connected".into(),
        };
        rt.block_on(store.apply(kestrel::dispatch::centre::store::Batch {
            fleet: vec![(
                "team-1".into(),
                kestrel::sightings::Timestamp::now(),
                vec![aircraft],
            )],
            ..Default::default()
        }))
        .unwrap();
    }
    let db_arg = db.to_str().unwrap().to_string();
    // A first task while there is room (it also creates dispatch's audit trail).
    let first = kestrel(
        &data,
        &[
            "dispatch",
            "task",
            "send",
            "--db",
            &db_arg,
            "--console",
            "team-1",
            "--lat",
            "36.4561",
            "--lon",
            "115.9852",
            "--note",
            "first task, before the disk fills",
        ],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let _ballast = disk.fill_leaving("ballast", 48 * 1024);
    let mut sent = 1;
    let mut refusal = None;
    for i in 0..2000 {
        let note = format!("patrol the north gate of the main square, round {i}, and report");
        let out = kestrel(
            &data,
            &[
                "dispatch",
                "task",
                "send",
                "--db",
                &db_arg,
                "--console",
                "team-1",
                "--lat",
                "36.4561",
                "--lon",
                "115.9852",
                "--note",
                &note,
                "--by",
                "li.na",
            ],
        );
        if !out.status.success() {
            refusal = Some(text(&out.stderr));
            break;
        }
        sent += 1;
    }
    let refusal = refusal.expect("the disk never filled");
    assert!(
        refusal.contains("full") && refusal.contains("free some space"),
        "a refusal says the disk is full and what to do: {refusal}"
    );
    // On the full disk: every task stored reads back, and each has its audit entry.
    let out = kestrel(&data, &["--json", "dispatch", "tasks", "--db", &db_arg]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let tasks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        tasks.len(),
        sent,
        "tasks said sent but not stored (or the reverse)"
    );
    let audit = data.join("dispatch-audit.db");
    let out = kestrel(
        &data,
        &["--json", "audit", "--db", audit.to_str().unwrap(), "export"],
    );
    assert!(out.status.success(), "audit export: {}", text(&out.stderr));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    for t in &tasks {
        let note = t["note"].as_str().unwrap();
        assert!(
            entries.iter().any(|e| e["action"] == "task.create"
                && e["detail"].as_str().unwrap_or("").contains(note)),
            "task '{note}' stands without its audit entry"
        );
    }
    let out = kestrel(&data, &["audit", "--db", audit.to_str().unwrap(), "verify"]);
    assert!(
        out.status.success(),
        "verify on a full disk: {}",
        text(&out.stderr)
    );
}
