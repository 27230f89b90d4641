//! Pictures of the console's main views, rendered headless (wgpu through lavapipe) from a
//! deterministic synthetic fleet and compared with the images kept in tests/snapshots/
//! (`UPDATE_SNAPSHOTS=1 cargo test --test console_views` rewrites them after a deliberate change).
//! Also the window's behaviour that needs no aircraft: alerts are impossible to miss until
//! acknowledged, destructive commands wait for confirmation, the language switch.

mod common;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use egui_kittest::kittest::Queryable;

use common::console::{contains, english, Window, WindowBuilder};
use kestrel::alerts::{Alert, AlertKind, Severity};
use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::{
    AlertIntent, CommandIntent, ConsoleHandle, ConsoleView, Intent, Language, Settings,
};
use kestrel::protocol::PilotAction;

/// A window over `n` synthetic aircraft with a minute of history, aircraft 1 selected.
fn console(n: usize, language: Language) -> (Window, SyntheticFleet) {
    let handle = ConsoleHandle::detached();
    let mut fleet = SyntheticFleet::new(n, Instant::now());
    for i in 0..=600u64 {
        let t = i as f64 * 0.1;
        fleet.step(t);
        handle.set_view(fleet.view(t, i));
    }
    let harness = WindowBuilder::new(handle)
        .settings(Settings {
            language,
            ..english()
        })
        .without_clock()
        .select(1)
        .rendered()
        .build();
    (harness, fleet)
}

fn publish(h: &Window, view: ConsoleView) {
    h.state().handle().set_view(view);
}

#[test]
fn main_view_in_english() {
    let (mut h, _) = console(6, Language::English);
    h.run_steps(4);
    // Every aircraft has its row, the selected one its panel.
    for n in 1..=6 {
        let name = format!("Team {n}");
        assert!(h.query_all_by_label(&name).count() >= 1, "{name} missing");
    }
    assert!(h.query_by_label("Return (RTL)").is_some());
    assert!(h.query_by_label("Resume mission").is_some());
    h.snapshot("console_main_en");
}

#[test]
fn main_view_in_chinese() {
    let (mut h, _) = console(6, Language::Chinese);
    h.run_steps(4);
    assert!(h.query_all_by_label("巡逻1队").count() >= 1);
    assert!(h.query_by_label("返航").is_some());
    assert!(h.query_by_label("Return (RTL)").is_none());
    h.snapshot("console_main_zh");
}

#[test]
fn the_language_button_switches_every_panel_to_chinese() {
    let (mut h, _) = console(3, Language::English);
    h.run_steps(2);
    assert!(h.query_by_label("Fleet").is_some());
    h.get_by_label("简体中文").click();
    h.run_steps(3);
    assert!(
        h.query_by_label("机队").is_some(),
        "fleet panel title not translated"
    );
    assert!(h.query_by_label("Fleet").is_none());
    assert!(h.query_by_label("返航").is_some());
    assert!(
        h.query_by_label("English").is_some(),
        "no way back to English"
    );
    assert_eq!(h.state().settings().language, Language::Chinese);
}

#[test]
fn a_critical_alert_stays_on_screen_until_acknowledged() {
    let (mut h, mut fleet) = console(3, Language::English);
    h.run_steps(2);
    let mut view = fleet.view(60.0, 1000);
    fleet.step(60.1);
    view.alerts.list = Arc::new(vec![Alert {
        id: 42,
        at: SystemTime::now(),
        sysid: 2,
        severity: Severity::Critical,
        kind: AlertKind::LinkLost,
        acknowledged_at: None,
        cleared_at: None,
    }]);
    publish(&h, view.clone());
    h.run_steps(3);
    let banner = "LINK LOST: nothing heard from the aircraft";
    assert!(contains(&h, banner), "no banner");
    h.run_steps(10);
    assert!(contains(&h, banner), "banner went away by itself");
    h.get_by_label("Acknowledge").click();
    h.run_steps(2);
    assert!(!contains(&h, banner), "banner stays after acknowledging");
    let intents = h.state().handle().take_intents();
    assert!(
        intents
            .iter()
            .any(|i| matches!(i, Intent::Alerts(AlertIntent::Acknowledge(42)))),
        "{intents:?}"
    );
}

#[test]
fn return_to_launch_waits_for_confirmation_and_cancel_sends_nothing() {
    let (mut h, _) = console(3, Language::English);
    h.run_steps(2);
    h.get_by_label("Return (RTL)").click();
    h.run_steps(2);
    assert!(
        h.query_by_label("Confirm").is_some(),
        "no confirmation asked"
    );
    assert!(
        h.state().handle().take_intents().is_empty(),
        "sent before confirming"
    );
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(
        h.state().handle().take_intents().is_empty(),
        "cancel sent it anyway"
    );

    h.get_by_label("Return (RTL)").click();
    h.run_steps(2);
    h.get_by_label("Confirm").click();
    h.run_steps(2);
    let intents = h.state().handle().take_intents();
    assert!(
        matches!(
            &intents[..],
            [Intent::Commands(CommandIntent { targets, action: PilotAction::ReturnToLaunch, .. })] if targets == &vec![1]
        ),
        "{intents:?}"
    );
    // Hold is not destructive: it goes at once.
    h.get_by_label("Hold").click();
    h.run_steps(2);
    assert!(matches!(
        &h.state().handle().take_intents()[..],
        [Intent::Commands(CommandIntent {
            action: PilotAction::Hold,
            ..
        })]
    ));
}

#[test]
fn clicking_a_fleet_row_selects_the_aircraft_and_ticking_several_enables_return_all() {
    let (mut h, _) = console(3, Language::English);
    h.run_steps(2);
    h.get_all_by_label("Team 2").next().unwrap().click();
    h.run_steps(3);
    assert_eq!(h.state().selected(), Some(2));
    assert!(h.query_by_label("system id 2").is_some());
    h.get_by_label("tick Team 1").click();
    h.get_by_label("tick Team 3").click();
    h.run_steps(3);
    assert!(h.query_by_label("2 ticked:").is_some());
    h.get_by_label("Return all ticked").click();
    h.run_steps(2);
    h.get_by_label("Confirm").click();
    h.run_steps(2);
    let intents = h.state().handle().take_intents();
    assert!(
        matches!(
            &intents[..],
            [Intent::Commands(CommandIntent { targets, action: PilotAction::ReturnToLaunch, .. })] if targets == &vec![1, 3]
        ),
        "{intents:?}"
    );
}

#[test]
fn the_aircraft_panel_shows_signing_and_refused_frames() {
    use kestrel::security::SigningRow;
    let (mut h, fleet) = console(2, Language::English);
    h.run_steps(2);
    assert!(h.query_by_label("off (unsigned)").is_some());
    let mut view = fleet.view(60.0, 10_000);
    let mut row = SigningRow::new(1, true, None, false);
    row.state = kestrel::security::SigningState::On;
    row.accepted = 500;
    row.rejected = 7;
    view.signing = Arc::new(vec![row]);
    publish(&h, view);
    h.run_steps(2);
    assert!(h.query_by_label("on").is_some(), "signing state not shown");
    assert!(
        h.query_by_label("7 frames refused").is_some(),
        "refused frames not shown"
    );
}
