//! The planning panel (the flight-team lead plans a shift; the pilot loads a sortie): key areas
//! (list, draw, edit, delete, GeoJSON/KML import/export), patrol routes (areas + pattern + altitude +
//! aircraft → route on the map, upload to the selected aircraft), and crews & sorties (teams,
//! today's sorties following telemetry, the shift schedule timeline, the sortie log). It only
//! sends [`PlanningIntent`]s; every answer comes back as a [`PlanningOutcome`].

use std::collections::BTreeSet;
use std::path::PathBuf;

use eframe::egui::{self, vec2, Color32, RichText, Sense, Stroke};

use crate::app::ConsoleApp;
use crate::i18n::{Tr, S};
use crate::map::planning::{category_colour, sortie_colour, LayerAction};
use crate::theme;
use kestrel_core::console::planning::{
    PlanningIntent, PlanningOutcome, PlanningTask, PlanningView, RouteSpec,
};
use kestrel_core::console::Intent;
use kestrel_core::crew::SortieState;
use kestrel_core::geo::GeoPoint;
use kestrel_core::plan::areas::{Category, KeyArea, Shape, DEFAULT_PRIORITY};
use kestrel_core::plan::routes::Pattern;
use kestrel_core::plan::schedule::EventOverride;
use kestrel_core::plan::time::{format_hm, now_unix, parse_utc};

/// Notes that need a look but are not errors.
const WARN: Color32 = Color32::from_rgb(0xb4, 0x53, 0x09);

/// The planning panel's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanTab {
    /// Key areas.
    #[default]
    Areas,
    /// Patrol routes.
    Route,
    /// Crews, sorties and the shift schedule.
    Crews,
}

/// The key-area form (a new area or one being edited).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaForm {
    /// The name before the edit (`None`: a new area).
    pub previous: Option<String>,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// 1..5.
    pub priority: u8,
    /// Revisit interval, minutes (empty: none).
    pub revisit: String,
    /// Patrol altitude, metres (empty: the route's).
    pub alt: String,
    /// Camera stream.
    pub rtsp: String,
    /// Vertices (a point area uses the first).
    pub vertices: Vec<GeoPoint>,
    /// Unknown GeoJSON properties kept through the edit.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl AreaForm {
    fn new(vertices: Vec<GeoPoint>) -> Self {
        Self {
            previous: None,
            name: String::new(),
            category: if vertices.len() < 3 {
                Category::Camera
            } else {
                Category::CrowdedPlace
            },
            priority: DEFAULT_PRIORITY,
            revisit: "60".into(),
            alt: String::new(),
            rtsp: String::new(),
            vertices,
            extra: Default::default(),
        }
    }

    fn of(a: &KeyArea) -> Self {
        let num = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
        Self {
            previous: Some(a.name.clone()),
            name: a.name.clone(),
            category: a.category,
            priority: a.priority,
            revisit: num(a.revisit_min),
            alt: num(a.alt_m),
            rtsp: a.rtsp.clone().unwrap_or_default(),
            vertices: match &a.shape {
                Shape::Polygon { outer, .. } => outer.clone(),
                Shape::Point { at } => vec![*at],
            },
            extra: a.extra.clone(),
        }
    }

    /// The key area the form describes, or what is wrong with a number.
    fn area(&self, holes: Vec<Vec<GeoPoint>>) -> Result<KeyArea, String> {
        let num = |s: &str, what: &str| -> Result<Option<f64>, String> {
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .map(Some)
                .map_err(|_| format!("{what} '{t}' is not a number"))
        };
        let shape = if self.category.is_point() {
            Shape::Point {
                at: *self
                    .vertices
                    .first()
                    .ok_or("click the camera's position on the map")?,
            }
        } else {
            if self.vertices.len() < 3 {
                return Err(format!(
                    "a polygon needs at least 3 vertices, it has {}; draw it again",
                    self.vertices.len()
                ));
            }
            Shape::Polygon {
                outer: self.vertices.clone(),
                holes,
            }
        };
        Ok(KeyArea {
            name: self.name.trim().to_string(),
            category: self.category,
            shape,
            priority: self.priority,
            revisit_min: num(&self.revisit, "revisit interval")?,
            alt_m: num(&self.alt, "altitude")?,
            rtsp: Some(self.rtsp.trim().to_string()).filter(|s| !s.is_empty()),
            extra: self.extra.clone(),
        })
    }
}

