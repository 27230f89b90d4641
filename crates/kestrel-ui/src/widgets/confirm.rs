//! The one confirmation dialog of the console ([`confirm_dialog`]): it guards every step that
//! cannot be taken back — pilot actions, signing, roster deletions.

use eframe::egui::{self, RichText};

use crate::i18n::{Tr, S};
use crate::theme;

/// The one confirmation dialog of the console: `question` with Confirm (in the warning colour)
/// and Cancel. Returns `Some(true)` / `Some(false)` once the operator decides (closing the dialog
/// or pressing Escape cancels), `None` while it is open. `id` keeps dialogs apart.
pub fn confirm_dialog(ctx: &egui::Context, tr: Tr, id: &str, question: &str) -> Option<bool> {
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
