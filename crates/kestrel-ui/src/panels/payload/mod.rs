//! The payload operator's panel: a camera window for the selected aircraft (gimbal slew, look
//! down / ahead, zoom, stills, recording, tracking, who controls the gimbal, with a warning
//! before taking it from a running mission) with keyboard shortcuts, a "Camera" row in the
//! aircraft panel, and on the map every camera's live ground footprint and "Point camera here"
//! in the right-click menu. Everything is asked of the core's payload service.

mod strings;

use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText, Stroke};

use crate::context::{Action, Actions, ViewCtx};
use crate::panel::{MapCanvas, MapLayer, Panel};
use kestrel_core::console::{Event, PayloadEntry, PayloadEvent, PayloadIntent};
use kestrel_core::fleet::{Aircraft, YawFrame};
use kestrel_core::geo::GeoPoint;
use kestrel_core::payload::{CameraRequest, GimbalRequest, Zoom};
use strings::S;

/// How far one press of a slew button or arrow key turns the gimbal, degrees.
const SLEW_STEP_DEG: f64 = 10.0;
/// How much one zoom press changes the zoom, % of its range.
const ZOOM_STEP_PCT: f64 = 10.0;
/// How long the last outcome stays in the window.
const OUTCOME_KEEP: Duration = Duration::from_secs(20);

/// The payload operator's controls.
#[derive(Debug, Default)]
pub struct PayloadPanel {
    /// The camera window is open.
    pub open: bool,
    /// The last outcome, in words, with whether it went well.
    last: Option<(Instant, String, bool)>,
    /// Taking control from this aircraft's mission waits for a confirmation.
    confirm_take: Option<u8>,
}

fn fmt1(v: f64) -> String {
    format!("{v:.1}")
}

/// The request that turns the gimbal by (`dp`, `dy`) degrees from where it points now.
pub fn slew(entry: Option<&PayloadEntry>, dp: f64, dy: f64) -> Option<GimbalRequest> {
    let s = &entry?.state;
    let g = s.gimbal?;
    let a = s.attitude?;
    let wrap = |y: f64| (y + 180.0).rem_euclid(360.0) - 180.0;
    Some(GimbalRequest::Point {
        pitch_deg: (a.pitch_deg + dp).clamp(g.pitch_min_deg, g.pitch_max_deg),
        yaw_deg: wrap(a.yaw_deg + dy).clamp(g.yaw_min_deg, g.yaw_max_deg),
        earth: a.yaw_frame == YawFrame::Earth,
    })
}

/// The request that zooms by `dpct` % of the range from the present zoom.
pub fn zoom_by(entry: Option<&PayloadEntry>, dpct: f64) -> CameraRequest {
    let now = entry.and_then(|e| e.state.zoom_pct).unwrap_or(0.0);
    CameraRequest::Zoom(Zoom::Range {
        pct: (now + dpct).clamp(0.0, 100.0),
    })
}

impl PayloadPanel {
    fn summary(entry: Option<&PayloadEntry>, cx: &ViewCtx) -> Vec<(String, Option<Color32>)> {
        let tr = cx.tr;
        let Some(e) = entry else {
            return vec![(tr.s(S::Discovering).to_string(), None)];
        };
        let s = &e.state;
        let mut lines = Vec::new();
        match (s.gimbal, s.attitude) {
            (Some(_), Some(a)) => lines.push((
                tr.f(S::GimbalFmt, &[&fmt1(a.pitch_deg), &fmt1(a.yaw_deg)]),
                None,
            )),
            (None, _) => lines.push((tr.s(S::NoGimbal).to_string(), None)),
            _ => {}
        }
        if s.camera.is_none() {
            lines.push((tr.s(S::NoCamera).to_string(), None));
        } else {
            let hfov = s.fov.map_or("?".to_string(), |f| fmt1(f.hfov_deg));
            let zoom = s.zoom_pct.map_or("?".to_string(), |z| format!("{z:.0}"));
            lines.push((tr.f(S::ZoomFmt, &[&zoom, &hfov]), None));
            if s.recording == Some(true) {
                lines.push((tr.s(S::Recording).to_string(), Some(Color32::RED)));
            }
            if let Some(n) = s.image_count {
                lines.push((tr.f(S::StillsFmt, &[&n]), None));
            }
            match s.tracking {
                Some(t) if t.active => {
                    lines.push((tr.s(S::Tracking).to_string(), Some(crate::theme::GOOD)))
                }
                Some(t) if t.lost => {
                    lines.push((tr.s(S::TrackingLost).to_string(), Some(crate::theme::BAD)))
                }
                _ if !s.reports_tracking => {
                    lines.push((tr.s(S::NoTrackingReport).to_string(), None))
                }
                _ => {}
            }
        }
        if let Some(c) = s.control {
            let who = if e.we_control {
                tr.s(S::ControlledByUs).to_string()
            } else if e.mission_controls {
                tr.s(S::ControlledByMission).to_string()
            } else if c.primary_sysid == 0 {
                tr.s(S::ControlledByNobody).to_string()
            } else {
                tr.f(
                    S::ControlledFmt,
                    &[&format!("{}/{}", c.primary_sysid, c.primary_compid)],
                )
            };
            lines.push((who, None));
        }
        lines
    }

