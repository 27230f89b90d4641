//! The console window's state and its frame: top bar, alert banner, fleet panel, selected-aircraft
//! panel, map, status bar and the windows (connections, settings, alert log, confirmations). It
//! only reads the core's published view and sends intents; it never waits on anything.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use kestrel_core::alerts::{Alert, Severity};
use kestrel_core::console::{CommandReport, ConsoleHandle, ConsoleView, Event, Intent, Settings};
use kestrel_core::protocol::PilotAction;

use super::fonts::{self, CjkSource};
use super::i18n::{Tr, S};
use super::map::{MapAction, MapInput, MapTiles, MapView};

/// How long a command result stays in the notices.
const REPORT_KEEP: Duration = Duration::from_secs(12);

/// How the window is set up.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// Settings to start with.
    pub settings: Settings,
    /// Where settings are saved when changed; `None` keeps them in memory only (tests).
    pub settings_path: Option<PathBuf>,
    /// Where downloaded map tiles are cached; `None`: no disk cache.
    pub tile_cache: Option<PathBuf>,
    /// When the process started (for the start-up figure).
    pub launched_at: Instant,
    /// Show the wall clock in the top bar (off for reproducible pictures).
    pub show_clock: bool,
}

impl AppOptions {
    /// Options for a window with these settings that saves nothing and caches no tiles.
    pub fn ephemeral(settings: Settings) -> Self {
        Self {
            settings,
            settings_path: None,
            tile_cache: None,
            launched_at: Instant::now(),
            show_clock: true,
        }
    }
}

/// A pilot action waiting for the pilot's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub targets: Vec<u8>,
    pub action: PilotAction,
}

/// A command sent and not answered yet.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    pub at: Instant,
    pub action: PilotAction,
    pub waiting: BTreeSet<u8>,
}

/// Which windows are open.
#[derive(Debug, Clone, Default)]
pub(crate) struct Windows {
    pub connections: bool,
    pub settings: bool,
    pub alert_log: bool,
}

/// The console window.
pub struct ConsoleApp {
    pub(crate) handle: ConsoleHandle,
    pub(crate) settings: Settings,
    pub(crate) settings_path: Option<PathBuf>,
    pub(crate) tile_cache: Option<PathBuf>,
    pub(crate) view: Arc<ConsoleView>,
    pub(crate) primary: Option<u8>,
    pub(crate) checked: BTreeSet<u8>,
    pub(crate) map: MapView,
    pub(crate) windows: Windows,
    pub(crate) link_input: String,
    pub(crate) link_feedback: Option<(bool, String)>,
    pub(crate) links_from_ui: HashSet<String>,
    pub(crate) pending: Option<Pending>,
    pub(crate) in_flight: HashMap<u64, InFlight>,
    pub(crate) reports: VecDeque<(Instant, CommandReport)>,
    pub(crate) acked: HashSet<u64>,
    pub(crate) notice: Option<(Instant, String)>,
    pub(crate) draft: Option<super::panels::settings::Draft>,
    pub(crate) launched_at: Instant,
    pub(crate) first_aircraft_after: Option<Duration>,
    pub(crate) cjk: Option<CjkSource>,
    pub(crate) show_clock: bool,
    pub(crate) auto_selected: bool,
    // --- video ---
    pub(crate) video: super::panels::video::VideoUi,
    // --- end video ---
    // --- sightings ---
    pub(crate) sightings_ui: super::panels::sightings::SightingsUi,
    // --- planning ---
    pub(crate) planning: super::panels::planning::PlanningUi,
    pub(crate) signing_ui: super::panels::signing::SigningUi, // --- signing ---
}

