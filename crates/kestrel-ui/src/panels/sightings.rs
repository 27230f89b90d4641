//! Sightings in the window: the "Sighting" button and the S hotkey (at the selected aircraft),
//! "mark sighting here" on the map, a quick menu to pick the category (keys 1–7), feedback that
//! says "saved" only once the core has the sighting on disk, the list of sightings with their
//! delivery state (queued / delivered / acknowledged) where queued ones are edited in place and
//! sent ones corrected by appending, the dispatch state in the status bar, and the dispatch
//! settings window.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText};
use uuid::Uuid;

use crate::app::ConsoleApp;
use crate::i18n::{Tr, S};
use crate::theme;
use kestrel_core::console::dispatch_settings::{CredentialSource, DispatchSettings};
use kestrel_core::console::sightings::{
    DispatchConnection, MarkRequest, SightingEvent, SightingIntent, SightingPlace, VideoSnapshot,
};
use kestrel_core::console::{Intent, Units};
use kestrel_core::geo::GeoPoint;
use kestrel_core::sightings::{Category, DeliveryState, Priority, SightingEdit, SightingRecord};

/// How long the "saved" line stays in the status bar.
const FEEDBACK_KEEP: Duration = Duration::from_secs(8);

/// The quick menu: where the sighting will be, waiting for its category.
#[derive(Debug, Clone)]
pub(crate) struct QuickMark {
    place: SightingPlace,
    title: String,
    priority: Priority,
    note: String,
    frame: Option<VideoSnapshot>,
}

/// A sighting being edited in the list.
#[derive(Debug, Clone)]
struct EditDraft {
    id: Uuid,
    category: Category,
    priority: Priority,
    note: String,
}

/// The dispatch settings being edited.
#[derive(Debug, Clone)]
struct DispatchDraft {
    settings: DispatchSettings,
    ca: String,
    creds_kind: u8,
    creds_path: String,
    user_var: String,
    pass_var: String,
    error: Option<String>,
}

/// The sightings part of the window's state.
#[derive(Debug, Default)]
pub(crate) struct SightingsUi {
    /// The list window is open.
    pub open: bool,
    /// The quick menu, when open.
    pub quick: Option<QuickMark>,
    /// Marks sent to the core and not answered yet: request id → what.
    pending: HashMap<u64, (Instant, String)>,
    /// The last outcome: when, whether it went well, the text.
    feedback: Option<(Instant, bool, String)>,
    /// The sighting selected in the list or on the map.
    pub selected: Option<Uuid>,
    edit: Option<EditDraft>,
    dispatch: Option<DispatchDraft>,
    callsigns_sent: Option<BTreeMap<u8, String>>,
}

/// The category's name in the window's language.
pub(crate) fn category_name(tr: Tr, c: Category) -> &'static str {
    tr.s(match c {
        Category::Person => S::CategoryPerson,
        Category::Vehicle => S::CategoryVehicle,
        Category::Crowd => S::CategoryCrowd,
        Category::TrafficIncident => S::CategoryTraffic,
        Category::Fire => S::CategoryFire,
        Category::Rescue => S::CategoryRescue,
        Category::Other => S::CategoryOther,
    })
}

/// The one-character label drawn in the category's map icon.
pub(crate) fn category_icon(tr: Tr, c: Category) -> &'static str {
    tr.s(match c {
        Category::Person => S::IconPerson,
        Category::Vehicle => S::IconVehicle,
        Category::Crowd => S::IconCrowd,
        Category::TrafficIncident => S::IconTraffic,
        Category::Fire => S::IconFire,
        Category::Rescue => S::IconRescue,
        Category::Other => S::IconOther,
    })
}

fn priority_name(tr: Tr, p: Priority) -> &'static str {
    tr.s(match p {
        Priority::Low => S::PriorityLow,
        Priority::Normal => S::PriorityNormal,
        Priority::High => S::PriorityHigh,
        Priority::Urgent => S::PriorityUrgent,
    })
}

