//! The roster and aircraft registry in the console, driven like the flight-team lead would: an
//! officer, two auxiliaries and an aircraft added through the window form a team; the aircraft put
//! under maintenance in the window is refused by the route planner with the reason shown;
//! deleting a person on a team is refused with the reason; a disbanded team frees its people and
//! aircraft for deletion; and a picture of the crews tab (tests/snapshots/console_roster_en.png).
//! Real SQLite files in a temporary data dir, checked with the same store the command line uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

use kestrel::console::planning::PlanningView;
use kestrel::console::{ConsoleConfig, ConsoleHandle, ConsoleView, Language, Settings};
use kestrel::crew::{AircraftRecord, CrewStore, Person, Role, Team};
use kestrel::tiles::TileSourceConfig;
use kestrel::ui::{install_fonts, AppOptions, ConsoleApp};

/// Generous: the machine running the tests may be busy.
const WAIT: Duration = Duration::from_secs(60);

type Console = Harness<'static, ConsoleApp>;

fn window(handle: ConsoleHandle, wgpu: bool) -> Console {
    let mut options = AppOptions::ephemeral(Settings {
        language: Language::English,
        tile_source: TileSourceConfig::Grid,
        ..Default::default()
    });
    options.show_clock = false;
    let app = ConsoleApp::new(handle, options);
    let mut b = Harness::builder().with_size([1280.0, 800.0]);
    if wgpu {
        b = b.wgpu();
    }
    b.with_context_setup(|ctx| {
        install_fonts(ctx);
    })
    .build_ui_state(|ui, app: &mut ConsoleApp| app.show(ui), app)
}

fn wait_until(h: &mut Console, what: &str, mut done: impl FnMut(&mut Console) -> bool) {
    let deadline = Instant::now() + WAIT;
    loop {
        h.step();
        if done(h) {
            // Lists that just changed settle their column widths on the next frames.
            h.run_steps(2);
            return;
        }
        if Instant::now() >= deadline {
            let seen: Vec<String> = h
                .query_all_by_label_contains("")
                .map(|n| format!("{n:?}"))
                .filter(|d| d.contains("oster") || d.contains("name") || d.contains("Wang"))
                .collect();
            panic!("timed out waiting for {what}; the window shows {seen:?}");
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn shows(h: &Console, label: &str) -> bool {
    h.query_all_by_label(label).count() > 0
}

fn shows_part(h: &Console, part: &str) -> bool {
    h.query_all_by_label_contains(part).count() > 0
}

/// Clicks `label` once the window draws it (the core's view may be a frame ahead of the window).
fn click(h: &mut Console, label: &str) {
    wait_until(h, label, |h| shows(h, label));
    h.get_all_by_label(label).next().unwrap().click();
    h.run_steps(2);
}

fn type_into(h: &mut Console, field: &str, text: &str) {
    h.get_by_label(field).focus();
    h.run_steps(1);
    h.get_by_label(field).type_text(text);
    h.run_steps(1);
}

/// Clicks a button and waits for the core's answer containing `answer`.
fn answered(h: &mut Console, button: &str, answer: &str) {
    click(h, button);
    wait_until(h, answer, |h| shows_part(h, answer));
}

/// Asks for a deletion and confirms it in the dialog.
fn confirmed(h: &mut Console, button: &str, question: &str, answer: &str) {
    click(h, button);
    // The dialog measures itself (invisibly) on its first frame.
    h.run_steps(1);
    assert!(shows_part(h, question), "no confirmation asked: {question}");
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
    let handle = ConsoleHandle::start(ConsoleConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .unwrap();
    let mut h = window(handle, false);
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
        wait_until(&mut h, &row, |h| shows(h, &row));
    }
    type_into(&mut h, "Person's name", "Li Wei");
    answered(
        &mut h,
        "Add person",
        "a person named 'Li Wei' already exists",
    );
    wait_until(&mut h, "the roster", |h| shows(h, "Zhao Lei (auxiliary)"));
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
    wait_until(&mut h, "the form closed, the aircraft listed", |h| {
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
    wait_until(&mut h, "the team", |h| {
        shows_part(h, "team East formed with Falcon-1")
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
    wait_until(&mut h, "the mark in the registry", |h| {
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
    assert!(shows_part(&h, "Disband team East?"));
    click(&mut h, "Cancel");
    assert!(!shows_part(&h, "Disband team East?"));
    assert_eq!(crew(dir.path()).teams().unwrap().len(), 1);

    // Disbanded, then deleted.
    confirmed(
        &mut h,
        "Disband",
        "Disband team East?",
        "team East disbanded",
    );
    assert!(crew(dir.path()).teams().unwrap().is_empty());
    wait_until(&mut h, "the roster without a team", |h| {
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
    wait_until(&mut h, "the emptied registry", |h| {
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
        let start = kestrel::plan::time::now_unix() as i64 + 3600;
        c.create_sortie(&kestrel::crew::SortieDraft {
            team: "East".into(),
            route_name: "square perimeter".into(),
            plan: None,
            start,
            end: start + 1800,
        })
        .unwrap();
    }
    let handle = ConsoleHandle::start(ConsoleConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .unwrap();
    let mut h = window(handle, false);
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Crews & sorties");
    wait_until(&mut h, "the team list", |h| shows(h, "Disband"));
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
    let mut h = window(handle, true);
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
