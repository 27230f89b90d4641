//! Connections: add a link by its connection string, see each link's state and traffic, mark it
//! trusted (signing keys travel only over trusted links), remove it. Links added here are
//! remembered in the settings.

use std::collections::HashSet;

use eframe::egui::{self, RichText};

use crate::context::{Actions, ViewCtx};
use crate::i18n::S;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::{Event, LinkEvent, LinkIntent, SigningIntent};
use kestrel_core::link::{LinkCondition, LinkStatus};

/// The Connections window.
#[derive(Debug, Default)]
pub struct ConnectionsWindow {
    open: bool,
    input: String,
    /// The last link opened from here, or why it was not.
    feedback: Option<(bool, String)>,
    /// Links asked for here and not answered yet (both spellings).
    from_ui: HashSet<String>,
}

impl Panel for ConnectionsWindow {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        match event {
            Event::Links(LinkEvent::Added { name, .. }) if self.from_ui.remove(name) => {
                if !cx.settings.links.contains(name) {
                    let name = name.clone();
                    actions.settings(move |s| s.links.push(name));
                }
                self.feedback = Some((true, name.clone()));
            }
            Event::Links(LinkEvent::Failed { input, error }) => {
                self.from_ui.remove(input);
                self.feedback = Some((false, format!("{input}: {error}")));
            }
            _ => {}
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        if ui.button(cx.tr.s(S::Connections)).clicked() {
            self.open = !self.open;
        }
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.open {
            return;
        }
        let tr = cx.tr;
        let mut open = true;
        let mut remove = None;
        egui::Window::new(tr.s(S::Connections))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.label(RichText::new(tr.s(S::ConnectionHelp)).weak().small());
                ui.horizontal(|ui| {
                    let edit = ui.add(
                        egui::TextEdit::singleline(&mut self.input)
                            .hint_text("udpin:0.0.0.0:14550")
                            .desired_width(300.0),
                    );
                    let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui.button(tr.s(S::AddLink)).clicked() || enter)
                        && !self.input.trim().is_empty()
                    {
                        let input = self.input.trim().to_string();
                        // The core echoes the normalised name; remember both spellings.
                        if let Ok(spec) = input.parse::<kestrel_core::link::LinkSpec>() {
                            self.from_ui.insert(spec.to_string());
                        }
                        self.from_ui.insert(input.clone());
                        actions.send(LinkIntent::Add(input));
                        self.feedback = None;
                    }
                });
                if let Some((ok, text)) = &self.feedback {
                    let (colour, prefix) = if *ok {
                        (theme::GOOD, tr.s(S::LinkOpened))
                    } else {
                        (theme::BAD, tr.s(S::LinkNotOpened))
                    };
                    ui.label(RichText::new(format!("{prefix}: {text}")).color(colour));
                }
                ui.separator();
                if cx.view.links.list.is_empty() {
                    ui.label(tr.s(S::NoLinks));
                }
                egui::Grid::new("links")
                    .striped(true)
                    .num_columns(6)
                    .show(ui, |ui| {
                        if !cx.view.links.list.is_empty() {
                            ui.strong(tr.s(S::ColLinkName));
                            ui.strong(tr.s(S::ColState));
                            ui.strong(tr.s(S::ColTraffic));
                            ui.strong(tr.s(S::ColPeers));
                            ui.strong(tr.s(S::ColTrusted));
                            ui.label("");
                            ui.end_row();
                        }
                        let links = cx.view.links.list.clone();
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
                            ui.label(format!(
                                "{}{}",
                                tr.f(S::TrafficFmt, &[&l.frames_in, &l.frames_out, &l.crc_errors]),
                                crate::panels::seat::forwarding_note(tr, l)
                            ));
                            ui.label(l.peers.to_string());
                            trusted_toggle(ui, l, cx, actions);
                            if ui.small_button(tr.s(S::Remove)).clicked() {
                                remove = Some((l.id, l.name.clone()));
                            }
                            ui.end_row();
                        }
                    });
            });
        self.open = open;
        if let Some((id, name)) = remove {
            actions.send(LinkIntent::Remove(id));
            if cx.settings.links.contains(&name) {
                actions.settings(move |s| s.links.retain(|l| *l != name));
            }
        }
    }
}

/// The "trusted" checkbox of a link: keys may be sent over it. Trust is remembered by
/// connection string in the settings.
fn trusted_toggle(ui: &mut egui::Ui, l: &LinkStatus, cx: &ViewCtx, actions: &mut Actions) {
    let tr = cx.tr;
    let mut trusted = l.trusted;
    let changed = ui
        .checkbox(&mut trusted, tr.s(S::LinkTrusted))
        .on_hover_text(tr.s(S::LinkTrustedHint))
        .changed();
    if changed {
        actions.send(SigningIntent::SetTrusted {
            link: l.id,
            trusted,
        });
        if cx.settings.trusted_links.contains(&l.name) != trusted {
            let name = l.name.clone();
            actions.settings(move |s| {
                if trusted {
                    s.trusted_links.insert(name);
                } else {
                    s.trusted_links.remove(&name);
                }
            });
        }
    }
}
