//! Sightings from consoles to dispatch over a real Mosquitto started by each test: a backlog
//! built while the broker is down, the sync process killed with SIGKILL over and over, malformed
//! messages, two consoles sharing a broker (with fleet positions and CoT), every output of the
//! receiver handed what it stored, edits and corrections, and TLS with passwords.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::mqtt::{free_port, make_tls_files, Mosquitto};
use common::wait::eventually;
use kestrel::dispatch::broker::{BrokerConfig, Credentials};
use kestrel::dispatch::centre::receiver::{self, ReceiverConfig};
use kestrel::dispatch::centre::store::DispatchStore;
use kestrel::dispatch::centre::DispatchOutput;
use kestrel::dispatch::cot::{CotSender, CotTarget};
use kestrel::dispatch::envelope::FleetAircraft;
use kestrel::dispatch::outbox::sync::{self, SyncConfig, SyncError};
use kestrel::sightings::{
    Category, DeliveryState, NewSighting, Position, Priority, SightingEdit, SightingStore,
    Timestamp,
};
use uuid::Uuid;

const KESTREL: &str = env!("CARGO_BIN_EXE_kestrel");
const WAIT: Duration = Duration::from_secs(90);

fn broker(url: &str) -> BrokerConfig {
    BrokerConfig::new(url.parse().unwrap(), None, None).unwrap()
}

fn fast_sync(broker: BrokerConfig) -> SyncConfig {
    let mut c = SyncConfig::new(broker);
    c.backoff_min = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(300);
    c.ack_timeout = Duration::from_millis(1500);
    c
}

fn fast_receiver(broker: BrokerConfig) -> ReceiverConfig {
    let mut c = ReceiverConfig::new(broker);
    c.backoff_min = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(300);
    c
}

fn sighting(i: usize) -> NewSighting {
    let mut n = NewSighting::new(
        [
            Category::Person,
            Category::Vehicle,
            Category::Fire,
            Category::Rescue,
        ][i % 4],
        Position::new(52.5 + i as f64 * 1e-5, 13.4),
    )
    .note(format!("sighting {i}"));
    n.aircraft.sysid = Some(1 + (i % 3) as u8);
    n
}

async fn add_many(store: &SightingStore, range: std::ops::Range<usize>) -> Vec<Uuid> {
    let pending: Vec<_> = range.map(|i| store.submit(sighting(i))).collect();
    let mut ids = Vec::new();
    for p in pending {
        ids.push(p.await.expect("writer alive").expect("sighting saved").id);
    }
    ids
}