/// The planning panel's state between frames.
#[derive(Debug, Clone)]
pub struct PlanningUi {
    /// Whether the panel is shown (instead of the fleet list).
    pub open: bool,
    /// The tab shown.
    pub tab: PlanTab,
    /// The area selected in the list.
    pub selected: Option<String>,
    /// The area form, while adding or editing.
    pub form: Option<AreaForm>,
    /// An area waiting for the delete confirmation.
    pub confirm_delete: Option<String>,
    /// GeoJSON file to import or export.
    pub path: String,
    /// Import replaces every area.
    pub replace: bool,
    /// Areas ticked for the route.
    pub route_areas: BTreeSet<String>,
    /// Route pattern.
    pub pattern: Pattern,
    /// Route altitude, metres.
    pub alt_m: f64,
    /// Aircraft (callsign) the route is planned for.
    pub aircraft: Option<String>,
    /// Sortie of the route to upload.
    pub upload_sortie: usize,
    /// Team recorded for the upload (`None`: the aircraft's own team).
    pub upload_team: Option<String>,
    /// Shift start and end (`YYYY-MM-DD HH:MM`, UTC).
    pub shift: (String, String),
    /// Event mode: area and its shorter interval, minutes.
    pub events: Vec<(String, f64)>,
    /// Event mode being added.
    pub event_area: Option<String>,
    /// Its interval.
    pub event_min: f64,
    /// Sortie log CSV file.
    pub log_path: String,
    /// The team being formed: name, three people, aircraft.
    pub new_team: (String, [Option<String>; 3], Option<String>),
    /// Latest outcome of each task.
    pub messages: Vec<(PlanningTask, Result<String, String>)>,
    /// The roster and aircraft registry (--- roster ---).
    pub roster: super::roster::RosterUi,
}

impl Default for PlanningUi {
    fn default() -> Self {
        let now = now_unix() as i64;
        let start = now - now.rem_euclid(3600) + 3600;
        let day = kestrel_core::plan::time::format_utc(start);
        let end = kestrel_core::plan::time::format_utc(start + 8 * 3600);
        Self {
            open: false,
            tab: PlanTab::Areas,
            selected: None,
            form: None,
            confirm_delete: None,
            path: String::new(),
            replace: false,
            route_areas: BTreeSet::new(),
            pattern: Pattern::Coverage,
            alt_m: 60.0,
            aircraft: None,
            upload_sortie: 0,
            upload_team: None,
            shift: (day[..16].replace('T', " "), end[..16].replace('T', " ")),
            events: Vec::new(),
            event_area: None,
            event_min: 15.0,
            log_path: "sortie-log.csv".into(),
            new_team: Default::default(),
            messages: Vec::new(),
            roster: Default::default(),
        }
    }
}

impl PlanningUi {
    /// Records the answer of the core.
    pub fn outcome(&mut self, o: PlanningOutcome) {
        if o.task == PlanningTask::Load && o.result.as_ref().is_ok_and(|m| m.is_empty()) {
            return;
        }
        self.messages.retain(|(t, _)| *t != o.task);
        self.messages.push((o.task, o.result));
    }

    pub(super) fn message(&self, task: PlanningTask) -> Option<&Result<String, String>> {
        self.messages
            .iter()
            .find(|(t, _)| *t == task)
            .map(|(_, r)| r)
    }
}

pub(super) fn show_message(ui: &mut egui::Ui, m: Option<&Result<String, String>>) {
    match m {
        Some(Ok(t)) if !t.is_empty() => {
            ui.label(RichText::new(t).color(theme::GOOD));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(theme::BAD).strong());
        }
        _ => {}
    }
}

/// Translated name of a category.
pub fn category_name(tr: Tr, c: Category) -> &'static str {
    tr.s(match c {
        Category::CrowdedPlace => S::PlanCatCrowded,
        Category::KeyZone => S::PlanCatKeyZone,
        Category::EventVenue => S::PlanCatVenue,
        Category::Camera => S::PlanCatCamera,
        Category::NoFly => S::PlanCatNoFly,
    })
}

/// Translated name of a pattern.
pub fn pattern_name(tr: Tr, p: Pattern) -> &'static str {
    tr.s(match p {
        Pattern::Perimeter => S::PlanPatPerimeter,
        Pattern::Coverage => S::PlanPatCoverage,
        Pattern::Tour => S::PlanPatTour,
        Pattern::Orbit => S::PlanPatOrbit,
    })
}

fn state_colour(s: SortieState) -> Color32 {
    match s {
        SortieState::Planned => Color32::from_gray(110),
        SortieState::Uploaded => Color32::from_rgb(0x25, 0x63, 0xeb),
        SortieState::Flying => Color32::from_rgb(0x16, 0xa3, 0x4a),
        SortieState::Completed => Color32::from_rgb(0x0f, 0x76, 0x6e),
        SortieState::Aborted => theme::BAD,
    }
}