/// The delivery state's name in the window's language.
pub(crate) fn state_name(tr: Tr, s: DeliveryState) -> &'static str {
    tr.s(match s {
        DeliveryState::Queued => S::StateQueued,
        DeliveryState::Delivered => S::StateDelivered,
        DeliveryState::Acknowledged => S::StateAcknowledged,
    })
}

/// The colour of a delivery state: amber waiting, blue with the broker, green done.
pub(crate) fn state_colour(s: DeliveryState) -> Color32 {
    match s {
        DeliveryState::Queued => Color32::from_rgb(0xd9, 0x77, 0x06),
        DeliveryState::Delivered => Color32::from_rgb(0x25, 0x63, 0xeb),
        DeliveryState::Acknowledged => Color32::from_rgb(0x16, 0xa3, 0x4a),
    }
}

/// Metres per screen point at web-mercator `zoom` and latitude `lat`.
fn metres_per_point(zoom: f64, lat: f64) -> f64 {
    156_543.033_92 * lat.to_radians().cos() / 2f64.powf(zoom)
}

/// The last 8 hex digits of a UUID: its random part (the first digits of a time-ordered v7
/// UUID are the same for sightings made within a minute).
fn short_id(id: Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
}

impl ConsoleApp {
    /// Opens the quick menu for a sighting at the selected aircraft (the S key and the button).
    pub(crate) fn quick_mark_at_selected(&mut self) {
        let tr = self.tr();
        match self.primary {
            Some(sysid) => {
                self.sightings_ui.quick = Some(QuickMark {
                    place: SightingPlace::Aircraft(sysid),
                    title: tr.f(S::SightingAtAircraftFmt, &[&self.callsign(sysid)]),
                    priority: Priority::Normal,
                    note: String::new(),
                    frame: None,
                });
            }
            None => {
                self.sightings_ui.feedback =
                    Some((Instant::now(), false, tr.s(S::SightingNeedsAircraft).into()))
            }
        }
    }

    /// Opens the quick menu for a sighting at a map point (the map's right-click menu).
    pub(crate) fn quick_mark_at_map(&mut self, at: GeoPoint) {
        let tr = self.tr();
        // Five points of picking slack at the map's scale.
        let accuracy = (metres_per_point(self.map.zoom(), at.lat) * 5.0).max(1.0);
        self.sightings_ui.quick = Some(QuickMark {
            place: SightingPlace::Map {
                lat: at.lat,
                lon: at.lon,
                accuracy_m: Some((accuracy * 10.0).round() / 10.0),
                sysid: self.primary,
            },
            title: tr.f(
                S::SightingAtPointFmt,
                &[&format!("{:.6}, {:.6}", at.lat, at.lon)],
            ),
            priority: Priority::Normal,
            note: String::new(),
            frame: None,
        });
    }

    /// Opens the quick menu for a sighting at a point clicked in `sysid`'s video, normalised
    /// 0..1 from the picture's top-left corner (for the video panel's click hook). `frame`, the
    /// picture on screen, is attached to the sighting as a geotagged JPEG (encoded by the core).
    pub fn quick_mark_in_video(
        &mut self,
        sysid: u8,
        x: f64,
        y: f64,
        frame: Option<std::sync::Arc<kestrel_core::video::frame::VideoFrame>>,
    ) {
        let tr = self.tr();
        self.sightings_ui.quick = Some(QuickMark {
            place: SightingPlace::Video { sysid, x, y },
            title: tr.f(S::SightingInVideoFmt, &[&self.callsign(sysid)]),
            priority: Priority::Normal,
            note: String::new(),
            frame: frame.map(VideoSnapshot),
        });
    }

    /// Sends a sighting to the core to be saved; "saved" is shown when the core confirms.
    pub fn mark_sighting(&mut self, request: MarkRequest) {
        let id = self.handle.next_command_id();
        let what = category_name(self.tr(), request.category).to_string();
        self.sightings_ui
            .pending
            .insert(id, (Instant::now(), what.clone()));
        self.sightings_ui.feedback = None;
        self.handle
            .send(Intent::Sighting(SightingIntent::Mark { id, request }));
    }

