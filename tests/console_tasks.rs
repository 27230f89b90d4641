//! Tasks from the command centre in the console window, headless (egui_kittest): a new task
//! shows in the status bar until someone answers it; the Tasks window accepts, declines only
//! with a reason, and for an accepted task points the camera there; the core's refusal is
//! shown. A picture of the window is in tests/snapshots/.

mod common;

use std::sync::Arc;
use std::time::Instant;

use egui_kittest::kittest::{NodeT, Queryable};
use uuid::Uuid;

use common::console::{click_when_shown, contains, shows, Window, WindowBuilder};
use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::{
    ConsoleHandle, Event, Intent, PayloadIntent, Settings, TaskEvent, TaskIntent, TaskView,
};
use kestrel::dispatch::tasks::TaskState;
use kestrel::payload::GimbalRequest;
use kestrel::sightings::Timestamp;
use kestrel::tasking::{Answer, ConsoleTask};

fn task(n: u128, state: TaskState, note: &str) -> ConsoleTask {
    let at = Timestamp(1_764_400_000_000 + n as i64 * 60_000);
    ConsoleTask {
        id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n),
        sysid: Some(1),
        lat: 36.4562 + n as f64 * 1e-3,
        lon: 115.9851,
        note: note.into(),
        sighting: None,
        created_by: "li.na".into(),
        created_at: at,
        state,
        state_at: at,
        state_by: None,
        reason: None,
        received_at: at,
    }
}

fn window(tasks: Vec<ConsoleTask>) -> Window {
    std::env::set_var("TZ", "UTC");
    let handle = ConsoleHandle::detached();
    let mut fleet = SyntheticFleet::new(2, Instant::now());
    fleet.step(10.0);
    let mut view = fleet.view(10.0, 1);
    view.tasks = TaskView {
        tasks: Arc::new(tasks),
        error: None,
    };
    handle.set_view(view);
    WindowBuilder::new(handle)
        .settings(Settings::default())
        .without_clock()
        .select(1)
        .rendered()
        .build()
}

#[test]
fn a_new_task_waits_in_the_status_bar_and_is_accepted_or_declined_with_a_reason() {
    let new = task(
        2,
        TaskState::Received,
        "grey van by the north gate, two men",
    );
    let accepted = task(1, TaskState::Accepted, "crowd at the east square");
    let mut h = window(vec![new.clone(), accepted.clone()]);
    h.run_steps(2);
    assert!(
        contains(&h, "NEW TASK from li.na: grey van by the north gate"),
        "no banner for the unanswered task"
    );
    click_when_shown(&mut h, "Tasks (2)");
    h.run_steps(3);
    assert!(shows(&h, "grey van by the north gate, two men"));
    h.snapshot("console_tasks_en");

    // Decline stays off until there is a reason for dispatch.
    assert!(h.get_by_label("Decline").accesskit_node().is_disabled());
    h.get_by_label("Accept").click();
    h.run_steps(2);
    match &h.state().handle().take_intents()[..] {
        [Intent::Tasks(TaskIntent::Answer { id, answer })] => {
            assert_eq!(*id, new.id);
            assert_eq!(*answer, Answer::Accept);
        }
        other => panic!("{other:?}"),
    }

    // The accepted one: point the camera there.
    h.get_by_label("Look there").click();
    h.run_steps(2);
    let intents = h.state().handle().take_intents();
    assert!(
        intents.iter().any(|i| matches!(
            i,
            Intent::Payload(PayloadIntent::Gimbal(1, GimbalRequest::Roi { lat, .. }))
                if (*lat - accepted.lat).abs() < 1e-9
        )),
        "{intents:?}"
    );

    // A refusal from the core is shown.
    h.state()
        .handle()
        .inject_event(Event::Tasks(TaskEvent::Refused {
            id: new.id,
            reason: "the audit trail failed (disk full)".into(),
        }));
    h.run_steps(2);
    assert!(contains(
        &h,
        "not recorded: the audit trail failed (disk full)"
    ));
}

/// A task that arrives in the console's inbox sounds until the crew answers it (a real core,
/// its inbox a real SQLite file, its sound a real GStreamer pipeline).
#[test]
fn a_new_task_sounds_until_the_crew_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = kestrel::tasking::TaskInbox::open_in(dir.path()).unwrap();
    let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0042);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(inbox.receive(vec![kestrel::tasking::model::TaskOrder {
        id,
        sysid: Some(1),
        lat: 36.456,
        lon: 115.985,
        note: "crowd at the east square".into(),
        sighting: None,
        created_by: "li.na".into(),
        created_at: Timestamp(1_764_400_000_000),
        closed: None,
    }]))
    .unwrap();
    let handle = common::console::core_in(dir.path());
    let sounding = |h: &ConsoleHandle| {
        h.view()
            .sound
            .status
            .held
            .contains(&("tasks".to_string(), kestrel::sound::Cue::Task))
    };
    common::wait::until("the new task sounding", common::wait::WAIT, || {
        sounding(&handle) && handle.view().sound.status.finished >= 1
    });
    handle.send(Intent::Tasks(TaskIntent::Answer {
        id,
        answer: Answer::Accept,
    }));
    common::wait::until("quiet once answered", common::wait::WAIT, || {
        !sounding(&handle)
    });
}
