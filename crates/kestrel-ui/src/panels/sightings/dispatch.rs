//! The dispatch settings window: broker, console id, TLS trust, credentials, Cursor-on-Target
//! export (with its TLS files) and the payload camera; applied when valid, saved, and the core's
//! sync worker restarted with them.

use eframe::egui::{self, RichText};

use kestrel_core::console::sightings::{CredentialSource, DispatchSettings, SightingIntent};

use super::strings::S;
use super::SightingsPanel;
use crate::context::{Actions, ViewCtx};
use crate::i18n::S as Base;
use crate::theme;

/// The dispatch settings being edited.
#[derive(Debug, Clone)]
pub(super) struct DispatchDraft {
    settings: DispatchSettings,
    ca: String,
    creds_kind: u8,
    creds_path: String,
    user_var: String,
    pass_var: String,
    error: Option<String>,
}

impl SightingsPanel {
    pub(super) fn dispatch_window(
        &mut self,
        ctx: &egui::Context,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let Some(mut d) = self.dispatch.take() else {
            return;
        };
        let tr = cx.tr;
        let mut open = true;
        let mut apply = false;
        egui::Window::new(tr.s(S::DispatchSettings))
            .id(egui::Id::unique("kestrel-dispatch-settings"))
            .open(&mut open)
            .default_width(560.0)
            .default_pos([300.0, 90.0])
            .show(ctx, |ui| {
                ui.label(RichText::new(tr.s(S::DispatchSettingsHint)).weak());
                egui::Grid::new("dispatch-grid")
                    .num_columns(2)
                    .spacing([16.0, 8.0])
                    .show(ui, |ui| {
                        let label = ui.label(tr.s(S::DispatchBroker));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.settings.broker)
                                .hint_text(tr.s(S::DispatchBrokerHint))
                                .desired_width(360.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                        let label = ui.label(tr.s(S::DispatchConsoleId));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.settings.console_id)
                                .hint_text(cx.view.sightings.dispatch.console_id.as_str())
                                .desired_width(200.0),
                        )
                        .labelled_by(label.id);
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCaFile));
                        ui.add(
                            egui::TextEdit::singleline(&mut d.ca)
                                .hint_text("/etc/kestrel/dispatch-ca.pem")
                                .desired_width(360.0),
                        );
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCredentials));
                        ui.vertical(|ui| {
                            ui.radio_value(&mut d.creds_kind, 0, tr.s(S::CredentialsNone));
                            ui.radio_value(&mut d.creds_kind, 1, tr.s(S::CredentialsFile));
                            ui.add_enabled(
                                d.creds_kind == 1,
                                egui::TextEdit::singleline(&mut d.creds_path)
                                    .hint_text("/etc/kestrel/broker-credentials")
                                    .desired_width(360.0),
                            );
                            ui.radio_value(&mut d.creds_kind, 2, tr.s(S::CredentialsEnv));
                            ui.add_enabled_ui(d.creds_kind == 2, |ui| {
                                ui.horizontal(|ui| {
                                    ui.add(
                                        egui::TextEdit::singleline(&mut d.user_var)
                                            .desired_width(210.0),
                                    );
                                    ui.add(
                                        egui::TextEdit::singleline(&mut d.pass_var)
                                            .desired_width(210.0),
                                    );
                                });
                            });
                        });
                        ui.end_row();
                        ui.label(tr.s(S::DispatchCot));
                        ui.horizontal(|ui| {
                            ui.checkbox(&mut d.settings.cot.enabled, "");
                            ui.add_enabled(
                                d.settings.cot.enabled,
                                egui::TextEdit::singleline(&mut d.settings.cot.target)
                                    .desired_width(240.0),
                            );
                        });
                        ui.end_row();
                        if let Some(why) = &cx.view.sightings.dispatch.cot_down {
                            ui.label("");
                            ui.label(RichText::new(why).color(theme::BAD).small());
                            ui.end_row();
                        }
                        if d.settings.cot.target.trim_start().starts_with("ssl://") {
                            let cot = &mut d.settings.cot;
                            for (s, path, hint) in [
                                (
                                    S::CotCaFile,
                                    &mut cot.ca_file,
                                    "/etc/kestrel/tak-ca.pem".to_string(),
                                ),
                                (
                                    S::CotCertFile,
                                    &mut cot.cert_file,
                                    "/etc/kestrel/tak-client.pem".to_string(),
                                ),
                                (
                                    S::CotKeyFile,
                                    &mut cot.key_file,
                                    tr.s(S::CotKeyFileHint).to_string(),
                                ),
                            ] {
                                let label = ui.label(tr.s(s));
                                path_field(ui, path, &hint).labelled_by(label.id);
                                ui.end_row();
                            }
                        }
                        ui.label(tr.s(S::DispatchCamera));
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::DragValue::new(&mut d.settings.camera.hfov_deg)
                                    .range(5.0..=160.0)
                                    .suffix("°"),
                            );
                            ui.add(
                                egui::DragValue::new(&mut d.settings.camera.fixed_pitch_deg)
                                    .range(-90.0..=30.0)
                                    .suffix("°"),
                            );
                        });
                        ui.end_row();
                    });
                ui.separator();
                if let Some(e) = &d.error {
                    ui.label(RichText::new(e).color(theme::BAD));
                }
                if ui
                    .button(RichText::new(tr.s(Base::Apply)).strong())
                    .clicked()
                {
                    apply = true;
                }
            });
        if apply {
            let s = settings_from_draft(&d);
            match s.validate() {
                Ok(()) => {
                    d.error = None;
                    let saved = s.clone();
                    actions.settings(move |settings| settings.dispatch = saved);
                    actions.send(SightingIntent::Configure(Box::new(s)));
                }
                Err(e) => d.error = Some(e),
            }
        }
        if open {
            self.dispatch = Some(d);
        }
    }
}

