//! The map: tiles underneath; every aircraft as a heading-oriented icon in its team colour with
//! callsign and altitude; its flown trail, home, mission route and current target; click to select,
//! right-click to send an aircraft there; follow the selected aircraft or the whole fleet; a scale
//! bar and the coordinates under the cursor. What features draw on it (key areas, routes being
//! planned, sightings) are [`MapLayer`]s handed to [`MapView::show`].

pub mod tiles;

use eframe::egui::{
    self, pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, UiBuilder, Vec2,
};
use walkers::{lat_lon, Map, MapMemory, Projector};

use kestrel_core::alerts::Severity;
use kestrel_core::console::{ConsoleView, Units};
use kestrel_core::fleet::{Aircraft, FleetHistory};
use kestrel_core::geo::GeoPoint;
use kestrel_core::plan::mission::{is_global_frame, MissionItem};
use kestrel_core::protocol::PilotAction;

use super::context::{Action, Actions, ViewCtx};
use super::i18n::S;
use super::panel::{MapCanvas, MapLayer};
use super::theme;
pub use tiles::{MapTiles, TilesState};

/// Initial zoom: a few kilometres across, a city district.
const START_ZOOM: f64 = 14.0;
/// How far from an icon a click still selects it, points.
const PICK_RADIUS: f32 = 16.0;
/// Trail length drawn, seconds.
const TRAIL_SECONDS: f64 = 300.0;
/// Trail points closer than this on screen are merged, points.
const TRAIL_MIN_STEP: f32 = 3.0;
/// Where the map opens when no aircraft is heard yet: Liaocheng, Shandong.
const DEFAULT_CENTRE: GeoPoint = GeoPoint {
    lat: 36.4560,
    lon: 115.9850,
};
/// Below this altitude above home an aircraft is taken to be on the ground: "fly here" then
/// uses the take-off altitude.
const AIRBORNE_M: f32 = 5.0;

/// What the map keeps centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The middle of the fleet.
    Fleet,
    /// The selected aircraft.
    Selected,
    /// Wherever the pilot dragged it.
    Free,
}

/// What the map draws from in one frame.
struct MapInput<'a> {
    cx: &'a ViewCtx<'a>,
    /// Seconds since the console started (for blinking).
    time: f64,
}

/// The map's state between frames.
pub struct MapView {
    memory: MapMemory,
    /// The tile layer.
    pub tiles: MapTiles,
    /// What the map keeps centred.
    pub follow: Follow,
    /// The position under the mouse pointer.
    pub cursor: Option<GeoPoint>,
    context_at: Option<GeoPoint>,
    /// Whether any aircraft has been drawn yet (for the start-up figure).
    pub drew_aircraft: bool,
}

impl MapView {
    /// A map around the default centre until aircraft show up.
    pub fn new(tiles: MapTiles) -> Self {
        let mut memory = MapMemory::default();
        let _ = memory.set_zoom(START_ZOOM);
        Self {
            memory,
            tiles,
            follow: Follow::Fleet,
            cursor: None,
            context_at: None,
            drew_aircraft: false,
        }
    }

    /// Replaces the tile layer (the pilot chose another source).
    pub fn set_tiles(&mut self, tiles: MapTiles) {
        self.tiles = tiles;
    }

    /// Zoom level, for tests and the status bar.
    pub fn zoom(&self) -> f64 {
        self.memory.zoom()
    }

    /// Centres the map on `p` and stops following aircraft.
    pub fn centre_on(&mut self, p: GeoPoint) {
        self.memory.center_at(lat_lon(p.lat, p.lon));
        self.follow = Follow::Free;
    }

