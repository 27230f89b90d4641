//! The planning panel (the flight-team lead plans a shift; the pilot loads a sortie): key areas
//! (list, draw, edit, delete, GeoJSON/KML import/export: [`areas`]), patrol routes (areas +
//! pattern + altitude + aircraft → route on the map, upload to the selected aircraft:
//! [`route`]), and crews & sorties (the roster and registry, teams, today's sorties following
//! telemetry, the shift schedule timeline, the sortie log: [`crews`], [`roster`]); its map
//! layer is [`layer`]. It only sends [`PlanningIntent`]s; every answer comes back as a
//! [`PlanningOutcome`].

mod areas;
mod crews;
pub mod layer;
mod roster;
mod route;
mod strings;

use std::collections::BTreeSet;

use eframe::egui::{self, Color32, RichText};

use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::planning::{PlanningIntent, PlanningOutcome, PlanningTask};
use kestrel_core::console::Event;
use kestrel_core::crew::SortieState;
use kestrel_core::plan::areas::Category;
use kestrel_core::plan::routes::Pattern;
use kestrel_core::time::now_unix;
use strings::S;

use areas::AreaForm;
use layer::{LayerAction, PlanningLayer};

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

/// The planning panel (shown instead of the fleet list while open), its map layer and its
/// state between frames.
#[derive(Debug, Clone)]
pub struct PlanningPanel {
    /// Whether the panel is shown (instead of the fleet list).
    pub open: bool,
    /// Key areas and the route on the map.
    pub layer: PlanningLayer,
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
    /// The roster and aircraft registry.
    pub roster: roster::RosterUi,
}

impl Default for PlanningPanel {
    fn default() -> Self {
        let now = now_unix() as i64;
        let start = now - now.rem_euclid(3600) + 3600;
        let day = kestrel_core::time::DateTime::from_unix_secs(start).rfc3339();
        let end = kestrel_core::time::DateTime::from_unix_secs(start + 8 * 3600).rfc3339();
        Self {
            open: false,
            layer: PlanningLayer::default(),
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

impl PlanningPanel {
    /// Records the answer of the core.
    fn outcome(&mut self, o: &PlanningOutcome) {
        if o.task == PlanningTask::Load && o.result.as_ref().is_ok_and(|m| m.is_empty()) {
            return;
        }
        self.messages.retain(|(t, _)| *t != o.task);
        self.messages.push((o.task, o.result.clone()));
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

pub(super) fn state_colour(s: SortieState) -> Color32 {
    match s {
        SortieState::Planned => Color32::from_gray(110),
        SortieState::Uploaded => Color32::from_rgb(0x25, 0x63, 0xeb),
        SortieState::Flying => Color32::from_rgb(0x16, 0xa3, 0x4a),
        SortieState::Completed => Color32::from_rgb(0x0f, 0x76, 0x6e),
        SortieState::Aborted => theme::BAD,
    }
}

pub(super) fn state_name(tr: Tr, s: SortieState) -> &'static str {
    tr.s(match s {
        SortieState::Planned => S::PlanStPlanned,
        SortieState::Uploaded => S::PlanStUploaded,
        SortieState::Flying => S::PlanStFlying,
        SortieState::Completed => S::PlanStCompleted,
        SortieState::Aborted => S::PlanStAborted,
    })
}

impl Panel for PlanningPanel {
    fn on_event(&mut self, event: &Event, _cx: &ViewCtx, _actions: &mut Actions) {
        if let Event::Planning(o) = event {
            self.outcome(o);
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        if ui
            .add(egui::Button::new(cx.tr.s(S::PlanTitle)).selected(self.open))
            .clicked()
        {
            self.open = !self.open;
        }
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        self.map_actions(actions);
        if self.open && self.tab == PlanTab::Crews {
            self.roster_confirm(ctx, cx, actions);
        }
    }
}

impl PlanningPanel {
    /// The map's planning layer (what it drew last frame, what is being drawn or edited).
    pub fn layer(&self) -> &PlanningLayer {
        &self.layer
    }

    /// Handles what the planner did on the map (finished drawing, dragged a waypoint…).
    fn map_actions(&mut self, out: &mut Actions) {
        let actions = std::mem::take(&mut self.layer.actions);
        for a in actions {
            match a {
                LayerAction::Finished(vertices) => {
                    // The new outline stays on the map, its vertices draggable, until saved.
                    if vertices.len() >= 3 {
                        self.layer.editing = Some((String::new(), vertices.clone()));
                    }
                    self.form = Some(AreaForm::new(vertices));
                    self.open = true;
                    self.tab = PlanTab::Areas;
                }
                LayerAction::Cancelled => {}
                LayerAction::Picked(name) => {
                    self.layer.highlight = Some(name.clone());
                    self.selected = Some(name);
                }
                LayerAction::MoveWaypoint { sortie, point, to } => {
                    out.send(PlanningIntent::MoveWaypoint { sortie, point, to });
                }
            }
        }
    }

    /// The planning panel.
    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let view = cx.view.planning.clone();
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
                if ui.selectable_label(self.tab == tab, tr.s(key)).clicked() {
                    self.tab = tab;
                }
            }
        });
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match self.tab {
                PlanTab::Areas => self.areas_tab(ui, &view, cx, actions),
                PlanTab::Route => self.route_tab(ui, &view, cx, actions),
                PlanTab::Crews => self.crews_tab(ui, &view, cx, actions),
            });
    }
}
