//! Sightings on the map: each as a small marker with its category's letter, filled with the
//! colour of its delivery state (amber queued, blue delivered, green acknowledged), a ring for
//! the selected one and its accuracy circle; corrected sightings are drawn faded. A click on a
//! marker selects the sighting; "mark sighting here" in the map's menu marks one at that point.

use eframe::egui::{self, pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Stroke};
use uuid::Uuid;

use kestrel_core::geo::GeoPoint;
use kestrel_core::sightings::SightingRecord;

use super::strings::S;
use super::{category_icon, state_colour, SightingsPanel};
use crate::context::{Actions, ViewCtx};
use crate::panel::{MapCanvas, MapLayer};

/// Half the marker's size, points.
const HALF: f32 = 9.0;
/// How far from a marker a click still selects it, points.
const PICK_RADIUS: f32 = 12.0;

fn at(canvas: &MapCanvas<'_>, r: &SightingRecord) -> Pos2 {
    let p = &r.sighting.position;
    canvas.screen(GeoPoint {
        lat: p.lat,
        lon: p.lon,
    })
}

impl MapLayer for SightingsPanel {
    fn draw_above_routes(&mut self, painter: &egui::Painter, canvas: &MapCanvas<'_>, cx: &ViewCtx) {
        let clip = painter.clip_rect().expand(HALF * 2.0);
        for r in cx.view.sightings.list.iter() {
            let p = at(canvas, r);
            if !clip.contains(p) {
                continue;
            }
            let selected = self.selected == Some(r.sighting.id);
            let faded = r.corrected_by.is_some();
            let mut fill = state_colour(r.state);
            if faded {
                fill = fill.gamma_multiply(0.35);
            }
            if selected {
                if let Some(acc) = r.sighting.position.accuracy_m {
                    let px = canvas.projector.scale_pixel_per_meter(walkers::lat_lon(
                        r.sighting.position.lat,
                        r.sighting.position.lon,
                    )) * acc as f32;
                    if px.is_finite() && px > HALF {
                        painter.circle(
                            p,
                            px,
                            fill.gamma_multiply(0.12),
                            Stroke::new(1.0, fill.gamma_multiply(0.6)),
                        );
                    }
                }
                painter.circle_stroke(p, HALF + 6.0, Stroke::new(2.5, Color32::WHITE));
                painter.circle_stroke(p, HALF + 6.0, Stroke::new(1.5, fill));
            }
            // A pin: a rounded square on a short stem pointing at the spot.
            let body =
                Rect::from_center_size(p - vec2(0.0, HALF + 4.0), egui::Vec2::splat(HALF * 2.0));
            painter.line_segment(
                [pos2(p.x, body.bottom()), p],
                Stroke::new(2.0, Color32::from_gray(40)),
            );
            painter.circle_filled(p, 2.5, Color32::from_gray(40));
            painter.rect_filled(body, 4.0, fill);
            painter.rect_stroke(
                body,
                4.0,
                Stroke::new(1.5, Color32::WHITE),
                egui::StrokeKind::Inside,
            );
            painter.text(
                body.center(),
                Align2::CENTER_CENTER,
                category_icon(cx.tr, r.sighting.category),
                FontId::proportional(12.0),
                Color32::WHITE,
            );
        }
    }

    /// A click on a marker selects its sighting and opens the list.
    fn click(
        &mut self,
        pos: Pos2,
        canvas: &MapCanvas<'_>,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) -> bool {
        match pick(canvas, cx, pos) {
            Some(id) => {
                self.selected = Some(id);
                self.open = true;
                true
            }
            None => false,
        }
    }

    fn context_menu(
        &mut self,
        ui: &mut egui::Ui,
        at: GeoPoint,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        if ui.button(cx.tr.s(S::MarkSightingHere)).clicked() {
            self.quick_mark_at_map(at, cx);
            ui.close();
        }
    }
}

/// The sighting whose marker is under `pos`, the newest first.
fn pick(canvas: &MapCanvas<'_>, cx: &ViewCtx, pos: Pos2) -> Option<Uuid> {
    cx.view
        .sightings
        .list
        .iter()
        .rev()
        .map(|r| {
            let p = at(canvas, r) - vec2(0.0, HALF + 4.0);
            (r.sighting.id, p.distance(pos))
        })
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}