    /// Shows the map in the remaining space of `ui`, with every feature's `layers`; `inset` for
    /// the small map beside the full-size video (no toolbar, no layer controls).
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCtx,
        layers: &mut [&mut dyn MapLayer],
        actions: &mut Actions,
        inset: bool,
    ) {
        self.tiles.poll(ui.ctx());
        let input = MapInput {
            cx,
            time: ui.input(|i| i.time),
        };
        let centre = match self.follow {
            Follow::Selected => cx.primary().and_then(|a| a.position),
            _ => None,
        }
        .or_else(|| fleet_centre(cx.view))
        .unwrap_or(DEFAULT_CENTRE);
        let attribution = self.tiles.attribution_text();
        let my_position = lat_lon(centre.lat, centre.lon);
        let tiles: &mut dyn walkers::Tiles = &mut self.tiles;
        let memory = &mut self.memory;
        let context_at = &mut self.context_at;
        let mut cursor = None;
        let mut drew = false;
        let mut toolbar = Toolbar::default();
        let follow_now = self.follow;
        let layer_double_click = layers.iter().any(|l| l.wants_double_click());
        Map::new(Some(tiles), memory, my_position)
            .zoom_with_ctrl(false)
            .double_click_to_zoom(!layer_double_click)
            .show(ui, |ui, response, projector, _memory| {
                let rect = response.rect;
                let painter = ui.painter_at(rect);
                let canvas = MapCanvas {
                    response,
                    projector,
                    inset,
                };
                for layer in layers.iter_mut() {
                    layer.draw_below_fleet(ui, &canvas, cx, actions);
                }
                cx.core
                    .with_history(|h| draw_trails(&painter, projector, &input, h));
                draw_missions(&painter, projector, &input);
                for layer in layers.iter_mut() {
                    layer.draw_above_routes(&painter, &canvas, cx);
                }
                drew = draw_aircraft(&painter, projector, &input);
                if let Some(p) = response.hover_pos() {
                    cursor = Some(canvas.geo(p));
                }
                if response.clicked() {
                    if let Some(p) = response.interact_pointer_pos() {
                        if let Some(sysid) = pick(projector, &input, p) {
                            let add = ui.input(|i| i.modifiers.command || i.modifiers.shift);
                            actions.push(if add {
                                Action::Toggle(sysid)
                            } else {
                                Action::Select(sysid)
                            });
                        } else {
                            for layer in layers.iter_mut() {
                                if layer.click(p, &canvas, cx, actions) {
                                    break;
                                }
                            }
                        }
                    }
                }
                if response.secondary_clicked() {
                    if let Some(p) = response.interact_pointer_pos() {
                        *context_at = Some(canvas.geo(p));
                    }
                }
                response.context_menu(|ui| {
                    context_menu(ui, &input, *context_at, layers, actions);
                });
                draw_scale_bar(&painter, projector, rect, cx.settings.units);
                if !inset {
                    toolbar = map_toolbar(ui, rect, &input, follow_now);
                }
                if !attribution.is_empty() {
                    painter.text(
                        rect.right_bottom() + vec2(-4.0, -4.0),
                        Align2::RIGHT_BOTTOM,
                        attribution,
                        FontId::proportional(10.0),
                        Color32::from_gray(60),
                    );
                }
            });
        if toolbar.zoom_in {
            let _ = self.memory.zoom_in();
        }
        if toolbar.zoom_out {
            let _ = self.memory.zoom_out();
        }
        if let Some(f) = toolbar.follow {
            self.follow = f;
            self.memory.follow_my_position();
        } else if self.memory.detached().is_some() {
            self.follow = Follow::Free;
        }
        self.cursor = cursor;
        self.drew_aircraft |= drew;
        if !cx.alerts.alerting.is_empty() {
            // Keep the alert rings blinking.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
    }
}

/// The mean of `pts`, if there are any.
fn centre_of(pts: &[GeoPoint]) -> Option<GeoPoint> {
    if pts.is_empty() {
        return None;
    }
    let n = pts.len() as f64;
    Some(GeoPoint {
        lat: pts.iter().map(|p| p.lat).sum::<f64>() / n,
        lon: pts.iter().map(|p| p.lon).sum::<f64>() / n,
    })
}

/// The middle of the fleet's known positions.
fn fleet_centre(view: &ConsoleView) -> Option<GeoPoint> {
    let pts: Vec<GeoPoint> = view
        .fleet
        .aircraft
        .iter()
        .filter_map(|a| a.position)
        .collect();
    centre_of(&pts)
}

fn screen(projector: &Projector, p: GeoPoint) -> Pos2 {
    projector.project(lat_lon(p.lat, p.lon)).to_pos2()
}