    /// Handles the core's answers about sightings.
    pub(crate) fn on_sighting_event(&mut self, e: SightingEvent) {
        let tr = self.tr();
        let now = Instant::now();
        match e {
            SightingEvent::Saved { request, result } => {
                self.sightings_ui.pending.remove(&request);
                self.sightings_ui.feedback = Some(match result {
                    Ok(s) => {
                        self.sightings_ui.selected = Some(s.id);
                        (
                            now,
                            true,
                            tr.f(S::SightingSavedFmt, &[&category_name(tr, s.category)]),
                        )
                    }
                    Err(e) => (now, false, tr.f(S::SightingFailedFmt, &[&e])),
                });
            }
            SightingEvent::Edited { id, result } => {
                self.sightings_ui.feedback = Some(match result {
                    Ok(s) if s.id == id => (
                        now,
                        true,
                        tr.f(S::SightingEditedFmt, &[&category_name(tr, s.category)]),
                    ),
                    Ok(s) => {
                        self.sightings_ui.selected = Some(s.id);
                        self.sightings_ui.edit = None;
                        (
                            now,
                            true,
                            tr.f(S::SightingCorrectedFmt, &[&category_name(tr, s.category)]),
                        )
                    }
                    Err(e) => (now, false, tr.f(S::SightingFailedFmt, &[&e])),
                });
            }
        }
    }

    /// The sightings buttons of the top bar.
    pub(crate) fn sightings_buttons(&mut self, ui: &mut egui::Ui) {
        let tr = self.tr();
        if ui
            .button(RichText::new(tr.s(S::SightingButton)).strong())
            .clicked()
        {
            self.quick_mark_at_selected();
        }
        let waiting = self.view.dispatch.backlog();
        if ui
            .button(tr.f(S::SightingsButtonFmt, &[&waiting]))
            .clicked()
        {
            self.sightings_ui.open = !self.sightings_ui.open;
        }
    }

    /// The dispatch state and the last sighting's outcome, in the status bar.
    pub(crate) fn dispatch_status(&mut self, ui: &mut egui::Ui) {
        let tr = self.tr();
        let d = &self.view.dispatch;
        let n = d.backlog();
        let (text, colour) = match &d.connection {
            DispatchConnection::Off if n == 0 => (tr.s(S::DispatchOff).to_string(), None),
            DispatchConnection::Off => (tr.f(S::DispatchOffFmt, &[&n]), None),
            DispatchConnection::Connecting => (tr.f(S::DispatchConnectingFmt, &[&n]), None),
            DispatchConnection::Connected => {
                (tr.f(S::DispatchConnectedFmt, &[&n]), Some(theme::GOOD))
            }
            DispatchConnection::Offline { .. } => {
                (tr.f(S::DispatchOfflineFmt, &[&n]), Some(theme::BAD))
            }
            DispatchConnection::Failed(e) => (tr.f(S::DispatchFailedFmt, &[e]), Some(theme::BAD)),
            DispatchConnection::NoQueue(e) => (tr.f(S::DispatchNoQueueFmt, &[e]), Some(theme::BAD)),
        };
        let mut rt = RichText::new(text);
        if let Some(c) = colour {
            rt = rt.color(c);
        }
        let mut hover = tr.f(
            S::DispatchBacklogFmt,
            &[
                &d.counts.queued,
                &d.counts.delivered,
                &d.counts.acknowledged,
            ],
        );
        if let Some(b) = &d.broker {
            hover = format!("{b} ({})\n{hover}", d.console_id);
        }
        if let DispatchConnection::Offline { reason } = &d.connection {
            hover.push('\n');
            hover.push_str(reason);
        }
        if let Some(at) = d.retry_at {
            hover.push('\n');
            hover.push_str(&tr.f(
                S::DispatchRetryFmt,
                &[&kestrel_core::util::LocalTime::of(at.to_system_time()).hms()],
            ));
        }
        if ui
            .add(egui::Label::new(rt).sense(egui::Sense::click()))
            .on_hover_text(hover)
            .clicked()
        {
            self.sightings_ui.open = true;
        }
        let now = Instant::now();
        if let Some((_, what)) = self.sightings_ui.pending.values().next() {
            ui.separator();
            ui.label(RichText::new(tr.f(S::SightingSavingFmt, &[what])).italics());
        } else if let Some((at, ok, text)) = &self.sightings_ui.feedback {
            if now.duration_since(*at) < FEEDBACK_KEEP {
                ui.separator();
                let c = if *ok { theme::GOOD } else { theme::BAD };
                ui.label(RichText::new(text).color(c).strong());
            }
        }
    }

