//! Attitude indicator: sky and ground split by a horizon that tilts with roll and moves with pitch,
//! a fixed aircraft symbol, a pitch ladder and a roll pointer — the instrument a pilot reads first.

use eframe::egui::{self, pos2, vec2, Color32, Pos2, Sense, Shape, Stroke, Vec2};

const SKY: Color32 = Color32::from_rgb(0x3a, 0x7b, 0xd5);
const GROUND: Color32 = Color32::from_rgb(0x8b, 0x5a, 0x2b);
const SYMBOL: Color32 = Color32::from_rgb(0xff, 0xd6, 0x00);
/// The indicator shows ±45° of pitch across its radius.
const PITCH_RANGE_DEG: f32 = 45.0;

/// Draws the indicator in a `size`×`size` square.
pub fn attitude_indicator(
    ui: &mut egui::Ui,
    size: f32,
    roll_deg: f32,
    pitch_deg: f32,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    let c = rect.center();
    let r = size * 0.5 - 1.0;
    let roll = roll_deg.to_radians();
    let px_per_deg = r / PITCH_RANGE_DEG;
    // Horizon direction on screen (rolling right tilts the horizon left-side up) and the normal
    // pointing towards the ground.
    let d = vec2(roll.cos(), -roll.sin());
    let n = vec2(roll.sin(), roll.cos());
    let p0 = c + n * (pitch_deg.clamp(-80.0, 80.0) * px_per_deg);

    painter.circle_filled(c, r, SKY);
    let ground = ground_polygon(c, r, p0, n);
    if ground.len() >= 3 {
        painter.add(Shape::convex_polygon(ground, GROUND, Stroke::NONE));
    }
    // Horizon line, clipped to the circle.
    if let Some((a, b)) = chord(c, r, p0, d) {
        painter.line_segment([a, b], Stroke::new(1.5, Color32::WHITE));
    }
    // Pitch ladder every 10°.
    for step in [-20.0f32, -10.0, 10.0, 20.0] {
        let centre = p0 - n * (step * px_per_deg);
        if (centre - c).length() > r * 0.8 {
            continue;
        }
        let half = if step.abs() >= 20.0 {
            r * 0.25
        } else {
            r * 0.15
        };
        painter.line_segment(
            [centre - d * half, centre + d * half],
            Stroke::new(1.0, Color32::WHITE),
        );
    }
    // Roll pointer at the top of the horizon frame.
    let up = -n;
    let tip = c + up * (r - 2.0);
    let base = c + up * (r - 12.0);
    painter.add(Shape::convex_polygon(
        vec![tip, base + d * 6.0, base - d * 6.0],
        Color32::WHITE,
        Stroke::NONE,
    ));
    // The fixed aircraft symbol.
    let wing = r * 0.45;
    let sym = Stroke::new(3.0, SYMBOL);
    painter.line_segment([pos2(c.x - wing, c.y), pos2(c.x - wing * 0.3, c.y)], sym);
    painter.line_segment([pos2(c.x + wing * 0.3, c.y), pos2(c.x + wing, c.y)], sym);
    painter.circle_filled(c, 3.0, SYMBOL);
    painter.circle_stroke(c, r, Stroke::new(2.0, Color32::from_gray(40)));
    response
}

/// The ground: the part of the circle on the ground side of the horizon, as a convex polygon.
fn ground_polygon(c: Pos2, r: f32, p0: Pos2, n: Vec2) -> Vec<Pos2> {
    const STEPS: usize = 48;
    let pts: Vec<Pos2> = (0..STEPS)
        .map(|i| {
            let a = std::f32::consts::TAU * i as f32 / STEPS as f32;
            c + vec2(a.cos(), a.sin()) * r
        })
        .collect();
    let side = |p: Pos2| (p - p0).dot(n);
    let mut out = Vec::with_capacity(STEPS + 2);
    for i in 0..STEPS {
        let (a, b) = (pts[i], pts[(i + 1) % STEPS]);
        let (sa, sb) = (side(a), side(b));
        if sa >= 0.0 {
            out.push(a);
        }
        if (sa >= 0.0) != (sb >= 0.0) {
            let t = sa / (sa - sb);
            out.push(a + (b - a) * t);
        }
    }
    out
}

/// Where the line through `p` along `d` crosses the circle.
fn chord(c: Pos2, r: f32, p: Pos2, d: Vec2) -> Option<(Pos2, Pos2)> {
    let f = p - c;
    let b = f.dot(d);
    let disc = b * b - (f.length_sq() - r * r);
    (disc > 0.0).then(|| {
        let s = disc.sqrt();
        (p + d * (-b - s), p + d * (-b + s))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_flight_puts_the_ground_in_the_lower_half() {
        let c = pos2(100.0, 100.0);
        let poly = ground_polygon(c, 50.0, c, vec2(0.0, 1.0));
        assert!(poly.iter().all(|p| p.y >= 100.0 - 1e-3));
        let area: f32 = poly
            .iter()
            .zip(poly.iter().cycle().skip(1))
            .map(|(a, b)| a.x * b.y - b.x * a.y)
            .sum::<f32>()
            .abs()
            / 2.0;
        let half = std::f32::consts::PI * 50.0 * 50.0 / 2.0;
        assert!((area - half).abs() / half < 0.02, "area {area} vs {half}");
        // Pitching up past the scale moves the horizon below the dial: no ground left.
        let low = c + vec2(0.0, 55.0);
        assert!(ground_polygon(c, 50.0, low, vec2(0.0, 1.0)).is_empty());
    }
}
