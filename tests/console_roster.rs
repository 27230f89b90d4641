//! The roster and aircraft registry in the console, driven like the flight-team lead would: an
//! officer, two auxiliaries and an aircraft added through the window form a team; the aircraft put
//! under maintenance in the window is refused by the route planner with the reason shown;
//! deleting a person on a team is refused with the reason; a disbanded team frees its people and
//! aircraft for deletion; and a picture of the crews tab (tests/snapshots/console_roster_en.png).
//! Real SQLite files in a temporary data dir, checked with the same store the command line uses.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::kittest::Queryable;

use common::console::{contains, core_in, shows, type_into, wait_until, Window, WindowBuilder};
use kestrel::console::planning::PlanningView;
use kestrel::console::{ConsoleHandle, ConsoleView};
use kestrel::crew::{AircraftRecord, CrewStore, Person, Role, Team};

/// The roster window, without the clock (as in its picture).
fn roster_window(handle: ConsoleHandle) -> Window {
    WindowBuilder::new(handle).without_clock().build()
}

/// Waits for `done`, then lets lists that just changed settle their column widths.
fn wait_settled(h: &mut Window, what: &str, done: impl FnMut(&mut Window) -> bool) {
    wait_until(h, what, done);
    h.run_steps(2);
}

/// Clicks `label` once the window draws it and its lists have settled (the core's view may be a
/// frame ahead of the window).
fn click(h: &mut Window, label: &str) {
    wait_settled(h, label, |h| shows(h, label));
    h.get_all_by_label(label).next().unwrap().click();
    h.run_steps(2);
}

/// Clicks a button and waits for the core's answer containing `answer`.
fn answered(h: &mut Window, button: &str, answer: &str) {
    click(h, button);
    wait_settled(h, answer, |h| contains(h, answer));
}

/// Asks for a deletion and confirms it in the dialog.
fn confirmed(h: &mut Window, button: &str, question: &str, answer: &str) {
    click(h, button);
    // The dialog measures itself (invisibly) on its first frame.
    h.run_steps(1);
    assert!(contains(h, question), "no confirmation asked: {question}");
    answered(h, "Confirm", answer);
}

fn areas_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/areas.geojson")
}

fn crew(dir: &Path) -> CrewStore {
    CrewStore::open_in(dir).unwrap()
}

