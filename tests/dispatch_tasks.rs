//! Tasks from the command centre to a team over a real Mosquitto: dispatch's receiver and a
//! console's sync worker, each with its own SQLite database. A task goes queued → sent →
//! received → accepted; with the broker dead, the crew reports on scene and the dispatcher
//! closes the task, and both sides catch up once it is back. The command line shows the same,
//! and a dispatcher's acknowledgement made there reaches the console with the dispatcher's name.

mod common;

use std::time::Duration;

use common::cli::kestrel;
use common::mqtt::Mosquitto;
use common::wait::eventually;
use kestrel::dispatch::broker::BrokerConfig;
use kestrel::dispatch::centre::receiver::{self, ReceiverConfig};
use kestrel::dispatch::centre::store::DispatchStore;
use kestrel::dispatch::centre::task_book::NewTask;
use kestrel::dispatch::envelope::FleetAircraft;
use kestrel::dispatch::outbox::sync::{self, SyncConfig};
use kestrel::dispatch::tasks::TaskState;
use kestrel::sightings::SightingStore;
use kestrel::tasking::{Answer, TaskInbox};

const WAIT: Duration = Duration::from_secs(60);

fn broker(url: &str) -> BrokerConfig {
    BrokerConfig::new(url.parse().unwrap(), None, None).unwrap()
}

fn aircraft() -> FleetAircraft {
    FleetAircraft {
        sysid: 1,
        callsign: Some("EAGLE 1".into()),
        lat: Some(36.45),
        lon: Some(115.98),
        alt_amsl_m: 80.0,
        alt_rel_m: 50.0,
        heading_deg: 0.0,
        ground_speed_ms: 0.0,
        mode: "LOITER".into(),
        armed: true,
        battery_pct: Some(70.0),
        link: "connected".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_reaches_the_team_and_its_answers_come_back_even_across_a_dead_broker() {
    let mosquitto = Mosquitto::start();
    let url = mosquitto.url();
    let ddir = tempfile::tempdir().unwrap();
    let dispatch = DispatchStore::open(&ddir.path().join("dispatch.db")).unwrap();
    let mut rcfg = ReceiverConfig::new(broker(&url));
    rcfg.backoff_min = Duration::from_millis(20);
    rcfg.backoff_max = Duration::from_millis(300);
    let receiver = receiver::start(dispatch.clone(), rcfg);
    let acks = receiver.ack_publisher();

    let cdir = tempfile::tempdir().unwrap();
    let sightings = SightingStore::open_in(cdir.path()).unwrap();
    sightings.set_console_id("team-1").await.unwrap();
    let inbox = TaskInbox::open_in(cdir.path()).unwrap();
    let mut cfg = SyncConfig::new(broker(&url));
    cfg.backoff_min = Duration::from_millis(20);
    cfg.backoff_max = Duration::from_millis(300);
    cfg.fleet_interval = Duration::from_millis(200);
    cfg.tasks = Some(inbox.clone());
    let worker = sync::start(
        sightings.clone(),
        cfg,
        Some(std::sync::Arc::new(|| vec![aircraft()])),
    )
    .unwrap();

    // Dispatch knows the team once its fleet arrives.
    assert!(eventually(WAIT, || !dispatch.fleet().unwrap().is_empty()).await);
    let task = dispatch
        .create_task(
            NewTask {
                console: "team-1".into(),
                sysid: Some(1),
                lat: 36.4512,
                lon: 115.9833,
                note: "grey van by the north gate, two men".into(),
                sighting: None,
            },
            "li.na",
        )
        .await
        .unwrap()
        .unwrap();
    acks.poke();
    let state = |id| dispatch.task(id).unwrap().unwrap().state;
    assert!(
        eventually(WAIT, || inbox.get(task.id).unwrap().is_some()).await,
        "the console never got the task"
    );
    let held = inbox.get(task.id).unwrap().unwrap();
    assert_eq!(held.note, "grey van by the north gate, two men");
    assert_eq!(held.created_by, "li.na");
    assert!(
        eventually(WAIT, || state(task.id) == TaskState::Received).await,
        "dispatch never heard it was received: {:?}",
        state(task.id)
    );

    inbox
        .answer(task.id, Answer::Accept, Some("pilot".into()))
        .await
        .unwrap();
    assert!(eventually(WAIT, || state(task.id) == TaskState::Accepted).await);
    assert_eq!(
        dispatch.task(task.id).unwrap().unwrap().state_by.as_deref(),
        Some("pilot")
    );

    // A dispatcher at the server's command line acknowledges a sighting by name: the console
    // learns who.
    let seen = sightings
        .add(kestrel::sightings::NewSighting::new(
            kestrel::sightings::Category::Vehicle,
            kestrel::sightings::Position::new(36.4513, 115.9834),
        ))
        .await
        .unwrap();
    assert!(eventually(WAIT, || dispatch.get(seen.id).unwrap().is_some()).await);
    let db = ddir.path().join("dispatch.db");
    let out = kestrel(
        ddir.path(),
        &[
            "dispatch",
            "ack",
            &seen.id.to_string(),
            "--db",
            db.to_str().unwrap(),
            "--by",
            "wang.wei",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        eventually(WAIT, || sightings
            .get(seen.id)
            .unwrap()
            .and_then(|r| r.dispatcher_ack)
            .is_some_and(|a| a.by == "wang.wei"))
        .await,
        "the console never learnt who acknowledged it"
    );

    // The broker dies. Both sides go on; nothing is lost.
    let port = mosquitto.stop();
    inbox
        .answer(task.id, Answer::OnScene, Some("pilot".into()))
        .await
        .unwrap();
    dispatch
        .close_task(task.id, "li.na", Some("van stopped by ground unit".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        inbox.get(task.id).unwrap().unwrap().state,
        TaskState::OnScene
    );
    let _back = Mosquitto::start_on(port);
    assert!(
        eventually(WAIT, || inbox.get(task.id).unwrap().unwrap().state
            == TaskState::Closed)
        .await,
        "the closure never reached the console"
    );
    let at_console = inbox.get(task.id).unwrap().unwrap();
    assert_eq!(
        at_console.reason.as_deref(),
        Some("van stopped by ground unit")
    );
    // The "on scene" the console sent while the broker was down is in dispatch's history,
    // in the order dispatch learnt of it.
    assert!(
        eventually(WAIT, || dispatch
            .task(task.id)
            .unwrap()
            .unwrap()
            .history
            .iter()
            .any(|s| s.state == TaskState::OnScene))
        .await
    );
    let steps: Vec<TaskState> = dispatch
        .task(task.id)
        .unwrap()
        .unwrap()
        .history
        .iter()
        .map(|s| s.state)
        .collect();
    assert_eq!(
        steps,
        [
            TaskState::Queued,
            TaskState::Sent,
            TaskState::Received,
            TaskState::Accepted,
            TaskState::Closed,
            // Reported while the broker was down, so it reached dispatch after the closure.
            TaskState::OnScene,
        ]
    );
    let _ = worker.stop().await;
    receiver.stop().await;

    // The command line on both sides.
    let out = kestrel(
        ddir.path(),
        &[
            "dispatch",
            "tasks",
            "--db",
            ddir.path().join("dispatch.db").to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&task.id.to_string()) && text.contains("closed"),
        "{text}"
    );
    let out = kestrel(cdir.path(), &["task", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("closed") && text.contains("li.na"), "{text}");
    let out = kestrel(cdir.path(), &["task", "accept", &task.id.to_string()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is closed: it cannot be accepted now"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
