//! The status bar: links up and aircraft heard, the map's tile source and whether it is offline,
//! the coordinates under the cursor, and where the alert and telemetry logs are written.

use eframe::egui::{self, RichText};

use crate::app::ConsoleApp;
use crate::i18n::S;
use crate::theme;
use kestrel_core::fleet::LinkState;
use kestrel_core::link::LinkCondition;

impl ConsoleApp {
    pub(crate) fn status_bar(&mut self, ui: &mut egui::Ui) {
        let tr = self.tr();
        let now = self.view.fleet.taken_at;
        ui.horizontal(|ui| {
            let up = self
                .view
                .links
                .iter()
                .filter(|l| l.condition == LinkCondition::Up)
                .count();
            let total = self.view.links.len();
            let colour = if up == total && total > 0 {
                theme::GOOD
            } else {
                theme::BAD
            };
            ui.label(RichText::new(tr.f(S::LinksUpFmt, &[&up, &total])).color(colour));
            ui.separator();
            let n = self.view.fleet.aircraft.len();
            let lost = self
                .view
                .fleet
                .aircraft
                .iter()
                .filter(|a| a.link_state(now) == LinkState::Lost)
                .count();
            ui.label(tr.f(S::AircraftHeardFmt, &[&n]));
            if lost > 0 {
                ui.label(RichText::new(tr.f(S::AircraftLostFmt, &[&lost])).color(theme::BAD));
            }
            ui.separator();
            let tiles = self.map.tiles.state();
            let source = tiles
                .source
                .clone()
                .unwrap_or_else(|| tr.s(S::TilesGridName).to_string());
            let map_text = if tiles.offline {
                RichText::new(tr.f(S::MapOfflineFmt, &[&source])).color(theme::BAD)
            } else if tiles.loading > 0 {
                RichText::new(tr.f(S::MapLoadingFmt, &[&source, &tiles.loading]))
            } else {
                RichText::new(tr.f(S::MapFmt, &[&source]))
            };
            let r = ui.label(map_text);
            if let Some(e) = tiles.last_error {
                r.on_hover_text(e);
            }
            ui.separator(); // --- sightings ---
            self.dispatch_status(ui);
            if let Some((_, notice)) = &self.notice {
                ui.separator();
                ui.label(RichText::new(notice).color(theme::BAD));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(c) = self.map.cursor {
                    ui.label(RichText::new(format!("{:.6}, {:.6}", c.lat, c.lon)).monospace());
                    ui.label(tr.s(S::Cursor));
                }
                if let Some(p) = &self.view.tlog {
                    ui.separator();
                    ui.label(
                        RichText::new(tr.f(S::RecordingFmt, &[&p.display()]))
                            .weak()
                            .small(),
                    );
                }
            });
        });
    }
}
