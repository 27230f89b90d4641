//! Remote ID in the window: a row in the selected aircraft's panel for aircraft with a Remote ID
//! transponder — ready to arm, or what the transponder says is missing — and what the station
//! sent it.

mod strings;

use eframe::egui::{self, RichText};

use crate::context::{Action, Actions, ViewCtx};
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::{Event, RemoteIdEvent};
use kestrel_core::fleet::Aircraft;
use strings::S;

/// The Remote ID row of the aircraft panel.
#[derive(Debug, Default)]
pub struct RemoteIdPanel;

impl Panel for RemoteIdPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        if let Event::RemoteId(RemoteIdEvent::OperatorRefused(why)) = event {
            actions.push(Action::Notice(cx.tr.f(S::OperatorRefusedFmt, &[why])));
        }
    }

    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        a: &Aircraft,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let Some(s) = cx
            .view
            .remote_id
            .aircraft
            .iter()
            .find(|s| s.sysid == a.sysid)
        else {
            return;
        };
        ui.label(tr.s(S::RemoteId));
        ui.vertical(|ui| {
            if s.ready {
                ui.label(RichText::new(tr.s(S::Ready)).color(theme::GOOD));
            } else {
                let why = s.error.clone().unwrap_or_default();
                ui.label(RichText::new(tr.f(S::NotReadyFmt, &[&why])).color(theme::BAD));
            }
            if let Some(b) = &s.blocked {
                ui.colored_label(theme::BAD, tr.f(S::BlockedFmt, &[b]));
            }
            ui.weak(tr.f(S::SentFmt, &[&s.system_sent, &s.operator_id_sent]));
        });
        ui.end_row();
    }
}
