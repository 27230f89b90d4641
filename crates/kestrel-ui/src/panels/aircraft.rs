//! The selected aircraft: attitude indicator, altitude and speed tapes, battery, GPS, link, mode
//! selector, mission progress, the pilot's commands with their results, and plots of altitude,
//! speed and battery over the last minutes.

use eframe::egui::{self, RichText};
use egui_plot::{Line, Plot};

use crate::context::{Actions, ViewCtx};
use crate::i18n::S;
use crate::theme;
use crate::widgets::{attitude::attitude_indicator, tape::tape};
use kestrel_core::fleet::Aircraft;
use kestrel_core::protocol::PilotAction;

use super::fleet::{fix_name, link_word};
use crate::commands::{action_name, outcome_text};

/// Modes offered in the selector (the ones a patrol pilot uses).
const SELECTABLE_MODES: &[u32] = &[0, 2, 5, 16, 4, 3, 6, 21, 9, 17];
/// Plots show this much history, seconds.
const PLOT_WINDOW_S: f64 = 300.0;

/// Rows other features add to the aircraft's details (e.g. signing).
pub type ExtraRows<'a> = dyn FnMut(&mut egui::Ui, &Aircraft, &mut Actions) + 'a;

/// The selected aircraft's panel on the right of the window.
#[derive(Debug, Default)]
pub struct AircraftPanel;

impl AircraftPanel {
    /// Draws the panel of the selected aircraft (or a hint to select one); `extra` adds the
    /// rows of other features to its details.
    pub fn show(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCtx,
        actions: &mut Actions,
        extra: &mut ExtraRows<'_>,
    ) {
        let tr = cx.tr;
        let Some(a) = cx.primary() else {
            ui.add_space(30.0);
            ui.vertical_centered(|ui| ui.label(tr.s(S::SelectAircraftHint)));
            return;
        };
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                header(ui, a, cx);
                ui.separator();
                instruments(ui, a, cx);
                ui.separator();
                details(ui, a, cx, actions, extra);
                ui.separator();
                commands(ui, a, cx, actions);
                ui.separator();
                plots(ui, a, cx);
            });
    }
}

fn header(ui: &mut egui::Ui, a: &Aircraft, cx: &ViewCtx) {
    let tr = cx.tr;
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
        ui.painter()
            .rect_filled(r, 3.0, theme::team_colour(a.sysid));
        ui.heading(cx.callsign(a.sysid));
        ui.label(RichText::new(tr.f(S::SysidFmt, &[&a.sysid])).weak());
    });
    ui.horizontal(|ui| {
        ui.label(RichText::new(a.mode_name()).strong().size(16.0));
        if a.armed {
            ui.label(RichText::new(tr.s(S::Armed)).color(theme::BAD).strong());
        } else {
            ui.label(tr.s(S::Disarmed));
        }
        let state = a.link_state(cx.view.fleet.taken_at);
        ui.label(RichText::new(link_word(tr, state)).color(theme::link_colour(state)));
    });
}

fn instruments(ui: &mut egui::Ui, a: &Aircraft, cx: &ViewCtx) {
    let tr = cx.tr;
    let units = cx.settings.units;
    ui.horizontal(|ui| {
        let (alt, alt_unit) = units.altitude(a.alt_rel_m);
        let (spd, spd_unit) = units.speed(a.ground_speed_ms);
        tape(
            ui,
            egui::vec2(54.0, 140.0),
            spd,
            5.0,
            &format!("{} {spd_unit}", tr.s(S::SpeedShort)),
        );
        attitude_indicator(ui, 140.0, a.attitude_deg[0], a.attitude_deg[1]);
        tape(
            ui,
            egui::vec2(58.0, 140.0),
            alt,
            10.0,
            &format!("{} {alt_unit}", tr.s(S::AltShort)),
        );
    });
    ui.label(
        RichText::new(tr.f(
            S::AttitudeFmt,
            &[
                &format!("{:.0}", a.attitude_deg[0]),
                &format!("{:.0}", a.attitude_deg[1]),
                &format!("{:03.0}", a.heading_deg),
            ],
        ))
        .monospace()
        .small(),
    );
}

