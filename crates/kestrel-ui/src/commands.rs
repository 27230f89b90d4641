//! The pilot's commands in the window: a pilot action that cannot be taken back (land, return,
//! arm, disarm, take off) waits for confirmation — the pilot sees exactly what goes to which
//! aircraft — and every command is followed until each aircraft answers, its outcome shown over
//! the map and in the aircraft's panel.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use kestrel_core::console::{CommandIntent, CommandReport, ConsoleHandle, ConsoleView};
use kestrel_core::protocol::{CommandOutcome, PilotAction};

use crate::i18n::{callsign, Tr, S};
use crate::theme;

use crate::widgets::confirm::confirm_dialog;

/// How long a command result stays in the notices.
const REPORT_KEEP: Duration = Duration::from_secs(12);
/// A command the core never answered (it always does, within its retries) is not left
/// "sending" for ever.
const IN_FLIGHT_LIMIT: Duration = Duration::from_secs(60);

/// A pilot action waiting for the pilot's confirmation.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    targets: Vec<u8>,
    action: PilotAction,
}

/// A command sent and not answered yet.
#[derive(Debug, Clone)]
struct InFlight {
    at: Instant,
    action: PilotAction,
    waiting: BTreeSet<u8>,
}

/// The window's commands: the one waiting for confirmation, the ones under way, the last
/// outcomes.
#[derive(Debug, Default)]
pub struct CommandDesk {
    pending: Option<Pending>,
    in_flight: HashMap<u64, InFlight>,
    reports: VecDeque<(Instant, CommandReport)>,
}

impl CommandDesk {
    /// Asks for `action` on `targets`: at once, or after the pilot confirms if it is one that
    /// cannot be taken back.
    pub fn request(&mut self, targets: Vec<u8>, action: PilotAction, core: &ConsoleHandle) {
        if targets.is_empty() {
            return;
        }
        if action.needs_confirmation() {
            self.pending = Some(Pending { targets, action });
        } else {
            self.send(targets, action, core);
        }
    }

    /// Sends `action` to `targets` now.
    fn send(&mut self, targets: Vec<u8>, action: PilotAction, core: &ConsoleHandle) {
        let id = core.next_command_id();
        self.in_flight.insert(
            id,
            InFlight {
                at: Instant::now(),
                action: action.clone(),
                waiting: targets.iter().copied().collect(),
            },
        );
        core.send(CommandIntent {
            id,
            targets,
            action,
        });
    }

    /// Takes one aircraft's answer.
    pub fn on_report(&mut self, r: &CommandReport) {
        if let Some(f) = self.in_flight.get_mut(&r.id) {
            f.waiting.remove(&r.sysid);
            if f.waiting.is_empty() {
                self.in_flight.remove(&r.id);
            }
        }
        self.reports.push_back((Instant::now(), r.clone()));
    }

