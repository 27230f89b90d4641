//! The planning layer of the map: key areas as polygons coloured by category (no-fly zones red
//! and hatched), fixed cameras as named points, labels with name and revisit interval; the patrol
//! route being planned, one colour per sortie, with draggable waypoints and the legs that break a
//! rule in red; drawing a new key area (click vertices, double-click or Enter to finish, Esc to
//! cancel) and dragging the vertices of the area being edited.

use eframe::egui::{
    self, epaint::Mesh, vec2, Color32, FontId, Key, Pos2, Rect, Response, Sense, Shape, Stroke,
    UiBuilder,
};
use walkers::{lat_lon, Projector};

use kestrel_core::console::planning::PlanningView;
use kestrel_core::geo::GeoPoint;
use kestrel_core::plan::areas::{Category, KeyArea, Shape as AreaShape};
use kestrel_core::plan::routes::RouteIssue;

use super::strings::S;
use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::{MapCanvas, MapLayer};

use super::PlanningPanel;

/// How close (points) a click must be to the previous vertex to count as the same one.
const SAME_VERTEX: f32 = 4.0;
/// Distance between hatch lines of no-fly zones, points.
const HATCH_STEP: f32 = 9.0;

/// What the planner did on the map this frame.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerAction {
    /// Finished drawing a new area with these vertices.
    Finished(Vec<GeoPoint>),
    /// Gave up drawing (Esc).
    Cancelled,
    /// Clicked a key area.
    Picked(String),
    /// Dropped a dragged waypoint of the route.
    MoveWaypoint {
        /// Sortie number.
        sortie: usize,
        /// Point number.
        point: usize,
        /// Where.
        to: GeoPoint,
    },
}

/// The planning layer's state between frames.
#[derive(Debug, Clone)]
pub struct PlanningLayer {
    /// Whether key areas and the route are drawn.
    pub visible: bool,
    /// The area selected in the planning panel.
    pub highlight: Option<String>,
    /// Vertices of the area being drawn (`Some` while drawing).
    pub drawing: Option<Vec<GeoPoint>>,
    /// Vertices of the area being edited (draggable), by its name.
    pub editing: Option<(String, Vec<GeoPoint>)>,
    /// What happened since the panel last looked.
    pub actions: Vec<LayerAction>,
    /// Names of the key areas drawn in the last frame (for tests and the status line).
    pub drawn: Vec<String>,
    dragging: Option<(usize, usize, Pos2)>,
}

impl Default for PlanningLayer {
    fn default() -> Self {
        Self {
            visible: true,
            highlight: None,
            drawing: None,
            editing: None,
            actions: Vec::new(),
            drawn: Vec::new(),
            dragging: None,
        }
    }
}

/// The colour of a key-area category.
pub fn category_colour(c: Category) -> Color32 {
    match c {
        Category::CrowdedPlace => Color32::from_rgb(0xea, 0x7a, 0x0c),
        Category::KeyZone => Color32::from_rgb(0x25, 0x63, 0xeb),
        Category::EventVenue => Color32::from_rgb(0x93, 0x33, 0xea),
        Category::Camera => Color32::from_rgb(0x0f, 0x76, 0x6e),
        Category::NoFly => Color32::from_rgb(0xdc, 0x26, 0x26),
    }
}

/// The colour of sortie `i` of a route.
pub fn sortie_colour(i: usize) -> Color32 {
    const C: [Color32; 6] = [
        Color32::from_rgb(0x06, 0x7a, 0xd9),
        Color32::from_rgb(0x16, 0xa3, 0x4a),
        Color32::from_rgb(0xd9, 0x46, 0xef),
        Color32::from_rgb(0xf5, 0x9e, 0x0b),
        Color32::from_rgb(0x08, 0x91, 0xb2),
        Color32::from_rgb(0x65, 0x4f, 0x2d),
    ];
    C[i % C.len()]
}

fn screen(projector: &Projector, p: GeoPoint) -> Pos2 {
    projector.project(lat_lon(p.lat, p.lon)).to_pos2()
}

