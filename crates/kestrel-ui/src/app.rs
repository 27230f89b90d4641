//! The console window: it owns the panels and the window's shared state (settings, selection,
//! alerts acknowledged here, commands under way, the map), lays the frame out — top bar, alert
//! banner, status bar, the fleet or planning list on the left, the selected aircraft on the
//! right, the map or video in the centre, the windows — and carries out what the panels asked
//! for. It only reads the core's published view and sends intents; it never waits on anything.
//!
//! To add a panel: a struct implementing [`Panel`] in `panels/`, a field in [`Panels`] and a
//! line in [`Panels::hooks`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use kestrel_core::console::{
    AlertIntent, ConsoleHandle, ConsoleView, Event, Language, MarkRequest, Settings, SettingsEvent,
    SettingsIntent,
};

use crate::commands::CommandDesk;
use crate::context::{Action, Actions, AlertMarks, Selection, ViewCtx};
use crate::fonts::{self, CjkSource};
use crate::frame_meter::FrameMeter;
use crate::i18n::{Tr, S};
use crate::map::{MapTiles, MapView};
use crate::panel::{MapLayer, Panel};
use crate::panels::aircraft::AircraftPanel;
use crate::panels::alerts::{self, AlertsPanel};
use crate::panels::connections::ConnectionsWindow;
use crate::panels::fleet::FleetPanel;
use crate::panels::payload::PayloadPanel;
use crate::panels::planning::PlanningPanel;
use crate::panels::remote_id::RemoteIdPanel;
use crate::panels::settings::SettingsWindow;
use crate::panels::sightings::SightingsPanel;
use crate::panels::signing::SigningPanel;
use crate::panels::status;
use crate::panels::storage::StoragePanel;
use crate::panels::terrain::TerrainPanel;
use crate::panels::traffic::TrafficPanel;
use crate::panels::video::VideoPanel;

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
    /// Measure drawing for this long (after a warm-up), print the figures and close the window.
    pub frame_report: Option<Duration>,
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
            frame_report: None,
        }
    }
}

/// Every panel with hooks of its own (top bar, status bar, aircraft rows, windows, events).
pub struct Panels {
    connections: ConnectionsWindow,
    alerts: AlertsPanel,
    settings: SettingsWindow,
    sightings: SightingsPanel,
    planning: PlanningPanel,
    signing: SigningPanel,
    video: VideoPanel,
    storage: StoragePanel,
    traffic: TrafficPanel,
    terrain: TerrainPanel,
    remote_id: RemoteIdPanel,
    seat: crate::panels::seat::SeatPanel,
    payload: PayloadPanel,
    tasks: crate::panels::tasks::TasksPanel,
    checklist: crate::panels::checklist::ChecklistPanel,
    sound: crate::panels::sound::SoundPanel,
}

impl Panels {
    /// Every panel, in the order their buttons, rows and windows appear.
    fn hooks(&mut self) -> [&mut dyn Panel; 16] {
        [
            &mut self.connections,
            &mut self.alerts,
            &mut self.settings,
            &mut self.sightings,
            &mut self.planning,
            &mut self.signing,
            &mut self.video,
            &mut self.storage,
            &mut self.traffic,
            &mut self.terrain,
            &mut self.remote_id,
            &mut self.seat,
            &mut self.payload,
            &mut self.tasks,
            &mut self.checklist,
            &mut self.sound,
        ]
    }
}

/// When the first aircraft showed up, and whether it was selected by itself.
struct Startup {
    launched_at: Instant,
    first_aircraft_after: Option<Duration>,
    auto_selected: bool,
}

