//! Marking a sighting: the quick menu (at the selected aircraft, at a map point, at a pixel of
//! the full-size video) that asks for the category (keys 1–7), priority and note, and sends the
//! sighting to the core.

use std::time::Instant;

use eframe::egui::{self, RichText};

use kestrel_core::console::sightings::{MarkRequest, SightingIntent, SightingPlace, VideoSnapshot};
use kestrel_core::console::ConsoleHandle;
use kestrel_core::geo::GeoPoint;
use kestrel_core::sightings::{Category, Priority};

use super::strings::S;
use super::{category_name, priority_name, QuickMark, SightingsPanel};
use crate::context::ViewCtx;
use crate::i18n::Tr;
use crate::panels::video::VideoClick;

/// Metres per screen point at web-mercator `zoom` and latitude `lat`.
fn metres_per_point(zoom: f64, lat: f64) -> f64 {
    156_543.033_92 * lat.to_radians().cos() / 2f64.powf(zoom)
}

impl SightingsPanel {
    /// Opens the quick menu for a sighting at the selected aircraft (the S key and the button).
    pub(super) fn quick_mark_at_selected(&mut self, cx: &ViewCtx) {
        let tr = cx.tr;
        match cx.selection.primary {
            Some(sysid) => {
                self.quick = Some(QuickMark {
                    place: SightingPlace::Aircraft(sysid),
                    title: tr.f(S::SightingAtAircraftFmt, &[&cx.callsign(sysid)]),
                    priority: Priority::Normal,
                    note: String::new(),
                    frame: None,
                });
            }
            None => {
                self.feedback = Some((Instant::now(), false, tr.s(S::SightingNeedsAircraft).into()))
            }
        }
    }

    /// Opens the quick menu for a sighting at a map point (the map's right-click menu).
    pub(super) fn quick_mark_at_map(&mut self, at: GeoPoint, cx: &ViewCtx) {
        let tr = cx.tr;
        // Five points of picking slack at the map's scale.
        let accuracy = (metres_per_point(cx.map_zoom, at.lat) * 5.0).max(1.0);
        self.quick = Some(QuickMark {
            place: SightingPlace::Map {
                lat: at.lat,
                lon: at.lon,
                accuracy_m: Some((accuracy * 10.0).round() / 10.0),
                sysid: cx.selection.primary,
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

    /// Opens the quick menu for a sighting at a point clicked in the full-size video. The
    /// picture on screen is attached to the sighting as a geotagged JPEG (encoded by the core).
    pub fn mark_in_video(&mut self, click: &VideoClick, cx: &ViewCtx) {
        let tr = cx.tr;
        let (sysid, x, y) = (click.sysid, f64::from(click.nx), f64::from(click.ny));
        let frame = cx.view.video.feeds.get(&sysid).and_then(|f| f.latest.get());
        self.quick = Some(QuickMark {
            place: SightingPlace::Video { sysid, x, y },
            title: tr.f(S::SightingInVideoFmt, &[&cx.callsign(sysid)]),
            priority: Priority::Normal,
            note: String::new(),
            frame: frame.map(VideoSnapshot),
        });
    }

    /// Sends a sighting to the core to be saved; "saved" is shown when the core confirms.
    pub fn mark(&mut self, request: MarkRequest, core: &ConsoleHandle, tr: Tr) {
        let id = core.next_command_id();
        let what = category_name(tr, request.category).to_string();
        self.pending.insert(id, (Instant::now(), what.clone()));
        self.feedback = None;
        core.send(SightingIntent::Mark { id, request });
    }

    pub(super) fn quick_menu(&mut self, ctx: &egui::Context, cx: &ViewCtx) {
        let Some(mut q) = self.quick.take() else {
            return;
        };
        let tr = cx.tr;
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
            self.mark(
                MarkRequest {
                    place: q.place,
                    category,
                    priority: q.priority,
                    note: q.note.trim().to_string(),
                    snapshot_jpeg: None,
                    video_frame: q.frame,
                },
                cx.core,
                tr,
            );
        } else if open {
            self.quick = Some(q);
        }
    }
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
}