fn unproject(projector: &Projector, p: Pos2) -> GeoPoint {
    let g = projector.unproject(p.to_vec2());
    GeoPoint {
        lat: g.y(),
        lon: g.x(),
    }
}

impl PlanningLayer {
    /// Whether a double-click belongs to the layer (finishing a drawing) rather than zooming.
    pub fn wants_double_click(&self) -> bool {
        self.drawing.is_some()
    }

    /// Draws the layer and handles its clicks and drags; called inside the map.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        response: &Response,
        projector: &Projector,
        view: &PlanningView,
        tr: Tr,
        inset: bool,
    ) {
        let rect = response.rect;
        let painter = ui.painter_at(rect);
        // A small inset (picture-in-picture) has no "Key areas" switch.
        if !inset {
            self.toggle(ui, rect, tr);
        }
        self.drawn.clear();
        if self.visible {
            let editing = self.editing.as_ref().map(|(n, _)| n.as_str());
            for a in view
                .areas
                .iter()
                .filter(|a| Some(a.name.as_str()) != editing)
            {
                let hl = self.highlight.as_deref() == Some(a.name.as_str());
                if draw_area(&painter, projector, a, hl, tr) {
                    self.drawn.push(a.name.clone());
                }
            }
            self.route(ui, &painter, projector, view);
        }
        self.edit(ui, &painter, projector, view, tr);
        self.draw(ui, &painter, response, projector);
        if self.visible && self.drawing.is_none() && self.editing.is_none() && response.clicked() {
            if let Some(p) = response.interact_pointer_pos() {
                if let Some(name) = pick_area(projector, view, p) {
                    self.actions.push(LayerAction::Picked(name));
                }
            }
        }
    }

    fn toggle(&mut self, ui: &mut egui::Ui, rect: Rect, tr: Tr) {
        let area = Rect::from_min_size(rect.min + vec2(8.0, 40.0), vec2(200.0, 24.0));
        ui.scope_builder(UiBuilder::new().max_rect(area), |ui| {
            let b = egui::Button::new(tr.s(S::PlanKeyAreasLayer)).selected(self.visible);
            if ui.add(b).clicked() {
                self.visible = !self.visible;
            }
        });
    }

    fn route(
        &mut self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        projector: &Projector,
        view: &PlanningView,
    ) {
        let Some(plan) = &view.route else { return };
        let route = &plan.route;
        let home = screen(projector, route.home);
        for (si, s) in route.sorties.iter().enumerate() {
            let colour = sortie_colour(si);
            let mut pts: Vec<Pos2> = vec![home];
            for (k, p) in s.points.iter().enumerate() {
                match self.dragging {
                    Some((ds, dk, at)) if ds == si && dk == k => pts.push(at),
                    _ => pts.push(screen(projector, p.position)),
                }
            }
            pts.push(home);
            for (leg, w) in pts.windows(2).enumerate() {
                let bad = plan.issues.iter().any(|i| {
                    matches!(i, RouteIssue::CrossesNoFly { sortie, leg: l, .. } if *sortie == si && *l == leg)
                });
                let stroke = if bad {
                    Stroke::new(4.0, Color32::RED)
                } else {
                    Stroke::new(2.5, colour)
                };
                painter.line_segment([w[0], w[1]], stroke);
            }
            for k in 0..s.points.len() {
                let p = pts[k + 1];
                let id = ui.scope_id().with(("kestrel-waypoint", si, k));
                let r = ui.interact(
                    Rect::from_center_size(p, vec2(12.0, 12.0)),
                    id,
                    Sense::drag(),
                );
                let high = plan.issues.iter().any(|i| {
                    matches!(i, RouteIssue::AboveCeiling { sortie, point, .. } if *sortie == si && *point == k)
                });
                let fill = if high { Color32::RED } else { colour };
                painter.circle(p, 4.0, fill, Stroke::new(1.0, Color32::WHITE));
                if r.dragged() {
                    if let Some(at) = r.interact_pointer_pos() {
                        self.dragging = Some((si, k, at));
                    }
                }
                if r.drag_stopped() {
                    if let Some((_, _, at)) = self.dragging.take() {
                        self.actions.push(LayerAction::MoveWaypoint {
                            sortie: si,
                            point: k,
                            to: unproject(projector, at),
                        });
                    }
                }
            }
            // Figures of the sortie next to its first point.
            if let Some(first) = pts.get(1) {
                let st = &s.stats;
                let mut text = format!(
                    "{:.2} km · {:.0} min · {:.0}%",
                    st.length_m / 1000.0,
                    st.flight_time_s / 60.0,
                    st.battery_pct
                );
                if route.sorties.len() > 1 {
                    text = format!("#{} · {text}", si + 1);
                }
                label(painter, *first + vec2(8.0, -18.0), &text, colour);
            }
        }
    }

    fn edit(
        &mut self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        projector: &Projector,
        view: &PlanningView,
        tr: Tr,
    ) {
        let Some((name, vertices)) = &mut self.editing else {
            return;
        };
        let category = view.area(name).map_or(Category::KeyZone, |a| a.category);
        let colour = category_colour(category);
        let pts: Vec<Pos2> = vertices.iter().map(|p| screen(projector, *p)).collect();
        if pts.len() >= 3 {
            fill_polygon(painter, &pts, colour.gamma_multiply(0.25));
            let mut ring = pts.clone();
            ring.push(pts[0]);
            painter.add(Shape::line(ring, Stroke::new(2.5, colour)));
        }
        for (k, p) in pts.iter().enumerate() {
            let id = ui.scope_id().with(("kestrel-vertex", k));
            let r = ui.interact(
                Rect::from_center_size(*p, vec2(14.0, 14.0)),
                id,
                Sense::drag(),
            );
            if r.dragged() {
                if let Some(at) = r.interact_pointer_pos() {
                    vertices[k] = unproject(projector, at);
                }
            }
            let sq = Rect::from_center_size(*p, vec2(9.0, 9.0));
            painter.rect_filled(sq, 1.0, Color32::WHITE);
            painter.rect_stroke(sq, 1.0, Stroke::new(2.0, colour), egui::StrokeKind::Inside);
        }
        if let Some(c) = pts.first() {
            label(
                painter,
                *c + vec2(10.0, -22.0),
                tr.s(S::PlanDragVertices),
                colour,
            );
        }
    }

    fn draw(
        &mut self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        response: &Response,
        projector: &Projector,
    ) {
        let Some(vertices) = &mut self.drawing else {
            return;
        };
        if response.clicked() {
            if let Some(p) = response.interact_pointer_pos() {
                let same = vertices
                    .last()
                    .is_some_and(|v| screen(projector, *v).distance(p) < SAME_VERTEX);
                if !same {
                    vertices.push(unproject(projector, p));
                }
            }
        }
        let typing = ui.ctx().text_edit_focused();
        let (enter, esc) = ui.input(|i| (i.key_pressed(Key::Enter), i.key_pressed(Key::Escape)));
        let finish = response.double_clicked() || (enter && !typing);
        let pts: Vec<Pos2> = vertices.iter().map(|p| screen(projector, *p)).collect();
        let stroke = Stroke::new(2.0, Color32::from_rgb(0x11, 0x18, 0x27));
        if pts.len() >= 2 {
            painter.add(Shape::line(pts.clone(), stroke));
        }
        if let (Some(last), Some(h)) = (pts.last(), response.hover_pos()) {
            painter.extend(Shape::dashed_line(&[*last, h], stroke, 5.0, 4.0));
            if pts.len() >= 2 {
                painter.extend(Shape::dashed_line(
                    &[h, pts[0]],
                    Stroke::new(1.0, stroke.color),
                    5.0,
                    4.0,
                ));
            }
        }
        for p in &pts {
            painter.circle(*p, 4.5, Color32::WHITE, stroke);
        }
        if esc {
            self.drawing = None;
            self.actions.push(LayerAction::Cancelled);
        } else if finish && !vertices.is_empty() {
            let done = std::mem::take(vertices);
            self.drawing = None;
            self.actions.push(LayerAction::Finished(done));
        }
    }
}

