//! Confirmation of actions that cannot be taken back (land, return, arm, disarm, take off): the
//! pilot sees exactly what will be sent to which aircraft and confirms or cancels. The same
//! dialog ([`confirm_dialog`]) guards every other step that cannot be taken back.

use eframe::egui::{self, RichText};

use crate::app::ConsoleApp;
use crate::i18n::{Tr, S};
use crate::theme;

use super::aircraft::action_name;

impl ConsoleApp {
    pub(crate) fn confirmation(&mut self, ctx: &egui::Context) {
        let Some(p) = self.pending.clone() else {
            return;
        };
        let tr = self.tr();
        let names: Vec<String> = p.targets.iter().map(|s| self.callsign(*s)).collect();
        let question = tr.f(
            S::ConfirmQuestionFmt,
            &[&action_name(tr, &p.action), &names.join(", ")],
        );
        let decision = confirm_dialog(ctx, tr, "kestrel-confirm", &question);
        match decision {
            Some(true) => {
                self.pending = None;
                self.dispatch(p.targets, p.action);
            }
            Some(false) => self.pending = None,
            None => {}
        }
    }
}

/// The one confirmation dialog of the console: `question` with Confirm (in the warning colour)
/// and Cancel. Returns `Some(true)` / `Some(false)` once the operator decides (closing the dialog
/// or pressing Escape cancels), `None` while it is open. `id` keeps dialogs apart.
pub(crate) fn confirm_dialog(
    ctx: &egui::Context,
    tr: Tr,
    id: &str,
    question: &str,
) -> Option<bool> {
    let mut decision = None;
    let modal = egui::Modal::new(egui::Id::unique(id)).show(ctx, |ui| {
        ui.set_max_width(400.0);
        ui.heading(tr.s(S::ConfirmTitle));
        ui.add_space(6.0);
        ui.label(RichText::new(question).size(15.0));
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(tr.s(S::Confirm)).strong().color(theme::BAD))
                .clicked()
            {
                decision = Some(true);
            }
            if ui.button(tr.s(S::Cancel)).clicked() {
                decision = Some(false);
            }
        });
    });
    if modal.should_close() && decision.is_none() {
        decision = Some(false);
    }
    decision
}
