//! The key areas tab: the list (click to highlight on the map), drawing a new area on the map,
//! the form (name, category, priority, revisit interval, altitude, camera stream), deleting with
//! confirmation, and importing or exporting GeoJSON, KML or KMZ files.

use std::path::PathBuf;

use eframe::egui::{self, vec2, RichText, Sense};

use super::layer::category_colour;
use super::strings::S;
use super::{category_name, show_message, PlanningPanel};
use crate::context::{Actions, ViewCtx};
use crate::theme;
use kestrel_core::console::planning::{
    PlanningIntent, PlanningOutcome, PlanningTask, PlanningView,
};
use kestrel_core::geo::GeoPoint;
use kestrel_core::plan::areas::{Category, KeyArea, Shape, DEFAULT_PRIORITY};

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
    pub(super) fn new(vertices: Vec<GeoPoint>) -> Self {
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

    pub(super) fn of(a: &KeyArea) -> Self {
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

impl PlanningPanel {
    pub(super) fn areas_tab(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        if view.areas.is_empty() {
            ui.label(tr.s(S::PlanNoAreas));
        }
        for a in view.areas.iter() {
            let selected = self.selected.as_deref() == Some(a.name.as_str());
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
                    self.selected = Some(a.name.clone());
                    self.layer.highlight = Some(a.name.clone());
                }
            });
        }
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            let drawing = self.layer.drawing.is_some();
            let draw = ui.add_enabled(!drawing, egui::Button::new(tr.s(S::PlanDrawArea)));
            if draw.clicked() {
                // Enter must reach the map (finish), not press this button again.
                draw.surrender_focus();
                self.layer.drawing = Some(Vec::new());
                self.layer.editing = None;
                self.form = None;
            }
            let sel = self.selected.clone().and_then(|n| view.area(&n).cloned());
            if ui
                .add_enabled(sel.is_some(), egui::Button::new(tr.s(S::PlanEditArea)))
                .clicked()
            {
                if let Some(a) = &sel {
                    let form = AreaForm::of(a);
                    if !a.category.is_point() {
                        self.layer.editing = Some((a.name.clone(), form.vertices.clone()));
                    }
                    self.form = Some(form);
                }
            }
            if ui
                .add_enabled(sel.is_some(), egui::Button::new(tr.s(S::PlanDeleteArea)))
                .clicked()
            {
                self.confirm_delete = sel.map(|a| a.name);
            }
        });
        if self.layer.drawing.is_some() {
            ui.label(RichText::new(tr.s(S::PlanDrawHint)).italics());
            if ui.button(tr.s(S::PlanCancel)).clicked() {
                self.layer.drawing = None;
            }
        }
        if let Some(name) = self.confirm_delete.clone() {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.label(
                    RichText::new(tr.f(S::PlanDeleteConfirmFmt, &[&name]))
                        .color(theme::BAD)
                        .strong(),
                );
                ui.horizontal(|ui| {
                    if ui.button(tr.s(S::PlanDeleteArea)).clicked() {
                        actions.send(PlanningIntent::DeleteArea(name.clone()));
                        self.confirm_delete = None;
                        self.selected = None;
                        self.layer.highlight = None;
                    }
                    if ui.button(tr.s(S::PlanCancel)).clicked() {
                        self.confirm_delete = None;
                    }
                });
            });
        }
        self.area_form(ui, view, cx, actions);
        show_message(ui, self.message(PlanningTask::Area));
        ui.separator();
        ui.label(RichText::new(tr.s(S::PlanGeoJson)).strong());
        ui.horizontal(|ui| {
            let l = ui.label(tr.s(S::PlanPath));
            ui.add(
                egui::TextEdit::singleline(&mut self.path)
                    .hint_text("areas.geojson, .kml, .kmz")
                    .desired_width(220.0),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::PlanImport)).clicked() {
                actions.send(PlanningIntent::Import {
                    path: PathBuf::from(self.path.trim()),
                    replace: self.replace,
                });
            }
            ui.checkbox(&mut self.replace, tr.s(S::PlanReplaceAll));
            if ui.button(tr.s(S::PlanExport)).clicked() {
                actions.send(PlanningIntent::Export(PathBuf::from(self.path.trim())));
            }
        });
        show_message(ui, self.message(PlanningTask::File));
    }

    fn area_form(
        &mut self,
        ui: &mut egui::Ui,
        view: &PlanningView,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let Some(form) = self.form.as_mut() else {
            return;
        };
        // Vertices dragged on the map belong to the form.
        if let Some((_, v)) = &self.layer.editing {
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
                        self.outcome(&PlanningOutcome {
                            task: PlanningTask::Area,
                            result: Err(e.to_string()),
                        });
                        return;
                    }
                    let previous = form.previous.clone();
                    self.selected = Some(area.name.clone());
                    self.layer.highlight = Some(area.name.clone());
                    actions.send(PlanningIntent::SaveArea { area, previous });
                    self.form = None;
                    self.layer.editing = None;
                }
                Err(e) => self.outcome(&PlanningOutcome {
                    task: PlanningTask::Area,
                    result: Err(e),
                }),
            }
        } else if cancel {
            self.form = None;
            self.layer.editing = None;
        }
    }
}