/// A linear stand-in for the map projection around one point: exact there, off by well under a
/// pixel within a few kilometres at city zoom levels — and cheap enough for thousands of trail
/// points a frame.
struct Local {
    origin: GeoPoint,
    at: Pos2,
    px_per_deg_lon: f64,
    px_per_deg_lat: f64,
}

impl Local {
    fn new(projector: &Projector, origin: GeoPoint) -> Self {
        const D: f64 = 0.001;
        let at = screen(projector, origin);
        let east = screen(
            projector,
            GeoPoint {
                lat: origin.lat,
                lon: origin.lon + D,
            },
        );
        let north = screen(
            projector,
            GeoPoint {
                lat: origin.lat + D,
                lon: origin.lon,
            },
        );
        Self {
            origin,
            at,
            px_per_deg_lon: f64::from(east.x - at.x) / D,
            px_per_deg_lat: f64::from(north.y - at.y) / D,
        }
    }

    fn project(&self, lat: f64, lon: f64) -> Pos2 {
        pos2(
            self.at.x + ((lon - self.origin.lon) * self.px_per_deg_lon) as f32,
            self.at.y + ((lat - self.origin.lat) * self.px_per_deg_lat) as f32,
        )
    }
}

fn pick(projector: &Projector, input: &MapInput<'_>, at: Pos2) -> Option<u8> {
    input
        .cx
        .view
        .fleet
        .aircraft
        .iter()
        .filter_map(|a| {
            a.position
                .map(|p| (a.sysid, screen(projector, p).distance(at)))
        })
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(s, _)| s)
}

fn draw_trails(
    painter: &egui::Painter,
    projector: &Projector,
    input: &MapInput<'_>,
    h: &FleetHistory,
) {
    let clip = painter.clip_rect().expand(50.0);
    for a in &input.cx.view.fleet.aircraft {
        let Some(hist) = h.get(a.sysid) else { continue };
        let Some(last) = hist.last() else { continue };
        let colour = theme::team_colour(a.sysid);
        let selected = input.cx.selection.primary == Some(a.sysid);
        let Some(pos) = a.position else { continue };
        let local = Local::new(projector, pos);
        let mut points: Vec<Pos2> = Vec::new();
        for s in hist.since(last.t, TRAIL_SECONDS) {
            if !s.has_position() {
                continue;
            }
            let p = local.project(s.lat, s.lon);
            if points
                .last()
                .is_none_or(|q| q.distance(p) >= TRAIL_MIN_STEP)
            {
                points.push(p);
            }
        }
        points.push(local.at);
        if points.len() < 2 || !points.iter().any(|p| clip.contains(*p)) {
            continue;
        }
        let width = if selected { 2.5 } else { 1.5 };
        painter.add(Shape::line(
            points,
            Stroke::new(width, colour.gamma_multiply(0.8)),
        ));
    }
}

/// Mission items that are places to fly to (not home, not DO_ commands).
fn route_points(items: &[MissionItem]) -> Vec<(usize, GeoPoint)> {
    items
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, it)| {
            is_global_frame(it.frame) && (it.x != 0.0 || it.y != 0.0) && it.command < 80
        })
        .map(|(i, it)| {
            (
                i,
                GeoPoint {
                    lat: it.x,
                    lon: it.y,
                },
            )
        })
        .collect()
}

