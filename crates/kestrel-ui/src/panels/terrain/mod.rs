//! Terrain in the window: the selected aircraft's height above the ground under it (from the
//! `.hgt` tiles in the data directory), and what the aircraft holds of the terrain the station
//! sends it for terrain following.

mod strings;

use eframe::egui::{self, RichText};

use crate::context::{Actions, ViewCtx};
use crate::panel::Panel;
use crate::theme;
use kestrel_core::fleet::Aircraft;
use strings::S;

/// The terrain rows of the aircraft panel.
#[derive(Debug, Default)]
pub struct TerrainPanel;

impl Panel for TerrainPanel {
    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        a: &Aircraft,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let v = &cx.view.terrain;
        if !v.serving {
            return;
        }
        ui.label(tr.s(S::AboveGround));
        match v.agl_m.get(&a.sysid) {
            Some(agl) => {
                let (x, unit) = cx.settings.units.altitude(*agl as f32);
                let text = RichText::new(format!("{x:.0} {unit}")).strong();
                ui.label(if *agl < 10.0 && a.armed {
                    text.color(theme::BAD)
                } else {
                    text
                });
            }
            None => {
                ui.weak(tr.s(S::NoTile));
            }
        }
        ui.end_row();
        if let Some(t) = v.aircraft.iter().find(|t| t.sysid == a.sysid) {
            ui.label(tr.s(S::AircraftTerrain));
            ui.vertical(|ui| {
                if let (Some(loaded), Some(pending)) = (t.loaded, t.pending) {
                    ui.label(tr.f(S::TerrainLoadedFmt, &[&loaded, &pending]));
                }
                if let Some(why) = &t.last_missing {
                    ui.colored_label(theme::BAD, tr.f(S::TerrainMissingFmt, &[why]));
                }
            });
            ui.end_row();
        }
    }
}