fn details(
    ui: &mut egui::Ui,
    a: &Aircraft,
    cx: &ViewCtx,
    actions: &mut Actions,
    extra: &mut ExtraRows<'_>,
) {
    let tr = cx.tr;
    let units = cx.settings.units;
    let now = cx.view.fleet.taken_at;
    let t = cx.settings.alert_thresholds;
    egui::Grid::new("aircraft-details")
        .num_columns(2)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            let (alt, u) = units.altitude(a.alt_rel_m);
            let (amsl, _) = units.altitude(a.alt_amsl_m);
            ui.label(tr.s(S::Altitude));
            ui.label(tr.f(
                S::AltitudeFmt,
                &[&format!("{alt:.1} {u}"), &format!("{amsl:.0} {u}")],
            ));
            ui.end_row();
            let (spd, su) = units.speed(a.ground_speed_ms);
            let (climb, _) = units.speed(a.climb_ms);
            ui.label(tr.s(S::Speed));
            ui.label(tr.f(
                S::SpeedFmt,
                &[&format!("{spd:.1} {su}"), &format!("{climb:+.1}")],
            ));
            ui.end_row();
            ui.label(tr.s(S::Battery));
            match a.battery.percent {
                Some(p) => {
                    let mut parts = vec![format!("{p:.0}%")];
                    if let Some(v) = a.battery.voltage_v {
                        parts.push(format!("{v:.1} V"));
                    }
                    if let Some(c) = a.battery.current_a {
                        parts.push(format!("{c:.1} A"));
                    }
                    if let Some(m) = a.battery.minutes_left {
                        parts.push(tr.f(S::MinutesLeftFmt, &[&format!("{m:.0}")]));
                    }
                    ui.label(
                        RichText::new(parts.join(" · "))
                            .color(theme::battery_colour(t.battery_level(p))),
                    );
                }
                None => {
                    ui.label("—");
                }
            }
            ui.end_row();
            ui.label(tr.s(S::Gps));
            let hdop = a
                .gps
                .hdop
                .map(|h| format!(" · HDOP {h:.1}"))
                .unwrap_or_default();
            ui.label(format!(
                "{} · {}{hdop}",
                fix_name(tr, a.gps.fix_type),
                tr.f(S::SatellitesFmt, &[&a.gps.satellites])
            ));
            ui.end_row();
            ui.label(tr.s(S::Link));
            match a.best_link(now) {
                Some(l) => {
                    let state = l.state(now);
                    let age = l
                        .heartbeat_age(now)
                        .map(|d| format!("{:.1}", d.as_secs_f32()))
                        .unwrap_or_else(|| "—".into());
                    ui.label(
                        RichText::new(tr.f(
                            S::LinkDetailFmt,
                            &[
                                &link_word(tr, state),
                                &format!("{:.0}", l.msg_rate_hz),
                                &format!("{:.0}", l.loss * 100.0),
                                &age,
                            ],
                        ))
                        .color(theme::link_colour(state)),
                    );
                }
                None => {
                    ui.label("—");
                }
            }
            ui.end_row();
            extra(ui, a, actions);
            ui.label(tr.s(S::Mission));
            let mission = match (a.mission_current, a.mission_total) {
                (Some(c), Some(t)) => tr.f(S::MissionItemFmt, &[&c, &t]),
                (Some(c), None) => tr.f(S::MissionItemOnlyFmt, &[&c]),
                _ => tr.s(S::NoMission).to_string(),
            };
            ui.label(mission);
            ui.end_row();
            if let Some(h) = a.home {
                ui.label(tr.s(S::Home));
                ui.label(
                    RichText::new(format!("{:.5}, {:.5}", h.position.lat, h.position.lon))
                        .monospace(),
                );
                ui.end_row();
            }
        });
}

fn commands(ui: &mut egui::Ui, a: &Aircraft, cx: &ViewCtx, actions: &mut Actions) {
    // A crew seat that does not command the aircraft has no flight controls (the core refuses
    // them too).
    let may_fly = cx.view.seat.may_fly(a.sysid);
    if !may_fly {
        ui.label(RichText::new(crate::panels::seat::no_flight_controls(cx.tr)).weak());
    }
    ui.add_enabled_ui(may_fly, |ui| flight_controls(ui, a, cx, actions));
}