fn draw_missions(painter: &egui::Painter, projector: &Projector, input: &MapInput<'_>) {
    for a in &input.cx.view.fleet.aircraft {
        let Some(items) = input.cx.view.missions.get(&a.sysid) else {
            continue;
        };
        let route = route_points(items);
        if route.is_empty() {
            continue;
        }
        let selected = input.cx.selection.primary == Some(a.sysid);
        let colour = theme::team_colour(a.sysid);
        let line = if selected {
            Stroke::new(2.0, colour)
        } else {
            Stroke::new(1.0, colour.gamma_multiply(0.45))
        };
        let pts: Vec<Pos2> = route.iter().map(|(_, p)| screen(projector, *p)).collect();
        // A loop closes when the mission jumps back (DO_JUMP).
        let loops = items
            .iter()
            .any(|it| it.command == kestrel_core::plan::mission::cmd::DO_JUMP);
        let mut path = pts.clone();
        // Routes of other aircraft are drawn plain and thin: with a hundred aircraft, dashes
        // would cost more than the rest of the map.
        if loops && pts.len() > 2 {
            path.push(pts[1.min(pts.len() - 1)]);
        }
        if selected {
            painter.extend(Shape::dashed_line(&path, line, 6.0, 4.0));
        } else {
            painter.add(Shape::line(path, line));
        }
        for ((i, _), p) in route.iter().zip(&pts) {
            painter.circle_filled(*p, if selected { 4.0 } else { 2.5 }, line.color);
            if selected {
                painter.text(
                    *p + vec2(6.0, -6.0),
                    Align2::LEFT_BOTTOM,
                    i.to_string(),
                    FontId::proportional(11.0),
                    Color32::from_gray(20),
                );
            }
        }
        // The current target: where the aircraft is heading in its mission.
        if let (Some(cur), Some(pos)) = (a.mission_current, a.position) {
            if let Some((_, target)) = route.iter().find(|(i, _)| *i == cur as usize) {
                let t = screen(projector, *target);
                painter.circle_stroke(t, 9.0, Stroke::new(2.0, colour));
                painter.circle_stroke(t, 5.0, Stroke::new(1.5, Color32::WHITE));
                if selected || a.custom_mode == kestrel_core::fleet::modes::AUTO {
                    painter.line_segment(
                        [screen(projector, pos), t],
                        Stroke::new(1.0, colour.gamma_multiply(0.7)),
                    );
                }
            }
        }
    }
}

/// Draws every aircraft; returns whether any was drawn.
fn draw_aircraft(painter: &egui::Painter, projector: &Projector, input: &MapInput<'_>) -> bool {
    let mut drew = false;
    let mut pending: Vec<(Pos2, &Aircraft)> =
        Vec::with_capacity(input.cx.view.fleet.aircraft.len());
    let blink = (input.time * 2.0).fract() < 0.5;
    for a in &input.cx.view.fleet.aircraft {
        if let Some(home) = a.home {
            draw_home(
                painter,
                screen(projector, home.position),
                theme::team_colour(a.sysid),
            );
        }
        let Some(pos) = a.position else { continue };
        let p = screen(projector, pos);
        if !painter.clip_rect().expand(40.0).contains(p) {
            drew = true;
            continue;
        }
        drew = true;
        draw_icon(painter, p, a, input, blink);
        pending.push((p, a));
    }
    // Labels after every icon, so that no label hides an aircraft drawn before it.
    let mut placed: Vec<Rect> = Vec::with_capacity(pending.len());
    for (p, a) in pending {
        draw_label(painter, p, a, input, &mut placed);
    }
    drew
}

fn draw_home(painter: &egui::Painter, p: Pos2, colour: Color32) {
    let r = Rect::from_center_size(p, Vec2::splat(12.0));
    painter.rect_filled(r, 2.0, Color32::WHITE);
    painter.rect_stroke(r, 2.0, Stroke::new(1.5, colour), egui::StrokeKind::Inside);
    painter.text(
        p,
        Align2::CENTER_CENTER,
        "H",
        FontId::proportional(10.0),
        colour,
    );
}

fn draw_icon(painter: &egui::Painter, p: Pos2, a: &Aircraft, input: &MapInput<'_>, blink: bool) {
    let colour = theme::team_colour(a.sysid);
    let now = input.cx.view.fleet.taken_at;
    let lost = a.link_state(now) == kestrel_core::fleet::LinkState::Lost;
    let selected = input.cx.selection.primary == Some(a.sysid);
    let checked = input.cx.selection.checked.contains(&a.sysid);
    if let Some(sev) = input.cx.alerts.alerting.get(&a.sysid) {
        if *sev == Severity::Critical && blink || *sev == Severity::Warning {
            painter.circle_stroke(p, 20.0, Stroke::new(3.0, theme::severity_colour(*sev)));
        }
    }
    if selected || checked {
        painter.circle_filled(p, 17.0, Color32::from_rgba_unmultiplied(255, 255, 255, 150));
        painter.circle_stroke(p, 17.0, Stroke::new(2.0, colour));
    }
    let h = a.heading_deg.to_radians();
    let fwd = vec2(h.sin(), -h.cos());
    let right = vec2(h.cos(), h.sin());
    let tip = p + fwd * 13.0;
    let tail = p - fwd * 8.0;
    let wing_l = p - fwd * 10.0 - right * 9.0;
    let wing_r = p - fwd * 10.0 + right * 9.0;
    let fill = if lost {
        Color32::from_gray(150)
    } else {
        colour
    };
    painter.add(Shape::convex_polygon(
        vec![tip, wing_r, tail, wing_l],
        fill,
        Stroke::new(1.5, Color32::WHITE),
    ));
}

