//! Connections: add a link by its connection string, see each link's state and traffic, remove it.
//! Links added here are remembered in the settings.

use eframe::egui::{self, RichText};

use crate::app::ConsoleApp;
use crate::i18n::S;
use crate::theme;
use kestrel_core::console::Intent;
use kestrel_core::link::LinkCondition;

impl ConsoleApp {
    pub(crate) fn connections_window(&mut self, ctx: &egui::Context) {
        if !self.windows.connections {
            return;
        }
        let tr = self.tr();
        let mut open = true;
        let mut remove = None;
        egui::Window::new(tr.s(S::Connections))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(RichText::new(tr.s(S::ConnectionHelp)).weak().small());
                ui.horizontal(|ui| {
                    let edit = ui.add(
                        egui::TextEdit::singleline(&mut self.link_input)
                            .hint_text("udpin:0.0.0.0:14550")
                            .desired_width(300.0),
                    );
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button(tr.s(S::AddLink)).clicked() || enter)
                        && !self.link_input.trim().is_empty()
                    {
                        let input = self.link_input.trim().to_string();
                        // The core echoes the normalised name; remember both spellings.
                        if let Ok(spec) = input.parse::<kestrel_core::link::LinkSpec>() {
                            self.links_from_ui.insert(spec.to_string());
                        }
                        self.links_from_ui.insert(input.clone());
                        self.handle.send(Intent::AddLink(input));
                        self.link_feedback = None;
                    }
                });
                if let Some((ok, text)) = &self.link_feedback {
                    let (colour, prefix) = if *ok {
                        (theme::GOOD, tr.s(S::LinkOpened))
                    } else {
                        (theme::BAD, tr.s(S::LinkNotOpened))
                    };
                    ui.label(RichText::new(format!("{prefix}: {text}")).color(colour));
                }
                ui.separator();
                if self.view.links.is_empty() {
                    ui.label(tr.s(S::NoLinks));
                }
                egui::Grid::new("links")
                    .striped(true)
                    .num_columns(6)
                    .show(ui, |ui| {
                        if !self.view.links.is_empty() {
                            ui.strong(tr.s(S::ColLinkName));
                            ui.strong(tr.s(S::ColState));
                            ui.strong(tr.s(S::ColTraffic));
                            ui.strong(tr.s(S::ColPeers));
                            ui.strong(tr.s(S::ColTrusted)); // --- signing ---
                            ui.label("");
                            ui.end_row();
                        }
                        let links = self.view.links.clone();
                        for l in links.iter() {
                            ui.label(RichText::new(&l.name).monospace());
                            let (text, colour) = match &l.condition {
                                LinkCondition::Up => (tr.s(S::LinkUp).to_string(), theme::GOOD),
                                LinkCondition::Connecting => (
                                    tr.s(S::LinkConnecting).to_string(),
                                    theme::severity_colour(kestrel_core::alerts::Severity::Warning),
                                ),
                                LinkCondition::Down(why) => {
                                    (format!("{}: {why}", tr.s(S::LinkDown)), theme::BAD)
                                }
                                LinkCondition::Closed(why) => (
                                    format!("{}: {why}", tr.s(S::LinkClosed)),
                                    egui::Color32::GRAY,
                                ),
                            };
                            ui.label(RichText::new(text).color(colour));
                            ui.label(
                                tr.f(S::TrafficFmt, &[&l.frames_in, &l.frames_out, &l.crc_errors]),
                            );
                            ui.label(l.peers.to_string());
                            self.trusted_toggle(ui, l); // --- signing ---
                            if ui.small_button(tr.s(S::Remove)).clicked() {
                                remove = Some((l.id, l.name.clone()));
                            }
                            ui.end_row();
                        }
                    });
            });
        self.windows.connections = open;
        if let Some((id, name)) = remove {
            self.handle.send(Intent::RemoveLink(id));
            let before = self.settings.links.len();
            self.settings.links.retain(|l| *l != name);
            if self.settings.links.len() != before {
                self.save_settings();
            }
        }
    }
}
