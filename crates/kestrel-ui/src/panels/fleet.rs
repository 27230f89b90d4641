//! The fleet panel: one row per aircraft — team, mode, armed, battery with minutes left, GPS, link
//! quality, alerts — the most urgent first; tick several to return or hold them all at once.

use std::collections::HashMap;

use eframe::egui::{self, Color32, RichText};
use egui_extras::{Column, TableBuilder};

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::{Tr, S};
use crate::theme;
use kestrel_core::alerts::Severity;
use kestrel_core::fleet::{Aircraft, LinkState};
use kestrel_core::protocol::PilotAction;

/// Row height of the fleet table, points.
const ROW_HEIGHT: f32 = 22.0;

/// How urgently an aircraft needs the pilot: higher first.
fn urgency(
    a: &Aircraft,
    alert: Option<Severity>,
    now: std::time::Instant,
    low: f32,
) -> (u8, u8, u8) {
    let alert_rank = match alert {
        Some(Severity::Critical) => 3,
        Some(Severity::Warning) => 2,
        Some(Severity::Info) => 1,
        None => 0,
    };
    let link_rank = a.link_state(now).rank();
    let battery = a.battery.percent.map(|p| u8::from(p <= low)).unwrap_or(0);
    (alert_rank, link_rank, battery)
}

/// GPS fix type as pilots say it.
pub fn fix_name(tr: Tr, fix: u8) -> String {
    match fix {
        0 | 1 => tr.s(S::GpsNoFix).to_string(),
        2 => "2D".into(),
        3 => "3D".into(),
        4 => "DGPS".into(),
        5 => "RTK float".into(),
        _ => "RTK".into(),
    }
}

/// The link state's word.
pub fn link_word(tr: Tr, s: LinkState) -> &'static str {
    match s {
        LinkState::Connected => tr.s(S::LinkConnected),
        LinkState::Degraded => tr.s(S::LinkDegraded),
        LinkState::Lost => tr.s(S::LinkLost),
    }
}

/// The fleet list on the left of the window.
#[derive(Debug, Default)]
pub struct FleetPanel;

impl FleetPanel {
    /// The sysids in the order the table shows them: the most urgent first.
    pub fn order(cx: &ViewCtx) -> Vec<u8> {
        let now = cx.view.fleet.taken_at;
        let low = cx.settings.alert_thresholds.low_battery_pct;
        let mut rows: Vec<(&Aircraft, (u8, u8, u8))> = cx
            .view
            .fleet
            .aircraft
            .iter()
            .map(|a| {
                let u = urgency(a, cx.alerts.alerting.get(&a.sysid).copied(), now, low);
                (a.as_ref(), u)
            })
            .collect();
        rows.sort_by(|(a, ua), (b, ub)| ub.cmp(ua).then(a.sysid.cmp(&b.sysid)));
        rows.into_iter().map(|(a, _)| a.sysid).collect()
    }

    /// Draws the list.
    pub fn show(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let order = Self::order(cx);
        ui.horizontal(|ui| {
            ui.heading(tr.s(S::Fleet));
            ui.label(format!("({})", order.len()));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button(tr.s(S::ClearSelection)).clicked() {
                    actions.push(Action::Check(Default::default()));
                }
                if ui.small_button(tr.s(S::SelectAll)).clicked() {
                    actions.push(Action::Check(order.iter().copied().collect()));
                }
            });
        });
        let n = cx.selection.checked.len();
        ui.horizontal(|ui| {
            ui.label(tr.f(S::CheckedFmt, &[&n]));
            let enabled = n > 0;
            let targets: Vec<u8> = cx.selection.checked.iter().copied().collect();
            if ui
                .add_enabled(enabled, egui::Button::new(tr.s(S::RtlChecked)))
                .clicked()
            {
                actions.pilot(targets.clone(), PilotAction::ReturnToLaunch);
            }
            if ui
                .add_enabled(enabled, egui::Button::new(tr.s(S::HoldChecked)))
                .clicked()
            {
                actions.pilot(targets, PilotAction::Hold);
            }
        });
        ui.separator();
        if order.is_empty() {
            ui.add_space(20.0);
            ui.label(tr.s(S::NoAircraftYet));
            return;
        }
        table(ui, &order, cx, actions);
    }
}