fn state_name(tr: Tr, s: SortieState) -> &'static str {
    tr.s(match s {
        SortieState::Planned => S::PlanStPlanned,
        SortieState::Uploaded => S::PlanStUploaded,
        SortieState::Flying => S::PlanStFlying,
        SortieState::Completed => S::PlanStCompleted,
        SortieState::Aborted => S::PlanStAborted,
    })
}

impl ConsoleApp {
    /// The map's planning layer (what it drew last frame, what is being drawn or edited).
    pub fn planning_layer(&self) -> &crate::map::planning::PlanningLayer {
        &self.map.planning
    }

    fn plan_send(&self, intent: PlanningIntent) {
        self.handle.send(Intent::Planning(intent));
    }

    /// Handles what the planner did on the map (finished drawing, dragged a waypoint…).
    pub(crate) fn planning_map_actions(&mut self) {
        let actions = std::mem::take(&mut self.map.planning.actions);
        for a in actions {
            match a {
                LayerAction::Finished(vertices) => {
                    // The new outline stays on the map, its vertices draggable, until saved.
                    if vertices.len() >= 3 {
                        self.map.planning.editing = Some((String::new(), vertices.clone()));
                    }
                    self.planning.form = Some(AreaForm::new(vertices));
                    self.planning.open = true;
                    self.planning.tab = PlanTab::Areas;
                }
                LayerAction::Cancelled => {}
                LayerAction::Picked(name) => {
                    self.map.planning.highlight = Some(name.clone());
                    self.planning.selected = Some(name);
                }
                LayerAction::MoveWaypoint { sortie, point, to } => {
                    self.plan_send(PlanningIntent::MoveWaypoint { sortie, point, to });
                }
            }
        }
    }

