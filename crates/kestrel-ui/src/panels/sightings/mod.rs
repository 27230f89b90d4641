//! Sightings in the window: the "Sighting" button and the S hotkey (at the selected aircraft),
//! "mark sighting here" on the map, a quick menu to pick the category (keys 1–7), feedback that
//! says "saved" only once the core has the sighting on disk, the list of sightings with their
//! delivery state (queued / delivered / acknowledged) where queued ones are edited in place and
//! sent ones corrected by appending, the dispatch state in the status bar, the dispatch
//! settings window, and the sightings on the map.

mod dispatch;
mod layer;
mod list;
mod quick;
mod strings;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText};
use uuid::Uuid;

use kestrel_core::console::sightings::{
    DispatchConnection, SightingEvent, SightingPlace, VideoSnapshot,
};
use kestrel_core::console::Event;
use kestrel_core::sightings::{Category, DeliveryState, Priority};

use crate::context::{Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use strings::S;

/// How long the "saved" line stays in the status bar.
const FEEDBACK_KEEP: Duration = Duration::from_secs(8);

/// The quick menu: where the sighting will be, waiting for its category.
#[derive(Debug, Clone)]
struct QuickMark {
    place: SightingPlace,
    title: String,
    priority: Priority,
    note: String,
    frame: Option<VideoSnapshot>,
}

/// A sighting being edited in the list.
#[derive(Debug, Clone)]
pub(super) struct EditDraft {
    id: Uuid,
    category: Category,
    priority: Priority,
    note: String,
}

/// Sightings in the window: marking, the list, the dispatch settings, the map markers.
#[derive(Debug, Default)]
pub struct SightingsPanel {
    /// The list window is open.
    open: bool,
    /// The quick menu, when open.
    quick: Option<QuickMark>,
    /// Marks sent to the core and not answered yet: request id → what.
    pending: HashMap<u64, (Instant, String)>,
    /// The last outcome: when, whether it went well, the text.
    feedback: Option<(Instant, bool, String)>,
    /// The sighting selected in the list or on the map.
    selected: Option<Uuid>,
    edit: Option<EditDraft>,
    dispatch: Option<dispatch::DispatchDraft>,
}

/// The category's name in the window's language.
pub fn category_name(tr: Tr, c: Category) -> &'static str {
    tr.s(match c {
        Category::Person => S::CategoryPerson,
        Category::Vehicle => S::CategoryVehicle,
        Category::Crowd => S::CategoryCrowd,
        Category::TrafficIncident => S::CategoryTraffic,
        Category::Fire => S::CategoryFire,
        Category::Rescue => S::CategoryRescue,
        Category::Other => S::CategoryOther,
    })
}

/// The one-character label drawn in the category's map icon.
pub fn category_icon(tr: Tr, c: Category) -> &'static str {
    tr.s(match c {
        Category::Person => S::IconPerson,
        Category::Vehicle => S::IconVehicle,
        Category::Crowd => S::IconCrowd,
        Category::TrafficIncident => S::IconTraffic,
        Category::Fire => S::IconFire,
        Category::Rescue => S::IconRescue,
        Category::Other => S::IconOther,
    })
}

pub fn priority_name(tr: Tr, p: Priority) -> &'static str {
    tr.s(match p {
        Priority::Low => S::PriorityLow,
        Priority::Normal => S::PriorityNormal,
        Priority::High => S::PriorityHigh,
        Priority::Urgent => S::PriorityUrgent,
    })
}

/// The delivery state's name in the window's language.
pub fn state_name(tr: Tr, s: DeliveryState) -> &'static str {
    tr.s(match s {
        DeliveryState::Queued => S::StateQueued,
        DeliveryState::Delivered => S::StateDelivered,
        DeliveryState::Acknowledged => S::StateAcknowledged,
    })
}

/// The colour of a delivery state: amber waiting, blue with the broker, green done.
pub fn state_colour(s: DeliveryState) -> Color32 {
    match s {
        DeliveryState::Queued => Color32::from_rgb(0xd9, 0x77, 0x06),
        DeliveryState::Delivered => Color32::from_rgb(0x25, 0x63, 0xeb),
        DeliveryState::Acknowledged => Color32::from_rgb(0x16, 0xa3, 0x4a),
    }
}

impl Panel for SightingsPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, _actions: &mut Actions) {
        if let Event::Sightings(e) = event {
            self.answer(e, cx);
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        ui.separator();
        let tr = cx.tr;
        if ui
            .button(RichText::new(tr.s(S::SightingButton)).strong())
            .clicked()
        {
            self.quick_mark_at_selected(cx);
        }
        let waiting = cx.view.sightings.dispatch.backlog();
        if ui
            .button(tr.f(S::SightingsButtonFmt, &[&waiting]))
            .clicked()
        {
            self.open = !self.open;
        }
    }