fn label(painter: &egui::Painter, at: Pos2, text: &str, colour: Color32) {
    let galley =
        painter.layout_no_wrap(text.to_string(), FontId::proportional(11.5), Color32::BLACK);
    let bg = Rect::from_min_size(at, galley.size()).expand(2.0);
    painter.rect_filled(bg, 3.0, Color32::from_rgba_unmultiplied(255, 255, 255, 215));
    painter.rect_stroke(bg, 3.0, Stroke::new(1.0, colour), egui::StrokeKind::Outside);
    painter.galley(at, galley, Color32::BLACK);
}

/// Draws one key area; whether it was in view.
fn draw_area(
    painter: &egui::Painter,
    projector: &Projector,
    a: &KeyArea,
    hl: bool,
    tr: Tr,
) -> bool {
    let colour = category_colour(a.category);
    let width = if hl { 4.0 } else { 2.0 };
    let text = match a.revisit_min {
        Some(m) => tr.f(S::PlanAreaLabelFmt, &[&a.name, &format!("{m:.0}")]),
        None => a.name.clone(),
    };
    match &a.shape {
        AreaShape::Point { at } => {
            let p = screen(projector, *at);
            if !painter.clip_rect().expand(100.0).contains(p) {
                return false;
            }
            let body = Rect::from_center_size(p, vec2(14.0, 10.0));
            painter.rect_filled(body, 2.0, colour);
            painter.circle_filled(p, 3.0, Color32::WHITE);
            if hl {
                painter.circle_stroke(p, 13.0, Stroke::new(2.5, colour));
            }
            label(painter, p + vec2(10.0, 6.0), &text, colour);
            true
        }
        AreaShape::Polygon { outer, holes } => {
            let pts: Vec<Pos2> = outer.iter().map(|v| screen(projector, *v)).collect();
            let bounds = Rect::from_points(&pts);
            if !painter.clip_rect().intersects(bounds) {
                return false;
            }
            let alpha = if hl { 0.35 } else { 0.18 };
            fill_polygon(painter, &pts, colour.gamma_multiply(alpha));
            if a.category == Category::NoFly {
                hatch(painter, &pts, Stroke::new(1.2, colour.gamma_multiply(0.8)));
            }
            let mut ring = pts.clone();
            ring.push(pts[0]);
            painter.add(Shape::line(ring, Stroke::new(width, colour)));
            for h in holes {
                let mut r: Vec<Pos2> = h.iter().map(|v| screen(projector, *v)).collect();
                if let Some(f) = r.first().copied() {
                    r.push(f);
                }
                painter.add(Shape::line(r, Stroke::new(1.0, colour)));
            }
            let c = screen(projector, a.anchor());
            let galley_w = text.chars().count() as f32 * 6.5;
            label(painter, c - vec2(galley_w / 2.0, 7.0), &text, colour);
            true
        }
    }
}

