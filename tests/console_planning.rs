//! Planning in the console, driven like the flight-team lead and the pilot would: key areas
//! imported from GeoJSON appear in the planning list and on the map; a coverage route generated
//! in the background shows its length and flight time; a route uploaded from the window to the
//! real simulator (over loopback MAVLink) lands in the aircraft and records a sortie for its team;
//! a crossing polygon drawn on the map is refused with its reason; and a picture of the planning
//! view (tests/snapshots/console_planning_en.png). Real SQLite files in a temporary data dir.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::kittest::Queryable;

use common::console::{
    aircraft, click, contains, core_in, core_with_simulator, shows, type_into, wait_until, Window,
    WindowBuilder, HOME,
};
use common::wait::{self, WAIT};
use kestrel::console::planning::{PlanningIntent, PlanningView, RoutePlan};
use kestrel::console::{ConsoleConfig, ConsoleHandle, ConsoleView, Intent};
use kestrel::crew::{CrewStore, Person, Role};
use kestrel::geo::GeoPoint;
use kestrel::plan::areas::geojson;
use kestrel::plan::routes::{plan_route, Pattern, RouteRequest};

fn areas_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/areas.geojson")
}

/// The planning window, without the clock (as in its picture).
fn planning_window(handle: ConsoleHandle) -> Window {
    WindowBuilder::new(handle).without_clock().build()
}

/// Opens the planning panel and imports tests/data/areas.geojson through the path field.
fn import_areas(h: &mut Window) {
    click(h, "Planning");
    type_into(h, "File", areas_file().to_str().unwrap());
    click(h, "Import");
    wait_until(h, "the imported areas in the list", |h| {
        contains(h, "Station square — crowded place · P1 · every 45 min")
    });
}

/// Generates a coverage route over the Station square from the Patrol route tab.
fn generate_coverage(h: &mut Window) -> Arc<RoutePlan> {
    click(h, "Patrol route");
    click(h, "Station square");
    click(h, "Generate route");
    wait_until(h, "the route figures", |h| {
        contains(h, "coverage (lanes): ")
    });
    h.state().handle().view().planning.route.clone().unwrap()
}

#[test]
fn imported_key_areas_appear_in_the_list_and_on_the_map_and_a_coverage_route_shows_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let handle = core_in(dir.path());
    let mut h = planning_window(handle);
    h.run_steps(2);
    import_areas(&mut h);
    assert!(contains(&h, "Hospital helipad — no-fly zone"));
    assert!(contains(&h, "5 key areas imported"));
    // On the map (centred on the Liaocheng base, where the areas are).
    h.run_steps(2);
    let drawn = &h.state().planning().layer().drawn;
    for name in ["Station square", "City hall", "Stadium", "Hospital helipad"] {
        assert!(
            drawn.iter().any(|d| d == name),
            "{name} not drawn: {drawn:?}"
        );
    }
    // The areas were stored in the data dir, where the command line finds them too.
    let stored = kestrel::plan::areas::AreaStore::open_in(dir.path())
        .unwrap()
        .list()
        .unwrap();
    assert_eq!(stored.len(), 5);

    let plan = generate_coverage(&mut h);
    let t = plan.route.totals();
    assert!(t.length_m > 500.0 && t.flight_time_s > 60.0, "{t:?}");
    let figures = format!(
        "{:.2} km · {:.1} min",
        t.length_m / 1000.0,
        t.flight_time_s / 60.0
    );
    assert!(contains(&h, &figures), "route figures {figures} not shown");
    assert!(plan.issues.is_empty(), "{:?}", plan.issues);

    // A waypoint dropped in the middle of the no-fly zone (as a drag on the map does): the core
    // re-checks the route and the panel names the legs that now cross it.
    let helipad = h
        .state()
        .handle()
        .view()
        .planning
        .area("Hospital helipad")
        .unwrap()
        .anchor();
    h.state()
        .handle()
        .send(Intent::Planning(PlanningIntent::MoveWaypoint {
            sortie: 0,
            point: 0,
            to: helipad,
        }));
    wait_until(&mut h, "the no-fly violation", |h| {
        contains(h, "crosses no-fly zone 'Hospital helipad'")
    });
    let moved = h.state().handle().view().planning.route.clone().unwrap();
    assert!(
        moved.route.totals().length_m != t.length_m,
        "not re-measured"
    );
}

