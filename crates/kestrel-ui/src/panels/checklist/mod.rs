//! The pre-flight checklist in the window: a row in the selected aircraft's panel (how much is
//! done, whether it is enforced) and the checklist window — every item with what telemetry
//! says, the pilot's ticks, and the switch that enforces it. The core judges the items and
//! refuses to arm; this panel only shows them and asks.

mod strings;

use eframe::egui::{self, Color32, RichText};

use kestrel_core::checklist::{
    ChecklistReport, ChecklistSettings, FenceReading, ItemId, ItemState, Reading,
};
use kestrel_core::console::{ChecklistEvent, ChecklistIntent, Event};
use kestrel_core::fleet::Aircraft;
use kestrel_core::fleet::LinkState;
use kestrel_core::seat::Seat;
use kestrel_core::security::SigningState;

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use strings::S;

/// The checklist row and window.
#[derive(Debug, Default)]
pub struct ChecklistPanel {
    /// The aircraft whose checklist window is open.
    open: Option<u8>,
}

impl ChecklistPanel {
    /// Opens the checklist window of an aircraft.
    pub fn open_for(&mut self, sysid: u8) {
        self.open = Some(sysid);
    }

    /// The aircraft whose checklist window is open.
    pub fn is_open(&self) -> Option<u8> {
        self.open
    }
}

/// What an item asks for, in words.
fn item_label(tr: Tr, item: ItemId, s: &ChecklistSettings) -> String {
    match item {
        ItemId::Airframe => tr.s(S::ItemAirframe).into(),
        ItemId::ControlSurfaces => tr.s(S::ItemControlSurfaces).into(),
        ItemId::Battery => tr.f(S::ItemBatteryFmt, &[&format!("{:.0}", s.battery_min_pct)]),
        ItemId::Gps => tr.f(S::ItemGpsFmt, &[&s.gps_min_satellites]),
        ItemId::Link => tr.s(S::ItemLink).into(),
        ItemId::Signing => tr.s(S::ItemSigning).into(),
        ItemId::Geofence => tr.s(S::ItemGeofence).into(),
        ItemId::Prearm => tr.s(S::ItemPrearm).into(),
        ItemId::Traffic => tr.f(
            S::ItemTrafficFmt,
            &[&format!("{:.1}", s.traffic_clear_m / 1000.0)],
        ),
        ItemId::AreaClear => tr.s(S::ItemAreaClear).into(),
        ItemId::CrewBriefed => tr.s(S::ItemCrewBriefed).into(),
    }
}

/// What telemetry said, in the crew's language.
fn reading_text(tr: Tr, r: &Reading) -> String {
    match r {
        Reading::Charge(p) => format!("{p:.0} %"),
        Reading::Gnss {
            fix_type,
            satellites,
            hdop,
        } => {
            let fix = tr.s(match fix_type {
                0 | 1 => S::FixNone,
                2 => S::Fix2d,
                3 => S::Fix3d,
                4 => S::FixDgps,
                5 => S::FixRtkFloat,
                _ => S::FixRtkFixed,
            });
            let mut text = tr.f(S::GnssFmt, &[&fix, satellites]);
            if let Some(h) = hdop {
                text.push_str(&tr.f(S::HdopFmt, &[&format!("{h:.1}")]));
            }
            text
        }
        Reading::Link { state, loss } => {
            let state = tr.s(match state {
                LinkState::Connected => S::LinkConnected,
                LinkState::Degraded => S::LinkDegraded,
                LinkState::Lost => S::LinkLost,
            });
            tr.f(S::LinkFmt, &[&state, &format!("{:.0}", loss * 100.0)])
        }
        Reading::Signing(s) => tr
            .s(match s {
                SigningState::On => S::SigningOn,
                SigningState::Unconfirmed => S::SigningUnconfirmed,
                SigningState::Off => S::SigningOff,
                SigningState::SignedWithoutKey => S::SigningNoKey,
            })
            .into(),
        Reading::Fence(f) => tr
            .s(match f {
                FenceReading::On => S::FenceOn,
                FenceReading::Off => S::FenceOff,
                FenceReading::Breached => S::FenceBreached,
            })
            .into(),
        Reading::Prearm(ok) => tr.s(if *ok { S::PrearmPass } else { S::PrearmFail }).into(),
        Reading::Traffic(None) => tr.s(S::TrafficNone).into(),
        Reading::Traffic(Some(km)) => tr.f(S::TrafficNearestFmt, &[&format!("{km:.1}")]),
    }
}

/// The mark, its colour and what the item stands at, in words; and the reason (hover text).
fn item_state(tr: Tr, state: &ItemState) -> (&'static str, Color32, String, Option<String>) {
    match state {
        ItemState::Passed { measured } => ("✔", theme::GOOD, reading_text(tr, measured), None),
        ItemState::Ticked(t) => ("✔", theme::GOOD, tr.f(S::TickedByFmt, &[&t.by]), None),
        ItemState::NotReported => ("–", Color32::GRAY, tr.s(S::NotReported).into(), None),
        ItemState::Failed { measured, reason } => (
            "✖",
            theme::BAD,
            reading_text(tr, measured),
            Some(reason.clone()),
        ),
        ItemState::Waiting { reason } => ("○", theme::WARN, String::new(), Some(reason.clone())),
    }
}