    /// Everything sightings need each frame: hotkeys, the quick menu, the list, the dispatch
    /// settings, and keeping the core's callsigns in step with the settings.
    pub(crate) fn sightings_frame(&mut self, ctx: &egui::Context) {
        // The core starts with the callsigns of the settings; later changes are sent.
        let sent = self
            .sightings_ui
            .callsigns_sent
            .get_or_insert_with(|| self.settings.callsigns.clone());
        if *sent != self.settings.callsigns {
            *sent = self.settings.callsigns.clone();
            self.handle
                .send(Intent::Sighting(SightingIntent::SetCallsigns(
                    self.settings.callsigns.clone(),
                )));
        }
        let typing = ctx.egui_wants_keyboard_input();
        if self.sightings_ui.quick.is_none()
            && !typing
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::S))
        {
            self.quick_mark_at_selected();
        }
        self.quick_menu(ctx);
        self.sightings_window(ctx);
        self.dispatch_window(ctx);
        // A core that never answers (it always does) does not leave "saving…" for ever.
        let now = Instant::now();
        self.sightings_ui
            .pending
            .retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(30));
        if let Some((at, _, _)) = self.sightings_ui.feedback {
            if now.duration_since(at) < FEEDBACK_KEEP {
                ctx.request_repaint_after(Duration::from_millis(500));
            }
        }
    }

    fn quick_menu(&mut self, ctx: &egui::Context) {
        let Some(mut q) = self.sightings_ui.quick.take() else {
            return;
        };
        let tr = self.tr();
        let mut chosen: Option<Category> = None;
        let mut open = true;
        let note_focused = ctx.egui_wants_keyboard_input();
        if !note_focused {
            const KEYS: [egui::Key; 7] = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
                egui::Key::Num5,
                egui::Key::Num6,
                egui::Key::Num7,
            ];
            for (k, c) in KEYS.iter().zip(Category::ALL) {
                if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, *k)) {
                    chosen = Some(c);
                }
            }
        }
        if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            open = false;
        }
        egui::Window::new(q.title.clone())
            .id(egui::Id::unique("kestrel-sighting-quick"))
            .collapsible(false)
            .resizable(false)
            .order(egui::Order::Foreground)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, -80.0])
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(RichText::new(tr.s(S::SightingPickHint)).weak());
                egui::Grid::new("sighting-categories")
                    .num_columns(2)
                    .spacing([8.0, 6.0])
                    .show(ui, |ui| {
                        for (i, c) in Category::ALL.into_iter().enumerate() {
                            let text = format!("{}  {}", i + 1, category_name(tr, c));
                            if ui
                                .add_sized([170.0, 28.0], egui::Button::new(text))
                                .clicked()
                            {
                                chosen = Some(c);
                            }
                            if i % 2 == 1 {
                                ui.end_row();
                            }
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label(tr.s(S::Priority));
                    for p in [
                        Priority::Low,
                        Priority::Normal,
                        Priority::High,
                        Priority::Urgent,
                    ] {
                        ui.radio_value(&mut q.priority, p, priority_name(tr, p));
                    }
                });
                ui.horizontal(|ui| {
                    ui.label(tr.s(S::Note));
                    ui.add(
                        egui::TextEdit::singleline(&mut q.note)
                            .hint_text(tr.s(S::NoteHint))
                            .desired_width(300.0),
                    );
                });
            });
        if let Some(category) = chosen {
            self.mark_sighting(MarkRequest {
                place: q.place,
                category,
                priority: q.priority,
                note: q.note.trim().to_string(),
                snapshot_jpeg: None,
                video_frame: q.frame,
            });
        } else if open {
            self.sightings_ui.quick = Some(q);
        }
    }

    fn sightings_window(&mut self, ctx: &egui::Context) {
        if !self.sightings_ui.open {
            return;
        }
        let tr = self.tr();
        let mut open = true;
        let list = self.view.sightings.clone();
        let mut centre: Option<GeoPoint> = None;
        let mut settings = false;
        egui::Window::new(tr.s(S::SightingsTitle))
            .id(egui::Id::unique("kestrel-sightings"))
            .open(&mut open)
            .default_width(720.0)
            .default_height(420.0)
            .default_pos([12.0, 400.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let c = self.view.dispatch.counts;
                    ui.label(tr.f(
                        S::DispatchBacklogFmt,
                        &[&c.queued, &c.delivered, &c.acknowledged],
                    ));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button(tr.s(S::DispatchSettings)).clicked() {
                            settings = true;
                        }
                    });
                });
                ui.separator();
                if list.is_empty() {
                    ui.label(tr.s(S::NoSightings));
                    return;
                }
                self.sightings_table(ui, &list, &mut centre);
                if let Some(id) = self.sightings_ui.selected {
                    if let Some(r) = list.iter().find(|r| r.sighting.id == id) {
                        ui.separator();
                        self.sighting_editor(ui, r, &mut centre);
                    }
                }
            });
        self.sightings_ui.open = open;
        if settings {
            self.sightings_ui.dispatch = Some(dispatch_draft(&self.settings.dispatch));
        }
        if let Some(p) = centre {
            self.map.centre_on(p);
        }
    }

    fn sightings_table(
        &mut self,
        ui: &mut egui::Ui,
        list: &[SightingRecord],
        centre: &mut Option<GeoPoint>,
    ) {
        let tr = self.tr();
        let units = self.settings.units;
        egui::ScrollArea::vertical()
            .max_height(240.0)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                egui::Grid::new("sightings-list")
                    .num_columns(6)
                    .striped(true)
                    .spacing([14.0, 4.0])
                    .show(ui, |ui| {
                        for h in [
                            S::ColTime,
                            S::ColCategory,
                            S::ColAircraft,
                            S::ColPosition,
                            S::ColDelivery,
                            S::ColNote,
                        ] {
                            ui.label(RichText::new(tr.s(h)).strong());
                        }
                        ui.end_row();
                        // Newest first.
                        for r in list.iter().rev() {
                            let s = &r.sighting;
                            let selected = self.sightings_ui.selected == Some(s.id);
                            let time =
                                kestrel_core::util::LocalTime::of(s.time.to_system_time()).hms();
                            if ui.selectable_label(selected, time).clicked() {
                                self.sightings_ui.selected = Some(s.id);
                                *centre = Some(GeoPoint {
                                    lat: s.position.lat,
                                    lon: s.position.lon,
                                });
                            }
                            let mut cat = category_name(tr, s.category).to_string();
                            if s.priority >= Priority::High {
                                cat = format!("{cat} · {}", priority_name(tr, s.priority));
                            }
                            ui.label(cat);
                            ui.label(match s.aircraft.sysid {
                                Some(id) => s
                                    .aircraft
                                    .callsign
                                    .clone()
                                    .unwrap_or_else(|| self.callsign(id)),
                                None => tr.s(S::FromMap).to_string(),
                            });
                            ui.label(RichText::new(position_text(tr, units, r)).monospace());
                            ui.label(
                                RichText::new(state_name(tr, r.state))
                                    .color(state_colour(r.state))
                                    .strong(),
                            );
                            let mut note: String = s.note.chars().take(40).collect();
                            if let Some(c) = s.corrects {
                                note =
                                    format!("({}) {note}", tr.f(S::CorrectsFmt, &[&short_id(c)]));
                            }
                            if let Some(c) = r.corrected_by {
                                note = format!(
                                    "[{}] {note}",
                                    tr.f(S::CorrectedByFmt, &[&short_id(c)])
                                );
                            }
                            ui.label(note.replace('\n', " "));
                            ui.end_row();
                        }
                    });
            });
    }

    fn sighting_editor(
        &mut self,
        ui: &mut egui::Ui,
        r: &SightingRecord,
        centre: &mut Option<GeoPoint>,
    ) {
        let tr = self.tr();
        let s = &r.sighting;
        if self.sightings_ui.edit.as_ref().map(|e| e.id) != Some(s.id) {
            self.sightings_ui.edit = Some(EditDraft {
                id: s.id,
                category: s.category,
                priority: s.priority,
                note: s.note.clone(),
            });
        }
        let Some(mut d) = self.sightings_ui.edit.take() else {
            return;
        };
        let mut save = false;
        ui.horizontal(|ui| {
            ui.label(RichText::new(short_id(s.id)).monospace().weak());
            ui.separator();
            let label = ui.label(tr.s(S::ColCategory));
            egui::ComboBox::from_id_salt("sighting-edit-category")
                .selected_text(category_name(tr, d.category))
                .show_ui(ui, |ui| {
                    for c in Category::ALL {
                        ui.selectable_value(&mut d.category, c, category_name(tr, c));
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label(tr.s(S::Priority));
            egui::ComboBox::from_id_salt("sighting-edit-priority")
                .selected_text(priority_name(tr, d.priority))
                .show_ui(ui, |ui| {
                    for p in [
                        Priority::Low,
                        Priority::Normal,
                        Priority::High,
                        Priority::Urgent,
                    ] {
                        ui.selectable_value(&mut d.priority, p, priority_name(tr, p));
                    }
                })
                .response
                .labelled_by(label.id);
            if ui.button(tr.s(S::CentreOnMap)).clicked() {
                *centre = Some(GeoPoint {
                    lat: s.position.lat,
                    lon: s.position.lon,
                });
            }
        });
        let label = ui.label(tr.s(S::Note));
        ui.add(
            egui::TextEdit::multiline(&mut d.note)
                .hint_text(tr.s(S::NoteHint))
                .desired_rows(2)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        let edit = SightingEdit {
            category: (d.category != s.category).then_some(d.category),
            priority: (d.priority != s.priority).then_some(d.priority),
            note: (d.note.trim() != s.note).then(|| d.note.trim().to_string()),
            ..Default::default()
        };
        ui.horizontal(|ui| {
            let label = if r.state.editable() {
                tr.s(S::SaveChanges)
            } else {
                tr.s(S::Correct)
            };
            if ui
                .add_enabled(!edit.is_empty(), egui::Button::new(label))
                .clicked()
            {
                save = true;
            }
            if !r.state.editable() {
                ui.label(RichText::new(tr.s(S::SentCorrectHint)).weak().small());
            }
        });
        if save {
            let intent = if r.state.editable() {
                SightingIntent::Edit { id: s.id, edit }
            } else {
                SightingIntent::Correct { id: s.id, edit }
            };
            self.handle.send(Intent::Sighting(intent));
        }
        self.sightings_ui.edit = Some(d);
    }

    fn dispatch_window(&mut self, ctx: &egui::Context) {
        let Some(mut d) = self.sightings_ui.dispatch.take() else {
            return;
        };
        let tr = self.tr();
        let mut open = true;
        let mut apply = false;
        egui::Window::new(tr.s(S::DispatchSettings))
            .id(egui::Id::unique("kestrel-dispatch-settings"))
            .open(&mut open)
            .default_width(560.0)
            .default_pos([300.0, 90.0])
            .show(ctx, |ui| {
                ui.label(RichText::new(tr.s(S::DispatchSettingsHint)).weak());
                egui::Grid::new("dispatch-grid")
                    .num_columns(2)
                    .spacing([16.0, 8.0])
                    .show(ui, |ui| {
                        let label = ui.label(tr.s(S::DispatchBroker));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.settings.broker)
                                .hint_text(tr.s(S::DispatchBrokerHint))
                                .desired_width(360.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                        let label = ui.label(tr.s(S::DispatchConsoleId));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.settings.console_id)
                                .hint_text(self.view.dispatch.console_id.as_str())
                                .desired_width(200.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCaFile));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.ca)
                                .hint_text("/etc/kestrel/dispatch-ca.pem")
                                .desired_width(360.0),
                        );
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCredentials));
                        ui.vertical(|ui| {
                            ui.radio_value(&mut d.creds_kind, 0, tr.s(S::CredentialsNone));
                            ui.radio_value(&mut d.creds_kind, 1, tr.s(S::CredentialsFile));
                            ui.add_enabled(
                                d.creds_kind == 1,
                                egui::TextEdit::singleline(&mut d.creds_path)
                                    .hint_text("/etc/kestrel/broker-credentials")
                                    .desired_width(360.0),
                            );
                            ui.radio_value(&mut d.creds_kind, 2, tr.s(S::CredentialsEnv));
                            ui.add_enabled_ui(d.creds_kind == 2, |ui| {
                                ui.horizontal(|ui| {
                                    ui.add(
                                        egui::TextEdit::singleline(&mut d.user_var)
                                            .desired_width(210.0),
                                    );
                                    ui.add(
                                        egui::TextEdit::singleline(&mut d.pass_var)
                                            .desired_width(210.0),
                                    );
                                });
                            });
                        });
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCot));
                        ui.horizontal(|ui| {
                            ui.checkbox(&mut d.settings.cot.enabled, "");
                            ui.add_enabled(
                                d.settings.cot.enabled,
                                egui::TextEdit::singleline(&mut d.settings.cot.target)
                                    .desired_width(240.0),
                            );
                        });
                        ui.end_row();
                        // --- cot tls ---
                        if let Some(why) = &self.view.dispatch.cot_down {
                            ui.label("");
                            ui.label(RichText::new(why).color(theme::BAD).small());
                            ui.end_row();
                        }
                        if d.settings.cot.target.trim_start().starts_with("ssl://") {
                            let cot = &mut d.settings.cot;
                            for (s, path, hint) in [
                                (
                                    S::CotCaFile,
                                    &mut cot.ca_file,
                                    "/etc/kestrel/tak-ca.pem".to_string(),
                                ),
                                (
                                    S::CotCertFile,
                                    &mut cot.cert_file,
                                    "/etc/kestrel/tak-client.pem".to_string(),
                                ),
                                (
                                    S::CotKeyFile,
                                    &mut cot.key_file,
                                    tr.s(S::CotKeyFileHint).to_string(),
                                ),
                            ] {
                                let label = ui.label(tr.s(s));
                                path_field(ui, path, &hint).labelled_by(label.id);
                                ui.end_row();
                            }
                        }
                        // --- end cot tls ---
                        ui.label(tr.s(S::DispatchCamera));
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::DragValue::new(&mut d.settings.camera.hfov_deg)
                                    .range(5.0..=160.0)
                                    .suffix("°"),
                            );
                            ui.add(
                                egui::DragValue::new(&mut d.settings.camera.fixed_pitch_deg)
                                    .range(-90.0..=30.0)
                                    .suffix("°"),
                            );
                        });
                        ui.end_row();
                    });
                ui.separator();
                if let Some(e) = &d.error {
                    ui.label(RichText::new(e).color(theme::BAD));
                }
                if ui.button(RichText::new(tr.s(S::Apply)).strong()).clicked() {
                    apply = true;
                }
            });
        if apply {
            let s = settings_from_draft(&d);
            match s.validate() {
                Ok(()) => {
                    d.error = None;
                    self.settings.dispatch = s.clone();
                    self.save_settings();
                    self.handle
                        .send(Intent::Sighting(SightingIntent::Configure(Box::new(s))));
                }
                Err(e) => d.error = Some(e),
            }
        }
        if open {
            self.sightings_ui.dispatch = Some(d);
        }
    }
}