/// Callsign and altitude next to an aircraft; labels of aircraft close together are stacked
/// (with a leader line) rather than drawn over each other.
fn draw_label(
    painter: &egui::Painter,
    p: Pos2,
    a: &Aircraft,
    input: &MapInput<'_>,
    labels: &mut Vec<Rect>,
) {
    let (alt, unit) = input.cx.settings.units.altitude(a.alt_rel_m);
    let label = format!("{} · {alt:.0} {unit}", input.cx.callsign(a.sysid));
    let galley = painter.layout_no_wrap(label, FontId::proportional(12.0), Color32::BLACK);
    let mut at = p + vec2(16.0, -8.0);
    let mut bg = Rect::from_min_size(at, galley.size()).expand(2.0);
    for _ in 0..6 {
        match labels.iter().find(|r| r.intersects(bg)) {
            Some(other) => {
                let dy = other.bottom() - bg.top() + 1.0;
                at.y += dy;
                bg = bg.translate(vec2(0.0, dy));
            }
            None => break,
        }
    }
    labels.push(bg);
    if (at.y - (p.y - 8.0)).abs() > 1.0 {
        painter.line_segment(
            [p, pos2(bg.left(), bg.center().y)],
            Stroke::new(1.0, Color32::from_rgba_unmultiplied(40, 40, 40, 160)),
        );
    }
    painter.rect_filled(bg, 3.0, Color32::from_rgba_unmultiplied(255, 255, 255, 210));
    painter.galley(at, galley, Color32::BLACK);
}

/// The right-click menu: the point, every layer's entries, "fly here" for the selected
/// aircraft, and copying the coordinates.
fn context_menu(
    ui: &mut egui::Ui,
    input: &MapInput<'_>,
    at: Option<GeoPoint>,
    layers: &mut [&mut dyn MapLayer],
    actions: &mut Actions,
) {
    let cx = input.cx;
    let tr = cx.tr;
    let Some(at) = at else {
        ui.close();
        return;
    };
    ui.label(egui::RichText::new(format!("{:.6}, {:.6}", at.lat, at.lon)).monospace());
    for layer in layers.iter_mut() {
        layer.context_menu(ui, at, cx, actions);
    }
    let (alt, unit) = cx.settings.units.altitude(cx.settings.takeoff_alt_m);
    let mut targets: Vec<u8> = cx.selection.checked.iter().copied().collect();
    if targets.is_empty() {
        targets.extend(cx.selection.primary);
    }
    if targets.is_empty() {
        ui.label(tr.s(S::SelectAircraftFirst));
        return;
    }
    let names: Vec<String> = targets.iter().map(|s| cx.callsign(*s)).collect();
    let text = tr.f(
        S::FlyHereFmt,
        &[&names.join(", "), &format!("{alt:.0} {unit}")],
    );
    if ui.button(text).clicked() {
        // Airborne aircraft keep their altitude; on the ground they go to the take-off one.
        let alt_rel_m = cx
            .view
            .fleet
            .get(targets[0])
            .map(|a| a.alt_rel_m)
            .filter(|alt| *alt > AIRBORNE_M)
            .unwrap_or(cx.settings.takeoff_alt_m);
        actions.pilot(
            targets,
            PilotAction::Goto {
                lat: at.lat,
                lon: at.lon,
                alt_rel_m,
            },
        );
        ui.close();
    }
    if ui.button(tr.s(S::CopyCoordinates)).clicked() {
        ui.ctx().copy_text(format!("{:.7}, {:.7}", at.lat, at.lon));
        ui.close();
    }
}

