//! Alerts the pilot cannot miss: a banner across the top, blinking red for critical ones, until
//! each alert is acknowledged; and the time-stamped log of every alert of the session.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use eframe::egui::{self, Color32, RichText};

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::{Tr, S};
use crate::panel::Panel;
use crate::theme;
use kestrel_core::alerts::{Alert, AlertKind, Severity};
use kestrel_core::console::ConsoleView;
use kestrel_core::time::DateTime;

/// An alert in the pilot's language.
pub fn alert_text(tr: Tr, a: &Alert) -> String {
    match &a.kind {
        AlertKind::LinkDegraded => tr.s(S::AlertLinkDegraded).into(),
        AlertKind::LinkLost => tr.s(S::AlertLinkLost).into(),
        AlertKind::LowBattery { percent } => {
            tr.f(S::AlertLowBatteryFmt, &[&format!("{percent:.0}")])
        }
        AlertKind::CriticalBattery { percent } => {
            tr.f(S::AlertCriticalBatteryFmt, &[&format!("{percent:.0}")])
        }
        AlertKind::Failsafe { mode } => tr.f(S::AlertFailsafeFmt, &[mode]),
        AlertKind::SystemCritical => tr.s(S::AlertSystemCritical).into(),
        AlertKind::Geofence { text } => tr.f(S::AlertGeofenceFmt, &[text]),
        AlertKind::StatusText { text, .. } => tr.f(S::AlertAutopilotFmt, &[text]),
        AlertKind::FramesRefused { refusal, count } => {
            let kind = match refusal {
                kestrel_core::alerts::Refusal::Unsigned => tr.s(S::RefusalUnsigned),
                kestrel_core::alerts::Refusal::BadSignature => tr.s(S::RefusalBadSignature),
                kestrel_core::alerts::Refusal::Replayed => tr.s(S::RefusalReplayed),
            };
            tr.f(S::AlertFramesRefusedFmt, &[count, &kind])
        }
        AlertKind::SysidConflict { text } => tr.f(S::AlertSysidConflictFmt, &[text]),
        AlertKind::Traffic { conflict } => super::traffic::conflict_text(tr, conflict),
        AlertKind::Collision { report } => super::traffic::collision_text(tr, report),
    }
}

fn severity_word(tr: Tr, s: Severity) -> &'static str {
    match s {
        Severity::Critical => tr.s(S::SeverityCritical),
        Severity::Warning => tr.s(S::SeverityWarning),
        Severity::Info => tr.s(S::SeverityInfo),
    }
}

/// Alerts not acknowledged yet, most urgent first, then newest first.
pub fn unacknowledged<'a>(cx: &ViewCtx<'a>) -> Vec<&'a Alert> {
    let mut v: Vec<&Alert> = cx
        .view
        .alerts
        .list
        .iter()
        .filter(|a| a.needs_attention() && !cx.alerts.acked.contains(&a.id))
        .collect();
    v.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.at.cmp(&a.at)));
    v
}

/// The most urgent unacknowledged (or still active) alert of each aircraft.
pub fn alerting(view: &ConsoleView, acked: &BTreeSet<u64>) -> HashMap<u8, Severity> {
    let mut m: HashMap<u8, Severity> = HashMap::new();
    for a in view.alerts.list.iter() {
        let live = (a.needs_attention() && !acked.contains(&a.id)) || a.is_active();
        if live {
            let e = m.entry(a.sysid).or_insert(a.severity);
            *e = (*e).max(a.severity);
        }
    }
    m
}

/// The alert banner and the alert log window.
#[derive(Debug, Default)]
pub struct AlertsPanel {
    log_open: bool,
}

impl Panel for AlertsPanel {
    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        let count = cx.view.alerts.list.len();
        if ui
            .button(format!("{} ({count})", cx.tr.s(S::AlertLog)))
            .clicked()
        {
            self.log_open = !self.log_open;
        }
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        self.log_window(ctx, cx, actions);
    }
}

