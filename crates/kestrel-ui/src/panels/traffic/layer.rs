//! Traffic on the map: each target as an icon by its type (a rotor disc for a helicopter, an
//! aeroplane for fixed wings, a diamond for the rest) turned to its track, with a vector to where
//! it will be at the end of the look-ahead, and a label with its callsign, its altitude relative
//! to the selected aircraft (else above sea level) and its age once it is late. Targets in a
//! conflict are drawn amber (advisory) or red (warning); stale ones fade until they go. A click
//! on a target picks it in the traffic list.

use eframe::egui::{self, pos2, vec2, Align2, Color32, FontId, Pos2, Shape, Stroke};

use kestrel_core::traffic::{Emitter, Target};

use super::{level_colour, worst_for, TrafficPanel};
use crate::context::{Actions, ViewCtx};
use crate::panel::{MapCanvas, MapLayer};

/// Icon half size, points.
const HALF: f32 = 9.0;
/// How far from a target a click still picks it, points.
const PICK_RADIUS: f32 = 14.0;
/// Targets not in conflict: a light blue that stands out from the team colours.
const CALM: Color32 = Color32::from_rgb(0x38, 0xbd, 0xf8);

fn rotate(v: egui::Vec2, track_deg: f32) -> egui::Vec2 {
    // Screen y grows downwards; track is clockwise from north.
    let a = track_deg.to_radians();
    let (s, c) = a.sin_cos();
    vec2(v.x * c - v.y * s, v.x * s + v.y * c)
}

fn icon(painter: &egui::Painter, at: Pos2, t: &Target, colour: Color32) {
    let track = t.track_deg.unwrap_or(0.0) as f32;
    let outline = Stroke::new(1.5, Color32::from_gray(20));
    let poly = |pts: &[egui::Vec2]| {
        Shape::convex_polygon(
            pts.iter().map(|p| at + rotate(*p, track)).collect(),
            colour,
            outline,
        )
    };
    match t.emitter {
        Emitter::Rotorcraft => {
            painter.circle(
                at,
                HALF,
                colour.gamma_multiply(0.35),
                Stroke::new(2.0, colour),
            );
            painter.add(poly(&[
                vec2(0.0, -HALF * 0.8),
                vec2(HALF * 0.35, HALF * 0.5),
                vec2(-HALF * 0.35, HALF * 0.5),
            ]));
            painter.line_segment(
                [
                    at + rotate(vec2(-HALF, 0.0), track),
                    at + rotate(vec2(HALF, 0.0), track),
                ],
                Stroke::new(1.5, Color32::from_gray(20)),
            );
        }
        Emitter::Light | Emitter::Large | Emitter::Unknown => {
            let k = if t.emitter == Emitter::Large {
                1.3
            } else {
                1.0
            };
            // Fuselage with wings and tail, nose along the track.
            painter.add(poly(&[
                vec2(0.0, -HALF * k),
                vec2(HALF * 0.25 * k, HALF * 0.6 * k),
                vec2(-HALF * 0.25 * k, HALF * 0.6 * k),
            ]));
            painter.add(poly(&[
                vec2(-HALF * k, 0.0),
                vec2(HALF * k, 0.0),
                vec2(HALF * k, HALF * 0.25 * k),
                vec2(-HALF * k, HALF * 0.25 * k),
            ]));
            painter.add(poly(&[
                vec2(-HALF * 0.45 * k, HALF * 0.7 * k),
                vec2(HALF * 0.45 * k, HALF * 0.7 * k),
                vec2(HALF * 0.45 * k, HALF * 0.85 * k),
                vec2(-HALF * 0.45 * k, HALF * 0.85 * k),
            ]));
        }
        Emitter::Sport | Emitter::Uav | Emitter::Surface => {
            painter.add(poly(&[
                vec2(0.0, -HALF),
                vec2(HALF * 0.7, 0.0),
                vec2(0.0, HALF),
                vec2(-HALF * 0.7, 0.0),
            ]));
        }
    }
}

impl MapLayer for TrafficPanel {
    fn draw_above_routes(&mut self, painter: &egui::Painter, canvas: &MapCanvas<'_>, cx: &ViewCtx) {
        let v = &cx.view.traffic;
        let clip = painter.clip_rect().expand(HALF * 4.0);
        let own = cx.primary();
        let lookahead = v.settings.conflict.lookahead_s;
        let fade = v.settings.aging.fade_after_s.max(1.0);
        let drop = v.settings.aging.drop_after_s.max(fade + 1.0);
        for t in v.targets.iter() {
            let here = t.position_now();
            let p = canvas.screen(here);
            if !clip.contains(p) {
                continue;
            }
            let mut colour = worst_for(cx, t.icao).map_or(CALM, level_colour);
            if t.stale {
                // Fades from the fade age to the drop age.
                let k = 1.0 - ((t.age_s - fade) / (drop - fade)).clamp(0.0, 0.8);
                colour = colour.gamma_multiply(k as f32);
            }
            let [ve, vn] = t.velocity_en();
            if ve != 0.0 || vn != 0.0 {
                let ahead =
                    kestrel_core::traffic::target::offset(here, ve * lookahead, vn * lookahead);
                let q = canvas.screen(ahead);
                painter.line_segment([p, q], Stroke::new(2.0, colour.gamma_multiply(0.8)));
            }
            if self.picked == Some(t.icao) {
                painter.circle_stroke(p, HALF + 6.0, Stroke::new(2.0, Color32::WHITE));
            }
            icon(painter, p, t, colour);
            let mut label = t.label();
            match (t.alt_amsl_m, own) {
                (Some(alt), Some(a)) => {
                    label.push_str(&format!(" {:+.0} m", alt - f64::from(a.alt_amsl_m)))
                }
                (Some(alt), None) => label.push_str(&format!(" {alt:.0} m")),
                _ => {}
            }
            if t.age_s >= 3.0 {
                label.push_str(&format!(" ({:.0} s)", t.age_s));
            }
            let at = pos2(p.x + HALF + 4.0, p.y - HALF);
            let galley = painter.layout_no_wrap(label, FontId::proportional(12.0), Color32::WHITE);
            let rect = Align2::LEFT_TOP.anchor_size(at, galley.size()).expand(2.0);
            painter.rect_filled(rect, 3.0, Color32::from_black_alpha(160));
            painter.galley(rect.min + vec2(2.0, 2.0), galley, Color32::WHITE);
        }
    }

    fn click(
        &mut self,
        pos: Pos2,
        canvas: &MapCanvas<'_>,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) -> bool {
        let hit = cx
            .view
            .traffic
            .targets
            .iter()
            .map(|t| (t.icao, canvas.screen(t.position_now()).distance(pos)))
            .filter(|(_, d)| *d <= PICK_RADIUS)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match hit {
            Some((icao, _)) => {
                self.picked = Some(icao);
                self.open = true;
                true
            }
            None => false,
        }
    }
}