    /// Forgets old outcomes and commands never answered.
    pub fn expire(&mut self, now: Instant) {
        self.in_flight
            .retain(|_, f| now.duration_since(f.at) < IN_FLIGHT_LIMIT);
        while self
            .reports
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) > REPORT_KEEP)
        {
            self.reports.pop_front();
        }
    }

    /// The actions still waiting for `sysid`'s answer.
    pub fn sending_to(&self, sysid: u8) -> impl Iterator<Item = &PilotAction> {
        self.in_flight
            .values()
            .filter(move |f| f.waiting.contains(&sysid))
            .map(|f| &f.action)
    }

    /// The latest outcome of a command to `sysid`, while it is shown.
    pub fn last_report(&self, sysid: u8) -> Option<&CommandReport> {
        self.reports
            .iter()
            .rev()
            .map(|(_, r)| r)
            .find(|r| r.sysid == sysid)
    }

    /// The confirmation dialog of the action waiting for it.
    pub fn confirmation(
        &mut self,
        ctx: &egui::Context,
        view: &ConsoleView,
        tr: Tr,
        core: &ConsoleHandle,
    ) {
        let Some(p) = self.pending.clone() else {
            return;
        };
        let names: Vec<String> = p.targets.iter().map(|s| callsign(view, tr, *s)).collect();
        let question = tr.f(
            S::ConfirmQuestionFmt,
            &[&action_name(tr, &p.action), &names.join(", ")],
        );
        match confirm_dialog(ctx, tr, "kestrel-confirm", &question) {
            Some(true) => {
                self.pending = None;
                self.send(p.targets, p.action, core);
            }
            Some(false) => self.pending = None,
            None => {}
        }
    }

    /// The latest command results of every aircraft, over the bottom right of the map, so that
    /// the outcome of "return all" is seen for each aircraft.
    pub fn results_over_map(&self, ui: &mut egui::Ui, map: egui::Rect, view: &ConsoleView, tr: Tr) {
        if self.reports.is_empty() && self.in_flight.is_empty() {
            return;
        }
        let area = egui::Rect::from_min_max(
            egui::pos2(map.right() - 360.0, map.top() + 44.0),
            egui::pos2(map.right() - 8.0, map.bottom() - 30.0),
        );
        ui.scope_builder(
            egui::UiBuilder::new()
                .max_rect(area)
                .layout(egui::Layout::top_down(egui::Align::Max)),
            |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    for f in self.in_flight.values() {
                        let names: Vec<String> =
                            f.waiting.iter().map(|s| callsign(view, tr, *s)).collect();
                        ui.label(
                            RichText::new(format!(
                                "{}: {}",
                                names.join(", "),
                                tr.f(S::SendingFmt, &[&action_name(tr, &f.action)])
                            ))
                            .italics(),
                        );
                    }
                    for (_, r) in self.reports.iter().rev().take(8) {
                        let (ok, text) = outcome_text(tr, r);
                        let colour = if ok { theme::GOOD } else { theme::BAD };
                        ui.label(
                            RichText::new(format!(
                                "{}: {}: {text}",
                                callsign(view, tr, r.sysid),
                                action_name(tr, &r.action)
                            ))
                            .color(colour),
                        );
                    }
                });
            },
        );
    }
}

/// A command's outcome in the pilot's words.
pub fn outcome_text(tr: Tr, r: &CommandReport) -> (bool, String) {
    let step = r
        .failed_step
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    match &r.outcome {
        Ok(CommandOutcome::Accepted) => (true, tr.s(S::Accepted).to_string()),
        Ok(CommandOutcome::Denied { result, reason }) => (
            false,
            format!(
                "{}{step}: {result}{}",
                tr.s(S::Denied),
                reason
                    .as_ref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default()
            ),
        ),
        Ok(CommandOutcome::Unsupported) => (false, format!("{}{step}", tr.s(S::Unsupported))),
        Ok(CommandOutcome::TimedOut { .. }) => (false, format!("{}{step}", tr.s(S::TimedOut))),
        Err(e) => (false, format!("{}{step}: {e}", tr.s(S::NotSent))),
    }
}

/// The action's name in the pilot's words.
pub fn action_name(tr: Tr, a: &PilotAction) -> String {
    match a {
        PilotAction::Arm => tr.s(S::Arm).into(),
        PilotAction::Disarm => tr.s(S::Disarm).into(),
        PilotAction::Takeoff { alt_m } => tr.f(S::TakeoffToFmt, &[&format!("{alt_m:.0}")]),
        PilotAction::Land => tr.s(S::Land).into(),
        PilotAction::ReturnToLaunch => tr.s(S::Rtl).into(),
        PilotAction::Hold => tr.s(S::Hold).into(),
        PilotAction::ResumeMission => tr.s(S::ResumeMission).into(),
        PilotAction::SetMode { custom_mode } => tr.f(
            S::SetModeFmt,
            &[&kestrel_core::fleet::modes::copter_mode_name(*custom_mode)],
        ),
        PilotAction::Goto {
            lat,
            lon,
            alt_rel_m,
        } => tr.f(
            S::GotoFmt,
            &[&format!("{lat:.5}, {lon:.5}"), &format!("{alt_rel_m:.0}")],
        ),
    }
}