/// A crew registry with one team flying aircraft `Falcon-1` as system id 1.
fn seed_crew(dir: &Path) {
    common::crew::team(dir, "Li Wei", ["Wang Fang", "Zhao Lei"]);
}

#[test]
fn a_route_uploaded_from_the_window_lands_in_the_simulated_aircraft_and_records_a_sortie() {
    let dir = tempfile::tempdir().unwrap();
    seed_crew(dir.path());
    let (handle, sim, _) = core_with_simulator(
        ConsoleConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
        aircraft(1),
    );
    let mut h = planning_window(handle);
    // The aircraft is labelled with its team and callsign from the crew registry.
    wait_until(&mut h, "the aircraft, named after its team", |h| {
        shows(h, "East · Falcon-1")
    });
    import_areas(&mut h);
    let plan = generate_coverage(&mut h);
    let want = plan.route.mission_plans()[0]
        .wire_items(kestrel::plan::mission::MissionKind::Mission)
        .len();
    assert!(contains(&h, "Upload to: East · Falcon-1"));
    click(&mut h, "Upload to aircraft");
    wait_until(&mut h, "the upload result", |h| {
        contains(h, "uploaded to aircraft 1") || h.query_all_by_label_contains("failed").count() > 0
    });
    assert!(
        contains(
            &h,
            &format!("sortie 1 uploaded to aircraft 1 ({want} items) for East")
        ),
        "upload did not succeed"
    );
    assert_eq!(
        sim.snapshot(0).unwrap().mission_count,
        want,
        "the simulator holds another mission"
    );
    // The sortie is listed for the team, uploaded (the aircraft has not taken off).
    click(&mut h, "Crews & sorties");
    wait_until(&mut h, "the sortie in the list", |h| shows(h, "uploaded"));
    let sorties = CrewStore::open_in(dir.path()).unwrap().sorties().unwrap();
    assert_eq!(sorties.len(), 1);
    assert_eq!(sorties[0].team.name, "East");
    // Uploading again before take-off replaces the sortie rather than being refused as overlapping.
    click(&mut h, "Patrol route");
    click(&mut h, "Upload to aircraft");
    wait_until(&mut h, "the second upload", |h| {
        contains(h, "sortie 2 uploaded to aircraft 1")
    });
    let sorties = CrewStore::open_in(dir.path()).unwrap().sorties().unwrap();
    let states: Vec<_> = sorties.iter().map(|s| s.state().as_str()).collect();
    assert_eq!(states, ["aborted", "uploaded"]);
}