impl ConsoleApp {
    /// A window over `handle`. The CJK font and the repaint hook are installed on the first
    /// frame (or by [`ConsoleApp::init`]).
    pub fn new(handle: ConsoleHandle, options: AppOptions) -> Self {
        let tiles = MapTiles::new(
            &options.settings.tile_source,
            handle.runtime(),
            options.tile_cache.clone(),
        );
        let view = handle.view();
        Self {
            handle,
            settings: options.settings,
            settings_path: options.settings_path,
            tile_cache: options.tile_cache,
            view,
            primary: None,
            checked: BTreeSet::new(),
            map: MapView::new(tiles),
            windows: Windows::default(),
            link_input: String::new(),
            link_feedback: None,
            links_from_ui: HashSet::new(),
            pending: None,
            in_flight: HashMap::new(),
            reports: VecDeque::new(),
            acked: HashSet::new(),
            notice: None,
            draft: None,
            launched_at: options.launched_at,
            first_aircraft_after: None,
            cjk: None,
            show_clock: options.show_clock,
            auto_selected: false,
            video: Default::default(),
            sightings_ui: Default::default(), // --- sightings ---
            planning: Default::default(),
            signing_ui: Default::default(), // --- signing ---
        }
    }

    /// Installs the CJK font in `ctx` and asks the core to repaint the window whenever it
    /// publishes. Done once; [`ConsoleApp::show`] calls it on the first frame.
    pub fn init(&mut self, ctx: &egui::Context) {
        if self.cjk.is_some() {
            return;
        }
        self.cjk = Some(fonts::install(ctx));
        let repaint = ctx.clone();
        self.handle
            .set_repaint_hook(Arc::new(move || repaint.request_repaint()));
    }