/// The key area under a click: the top-most polygon containing it, or a camera near it.
fn pick_area(projector: &Projector, view: &PlanningView, at: Pos2) -> Option<String> {
    let mut hit = None;
    for a in view.areas.iter() {
        match &a.shape {
            AreaShape::Point { at: p } => {
                if screen(projector, *p).distance(at) < 12.0 {
                    return Some(a.name.clone());
                }
            }
            AreaShape::Polygon { outer, .. } => {
                let pts: Vec<Pos2> = outer.iter().map(|v| screen(projector, *v)).collect();
                if contains(&pts, at) {
                    hit = Some(a.name.clone());
                }
            }
        }
    }
    hit
}

fn contains(ring: &[Pos2], p: Pos2) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
            inside = !inside;
        }
    }
    inside
}

/// Fills a simple (possibly concave) polygon: ear clipping into a mesh.
fn fill_polygon(painter: &egui::Painter, pts: &[Pos2], colour: Color32) {
    let tris = triangulate(pts);
    if tris.is_empty() {
        return;
    }
    let mut mesh = Mesh::default();
    for p in pts {
        mesh.colored_vertex(*p, colour);
    }
    for [a, b, c] in tris {
        mesh.add_triangle(a as u32, b as u32, c as u32);
    }
    painter.add(Shape::mesh(mesh));
}