#[test]
fn a_team_of_two_officers_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    seed_crew(dir.path());
    let mut crew = CrewStore::open_in(dir.path()).unwrap();
    crew.add_person(&Person {
        name: "Chen Jie".into(),
        role: Role::Officer,
        badge: None,
    })
    .unwrap();
    drop(crew);
    let handle = core_in(dir.path());
    let mut h = planning_window(handle);
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Crews & sorties");
    wait_until(&mut h, "the team list", |h| shows(h, "East"));
    click(&mut h, "Form team");
    let field = h.get_by_label("Name");
    field.focus();
    h.run_steps(1);
    h.get_by_label("Name").type_text("North");
    for (i, who) in [
        "Li Wei (officer)",
        "Chen Jie (officer)",
        "Wang Fang (auxiliary)",
    ]
    .iter()
    .enumerate()
    {
        click(&mut h, &format!("Member {}", i + 1));
        click(&mut h, who);
    }
    click(&mut h, "Aircraft");
    click(&mut h, "Falcon-1");
    h.get_all_by_label("Form team").last().unwrap().click();
    wait_until(&mut h, "the refusal", |h| {
        contains(h, "team 'North' cannot be formed")
    });
    assert_eq!(
        CrewStore::open_in(dir.path())
            .unwrap()
            .teams()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_crossing_polygon_drawn_on_the_map_is_refused_with_its_reason() {
    let mut h = planning_window(ConsoleHandle::detached());
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Draw new area");
    // A bow tie: the third vertex crosses back over the first edge.
    for (x, y) in [
        (700.0, 300.0),
        (850.0, 450.0),
        (850.0, 300.0),
        (700.0, 450.0),
    ] {
        let p = eframe::egui::pos2(x, y);
        h.hover_at(p);
        h.drag_at(p);
        h.drop_at(p);
        // Far enough apart in time not to make a double click.
        h.run_steps(30);
    }
    h.key_press(eframe::egui::Key::Enter);
    h.run_steps(2);
    assert!(shows(&h, "New key area"), "the form did not open");
    assert!(shows(&h, "4 vertices"));
    // Name it and save.
    let name_field = h.get_by_label("Name");
    name_field.focus();
    h.run_steps(1);
    h.get_by_label("Name").type_text("Market");
    h.run_steps(1);
    click(&mut h, "Save");
    assert!(
        contains(&h, "'Market'") && contains(&h, "crosses itself"),
        "no clear refusal"
    );
    // Nothing was sent to the core.
    assert!(h.state().handle().take_intents().is_empty());
}

#[test]
fn planning_view_picture() {
    let areas = geojson::parse(&std::fs::read_to_string(areas_file()).unwrap()).unwrap();
    let home = GeoPoint {
        lat: HOME.0,
        lon: HOME.1,
    };
    let mut req = RouteRequest::new(Pattern::Coverage, &areas, home);
    req.targets
        .retain(|a| a.name == "Station square" || a.name == "Stadium");
    let route = plan_route(&req).unwrap();
    let planning = PlanningView {
        areas: Arc::new(areas),
        route: Some(Arc::new(RoutePlan {
            issues: route.check(),
            route,
            aircraft: None,
        })),
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
    click(&mut h, "Patrol route");
    click(&mut h, "Station square");
    click(&mut h, "Stadium");
    h.remove_cursor();
    h.run_steps(3);
    assert!(contains(&h, "coverage (lanes): "));
    h.snapshot("console_planning_en");
}

#[test]
fn a_shift_schedule_is_drawn_recorded_and_a_second_recording_refused_as_overlapping() {
    let dir = tempfile::tempdir().unwrap();
    seed_crew(dir.path());
    let handle = core_in(dir.path());
    handle.send(Intent::Planning(PlanningIntent::Import {
        path: areas_file(),
        replace: false,
    }));
    let mut h = planning_window(handle);
    h.run_steps(2);
    click(&mut h, "Planning");
    click(&mut h, "Crews & sorties");
    wait_until(&mut h, "the team and the areas", |h| {
        shows(h, "East") && h.state().handle().view().planning.areas.len() == 5
    });
    click(&mut h, "Run scheduler");
    wait_until(&mut h, "the schedule", |h| {
        h.state().handle().view().planning.shift.is_some()
    });
    let shift = h.state().handle().view().planning.shift.clone().unwrap();
    // Every patrolled area is accounted for (covered, or said why not).
    assert_eq!(
        shift.schedule.coverage.len() + shift.schedule.uncovered.len(),
        4,
        "{:?}",
        shift.schedule
    );
    let planned = shift.schedule.sorties.len();
    assert!(planned > 0);
    click(&mut h, "Record these sorties");
    wait_until(&mut h, "the sorties recorded", |h| {
        contains(h, "sorties recorded")
    });
    let stored = CrewStore::open_in(dir.path()).unwrap().sorties().unwrap();
    assert!(stored.len() >= planned, "{} < {planned}", stored.len());
    // The same crew cannot be on the same sorties twice.
    h.state()
        .handle()
        .send(Intent::Planning(PlanningIntent::CreateScheduledSorties));
    wait_until(&mut h, "the refusal", |h| {
        contains(h, "is already on sortie")
    });
    assert_eq!(
        CrewStore::open_in(dir.path())
            .unwrap()
            .sorties()
            .unwrap()
            .len(),
        stored.len()
    );
}

#[test]
fn the_console_imports_a_google_earth_kml_and_exports_kml() {
    let dir = tempfile::tempdir().unwrap();
    let handle = core_in(dir.path());
    let kml = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/areas_google_earth.kml");
    handle.send(Intent::Planning(PlanningIntent::Import {
        path: kml,
        replace: false,
    }));
    wait::until("the KML areas", WAIT, || {
        handle.view().planning.areas.len() == 4
    });
    let out = dir.path().join("areas.kml");
    handle.send(Intent::Planning(PlanningIntent::Export(out.clone())));
    // Written in one go; read until the whole file is there.
    let back = wait::until("the KML export", WAIT, || {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        kestrel::plan::areas::kml::parse(&text)
            .ok()
            .filter(|b| !b.is_empty())
    });
    let names: Vec<_> = back.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names.contains(&"Gate camera 3") && names.contains(&"Prison"),
        "{names:?}"
    );
}
