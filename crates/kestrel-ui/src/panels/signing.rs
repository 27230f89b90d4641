//! Signing from the console: the "trusted" toggle of each link (keys travel only over trusted
//! links), the "Set up signing…" / "Revoke…" buttons of the aircraft panel behind a confirmation,
//! and the outcome the core reports. The work runs in the console's core, never here.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use crate::app::ConsoleApp;
use crate::i18n::S;
use crate::theme;
use kestrel_core::console::{ConsoleView, Intent, SigningIntent, SigningOp, SigningOutcome};
use kestrel_core::link::LinkStatus;

/// How long an outcome stays under the Signing row.
const OUTCOME_KEEP: Duration = Duration::from_secs(30);

/// The window's signing state: what waits for confirmation, what runs, what happened last.
#[derive(Debug, Default)]
pub(crate) struct SigningUi {
    /// An operation waiting for the pilot's confirmation.
    pending: Option<(u8, SigningOp)>,
    /// Aircraft with an operation under way in the core.
    busy: HashSet<u8>,
    /// The last outcome, with when it arrived.
    last: Option<(Instant, SigningOutcome)>,
}

/// Whether aircraft `sysid` is heard on a link the user marked trusted (a key may be sent).
pub(crate) fn heard_on_trusted(view: &ConsoleView, sysid: u8) -> bool {
    let Some(a) = view.fleet.get(sysid) else {
        return false;
    };
    a.links
        .iter()
        .any(|p| view.links.iter().any(|l| l.id == p.link && l.trusted))
}

impl ConsoleApp {
    /// The "trusted" checkbox of a link in the Connections window.
    pub(crate) fn trusted_toggle(&mut self, ui: &mut egui::Ui, l: &LinkStatus) {
        let tr = self.tr();
        let mut trusted = l.trusted;
        let changed = ui
            .checkbox(&mut trusted, tr.s(S::LinkTrusted))
            .on_hover_text(tr.s(S::LinkTrustedHint))
            .changed();
        if changed {
            self.handle.send(Intent::Signing(SigningIntent::SetTrusted {
                link: l.id,
                trusted,
            }));
            let saved = if trusted {
                self.settings.trusted_links.insert(l.name.clone())
            } else {
                self.settings.trusted_links.remove(&l.name)
            };
            if saved {
                self.save_settings();
            }
        }
    }

    /// The buttons under the Signing row: set up (while signing is not confirmed on) and revoke
    /// (while a key is held), the work under way, the outcome.
    pub(crate) fn signing_controls(
        &mut self,
        ui: &mut egui::Ui,
        sysid: u8,
        state: kestrel_core::security::SigningState,
        key_present: bool,
    ) {
        let tr = self.tr();
        ui.horizontal_wrapped(|ui| {
            if self.signing_ui.busy.contains(&sysid) {
                ui.spinner();
                ui.label(RichText::new(tr.s(S::SigningWorking)).italics());
                return;
            }
            if state != kestrel_core::security::SigningState::On {
                let trusted = heard_on_trusted(&self.view, sysid);
                let setup = ui
                    .add_enabled(trusted, egui::Button::new(tr.s(S::SigningSetup)))
                    .on_hover_text(tr.s(S::SigningSetupHint))
                    .on_disabled_hover_text(tr.s(S::SigningNeedsTrustedHint));
                if setup.clicked() {
                    self.signing_ui.pending = Some((sysid, SigningOp::Setup));
                }
            }
            if key_present
                && ui
                    .button(tr.s(S::SigningRevoke))
                    .on_hover_text(tr.s(S::SigningRevokeHint))
                    .clicked()
            {
                self.signing_ui.pending = Some((sysid, SigningOp::Revoke));
            }
        });
        if let Some((at, o)) = &self.signing_ui.last {
            if o.sysid == sysid && at.elapsed() < OUTCOME_KEEP {
                let (text, ok) = self.signing_outcome_text(o);
                let colour = if ok { theme::GOOD } else { theme::BAD };
                ui.label(RichText::new(text).color(colour));
            }
        }
    }

    fn signing_outcome_text(&self, o: &SigningOutcome) -> (String, bool) {
        let tr = self.tr();
        let name = self.callsign(o.sysid);
        match (&o.result, o.op) {
            (Ok(()), SigningOp::Setup) => (tr.f(S::SigningSetupDoneFmt, &[&name]), true),
            (Ok(()), SigningOp::Revoke) => (tr.f(S::SigningRevokeDoneFmt, &[&name]), true),
            (Err(e), _) => (tr.f(S::SigningFailedFmt, &[&name, e]), false),
        }
    }

    /// Takes the core's report of a setup or revoke.
    pub(crate) fn on_signing_outcome(&mut self, o: SigningOutcome) {
        self.signing_ui.busy.remove(&o.sysid);
        let (text, ok) = self.signing_outcome_text(&o);
        if !ok {
            // The status bar's notice is for what went wrong.
            self.notice = Some((Instant::now(), text));
        }
        self.signing_ui.last = Some((Instant::now(), o));
    }

    /// The confirmation of a setup or revoke: what will happen to which aircraft.
    pub(crate) fn signing_confirmation(&mut self, ctx: &egui::Context) {
        let Some((sysid, op)) = self.signing_ui.pending else {
            return;
        };
        let tr = self.tr();
        let name = self.callsign(sysid);
        let question = match op {
            SigningOp::Setup => tr.f(S::SigningConfirmSetupFmt, &[&name]),
            SigningOp::Revoke => tr.f(S::SigningConfirmRevokeFmt, &[&name]),
        };
        let decision =
            super::confirm::confirm_dialog(ctx, tr, "kestrel-signing-confirm", &question);
        match decision {
            Some(true) => {
                self.signing_ui.pending = None;
                self.signing_ui.busy.insert(sysid);
                let intent = match op {
                    SigningOp::Setup => SigningIntent::Setup(sysid),
                    SigningOp::Revoke => SigningIntent::Revoke(sysid),
                };
                self.handle.send(Intent::Signing(intent));
            }
            Some(false) => self.signing_ui.pending = None,
            None => {}
        }
    }
}