// --- cot tls ---
/// A text field editing an optional file path (empty: none).
fn path_field(
    ui: &mut egui::Ui,
    path: &mut Option<std::path::PathBuf>,
    hint: &str,
) -> egui::Response {
    let mut text = path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let r = ui.add(
        egui::TextEdit::singleline(&mut text)
            .hint_text(hint)
            .desired_width(360.0),
    );
    if r.changed() {
        *path = (!text.is_empty()).then(|| std::path::PathBuf::from(text));
    }
    r
}
// --- end cot tls ---

fn dispatch_draft(s: &DispatchSettings) -> DispatchDraft {
    let (kind, path, user, pass) = match &s.credentials {
        CredentialSource::None => (0, String::new(), None, None),
        CredentialSource::File { path } => (1, path.display().to_string(), None, None),
        CredentialSource::Env {
            username_var,
            password_var,
        } => (
            2,
            String::new(),
            Some(username_var.clone()),
            Some(password_var.clone()),
        ),
    };
    DispatchDraft {
        settings: s.clone(),
        ca: s
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        creds_kind: kind,
        creds_path: path,
        user_var: user.unwrap_or_else(|| kestrel_core::dispatch::broker::ENV_USERNAME.into()),
        pass_var: pass.unwrap_or_else(|| kestrel_core::dispatch::broker::ENV_PASSWORD.into()),
        error: None,
    }
}

