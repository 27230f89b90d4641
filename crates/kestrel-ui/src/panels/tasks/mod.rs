//! Tasks from the command centre in the window: a button in the top bar with the count of open
//! tasks, a banner in the status bar while a new task waits for an answer, and a window listing
//! them with Accept, Decline (with a reason), On scene, and — for an accepted task — "Fly there"
//! for the pilot and "Look there" for the payload operator; and each open task on the map
//! ([`layer`]).

mod layer;
mod strings;

use std::collections::HashMap;

use eframe::egui::{self, Color32, RichText};
use uuid::Uuid;

use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::{Event, PayloadIntent, TaskEvent, TaskIntent};
use kestrel_core::dispatch::tasks::TaskState;
use kestrel_core::payload::GimbalRequest;
use kestrel_core::protocol::PilotAction;
use kestrel_core::tasking::{Answer, ConsoleTask};
use strings::S;

/// Aircraft lower than this are on the ground: "fly there" climbs to the take-off height.
const AIRBORNE_M: f32 = 5.0;

/// The tasks window and its drafts.
#[derive(Debug, Default)]
pub struct TasksPanel {
    open: bool,
    /// Decline reasons being typed, by task.
    reasons: HashMap<Uuid, String>,
    /// The last refusal from the core.
    refused: Option<String>,
}

fn state_text(tr: Tr, s: TaskState) -> (&'static str, Color32) {
    match s {
        TaskState::Received => (tr.s(S::StateReceived), theme::WARN),
        TaskState::Accepted => (tr.s(S::StateAccepted), theme::GOOD),
        TaskState::Declined => (tr.s(S::StateDeclined), theme::BAD),
        TaskState::OnScene => (tr.s(S::StateOnScene), theme::GOOD),
        TaskState::Closed => (tr.s(S::StateClosed), Color32::GRAY),
        TaskState::Queued | TaskState::Sent => (tr.s(S::StateOther), Color32::GRAY),
    }
}

impl Panel for TasksPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, _actions: &mut Actions) {
        if let Event::Tasks(e) = event {
            match e {
                TaskEvent::Answered { id, .. } => {
                    self.reasons.remove(id);
                    self.refused = None;
                }
                TaskEvent::Refused { reason, .. } => {
                    self.refused = Some(cx.tr.f(S::RefusedFmt, &[reason]));
                }
            }
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        let open = cx.view.tasks.open().count();
        if open == 0 && cx.view.tasks.tasks.is_empty() {
            return;
        }
        ui.separator();
        let waiting = cx.view.tasks.open().any(|t| t.state == TaskState::Received);
        let text = RichText::new(cx.tr.f(S::TasksButtonFmt, &[&open]));
        let text = if waiting {
            text.strong().color(theme::WARN)
        } else {
            text
        };
        if ui.button(text).clicked() {
            self.open = !self.open;
        }
    }

    fn status(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        let Some(t) = cx
            .view
            .tasks
            .open()
            .find(|t| t.state == TaskState::Received)
        else {
            return;
        };
        ui.separator();
        let note: String = t.note.chars().take(60).collect();
        ui.label(
            RichText::new(cx.tr.f(S::NewTaskFmt, &[&t.created_by, &note]))
                .strong()
                .color(theme::WARN),
        );
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.open {
            return;
        }
        let tr = cx.tr;
        let mut open = self.open;
        egui::Window::new(tr.s(S::TasksTitle))
            .id(egui::Id::unique("kestrel-tasks"))
            .open(&mut open)
            .default_width(460.0)
            .show(ctx, |ui| {
                if let Some(e) = &cx.view.tasks.error {
                    ui.colored_label(theme::BAD, e);
                }
                if let Some(r) = &self.refused {
                    ui.colored_label(theme::BAD, r);
                }
                if cx.view.tasks.tasks.is_empty() {
                    ui.weak(tr.s(S::NoTasks));
                    return;
                }
                egui::ScrollArea::vertical()
                    .max_height(420.0)
                    .show(ui, |ui| {
                        for t in cx.view.tasks.tasks.iter() {
                            self.task_row(ui, t, cx, actions);
                            ui.separator();
                        }
                    });
            });
        self.open = open;
    }
}

impl TasksPanel {
    fn task_row(
        &mut self,
        ui: &mut egui::Ui,
        t: &ConsoleTask,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let (state, colour) = state_text(tr, t.state);
        ui.horizontal(|ui| {
            ui.label(RichText::new(state).strong().color(colour));
            let time = kestrel_core::time::DateTime::local(t.created_at.to_system_time()).hms();
            ui.weak(tr.f(S::FromFmt, &[&t.created_by, &time]));
            if let Some(sysid) = t.sysid {
                ui.weak(tr.f(S::ForAircraftFmt, &[&cx.callsign(sysid)]));
            }
        });
        ui.label(&t.note);
        ui.label(
            RichText::new(format!("{:.6}, {:.6}", t.lat, t.lon))
                .monospace()
                .weak(),
        );
        if let Some(r) = &t.reason {
            ui.weak(tr.f(S::ReasonFmt, &[r]));
        }
        let answer = |actions: &mut Actions, answer: Answer| {
            actions.send(TaskIntent::Answer { id: t.id, answer });
        };
        match t.state {
            TaskState::Received => {
                ui.horizontal(|ui| {
                    if ui.button(RichText::new(tr.s(S::Accept)).strong()).clicked() {
                        answer(actions, Answer::Accept);
                    }
                    let reason = self.reasons.entry(t.id).or_default();
                    ui.add(
                        egui::TextEdit::singleline(reason)
                            .hint_text(tr.s(S::DeclineReason))
                            .desired_width(180.0),
                    );
                    let can_decline = !reason.trim().is_empty();
                    if ui
                        .add_enabled(can_decline, egui::Button::new(tr.s(S::Decline)))
                        .clicked()
                    {
                        answer(actions, Answer::Decline(reason.trim().to_string()));
                    }
                });
            }
            TaskState::Accepted | TaskState::OnScene => {
                ui.horizontal(|ui| {
                    let aircraft = t.sysid.or(cx.selection.primary);
                    match aircraft {
                        Some(sysid) => {
                            if ui.button(tr.s(S::FlyThere)).clicked() {
                                let alt_rel_m = cx
                                    .view
                                    .fleet
                                    .get(sysid)
                                    .map(|a| a.alt_rel_m)
                                    .filter(|alt| *alt > AIRBORNE_M)
                                    .unwrap_or(cx.settings.takeoff_alt_m);
                                actions.pilot(
                                    vec![sysid],
                                    PilotAction::Goto {
                                        lat: t.lat,
                                        lon: t.lon,
                                        alt_rel_m,
                                    },
                                );
                            }
                            if ui.button(tr.s(S::LookThere)).clicked() {
                                actions.send(PayloadIntent::Gimbal(
                                    sysid,
                                    GimbalRequest::Roi {
                                        lat: t.lat,
                                        lon: t.lon,
                                        alt_m: 0.0,
                                    },
                                ));
                            }
                        }
                        None => {
                            ui.weak(tr.s(S::NoAircraft));
                        }
                    }
                    if t.state == TaskState::Accepted && ui.button(tr.s(S::OnScene)).clicked() {
                        answer(actions, Answer::OnScene);
                    }
                });
            }
            _ => {}
        }
    }
}