impl AlertsPanel {
    /// The banner across the top while any alert waits for acknowledgement.
    pub fn banner(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let pending = unacknowledged(cx);
        let Some(first) = pending.first().map(|a| (*a).clone()) else {
            return;
        };
        let more = pending.len() - 1;
        let critical = first.severity == Severity::Critical;
        let blink = (ui.input(|i| i.time) * 2.0).fract() < 0.5;
        let base = theme::severity_colour(first.severity);
        let fill = if critical && blink {
            Color32::from_rgb(0x9b, 0x1c, 0x1c)
        } else {
            base
        };
        if critical {
            ui.ctx().request_repaint_after(Duration::from_millis(250));
        }
        let frame = egui::Frame::new()
            .fill(fill)
            .inner_margin(egui::Margin::symmetric(10, 6));
        let mut ack = None;
        let mut ack_all = false;
        let mut open_log = false;
        egui::Panel::top("kestrel-alert-banner")
            .frame(frame)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let text = format!(
                        "▲ {}  {}  {}: {}",
                        severity_word(tr, first.severity),
                        DateTime::local(first.at).hms(),
                        cx.callsign(first.sysid),
                        alert_text(tr, &first)
                    );
                    ui.label(
                        RichText::new(text)
                            .color(Color32::WHITE)
                            .strong()
                            .size(16.0),
                    );
                    if more > 0 {
                        ui.label(
                            RichText::new(tr.f(S::MoreAlertsFmt, &[&more])).color(Color32::WHITE),
                        );
                    }
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button(tr.s(S::ShowLog)).clicked() {
                            open_log = true;
                        }
                        if more > 0 && ui.button(tr.s(S::AcknowledgeAll)).clicked() {
                            ack_all = true;
                        }
                        if ui
                            .button(RichText::new(tr.s(S::Acknowledge)).strong())
                            .clicked()
                        {
                            ack = Some(first.id);
                        }
                    });
                });
            });
        acknowledge(cx, ack, ack_all, actions);
        if open_log {
            self.log_open = true;
        }
    }

    fn log_window(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.log_open {
            return;
        }
        let tr = cx.tr;
        let mut open = true;
        let mut ack = None;
        let mut ack_all = false;
        let alerts = cx.view.alerts.list.clone();
        egui::Window::new(tr.s(S::AlertLog))
            .open(&mut open)
            .default_size([620.0, 360.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.label(tr.f(S::AlertCountFmt, &[&alerts.len()]));
                    if ui.button(tr.s(S::AcknowledgeAll)).clicked() {
                        ack_all = true;
                    }
                    if let Some(p) = &cx.view.alerts.log {
                        ui.label(
                            RichText::new(tr.f(S::LoggedToFmt, &[&p.display()]))
                                .weak()
                                .small(),
                        );
                    }
                });
                ui.separator();
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        egui::Grid::new("alert-log")
                            .striped(true)
                            .num_columns(5)
                            .show(ui, |ui| {
                                ui.strong(tr.s(S::ColTime));
                                ui.strong(tr.s(S::ColTeam));
                                ui.strong(tr.s(S::ColSeverity));
                                ui.strong(tr.s(S::ColAlert));
                                ui.strong(tr.s(S::ColState));
                                ui.end_row();
                                for a in alerts.iter().rev() {
                                    ui.label(
                                        RichText::new(DateTime::local(a.at).hms()).monospace(),
                                    );
                                    ui.label(cx.callsign(a.sysid));
                                    ui.label(
                                        RichText::new(severity_word(tr, a.severity))
                                            .color(theme::severity_colour(a.severity)),
                                    );
                                    ui.label(alert_text(tr, a));
                                    ui.horizontal(|ui| {
                                        if let Some(t) = a.cleared_at {
                                            ui.label(
                                                tr.f(S::ClearedAtFmt, &[&DateTime::local(t).hms()]),
                                            );
                                        }
                                        match a.acknowledged_at {
                                            Some(t) => {
                                                ui.label(tr.f(
                                                    S::AckedAtFmt,
                                                    &[&DateTime::local(t).hms()],
                                                ));
                                            }
                                            None if cx.alerts.acked.contains(&a.id) => {
                                                ui.label(tr.s(S::Acknowledged));
                                            }
                                            None => {
                                                if ui.small_button(tr.s(S::Acknowledge)).clicked() {
                                                    ack = Some(a.id);
                                                }
                                            }
                                        }
                                    });
                                    ui.end_row();
                                }
                            });
                    });
            });
        self.log_open = open;
        acknowledge(cx, ack, ack_all, actions);
    }
}

/// Acknowledges one alert, or every one that waits.
fn acknowledge(cx: &ViewCtx, one: Option<u64>, all: bool, actions: &mut Actions) {
    if let Some(id) = one {
        actions.push(Action::Acknowledge {
            ids: vec![id],
            all: false,
        });
    }
    if all {
        let ids = unacknowledged(cx).iter().map(|a| a.id).collect();
        actions.push(Action::Acknowledge { ids, all: true });
    }
}