fn assert_exactly_once(dispatch: &DispatchStore, expected: &[Uuid]) {
    let held = dispatch.list().unwrap();
    let mut seen = HashMap::new();
    for d in &held {
        *seen.entry(d.sighting.id).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    let want: HashSet<Uuid> = expected.iter().copied().collect();
    let have: HashSet<Uuid> = seen.keys().copied().collect();
    let missing: Vec<_> = want.difference(&have).collect();
    assert!(
        missing.is_empty(),
        "{} sightings never reached dispatch, e.g. {:?}",
        missing.len(),
        missing.first()
    );
    let extra: Vec<_> = have.difference(&want).collect();
    assert!(
        extra.is_empty(),
        "dispatch holds sightings nobody made: {extra:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_of_1000_made_while_the_broker_is_down_is_delivered_and_acknowledged_once() {
    let port = free_port();
    let url = format!("mqtt://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(dir.path()).unwrap();
    let worker = sync::start(console.clone(), fast_sync(broker(&url)), None).unwrap();
    // A second worker on the same queue is refused while the first runs.
    match sync::start(console.clone(), fast_sync(broker(&url)), None) {
        Err(SyncError::AlreadyRunning(_)) => {}
        other => panic!("second worker not refused: {:?}", other.map(|_| ())),
    }
    let ids = add_many(&console, 0..1000).await;
    let status = worker.status();
    assert!(
        eventually(WAIT, || status.borrow().last_error.is_some()).await,
        "the worker never reported the broker as unreachable"
    );
    let err = status.borrow().last_error.clone().unwrap();
    assert!(err.contains(&url), "{err}");
    let counts = console.counts().unwrap();
    assert_eq!(
        (counts.queued, counts.delivered, counts.acknowledged),
        (1000, 0, 0)
    );

    let mosquitto = Mosquitto::start_on(port);
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(dispatch.clone(), fast_receiver(broker(&mosquitto.url())));
    let done = eventually(WAIT, || console.counts().unwrap().acknowledged == 1000).await;
    assert!(
        done,
        "not all acknowledged: {:?}; broker log:\n{}",
        console.counts().unwrap(),
        mosquitto.log()
    );
    assert_exactly_once(&dispatch, &ids);
    let list = console.list().unwrap();
    assert!(list
        .iter()
        .all(|r| r.state == DeliveryState::Acknowledged && r.delivered_at.is_some()));
    worker.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_with_sigkill_twenty_times_loses_nothing_and_stores_nothing_twice() {
    let mosquitto = Mosquitto::start();
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(dispatch.clone(), fast_receiver(broker(&mosquitto.url())));
    let dir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(dir.path()).unwrap();
    let sync_cmd = |until_empty: bool| {
        let mut c = Command::new(KESTREL);
        c.arg("--data-dir")
            .arg(dir.path())
            .args(["sync", "--broker", &mosquitto.url()])
            .args([
                "--backoff-min-ms",
                "20",
                "--backoff-max-ms",
                "200",
                "--ack-timeout-ms",
                "500",
            ])
            .stdin(Stdio::null());
        if until_empty {
            c.args(["--until-empty", "--timeout", "80"]);
        } else {
            c.stdout(Stdio::null()).stderr(Stdio::null());
        }
        c
    };
    let mut ids = Vec::new();
    let mut killed_with_work_left = 0;
    for round in 0..20 {
        // The crew keeps adding sightings while the worker runs, so it is always busy.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let adder = {
            let (store, stop) = (console.clone(), stop.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut i = round * 1000;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    ids.push(store.add(sighting(i)).await.expect("saved").id);
                    i += 1;
                    // The scenario's pace: a sighting every few milliseconds.
                    tokio::time::sleep(Duration::from_millis(4)).await;
                }
                ids
            })
        };
        let mut child = sync_cmd(false).spawn().expect("run kestrel sync");
        // The scenario: killed at a random moment of its work (not waiting for anything).
        tokio::time::sleep(Duration::from_millis(fastrand::u64(20..300))).await;
        if console.counts().unwrap().unacknowledged() > 0 {
            killed_with_work_left += 1;
        }
        child.kill().expect("SIGKILL kestrel sync");
        child.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        ids.extend(adder.await.unwrap());
    }
    assert!(
        killed_with_work_left >= 15,
        "only {killed_with_work_left} of 20 kills hit a sync in progress"
    );
    let out = sync_cmd(true)
        .output()
        .expect("run kestrel sync --until-empty");
    assert!(
        out.status.success(),
        "final sync failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = console.counts().unwrap();
    assert_eq!(counts.acknowledged as usize, ids.len(), "{counts:?}");
    assert!(eventually(WAIT, || dispatch.count().unwrap() as usize == ids.len()).await);
    assert_exactly_once(&dispatch, &ids);
    let copies: u64 = dispatch.list().unwrap().iter().map(|d| d.copies).sum();
    eprintln!(
        "{} sightings, {copies} copies received by dispatch, each stored once; {killed_with_work_left} of 20 kills mid-sync",
        ids.len()
    );
    receiver.stop().await;
}

async fn raw_client(url: &str, id: &str) -> (rumqttc::AsyncClient, tokio::task::JoinHandle<()>) {
    let cfg = broker(url);
    let (client, mut eventloop) = rumqttc::AsyncClient::new(cfg.options(id, true), 64);
    let task = tokio::spawn(async move { while eventloop.poll().await.is_ok() {} });
    (client, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unexpected_messages_are_rejected_and_logged_and_nothing_crashes() {
    let mosquitto = Mosquitto::start();
    let url = mosquitto.url();
    let ddir = tempfile::tempdir().unwrap();
    let db = ddir.path().join("dispatch.db");
    let dispatch_err = ddir.path().join("dispatch.err");
    let mut dispatch = Command::new(KESTREL)
        .args([
            "dispatch",
            "serve",
            "--broker",
            &url,
            "--backoff-min-ms",
            "20",
        ])
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&dispatch_err).unwrap())
        .spawn()
        .expect("run kestrel dispatch serve");
    let cdir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(cdir.path()).unwrap();
    console.set_console_id("c1").await.unwrap();
    let sync_err = cdir.path().join("sync.err");
    let mut sync = Command::new(KESTREL)
        .arg("--data-dir")
        .arg(cdir.path())
        .args([
            "sync",
            "--broker",
            &url,
            "--backoff-min-ms",
            "20",
            "--ack-timeout-ms",
            "1000",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&sync_err).unwrap())
        .spawn()
        .expect("run kestrel sync");
    // Both sides up: one good sighting round-trips first.
    let first = console.add(sighting(1)).await.unwrap();
    assert!(
        eventually(WAIT, || console.get(first.id).unwrap().unwrap().state
            == DeliveryState::Acknowledged)
        .await,
        "first sighting never acknowledged; sync log:\n{}",
        std::fs::read_to_string(&sync_err).unwrap_or_default()
    );

    let (evil, evil_task) = raw_client(&url, "evil").await;
    let sightings = "kestrel/v1/consoles/c1/sightings";
    let good = serde_json::to_value(kestrel::dispatch::envelope::SightingMessage::new(
        "c1",
        99,
        sighting(2).into_sighting().0,
        None,
    ))
    .unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        (sightings, b"this is not json".to_vec()),
        (sightings, vec![0xFF, 0x00, 0xFE, 0x7B]),
        (sightings, b"{\"v\":1,\"kind\":\"sighting\"}".to_vec()),
        (sightings, with(&|v| v["v"] = 7.into())),
        (sightings, with(&|v| v["sighting"]["position"]["lat"] = 200.0.into())),
        (sightings, with(&|v| v["console"] = "someone-else".into())),
        (sightings, with(&|v| v["sighting"]["note"] = "x".repeat(5000).into())),
        ("kestrel/v1/consoles/c1/fleet", b"[]".to_vec()),
        ("kestrel/v1/consoles/c1/orders", b"{\"v\":1}".to_vec()),
        ("kestrel/v1/consoles/c$1/sightings", b"{}".to_vec()),
        ("kestrel/v1/dispatch/acks/c1", b"nonsense".to_vec()),
        ("kestrel/v1/dispatch/acks/c1", b"{\"v\":1,\"kind\":\"ack\",\"console\":\"c1\",\"sent_at\":\"2025-01-01T00:00:00Z\",\"acks\":[{\"id\":\"zzz\",\"revision\":0}]}".to_vec()),
    ];
    let dispatch_side = garbage
        .iter()
        .filter(|(t, _)| !t.contains("/acks/"))
        .count();
    for (topic, payload) in &garbage {
        evil.publish(*topic, rumqttc::QoS::AtLeastOnce, false, payload.clone())
            .await
            .unwrap();
    }
    // An acknowledgement of a sighting this console never made is harmless.
    let stray = kestrel::dispatch::envelope::AckMessage::new(
        "c1",
        vec![kestrel::dispatch::envelope::Ack {
            id: Uuid::now_v7(),
            revision: 0,
        }],
    );
    evil.publish(
        "kestrel/v1/dispatch/acks/c1",
        rumqttc::QoS::AtLeastOnce,
        false,
        stray.encode(),
    )
    .await
    .unwrap();

    // Everything sent after the garbage still goes through.
    let after = add_many(&console, 10..40).await;
    assert!(
        eventually(WAIT, || after.iter().all(|id| console
            .get(*id)
            .unwrap()
            .unwrap()
            .state
            == DeliveryState::Acknowledged))
        .await,
        "sightings after the garbage were not acknowledged"
    );
    assert!(
        dispatch.try_wait().unwrap().is_none(),
        "dispatch serve died"
    );
    assert!(sync.try_wait().unwrap().is_none(), "kestrel sync died");

    let rejections = || -> Vec<serde_json::Value> {
        let out = Command::new(KESTREL)
            .args(["--json", "dispatch", "list", "--rejected", "--db"])
            .arg(&db)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert!(
        eventually(WAIT, || rejections().len() >= dispatch_side).await,
        "dispatch kept {} rejections, expected {dispatch_side}: {:#?}",
        rejections().len(),
        rejections()
    );
    let rejected = rejections();
    let reasons: Vec<String> = rejected
        .iter()
        .map(|r| r["reason"].as_str().unwrap_or("").to_string())
        .collect();
    for expect in [
        "not a JSON object",
        "version 7 is not supported",
        "latitude 200",
        "console 'c1'",
        "note is 5000 characters",
        "not a Kestrel console topic",
        "malformed sighting",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expect)),
            "no rejection mentioning '{expect}' in {reasons:#?}"
        );
    }
    let held = DispatchStore::open(&db).unwrap().list().unwrap();
    assert_eq!(
        held.len(),
        31,
        "only the console's real sightings are stored"
    );

    let _ = sync.kill();
    let _ = dispatch.kill();
    let _ = sync.wait();
    let _ = dispatch.wait();
    let dlog = std::fs::read_to_string(&dispatch_err).unwrap();
    assert!(
        dlog.contains("rejected message on kestrel/v1/consoles/c1/sightings"),
        "{dlog}"
    );
    let slog = std::fs::read_to_string(&sync_err).unwrap();
    assert!(
        slog.contains("rejected message on kestrel/v1/dispatch/acks/c1"),
        "{slog}"
    );
    evil_task.abort();
}