    /// The dispatch state and the last sighting's outcome.
    fn status(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        ui.separator();
        let tr = cx.tr;
        let d = &cx.view.sightings.dispatch;
        let n = d.backlog();
        let (text, colour) = match &d.connection {
            DispatchConnection::Off if n == 0 => (tr.s(S::DispatchOff).to_string(), None),
            DispatchConnection::Off => (tr.f(S::DispatchOffFmt, &[&n]), None),
            DispatchConnection::Connecting => (tr.f(S::DispatchConnectingFmt, &[&n]), None),
            DispatchConnection::Connected => {
                (tr.f(S::DispatchConnectedFmt, &[&n]), Some(theme::GOOD))
            }
            DispatchConnection::Offline { .. } => {
                (tr.f(S::DispatchOfflineFmt, &[&n]), Some(theme::BAD))
            }
            DispatchConnection::Failed(e) => (tr.f(S::DispatchFailedFmt, &[e]), Some(theme::BAD)),
            DispatchConnection::NoQueue(e) => (tr.f(S::DispatchNoQueueFmt, &[e]), Some(theme::BAD)),
        };
        let mut rt = RichText::new(text);
        if let Some(c) = colour {
            rt = rt.color(c);
        }
        let mut hover = tr.f(
            S::DispatchBacklogFmt,
            &[
                &d.counts.queued,
                &d.counts.delivered,
                &d.counts.acknowledged,
            ],
        );
        if let Some(b) = &d.broker {
            hover = format!("{b} ({})\n{hover}", d.console_id);
        }
        if let DispatchConnection::Offline { reason } = &d.connection {
            hover.push('\n');
            hover.push_str(reason);
        }
        if let Some(at) = d.retry_at {
            hover.push('\n');
            hover.push_str(&tr.f(
                S::DispatchRetryFmt,
                &[&kestrel_core::time::DateTime::local(at.to_system_time()).hms()],
            ));
        }
        if ui
            .add(egui::Label::new(rt).sense(egui::Sense::click()))
            .on_hover_text(hover)
            .clicked()
        {
            self.open = true;
        }
        let now = Instant::now();
        if let Some((_, what)) = self.pending.values().next() {
            ui.separator();
            ui.label(RichText::new(tr.f(S::SightingSavingFmt, &[what])).italics());
        } else if let Some((at, ok, text)) = &self.feedback {
            if now.duration_since(*at) < FEEDBACK_KEEP {
                ui.separator();
                let c = if *ok { theme::GOOD } else { theme::BAD };
                ui.label(RichText::new(text).color(c).strong());
            }
        }
    }

    /// Hotkeys, the quick menu, the list and the dispatch settings.
    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        let typing = ctx.egui_wants_keyboard_input();
        if self.quick.is_none()
            && !typing
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::S))
        {
            self.quick_mark_at_selected(cx);
        }
        self.quick_menu(ctx, cx);
        self.list_window(ctx, cx, actions);
        self.dispatch_window(ctx, cx, actions);
        // A core that never answers (it always does) does not leave "saving…" for ever.
        let now = Instant::now();
        self.pending
            .retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(30));
        if let Some((at, _, _)) = self.feedback {
            if now.duration_since(at) < FEEDBACK_KEEP {
                ctx.request_repaint_after(Duration::from_millis(500));
            }
        }
    }
}

impl SightingsPanel {
    /// Takes the core's answers about sightings.
    fn answer(&mut self, e: &SightingEvent, cx: &ViewCtx) {
        let tr = cx.tr;
        let now = Instant::now();
        match e {
            SightingEvent::Saved { request, result } => {
                self.pending.remove(request);
                self.feedback = Some(match result {
                    Ok(s) => {
                        self.selected = Some(s.id);
                        (
                            now,
                            true,
                            tr.f(S::SightingSavedFmt, &[&category_name(tr, s.category)]),
                        )
                    }
                    Err(e) => (now, false, tr.f(S::SightingFailedFmt, &[&e])),
                });
            }
            SightingEvent::Edited { id, result } => {
                self.feedback = Some(match result {
                    Ok(s) if s.id == *id => (
                        now,
                        true,
                        tr.f(S::SightingEditedFmt, &[&category_name(tr, s.category)]),
                    ),
                    Ok(s) => {
                        self.selected = Some(s.id);
                        self.edit = None;
                        (
                            now,
                            true,
                            tr.f(S::SightingCorrectedFmt, &[&category_name(tr, s.category)]),
                        )
                    }
                    Err(e) => (now, false, tr.f(S::SightingFailedFmt, &[&e])),
                });
            }
        }
    }
}
