//! The pilot's pre-flight checklist against the simulator over real loopback sockets: with the
//! checklist enforced the console's core refuses to arm an aircraft until the crew has ticked
//! what only people can check, names what is open, and audits the refusal; once complete the
//! aircraft arms, and the checklist as it stood goes to the audit trail and to the sortie the
//! aircraft flies. Landing (disarming) forgets the ticks, so the next sortie is checked afresh.
//! In the window, a refused arm opens the checklist; the pilot ticks the items there, sees it
//! complete, and arms.

mod common;

use std::path::Path;

use common::console::{
    aircraft, click, command, contains, core_with_simulator, wait_event, wait_until, WindowBuilder,
};
use common::wait::{self, WAIT};

use kestrel::audit::AuditLog;
use kestrel::checklist::{ChecklistSettings, ItemId, ItemState};
use kestrel::console::{ChecklistIntent, ConsoleConfig, Event, Intent};
use kestrel::crew::CrewStore;
use kestrel::protocol::PilotAction;

fn audit_entries(dir: &Path) -> Vec<kestrel::audit::AuditEntry> {
    AuditLog::open(&dir.join("audit.db"))
        .and_then(|log| log.entries())
        .unwrap_or_default()
}

/// Sgt. Li's console with the checklist enforced (without signing: the simulated aircraft does
/// not sign).
fn enforced() -> ConsoleConfig {
    ConsoleConfig {
        operator: "Sgt. Li".into(),
        checklist: ChecklistSettings {
            enforce: true,
            omit: [ItemId::Signing].into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

const MANUAL: [ItemId; 3] = [ItemId::Airframe, ItemId::AreaClear, ItemId::CrewBriefed];

#[test]
fn an_enforced_checklist_holds_arming_until_the_crew_ticks_it_and_stays_with_the_sortie() {
    let dir = tempfile::tempdir().unwrap();
    common::crew::uploaded_sortie(dir.path(), "Sgt. Li", ["Wang Fang", "Zhao Lei"]);
    let (handle, _sim, _) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..enforced()
        },
        aircraft(1),
    );
    // Every item telemetry decides is judged good once the simulator's estimate is ready.
    wait::until("the telemetry items of aircraft 1 to pass", WAIT, || {
        let view = handle.view();
        let report = view.checklist.report(1)?;
        let telemetry_done = report
            .items
            .iter()
            .filter(|i| !i.item.is_manual())
            .all(|i| i.state.is_done());
        telemetry_done.then_some(())
    });

    // Nothing ticked yet: the core refuses to arm, says what is open, and audits the refusal.
    let refused = command(&handle, PilotAction::Arm);
    let why = refused.outcome.clone().unwrap_err();
    assert!(
        why.contains("pre-flight checklist is not complete (3 of 9 open)")
            && why.contains("area-clear: not ticked yet"),
        "{why}"
    );
    assert!(!handle.view().fleet.get(1).unwrap().armed);
    wait::until("the refusal in the audit trail", WAIT, || {
        audit_entries(dir.path())
            .iter()
            .any(|e| e.detail == "arm" && e.result.starts_with("refused: the pre-flight checklist"))
    });

    // Telemetry items cannot be ticked by hand.
    handle.send(Intent::Checklist(ChecklistIntent::Tick {
        aircraft: 1,
        item: ItemId::Gps,
        checked: true,
    }));
    let Event::Checklist(kestrel::console::ChecklistEvent::Refused(why)) =
        wait_event(&handle, "the refused tick", |e| {
            matches!(e, Event::Checklist(_))
        })
    else {
        panic!("the GPS tick was not refused");
    };
    assert!(
        why.contains("checked from the aircraft's telemetry"),
        "{why}"
    );

    // The crew ticks what only people can check; the aircraft then arms at once.
    for item in MANUAL {
        handle.send(Intent::Checklist(ChecklistIntent::Tick {
            aircraft: 1,
            item,
            checked: true,
        }));
    }
    let armed = command(&handle, PilotAction::Arm);
    assert!(armed.accepted(), "{:?}", armed.outcome);
    wait::until("aircraft 1 armed", WAIT, || {
        handle.view().fleet.get(1).is_some_and(|a| a.armed)
    });

    // The checklist as it stood is in the audit trail and on the sortie.
    let entry = wait::until("the checklist in the audit trail", WAIT, || {
        audit_entries(dir.path())
            .into_iter()
            .find(|e| e.action == "checklist" && e.result == "complete")
    });
    assert!(
        entry.detail.contains("for sortie 1") && entry.detail.contains("ticked by Sgt. Li"),
        "{}",
        entry.detail
    );
    let sortie = CrewStore::open_in(dir.path()).unwrap().sortie(1).unwrap();
    let recorded = sortie.progress.checklist.unwrap_or_default();
    assert!(
        recorded.contains("[ok] crew-briefed: ticked by Sgt. Li") && recorded.contains("[ok] gps"),
        "{recorded}"
    );

    // Disarmed on the ground: the next sortie starts with nothing ticked.
    let disarmed = command(&handle, PilotAction::Disarm);
    assert!(disarmed.accepted(), "{:?}", disarmed.outcome);
    wait::until("the ticks forgotten after disarming", WAIT, || {
        let view = handle.view();
        let item = view.checklist.report(1)?.item(ItemId::AreaClear)?.clone();
        matches!(item.state, ItemState::Waiting { .. }).then_some(())
    });
}

#[test]
fn the_pilot_ticks_the_checklist_in_its_window_and_sees_it_complete() {
    let (handle, _sim, _) = core_with_simulator(enforced(), aircraft(1));
    let mut h = WindowBuilder::new(handle).select(1).build();
    wait_until(&mut h, "the checklist row", |h| contains(h, "of 9 done"));
    // Arming (confirmed) is refused, and the window shows the pilot what is open.
    click(&mut h, "Arm");
    click(&mut h, "Confirm");
    wait_until(&mut h, "the checklist window", |h| {
        contains(h, "Pre-flight checklist — ") && contains(h, "Arming is refused until")
    });
    for label in [
        "Airframe: propellers, arms, payload, battery latched",
        "Take-off and landing area clear of people",
        "Crew briefed: route, roles, emergencies",
    ] {
        click(&mut h, label);
    }
    wait_until(&mut h, "the checklist complete", |h| {
        contains(h, "Complete: ready to arm.") && contains(h, "ticked by Sgt. Li")
    });
    assert!(contains(&h, "9 of 9 done"));
    click(&mut h, "Arm");
    click(&mut h, "Confirm");
    wait_until(&mut h, "the aircraft armed", |h| {
        h.state()
            .handle()
            .view()
            .fleet
            .get(1)
            .is_some_and(|a| a.armed)
    });
}

#[test]
fn the_checklist_speaks_the_crew_s_language() {
    let (handle, _sim, _) = core_with_simulator(enforced(), aircraft(1));
    let chinese = kestrel::console::Settings {
        language: kestrel::console::Language::Chinese,
        ..common::console::english()
    };
    let mut h = WindowBuilder::new(handle)
        .settings(chinese)
        .select(1)
        .build();
    wait_until(&mut h, "the checklist row", |h| contains(h, "已完成"));
    click(&mut h, "打开…");
    // What telemetry said is worded in Chinese too, not only the items.
    wait_until(&mut h, "the readings in Chinese", |h| {
        contains(h, "3D 定位") && contains(h, "颗卫星") && contains(h, "已连接，丢包 0%")
    });
    assert!(contains(&h, "起降区域已清场"));
}