#[test]
fn the_lead_builds_a_team_in_the_window_and_the_core_refuses_what_would_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let handle = core_in(dir.path());
    let mut h = roster_window(handle);
    h.run_steps(2);
    click(&mut h, "Planning");
    // Key areas, for the route planner later.
    type_into(&mut h, "File", areas_file().to_str().unwrap());
    answered(&mut h, "Import", "5 key areas imported");
    click(&mut h, "Crews & sorties");
    assert!(shows(&h, "No one on the roster yet."));

    // People.
    type_into(&mut h, "Person's name", "Li Wei");
    answered(
        &mut h,
        "Add person",
        "Li Wei added to the roster as officer",
    );
    click(&mut h, "as auxiliary");
    for name in ["Wang Fang", "Zhao Lei"] {
        type_into(&mut h, "Person's name", name);
        answered(
            &mut h,
            "Add person",
            &format!("{name} added to the roster as auxiliary"),
        );
        // The answer comes as an event, the list with the next view: let both arrive.
        let row = format!("{name} (auxiliary)");
        wait_settled(&mut h, &row, |h| shows(h, &row));
    }
    type_into(&mut h, "Person's name", "Li Wei");
    answered(
        &mut h,
        "Add person",
        "a person named 'Li Wei' already exists",
    );
    wait_settled(&mut h, "the roster", |h| shows(h, "Zhao Lei (auxiliary)"));
    assert!(shows(&h, "Li Wei (officer)"));

    // The aircraft.
    click(&mut h, "Register aircraft");
    type_into(&mut h, "Callsign", "Falcon-1");
    type_into(&mut h, "Model", "M30T");
    type_into(&mut h, "Serial", "SN-1");
    type_into(&mut h, "System id", "300");
    answered(
        &mut h,
        "Save aircraft",
        "the system id must be a number from 1 to 255",
    );
    h.get_by_label("System id").focus();
    h.run_steps(1);
    for _ in 0..2 {
        h.key_press(egui::Key::Backspace);
        h.run_steps(1);
    }
    assert_eq!(h.get_by_label("System id").value().as_deref(), Some("3"));
    answered(&mut h, "Save aircraft", "aircraft Falcon-1 registered");
    wait_settled(&mut h, "the form closed, the aircraft listed", |h| {
        !shows(h, "Save aircraft") && shows(h, "Falcon-1")
    });
    let stored = crew(dir.path()).aircraft_by_callsign("Falcon-1").unwrap();
    assert_eq!(
        (stored.model.as_str(), stored.serial.as_str(), stored.sysid),
        ("M30T", "SN-1", Some(3))
    );
    assert_eq!(stored.endurance_min, 30.0);
    // Edited: the model changes, the callsign is the key and stays.
    click(&mut h, "Falcon-1");
    click(&mut h, "Edit aircraft");
    type_into(&mut h, "Model", "-B");
    answered(&mut h, "Save aircraft", "aircraft Falcon-1 saved");
    assert_eq!(
        crew(dir.path())
            .aircraft_by_callsign("Falcon-1")
            .unwrap()
            .model,
        "M30T-B"
    );

    // The team, from what was added in the window.
    click(&mut h, "Form team");
    type_into(&mut h, "Name", "East");
    for (i, who) in [
        "Li Wei (officer)",
        "Wang Fang (auxiliary)",
        "Zhao Lei (auxiliary)",
    ]
    .iter()
    .enumerate()
    {
        click(&mut h, &format!("Member {}", i + 1));
        h.get_all_by_label(who).last().unwrap().click();
        h.run_steps(2);
    }
    click(&mut h, "Aircraft");
    h.get_all_by_label("Falcon-1").last().unwrap().click();
    h.run_steps(2);
    h.get_all_by_label("Form team").last().unwrap().click();
    wait_settled(&mut h, "the team", |h| {
        contains(h, "team East formed with Falcon-1")
    });
    click(&mut h, "Form team"); // folded away again

    // Under maintenance from the window: marked in the registry, refused by the planner.
    click(&mut h, "Falcon-1");
    type_into(&mut h, "Maintenance note", "motor 3 replaced");
    answered(
        &mut h,
        "Put in maintenance",
        "aircraft Falcon-1 is under maintenance: motor 3 replaced",
    );
    wait_settled(&mut h, "the mark in the registry", |h| {
        shows(h, "maintenance: motor 3 replaced")
    });
    assert!(shows(&h, "Back in service"));
    click(&mut h, "Patrol route");
    click(&mut h, "Station square");
    click(&mut h, "Aircraft");
    // Marked in the planner's choice too.
    click(&mut h, "Falcon-1 (maintenance: motor 3 replaced)");
    answered(
        &mut h,
        "Generate route",
        "aircraft Falcon-1 is under maintenance (motor 3 replaced); it cannot be planned",
    );
    assert!(h.state().handle().view().planning.route.is_none());
    click(&mut h, "Crews & sorties");

    // A person on a team cannot be deleted; the team is left whole.
    click(&mut h, "Li Wei (officer)");
    confirmed(
        &mut h,
        "Delete person",
        "Delete Li Wei from the roster?",
        "Li Wei is on team East; remove the team or form it without Li Wei first",
    );
    assert_eq!(crew(dir.path()).team("East").unwrap().officer, "Li Wei");
    // Nor the aircraft it flies.
    click(&mut h, "Falcon-1");
    confirmed(
        &mut h,
        "Delete aircraft",
        "Delete aircraft Falcon-1 from the registry?",
        "aircraft Falcon-1 is flown by team East; disband the team first",
    );
    // Cancelling a confirmation changes nothing.
    click(&mut h, "Disband");
    h.run_steps(1);
    assert!(contains(&h, "Disband team East?"));
    click(&mut h, "Cancel");
    assert!(!contains(&h, "Disband team East?"));
    assert_eq!(crew(dir.path()).teams().unwrap().len(), 1);

    // Disbanded, then deleted.
    confirmed(
        &mut h,
        "Disband",
        "Disband team East?",
        "team East disbanded",
    );
    assert!(crew(dir.path()).teams().unwrap().is_empty());
    wait_settled(&mut h, "the roster without a team", |h| {
        h.query_all_by_label("no team").count() == 3
    });
    click(&mut h, "Li Wei (officer)");
    confirmed(
        &mut h,
        "Delete person",
        "Delete Li Wei from the roster?",
        "Li Wei removed from the roster",
    );
    answered(
        &mut h,
        "Back in service",
        "aircraft Falcon-1 is back in service",
    );
    confirmed(
        &mut h,
        "Delete aircraft",
        "Delete aircraft Falcon-1 from the registry?",
        "aircraft Falcon-1 removed from the registry",
    );
    let c = crew(dir.path());
    let left: Vec<String> = c.people().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(left, ["Wang Fang", "Zhao Lei"]);
    assert!(c.aircraft().unwrap().is_empty());
    wait_settled(&mut h, "the emptied registry", |h| {
        shows(h, "No aircraft registered yet.")
    });
}

