//! Tasks on the map: each open task as a flag where dispatch sent the team (amber until it is
//! answered, green once accepted or on scene, grey-red when declined), with the start of its
//! note, so the pilot sees where to go beside the fleet.

use eframe::egui::{self, pos2, Align2, Color32, FontId, Shape, Stroke};

use kestrel_core::dispatch::tasks::TaskState;
use kestrel_core::geo::GeoPoint;

use super::TasksPanel;
use crate::context::ViewCtx;
use crate::panel::{MapCanvas, MapLayer};
use crate::theme;

/// The flag's height above the point, points.
const POLE: f32 = 26.0;

impl MapLayer for TasksPanel {
    fn draw_above_routes(&mut self, painter: &egui::Painter, canvas: &MapCanvas<'_>, cx: &ViewCtx) {
        let clip = painter.clip_rect().expand(POLE * 4.0);
        for t in cx.view.tasks.open() {
            let p = canvas.screen(GeoPoint {
                lat: t.lat,
                lon: t.lon,
            });
            if !clip.contains(p) {
                continue;
            }
            let colour = match t.state {
                TaskState::Accepted | TaskState::OnScene => theme::GOOD,
                TaskState::Declined => theme::BAD.gamma_multiply(0.6),
                _ => theme::WARN,
            };
            let top = pos2(p.x, p.y - POLE);
            painter.line_segment([p, top], Stroke::new(2.0, Color32::from_gray(30)));
            painter.circle_filled(p, 3.0, Color32::from_gray(30));
            painter.add(Shape::convex_polygon(
                vec![
                    top,
                    pos2(top.x + 16.0, top.y + 6.0),
                    pos2(top.x, top.y + 12.0),
                ],
                colour,
                Stroke::new(1.0, Color32::WHITE),
            ));
            let note: String = t.note.chars().take(28).collect();
            let text = if t.note.chars().count() > 28 {
                format!("{note}…")
            } else {
                note
            };
            let galley = painter.layout_no_wrap(text, FontId::proportional(12.0), Color32::WHITE);
            let at = pos2(top.x + 19.0, top.y);
            let rect = Align2::LEFT_TOP.anchor_size(at, galley.size()).expand(3.0);
            painter.rect_filled(rect, 3.0, colour.gamma_multiply(0.9));
            painter.galley(at, galley, Color32::WHITE);
        }
    }
}