fn fleet_of(sysid: u8, callsign: &str) -> kestrel::dispatch::outbox::fleet::FleetSource {
    let callsign = callsign.to_string();
    Arc::new(move || {
        vec![FleetAircraft {
            sysid,
            callsign: Some(callsign.clone()),
            lat: Some(48.0 + f64::from(sysid) / 100.0),
            lon: Some(11.0),
            alt_amsl_m: 580.0,
            alt_rel_m: 60.0,
            heading_deg: 90.0,
            ground_speed_ms: 8.0,
            mode: "AUTO".into(),
            armed: true,
            battery_pct: Some(70.0),
            link: "connected".into(),
        }]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_consoles_and_one_dispatch_share_a_broker_with_fleet_positions_and_cot() {
    let mosquitto = Mosquitto::start();
    let url = mosquitto.url();
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let tak = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut rcfg = fast_receiver(broker(&url));
    rcfg.outputs.push(Box::new(CotSender::start(CotTarget::Udp(
        tak.local_addr().unwrap(),
    ))));
    let receiver = receiver::start(dispatch.clone(), rcfg);

    let mut consoles = Vec::new();
    for (name, sysid) in [("alpha", 1u8), ("bravo", 2u8)] {
        let dir = tempfile::tempdir().unwrap();
        let store = SightingStore::open_in(dir.path()).unwrap();
        store.set_console_id(name).await.unwrap();
        let mut cfg = fast_sync(broker(&url));
        cfg.fleet_interval = Duration::from_millis(200);
        let worker = sync::start(
            store.clone(),
            cfg,
            Some(fleet_of(sysid, &format!("EAGLE {sysid}"))),
        )
        .unwrap();
        consoles.push((name, dir, store, worker));
    }
    let mut expected: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for (name, _, store, _) in &consoles {
        expected.insert(name, add_many(store, 0..50).await);
    }
    for (name, _, store, _) in &consoles {
        assert!(
            eventually(WAIT, || store.counts().unwrap().acknowledged == 50).await,
            "{name}: {:?}",
            store.counts().unwrap()
        );
    }
    let all: Vec<Uuid> = expected.values().flatten().copied().collect();
    assert_exactly_once(&dispatch, &all);
    for d in dispatch.list().unwrap() {
        assert!(
            expected[d.console.as_str()].contains(&d.sighting.id),
            "{} filed under the wrong console",
            d.sighting.id
        );
    }
    // Each console only ever saw its own acknowledgements.
    for (name, _, _, worker) in &consoles {
        let s = worker.status().borrow().clone();
        assert_eq!(s.rejected, 0, "{name}: {:?}", s.last_rejection);
        assert_eq!(s.acknowledged, 50, "{name}");
    }
    // Dispatch follows both fleets.
    let fleet = receiver.fleet();
    assert!(
        eventually(WAIT, || fleet.borrow().len() == 2).await,
        "live fleet: {:?}",
        fleet.borrow()
    );
    let live = fleet.borrow().clone();
    assert_eq!(live[0].console, "alpha");
    assert_eq!(live[0].aircraft.callsign.as_deref(), Some("EAGLE 1"));
    assert_eq!(live[1].console, "bravo");
    assert_eq!(dispatch.fleet().unwrap().len(), 2);
    // And TAK got sightings and aircraft as CoT.
    let mut kinds = HashSet::new();
    let mut buf = vec![0u8; 65536];
    while kinds.len() < 2 {
        let (n, _) = tokio::time::timeout(WAIT, tak.recv_from(&mut buf))
            .await
            .expect("CoT events")
            .unwrap();
        let xml = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(xml.contains("<event version=\"2.0\""), "{xml}");
        if xml.contains("uid=\"kestrel-sighting-") {
            kinds.insert("sighting");
        }
        if xml.contains("uid=\"kestrel-alpha-1\"") || xml.contains("uid=\"kestrel-bravo-2\"") {
            kinds.insert("aircraft");
        }
    }
    for (_, _, _, worker) in consoles {
        worker.stop().await.unwrap();
    }
    receiver.stop().await;
}

/// An output that writes down everything the receiver hands on to it.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Handed>>);

#[derive(Default)]
struct Handed {
    /// (console, sighting, revision) of each stored sighting, in the order handed on.
    sightings: Vec<(String, Uuid, u32)>,
    /// (console, system id) of each aircraft of each fleet report.
    fleet: Vec<(String, u8)>,
}

impl DispatchOutput for Recorder {
    fn sighting_stored(&self, console: &str, s: &kestrel::sightings::Sighting) {
        let mut h = self.0.lock().unwrap();
        h.sightings.push((console.to_string(), s.id, s.revision));
    }

    fn fleet_update(&self, console: &str, _sent_at: Timestamp, aircraft: &[FleetAircraft]) {
        let mut h = self.0.lock().unwrap();
        h.fleet
            .extend(aircraft.iter().map(|a| (console.to_string(), a.sysid)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_of_the_receiver_gets_each_stored_sighting_once_and_the_fleet() {
    let mosquitto = Mosquitto::start();
    let url = mosquitto.url();
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let (first, second) = (Recorder::default(), Recorder::default());
    let mut rcfg = fast_receiver(broker(&url));
    rcfg.outputs.push(Box::new(first.clone()));
    rcfg.outputs.push(Box::new(second.clone()));
    let receiver = receiver::start(dispatch.clone(), rcfg);

    let dir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(dir.path()).unwrap();
    console.set_console_id("alpha").await.unwrap();
    let mut cfg = fast_sync(broker(&url));
    cfg.fleet_interval = Duration::from_millis(200);
    let worker = sync::start(console.clone(), cfg, Some(fleet_of(1, "EAGLE 1"))).unwrap();
    let ids = add_many(&console, 0..30).await;
    assert!(
        eventually(WAIT, || console.counts().unwrap().acknowledged == 30).await,
        "{:?}",
        console.counts().unwrap()
    );
    assert_exactly_once(&dispatch, &ids);
    for (name, out) in [("first", &first), ("second", &second)] {
        assert!(
            eventually(WAIT, || out
                .0
                .lock()
                .unwrap()
                .fleet
                .contains(&("alpha".to_string(), 1)))
            .await,
            "the {name} output never got alpha's fleet"
        );
    }
    // Both outputs were handed exactly what dispatch stored, each sighting once.
    let mut stored: Vec<(String, Uuid, u32)> = dispatch
        .list()
        .unwrap()
        .into_iter()
        .map(|d| (d.console, d.sighting.id, d.sighting.revision))
        .collect();
    stored.sort();
    for (name, out) in [("first", &first), ("second", &second)] {
        let mut handed = out.0.lock().unwrap().sightings.clone();
        handed.sort();
        assert_eq!(handed, stored, "the {name} output");
    }
    worker.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_before_delivery_arrive_as_the_newest_revision_with_the_snapshot_and_corrections_are_appended(
) {
    let port = free_port();
    let url = format!("mqtt://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(dir.path()).unwrap();
    let worker = sync::start(console.clone(), fast_sync(broker(&url)), None).unwrap();
    let jpeg: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain((0..200_000u32).map(|i| (i % 251) as u8))
        .collect();
    let mut first = sighting(0);
    first.snapshot =
        Some(kestrel::sightings::SnapshotData::from_jpeg("cam1.jpg", jpeg.clone()).unwrap());
    let s = console.add(first).await.unwrap();
    let edited = console
        .edit(
            s.id,
            SightingEdit {
                note: Some("two people, one injured".into()),
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mosquitto = Mosquitto::start_on(port);
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(dispatch.clone(), fast_receiver(broker(&mosquitto.url())));
    assert!(
        eventually(WAIT, || console.get(s.id).unwrap().unwrap().state
            == DeliveryState::Acknowledged)
        .await
    );
    let held = dispatch.get(s.id).unwrap().unwrap();
    assert_eq!(held.sighting.revision, edited.revision);
    assert_eq!(held.sighting.note, "two people, one injured");
    assert_eq!(held.sighting.priority, Priority::Urgent);
    // The snapshot travelled with it, checked against its SHA-256.
    assert_eq!(
        dispatch.snapshot_jpeg(s.id).unwrap().as_deref(),
        Some(jpeg.as_slice())
    );
    assert_eq!(
        held.sighting.snapshot.as_ref().unwrap().bytes,
        jpeg.len() as u64
    );
    // Sent: editing is refused, a correction is a new sighting pointing at the original.
    assert!(console
        .edit(
            s.id,
            SightingEdit {
                note: Some("x".into()),
                ..Default::default()
            }
        )
        .await
        .is_err());
    let fix = console
        .correct(
            s.id,
            SightingEdit {
                category: Some(Category::Rescue),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(eventually(WAIT, || dispatch.get(fix.id).unwrap().is_some()).await);
    let got = dispatch.get(fix.id).unwrap().unwrap();
    assert_eq!(got.sighting.corrects, Some(s.id));
    assert_eq!(got.sighting.category, Category::Rescue);
    assert_eq!(
        dispatch.get(s.id).unwrap().unwrap().sighting.category,
        held.sighting.category
    );
    worker.stop().await.unwrap();
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_test_ca_and_a_password_and_clear_errors_when_either_is_wrong() {
    let certs = tempfile::tempdir().unwrap();
    let tls = make_tls_files(certs.path(), "console7", "correct horse");
    let mosquitto = Mosquitto::start_tls(tls.clone());
    let url: kestrel::dispatch::BrokerUrl = mosquitto.url().parse().unwrap();
    let good = || {
        BrokerConfig::new(
            url.clone(),
            Some(&tls.ca),
            Some(Credentials::new("console7", "correct horse")),
        )
        .unwrap()
    };

    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let receiver = receiver::start(dispatch.clone(), fast_receiver(good()));
    let dir = tempfile::tempdir().unwrap();
    let console = SightingStore::open_in(dir.path()).unwrap();
    let worker = sync::start(console.clone(), fast_sync(good()), None).unwrap();
    let ids = add_many(&console, 0..20).await;
    assert!(
        eventually(WAIT, || console.counts().unwrap().acknowledged == 20).await,
        "{:?} {:?}\n{}",
        console.counts().unwrap(),
        worker.status().borrow().last_error,
        mosquitto.log()
    );
    assert_exactly_once(&dispatch, &ids);
    worker.stop().await.unwrap();

    // Wrong password: refused, said so, nothing sent.
    let dir2 = tempfile::tempdir().unwrap();
    let console2 = SightingStore::open_in(dir2.path()).unwrap();
    console2.add(sighting(1)).await.unwrap();
    let bad_pw = BrokerConfig::new(
        url.clone(),
        Some(&tls.ca),
        Some(Credentials::new("console7", "wrong")),
    )
    .unwrap();
    let w2 = sync::start(console2.clone(), fast_sync(bad_pw), None).unwrap();
    let st = w2.status();
    assert!(eventually(WAIT, || st.borrow().last_error.is_some()).await);
    let err = st.borrow().last_error.clone().unwrap();
    assert!(err.contains("user name or password"), "{err}");
    assert_eq!(console2.counts().unwrap().queued, 1);
    w2.stop().await.unwrap();

    // A broker whose certificate the client cannot verify (system roots only): a TLS error.
    let untrusted = BrokerConfig::new(
        url.clone(),
        None,
        Some(Credentials::new("console7", "correct horse")),
    );
    if let Ok(untrusted) = untrusted {
        let w3 = sync::start(console2.clone(), fast_sync(untrusted), None).unwrap();
        let st = w3.status();
        assert!(eventually(WAIT, || st.borrow().last_error.is_some()).await);
        let err = st.borrow().last_error.clone().unwrap();
        assert!(err.contains("TLS"), "{err}");
        w3.stop().await.unwrap();
    }
    assert_eq!(console2.counts().unwrap().queued, 1);
    receiver.stop().await;

    // The CLI reads the password from the environment, never from its arguments.
    let out = Command::new(KESTREL)
        .arg("--data-dir")
        .arg(dir2.path())
        .args([
            "sync",
            "--broker",
            &mosquitto.url(),
            "--until-empty",
            "--timeout",
            "5",
            "--backoff-min-ms",
            "20",
        ])
        .arg("--ca")
        .arg(&tls.ca)
        .env("KESTREL_BROKER_USERNAME", "console7")
        .env("KESTREL_BROKER_PASSWORD", "correct horse")
        .output()
        .unwrap();
    // Nobody acknowledges (the receiver is stopped), but the sighting is delivered over TLS.
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not acknowledged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(console2.counts().unwrap().delivered, 1);
}