/// A text field editing an optional file path (empty: none).
fn path_field(
    ui: &mut egui::Ui,
    path: &mut Option<std::path::PathBuf>,
    hint: &str,
) -> egui::Response {
    let mut text = path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let r = ui.add(
        egui::TextEdit::singleline(&mut text)
            .hint_text(hint)
            .desired_width(360.0),
    );
    if r.changed() {
        *path = (!text.is_empty()).then(|| std::path::PathBuf::from(text));
    }
    r
}

/// The window's fields for dispatch settings `s`.
pub(super) fn draft(s: &DispatchSettings) -> DispatchDraft {
    let (kind, path, user, pass) = match &s.credentials {
        CredentialSource::None => (0, String::new(), None, None),
        CredentialSource::File { path } => (1, path.display().to_string(), None, None),
        CredentialSource::Env {
            username_var,
            password_var,
        } => (
            2,
            String::new(),
            Some(username_var.clone()),
            Some(password_var.clone()),
        ),
    };
    DispatchDraft {
        settings: s.clone(),
        ca: s
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        creds_kind: kind,
        creds_path: path,
        user_var: user.unwrap_or_else(|| kestrel_core::dispatch::broker::ENV_USERNAME.into()),
        pass_var: pass.unwrap_or_else(|| kestrel_core::dispatch::broker::ENV_PASSWORD.into()),
        error: None,
    }
}

/// The dispatch settings the fields say.
fn settings_from_draft(d: &DispatchDraft) -> DispatchSettings {
    let mut s = d.settings.clone();
    s.broker = s.broker.trim().to_string();
    s.console_id = s.console_id.trim().to_string();
    let ca = d.ca.trim();
    s.ca_file = (!ca.is_empty()).then(|| ca.into());
    s.credentials = match d.creds_kind {
        1 => CredentialSource::File {
            path: d.creds_path.trim().into(),
        },
        2 => CredentialSource::Env {
            username_var: d.user_var.trim().to_string(),
            password_var: d.pass_var.trim().to_string(),
        },
        _ => CredentialSource::None,
    };
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_round_trip_through_the_draft() {
        let s = DispatchSettings {
            broker: " mqtt://127.0.0.1:1883 ".into(),
            credentials: CredentialSource::File {
                path: "/etc/kestrel/creds".into(),
            },
            ..Default::default()
        };
        let back = settings_from_draft(&draft(&s));
        assert_eq!(back.broker, "mqtt://127.0.0.1:1883");
        assert_eq!(back.credentials, s.credentials);
        assert_eq!(back.ca_file, None);
    }
}