    fn take_control(&mut self, sysid: u8, entry: Option<&PayloadEntry>, actions: &mut Actions) {
        if entry.is_some_and(|e| e.mission_controls) {
            self.confirm_take = Some(sysid);
        } else {
            actions.send(PayloadIntent::Gimbal(sysid, GimbalRequest::TakeControl));
        }
    }

    /// Keyboard shortcuts while the camera window is open and no text field has the keyboard.
    fn keys(
        &mut self,
        ctx: &egui::Context,
        sysid: u8,
        entry: Option<&PayloadEntry>,
        actions: &mut Actions,
    ) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        use egui::{Key, Modifiers};
        let press = |k: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, k));
        let moves = [
            (Key::ArrowUp, SLEW_STEP_DEG, 0.0),
            (Key::ArrowDown, -SLEW_STEP_DEG, 0.0),
            (Key::ArrowLeft, 0.0, -SLEW_STEP_DEG),
            (Key::ArrowRight, 0.0, SLEW_STEP_DEG),
        ];
        for (k, dp, dy) in moves {
            if press(k) {
                if let Some(r) = slew(entry, dp, dy) {
                    actions.send(PayloadIntent::Gimbal(sysid, r));
                }
            }
        }
        if press(Key::Plus) || press(Key::Equals) {
            actions.send(PayloadIntent::Camera(sysid, zoom_by(entry, ZOOM_STEP_PCT)));
        }
        if press(Key::Minus) {
            actions.send(PayloadIntent::Camera(sysid, zoom_by(entry, -ZOOM_STEP_PCT)));
        }
        if press(Key::C) {
            actions.send(PayloadIntent::Camera(sysid, CameraRequest::Capture));
        }
        if press(Key::R) {
            let recording = entry.is_some_and(|e| e.state.recording == Some(true));
            let r = if recording {
                CameraRequest::RecordStop
            } else {
                CameraRequest::RecordStart
            };
            actions.send(PayloadIntent::Camera(sysid, r));
        }
        if press(Key::T) {
            actions.send(PayloadIntent::Camera(sysid, track_centre()));
        }
        if press(Key::Escape) {
            actions.send(PayloadIntent::Camera(sysid, CameraRequest::TrackStop));
        }
    }

    fn controls(
        &mut self,
        ui: &mut egui::Ui,
        sysid: u8,
        entry: Option<&PayloadEntry>,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let gimbal = |r: Option<GimbalRequest>, actions: &mut Actions| {
            if let Some(r) = r {
                actions.send(PayloadIntent::Gimbal(sysid, r));
            }
        };
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::Up)).clicked() {
                gimbal(slew(entry, SLEW_STEP_DEG, 0.0), actions);
            }
            if ui.button(tr.s(S::Down)).clicked() {
                gimbal(slew(entry, -SLEW_STEP_DEG, 0.0), actions);
            }
            if ui.button(tr.s(S::Left)).clicked() {
                gimbal(slew(entry, 0.0, -SLEW_STEP_DEG), actions);
            }
            if ui.button(tr.s(S::Right)).clicked() {
                gimbal(slew(entry, 0.0, SLEW_STEP_DEG), actions);
            }
        });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::LookDown)).clicked() {
                gimbal(
                    Some(GimbalRequest::Point {
                        pitch_deg: -90.0,
                        yaw_deg: 0.0,
                        earth: false,
                    }),
                    actions,
                );
            }
            if ui.button(tr.s(S::LookAhead)).clicked() {
                gimbal(
                    Some(GimbalRequest::Point {
                        pitch_deg: 0.0,
                        yaw_deg: 0.0,
                        earth: false,
                    }),
                    actions,
                );
            }
            if ui.button(tr.s(S::RoiClear)).clicked() {
                gimbal(Some(GimbalRequest::RoiClear), actions);
            }
        });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::ZoomOut)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, zoom_by(entry, -ZOOM_STEP_PCT)));
            }
            if ui.button(tr.s(S::ZoomIn)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, zoom_by(entry, ZOOM_STEP_PCT)));
            }
            if ui.button(tr.s(S::Capture)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, CameraRequest::Capture));
            }
            let recording = entry.is_some_and(|e| e.state.recording == Some(true));
            let (label, r) = if recording {
                (S::RecordStop, CameraRequest::RecordStop)
            } else {
                (S::RecordStart, CameraRequest::RecordStart)
            };
            if ui.button(tr.s(label)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, r));
            }
        });
        ui.horizontal(|ui| {
            if ui.button(tr.s(S::TrackCentre)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, track_centre()));
            }
            if ui.button(tr.s(S::TrackStop)).clicked() {
                actions.send(PayloadIntent::Camera(sysid, CameraRequest::TrackStop));
            }
            let ours = entry.is_some_and(|e| e.we_control);
            if !ours && ui.button(tr.s(S::TakeControl)).clicked() {
                self.take_control(sysid, entry, actions);
            }
            if ours && ui.button(tr.s(S::Release)).clicked() {
                actions.send(PayloadIntent::Gimbal(sysid, GimbalRequest::Release));
            }
        });
    }
}

