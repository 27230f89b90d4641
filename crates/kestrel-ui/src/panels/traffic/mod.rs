//! Manned traffic in the window: a "Traffic (N)" button in the top bar (amber or red while a
//! conflict is open) opening the list of targets — type, altitude and altitude relative to the
//! selected aircraft, distance, track and speed, age, who heard it — with the ground receivers'
//! state and the conflict boxes, settable; a Traffic row in the selected aircraft's panel; the
//! targets on the map ([`layer`]); and conflict and collision alerts in the pilot's language.

mod layer;
mod strings;

use eframe::egui::{self, RichText};

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use kestrel_core::console::{Event, TrafficEvent, TrafficIntent};
use kestrel_core::fleet::Aircraft;
use kestrel_core::geo::GeoPoint;
use kestrel_core::traffic::{
    CollisionReport, Conflict, ConflictLevel, Emitter, SuggestedAction, Target, TrafficSettings,
};
use strings::S;

/// Manned traffic: the list window, its settings being edited, the target picked on the map.
#[derive(Debug, Default)]
pub struct TrafficPanel {
    open: bool,
    /// The conflict boxes as being edited (None: not edited, show the ones in use).
    editing: Option<TrafficSettings>,
    /// The target clicked on the map, by ICAO address.
    picked: Option<u32>,
}

/// A traffic conflict alert in the pilot's language.
pub fn conflict_text(tr: Tr, c: &Conflict) -> String {
    let level = level_word(tr, c.level);
    let action = match c.action {
        SuggestedAction::Monitor => tr.s(S::ActionMonitor),
        SuggestedAction::Descend => tr.s(S::ActionDescend),
        SuggestedAction::Climb => tr.s(S::ActionClimb),
    };
    let side = if c.now.vertical_m >= 0.0 {
        tr.s(S::Above)
    } else {
        tr.s(S::Below)
    };
    let f0 = |v: f64| format!("{v:.0}");
    tr.f(
        S::ConflictFmt,
        &[
            &level,
            &c.label(),
            &f0(c.now.horizontal_m),
            &f0(c.bearing_deg),
            &f0(c.now.vertical_m.abs()),
            &side,
            &f0(c.cpa.horizontal_m),
            &f0(c.cpa_in_s),
            &action,
        ],
    )
}

/// A collision threat the aircraft reported, in the pilot's language.
pub fn collision_text(tr: Tr, r: &CollisionReport) -> String {
    let level = if r.threat_level >= 2 {
        tr.s(S::CollisionHigh)
    } else {
        tr.s(S::CollisionLow)
    };
    tr.f(
        S::CollisionFmt,
        &[
            &level,
            &format!("{:06X}", r.id),
            &format!("{:.0}", r.horizontal_minimum_m),
            &format!("{:.0}", r.altitude_minimum_m),
            &format!("{:.0}", r.time_to_minimum_s),
            &r.action,
        ],
    )
}

fn level_word(tr: Tr, l: ConflictLevel) -> &'static str {
    match l {
        ConflictLevel::Advisory => tr.s(S::ConflictAdvisory),
        ConflictLevel::Warning => tr.s(S::ConflictWarning),
    }
}

fn emitter_word(tr: Tr, e: Emitter) -> &'static str {
    tr.s(match e {
        Emitter::Unknown => S::EmitterUnknown,
        Emitter::Light => S::EmitterLight,
        Emitter::Large => S::EmitterLarge,
        Emitter::Rotorcraft => S::EmitterRotorcraft,
        Emitter::Sport => S::EmitterSport,
        Emitter::Uav => S::EmitterUav,
        Emitter::Surface => S::EmitterSurface,
    })
}

/// The colour of a conflict level: amber advisory, red warning.
pub fn level_colour(l: ConflictLevel) -> egui::Color32 {
    match l {
        ConflictLevel::Advisory => egui::Color32::from_rgb(0xf5, 0x9e, 0x0b),
        ConflictLevel::Warning => theme::BAD,
    }
}

/// The worst conflict a target is in, if any.
fn worst_for(cx: &ViewCtx, icao: u32) -> Option<ConflictLevel> {
    cx.view
        .traffic
        .conflicts
        .iter()
        .filter(|c| c.icao == icao)
        .map(|c| c.level)
        .max()
}

/// Horizontal distance between two points, metres (flat Earth over kilometres).
fn distance_m(a: GeoPoint, b: GeoPoint) -> f64 {
    let r = kestrel_core::traffic::target::EARTH_RADIUS_M;
    let x = (b.lon - a.lon).to_radians() * r * a.lat.to_radians().cos();
    let y = (b.lat - a.lat).to_radians() * r;
    (x * x + y * y).sqrt()
}

/// "+70 m" / "−120 m": the target's altitude relative to an aircraft.
fn relative(t: &Target, a: Option<&Aircraft>) -> Option<String> {
    let a = a?;
    let d = t.alt_amsl_m? - f64::from(a.alt_amsl_m);
    Some(format!("{d:+.0} m"))
}

