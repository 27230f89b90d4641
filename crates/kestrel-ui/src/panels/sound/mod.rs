//! The console's sound in the window: a menu in the top bar to mute it, set the volume and
//! hear each cue, and a word in the status bar when the sound cannot play. What sounds when is
//! the core's: this panel only shows and asks.

mod strings;

use eframe::egui::{self, RichText};

use kestrel_core::console::{Event, SoundEvent, SoundIntent};
use kestrel_core::sound::{Cue, SoundSettings};

use crate::context::{Action, Actions, ViewCtx};
use crate::panel::Panel;
use crate::theme;
use strings::S;

/// The sound menu.
#[derive(Debug, Default)]
pub struct SoundPanel;

/// Sends new sound settings to the core and keeps them in the settings file.
fn change(actions: &mut Actions, next: SoundSettings) {
    actions.send(SoundIntent::SetSettings(next.clone()));
    actions.settings(move |s| s.sound = next);
}

impl Panel for SoundPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        if let Event::Sound(SoundEvent::Refused(why)) = event {
            actions.push(Action::Notice(cx.tr.f(S::RefusedFmt, &[why])));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let settings = cx.view.sound.settings.clone();
        let title = tr.s(if settings.enabled { S::Sound } else { S::Muted });
        ui.menu_button(title, |ui| {
            ui.weak(tr.s(S::SoundHint));
            let mut on = settings.enabled;
            if ui.checkbox(&mut on, tr.s(S::SoundOn)).changed() {
                change(
                    actions,
                    SoundSettings {
                        enabled: on,
                        ..settings.clone()
                    },
                );
            }
            let mut volume = settings.volume;
            let slider = ui.add(
                egui::Slider::new(&mut volume, 0.0..=1.0)
                    .text(tr.s(S::Volume))
                    .show_value(false),
            );
            if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                change(
                    actions,
                    SoundSettings {
                        volume,
                        ..settings.clone()
                    },
                );
            }
            ui.separator();
            for (cue, label) in [
                (Cue::CallOut, S::TestCallOut),
                (Cue::UrgentCallOut, S::TestUrgent),
                (Cue::Task, S::TestTask),
                (Cue::Alert, S::TestAlert),
            ] {
                if ui
                    .add_enabled(settings.enabled, egui::Button::new(tr.s(label)))
                    .clicked()
                {
                    actions.send(SoundIntent::Test(cue));
                }
            }
        })
        .response
        .on_hover_text(tr.s(S::SoundHint));
    }

    fn status(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        if let Some(why) = &cx.view.sound.status.error {
            if cx.view.sound.settings.enabled {
                ui.separator();
                ui.label(RichText::new(cx.tr.f(S::NoSoundFmt, &[why])).color(theme::WARN));
            }
        }
    }
}
