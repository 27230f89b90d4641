//! A vertical tape (altitude or speed): a scale that scrolls past a fixed pointer, the current value
//! boxed in the middle — the way a primary flight display shows a number that changes.

use eframe::egui::{self, pos2, vec2, Align2, Color32, FontId, Rect, Sense, Stroke, Vec2};

/// Draws a tape of `size`, `step` units between labelled ticks, `label` on top.
pub fn tape(ui: &mut egui::Ui, size: Vec2, value: f32, step: f32, label: &str) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    let bg = visuals.extreme_bg_color;
    let fg = visuals.text_color();
    painter.rect_filled(rect, 3.0, bg);
    let title_h = 14.0;
    painter.text(
        pos2(rect.center().x, rect.top() + 1.0),
        Align2::CENTER_TOP,
        label,
        FontId::proportional(11.0),
        fg,
    );
    let scale = Rect::from_min_max(pos2(rect.left(), rect.top() + title_h), rect.max);
    let cy = scale.center().y;
    // Pixels per unit: five labelled ticks over the height.
    let step = if step > 0.0 { step } else { 10.0 };
    let ppu = scale.height() / (step * 5.0);
    if value.is_finite() {
        let first = ((value - 2.6 * step) / step).ceil() as i64;
        let last = ((value + 2.6 * step) / step).floor() as i64;
        for i in first..=last {
            let v = i as f32 * step;
            let y = cy - (v - value) * ppu;
            if y < scale.top() + 6.0 || y > scale.bottom() - 6.0 {
                continue;
            }
            painter.line_segment(
                [pos2(scale.right() - 8.0, y), pos2(scale.right(), y)],
                Stroke::new(1.0, fg),
            );
            painter.text(
                pos2(scale.right() - 10.0, y),
                Align2::RIGHT_CENTER,
                format!("{v:.0}"),
                FontId::monospace(10.0),
                fg.gamma_multiply(0.7),
            );
        }
    }
    let boxed = Rect::from_center_size(pos2(scale.center().x, cy), vec2(scale.width() - 2.0, 18.0));
    painter.rect_filled(boxed, 2.0, Color32::from_gray(20));
    painter.text(
        boxed.center(),
        Align2::CENTER_CENTER,
        if value.is_finite() {
            format!("{value:.1}")
        } else {
            "—".into()
        },
        FontId::monospace(12.0),
        Color32::WHITE,
    );
    response
}