    /// The planning panel.
    pub(crate) fn planning_panel(&mut self, ui: &mut egui::Ui) {
        let tr = self.tr();
        let view = self.view.planning.clone();
        ui.horizontal(|ui| {
            ui.heading(tr.s(S::PlanTitle));
            if view.busy > 0 {
                ui.spinner();
                ui.label(RichText::new(tr.s(S::PlanWorking)).italics());
            }
        });
        if let Some(e) = &view.store_error {
            ui.label(RichText::new(e).color(theme::BAD));
        }
        ui.horizontal(|ui| {
            for (tab, key) in [
                (PlanTab::Areas, S::PlanTabAreas),
                (PlanTab::Route, S::PlanTabRoute),
                (PlanTab::Crews, S::PlanTabCrews),
            ] {
                if ui
                    .selectable_label(self.planning.tab == tab, tr.s(key))
                    .clicked()
                {
                    self.planning.tab = tab;
                }
            }
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match self.planning.tab {
                PlanTab::Areas => self.areas_tab(ui, &view),
                PlanTab::Route => self.route_tab(ui, &view),
                PlanTab::Crews => self.crews_tab(ui, &view),
            });
    }

    fn areas_tab(&mut self, ui: &mut egui::Ui, view: &PlanningView) {
        let tr = self.tr();
        if view.areas.is_empty() {
            ui.label(tr.s(S::PlanNoAreas));
        }
        for a in view.areas.iter() {
            let selected = self.planning.selected.as_deref() == Some(a.name.as_str());
            ui.horizontal(|ui| {
                let (r, p) = ui.allocate_painter(vec2(12.0, 12.0), Sense::hover());
                p.rect_filled(r.rect, 2.0, category_colour(a.category));
                let revisit = a
                    .revisit_min
                    .map(|m| format!(" · {}", tr.f(S::PlanEveryFmt, &[&format!("{m:.0}")])))
                    .unwrap_or_default();
                let text = format!(
                    "{} — {} · P{}{revisit}",
                    a.name,
                    category_name(tr, a.category),
                    a.priority
                );
                if ui.selectable_label(selected, text).clicked() {
                    self.planning.selected = Some(a.name.clone());
                    self.map.planning.highlight = Some(a.name.clone());
                }
            });
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let drawing = self.map.planning.drawing.is_some();
            let draw = ui.add_enabled(!drawing, egui::Button::new(tr.s(S::PlanDrawArea)));
            if draw.clicked() {
                // Enter must reach the map (finish), not press this button again.
                draw.surrender_focus();
                self.map.planning.drawing = Some(Vec::new());
                self.map.planning.editing = None;
                self.planning.form = None;
            }
            let sel = self
                .planning
                .selected
                .clone()
                .and_then(|n| view.area(&n).cloned());
            if ui
                .add_enabled(sel.is_some(), egui::Button::new(tr.s(S::PlanEditArea)))
                .clicked()
            {
                if let Some(a) = &sel {
                    let form = AreaForm::of(a);
                    if !a.category.is_point() {
                        self.map.planning.editing = Some((a.name.clone(), form.vertices.clone()));
                    }
                    self.planning.form = Some(form);
                }
            }
            if ui
                .add_enabled(sel.is_some(), egui::Button::new(tr.s(S::PlanDeleteArea)))
                .clicked()
            {
                self.planning.confirm_delete = sel.map(|a| a.name);
            }
        });
        if self.map.planning.drawing.is_some() {
            ui.label(RichText::new(tr.s(S::PlanDrawHint)).italics());
            if ui.button(tr.s(S::PlanCancel)).clicked() {
                self.map.planning.drawing = None;
            }
        }
        if let Some(name) = self.planning.confirm_delete.clone() {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(
                    RichText::new(tr.f(S::PlanDeleteConfirmFmt, &[&name]))
                        .color(theme::BAD)
                        .strong(),
                );
                ui.horizontal(|ui| {
                    if ui.button(tr.s(S::PlanDeleteArea)).clicked() {
                        self.plan_send(PlanningIntent::DeleteArea(name.clone()));
                        self.planning.confirm_delete = None;
                        self.planning.selected = None;
                        self.map.planning.highlight = None;
                    }
                    if ui.button(tr.s(S::PlanCancel)).clicked() {
                        self.planning.confirm_delete = None;
                    }
                });
            });
        }
        self.area_form(ui, view);
        show_message(ui, self.planning.message(PlanningTask::Area));
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanGeoJson)).strong());
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanPath));
            ui.add(
                egui::TextEdit::singleline(&mut self.planning.path)
                    .hint_text("areas.geojson, .kml, .kmz")
                    .desired_width(220.0),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::PlanImport)).clicked() {
                self.plan_send(PlanningIntent::Import {
                    path: PathBuf::from(self.planning.path.trim()),
                    replace: self.planning.replace,
                });
            }
            ui.checkbox(&mut self.planning.replace, tr.s(S::PlanReplaceAll));
            if ui.button(tr.s(S::PlanExport)).clicked() {
                self.plan_send(PlanningIntent::Export(PathBuf::from(
                    self.planning.path.trim(),
                )));
            }
        });
        show_message(ui, self.planning.message(PlanningTask::File));
    }

    fn area_form(&mut self, ui: &mut egui::Ui, view: &PlanningView) {
        let tr = self.tr();
        let Some(form) = self.planning.form.as_mut() else {
            return;
        };
        // Vertices dragged on the map belong to the form.
        if let Some((_, v)) = &self.map.planning.editing {
            form.vertices = v.clone();
        }
        let mut save = false;
        let mut cancel = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(
                RichText::new(if form.previous.is_some() {
                    tr.s(S::PlanEditArea)
                } else {
                    tr.s(S::PlanNewArea)
                })
                .strong(),
            );
            egui::Grid::new("kestrel-area-form")
                .num_columns(2)
                .show(ui, |ui| {
                    let l = ui.label(tr.s(S::PlanName));
                    ui.text_edit_singleline(&mut form.name).labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label(tr.s(S::PlanCategory));
                    egui::ComboBox::from_id_salt("kestrel-area-category")
                        .selected_text(category_name(tr, form.category))
                        .show_ui(ui, |ui| {
                            for c in Category::ALL {
                                ui.selectable_value(&mut form.category, c, category_name(tr, c));
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    ui.end_row();
                    ui.label(tr.s(S::PlanPriority));
                    ui.add(egui::Slider::new(&mut form.priority, 1..=5));
                    ui.end_row();
                    ui.label(tr.s(S::PlanRevisit));
                    ui.add(egui::TextEdit::singleline(&mut form.revisit).desired_width(80.0));
                    ui.end_row();
                    ui.label(tr.s(S::PlanAltitude));
                    ui.add(egui::TextEdit::singleline(&mut form.alt).desired_width(80.0));
                    ui.end_row();
                    if form.category.is_point() {
                        ui.label("RTSP");
                        ui.text_edit_singleline(&mut form.rtsp);
                        ui.end_row();
                    }
                });
            ui.label(tr.f(S::PlanVerticesFmt, &[&form.vertices.len()]));
            ui.horizontal(|ui| {
                save = ui.button(tr.s(S::PlanSave)).clicked();
                cancel = ui.button(tr.s(S::PlanCancel)).clicked();
            });
        });
        if save {
            let holes = form
                .previous
                .as_ref()
                .and_then(|n| view.area(n))
                .map(|a| match &a.shape {
                    Shape::Polygon { holes, .. } => holes.clone(),
                    Shape::Point { .. } => Vec::new(),
                })
                .unwrap_or_default();
            match form.area(holes) {
                Ok(area) => {
                    // Checked here too, so a crossing polygon is named at once.
                    if let Err(e) = area.validate() {
                        self.planning.outcome(PlanningOutcome {
                            task: PlanningTask::Area,
                            result: Err(e.to_string()),
                        });
                        return;
                    }
                    let previous = form.previous.clone();
                    self.planning.selected = Some(area.name.clone());
                    self.map.planning.highlight = Some(area.name.clone());
                    self.plan_send(PlanningIntent::SaveArea { area, previous });
                    self.planning.form = None;
                    self.map.planning.editing = None;
                }
                Err(e) => self.planning.outcome(PlanningOutcome {
                    task: PlanningTask::Area,
                    result: Err(e),
                }),
            }
        } else if cancel {
            self.planning.form = None;
            self.map.planning.editing = None;
        }
    }

    fn route_home(&self) -> GeoPoint {
        self.primary
            .and_then(|s| self.view.fleet.get(s))
            .and_then(|a| a.home.map(|h| h.position).or(a.position))
            .unwrap_or(GeoPoint {
                lat: kestrel_core::console::demo::HOME.0,
                lon: kestrel_core::console::demo::HOME.1,
            })
    }

    fn route_tab(&mut self, ui: &mut egui::Ui, view: &PlanningView) {
        let tr = self.tr();
        ui.label(RichText::new(tr.s(S::PlanRouteAreas)).strong());
        let patrolled: Vec<&KeyArea> = view
            .areas
            .iter()
            .filter(|a| a.category.is_patrolled())
            .collect();
        if patrolled.is_empty() {
            ui.label(tr.s(S::PlanNoAreas));
        }
        for a in patrolled {
            let mut on = self.planning.route_areas.contains(&a.name);
            if ui.checkbox(&mut on, &a.name).changed() {
                if on {
                    self.planning.route_areas.insert(a.name.clone());
                } else {
                    self.planning.route_areas.remove(&a.name);
                }
            }
        }
        egui::Grid::new("kestrel-route-form")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label(tr.s(S::PlanPattern));
                egui::ComboBox::from_id_salt("kestrel-route-pattern")
                    .selected_text(pattern_name(tr, self.planning.pattern))
                    .show_ui(ui, |ui| {
                        for p in Pattern::ALL {
                            ui.selectable_value(&mut self.planning.pattern, p, pattern_name(tr, p));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                ui.label(tr.s(S::PlanAltitude));
                ui.add(
                    egui::DragValue::new(&mut self.planning.alt_m)
                        .range(5.0..=500.0)
                        .suffix(" m"),
                );
                ui.end_row();
                let l = ui.label(tr.s(S::PlanAircraft));
                let shown = self
                    .planning
                    .aircraft
                    .clone()
                    .unwrap_or_else(|| tr.s(S::PlanDefaultAircraft).to_string());
                egui::ComboBox::from_id_salt("kestrel-route-aircraft")
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(
                            &mut self.planning.aircraft,
                            None,
                            tr.s(S::PlanDefaultAircraft),
                        );
                        for a in view.aircraft.iter() {
                            let text = match &a.maintenance {
                                Some(n) => {
                                    format!("{} ({}: {n})", a.callsign, tr.s(S::PlanMaintenance))
                                }
                                None => format!(
                                    "{} · {:.0} min · {:.0} m/s · {:.0}°",
                                    a.callsign, a.endurance_min, a.cruise_ms, a.hfov_deg
                                ),
                            };
                            ui.selectable_value(
                                &mut self.planning.aircraft,
                                Some(a.callsign.clone()),
                                text,
                            );
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
            });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::PlanGenerate)).clicked() {
                let spec = RouteSpec {
                    areas: self.planning.route_areas.iter().cloned().collect(),
                    pattern: self.planning.pattern,
                    alt_m: self.planning.alt_m,
                    aircraft: self.planning.aircraft.clone(),
                    home: self.route_home(),
                };
                self.plan_send(PlanningIntent::GenerateRoute(spec));
            }
            if view.route.is_some() && ui.button(tr.s(S::PlanClearRoute)).clicked() {
                self.plan_send(PlanningIntent::ClearRoute);
            }
        });
        show_message(ui, self.planning.message(PlanningTask::Route));
        let Some(plan) = &view.route else { return };
        let route = &plan.route;
        ui.separator();
        let t = route.totals();
        ui.label(
            RichText::new(tr.f(
                S::PlanRouteTotalsFmt,
                &[
                    &pattern_name(tr, route.pattern),
                    &format!("{:.2}", t.length_m / 1000.0),
                    &format!("{:.1}", t.flight_time_s / 60.0),
                    &format!("{:.0}", t.battery_pct),
                ],
            ))
            .strong(),
        );
        if route.sorties.len() > 1 {
            ui.label(tr.f(S::PlanSplitFmt, &[&route.sorties.len()]));
        }
        for (i, s) in route.sorties.iter().enumerate() {
            ui.horizontal(|ui| {
                let (r, p) = ui.allocate_painter(vec2(14.0, 4.0), Sense::hover());
                p.rect_filled(r.rect, 1.0, sortie_colour(i));
                ui.label(tr.f(
                    S::PlanSortieStatsFmt,
                    &[
                        &(i + 1),
                        &format!("{:.2}", s.stats.length_m / 1000.0),
                        &format!("{:.1}", s.stats.flight_time_s / 60.0),
                        &format!("{:.0}", s.stats.battery_pct),
                    ],
                ));
            });
        }
        for w in &route.warnings {
            ui.label(RichText::new(w).color(WARN));
        }
        for i in &plan.issues {
            ui.label(RichText::new(i.to_string()).color(theme::BAD).strong());
        }
        ui.label(RichText::new(tr.s(S::PlanDragWaypoints)).italics());
        ui.separator();
        // Upload to the selected aircraft.
        let target = self.primary;
        match target {
            Some(sysid) => {
                ui.label(tr.f(S::PlanUploadToFmt, &[&self.callsign(sysid)]));
            }
            None => {
                ui.label(tr.s(S::SelectAircraftHint));
            }
        }
        if route.sorties.len() > 1 {
            ui.horizontal(|ui| {
                ui.label(tr.s(S::PlanSortie));
                for i in 0..route.sorties.len() {
                    ui.selectable_value(&mut self.planning.upload_sortie, i, format!("{}", i + 1));
                }
            });
        }
        self.planning.upload_sortie = self.planning.upload_sortie.min(route.sorties.len() - 1);
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanTeam));
            let shown = self
                .planning
                .upload_team
                .clone()
                .unwrap_or_else(|| tr.s(S::PlanAircraftTeam).to_string());
            egui::ComboBox::from_id_salt("kestrel-upload-team")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.planning.upload_team,
                        None,
                        tr.s(S::PlanAircraftTeam),
                    );
                    for t in view.teams.iter() {
                        ui.selectable_value(
                            &mut self.planning.upload_team,
                            Some(t.name.clone()),
                            &t.name,
                        );
                    }
                })
                .response
                .labelled_by(l.id);
        });
        if ui
            .add_enabled(target.is_some(), egui::Button::new(tr.s(S::PlanUpload)))
            .clicked()
        {
            if let Some(sysid) = target {
                self.plan_send(PlanningIntent::Upload {
                    sortie: self.planning.upload_sortie,
                    sysid,
                    team: self.planning.upload_team.clone(),
                });
            }
        }
        show_message(ui, self.planning.message(PlanningTask::Upload));
    }

    fn crews_tab(&mut self, ui: &mut egui::Ui, view: &PlanningView) {
        let tr = self.tr();
        self.roster_section(ui, view); // --- roster ---
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanTeams)).strong());
        if view.teams.is_empty() {
            ui.label(tr.s(S::PlanNoTeams));
        }
        let mut disband = None; // --- roster ---
        egui::Grid::new("kestrel-teams")
            .striped(true)
            .num_columns(5)
            .show(ui, |ui| {
                for t in view.teams.iter() {
                    ui.label(RichText::new(&t.name).strong());
                    ui.label(&t.officer);
                    ui.label(t.auxiliaries.join(", "));
                    let ac = view.aircraft.iter().find(|a| a.callsign == t.aircraft);
                    match ac.and_then(|a| a.maintenance.as_ref()) {
                        Some(n) => ui.label(
                            RichText::new(format!(
                                "{} ({}: {n})",
                                t.aircraft,
                                tr.s(S::PlanMaintenance)
                            ))
                            .color(theme::BAD),
                        ),
                        None => ui.label(&t.aircraft),
                    };
                    if ui.small_button(tr.s(S::RosterDisband)).clicked() {
                        disband = Some(t.name.clone());
                    }
                    ui.end_row();
                }
            });
        if let Some(t) = disband {
            self.ask_disband(&t);
        }
        show_message(ui, self.planning.message(PlanningTask::Disband));
        self.team_form(ui, view);
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanSorties)).strong());
        if view.sorties.is_empty() {
            ui.label(tr.s(S::PlanNoSorties));
        }
        egui::Grid::new("kestrel-sorties")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                for s in view.sorties.iter().rev().take(30) {
                    ui.label(format!("#{}", s.id));
                    ui.label(format!("{} {}", format_hm(s.start), s.team.name));
                    ui.label(&s.route_name);
                    ui.label(
                        RichText::new(state_name(tr, s.state()))
                            .color(state_colour(s.state()))
                            .strong(),
                    );
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanPath));
            ui.add(egui::TextEdit::singleline(&mut self.planning.log_path).desired_width(160.0))
                .labelled_by(l.id);
            if ui.button(tr.s(S::PlanExportLog)).clicked() {
                self.plan_send(PlanningIntent::ExportLog(PathBuf::from(
                    self.planning.log_path.trim(),
                )));
            }
        });
        show_message(ui, self.planning.message(PlanningTask::Log));
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanSchedule)).strong());
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanShiftFrom));
            ui.add(egui::TextEdit::singleline(&mut self.planning.shift.0).desired_width(120.0))
                .labelled_by(l.id);
            let l = ui.label(tr.s(S::PlanShiftTo));
            ui.add(egui::TextEdit::singleline(&mut self.planning.shift.1).desired_width(120.0))
                .labelled_by(l.id);
        });
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(tr.s(S::PlanEventMode));
            let shown = self
                .planning
                .event_area
                .clone()
                .unwrap_or_else(|| "—".into());
            egui::ComboBox::from_id_salt("kestrel-event-area")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for a in view.areas.iter().filter(|a| a.category.is_patrolled()) {
                        ui.selectable_value(
                            &mut self.planning.event_area,
                            Some(a.name.clone()),
                            &a.name,
                        );
                    }
                })
                .response
                .labelled_by(l.id);
            ui.add(
                egui::DragValue::new(&mut self.planning.event_min)
                    .range(1.0..=600.0)
                    .suffix(" min"),
            );
            if ui.button(tr.s(S::PlanAddEvent)).clicked() {
                if let Some(a) = self.planning.event_area.clone() {
                    self.planning.events.retain(|(n, _)| *n != a);
                    self.planning.events.push((a, self.planning.event_min));
                }
            }
        });
        let mut drop = None;
        for (i, (a, m)) in self.planning.events.iter().enumerate() {
            ui.horizontal(|ui| {
                ui.label(tr.f(S::PlanEventFmt, &[a, &format!("{m:.0}")]));
                if ui.small_button("x").clicked() {
                    drop = Some(i);
                }
            });
        }
        if let Some(i) = drop {
            self.planning.events.remove(i);
        }
        if ui.button(tr.s(S::PlanRunSchedule)).clicked() {
            let parsed = parse_utc(&self.planning.shift.0)
                .and_then(|s| parse_utc(&self.planning.shift.1).map(|e| (s, e)));
            match parsed {
                Ok((start, end)) => self.plan_send(PlanningIntent::Schedule {
                    start,
                    end,
                    events: self
                        .planning
                        .events
                        .iter()
                        .map(|(a, m)| EventOverride {
                            area: a.clone(),
                            revisit_min: *m,
                            from: None,
                            until: None,
                        })
                        .collect(),
                }),
                Err(e) => self.planning.outcome(PlanningOutcome {
                    task: PlanningTask::Schedule,
                    result: Err(e),
                }),
            }
        }
        show_message(ui, self.planning.message(PlanningTask::Schedule));
        if let Some(shift) = &view.shift {
            timeline(ui, tr, shift);
            if ui.button(tr.s(S::PlanCreateSorties)).clicked() {
                self.plan_send(PlanningIntent::CreateScheduledSorties);
            }
        }
    }
}