/// The console window.
pub struct ConsoleApp {
    handle: ConsoleHandle,
    settings: Settings,
    settings_path: Option<PathBuf>,
    tile_cache: Option<PathBuf>,
    view: Arc<ConsoleView>,
    selection: Selection,
    alerts: AlertMarks,
    commands: CommandDesk,
    map: MapView,
    fleet: FleetPanel,
    aircraft: AircraftPanel,
    panels: Panels,
    notice: Option<(Instant, String)>,
    startup: Startup,
    cjk: Option<CjkSource>,
    show_clock: bool,
    meter: Option<FrameMeter>,
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
            panels: Panels {
                connections: ConnectionsWindow::default(),
                alerts: AlertsPanel::default(),
                settings: SettingsWindow::new(options.settings_path.clone()),
                sightings: SightingsPanel::default(),
                planning: PlanningPanel::default(),
                signing: SigningPanel::default(),
                video: VideoPanel::default(),
                storage: StoragePanel,
                traffic: TrafficPanel::default(),
                terrain: TerrainPanel,
                remote_id: RemoteIdPanel,
                seat: Default::default(),
                payload: PayloadPanel::default(),
                tasks: Default::default(),
                checklist: Default::default(),
                sound: Default::default(),
            },
            settings_path: options.settings_path,
            tile_cache: options.tile_cache,
            view,
            selection: Selection::default(),
            alerts: AlertMarks::default(),
            commands: CommandDesk::default(),
            map: MapView::new(tiles),
            fleet: FleetPanel,
            aircraft: AircraftPanel,
            notice: None,
            startup: Startup {
                launched_at: options.launched_at,
                first_aircraft_after: None,
                auto_selected: false,
            },
            cjk: None,
            show_clock: options.show_clock,
            meter: options
                .frame_report
                .map(|length| FrameMeter::new(FRAME_REPORT_WARM_UP, length)),
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
        self.selection.primary
    }

    /// Selects one aircraft (shows its panel).
    pub fn select(&mut self, sysid: u8) {
        self.selection.primary = Some(sysid);
    }

    /// The core handle (tests reach the simulator through it).
    pub fn handle(&self) -> &ConsoleHandle {
        &self.handle
    }

    /// How long after launch the first aircraft was drawn on the map.
    pub fn first_aircraft_after(&self) -> Option<Duration> {
        self.startup.first_aircraft_after
    }

    /// Where the Chinese glyphs come from (after the first frame).
    pub fn cjk_source(&self) -> Option<&CjkSource> {
        self.cjk.as_ref()
    }

    /// The callsign of an aircraft as the window shows it.
    pub fn callsign(&self, sysid: u8) -> String {
        crate::i18n::callsign(&self.view, self.tr(), sysid)
    }

    /// The pre-flight checklist's row and window.
    pub fn checklist_mut(&mut self) -> &mut crate::panels::checklist::ChecklistPanel {
        &mut self.panels.checklist
    }

    /// The video views.
    pub fn video(&self) -> &VideoPanel {
        &self.panels.video
    }

    /// The video views, to change their layout or take their clicks.
    pub fn video_mut(&mut self) -> &mut VideoPanel {
        &mut self.panels.video
    }

    /// The planning panel.
    pub fn planning(&self) -> &PlanningPanel {
        &self.panels.planning
    }

    /// Sends a sighting to the core to be saved, as the quick menu does.
    pub fn mark_sighting(&mut self, request: MarkRequest) {
        let tr = self.tr();
        self.panels.sightings.mark(request, &self.handle, tr);
    }

    /// Draws one frame of the whole console.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.init(ui.ctx());
        let mut actions = Actions::default();
        self.poll(&mut actions);
        self.frame(ui, &mut actions);
        self.apply(actions.take());
        // In the frame the pilot asked, as the click that asked is still that frame's.
        let tr = self.tr();
        self.commands
            .confirmation(ui.ctx(), &self.view, tr, &self.handle);
        if self.startup.first_aircraft_after.is_none() && self.map.drew_aircraft {
            let after = self.startup.launched_at.elapsed();
            self.startup.first_aircraft_after = Some(after);
            eprintln!(
                "kestrel: first aircraft on the map {:.2} s after launch",
                after.as_secs_f64()
            );
        }
    }

    /// Takes the latest view and the core's events.
    fn poll(&mut self, actions: &mut Actions) {
        self.view = self.handle.view();
        let events: Vec<Event> = self.handle.events().collect();
        self.alerts.alerting = alerts::alerting(&self.view, &self.alerts.acked);
        for e in &events {
            match e {
                Event::Commands(r) => self.commands.on_report(r),
                Event::Settings(SettingsEvent::Saved(Err(e))) => {
                    self.notice = Some((Instant::now(), e.clone()));
                }
                _ => {}
            }
        }
        let cx = ViewCtx {
            view: &self.view,
            settings: &self.settings,
            tr: Tr(self.settings.language),
            selection: &self.selection,
            alerts: &self.alerts,
            core: &self.handle,
            commands: &self.commands,
            map_cursor: self.map.cursor,
            map_zoom: self.map.zoom(),
            show_clock: self.show_clock,
        };
        for e in &events {
            for p in self.panels.hooks() {
                p.on_event(e, &cx, actions);
            }
        }
        self.commands.expire(Instant::now());
        // Alerts acknowledged here and confirmed by the core need no local memory.
        let view = self.view.clone();
        self.alerts.acked.retain(|id| {
            view.alerts
                .list
                .iter()
                .find(|a| a.id == *id)
                .is_some_and(|a| !a.is_acknowledged())
        });
        // Forget selections of aircraft that are gone (links removed).
        if let Some(p) = self.selection.primary {
            if view.fleet.get(p).is_none() && !view.fleet.aircraft.is_empty() {
                self.selection.primary = None;
            }
        }
        // The first aircraft heard is selected, so that its instruments are up at once.
        if !self.startup.auto_selected {
            if let Some(a) = view.fleet.aircraft.first() {
                self.startup.auto_selected = true;
                self.selection.primary.get_or_insert(a.sysid);
            }
        }
    }

    /// Lays out the frame; every panel draws from the same context.
    fn frame(&mut self, ui: &mut egui::Ui, actions: &mut Actions) {
        let ctx = ui.ctx().clone();
        self.alerts.alerting = alerts::alerting(&self.view, &self.alerts.acked);
        let Self {
            handle,
            settings,
            view,
            selection,
            alerts,
            commands,
            map,
            fleet,
            aircraft,
            panels,
            notice,
            show_clock,
            ..
        } = self;
        let cx = ViewCtx {
            view,
            settings,
            tr: Tr(settings.language),
            selection,
            alerts,
            core: handle,
            commands,
            map_cursor: map.cursor,
            map_zoom: map.zoom(),
            show_clock: *show_clock,
        };
        egui::Panel::top("kestrel-top").show(ui, |ui| top_bar(ui, &cx, panels, actions));
        if !alerts::unacknowledged(&cx).is_empty() {
            panels.alerts.banner(ui, &cx, actions);
        }
        egui::Panel::bottom("kestrel-status").show(ui, |ui| {
            let notice = notice.as_ref().map(|(_, n)| n.as_str());
            status::show(ui, &cx, map.tiles.state(), notice, &mut |ui| {
                for p in panels.hooks() {
                    p.status(ui, &cx);
                }
            });
        });
        if panels.planning.open {
            egui::Panel::left("kestrel-planning")
                .resizable(true)
                .default_size(430.0)
                .min_size(300.0)
                .show(ui, |ui| panels.planning.show(ui, &cx, actions));
        } else {
            egui::Panel::left("kestrel-fleet")
                .resizable(true)
                .default_size(430.0)
                .min_size(300.0)
                .show(ui, |ui| fleet.show(ui, &cx, actions));
        }
        egui::Panel::right("kestrel-aircraft")
            .resizable(true)
            .default_size(330.0)
            .min_size(260.0)
            .show(ui, |ui| {
                aircraft.show(ui, &cx, actions, &mut |ui, a, actions| {
                    for p in panels.hooks() {
                        p.aircraft_rows(ui, a, &cx, actions);
                    }
                });
            });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let Panels {
                video,
                planning,
                sightings,
                traffic,
                payload,
                tasks,
                ..
            } = panels;
            let mut from_map = Actions::default();
            video.show_central(ui, &cx, actions, &mut |ui, inset| {
                let rect = ui.max_rect();
                let layers: &mut [&mut dyn MapLayer] = &mut [
                    &mut *planning,
                    &mut *sightings,
                    &mut *traffic,
                    &mut *payload,
                    &mut *tasks,
                ];
                map.show(ui, &cx, layers, &mut from_map, inset);
                commands.results_over_map(ui, rect, cx.view, cx.tr);
            });
            for a in from_map.take() {
                actions.push(a);
            }
            for click in video.take_marks() {
                sightings.mark_in_video(&click, &cx);
            }
        });
        for p in panels.hooks() {
            p.windows(&ctx, &cx, actions);
        }
    }

    /// Carries out what the panels asked for this frame.
    fn apply(&mut self, actions: Vec<Action>) {
        let before = actions
            .iter()
            .any(|a| matches!(a, Action::Settings(_)))
            .then(|| self.settings.clone());
        for a in actions {
            match a {
                Action::Core(intent) => self.handle.send(intent),
                Action::Pilot { targets, action } => {
                    self.commands.request(targets, action, &self.handle)
                }
                Action::Select(sysid) => self.selection.primary = Some(sysid),
                Action::Toggle(sysid) => {
                    if !self.selection.checked.remove(&sysid) {
                        self.selection.checked.insert(sysid);
                    }
                }
                Action::Check(set) => self.selection.checked = set,
                Action::Settings(change) => change(&mut self.settings),
                Action::Acknowledge { ids, all } => {
                    if all {
                        self.handle.send(AlertIntent::AcknowledgeAll);
                    } else {
                        for id in &ids {
                            self.handle.send(AlertIntent::Acknowledge(*id));
                        }
                    }
                    self.alerts.acked.extend(ids);
                }
                Action::CentreMap(p) => self.map.centre_on(p),
                Action::Notice(text) => self.notice = Some((Instant::now(), text)),
            }
        }
        if let Some(before) = before {
            self.settings_changed(&before);
        }
    }

    /// Tells the map and the core what changed in the settings, and saves them.
    fn settings_changed(&mut self, before: &Settings) {
        if before == &self.settings {
            return;
        }
        if before.tile_source != self.settings.tile_source {
            self.map.set_tiles(MapTiles::new(
                &self.settings.tile_source,
                self.handle.runtime(),
                self.tile_cache.clone(),
            ));
        }
        if before.alert_thresholds != self.settings.alert_thresholds {
            self.handle
                .send(AlertIntent::SetThresholds(self.settings.alert_thresholds));
        }
        if before.callsigns != self.settings.callsigns {
            self.handle
                .send(SettingsIntent::Callsigns(self.settings.callsigns.clone()));
        }
        if let Some(path) = &self.settings_path {
            self.handle.send(SettingsIntent::Save(
                Box::new(self.settings.clone()),
                path.clone(),
            ));
        }
    }
}