fn settings_from_draft(d: &DispatchDraft) -> DispatchSettings {
    let mut s = d.settings.clone();
    s.broker = s.broker.trim().to_string();
    s.console_id = s.console_id.trim().to_string();
    let ca = d.ca.trim();
    s.ca_file = (!ca.is_empty()).then(|| ca.into());
    s.credentials = match d.creds_kind {
        1 => CredentialSource::File {
            path: d.creds_path.trim().into(),
        },
        2 => CredentialSource::Env {
            username_var: d.user_var.trim().to_string(),
            password_var: d.pass_var.trim().to_string(),
        },
        _ => CredentialSource::None,
    };
    s
}

/// "lat, lon ±acc" of a sighting.
fn position_text(tr: Tr, units: Units, r: &SightingRecord) -> String {
    let p = &r.sighting.position;
    let mut t = format!("{:.5}, {:.5}", p.lat, p.lon);
    if let Some(a) = p.accuracy_m {
        t.push(' ');
        t.push_str(&tr.f(S::AccuracyFmt, &[&units.distance(a)]));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_scale_gives_a_plausible_picking_accuracy() {
        // Zoom 16 at the equator: about 2.4 m per point.
        let m = metres_per_point(16.0, 0.0);
        assert!((m - 2.39).abs() < 0.01, "{m}");
        assert!(metres_per_point(16.0, 60.0) < m);
    }

    #[test]
    fn credentials_round_trip_through_the_draft() {
        let s = DispatchSettings {
            broker: " mqtt://127.0.0.1:1883 ".into(),
            credentials: CredentialSource::File {
                path: "/etc/kestrel/creds".into(),
            },
            ..Default::default()
        };
        let back = settings_from_draft(&dispatch_draft(&s));
        assert_eq!(back.broker, "mqtt://127.0.0.1:1883");
        assert_eq!(back.credentials, s.credentials);
        assert_eq!(back.ca_file, None);
    }
}