/// What the pilot pressed on the map's toolbar.
#[derive(Debug, Default)]
struct Toolbar {
    zoom_in: bool,
    zoom_out: bool,
    follow: Option<Follow>,
}

/// Zoom buttons and the follow switches, top left of the map.
fn map_toolbar(ui: &mut egui::Ui, rect: Rect, input: &MapInput<'_>, now: Follow) -> Toolbar {
    let tr = input.cx.tr;
    let area = Rect::from_min_size(rect.min + vec2(8.0, 8.0), vec2(rect.width() - 200.0, 28.0));
    let mut t = Toolbar::default();
    ui.scope_builder(UiBuilder::new().max_rect(area), |ui| {
        ui.horizontal(|ui| {
            t.zoom_in = ui.button("+").on_hover_text(tr.s(S::ZoomIn)).clicked();
            t.zoom_out = ui.button("−").on_hover_text(tr.s(S::ZoomOut)).clicked();
            if ui
                .add_enabled(
                    input.cx.selection.primary.is_some(),
                    egui::Button::new(tr.s(S::FollowSelected)).selected(now == Follow::Selected),
                )
                .clicked()
            {
                t.follow = Some(Follow::Selected);
            }
            if ui
                .add(egui::Button::new(tr.s(S::FollowFleet)).selected(now == Follow::Fleet))
                .clicked()
            {
                t.follow = Some(Follow::Fleet);
            }
        });
    });
    t
}

/// A bar of a round length (1, 2 or 5 × 10ⁿ metres) about 100 points long, bottom left.
fn draw_scale_bar(painter: &egui::Painter, projector: &Projector, rect: Rect, units: Units) {
    let centre = projector.unproject(rect.center().to_vec2());
    let px_per_m = projector.scale_pixel_per_meter(centre);
    if !(px_per_m.is_finite() && px_per_m > 0.0) {
        return;
    }
    let metres = nice_length(100.0 / px_per_m as f64);
    let len = (metres * px_per_m as f64) as f32;
    let y = rect.bottom() - 14.0;
    let x0 = rect.left() + 12.0;
    let stroke = Stroke::new(2.0, Color32::from_gray(20));
    let bg = Rect::from_min_max(pos2(x0 - 6.0, y - 18.0), pos2(x0 + len + 6.0, y + 6.0));
    painter.rect_filled(bg, 3.0, Color32::from_rgba_unmultiplied(255, 255, 255, 190));
    painter.line_segment([pos2(x0, y), pos2(x0 + len, y)], stroke);
    painter.line_segment([pos2(x0, y - 5.0), pos2(x0, y + 3.0)], stroke);
    painter.line_segment([pos2(x0 + len, y - 5.0), pos2(x0 + len, y + 3.0)], stroke);
    painter.text(
        pos2(x0 + len / 2.0, y - 4.0),
        Align2::CENTER_BOTTOM,
        units.distance(metres),
        FontId::proportional(11.0),
        Color32::from_gray(20),
    );
}

/// The largest 1, 2 or 5 × 10ⁿ not above `m`.
pub fn nice_length(m: f64) -> f64 {
    if !(m.is_finite() && m > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(m.log10().floor());
    for f in [5.0, 2.0, 1.0] {
        if f * p <= m {
            return f * p;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_length(130.0), 100.0);
        assert_eq!(nice_length(260.0), 200.0);
        assert_eq!(nice_length(7.3), 5.0);
        assert_eq!(nice_length(0.0), 1.0);
    }

    #[test]
    fn routes_skip_home_and_commands() {
        let mut items = vec![MissionItem::waypoint(36.0, 116.0, 0.0)];
        items.push(MissionItem::waypoint(36.1, 116.1, 50.0));
        let mut jump = MissionItem::nav(kestrel_core::plan::mission::cmd::DO_JUMP, 0.0, 0.0, 0.0);
        jump.frame = kestrel_core::plan::mission::frame::MISSION;
        items.push(jump);
        let r = route_points(&items);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 1);
    }
}