/// The aircraft panel's Camera row: pitch/yaw, zoom and field of view, recording.
pub fn row_text(entry: Option<&PayloadEntry>) -> String {
    let Some(s) = entry.map(|e| &e.state) else {
        return "—".into();
    };
    let mut parts = Vec::new();
    if let Some(a) = s.attitude {
        parts.push(format!("{:.0}° / {:.0}°", a.pitch_deg, a.yaw_deg));
    }
    if let Some(z) = s.zoom_pct {
        parts.push(format!("{z:.0} %"));
    }
    if let Some(f) = s.fov {
        parts.push(format!("{:.1}°", f.hfov_deg));
    }
    if s.recording == Some(true) {
        parts.push("● REC".into());
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(" · ")
    }
}

/// Track what is in the centre of the picture.
fn track_centre() -> CameraRequest {
    CameraRequest::Track {
        x: 0.5,
        y: 0.5,
        w: 0.0,
        h: 0.0,
    }
}

impl Panel for PayloadPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        let Event::Payload(e) = event else {
            return;
        };
        let (text, ok) = match e {
            PayloadEvent::Done(o) => {
                let mut t = format!("{}: {}: {}", cx.callsign(o.sysid), o.request, o.outcome);
                if let Some(n) = &o.note {
                    t.push_str("; ");
                    t.push_str(n);
                }
                (t, o.outcome.is_accepted())
            }
            PayloadEvent::Refused {
                sysid,
                request,
                reason,
            } => (
                cx.tr
                    .f(S::RefusedFmt, &[&cx.callsign(*sysid), request, reason]),
                false,
            ),
        };
        if !ok {
            actions.push(Action::Notice(text.clone()));
        }
        self.last = Some((Instant::now(), text, ok));
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        if ui
            .selectable_label(self.open, cx.tr.s(S::CameraControl))
            .clicked()
        {
            self.open = !self.open;
        }
    }

    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        aircraft: &Aircraft,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let entry = cx.view.payload.get(aircraft.sysid);
        ui.label(cx.tr.s(S::Camera));
        // One short line, so the panel's buttons below never move as the payload reports.
        ui.label(row_text(entry));
        ui.end_row();
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if let Some(sysid) = self.confirm_take {
            let mut close = false;
            egui::Window::new(cx.tr.s(S::TakeControl))
                .collapsible(false)
                .resizable(false)
                .show(ctx, |ui| {
                    ui.label(cx.tr.f(S::TakeFromMissionFmt, &[&cx.callsign(sysid)]));
                    ui.horizontal(|ui| {
                        if ui.button(cx.tr.s(S::Confirm)).clicked() {
                            actions.send(PayloadIntent::Gimbal(sysid, GimbalRequest::TakeControl));
                            close = true;
                        }
                        if ui.button(cx.tr.s(S::Cancel)).clicked() {
                            close = true;
                        }
                    });
                });
            if close {
                self.confirm_take = None;
            }
        }
        if !self.open {
            return;
        }
        let primary = cx.selection.primary;
        let mut open = self.open;
        let title = match primary {
            Some(s) => cx.tr.f(S::CameraWindowFmt, &[&cx.callsign(s)]),
            None => cx.tr.s(S::Camera).to_string(),
        };
        egui::Window::new(title)
            .id(egui::Id::unique("payload-camera"))
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| {
                let Some(sysid) = primary else {
                    ui.label(cx.tr.s(S::NoAircraft));
                    return;
                };
                let entry = cx.view.payload.get(sysid);
                for (line, colour) in Self::summary(entry, cx) {
                    match colour {
                        Some(c) => ui.label(RichText::new(line).color(c)),
                        None => ui.label(line),
                    };
                }
                ui.separator();
                self.controls(ui, sysid, entry, cx, actions);
                ui.separator();
                ui.label(RichText::new(cx.tr.s(S::Shortcuts)).small().weak());
                if let Some((at, text, ok)) = &self.last {
                    if at.elapsed() < OUTCOME_KEEP {
                        let c = if *ok {
                            crate::theme::GOOD
                        } else {
                            crate::theme::BAD
                        };
                        ui.label(RichText::new(text).color(c));
                    }
                }
            });
        self.open = open;
        if let Some(sysid) = primary.filter(|_| self.open) {
            let entry = cx.view.payload.get(sysid);
            self.keys(ctx, sysid, entry, actions);
        }
    }
}