/// The top bar: the name, every panel's buttons, and on the right the clock, the language and
/// the demo badge.
fn top_bar(ui: &mut egui::Ui, cx: &ViewCtx, panels: &mut Panels, actions: &mut Actions) {
    let tr = cx.tr;
    ui.horizontal(|ui| {
        ui.heading(egui::RichText::new("Kestrel").strong());
        // The demo says so where the subtitle stands (the top bar has no width to spare).
        match cx.view.demo {
            Some(n) => ui.label(
                egui::RichText::new(tr.f(S::DemoBadgeFmt, &[&n]))
                    .color(egui::Color32::from_rgb(0x8b, 0x5c, 0xf6))
                    .strong(),
            ),
            None => ui.label(tr.s(S::AppSubtitle)),
        };
        ui.separator();
        for p in panels.hooks() {
            p.top_bar(ui, cx, actions);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if cx.show_clock {
                let now = std::time::SystemTime::now();
                ui.label(
                    egui::RichText::new(kestrel_core::time::DateTime::local(now).hms()).monospace(),
                );
                ui.separator();
                // The clock is what an idle console draws for: once a second, on the second.
                ui.ctx().request_repaint_after(until_next_second(now));
            }
            let other = match cx.settings.language {
                Language::English => Language::Chinese,
                Language::Chinese => Language::English,
            };
            if ui
                .button(other.native_name())
                .on_hover_text(tr.s(S::Language))
                .clicked()
            {
                actions.settings(move |s| s.language = other);
            }
        });
    });
}

/// Time from `now` to the next whole second of the wall clock.
fn until_next_second(now: std::time::SystemTime) -> Duration {
    let into = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    // A few milliseconds late, so that the frame lands after the tick, not just before it.
    Duration::from_nanos(1_000_000_000 - u64::from(into)) + Duration::from_millis(5)
}

/// How long the window runs before `--frame-report` starts counting (start-up is not idle).
const FRAME_REPORT_WARM_UP: Duration = Duration::from_secs(5);

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        if let Some(meter) = &mut self.meter {
            if let Some(report) = meter.frame() {
                println!("kestrel: {report}");
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            } else if let Some(due) = meter.due_in() {
                ui.ctx().request_repaint_after(due);
            }
        }
    }
}