/// Ear clipping of a simple polygon (either winding) into triangles of vertex indices.
pub fn triangulate(pts: &[Pos2]) -> Vec<[usize; 3]> {
    let n = pts.len();
    if n < 3 {
        return Vec::new();
    }
    let area: f32 = (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            a.x * b.y - b.x * a.y
        })
        .sum();
    let sign = if area >= 0.0 { 1.0 } else { -1.0 };
    let cross =
        |a: Pos2, b: Pos2, c: Pos2| ((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)) * sign;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(n - 2);
    let mut guard = 0;
    while idx.len() > 3 && guard < n * n {
        guard += 1;
        let m = idx.len();
        let mut clipped = false;
        for i in 0..m {
            let (ia, ib, ic) = (idx[(i + m - 1) % m], idx[i], idx[(i + 1) % m]);
            let (a, b, c) = (pts[ia], pts[ib], pts[ic]);
            if cross(a, b, c) <= 0.0 {
                continue;
            }
            let inside = idx.iter().any(|&j| {
                j != ia
                    && j != ib
                    && j != ic
                    && cross(a, b, pts[j]) >= 0.0
                    && cross(b, c, pts[j]) >= 0.0
                    && cross(c, a, pts[j]) >= 0.0
            });
            if !inside {
                out.push([ia, ib, ic]);
                idx.remove(i);
                clipped = true;
                break;
            }
        }
        if !clipped {
            break;
        }
    }
    if idx.len() == 3 {
        out.push([idx[0], idx[1], idx[2]]);
    }
    out
}

/// Diagonal hatching inside a polygon (no-fly zones).
fn hatch(painter: &egui::Painter, pts: &[Pos2], stroke: Stroke) {
    let n = pts.len();
    let d: Vec<f32> = pts.iter().map(|p| p.x - p.y).collect();
    let (lo, hi) = d
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    if !(hi - lo).is_finite() || (hi - lo) / HATCH_STEP > 600.0 {
        return;
    }
    let mut c = (lo / HATCH_STEP).ceil() * HATCH_STEP;
    let mut cuts: Vec<Pos2> = Vec::new();
    while c < hi {
        cuts.clear();
        for i in 0..n {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            let (da, db) = (d[i], d[(i + 1) % n]);
            if (da <= c) != (db <= c) {
                let t = (c - da) / (db - da);
                cuts.push(a + (b - a) * t);
            }
        }
        cuts.sort_by(|p, q| (p.x + p.y).total_cmp(&(q.x + q.y)));
        for pair in cuts.chunks_exact(2) {
            painter.line_segment([pair[0], pair[1]], stroke);
        }
        c += HATCH_STEP;
    }
}

impl MapLayer for PlanningPanel {
    fn draw_below_fleet(
        &mut self,
        ui: &mut egui::Ui,
        canvas: &MapCanvas<'_>,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let view = cx.view.planning.clone();
        self.layer.show(
            ui,
            canvas.response,
            canvas.projector,
            &view,
            cx.tr,
            canvas.inset,
        );
    }

    fn wants_double_click(&self) -> bool {
        self.layer.wants_double_click()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::pos2;

    #[test]
    fn an_l_shape_is_cut_into_four_triangles_covering_its_area() {
        let l = [
            pos2(0.0, 0.0),
            pos2(2.0, 0.0),
            pos2(2.0, 1.0),
            pos2(1.0, 1.0),
            pos2(1.0, 2.0),
            pos2(0.0, 2.0),
        ];
        let t = triangulate(&l);
        assert_eq!(t.len(), 4);
        let area: f32 = t
            .iter()
            .map(|[a, b, c]| {
                let (a, b, c) = (l[*a], l[*b], l[*c]);
                ((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)).abs() / 2.0
            })
            .sum();
        assert!((area - 3.0).abs() < 1e-4, "{area}");
        assert!(contains(&l, pos2(0.5, 1.5)) && !contains(&l, pos2(1.5, 1.5)));
    }
}