impl Panel for TrafficPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, actions: &mut Actions) {
        if let Event::Traffic(TrafficEvent::SettingsRefused(why)) = event {
            actions.push(Action::Notice(cx.tr.f(S::SettingsRefusedFmt, &[why])));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, _actions: &mut Actions) {
        ui.separator();
        let v = &cx.view.traffic;
        let mut text = RichText::new(cx.tr.f(S::TrafficButtonFmt, &[&v.targets.len()]));
        if let Some(l) = v.conflicts.iter().map(|c| c.level).max() {
            text = text.strong().color(level_colour(l));
        }
        if ui.button(text).clicked() {
            self.open = !self.open;
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
        ui.label(tr.s(S::TrafficRow));
        match cx
            .view
            .traffic
            .conflicts
            .iter()
            .find(|c| c.sysid == a.sysid)
        {
            Some(c) => {
                ui.label(
                    RichText::new(conflict_text(tr, c))
                        .strong()
                        .color(level_colour(c.level)),
                );
            }
            None => {
                ui.label(tr.s(S::TrafficClear));
            }
        }
        ui.end_row();
    }

    fn windows(&mut self, ctx: &egui::Context, cx: &ViewCtx, actions: &mut Actions) {
        if !self.open {
            return;
        }
        let tr = cx.tr;
        let mut open = self.open;
        egui::Window::new(tr.s(S::TrafficTitle))
            .id(egui::Id::unique("kestrel-traffic"))
            .open(&mut open)
            .default_width(760.0)
            .default_pos([12.0, 420.0])
            .show(ctx, |ui| {
                self.list(ui, cx, actions);
                ui.separator();
                self.feeds(ui, cx);
                ui.separator();
                self.boxes(ui, cx, actions);
            });
        self.open = open;
    }
}

impl TrafficPanel {
    fn list(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        let v = &cx.view.traffic;
        if v.targets.is_empty() {
            ui.label(tr.s(S::NoTraffic));
            return;
        }
        let own = cx.primary();
        egui::Grid::new("kestrel-traffic-list")
            .striped(true)
            .num_columns(8)
            .show(ui, |ui| {
                for h in [
                    S::ColTarget,
                    S::ColType,
                    S::ColAltitude,
                    S::ColRelative,
                    S::ColDistance,
                    S::ColTrack,
                    S::ColAge,
                    S::ColSource,
                ] {
                    ui.strong(tr.s(h));
                }
                ui.end_row();
                for t in v.targets.iter() {
                    let mut name = RichText::new(t.label());
                    if let Some(l) = worst_for(cx, t.icao) {
                        name = name.strong().color(level_colour(l));
                    }
                    if t.stale {
                        name = name.weak();
                    }
                    let picked = self.picked == Some(t.icao);
                    if ui.selectable_label(picked, name).clicked() {
                        self.picked = Some(t.icao);
                        actions.push(Action::CentreMap(t.position_now()));
                    }
                    ui.label(emitter_word(tr, t.emitter));
                    ui.label(
                        t.alt_amsl_m
                            .map(|a| format!("{a:.0} m"))
                            .unwrap_or_else(|| "—".into()),
                    );
                    ui.label(relative(t, own).unwrap_or_else(|| "—".into()));
                    ui.label(
                        own.and_then(|a| a.position)
                            .map(|p| cx.settings.units.distance(distance_m(p, t.position_now())))
                            .unwrap_or_else(|| "—".into()),
                    );
                    ui.label(format!(
                        "{} / {}",
                        t.track_deg
                            .map(|d| format!("{d:.0}°"))
                            .unwrap_or_else(|| "—".into()),
                        t.speed_ms
                            .map(|s| {
                                let (v, u) = cx.settings.units.speed(s as f32);
                                format!("{v:.0} {u}")
                            })
                            .unwrap_or_else(|| "—".into())
                    ));
                    ui.label(tr.f(S::AgeFmt, &[&format!("{:.0}", t.age_s)]));
                    ui.label(
                        t.sources
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                    ui.end_row();
                }
            });
    }

    fn feeds(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        let tr = cx.tr;
        let feeds = &cx.view.traffic.feeds;
        if feeds.is_empty() {
            return;
        }
        ui.strong(tr.s(S::Feeds));
        for f in feeds.iter() {
            if f.connected {
                ui.colored_label(
                    theme::GOOD,
                    tr.f(S::FeedUpFmt, &[&f.name, &f.lines, &f.bad_lines]),
                );
            } else {
                let why = f.last_error.clone().unwrap_or_default();
                ui.colored_label(theme::BAD, tr.f(S::FeedDownFmt, &[&f.name, &why]));
            }
        }
    }

    fn boxes(&mut self, ui: &mut egui::Ui, cx: &ViewCtx, actions: &mut Actions) {
        let tr = cx.tr;
        ui.strong(tr.s(S::Boxes));
        let mut s = self.editing.unwrap_or(cx.view.traffic.settings);
        let before = s;
        let c = &mut s.conflict;
        ui.horizontal(|ui| {
            ui.label(tr.s(S::AdvisoryBox));
            ui.add(egui::DragValue::new(&mut c.advisory_horizontal_m).range(10.0..=10_000.0));
            ui.add(egui::DragValue::new(&mut c.advisory_vertical_m).range(10.0..=3000.0));
        });
        ui.horizontal(|ui| {
            ui.label(tr.s(S::WarningBox));
            ui.add(egui::DragValue::new(&mut c.warning_horizontal_m).range(10.0..=10_000.0));
            ui.add(egui::DragValue::new(&mut c.warning_vertical_m).range(10.0..=3000.0));
        });
        ui.horizontal(|ui| {
            ui.label(tr.s(S::Lookahead));
            ui.add(egui::DragValue::new(&mut c.lookahead_s).range(1.0..=300.0));
        });
        if s != before || self.editing.is_some() {
            self.editing = Some(s);
        }
        let changed = s != cx.view.traffic.settings;
        if ui
            .add_enabled(changed, egui::Button::new(tr.s(S::Apply)))
            .clicked()
        {
            match s.conflict.validate() {
                Ok(()) => {
                    actions.send(TrafficIntent::SetSettings(s));
                    actions.settings(move |settings| settings.traffic = s);
                    self.editing = None;
                }
                Err(e) => actions.push(Action::Notice(
                    tr.f(S::SettingsRefusedFmt, &[&e.to_string()]),
                )),
            }
        }
    }
}