impl MapLayer for PayloadPanel {
    fn draw_above_routes(&mut self, painter: &egui::Painter, canvas: &MapCanvas<'_>, cx: &ViewCtx) {
        for (sysid, e) in cx.view.payload.aircraft.iter() {
            let Some(f) = e.footprint else {
                continue;
            };
            let selected = cx.selection.primary == Some(*sysid);
            let colour = if selected {
                Color32::from_rgb(255, 210, 60)
            } else {
                Color32::from_rgb(120, 200, 255)
            };
            let pts: Vec<egui::Pos2> = f.corners.iter().map(|p| canvas.screen(*p)).collect();
            painter.add(egui::Shape::convex_polygon(
                pts,
                colour.gamma_multiply(if selected { 0.18 } else { 0.08 }),
                Stroke::new(if selected { 2.0 } else { 1.0 }, colour),
            ));
            if let Some(c) = f.centre {
                let p = canvas.screen(c);
                painter.line_segment(
                    [p - egui::vec2(5.0, 0.0), p + egui::vec2(5.0, 0.0)],
                    Stroke::new(1.5, colour),
                );
                painter.line_segment(
                    [p - egui::vec2(0.0, 5.0), p + egui::vec2(0.0, 5.0)],
                    Stroke::new(1.5, colour),
                );
            }
        }
    }

    fn context_menu(
        &mut self,
        ui: &mut egui::Ui,
        at: GeoPoint,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let Some(sysid) = cx.selection.primary else {
            return;
        };
        if cx
            .view
            .payload
            .get(sysid)
            .is_some_and(|e| e.state.gimbal.is_none())
        {
            return;
        }
        if ui
            .button(cx.tr.f(S::PointHereFmt, &[&cx.callsign(sysid)]))
            .clicked()
        {
            actions.send(PayloadIntent::Gimbal(
                sysid,
                GimbalRequest::Roi {
                    lat: at.lat,
                    lon: at.lon,
                    alt_m: 0.0,
                },
            ));
            ui.close();
        }
    }
}