impl ConsoleApp {
    /// Forming a team from the roster and the registry; the planner says why it refuses one.
    fn team_form(&mut self, ui: &mut egui::Ui, view: &PlanningView) {
        let tr = self.tr();
        egui::CollapsingHeader::new(tr.s(S::PlanFormTeam))
            .id_salt("kestrel-form-team")
            .show(ui, |ui| {
                let (name, members, aircraft) = &mut self.planning.new_team;
                ui.horizontal(|ui| {
                    let l = ui.label(tr.s(S::PlanName));
                    ui.add(egui::TextEdit::singleline(name).desired_width(140.0))
                        .labelled_by(l.id);
                });
                for (i, m) in members.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        let l = ui.label(tr.f(S::PlanMemberFmt, &[&(i + 1)]));
                        egui::ComboBox::from_id_salt(("kestrel-team-member", i))
                            .selected_text(m.clone().unwrap_or_else(|| "—".into()))
                            .show_ui(ui, |ui| {
                                for p in view.people.iter() {
                                    let role = match p.role {
                                        kestrel_core::crew::Role::Officer => {
                                            tr.s(S::PlanRoleOfficer)
                                        }
                                        kestrel_core::crew::Role::Auxiliary => tr.s(S::PlanRoleAux),
                                    };
                                    ui.selectable_value(
                                        m,
                                        Some(p.name.clone()),
                                        format!("{} ({role})", p.name),
                                    );
                                }
                            })
                            .response
                            .labelled_by(l.id);
                    });
                }
                ui.horizontal(|ui| {
                    let l = ui.label(tr.s(S::PlanAircraft));
                    egui::ComboBox::from_id_salt("kestrel-team-aircraft")
                        .selected_text(aircraft.clone().unwrap_or_else(|| "—".into()))
                        .show_ui(ui, |ui| {
                            for a in view.aircraft.iter() {
                                ui.selectable_value(
                                    aircraft,
                                    Some(a.callsign.clone()),
                                    &a.callsign,
                                );
                            }
                        })
                        .response
                        .labelled_by(l.id);
                });
                if ui.button(tr.s(S::PlanFormTeam)).clicked() {
                    let intent = PlanningIntent::FormTeam {
                        name: name.trim().to_string(),
                        members: members.iter().flatten().cloned().collect(),
                        aircraft: aircraft.clone().unwrap_or_default(),
                    };
                    self.plan_send(intent);
                }
                show_message(ui, self.planning.message(PlanningTask::Team));
            });
    }
}

