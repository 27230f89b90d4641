//! The sightings window: every sighting, newest first, with its delivery state; the selected one
//! edited in place while queued, corrected by appending once sent.

use eframe::egui::{self, RichText};
use uuid::Uuid;

use kestrel_core::console::sightings::SightingIntent;
use kestrel_core::console::Units;
use kestrel_core::geo::GeoPoint;
use kestrel_core::sightings::{Category, Priority, SightingEdit, SightingRecord};

use super::strings::S;
use super::{category_name, priority_name, state_colour, state_name, EditDraft, SightingsPanel};
use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::Tr;
use crate::i18n::S as Base;

/// The last 8 hex digits of a UUID: its random part (the first digits of a time-ordered v7
/// UUID are the same for sightings made within a minute).
fn short_id(id: Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
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

impl SightingsPanel {
    pub(super) fn list_window(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.open {
            return;
        }
        let tr = cx.tr;
        let mut open = true;
        let list = cx.view.sightings.list.clone();
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
                    let c = cx.view.sightings.dispatch.counts;
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
                let total = cx.view.sightings.total;
                if total > list.len() as u64 {
                    ui.weak(tr.f(S::NewestOfFmt, &[&list.len(), &total]));
                }
                self.table(ui, &list, &mut centre, cx);
                if let Some(id) = self.selected {
                    if let Some(r) = list.iter().find(|r| r.sighting.id == id) {
                        ui.separator();
                        self.editor(ui, r, &mut centre, cx, actions);
                    }
                }
            });
        self.open = open;
        if settings {
            self.dispatch = Some(super::dispatch::draft(&cx.settings.dispatch));
        }
        if let Some(p) = centre {
            actions.push(Action::CentreMap(p));
        }
    }

    fn table(
        &mut self,
        ui: &mut egui::Ui,
        list: &[SightingRecord],
        centre: &mut Option<GeoPoint>,
        cx: &ViewCtx,
    ) {
        let tr = cx.tr;
        let units = cx.settings.units;
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
                            tr.s(Base::ColTime),
                            tr.s(S::ColCategory),
                            tr.s(S::ColAircraft),
                            tr.s(S::ColPosition),
                            tr.s(S::ColDelivery),
                            tr.s(S::ColNote),
                        ] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        // Newest first.
                        for r in list.iter().rev() {
                            let s = &r.sighting;
                            let selected = self.selected == Some(s.id);
                            let time =
                                kestrel_core::time::DateTime::local(s.time.to_system_time()).hms();
                            if ui.selectable_label(selected, time).clicked() {
                                self.selected = Some(s.id);
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
                                    .unwrap_or_else(|| cx.callsign(id)),
                                None => tr.s(S::FromMap).to_string(),
                            });
                            ui.label(RichText::new(position_text(tr, units, r)).monospace());
                            let state = match &r.dispatcher_ack {
                                Some(d) => tr.f(S::AckedByDispatcherFmt, &[&d.by]),
                                None => state_name(tr, r.state).to_string(),
                            };
                            ui.label(RichText::new(state).color(state_colour(r.state)).strong());
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

    fn editor(
        &mut self,
        ui: &mut egui::Ui,
        r: &SightingRecord,
        centre: &mut Option<GeoPoint>,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let s = &r.sighting;
        if self.edit.as_ref().map(|e| e.id) != Some(s.id) {
            self.edit = Some(EditDraft {
                id: s.id,
                category: s.category,
                priority: s.priority,
                note: s.note.clone(),
            });
        }
        let Some(mut d) = self.edit.take() else {
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
            actions.send(intent);
        }
        self.edit = Some(d);
    }
}