fn flight_controls(ui: &mut egui::Ui, a: &Aircraft, cx: &ViewCtx, actions: &mut Actions) {
    let tr = cx.tr;
    let sysid = a.sysid;
    ui.horizontal(|ui| {
        let mut chosen = None;
        egui::ComboBox::new("mode-selector", tr.s(S::FlightMode))
            .selected_text(a.mode_name())
            .show_ui(ui, |ui| {
                for m in SELECTABLE_MODES {
                    let name = kestrel_core::fleet::modes::copter_mode_name(*m);
                    if ui.selectable_label(a.custom_mode == *m, name).clicked() {
                        chosen = Some(*m);
                    }
                }
            });
        if let Some(m) = chosen {
            if m != a.custom_mode {
                actions.pilot(vec![sysid], PilotAction::SetMode { custom_mode: m });
            }
        }
    });
    ui.add_space(4.0);
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        if a.armed {
            if ui.button(tr.s(S::Disarm)).clicked() {
                action = Some(PilotAction::Disarm);
            }
        } else if ui.button(tr.s(S::Arm)).clicked() {
            action = Some(PilotAction::Arm);
        }
        if ui.button(tr.s(S::Takeoff)).clicked() {
            action = Some(PilotAction::Takeoff {
                alt_m: cx.settings.takeoff_alt_m,
            });
        }
        let (_, unit) = cx.settings.units.altitude(1.0);
        let mut alt = cx.settings.takeoff_alt_m;
        let r = ui
            .add(
                egui::DragValue::new(&mut alt)
                    .range(2.0..=500.0)
                    .speed(1.0)
                    .suffix(" m"),
            )
            .on_hover_text(tr.f(S::TakeoffAltHintFmt, &[&unit]));
        if r.changed() {
            actions.settings(move |s| s.takeoff_alt_m = alt);
        }
    });
    ui.horizontal_wrapped(|ui| {
        if ui.button(tr.s(S::Rtl)).clicked() {
            action = Some(PilotAction::ReturnToLaunch);
        }
        if ui.button(tr.s(S::Land)).clicked() {
            action = Some(PilotAction::Land);
        }
        if ui.button(tr.s(S::Hold)).clicked() {
            action = Some(PilotAction::Hold);
        }
        if ui.button(tr.s(S::ResumeMission)).clicked() {
            action = Some(PilotAction::ResumeMission);
        }
    });
    ui.label(RichText::new(tr.s(S::FlyHereHint)).weak().small());
    if let Some(act) = action {
        actions.pilot(vec![sysid], act);
    }
    // What happened to the last commands for this aircraft.
    for s in cx.commands.sending_to(sysid) {
        ui.label(RichText::new(tr.f(S::SendingFmt, &[&action_name(tr, s)])).italics());
    }
    if let Some(r) = cx.commands.last_report(sysid) {
        let (ok, text) = outcome_text(tr, r);
        let colour = if ok { theme::GOOD } else { theme::BAD };
        ui.label(
            RichText::new(format!("{}: {text}", action_name(tr, &r.action)))
                .color(colour)
                .strong(),
        );
    }
}

fn plots(ui: &mut egui::Ui, a: &Aircraft, cx: &ViewCtx) {
    let tr = cx.tr;
    let units = cx.settings.units;
    let sysid = a.sysid;
    let (alt, speed, battery, span) = cx.core.with_history(|h| {
        let Some(hist) = h.get(sysid) else {
            return (Vec::new(), Vec::new(), Vec::new(), 0.0);
        };
        let Some(last) = hist.last() else {
            return (Vec::new(), Vec::new(), Vec::new(), 0.0);
        };
        let now = last.t;
        let mut alt = Vec::new();
        let mut speed = Vec::new();
        let mut battery = Vec::new();
        for s in hist.since(now, PLOT_WINDOW_S) {
            let x = s.t - now;
            alt.push([x, f64::from(units.altitude(s.alt_rel_m).0)]);
            speed.push([x, f64::from(units.speed(s.speed_ms).0)]);
            if s.battery_pct.is_finite() {
                battery.push([x, f64::from(s.battery_pct)]);
            }
        }
        let span = alt.first().map(|p: &[f64; 2]| -p[0]).unwrap_or(0.0);
        (alt, speed, battery, span)
    });
    // Show the history there is, from one minute up to the whole window.
    let window = span.clamp(60.0, PLOT_WINDOW_S);
    let colour = theme::team_colour(sysid);
    let (_, alt_unit) = units.altitude(1.0);
    let (_, spd_unit) = units.speed(1.0);
    for (id, title, points, fixed) in [
        (
            "plot-alt",
            format!("{} ({alt_unit})", tr.s(S::Altitude)),
            alt,
            None,
        ),
        (
            "plot-speed",
            format!("{} ({spd_unit})", tr.s(S::Speed)),
            speed,
            None,
        ),
        (
            "plot-battery",
            format!("{} (%)", tr.s(S::Battery)),
            battery,
            Some((0.0, 100.0)),
        ),
    ] {
        ui.label(RichText::new(title.as_str()).small().strong());
        let mut plot = Plot::new(id)
            .height(70.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .show_x(false)
            .show_y(false)
            .include_x(-window)
            .include_x(0.0)
            .y_axis_min_width(28.0)
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [10.0, 30.0, 60.0]))
            .x_axis_formatter(|mark, _| format!("{:.0} s", mark.value));
        if let Some((lo, hi)) = fixed {
            plot = plot.include_y(lo).include_y(hi);
        } else {
            plot = plot.include_y(0.0);
        }
        plot.show(ui, |p| {
            p.line(Line::new(title.clone(), points).stroke(egui::Stroke::new(1.5, colour)));
        });
    }
    ui.label(RichText::new(tr.s(S::PlotWindowHint)).weak().small());
}
