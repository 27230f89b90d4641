//! The status bar: links up and aircraft heard, the map's tile source and whether it is offline,
//! what other panels put there (dispatch), the last thing that went wrong, the coordinates under
//! the cursor, and where the telemetry log is written.

use eframe::egui::{self, RichText};

use crate::context::ViewCtx;
use crate::i18n::S;
use crate::map::TilesState;
use crate::theme;
use kestrel_core::fleet::LinkState;
use kestrel_core::link::LinkCondition;

/// Draws the status bar; `panels` adds each panel's part after the map's.
pub fn show(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    tiles: TilesState,
    notice: Option<&str>,
    panels: &mut dyn FnMut(&mut egui::Ui),
) {
    let tr = cx.tr;
    let now = cx.view.fleet.taken_at;
    ui.horizontal(|ui| {
        let up = cx
            .view
            .links
            .list
            .iter()
            .filter(|l| l.condition == LinkCondition::Up)
            .count();
        let total = cx.view.links.list.len();
        let colour = if up == total && total > 0 {
            theme::GOOD
        } else {
            theme::BAD
        };
        ui.label(RichText::new(tr.f(S::LinksUpFmt, &[&up, &total])).color(colour));
        ui.separator();
        let n = cx.view.fleet.aircraft.len();
        let lost = cx
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
        panels(ui);
        if let Some(notice) = notice {
            ui.separator();
            ui.label(RichText::new(notice).color(theme::BAD));
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(c) = cx.map_cursor {
                ui.label(RichText::new(format!("{:.6}, {:.6}", c.lat, c.lon)).monospace());
                ui.label(tr.s(S::Cursor));
            }
            // The telemetry log by its file name (the whole path on hover), and only where it
            // fits: the status bar's own figures come first.
            if let Some(p) = &cx.view.links.tlog {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let text = tr.f(S::RecordingFmt, &[&name]);
                if ui.available_width() > 12.0 + 6.5 * text.chars().count() as f32 {
                    ui.separator();
                    ui.label(RichText::new(text).weak().small())
                        .on_hover_text(p.display().to_string());
                }
            }
        });
    });
}
