//! The crew seat in the window: the seat badge in the top bar (seat, person, aircraft commanded,
//! the other seats), the call-out buttons of the observer and payload seats (keys F1-F5), the
//! pilot seat's call-out banner until acknowledged, the hand-over of command (offer from the
//! aircraft panel, accept or decline in a window), and the payload camera's zoom. The core
//! enforces the roles; this panel only shows them and asks.

mod strings;

use eframe::egui::{self, Color32, RichText};

use kestrel_core::console::{Event, SeatEvent, SeatIntent};
use kestrel_core::fleet::Aircraft;
use kestrel_core::link::{LinkRole, LinkStatus};
use kestrel_core::seat::desk::CallOutState;
use kestrel_core::seat::{CallOutKind, Seat};

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use strings::S;

/// The crew seat's controls and banners.
#[derive(Debug, Default)]
pub struct SeatPanel {
    /// The zoom being dialled, per aircraft.
    zoom: Option<(u8, f32)>,
    /// An aircraft whose command this pilot seat asked to take, waiting for confirmation.
    confirm_take: Option<u8>,
}

/// The words of a seat.
pub fn seat_name(tr: Tr, seat: Seat) -> &'static str {
    tr.s(match seat {
        Seat::Pilot => S::SeatPilot,
        Seat::Payload => S::SeatPayload,
        Seat::Observer => S::SeatObserver,
    })
}

/// The words of a call-out.
pub fn call_out_name(tr: Tr, kind: CallOutKind) -> &'static str {
    tr.s(match kind {
        CallOutKind::Traffic => S::CallOutTraffic,
        CallOutKind::Obstacle => S::CallOutObstacle,
        CallOutKind::PeopleBelow => S::CallOutPeopleBelow,
        CallOutKind::LostVisual => S::CallOutLostVisual,
        CallOutKind::LandNow => S::CallOutLandNow,
    })
}

/// Shown instead of the flight controls on a seat that does not command the aircraft.
pub fn no_flight_controls(tr: Tr) -> &'static str {
    tr.s(S::NoFlightControls)
}

/// What the Connections window adds to a link's traffic: for a forwarding endpoint its
/// forwarded frames, copies dropped and when it was last heard; for an aircraft link the copies
/// dropped, if any (empty otherwise).
pub fn forwarding_note(tr: Tr, l: &LinkStatus) -> String {
    match l.role {
        LinkRole::Forward => {
            let heard = match l.last_heard_s {
                Some(s) => tr.f(S::HeardAgoFmt, &[&format!("{s:.1}")]),
                None => tr.s(S::NeverHeard).to_string(),
            };
            format!(
                "\n{}",
                tr.f(
                    S::ForwardEndpointFmt,
                    &[&l.forwarded, &l.duplicates, &heard]
                )
            )
        }
        LinkRole::Aircraft if l.duplicates > 0 => {
            format!("\n{}", tr.f(S::CopiesDroppedFmt, &[&l.duplicates]))
        }
        LinkRole::Aircraft => String::new(),
    }
}

const KEYS: [egui::Key; 5] = [
    egui::Key::F1,
    egui::Key::F2,
    egui::Key::F3,
    egui::Key::F4,
    egui::Key::F5,
];