fn table(ui: &mut egui::Ui, order: &[u8], cx: &ViewCtx, actions: &mut Actions) {
    let tr = cx.tr;
    let view = cx.view;
    let now = view.fleet.taken_at;
    let thresholds = cx.settings.alert_thresholds;
    let alerting = &cx.alerts.alerting;
    let unacked_counts = {
        let mut m: HashMap<u8, usize> = HashMap::new();
        for a in crate::panels::alerts::unacknowledged(cx) {
            *m.entry(a.sysid).or_default() += 1;
        }
        m
    };
    let mut clicked_row: Option<u8> = None;
    let mut toggled: Vec<u8> = Vec::new();
    // A click anywhere on a row, its texts included, selects the aircraft.
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("fleet-table")
        .striped(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(20.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(64.0))
        .column(Column::auto().at_least(34.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(56.0))
        .column(Column::auto().at_least(60.0))
        .column(Column::remainder().at_least(30.0))
        .header(20.0, |mut h| {
            for k in [
                None,
                Some(S::ColTeam),
                Some(S::ColMode),
                Some(S::ColArmed),
                Some(S::ColBattery),
                Some(S::ColGps),
                Some(S::ColLink),
                Some(S::ColAlerts),
            ] {
                h.col(|ui| {
                    if let Some(k) = k {
                        ui.strong(tr.s(k));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, order.len(), |mut row| {
                let sysid = order[row.index()];
                let Some(a) = view.fleet.get(sysid) else {
                    return;
                };
                row.set_selected(cx.selection.primary == Some(sysid));
                let colour = theme::team_colour(sysid);
                row.col(|ui| {
                    let mut on = cx.selection.checked.contains(&sysid);
                    let r = ui.add(egui::Checkbox::without_text(&mut on));
                    let name = format!("{} {}", tr.s(S::Tick), cx.callsign(sysid));
                    r.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::CheckBox, true, on, &name)
                    });
                    if r.changed() {
                        toggled.push(sysid);
                    }
                });
                row.col(|ui| {
                    let (r, _) =
                        ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter().rect_filled(r, 2.0, colour);
                    ui.label(RichText::new(cx.callsign(sysid)).strong());
                });
                row.col(|ui| {
                    ui.label(a.mode_name());
                });
                row.col(|ui| {
                    if a.armed {
                        ui.label(
                            RichText::new(tr.s(S::ArmedShort))
                                .color(theme::BAD)
                                .strong(),
                        );
                    } else {
                        ui.label(RichText::new(tr.s(S::DisarmedShort)).weak());
                    }
                });
                row.col(|ui| match a.battery.percent {
                    Some(p) => {
                        let c = theme::battery_colour(thresholds.battery_level(p));
                        let mins = a
                            .battery
                            .minutes_left
                            .map(|m| format!(" {}", tr.f(S::MinutesFmt, &[&format!("{m:.0}")])))
                            .unwrap_or_default();
                        ui.label(RichText::new(format!("{p:.0}%{mins}")).color(c));
                    }
                    None => {
                        ui.label("—");
                    }
                });
                row.col(|ui| {
                    let ok = a.gps.fix_type >= 3;
                    let text = format!("{} {}", fix_name(tr, a.gps.fix_type), a.gps.satellites);
                    ui.label(RichText::new(text).color(if ok {
                        ui.visuals().text_color()
                    } else {
                        theme::BAD
                    }));
                });
                row.col(|ui| {
                    let state = a.link_state(now);
                    let loss = a.best_link(now).map(|l| l.loss * 100.0).unwrap_or(0.0);
                    let text = if state == LinkState::Connected && loss >= 1.0 {
                        format!("{} {loss:.0}%", link_word(tr, state))
                    } else {
                        link_word(tr, state).to_string()
                    };
                    ui.label(RichText::new(text).color(theme::link_colour(state)));
                });
                row.col(|ui| {
                    let n = unacked_counts.get(&sysid).copied().unwrap_or(0);
                    match alerting.get(&sysid) {
                        Some(sev) if n > 0 => {
                            ui.label(
                                RichText::new(format!("▲ {n}"))
                                    .color(theme::severity_colour(*sev))
                                    .strong(),
                            );
                        }
                        Some(sev) => {
                            ui.label(RichText::new("▲").color(theme::severity_colour(*sev)));
                        }
                        None => {
                            ui.label(RichText::new("—").color(Color32::GRAY));
                        }
                    }
                });
                if row.response().clicked() {
                    clicked_row = Some(sysid);
                }
            });
        });
    for s in toggled {
        actions.push(Action::Toggle(s));
    }
    if let Some(s) = clicked_row {
        actions.push(Action::Select(s));
    }
}