/// Whether this console may tick an aircraft's checklist (the pilot seat, or a console of its
/// own).
fn may_tick(cx: &ViewCtx, sysid: u8) -> bool {
    matches!(cx.view.seat.seat, None | Some(Seat::Pilot)) && cx.view.seat.may_fly(sysid)
}

impl ChecklistPanel {
    fn items(
        &self,
        ui: &mut egui::Ui,
        report: &ChecklistReport,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let settings = &cx.view.checklist.settings;
        let tick = may_tick(cx, report.sysid);
        egui::Grid::new("checklist-items")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for i in &report.items {
                    let (mark, colour, said, why) = item_state(tr, &i.state);
                    ui.label(RichText::new(mark).color(colour).strong());
                    let label = item_label(tr, i.item, settings);
                    if i.item.is_manual() {
                        let mut checked = matches!(i.state, ItemState::Ticked(_));
                        let box_ = ui.add_enabled(tick, egui::Checkbox::new(&mut checked, label));
                        if box_.changed() {
                            actions.send(ChecklistIntent::Tick {
                                aircraft: report.sysid,
                                item: i.item,
                                checked,
                            });
                        }
                    } else {
                        ui.label(label);
                    }
                    let said = if said.is_empty() {
                        tr.s(if i.item.is_manual() {
                            S::NotTicked
                        } else {
                            S::WaitingTelemetry
                        })
                        .to_string()
                    } else {
                        said
                    };
                    let shown = ui.label(RichText::new(said).color(colour));
                    if let Some(why) = why {
                        shown.on_hover_text(why);
                    }
                    ui.end_row();
                }
            });
    }

    fn footer(
        &self,
        ui: &mut egui::Ui,
        report: &ChecklistReport,
        armed: bool,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let settings = &cx.view.checklist.settings;
        let (done, all) = report.progress();
        if done == all {
            ui.label(RichText::new(tr.s(S::Complete)).color(theme::GOOD).strong());
        } else {
            ui.label(
                RichText::new(tr.f(S::OpenItemsFmt, &[&(all - done)]))
                    .color(theme::WARN)
                    .strong(),
            );
            ui.label(tr.s(if settings.enforce {
                S::ArmingRefused
            } else {
                S::NotEnforced
            }));
        }
        if armed {
            ui.weak(tr.s(S::CheckedWhenArmed));
        }
        if !may_tick(cx, report.sysid) {
            ui.weak(tr.s(S::OnlyPilot));
        }
        ui.separator();
        let mut enforce = settings.enforce;
        let may_change = matches!(cx.view.seat.seat, None | Some(Seat::Pilot));
        if ui
            .add_enabled(
                may_change,
                egui::Checkbox::new(&mut enforce, tr.s(S::EnforceToggle)),
            )
            .changed()
        {
            let next = ChecklistSettings {
                enforce,
                ..settings.clone()
            };
            actions.send(ChecklistIntent::SetSettings(next));
            actions.settings(move |s| s.checklist.enforce = enforce);
        }
    }
}

impl Panel for ChecklistPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        match event {
            // Arming refused for the checklist: show the pilot what is open.
            Event::Checklist(ChecklistEvent::ArmingRefused { aircraft, .. }) => {
                self.open = Some(*aircraft);
            }
            Event::Checklist(ChecklistEvent::Refused(why)) => {
                actions.push(Action::Notice(cx.tr.f(S::RefusedFmt, &[why])));
            }
            // Armed past an enforced checklist (from another station): worth a word. Without
            // enforcement the audit trail keeps what was open, and the pilot is not nagged.
            Event::Checklist(ChecklistEvent::Armed { aircraft, result })
                if result != "complete" && cx.view.checklist.settings.enforce =>
            {
                actions.push(Action::Notice(
                    cx.tr
                        .f(S::ArmedIncompleteFmt, &[&cx.callsign(*aircraft), result]),
                ));
            }
            _ => {}
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
        let Some(report) = cx.view.checklist.report(a.sysid) else {
            return;
        };
        let (done, all) = report.progress();
        ui.label(tr.s(S::Checklist));
        ui.horizontal(|ui| {
            let colour = if done == all {
                theme::GOOD
            } else {
                theme::WARN
            };
            ui.label(RichText::new(tr.f(S::ProgressFmt, &[&done, &all])).color(colour));
            if cx.view.checklist.settings.enforce {
                ui.weak(tr.s(S::Enforced));
            }
            if ui.small_button(tr.s(S::Open)).clicked() {
                self.open = Some(a.sysid);
            }
        });
        ui.end_row();
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        let Some(sysid) = self.open else {
            return;
        };
        let Some(report) = cx.view.checklist.report(sysid) else {
            return;
        };
        let armed = cx.view.fleet.get(sysid).is_some_and(|a| a.armed);
        let mut open = true;
        egui::Window::new(cx.tr.f(S::ChecklistOfFmt, &[&cx.callsign(sysid)]))
            .id(egui::Id::unique("kestrel-checklist"))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                self.items(ui, report, cx, actions);
                ui.separator();
                self.footer(ui, report, armed, cx, actions);
            });
        if !open {
            self.open = None;
        }
    }
}
