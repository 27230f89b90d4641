//! Sightings on the map: each as a small marker with its category's letter, filled with the
//! colour of its delivery state (amber queued, blue delivered, green acknowledged), a ring for
//! the selected one and its accuracy circle; corrected sightings are drawn faded.

use eframe::egui::{self, pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Stroke};
use uuid::Uuid;
use walkers::Projector;

use super::MapInput;
use crate::panels::sightings::{category_icon, state_colour};
use kestrel_core::sightings::SightingRecord;

/// Half the marker's size, points.
const HALF: f32 = 9.0;
/// How far from a marker a click still selects it, points.
const PICK_RADIUS: f32 = 12.0;

fn at(projector: &Projector, r: &SightingRecord) -> Pos2 {
    let p = &r.sighting.position;
    projector.project(walkers::lat_lon(p.lat, p.lon)).to_pos2()
}

/// Draws every sighting.
pub(super) fn draw(painter: &egui::Painter, projector: &Projector, input: &MapInput<'_>) {
    let clip = painter.clip_rect().expand(HALF * 2.0);
    for r in input.sightings {
        let p = at(projector, r);
        if !clip.contains(p) {
            continue;
        }
        let selected = input.selected_sighting == Some(r.sighting.id);
        let faded = r.corrected_by.is_some();
        let mut fill = state_colour(r.state);
        if faded {
            fill = fill.gamma_multiply(0.35);
        }
        if selected {
            if let Some(acc) = r.sighting.position.accuracy_m {
                let px = projector.scale_pixel_per_meter(walkers::lat_lon(
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
        let body = Rect::from_center_size(p - vec2(0.0, HALF + 4.0), egui::Vec2::splat(HALF * 2.0));
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
            category_icon(input.tr, r.sighting.category),
            FontId::proportional(12.0),
            Color32::WHITE,
        );
    }
}

/// The sighting whose marker is under `pos`, the newest first.
pub(super) fn pick(projector: &Projector, input: &MapInput<'_>, pos: Pos2) -> Option<Uuid> {
    input
        .sightings
        .iter()
        .rev()
        .map(|r| {
            let p = at(projector, r) - vec2(0.0, HALF + 4.0);
            (r.sighting.id, p.distance(pos))
        })
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}