/// The shift timeline: one row per team, a bar per sortie (hover: its areas).
fn timeline(ui: &mut egui::Ui, tr: Tr, shift: &kestrel_core::console::planning::ShiftPlan) {
    let (start, end) = shift.window;
    let span = (end - start).max(1) as f32;
    let mut teams: Vec<&str> = shift
        .schedule
        .sorties
        .iter()
        .map(|s| s.team.as_str())
        .collect();
    teams.sort();
    teams.dedup();
    let row = 20.0;
    let label_w = 80.0;
    let width = ui.available_width().max(200.0);
    let height = row * (teams.len() as f32 + 1.0);
    let (resp, painter) = ui.allocate_painter(vec2(width, height), Sense::hover());
    let r = resp.rect;
    let x_of = |t: i64| r.left() + label_w + (t - start) as f32 / span * (r.width() - label_w);
    // Hour ticks.
    let mut h = start - start.rem_euclid(3600) + 3600;
    while h < end {
        let x = x_of(h);
        painter.line_segment(
            [egui::pos2(x, r.top()), egui::pos2(x, r.bottom())],
            Stroke::new(1.0, Color32::from_gray(200)),
        );
        painter.text(
            egui::pos2(x + 2.0, r.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            format_hm(h),
            egui::FontId::proportional(10.0),
            Color32::from_gray(90),
        );
        h += 3600;
    }
    let pointer = resp.hover_pos();
    let mut tip = None;
    for (i, team) in teams.iter().enumerate() {
        let y = r.top() + i as f32 * row;
        painter.text(
            egui::pos2(r.left(), y + row / 2.0),
            egui::Align2::LEFT_CENTER,
            *team,
            egui::FontId::proportional(11.0),
            ui.visuals().text_color(),
        );
        for s in shift.schedule.sorties.iter().filter(|s| s.team == *team) {
            let bar = egui::Rect::from_min_max(
                egui::pos2(x_of(s.start), y + 3.0),
                egui::pos2(x_of(s.end).max(x_of(s.start) + 2.0), y + row - 3.0),
            );
            painter.rect_filled(bar, 2.0, theme::team_colour(i as u8 + 1));
            if pointer.is_some_and(|p| bar.contains(p)) {
                tip = Some(format!(
                    "{}–{} {}",
                    format_hm(s.start),
                    format_hm(s.end),
                    s.areas().join(", ")
                ));
            }
        }
    }
    if let Some(t) = tip {
        resp.on_hover_text(t);
    }
    for c in &shift.schedule.coverage {
        let text = tr.f(
            S::PlanCoverageFmt,
            &[
                &c.area,
                &c.visits,
                &format!("{:.0}", c.max_gap_min),
                &format!("{:.0}", c.event_min.unwrap_or(c.interval_min)),
            ],
        );
        let colour = if c.met { theme::GOOD } else { theme::BAD };
        ui.label(RichText::new(text).color(colour));
    }
    for u in &shift.schedule.uncovered {
        ui.label(RichText::new(format!("{}: {}", u.area, u.reason)).color(theme::BAD));
    }
    for n in &shift.notes {
        ui.label(RichText::new(n).color(WARN));
    }
}