impl Panel for SeatPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        let Event::Seat(e) = event else {
            return;
        };
        let tr = cx.tr;
        match e {
            SeatEvent::Refused(why) => actions.push(Action::Notice(why.clone())),
            SeatEvent::CommandHandedOver { aircraft, to } => actions.push(Action::Notice(
                tr.f(S::HandedOverFmt, &[&cx.callsign(*aircraft), to]),
            )),
            SeatEvent::CommandTaken { aircraft } => actions.push(Action::Notice(
                tr.f(S::TookCommandFmt, &[&cx.callsign(*aircraft)]),
            )),
            SeatEvent::Zoomed { outcome, .. } if outcome != "accepted" => {
                actions.push(Action::Notice(outcome.clone()))
            }
            _ => {}
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let seat = &cx.view.seat;
        let Some(kind) = seat.seat else {
            return;
        };
        let colour = match kind {
            Seat::Pilot if !seat.commands.is_empty() => theme::GOOD,
            Seat::Pilot => Color32::GRAY,
            Seat::Payload => Color32::from_rgb(0x1e, 0x88, 0xe5),
            Seat::Observer => Color32::from_rgb(0x8e, 0x24, 0xaa),
        };
        let badge = tr.f(S::SeatBadgeFmt, &[&seat_name(tr, kind), &seat.person]);
        let command = if kind == Seat::Pilot {
            if seat.commands.is_empty() {
                tr.s(S::SeatNotInCommand).to_string()
            } else {
                let names: Vec<String> = seat.commands.iter().map(|a| cx.callsign(*a)).collect();
                tr.f(S::SeatInCommandFmt, &[&names.join(", ")])
            }
        } else {
            String::new()
        };
        let crew: Vec<String> = seat
            .peers
            .iter()
            .map(|p| format!("{} · {} ({})", seat_name(tr, p.seat), p.person, p.sysid))
            .collect();
        ui.label(
            RichText::new(format!("{badge} {command}"))
                .strong()
                .color(colour),
        )
        .on_hover_text(format!("{}:\n{}", tr.s(S::SeatCrewHint), crew.join("\n")));
        if kind.makes_call_outs() {
            let target = cx.selection.primary;
            for (i, k) in CallOutKind::ALL.iter().enumerate() {
                let text = RichText::new(call_out_name(tr, *k));
                let text = if k.is_urgent() {
                    text.color(theme::BAD)
                } else {
                    text
                };
                if ui
                    .button(text)
                    .on_hover_text(tr.f(S::CallOutKeyHintFmt, &[&(i + 1)]))
                    .clicked()
                {
                    actions.send(SeatIntent::CallOut {
                        kind: *k,
                        aircraft: target,
                    });
                }
            }
            // The state of the last call-out made here.
            if let Some(c) = seat.call_outs.iter().rev().find(|c| c.from == seat.sysid) {
                let name = call_out_name(tr, c.kind);
                let (key, colour) = match c.state {
                    CallOutState::Sent => (S::CallOutSentFmt, Color32::GRAY),
                    CallOutState::Shown => (S::CallOutShownFmt, theme::GOOD),
                    CallOutState::Acknowledged => (S::CallOutAckedFmt, theme::GOOD),
                    CallOutState::NotDelivered => (S::CallOutLostFmt, theme::BAD),
                };
                ui.label(RichText::new(tr.f(key, &[&name])).color(colour));
            }
        }
    }

    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        aircraft: &Aircraft,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let seat = &cx.view.seat;
        let Some(kind) = seat.seat else {
            return;
        };
        let sysid = aircraft.sysid;
        ui.label(tr.s(S::Command));
        ui.horizontal_wrapped(|ui| {
            if seat.commands.contains(&sysid) {
                ui.label(RichText::new(tr.s(S::CommandHere)).color(theme::GOOD));
                match &seat.offer_out {
                    Some(o) if o.aircraft == sysid && o.accepted => {
                        ui.label(tr.f(S::HandOverAcceptedFmt, &[&o.to]));
                    }
                    Some(o) if o.aircraft == sysid => {
                        ui.label(tr.f(S::HandOverWaitingFmt, &[&o.to]));
                    }
                    _ => {
                        let pilots: Vec<_> = seat
                            .peers
                            .iter()
                            .filter(|p| p.seat == Seat::Pilot)
                            .collect();
                        if !pilots.is_empty() {
                            ui.menu_button(tr.s(S::HandOverTo), |ui| {
                                for p in pilots {
                                    if ui.button(format!("{} ({})", p.person, p.sysid)).clicked() {
                                        actions.send(SeatIntent::Offer {
                                            aircraft: sysid,
                                            to: p.sysid,
                                        });
                                        ui.close();
                                    }
                                }
                            });
                        }
                    }
                }
            } else {
                match seat.peers.iter().find(|p| p.commands.contains(&sysid)) {
                    Some(p) => {
                        ui.label(tr.f(S::CommandByFmt, &[&p.person, &p.sysid]));
                    }
                    None => {
                        ui.label(tr.s(S::CommandNobody));
                        if kind == Seat::Pilot && ui.button(tr.s(S::TakeCommand)).clicked() {
                            self.confirm_take = Some(sysid);
                        }
                    }
                };
            }
        });
        ui.end_row();
        if kind.may_work_payload() {
            let label = ui.label(tr.s(S::Zoom)).id;
            ui.horizontal(|ui| {
                let reported = aircraft.camera_zoom_pct;
                let mut value = match self.zoom {
                    Some((a, v)) if a == sysid => v,
                    _ => reported.unwrap_or(0.0),
                };
                if ui
                    .add(egui::Slider::new(&mut value, 0.0..=100.0).show_value(false))
                    .labelled_by(label)
                    .changed()
                {
                    self.zoom = Some((sysid, value));
                }
                ui.label(format!("{value:.0} %"));
                if ui.button(tr.s(S::ZoomSet)).clicked() {
                    actions.send(SeatIntent::Zoom {
                        aircraft: sysid,
                        percent: value,
                    });
                }
                ui.label(
                    RichText::new(match reported {
                        Some(z) => format!("{z:.0} %"),
                        None => tr.s(S::ZoomUnknown).to_string(),
                    })
                    .weak(),
                );
            });
            ui.end_row();
        }
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let seat = &cx.view.seat;
        let Some(kind) = seat.seat else {
            return;
        };
        if kind.makes_call_outs() && !ctx.egui_wants_keyboard_input() {
            for (i, key) in KEYS.iter().enumerate() {
                if ctx.input(|inp| inp.key_pressed(*key)) {
                    actions.send(SeatIntent::CallOut {
                        kind: CallOutKind::ALL[i],
                        aircraft: cx.selection.primary,
                    });
                }
            }
        }
        // The pilot's banner: every call-out not yet acknowledged, most recent on top.
        let banners = seat.banners();
        if !banners.is_empty() {
            egui::Area::new(egui::Id::unique("seat-call-outs"))
                .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 48.0))
                .order(egui::Order::Foreground)
                .show(ctx, |ui| {
                    for c in banners.iter().rev() {
                        let fill = if c.kind.is_urgent() {
                            theme::BAD
                        } else {
                            Color32::from_rgb(0xef, 0x6c, 0x00)
                        };
                        egui::Frame::new()
                            .fill(fill)
                            .inner_margin(egui::Margin::same(10))
                            .corner_radius(6.0)
                            .show(ui, |ui| {
                                ui.horizontal(|ui| {
                                    ui.label(
                                        RichText::new(tr.f(
                                            S::CallOutBannerFmt,
                                            &[
                                                &c.from_person,
                                                &call_out_name(tr, c.kind).to_uppercase(),
                                                &cx.callsign(c.aircraft),
                                            ],
                                        ))
                                        .size(20.0)
                                        .strong()
                                        .color(Color32::WHITE),
                                    );
                                    if ui.button(tr.s(S::CallOutAcknowledge)).clicked() {
                                        actions.send(SeatIntent::Acknowledge {
                                            from: c.from,
                                            id: c.id,
                                        });
                                    }
                                });
                            });
                        ui.add_space(4.0);
                    }
                });
        }
        if let Some(aircraft) = self.confirm_take {
            let mut answer = None;
            egui::Window::new(tr.s(S::TakeCommandTitle))
                .id(egui::Id::unique("seat-take-command"))
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
                .show(ctx, |ui| {
                    ui.label(tr.f(S::TakeCommandFmt, &[&cx.callsign(aircraft)]));
                    ui.horizontal(|ui| {
                        if ui.button(tr.s(S::TakeCommand)).clicked() {
                            answer = Some(true);
                        }
                        if ui.button(tr.s(S::OfferDecline)).clicked() {
                            answer = Some(false);
                        }
                    });
                });
            if let Some(take) = answer {
                self.confirm_take = None;
                if take {
                    actions.send(SeatIntent::TakeCommand { aircraft });
                }
            }
        }
        for o in seat.offers_in.iter() {
            egui::Window::new(tr.s(S::OfferTitle))
                .id(egui::Id::unique(("seat-offer", o.id)))
                .collapsible(false)
                .resizable(false)
                .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
                .show(ctx, |ui| {
                    ui.label(tr.f(S::OfferFmt, &[&o.from_person, &cx.callsign(o.aircraft)]));
                    ui.horizontal(|ui| {
                        if ui
                            .button(RichText::new(tr.s(S::OfferAccept)).strong())
                            .clicked()
                        {
                            actions.send(SeatIntent::Answer {
                                offer: o.id,
                                accept: true,
                            });
                        }
                        if ui.button(tr.s(S::OfferDecline)).clicked() {
                            actions.send(SeatIntent::Answer {
                                offer: o.id,
                                accept: false,
                            });
                        }
                    });
                });
        }
    }
}