#[test]
fn a_team_with_a_planned_sortie_is_not_disbanded() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut c = crew(dir.path());
        for (name, role) in [
            ("Li Wei", Role::Officer),
            ("Wang Fang", Role::Auxiliary),
            ("Zhao Lei", Role::Auxiliary),
        ] {
            c.add_person(&Person {
                name: name.into(),
                role,
                badge: None,
            })
            .unwrap();
        }
        c.add_aircraft(&falcon(None)).unwrap();
        c.add_team(
            "East",
            &["Li Wei".into(), "Wang Fang".into(), "Zhao Lei".into()],
            &["Falcon-1".into()],
        )
        .unwrap();
        let start = kestrel::time::now_unix() as i64 + 3600;
        c.create_sortie(&kestrel::crew::SortieDraft {
            team: "East".into(),
            route_name: "square perimeter".into(),
            plan: None,
            start,
            end: start + 1800,
        })
        .unwrap();
    }
    let handle = core_in(dir.path());
    let mut h = roster_window(handle);
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Crews & sorties");
    wait_settled(&mut h, "the team list", |h| shows(h, "Disband"));
    confirmed(
        &mut h,
        "Disband",
        "Disband team East?",
        "team East has sortie 1 planned; abort it or let it finish before disbanding the team",
    );
    assert_eq!(crew(dir.path()).teams().unwrap().len(), 1);
}

fn falcon(maintenance: Option<&str>) -> AircraftRecord {
    AircraftRecord {
        callsign: "Falcon-1".into(),
        model: "M30T".into(),
        serial: "SN-1".into(),
        endurance_min: 35.0,
        cruise_ms: 10.0,
        hfov_deg: 70.0,
        sysid: Some(1),
        maintenance: maintenance.map(str::to_string),
    }
}

#[test]
fn crews_tab_picture() {
    let person = |name: &str, role| Person {
        name: name.into(),
        role,
        badge: None,
    };
    let mut hawk = falcon(Some("motor 3 replaced"));
    hawk.callsign = "Hawk-2".into();
    hawk.model = "Matrice 350".into();
    hawk.endurance_min = 45.0;
    hawk.cruise_ms = 12.0;
    hawk.hfov_deg = 82.0;
    let planning = PlanningView {
        people: Arc::new(vec![
            person("Chen Jie", Role::Auxiliary),
            person("Li Wei", Role::Officer),
            person("Wang Fang", Role::Auxiliary),
            person("Zhao Lei", Role::Auxiliary),
        ]),
        aircraft: Arc::new(vec![falcon(None), hawk]),
        teams: Arc::new(vec![Team {
            name: "East".into(),
            officer: "Li Wei".into(),
            auxiliaries: ["Wang Fang".into(), "Zhao Lei".into()],
            aircraft: "Falcon-1".into(),
        }]),
        ..Default::default()
    };
    let handle = ConsoleHandle::detached();
    handle.set_view(ConsoleView {
        planning: Arc::new(planning),
        ..ConsoleView::default()
    });
    let mut h = WindowBuilder::new(handle)
        .without_clock()
        .rendered()
        .build();
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Crews & sorties");
    click(&mut h, "Hawk-2");
    // The shift fields start at the next hour: fixed, for a picture that does not change.
    for (field, at) in [("from", "2026-05-01 08:00"), ("to", "2026-05-01 16:00")] {
        h.get_by_label(field).focus();
        h.run_steps(1);
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_by_label(field).type_text(at);
        h.key_press(egui::Key::Escape);
        h.run_steps(1);
    }
    h.remove_cursor();
    h.run_steps(3);
    assert!(shows(&h, "maintenance: motor 3 replaced"));
    assert!(shows(&h, "Back in service"));
    assert_eq!(
        h.get_by_label("from").value().as_deref(),
        Some("2026-05-01 08:00")
    );
    h.snapshot("console_roster_en");
}
