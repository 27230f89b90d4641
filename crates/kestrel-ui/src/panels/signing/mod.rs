//! Signing from the console: the "trusted" toggle of each link (keys travel only over trusted
//! links), the "Set up signing…" / "Revoke…" buttons of the aircraft panel behind a confirmation,
//! and the outcome the core reports. The work runs in the console's core, never here.

mod strings;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use crate::context::{Action, Actions, ViewCtx};
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::{ConsoleView, Event, SigningIntent, SigningOp, SigningOutcome};
use kestrel_core::fleet::Aircraft;
use kestrel_core::security::SigningState;
use strings::S;

/// How long an outcome stays under the Signing row.
const OUTCOME_KEEP: Duration = Duration::from_secs(30);

/// Signing in the window: the Signing row of the aircraft panel with its set-up and revoke
/// buttons, their confirmation, and what waits, runs and happened last.
#[derive(Debug, Default)]
pub struct SigningPanel {
    /// An operation waiting for the pilot's confirmation.
    pending: Option<(u8, SigningOp)>,
    /// Aircraft with an operation under way in the core.
    busy: HashSet<u8>,
    /// The last outcome, with when it arrived.
    last: Option<(Instant, SigningOutcome)>,
}

/// Whether aircraft `sysid` is heard on a link the user marked trusted (a key may be sent).
pub fn heard_on_trusted(view: &ConsoleView, sysid: u8) -> bool {
    let Some(a) = view.fleet.get(sysid) else {
        return false;
    };
    a.links
        .iter()
        .any(|p| view.links.list.iter().any(|l| l.id == p.link && l.trusted))
}

impl Panel for SigningPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        let Event::Signing(o) = event else {
            return;
        };
        self.busy.remove(&o.sysid);
        let (text, ok) = outcome_text(o, cx);
        if !ok {
            // The status bar's notice is for what went wrong.
            actions.push(Action::Notice(text));
        }
        self.last = Some((Instant::now(), o.clone()));
    }

    /// The "Signing" row: whether frames to and from the aircraft are signed, and how many of
    /// its frames were refused (red: someone sends unsigned or forged frames as this aircraft).
    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        aircraft: &Aircraft,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let sysid = aircraft.sysid;
        let tr = cx.tr;
        ui.label(tr.s(S::Signing));
        let row = cx.view.signing.iter().find(|r| r.sysid == sysid);
        let (state, rejected, key_present) = row.map_or((SigningState::Off, 0, false), |r| {
            (r.state, r.rejected, r.key_present)
        });
        let (word, colour) = match state {
            SigningState::On => (tr.s(S::SigningOn), theme::GOOD),
            SigningState::Unconfirmed => (
                tr.s(S::SigningUnconfirmed),
                theme::severity_colour(kestrel_core::alerts::Severity::Warning),
            ),
            SigningState::Off => (tr.s(S::SigningOff), ui.visuals().weak_text_color()),
            SigningState::SignedWithoutKey => (
                tr.s(S::SigningWithoutKey),
                theme::severity_colour(kestrel_core::alerts::Severity::Warning),
            ),
        };
        ui.horizontal(|ui| {
            ui.label(RichText::new(word).color(colour));
            if rejected > 0 {
                ui.label(
                    RichText::new(tr.f(S::SigningRejectedFmt, &[&rejected])).color(theme::BAD),
                );
            }
        });
        ui.end_row();
        ui.label("");
        ui.vertical(|ui| self.controls(ui, sysid, state, key_present, cx));
        ui.end_row();
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        self.confirmation(ctx, cx, actions);
    }
}

/// What a setup or revoke came to, in the pilot's words, and whether it worked.
fn outcome_text(o: &SigningOutcome, cx: &ViewCtx) -> (String, bool) {
    let tr = cx.tr;
    let name = cx.callsign(o.sysid);
    match (&o.result, o.op) {
        (Ok(()), SigningOp::Setup) => (tr.f(S::SigningSetupDoneFmt, &[&name]), true),
        (Ok(()), SigningOp::Revoke) => (tr.f(S::SigningRevokeDoneFmt, &[&name]), true),
        (Err(e), _) => (tr.f(S::SigningFailedFmt, &[&name, e]), false),
    }
}

impl SigningPanel {
    /// The buttons under the Signing row: set up (while signing is not confirmed on) and revoke
    /// (while a key is held), the work under way, the outcome.
    fn controls(
        &mut self,
        ui: &mut egui::Ui,
        sysid: u8,
        state: SigningState,
        key_present: bool,
        cx: &ViewCtx,
    ) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            if self.busy.contains(&sysid) {
                ui.spinner();
                ui.label(RichText::new(tr.s(S::SigningWorking)).italics());
                return;
            }
            if state != SigningState::On {
                let trusted = heard_on_trusted(cx.view, sysid);
                let setup = ui
                    .add_enabled(trusted, egui::Button::new(tr.s(S::SigningSetup)))
                    .on_hover_text(tr.s(S::SigningSetupHint))
                    .on_disabled_hover_text(tr.s(S::SigningNeedsTrustedHint));
                if setup.clicked() {
                    self.pending = Some((sysid, SigningOp::Setup));
                }
            }
            if key_present
                && ui
                    .button(tr.s(S::SigningRevoke))
                    .on_hover_text(tr.s(S::SigningRevokeHint))
                    .clicked()
            {
                self.pending = Some((sysid, SigningOp::Revoke));
            }
        });
        if let Some((at, o)) = &self.last {
            if o.sysid == sysid && at.elapsed() < OUTCOME_KEEP {
                let (text, ok) = outcome_text(o, cx);
                let colour = if ok { theme::GOOD } else { theme::BAD };
                ui.label(RichText::new(text).color(colour));
            }
        }
    }

    /// The confirmation of a setup or revoke: what will happen to which aircraft.
    fn confirmation(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        let Some((sysid, op)) = self.pending else {
            return;
        };
        let tr = cx.tr;
        let name = cx.callsign(sysid);
        let question = match op {
            SigningOp::Setup => tr.f(S::SigningConfirmSetupFmt, &[&name]),
            SigningOp::Revoke => tr.f(S::SigningConfirmRevokeFmt, &[&name]),
        };
        let decision =
            crate::widgets::confirm::confirm_dialog(ctx, tr, "kestrel-signing-confirm", &question);
        match decision {
            Some(true) => {
                self.pending = None;
                self.busy.insert(sysid);
                let intent = match op {
                    SigningOp::Setup => SigningIntent::Setup(sysid),
                    SigningOp::Revoke => SigningIntent::Revoke(sysid),
                };
                actions.send(intent);
            }
            Some(false) => self.pending = None,
            None => {}
        }
    }
}