    /// The translations of the current language.
    pub fn tr(&self) -> Tr {
        Tr(self.settings.language)
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The aircraft whose panel is shown.
    pub fn selected(&self) -> Option<u8> {
        self.primary
    }

    /// The core handle (tests reach the simulator through it).
    pub fn handle(&self) -> &ConsoleHandle {
        &self.handle
    }

    /// How long after launch the first aircraft was drawn on the map.
    pub fn first_aircraft_after(&self) -> Option<Duration> {
        self.first_aircraft_after
    }

    /// Where the Chinese glyphs come from (after the first frame).
    pub fn cjk_source(&self) -> Option<&CjkSource> {
        self.cjk.as_ref()
    }

    /// The callsign of an aircraft: the configured one, else its team name.
    pub fn callsign(&self, sysid: u8) -> String {
        callsign_in(&self.settings, self.tr(), &self.view.planning.names, sysid)
    }

    /// Selects one aircraft (shows its panel).
    pub fn select(&mut self, sysid: u8) {
        self.primary = Some(sysid);
    }

    /// Asks for `action` on `targets`: at once, or after the pilot confirms if it is one that
    /// cannot be taken back.
    pub(crate) fn request(&mut self, targets: Vec<u8>, action: PilotAction) {
        if targets.is_empty() {
            return;
        }
        if action.needs_confirmation() {
            self.pending = Some(Pending { targets, action });
        } else {
            self.dispatch(targets, action);
        }
    }

    /// Sends `action` to `targets` now.
    pub(crate) fn dispatch(&mut self, targets: Vec<u8>, action: PilotAction) {
        let id = self.handle.next_command_id();
        self.in_flight.insert(
            id,
            InFlight {
                at: Instant::now(),
                action: action.clone(),
                waiting: targets.iter().copied().collect(),
            },
        );
        self.handle.send(Intent::Command {
            id,
            targets,
            action,
        });
    }

    /// Saves the settings (in the background) if they have a file.
    pub(crate) fn save_settings(&self) {
        if let Some(path) = &self.settings_path {
            self.handle.send(Intent::SaveSettings(
                Box::new(self.settings.clone()),
                path.clone(),
            ));
        }
    }

    /// Changes the tile source and rebuilds the tile layer.
    pub(crate) fn set_tile_source(&mut self, source: kestrel_core::tiles::TileSourceConfig) {
        self.settings.tile_source = source;
        self.map.set_tiles(MapTiles::new(
            &self.settings.tile_source,
            self.handle.runtime(),
            self.tile_cache.clone(),
        ));
    }

    /// Alerts not acknowledged yet, most urgent first, then newest first.
    pub(crate) fn unacknowledged(&self) -> Vec<&Alert> {
        let mut v: Vec<&Alert> = self
            .view
            .alerts
            .iter()
            .filter(|a| a.needs_attention() && !self.acked.contains(&a.id))
            .collect();
        v.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.at.cmp(&a.at)));
        v
    }

    /// The most urgent unacknowledged (or still active) alert of each aircraft.
    pub(crate) fn alerting(&self) -> HashMap<u8, Severity> {
        let mut m: HashMap<u8, Severity> = HashMap::new();
        for a in self.view.alerts.iter() {
            let live = (a.needs_attention() && !self.acked.contains(&a.id)) || a.is_active();
            if live {
                let e = m.entry(a.sysid).or_insert(a.severity);
                *e = (*e).max(a.severity);
            }
        }
        m
    }

    /// Acknowledges an alert (shown at once, confirmed by the core).
    pub(crate) fn acknowledge(&mut self, id: u64) {
        self.acked.insert(id);
        self.handle.send(Intent::Acknowledge(id));
    }

    /// Acknowledges every alert.
    pub(crate) fn acknowledge_all(&mut self) {
        let ids: Vec<u64> = self.unacknowledged().iter().map(|a| a.id).collect();
        self.acked.extend(ids);
        self.handle.send(Intent::AcknowledgeAll);
    }

    fn poll(&mut self) {
        self.view = self.handle.view();
        let events: Vec<Event> = self.handle.events().collect();
        for e in events {
            match e {
                Event::CommandDone(r) => {
                    if let Some(f) = self.in_flight.get_mut(&r.id) {
                        f.waiting.remove(&r.sysid);
                        if f.waiting.is_empty() {
                            self.in_flight.remove(&r.id);
                        }
                    }
                    self.reports.push_back((Instant::now(), r));
                }
                Event::LinkAdded { name, .. } => {
                    if self.links_from_ui.remove(&name) {
                        if !self.settings.links.contains(&name) {
                            self.settings.links.push(name.clone());
                            self.save_settings();
                        }
                        self.link_feedback = Some((true, name));
                    }
                }
                Event::LinkFailed { input, error } => {
                    self.links_from_ui.remove(&input);
                    self.link_feedback = Some((false, format!("{input}: {error}")));
                }
                Event::LinkRemoved(_) | Event::Alert(_) => {}
                Event::SettingsSaved(Err(e)) => {
                    self.notice = Some((Instant::now(), e));
                }
                Event::SettingsSaved(Ok(_)) => {}
                // --- video ---
                Event::Video(v) => self.video_event(v),
                Event::Sighting(e) => self.on_sighting_event(e), // --- sightings ---
                // --- planning ---
                Event::Planning(o) => self.planning.outcome(o),
                Event::Signing(o) => self.on_signing_outcome(o), // --- signing ---
            }
        }
        let now = Instant::now();
        // A command the core never answered (it always does, within its retries) is not left
        // "sending" for ever.
        self.in_flight
            .retain(|_, f| now.duration_since(f.at) < Duration::from_secs(60));
        while self
            .reports
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > REPORT_KEEP)
        {
            self.reports.pop_front();
        }
        // Alerts acknowledged here and confirmed by the core need no local memory.
        let view = self.view.clone();
        self.acked.retain(|id| {
            view.alerts
                .iter()
                .find(|a| a.id == *id)
                .is_some_and(|a| !a.is_acknowledged())
        });
        // Forget selections of aircraft that are gone (links removed).
        if let Some(p) = self.primary {
            if self.view.fleet.get(p).is_none() && !self.view.fleet.aircraft.is_empty() {
                self.primary = None;
            }
        }
        // The first aircraft heard is selected, so that its instruments are up at once.
        if !self.auto_selected {
            if let Some(a) = self.view.fleet.aircraft.first() {
                self.auto_selected = true;
                self.primary.get_or_insert(a.sysid);
            }
        }
    }

    /// Draws one frame of the whole console.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.init(ui.ctx());
        self.poll();
        let ctx = ui.ctx().clone();
        egui::Panel::top("kestrel-top").show(ui, |ui| self.top_bar(ui));
        if !self.unacknowledged().is_empty() {
            self.alert_banner(ui);
        }
        egui::Panel::bottom("kestrel-status").show(ui, |ui| self.status_bar(ui));
        if self.planning.open {
            // --- planning ---
            egui::Panel::left("kestrel-planning")
                .resizable(true)
                .default_size(430.0)
                .min_size(300.0)
                .show(ui, |ui| self.planning_panel(ui));
        } else {
            egui::Panel::left("kestrel-fleet")
                .resizable(true)
                .default_size(430.0)
                .min_size(300.0)
                .show(ui, |ui| self.fleet_panel(ui));
        }
        egui::Panel::right("kestrel-aircraft")
            .resizable(true)
            .default_size(330.0)
            .min_size(260.0)
            .show(ui, |ui| self.aircraft_panel(ui));
        egui::CentralPanel::no_frame().show(ui, |ui| self.central_area(ui));
        self.planning_map_actions(); // --- planning ---
        self.connections_window(&ctx);
        self.settings_window(&ctx);
        self.alert_log_window(&ctx);
        self.confirmation(&ctx);
        self.signing_confirmation(&ctx); // --- signing ---
        self.sightings_frame(&ctx); // --- sightings ---
        if self.first_aircraft_after.is_none() && self.map.drew_aircraft {
            let after = self.launched_at.elapsed();
            self.first_aircraft_after = Some(after);
            eprintln!(
                "kestrel: first aircraft on the map {:.2} s after launch",
                after.as_secs_f64()
            );
        }
    }

    pub(crate) fn map_panel(&mut self, ui: &mut egui::Ui) {
        let checked: Vec<u8> = self.checked.iter().copied().collect();
        let alerting = self.alerting();
        let tr = self.tr();
        let settings = &self.settings;
        let names = self.view.planning.names.clone(); // --- planning ---
        let name = |s: u8| callsign_in(settings, tr, &names, s);
        let input = MapInput {
            view: &self.view,
            selected: self.primary,
            checked: &checked,
            alerting: &alerting,
            tr,
            units: self.settings.units,
            callsign: &name,
            goto_alt_m: self.settings.takeoff_alt_m,
            time: ui.input(|i| i.time),
            // --- sightings ---
            sightings: &self.view.sightings,
            selected_sighting: self.sightings_ui.selected,
        };
        let map_rect = ui.max_rect();
        let actions = self.map.show(ui, &input, &self.handle);
        self.command_results(ui, map_rect);
        for a in actions {
            match a {
                MapAction::Select { sysid, add } => {
                    if add {
                        if !self.checked.remove(&sysid) {
                            self.checked.insert(sysid);
                        }
                    } else {
                        self.primary = Some(sysid);
                    }
                }
                MapAction::FlyHere { targets, at } => {
                    let alt = self
                        .view
                        .fleet
                        .get(targets[0])
                        .map(|a| a.alt_rel_m)
                        .filter(|alt| *alt > 5.0)
                        .unwrap_or(self.settings.takeoff_alt_m);
                    self.request(
                        targets,
                        PilotAction::Goto {
                            lat: at.lat,
                            lon: at.lon,
                            alt_rel_m: alt,
                        },
                    );
                }
                // --- sightings ---
                MapAction::MarkSightingHere { at } => self.quick_mark_at_map(at),
                MapAction::SelectSighting(id) => {
                    self.sightings_ui.selected = Some(id);
                    self.sightings_ui.open = true;
                }
            }
        }
        if !alerting.is_empty() {
            // Keep the alert rings blinking.
            ui.ctx().request_repaint_after(Duration::from_millis(250));
        }
    }

    /// The latest command results of every aircraft, over the bottom right of the map, so that
    /// the outcome of "return all" is seen for each aircraft.
    fn command_results(&self, ui: &mut egui::Ui, map: egui::Rect) {
        if self.reports.is_empty() && self.in_flight.is_empty() {
            return;
        }
        let tr = self.tr();
        let area = egui::Rect::from_min_max(
            egui::pos2(map.right() - 360.0, map.top() + 44.0),
            egui::pos2(map.right() - 8.0, map.bottom() - 30.0),
        );
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(area)
                .layout(egui::Layout::top_down(egui::Align::Max)),
            |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    for f in self.in_flight.values() {
                        let names: Vec<String> =
                            f.waiting.iter().map(|s| self.callsign(*s)).collect();
                        ui.label(
                            egui::RichText::new(format!(
                                "{}: {}",
                                names.join(", "),
                                tr.f(
                                    S::SendingFmt,
                                    &[&super::panels::aircraft::action_name(tr, &f.action)]
                                )
                            ))
                            .italics(),
                        );
                    }
                    for (_, r) in self.reports.iter().rev().take(8) {
                        let (ok, text) = super::panels::aircraft::outcome_text(tr, r);
                        let colour = if ok {
                            super::theme::GOOD
                        } else {
                            super::theme::BAD
                        };
                        ui.label(
                            egui::RichText::new(format!(
                                "{}: {}: {text}",
                                self.callsign(r.sysid),
                                super::panels::aircraft::action_name(tr, &r.action)
                            ))
                            .color(colour),
                        );
                    }
                });
            },
        );
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        let tr = self.tr();
        ui.horizontal(|ui| {
            ui.heading(egui::RichText::new("Kestrel").strong());
            ui.label(tr.s(S::AppSubtitle));
            ui.separator();
            if ui.button(tr.s(S::Connections)).clicked() {
                self.windows.connections = !self.windows.connections;
            }
            let count = self.view.alerts.len();
            if ui
                .button(format!("{} ({count})", tr.s(S::AlertLog)))
                .clicked()
            {
                self.windows.alert_log = !self.windows.alert_log;
            }
            if ui.button(tr.s(S::Settings)).clicked() {
                self.windows.settings = !self.windows.settings;
                self.draft = None;
            }
            ui.separator(); // --- sightings ---
            self.sightings_buttons(ui);
            // --- planning ---
            if ui
                .add(egui::Button::new(tr.s(S::PlanTitle)).selected(self.planning.open))
                .clicked()
            {
                self.planning.open = !self.planning.open;
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if self.show_clock {
                    ui.label(
                        egui::RichText::new(
                            kestrel_core::util::LocalTime::of(std::time::SystemTime::now()).hms(),
                        )
                        .monospace(),
                    );
                    ui.separator();
                }
                let other = match self.settings.language {
                    kestrel_core::console::Language::English => {
                        kestrel_core::console::Language::Chinese
                    }
                    kestrel_core::console::Language::Chinese => {
                        kestrel_core::console::Language::English
                    }
                };
                if ui
                    .button(other.native_name())
                    .on_hover_text(tr.s(S::Language))
                    .clicked()
                {
                    self.settings.language = other;
                    self.save_settings();
                }
                if let Some(n) = self.view.demo {
                    ui.label(
                        egui::RichText::new(tr.f(S::DemoBadgeFmt, &[&n]))
                            .color(egui::Color32::from_rgb(0x8b, 0x5c, 0xf6))
                            .strong(),
                    );
                }
            });
        });
    }
}

/// The callsign of `sysid` under `settings`.
pub(crate) fn callsign(settings: &Settings, tr: Tr, sysid: u8) -> String {
    match settings.callsigns.get(&sysid) {
        Some(c) if !c.trim().is_empty() => c.clone(),
        _ => tr.f(S::TeamFmt, &[&sysid]),
    }
}

// --- planning ---
/// The callsign of `sysid`: the configured one, else its team and callsign from the crew
/// registry, else "Team N".
pub(crate) fn callsign_in(
    settings: &Settings,
    tr: Tr,
    registry: &std::collections::BTreeMap<u8, String>,
    sysid: u8,
) -> String {
    match (settings.callsigns.get(&sysid), registry.get(&sysid)) {
        (Some(c), _) if !c.trim().is_empty() => c.clone(),
        (_, Some(r)) => r.clone(),
        _ => callsign(settings, tr, sysid),
    }
}

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}
